// Package api is the voter-facing REST API of Veche (the Active Citizen app's
// back end), under /api/v1: elections and their manifests, the election key,
// and, with the ballot box, casting, auditing and ballot status.
//
// Design notes:
//   - Everything a voter must not take on trust -- the manifest, the election
//     key, the credential list -- is served as the board has it, and the
//     client SDK re-reads it from the chain; the API is a convenience, not a
//     source of truth.
//   - Request bodies are size-limited and decoded strictly (decodeStrict):
//     unknown fields, duplicate keys and case-variant keys are errors, so two
//     different byte strings never mean the same request.
//   - Errors are RFC 9457 problem details (application/problem+json) with a
//     type URI per kind of problem; a client error is a 4xx, never a 5xx,
//     and no response or log line carries a ballot's contents.
//   - Rate limits (ratelimit.go, [Limits]): per client address on every
//     route and per credential on casts and audits, token buckets held in
//     bounded tables; a refusal is 429 with Retry-After.
//   - A credential's own history (GET /elections/{id}/history) is served
//     only to a request signed with the credential ([HistoryMessage]).
package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/services/documents"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/services/stalls"
	"github.com/veche/veche/voting"
)

// A Server serves the API from a bulletin board.
type Server struct {
	Board bulletin.Reader
	Log   *slog.Logger

	router chi.Router
	mu     sync.Mutex
	boxes  map[string]*ballotbox.Box
	limits *limiter    // rate limits (ratelimit.go)
	ident  identityAPI // residents and deliveries (identity.go)
	where  *BoardInfo  // where the board is (board.go); nil: not on a chain
}

// Config configures a [Server] beyond its board.
type Config struct {
	// Limits are the rate limits; the zero Limits is none.
	Limits Limits
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client: a request from one of them is counted against the
	// right-most address of that header that is not a trusted proxy. Any
	// other request is counted against its TCP peer.
	TrustedProxies []netip.Prefix
	// Metrics, if not nil, registers the API's Prometheus collectors
	// (veche_api_rate_limited_total{limit}, veche_api_rate_limit_buckets{limit}).
	Metrics prometheus.Registerer
	// Polls, if not nil, serves the Active Citizen endpoints (polls.go): polls, comments, ratings, aggregates.
	Polls *polls.Service
	// Documents, if not nil, serves the documents endpoints (documents.go): issuers, buildings, documents, shares.
	Documents *documents.Service
	// Stalls, if not nil, serves the stall allocation endpoints (stalls.go): seasons, bids, decryptions, allocation.
	Stalls *stalls.Service
}

// New returns a Server reading from board, with no rate limits.
func New(board bulletin.Reader, log *slog.Logger) *Server {
	s, err := NewWithConfig(board, log, Config{})
	if err != nil {
		panic(err) // the zero Config is valid
	}
	return s
}

// NewWithConfig returns a Server reading from board, configured by cfg.
// It fails if a limit is negative or the metrics cannot be registered.
func NewWithConfig(board bulletin.Reader, log *slog.Logger, cfg Config) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	limits, err := newLimiter(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{Board: board, Log: log, limits: limits}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(s.limitAddresses)
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = limitBody(w, r.Body, MaxBody) // a route may raise it: withBodyLimit (strict.go)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "not-found", "No such resource", "")
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", r.Method+" is not allowed here")
	})
	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/health", s.health)
		r.Get("/ready", s.ready)
		r.Get("/openapi.json", s.openapi)
		r.Get("/elections/{id}", s.election)
		r.Get("/elections/{id}/manifest", s.manifest)
		r.Get("/elections/{id}/key", s.key)
		r.Post("/elections/{id}/ballots", s.cast)
		r.Post("/elections/{id}/audits", s.audit)
		r.Get("/elections/{id}/ballots/{code}", s.status)
		r.Get("/elections/{id}/history", s.history)
		r.Get("/board", s.board)
		s.identityRoutes(r)                 // residents, sessions, /me (identity.go)
		s.pollsRoutes(r, cfg.Polls)         // Active Citizen: polls, comments, ratings (polls.go)
		s.documentsRoutes(r, cfg.Documents) // issuers, buildings, documents, shares (documents.go)
		s.stallsRoutes(r, cfg.Stalls)       // farmers' market seasons, sealed bids, allocation (stalls.go)
	})
	s.router = r
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// problemBase is the prefix of every problem type URI.
const problemBase = "https://veche.example/problems/"

// problem writes an RFC 9457 problem details response.
func problem(w http.ResponseWriter, status int, kind, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	body := map[string]any{"type": problemBase + kind, "title": title, "status": status}
	if detail != "" {
		body["detail"] = detail
	}
	json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]string{"status": "ok"})
}

// ready reports whether the board answers.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, _, err := s.Board.Head(ctx, bulletin.NamedTopic("veche/ready-probe")); err != nil && !errors.Is(err, bulletin.ErrUnknownTopic) {
		s.Log.Warn("not ready: the board does not answer", "err", err)
		problem(w, http.StatusServiceUnavailable, "not-ready", "The bulletin board is not reachable", "")
		return
	}
	writeJSON(w, map[string]string{"status": "ready"})
}

// readManifest reads election id's manifest, answering the problem itself.
func (s *Server) readManifest(w http.ResponseWriter, r *http.Request) (*voting.Manifest, bool) {
	id := chi.URLParam(r, "id")
	if len(id) == 0 || len(id) > 63 {
		problem(w, http.StatusNotFound, "unknown-election", "No such election", "")
		return nil, false
	}
	m, err := voting.ReadManifest(r.Context(), s.Board, id)
	switch {
	case err == nil:
		return m, true
	case errors.Is(err, bulletin.ErrUnknownTopic):
		problem(w, http.StatusNotFound, "unknown-election", "No such election", "no election "+id+" on the board")
	default:
		s.Log.Error("reading a manifest", "election", id, "err", err)
		problem(w, http.StatusBadGateway, "board-error", "The election's record could not be read", "")
	}
	return nil, false
}

type electionInfo struct {
	ID          string      `json:"id"`
	Title       voting.Text `json:"title"`
	Fingerprint string      `json:"fingerprint"`
	Topic       string      `json:"topic"`
	Phase       string      `json:"phase"`
	Opens       time.Time   `json:"opens"`
	Closes      time.Time   `json:"closes"`
}

func (s *Server) election(w http.ResponseWriter, r *http.Request) {
	m, ok := s.readManifest(w, r)
	if !ok {
		return
	}
	phase, err := voting.Phase(r.Context(), s.Board, m.ID)
	if err != nil {
		problem(w, http.StatusBadGateway, "board-error", "The election's record could not be read", "")
		return
	}
	fp, _ := m.Fingerprint()
	topic := m.Topic()
	writeJSON(w, electionInfo{ID: m.ID, Title: m.Title, Fingerprint: hex.EncodeToString(fp[:]),
		Topic: hex.EncodeToString(topic[:]), Phase: phase.String(), Opens: m.Opens, Closes: m.Closes})
}

// manifest serves the manifest's canonical bytes, exactly as on the board:
// a client hashes them to get the fingerprint.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	m, ok := s.readManifest(w, r)
	if !ok {
		return
	}
	b, err := m.Bytes()
	if err != nil {
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

func (s *Server) key(w http.ResponseWriter, r *http.Request) {
	m, ok := s.readManifest(w, r)
	if !ok {
		return
	}
	res, err := voting.JointKey(r.Context(), s.Board, m)
	if errors.Is(err, voting.ErrNoResult) {
		problem(w, http.StatusConflict, "no-key-yet", "The election has no key yet", "the trustees' key ceremony has not been closed")
		return
	}
	if err != nil {
		s.Log.Error("reading the election key", "election", m.ID, "err", err)
		problem(w, http.StatusBadGateway, "board-error", "The election's key could not be read", "")
		return
	}
	vks := make([]string, len(res.VerificationKeys))
	for i, v := range res.VerificationKeys {
		vks[i] = hex.EncodeToString(v.Bytes())
	}
	writeJSON(w, map[string]any{
		"election":          m.ID,
		"joint_key":         hex.EncodeToString(res.JointKey.Bytes()),
		"threshold":         res.Threshold,
		"trustees":          res.N,
		"qualified":         res.Qualified,
		"verification_keys": vks,
	})
}
