package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/veche/veche/services/identity"
)

// The city services' handlers (documents.go, polls.go, stalls.go) share one
// shape: check that the service is there and the path can name something,
// authenticate the bearer, decode the body strictly, call the service, and
// answer its result as JSON or its error as a problem. The adapters here
// do all but the call, so a handler states only what differs: it is a
// function from the request (and the signed-in resident, and the decoded
// body) to an answer or an error. A handler that answers something other
// than JSON stays an http.HandlerFunc.

// A city is one city service's API as the adapters see it.
type city struct {
	s *Server
	// ready answers the request itself and reports false if it cannot be
	// served at all (no service is configured, the path names nothing
	// that can exist). It runs before the bearer is authenticated.
	ready func(w http.ResponseWriter, r *http.Request) bool
	// fail answers an error of the service, or of decoding the body, as a
	// problem.
	fail func(w http.ResponseWriter, err error)
}

// A problemError is answered as the problem it describes, as is, instead
// of through the service's error mapping: for the refusals that a handler
// itself decides.
type problemError struct {
	status              int
	kind, title, detail string
}

func (e *problemError) Error() string {
	return fmt.Sprintf("api: %d %s: %s", e.status, e.kind, e.title)
}

// answer writes a handler's outcome: the problem of err if it is not nil,
// else v as JSON with status, or 204 No Content if v is nil.
func (c *city) answer(w http.ResponseWriter, status int, v any, err error) {
	var pe *problemError
	switch {
	case errors.As(err, &pe):
		problem(w, pe.status, pe.kind, pe.title, pe.detail)
	case err != nil:
		c.fail(w, err)
	case v == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
}

// public serves a request that anyone may make, without a body, with do;
// its answer is JSON with status (see [city.answer]).
func public(c *city, status int, do func(r *http.Request) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.ready(w, r) {
			return
		}
		v, err := do(r)
		c.answer(w, status, v, err)
	}
}

// authed serves a signed-in resident's request with do, which reads the
// body itself if the request has one.
func authed(c *city, status int, do func(r *http.Request, p *identity.Principal) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !c.ready(w, r) {
			return
		}
		_, p, ok := c.s.principal(w, r)
		if !ok {
			return
		}
		v, err := do(r, p)
		c.answer(w, status, v, err)
	}
}

// authedWithBody serves a signed-in resident's request whose JSON body is
// decoded strictly (decodeStrict) into a Req before do is called.
func authedWithBody[Req any](c *city, status int, do func(r *http.Request, p *identity.Principal, req *Req) (any, error)) http.HandlerFunc {
	return authed(c, status, func(r *http.Request, p *identity.Principal) (any, error) {
		var req Req
		if err := decodeStrict(r, &req); err != nil {
			return nil, err
		}
		return do(r, p, &req)
	})
}

// bodyProblem answers the errors of decoding a request body (decodeStrict)
// as the problems every JSON route shares, and reports whether err was one.
func bodyProblem(w http.ResponseWriter, err error) bool {
	switch {
	case errors.Is(err, errTooLarge):
		problem(w, http.StatusRequestEntityTooLarge, "request-too-large", "The request body is too large", err.Error())
	case errors.Is(err, errContentType):
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "The request body must be application/json", err.Error())
	case errors.Is(err, errBadJSON):
		problem(w, http.StatusBadRequest, "malformed-request", "Malformed request", err.Error())
	default:
		return false
	}
	return true
}
