package api

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/crypto/hybrid"
	"github.com/veche/veche/services/identity"
)

// The identity endpoints: residents register, log in for bearer tokens,
// register the key their credentials are sealed to, and fetch the sealed
// credentials a credential authority delivered to them
// (docs/spec/identity.md, "The API"). Nothing here ever answers with, or
// logs, an identifier, a password, a token or a credential; a failed login
// does not say which of the identifier and the password was wrong.

// IdentityOptions configure the identity endpoints ([Server.SetIdentity]).
type IdentityOptions struct {
	// SelfRegistration lets anyone register a resident with POST
	// /residents. Off, that endpoint answers 403 registration-closed, and
	// residents are registered by the deployment (from the city's own
	// identity provider, say).
	SelfRegistration bool
}

// identityAPI is the server's identity service, set by SetIdentity.
type identityAPI struct {
	mu   sync.RWMutex
	svc  *identity.Service
	opts IdentityOptions
}

// SetIdentity serves residents, sessions and credential deliveries from
// svc under /api/v1: POST /residents, POST /sessions, POST
// /sessions/refresh, DELETE /sessions, GET /me, PUT /me/encryption-key,
// GET /me/credentials and GET /me/credentials/{election}. Without it those
// answer 404 no-identity-service.
func (s *Server) SetIdentity(svc *identity.Service, opts IdentityOptions) {
	s.ident.mu.Lock()
	defer s.ident.mu.Unlock()
	s.ident.svc, s.ident.opts = svc, opts
}

// identityRoutes mounts the identity endpoints on the /api/v1 router.
func (s *Server) identityRoutes(r chi.Router) {
	r.Post("/residents", s.identityRegister)
	r.Post("/sessions", s.identityLogin)
	r.Post("/sessions/refresh", s.identityRefresh)
	r.Delete("/sessions", s.identityLogout)
	r.Get("/me", s.identityMe)
	r.Put("/me/encryption-key", s.identitySetKey)
	r.Get("/me/credentials", s.identityDeliveries)
	r.Get("/me/credentials/{election}", s.identityDelivery)
}

// identityService returns the identity service, answering the problem
// itself if there is none.
func (s *Server) identityService(w http.ResponseWriter) (*identity.Service, IdentityOptions, bool) {
	s.ident.mu.RLock()
	svc, opts := s.ident.svc, s.ident.opts
	s.ident.mu.RUnlock()
	if svc == nil {
		problem(w, http.StatusNotFound, "no-identity-service", "This server has no identity service", "")
		return nil, opts, false
	}
	return svc, opts, true
}

// identityProblem maps the identity layer's errors to problems. Its
// errors never contain identifiers, passwords or tokens, but only the
// rule broken is answered.
func (s *Server) identityProblem(w http.ResponseWriter, err error) {
	if bodyProblem(w, err) {
		return
	}
	var limited *identity.RateLimitError
	switch {
	case errors.As(err, &limited):
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(limited.RetryAfter)))
		problem(w, http.StatusTooManyRequests, "rate-limited", "Too many failed logins for this identifier",
			"try again in "+strconv.Itoa(retrySeconds(limited.RetryAfter))+" s")
	case errors.Is(err, identity.ErrLoginFailed):
		problem(w, http.StatusUnauthorized, "bad-login", "Unknown identifier or wrong password", "")
	case errors.Is(err, identity.ErrInvalidToken):
		tokenUnauthenticated(w)
	case errors.Is(err, identity.ErrIdentifierTaken):
		problem(w, http.StatusConflict, "identifier-taken", "A resident is already registered under this identifier", "")
	case errors.Is(err, identity.ErrInvalidIdentifier):
		problem(w, http.StatusBadRequest, "invalid-identifier", "Invalid identifier",
			"an identifier is 1 to 254 bytes of letters, marks, numbers, punctuation and symbols, without spaces inside")
	case errors.Is(err, identity.ErrWeakPassword):
		problem(w, http.StatusBadRequest, "weak-password", "The password does not meet the policy",
			"at least "+strconv.Itoa(identity.MinPasswordLength)+" characters, at most "+strconv.Itoa(identity.MaxPasswordSize)+" bytes, no control characters")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		problem(w, http.StatusServiceUnavailable, "unavailable", "The request was not completed in time", "")
	default:
		s.Log.Error("identity request failed", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
	}
}

// retrySeconds rounds d up to whole seconds, at least 1.
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// tokenUnauthenticated answers a missing, malformed, expired or revoked token
// (RFC 6750, Section 3).
func tokenUnauthenticated(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="veche", error="invalid_token"`)
	problem(w, http.StatusUnauthorized, "unauthenticated", "A valid access token is needed",
		"send Authorization: Bearer ACCESS_TOKEN from POST /api/v1/sessions")
}

// bearer returns the token of an "Authorization: Bearer TOKEN" header
// (the scheme is case-insensitive, RFC 9110, Section 11.1).
func bearer(r *http.Request) (string, bool) {
	f := strings.Fields(r.Header.Get("Authorization"))
	if len(f) != 2 || !strings.EqualFold(f[0], "Bearer") || len(r.Header.Values("Authorization")) != 1 {
		return "", false
	}
	return f[1], true
}

// principal authenticates the request's access token, answering the
// problem itself if it does not.
func (s *Server) principal(w http.ResponseWriter, r *http.Request) (*identity.Service, *identity.Principal, bool) {
	svc, _, ok := s.identityService(w)
	if !ok {
		return nil, nil, false
	}
	tok, ok := bearer(r)
	if !ok {
		tokenUnauthenticated(w)
		return nil, nil, false
	}
	p, err := svc.Verify(r.Context(), tok)
	if err != nil {
		s.identityProblem(w, err)
		return nil, nil, false
	}
	return svc, p, true
}

type credentialsRequest struct {
	Identifier string `json:"identifier"`
	Password   string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type tokensResponse struct {
	AccessToken    string    `json:"access_token"`
	RefreshToken   string    `json:"refresh_token"`
	AccessExpires  time.Time `json:"access_expires"`
	RefreshExpires time.Time `json:"refresh_expires"`
}

func writeCreated(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	writeJSON(w, v)
}

func writeTokens(w http.ResponseWriter, t *identity.Tokens) {
	writeCreated(w, tokensResponse{AccessToken: t.Access, RefreshToken: t.Refresh,
		AccessExpires: t.AccessExpires.UTC(), RefreshExpires: t.RefreshExpires.UTC()})
}

// decodeCredentials reads {"identifier", "password"}, both required.
func decodeCredentials(r *http.Request) (credentialsRequest, error) {
	var req credentialsRequest
	if err := decodeStrict(r, &req); err != nil {
		return req, err
	}
	if req.Identifier == "" || req.Password == "" {
		return req, errMissing("identifier and password are required")
	}
	return req, nil
}

func errMissing(what string) error { return fmt.Errorf("%w: %s", errBadJSON, what) }

func (s *Server) identityRegister(w http.ResponseWriter, r *http.Request) {
	svc, opts, ok := s.identityService(w)
	if !ok {
		return
	}
	if !opts.SelfRegistration {
		problem(w, http.StatusForbidden, "registration-closed", "This server does not register residents",
			"residents are registered by the deployment's own identity provider")
		return
	}
	req, err := decodeCredentials(r)
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	id, err := svc.Register(r.Context(), req.Identifier, req.Password)
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	writeCreated(w, map[string]string{"resident": id.String()})
}

func (s *Server) identityLogin(w http.ResponseWriter, r *http.Request) {
	svc, _, ok := s.identityService(w)
	if !ok {
		return
	}
	req, err := decodeCredentials(r)
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	t, err := svc.Login(r.Context(), req.Identifier, req.Password)
	if errors.Is(err, identity.ErrInvalidIdentifier) {
		// No resident has it: the same answer as any other failure.
		err = identity.ErrLoginFailed
	}
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	writeTokens(w, t)
}

func (s *Server) identityRefresh(w http.ResponseWriter, r *http.Request) {
	svc, _, ok := s.identityService(w)
	if !ok {
		return
	}
	var req refreshRequest
	if err := decodeStrict(r, &req); err != nil {
		s.identityProblem(w, err)
		return
	}
	if req.RefreshToken == "" {
		s.identityProblem(w, errMissing("refresh_token is required"))
		return
	}
	t, err := svc.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	writeTokens(w, t)
}

// identityLogout ends the session of the bearer token.
func (s *Server) identityLogout(w http.ResponseWriter, r *http.Request) {
	svc, _, ok := s.identityService(w)
	if !ok {
		return
	}
	tok, ok := bearer(r)
	if !ok {
		tokenUnauthenticated(w)
		return
	}
	if err := svc.Logout(r.Context(), tok); err != nil {
		s.identityProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type meResponse struct {
	Resident      string   `json:"resident"`
	Roles         []string `json:"roles"`
	EncryptionKey string   `json:"encryption_key,omitempty"`
}

func (s *Server) identityMe(w http.ResponseWriter, r *http.Request) {
	svc, p, ok := s.principal(w, r)
	if !ok {
		return
	}
	out := meResponse{Resident: p.Resident.String(), Roles: []string{}}
	for _, role := range p.Roles.List() {
		out.Roles = append(out.Roles, role.String())
	}
	pk, err := svc.EncryptionKey(r.Context(), p.Resident)
	switch {
	case err == nil:
		out.EncryptionKey = hex.EncodeToString(pk.Bytes())
	case !errors.Is(err, identity.ErrNoEncryptionKey):
		s.identityProblem(w, err)
		return
	}
	writeJSON(w, out)
}

type keyRequest struct {
	PublicKey string `json:"public_key"` // crypto/hybrid public key, 64 hex digits
}

func (s *Server) identitySetKey(w http.ResponseWriter, r *http.Request) {
	svc, p, ok := s.principal(w, r)
	if !ok {
		return
	}
	var req keyRequest
	if err := decodeStrict(r, &req); err != nil {
		s.identityProblem(w, err)
		return
	}
	b, err := hex.DecodeString(req.PublicKey)
	if err != nil || len(b) != 32 || req.PublicKey != strings.ToLower(req.PublicKey) {
		problem(w, http.StatusBadRequest, "invalid-key", "Invalid encryption key", "public_key: want 64 lower-case hex digits")
		return
	}
	pk, err := hybrid.NewPublicKey(b)
	if err != nil {
		problem(w, http.StatusBadRequest, "invalid-key", "Invalid encryption key",
			"public_key: not the canonical encoding of a ristretto255 element other than the identity")
		return
	}
	if err := svc.SetEncryptionKey(r.Context(), p.Resident, pk); err != nil {
		s.identityProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type deliveryInfo struct {
	Election  string    `json:"election"`
	Delivered time.Time `json:"delivered"`
}

type deliveryResponse struct {
	Election       string    `json:"election"`
	Sealed         string    `json:"sealed"`          // the hybrid ciphertext, base64
	AssociatedData string    `json:"associated_data"` // identity.DeliveryAD(resident, election), base64
	RecipientKey   string    `json:"recipient_key"`   // the key it is sealed to, hex
	Delivered      time.Time `json:"delivered"`
}

// identityDeliveries lists what was delivered to the bearer: deliveries
// are found by the token's resident only, so nobody reads another's.
func (s *Server) identityDeliveries(w http.ResponseWriter, r *http.Request) {
	svc, p, ok := s.principal(w, r)
	if !ok {
		return
	}
	ds, err := svc.Deliveries(r.Context(), p.Resident)
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	out := make([]deliveryInfo, 0, len(ds))
	for _, d := range ds {
		out = append(out, deliveryInfo{Election: d.Election, Delivered: d.Delivered.UTC()})
	}
	writeJSON(w, map[string]any{"credentials": out})
}

func (s *Server) identityDelivery(w http.ResponseWriter, r *http.Request) {
	svc, p, ok := s.principal(w, r)
	if !ok {
		return
	}
	election := chi.URLParam(r, "election")
	d, err := svc.Delivery(r.Context(), p.Resident, election)
	if errors.Is(err, identity.ErrNoDelivery) || errors.Is(err, identity.ErrMalformed) {
		problem(w, http.StatusNotFound, "no-credential", "No credential was delivered to you for this election", "")
		return
	}
	if err != nil {
		s.identityProblem(w, err)
		return
	}
	writeJSON(w, deliveryResponse{
		Election:       d.Election,
		Sealed:         base64.StdEncoding.EncodeToString(d.Ciphertext.Bytes()),
		AssociatedData: base64.StdEncoding.EncodeToString(identity.DeliveryAD(p.Resident, d.Election)),
		RecipientKey:   hex.EncodeToString(d.RecipientKey.Bytes()),
		Delivered:      d.Delivered.UTC(),
	})
}
