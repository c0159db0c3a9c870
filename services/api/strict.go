package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

// MaxBody is the largest request body the API reads: a ballot of the
// largest manifest, base64-encoded, fits with room to spare. One route
// takes more (MaxDecryptionBody, stalls.go).
const MaxBody = 256 << 10

// maxDepth bounds the nesting of a request document.
const maxDepth = 16

// errBadJSON is wrapped by every strict-decoding failure.
var errBadJSON = errors.New("malformed JSON")

// decodeStrict reads a JSON request body into v (a pointer to a struct),
// refusing: bodies over MaxBody, documents nested deeper than 16 levels,
// duplicate keys, keys that match a field only case-insensitively (Go's
// decoder would accept "Ballot" for "ballot"), unknown fields, trailing
// data, and a content type other than application/json.
func decodeStrict(r *http.Request, v any) error {
	return decodeStrictUpTo(r, v, MaxBody)
}

// decodeStrictUpTo is decodeStrict for a route whose bodies may be up to
// limit bytes; the route's middleware must let that much through
// (withBodyLimit).
func decodeStrictUpTo(r *http.Request, v any, limit int) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return fmt.Errorf("%w: content type %q, want application/json", errContentType, ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(limit)+1))
	if err != nil {
		return fmt.Errorf("%w: reading the body: %v", errBadJSON, err)
	}
	if len(body) > limit {
		return tooLargeError{limit}
	}
	if err := checkKeys(body, fieldNames(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errBadJSON, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the document", errBadJSON)
	}
	return nil
}

// A limitedBody is a request body cut by http.MaxBytesReader (api.go's
// middleware cuts every body at MaxBody+1) that keeps the body it cuts,
// so that a route taking larger bodies can set its own limit before
// anything is read (withBodyLimit).
type limitedBody struct {
	io.ReadCloser               // the body cut at the limit
	uncut         io.ReadCloser // the request's own body
}

// limitBody returns body cut at limit+1 bytes: a reader of limit+1 bytes
// learns that the body is over the limit without an error from the cut.
func limitBody(w http.ResponseWriter, body io.ReadCloser, limit int64) io.ReadCloser {
	return &limitedBody{ReadCloser: http.MaxBytesReader(w, body, limit+1), uncut: body}
}

// withBodyLimit is the middleware of a route whose bodies may be up to
// limit bytes instead of MaxBody; the route decodes them with
// decodeStrictUpTo and the same limit.
func withBodyLimit(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if b, ok := r.Body.(*limitedBody); ok {
				r.Body = limitBody(w, b.uncut, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// isJSON reports whether content type ct is application/json (with
// parameters, such as charset, or not).
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// errTooLarge is the error of a body over MaxBody. Every tooLargeError,
// whatever its route's limit, is errTooLarge for errors.Is, and every one
// wraps errBadJSON.
var errTooLarge error = tooLargeError{MaxBody}

// A tooLargeError is a request body over its route's limit of bytes.
type tooLargeError struct{ limit int }

func (e tooLargeError) Error() string {
	return fmt.Sprintf("%v: the body is over %d bytes", errBadJSON, e.limit)
}

func (e tooLargeError) Unwrap() error { return errBadJSON }

func (e tooLargeError) Is(target error) bool {
	_, ok := target.(tooLargeError)
	return ok
}

// errContentType: the request is not application/json.
var errContentType = fmt.Errorf("%w: unsupported media type", errBadJSON)

// fieldNames returns the exact JSON names of v's struct fields, for the
// case check (top level only: request documents here are flat).
func fieldNames(v any) map[string]bool {
	names := map[string]bool{}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return names
	}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" {
			name = t.Field(i).Name
		}
		names[name] = true
	}
	return names
}

// checkKeys walks the document: no duplicate keys in any object, no
// nesting deeper than maxDepth, and at the top level only keys spelt
// exactly as a field.
func checkKeys(b []byte, fields map[string]bool) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var walk func(depth int) error
	walk = func(depth int) error {
		if depth > maxDepth {
			return fmt.Errorf("%w: nested deeper than %d levels", errBadJSON, maxDepth)
		}
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", errBadJSON, err)
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("%w: %v", errBadJSON, err)
				}
				k := kt.(string)
				if seen[k] {
					return fmt.Errorf("%w: key %q appears twice", errBadJSON, k)
				}
				seen[k] = true
				if depth == 0 && !fields[k] {
					return fmt.Errorf("%w: unknown field %q", errBadJSON, k)
				}
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("%w: %v", errBadJSON, err) // a truncated object
			}
			return nil
		case json.Delim('['):
			for dec.More() {
				if err := walk(depth + 1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("%w: %v", errBadJSON, err) // a truncated array
			}
			return nil
		}
		if depth == 0 {
			return fmt.Errorf("%w: the document is not an object", errBadJSON)
		}
		return nil
	}
	if err := walk(0); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the document", errBadJSON)
	}
	return nil
}
