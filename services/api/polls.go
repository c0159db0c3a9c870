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
// one, and the board gets only counts, sums, a Merkle root and, for each
// hidden comment, its leaf, the time and the hash of the stated reason.

// pollsRoutes mounts the Active Citizen endpoints; without a service (nil)
// they answer 404 no-polls-service.
func (s *Server) pollsRoutes(r chi.Router, svc *polls.Service) {
	h := &pollsAPI{s: s, svc: svc}
	c := &city{s: s, ready: h.ready, fail: h.problem}
	r.Get("/polls", public(c, http.StatusOK, h.listPolls))
	r.Post("/polls", authedWithBody(c, http.StatusCreated, h.createPoll))
	r.Get("/subjects", public(c, http.StatusOK, h.listSubjects))
	r.Post("/subjects", authedWithBody(c, http.StatusCreated, h.addSubject))
	r.Get("/subjects/{kind}/{id}", public(c, http.StatusOK, h.subject))
	r.Get("/subjects/{kind}/{id}/comments", public(c, http.StatusOK, h.comments))
	r.Post("/subjects/{kind}/{id}/comments", authedWithBody(c, http.StatusCreated, h.comment))
	r.Post("/subjects/{kind}/{id}/ratings", authedWithBody(c, http.StatusCreated, h.rate))
	r.Post("/comments/{id}/hide", authed(c, http.StatusNoContent, h.hide))
	r.Get("/me/feedback", authed(c, http.StatusOK, h.mine))
	r.Get("/aggregates", public(c, http.StatusOK, h.aggregates))
	r.Post("/aggregates", authed(c, http.StatusCreated, h.anchor)) // 204 if nothing is pending
}

type pollsAPI struct {
	s   *Server
	svc *polls.Service
}

// ready refuses every request without a service.
func (h *pollsAPI) ready(w http.ResponseWriter, r *http.Request) bool {
	if h.svc == nil {
		problem(w, http.StatusNotFound, "no-polls-service", "This server has no Active Citizen service", "")
		return false
	}
	return true
}

// problem maps the service's errors; only the rule broken is answered.
func (h *pollsAPI) problem(w http.ResponseWriter, err error) {
	if bodyProblem(w, err) {
		return
	}
	switch {
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

func (h *pollsAPI) createPoll(r *http.Request, p *identity.Principal, req *pollRequest) (any, error) {
	m, err := h.svc.CreatePoll(r.Context(), p.Resident, &polls.Spec{ID: req.ID, Question: req.Question, Options: req.Options,
		Kind: voting.ContestKind(req.Kind), Max: req.Max, Opens: req.Opens, Closes: req.Closes})
	if err != nil {
		return nil, err
	}
	fp, _ := m.Fingerprint()
	topic := m.Topic()
	return pollResponse{ID: m.ID, Fingerprint: hex.EncodeToString(fp[:]), Topic: hex.EncodeToString(topic[:]),
		Subject: polls.SubjectPoll + "/" + m.ID}, nil
}

func (h *pollsAPI) listPolls(r *http.Request) (any, error) {
	subs, err := h.svc.Subjects(r.Context(), polls.SubjectPoll+"/")
	if err != nil {
		return nil, err
	}
	return map[string]any{"subjects": orEmpty(subs)}, nil
}

func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (h *pollsAPI) listSubjects(r *http.Request) (any, error) {
	kind := r.URL.Query().Get("kind")
	switch kind {
	case "", polls.SubjectPoll, polls.SubjectProject, polls.SubjectActivity:
	default:
		return nil, &problemError{http.StatusBadRequest, "invalid-query", "Invalid query", "kind: poll, project or activity"}
	}
	if kind != "" {
		kind += "/"
	}
	subs, err := h.svc.Subjects(r.Context(), kind)
	if err != nil {
		return nil, err
	}
	return map[string]any{"subjects": orEmpty(subs)}, nil
}

type subjectRequest struct {
	Subject string      `json:"subject"`
	Title   voting.Text `json:"title"`
}

func (h *pollsAPI) addSubject(r *http.Request, p *identity.Principal, req *subjectRequest) (any, error) {
	if err := h.svc.AddSubject(r.Context(), p.Resident, req.Subject, req.Title); err != nil {
		return nil, err
	}
	return map[string]string{"subject": req.Subject}, nil
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

func (h *pollsAPI) subject(r *http.Request) (any, error) {
	sub, err := h.svc.Subject(r.Context(), subjectName(r))
	if err != nil {
		return nil, err
	}
	sum, err := h.svc.Summarize(r.Context(), sub.Name)
	if err != nil {
		return nil, err
	}
	return subjectResponse{Subject: *sub, Summary: sum}, nil
}

func (h *pollsAPI) comments(r *http.Request) (any, error) {
	cs, err := h.svc.Comments(r.Context(), subjectName(r))
	if err != nil {
		return nil, err
	}
	return map[string]any{"comments": cs}, nil
}

type commentRequest struct {
	Text string `json:"text"`
}

func (h *pollsAPI) comment(r *http.Request, p *identity.Principal, req *commentRequest) (any, error) {
	id, err := h.svc.Comment(r.Context(), p.Resident, subjectName(r), req.Text)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": id}, nil
}

type ratingRequest struct {
	Rating int `json:"rating"`
}

func (h *pollsAPI) rate(r *http.Request, p *identity.Principal, req *ratingRequest) (any, error) {
	id, err := h.svc.Rate(r.Context(), p.Resident, subjectName(r), req.Rating)
	if err != nil {
		return nil, err
	}
	return map[string]any{"id": id}, nil
}

type hideRequest struct {
	Reason string `json:"reason"`
}

// hide reads the comment id before the body: a malformed id is no such
// comment, whatever the body.
func (h *pollsAPI) hide(r *http.Request, p *identity.Principal) (any, error) {
	id, err := strconv.ParseUint(chi.URLParam(r, "id"), 10, 63)
	if err != nil {
		return nil, polls.ErrNotFound
	}
	var req hideRequest
	if err := decodeStrict(r, &req); err != nil {
		return nil, err
	}
	return nil, h.svc.Hide(r.Context(), p.Resident, id, req.Reason)
}

// feedbackItem is one of the bearer's items; salt and proof let them
// check it against the board (polls.CheckReceipt), and, for a hidden
// comment, the moderation the board records (polls.CheckHidden): when,
// why, and the batch that recorded the hide.
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
	// HiddenAt and HiddenReason: when and why a moderator hid the comment
	// (absent if not hidden); HideBatch: the batch that records the hide
	// on the board (absent until one does).
	HiddenAt     time.Time `json:"hidden_at,omitzero"`
	HiddenReason string    `json:"hidden_reason,omitempty"`
	HideBatch    uint64    `json:"hide_batch,omitempty"`
	Batch        uint64    `json:"batch,omitempty"`
	Proof        string    `json:"proof,omitempty"` // the inclusion proof, hex
}

func (h *pollsAPI) mine(r *http.Request, p *identity.Principal) (any, error) {
	items, err := h.svc.Mine(r.Context(), p.Resident)
	if err != nil {
		return nil, err
	}
	out := make([]feedbackItem, 0, len(items))
	for _, it := range items {
		leaf := it.Leaf()
		f := feedbackItem{ID: it.ID, Kind: it.Kind.String(), Subject: it.Subject, Rating: it.Rating, Text: it.Text,
			Salt: hex.EncodeToString(it.Salt[:]), Leaf: hex.EncodeToString(leaf[:]), Created: it.Created, Hidden: it.Hidden}
		if it.Hidden {
			f.HiddenAt, f.HiddenReason, f.HideBatch = it.HiddenAt, it.HiddenReason, it.HideBatch
		}
		if it.Receipt != nil {
			f.Batch, f.Proof = it.Receipt.Batch, hex.EncodeToString(it.Receipt.Proof)
		}
		out = append(out, f)
	}
	return map[string]any{"items": out}, nil
}

type aggregateRow struct {
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
	Count   uint32 `json:"count"`
	Sum     uint64 `json:"sum"`
}

// hideInfo is a hide a batch records (docs/spec/polls.md, section 5.2):
// the hidden comment's leaf, when it was hidden (UTC, to the
// microsecond, as the board has it) and the hash of the stated reason.
type hideInfo struct {
	Batch      uint64    `json:"batch"`
	Index      uint32    `json:"index"`
	At         time.Time `json:"at"`
	ReasonHash string    `json:"reason_hash"`
}

type aggregateInfo struct {
	Batch  uint64         `json:"batch"`
	Seq    uint64         `json:"seq"`
	Leaves uint32         `json:"leaves"`
	Root   string         `json:"root"`
	Rows   []aggregateRow `json:"rows"`
	Hides  []hideInfo     `json:"hides"`
}

type totalInfo struct {
	Kind    string  `json:"kind"`
	Subject string  `json:"subject"`
	Count   uint64  `json:"count"`
	Sum     uint64  `json:"sum"`
	Average float64 `json:"average"`
	Hidden  uint64  `json:"hidden"`
}

func aggregateJSON(a *polls.Posted) aggregateInfo {
	out := aggregateInfo{Batch: a.Number, Seq: a.Seq, Leaves: a.Leaves, Root: hex.EncodeToString(a.Root[:]), Rows: []aggregateRow{}, Hides: []hideInfo{}}
	for _, row := range a.Rows {
		out.Rows = append(out.Rows, aggregateRow{Kind: row.Kind.String(), Subject: row.Subject, Count: row.Count, Sum: row.Sum})
	}
	for _, h := range a.Hides {
		out.Hides = append(out.Hides, hideInfo{Batch: h.Batch, Index: h.Index, At: h.At.UTC(), ReasonHash: hex.EncodeToString(h.Reason[:])})
	}
	return out
}

// aggregates serves the aggregates as the board has them, with the hides
// they record, and the totals they add up to (with each subject's hidden
// comments): what anyone recomputes from the chain.
func (h *pollsAPI) aggregates(r *http.Request) (any, error) {
	poster, ok := h.svc.Poster()
	if !ok {
		return nil, polls.ErrNoBoard
	}
	aggs, err := polls.ReadAggregates(r.Context(), h.s.Board, poster)
	if err != nil {
		h.s.Log.Error("reading the aggregates", "err", err)
		return nil, &problemError{http.StatusBadGateway, "board-error", "The aggregates could not be read from the board", ""}
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
		out.Totals = append(out.Totals, totalInfo{Kind: t.Kind.String(), Subject: t.Subject, Count: t.Count, Sum: t.Sum, Average: t.Average(), Hidden: t.Hidden})
	}
	return out, nil
}

// anchor posts the pending items and hides as the next batch; moderators only. With
// nothing pending it answers nil: 204.
func (h *pollsAPI) anchor(r *http.Request, p *identity.Principal) (any, error) {
	if !p.Roles.Has(identity.RoleModerator) {
		return nil, &problemError{http.StatusForbidden, "forbidden", "You may not do this", "the moderator role is needed"}
	}
	a, err := h.svc.Anchor(r.Context())
	if err != nil || a == nil {
		return nil, err
	}
	return aggregateJSON(a), nil
}
