package api

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/services/identity"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/voting"
)

// The Active Citizen endpoints (docs/spec/polls.md, "The API"): polls made
// from a question and options, comments on polls and city projects with
// moderation, ratings of city activities, each resident's own items with
// their receipts, and the aggregates anchored on the board. Residents are
// known here only by their access token; nothing answered or logged names
// one, and the board gets only counts, sums and a Merkle root.

// pollsRoutes mounts the Active Citizen endpoints; without a service (nil)
// they answer 404 no-polls-service.
func (s *Server) pollsRoutes(r chi.Router, svc *polls.Service) {
	h := &pollsAPI{s: s, svc: svc}
	r.Get("/polls", h.wrap(h.listPolls))
	r.Post("/polls", h.wrap(h.createPoll))
	r.Get("/subjects", h.wrap(h.listSubjects))
	r.Post("/subjects", h.wrap(h.addSubject))
	r.Get("/subjects/{kind}/{id}", h.wrap(h.subject))
	r.Get("/subjects/{kind}/{id}/comments", h.wrap(h.comments))
	r.Post("/subjects/{kind}/{id}/comments", h.wrap(h.comment))
	r.Post("/subjects/{kind}/{id}/ratings", h.wrap(h.rate))
	r.Post("/comments/{id}/hide", h.wrap(h.hide))
	r.Get("/me/feedback", h.wrap(h.mine))
	r.Get("/aggregates", h.wrap(h.aggregates))
	r.Post("/aggregates", h.wrap(h.anchor))
}

type pollsAPI struct {
	s   *Server
	svc *polls.Service
}

func (h *pollsAPI) wrap(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.svc == nil {
			problem(w, http.StatusNotFound, "no-polls-service", "This server has no Active Citizen service", "")
			return
		}
		f(w, r)
	}
}

// problem maps the service's errors; only the rule broken is answered.
func (h *pollsAPI) problem(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errTooLarge):
		problem(w, http.StatusRequestEntityTooLarge, "request-too-large", "The request body is too large", err.Error())
	case errors.Is(err, errContentType):
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "The request body must be application/json", err.Error())
	case errors.Is(err, errBadJSON):
		problem(w, http.StatusBadRequest, "malformed-request", "Malformed request", err.Error())
	case errors.Is(err, polls.ErrInvalidPoll):
		problem(w, http.StatusBadRequest, "invalid-poll", "Invalid poll", err.Error())
	case errors.Is(err, polls.ErrInvalid):
		problem(w, http.StatusBadRequest, "invalid-feedback", "Invalid input", err.Error())
	case errors.Is(err, polls.ErrForbidden):
		problem(w, http.StatusForbidden, "forbidden", "You may not do this", err.Error())
	case errors.Is(err, polls.ErrNotFound):
		problem(w, http.StatusNotFound, "not-found", "No such subject or comment", "")
	case errors.Is(err, polls.ErrDuplicate):
		problem(w, http.StatusConflict, "duplicate", "Already done", err.Error())
	case errors.Is(err, polls.ErrNoBoard):
		problem(w, http.StatusServiceUnavailable, "no-board-account", "This server cannot post to the board", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		problem(w, http.StatusServiceUnavailable, "unavailable", "The request was not completed in time", "")
	case errors.Is(err, polls.ErrBoard):
		h.s.Log.Error("active citizen: the board failed", "err", err)
		problem(w, http.StatusBadGateway, "board-error", "The board refused the entry or did not answer", "")
	default:
		h.s.Log.Error("active citizen request failed", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
	}
}

type pollRequest struct {
	ID       string          `json:"id"`
	Question voting.Text     `json:"question"`
	Options  []voting.Option `json:"options"`
	Kind     string          `json:"kind"`
	Max      int             `json:"max"`
	Opens    time.Time       `json:"opens"`
	Closes   time.Time       `json:"closes"`
}

type pollResponse struct {
	ID          string `json:"id"`
	Fingerprint string `json:"fingerprint"`
	Topic       string `json:"topic"`
	Subject     string `json:"subject"`
}

func (h *pollsAPI) createPoll(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req pollRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	m, err := h.svc.CreatePoll(r.Context(), p.Resident, &polls.Spec{ID: req.ID, Question: req.Question, Options: req.Options,
		Kind: voting.ContestKind(req.Kind), Max: req.Max, Opens: req.Opens, Closes: req.Closes})
	if err != nil {
		h.problem(w, err)
		return
	}
	fp, _ := m.Fingerprint()
	topic := m.Topic()
	writeCreated(w, pollResponse{ID: m.ID, Fingerprint: hex.EncodeToString(fp[:]), Topic: hex.EncodeToString(topic[:]),
		Subject: polls.SubjectPoll + "/" + m.ID})
}

func (h *pollsAPI) listPolls(w http.ResponseWriter, r *http.Request) {
	subs, err := h.svc.Subjects(r.Context(), polls.SubjectPoll+"/")
	if err != nil {
		h.problem(w, err)
		return
	}
	writeJSON(w, map[string]any{"subjects": orEmpty(subs)})
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (h *pollsAPI) listSubjects(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	switch kind {
	case "", polls.SubjectPoll, polls.SubjectProject, polls.SubjectActivity:
	default:
		problem(w, http.StatusBadRequest, "invalid-query", "Invalid query", "kind: poll, project or activity")
		return
	}
	if kind != "" {
		kind += "/"
	}
	subs, err := h.svc.Subjects(r.Context(), kind)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeJSON(w, map[string]any{"subjects": orEmpty(subs)})
}

type subjectRequest struct {
	Subject string      `json:"subject"`
	Title   voting.Text `json:"title"`
}

func (h *pollsAPI) addSubject(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req subjectRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	if err := h.svc.AddSubject(r.Context(), p.Resident, req.Subject, req.Title); err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, map[string]string{"subject": req.Subject})
}

// subjectName is the URL's subject, "kind/id"; a malformed one is
// answered 404, as an unknown one (nothing is stored under it).
func subjectName(r *http.Request) string {
	return chi.URLParam(r, "kind") + "/" + chi.URLParam(r, "id")
}

type subjectResponse struct {
	polls.Subject
	Summary *polls.Summary `json:"summary"`
}

func (h *pollsAPI) subject(w http.ResponseWriter, r *http.Request) {
	sub, err := h.svc.Subject(r.Context(), subjectName(r))
	if err != nil {
		h.problem(w, err)
		return
	}
	sum, err := h.svc.Summarize(r.Context(), sub.Name)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeJSON(w, subjectResponse{Subject: *sub, Summary: sum})
}

func (h *pollsAPI) comments(w http.ResponseWriter, r *http.Request) {
	cs, err := h.svc.Comments(r.Context(), subjectName(r))
	if err != nil {
		h.problem(w, err)
		return
	}
	writeJSON(w, map[string]any{"comments": cs})
}

type commentRequest struct {
	Text string `json:"text"`
}

func (h *pollsAPI) comment(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req commentRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	id, err := h.svc.Comment(r.Context(), p.Resident, subjectName(r), req.Text)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, map[string]any{"id": id})
}

type ratingRequest struct {
	Rating int `json:"rating"`
}

func (h *pollsAPI) rate(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req ratingRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	id, err := h.svc.Rate(r.Context(), p.Resident, subjectName(r), req.Rating)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, map[string]any{"id": id})
}

type hideRequest struct {
	Reason string `json:"reason"`
}

func (h *pollsAPI) hide(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	id, err := strconv.ParseUint(chi.URLParam(r, "id"), 10, 63)
	if err != nil {
		problem(w, http.StatusNotFound, "not-found", "No such subject or comment", "")
		return
	}
	var req hideRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	if err := h.svc.Hide(r.Context(), p.Resident, id, req.Reason); err != nil {
		h.problem(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// feedbackItem is one of the bearer's items; salt and proof let them
// check it against the board (polls.CheckReceipt).
type feedbackItem struct {
	ID      uint64    `json:"id"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	Rating  uint8     `json:"rating,omitempty"`
	Text    string    `json:"text,omitempty"`
	Salt    string    `json:"salt"`
	Leaf    string    `json:"leaf"`
	Created time.Time `json:"created"`
	Hidden  bool      `json:"hidden"`
	Batch   uint64    `json:"batch,omitempty"`
	Proof   string    `json:"proof,omitempty"` // the inclusion proof, hex
}

func (h *pollsAPI) mine(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	items, err := h.svc.Mine(r.Context(), p.Resident)
	if err != nil {
		h.problem(w, err)
		return
	}
	out := make([]feedbackItem, 0, len(items))
	for _, it := range items {
		leaf := it.Leaf()
		f := feedbackItem{ID: it.ID, Kind: it.Kind.String(), Subject: it.Subject, Rating: it.Rating, Text: it.Text,
			Salt: hex.EncodeToString(it.Salt[:]), Leaf: hex.EncodeToString(leaf[:]), Created: it.Created, Hidden: it.Hidden}
		if it.Receipt != nil {
			f.Batch, f.Proof = it.Receipt.Batch, hex.EncodeToString(it.Receipt.Proof)
		}
		out = append(out, f)
	}
	writeJSON(w, map[string]any{"items": out})
}

type aggregateRow struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Count   uint32 `json:"count"`
	Sum     uint64 `json:"sum"`
}

type aggregateInfo struct {
	Batch  uint64         `json:"batch"`
	Seq    uint64         `json:"seq"`
	Leaves uint32         `json:"leaves"`
	Root   string         `json:"root"`
	Rows   []aggregateRow `json:"rows"`
}

type totalInfo struct {
	Kind    string  `json:"kind"`
	Subject string  `json:"subject"`
	Count   uint64  `json:"count"`
	Sum     uint64  `json:"sum"`
	Average float64 `json:"average"`
}

func aggregateJSON(a *polls.Posted) aggregateInfo {
	out := aggregateInfo{Batch: a.Number, Seq: a.Seq, Leaves: a.Leaves, Root: hex.EncodeToString(a.Root[:]), Rows: []aggregateRow{}}
	for _, row := range a.Rows {
		out.Rows = append(out.Rows, aggregateRow{Kind: row.Kind.String(), Subject: row.Subject, Count: row.Count, Sum: row.Sum})
	}
	return out
}

// aggregates serves the aggregates as the board has them, and the totals
// they add up to: what anyone recomputes from the chain.
func (h *pollsAPI) aggregates(w http.ResponseWriter, r *http.Request) {
	poster, ok := h.svc.Poster()
	if !ok {
		h.problem(w, polls.ErrNoBoard)
		return
	}
	aggs, err := polls.ReadAggregates(r.Context(), h.s.Board, poster)
	if err != nil {
		h.s.Log.Error("reading the aggregates", "err", err)
		problem(w, http.StatusBadGateway, "board-error", "The aggregates could not be read from the board", "")
		return
	}
	out := struct {
		Topic      string          `json:"topic"`
		Poster     string          `json:"poster"`
		Aggregates []aggregateInfo `json:"aggregates"`
		Totals     []totalInfo     `json:"totals"`
	}{Topic: polls.Topic.String(), Poster: poster.String(), Aggregates: []aggregateInfo{}, Totals: []totalInfo{}}
	for i := range aggs {
		out.Aggregates = append(out.Aggregates, aggregateJSON(&aggs[i]))
	}
	for _, t := range polls.Totals(aggs) {
		out.Totals = append(out.Totals, totalInfo{Kind: t.Kind.String(), Subject: t.Subject, Count: t.Count, Sum: t.Sum, Average: t.Average()})
	}
	writeJSON(w, out)
}

// anchor posts the pending items as the next batch; moderators only.
func (h *pollsAPI) anchor(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	if !p.Roles.Has(identityModerator) {
		problem(w, http.StatusForbidden, "forbidden", "You may not do this", "the moderator role is needed")
		return
	}
	a, err := h.svc.Anchor(r.Context())
	if err != nil {
		h.problem(w, err)
		return
	}
	if a == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeCreated(w, aggregateJSON(a))
}

const identityModerator = identity.RoleModerator
