package api

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/stalls"
)

// The stall allocation endpoints (docs/spec/stalls.md, "The API"): market
// operators define seasons (markets, stalls, window, cap, trustees' key),
// publish them and post the allocation; sellers learn their per-season
// bidder pseudonym, submit sealed bids (sealed on their own device: the
// server never sees an amount), list their bids and their stalls won;
// trustees submit partial decryptions; anyone reads a season, its counted
// bids and its allocation. Sellers are named nowhere but by their
// pseudonym, and only to themselves or as on the board.

// stallsRoutes mounts the stall endpoints; without a service (nil) they
// answer 404 no-stalls-service.
func (s *Server) stallsRoutes(r chi.Router, svc *stalls.Service) {
	h := &stallsAPI{s: s, svc: svc}
	r.Post("/stalls/seasons", h.wrap(h.create))
	r.Get("/stalls/seasons/{season}", h.wrap(h.season))
	r.Post("/stalls/seasons/{season}/markets", h.wrap(h.addMarket))
	r.Post("/stalls/seasons/{season}/stalls", h.wrap(h.addStalls))
	r.Post("/stalls/seasons/{season}/publish", h.wrap(h.publish))
	r.Get("/stalls/seasons/{season}/me", h.wrap(h.me))
	r.Get("/stalls/seasons/{season}/bids", h.wrap(h.bids))
	r.Post("/stalls/seasons/{season}/bids", h.wrap(h.bid))
	r.Get("/stalls/seasons/{season}/bids/mine", h.wrap(h.myBids))
	r.Post("/stalls/seasons/{season}/decryptions", h.wrap(h.decryption))
	r.Get("/stalls/seasons/{season}/allocation", h.wrap(h.allocation))
	r.Post("/stalls/seasons/{season}/allocation", h.wrap(h.allocate))
	r.Get("/stalls/seasons/{season}/allocation/mine", h.wrap(h.myAwards))
}

type stallsAPI struct {
	s   *Server
	svc *stalls.Service
}

func (h *stallsAPI) wrap(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.svc == nil {
			problem(w, http.StatusNotFound, "no-stalls-service", "This server has no stall allocation service", "")
			return
		}
		if id := chi.URLParam(r, "season"); id != "" && !stalls.ValidSeasonID(id) {
			problem(w, http.StatusNotFound, "unknown-season", "No such season", "")
			return
		}
		f(w, r)
	}
}

// problem maps the service's errors; only the rule broken is answered.
func (h *stallsAPI) problem(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, errTooLarge):
		problem(w, http.StatusRequestEntityTooLarge, "request-too-large", "The request body is too large", err.Error())
	case errors.Is(err, errContentType):
		problem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "The request body must be application/json", err.Error())
	case errors.Is(err, errBadJSON):
		problem(w, http.StatusBadRequest, "malformed-request", "Malformed request", err.Error())
	case errors.Is(err, stalls.ErrMalformed):
		problem(w, http.StatusBadRequest, "malformed-bid", "Malformed encoding", err.Error())
	case errors.Is(err, stalls.ErrInvalid):
		problem(w, http.StatusBadRequest, "invalid-stalls-request", "Invalid request", err.Error())
	case errors.Is(err, stalls.ErrForbidden):
		problem(w, http.StatusForbidden, "forbidden", "You may not do this", err.Error())
	case errors.Is(err, stalls.ErrNotFound):
		problem(w, http.StatusNotFound, "unknown-season", "No such season, or not yet", err.Error())
	case errors.Is(err, stalls.ErrExists):
		problem(w, http.StatusConflict, "exists", "Already exists", err.Error())
	case errors.Is(err, stalls.ErrState):
		problem(w, http.StatusConflict, "wrong-state", "Not now", err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		problem(w, http.StatusServiceUnavailable, "unavailable", "The request was not completed in time", "")
	default:
		h.s.Log.Error("stalls request failed", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
	}
}

type seasonRequest struct {
	ID       string    `json:"id"`
	Opens    time.Time `json:"opens"`
	Closes   time.Time `json:"closes"`
	Cap      uint16    `json:"cap"`
	Trustees string    `json:"trustees"` // hex of the dkg public result (veche stalls keygen)
}

// decodeHex reads a field of lower-case hex digits.
func decodeHex(field, s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil || s != strings.ToLower(s) || len(b) == 0 {
		return nil, errMissing(field + ": want lower-case hex digits")
	}
	return b, nil
}

func (h *stallsAPI) create(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req seasonRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	t, err := decodeHex("trustees", req.Trustees)
	if err != nil {
		h.problem(w, err)
		return
	}
	if err := h.svc.CreateSeason(r.Context(), p.Resident, stalls.Draft{ID: req.ID, Opens: req.Opens, Closes: req.Closes, Cap: req.Cap, Trustees: t}); err != nil {
		h.problem(w, err)
		return
	}
	topic := stalls.Topic(req.ID)
	writeCreated(w, map[string]string{"id": req.ID, "topic": hex.EncodeToString(topic[:])})
}

type marketRequest struct {
	Name string `json:"name"`
}

func (h *stallsAPI) addMarket(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req marketRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	i, err := h.svc.AddMarket(r.Context(), p.Resident, chi.URLParam(r, "season"), req.Name)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, map[string]int{"market": i})
}

type stallJSON struct {
	ID      string `json:"id"`
	Market  uint16 `json:"market"`
	Size    uint32 `json:"size"`
	Kind    string `json:"kind"`
	Reserve uint64 `json:"reserve"`
}

type stallsRequest struct {
	Stalls []stallJSON `json:"stalls"`
}

func (h *stallsAPI) addStalls(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req stallsRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	if len(req.Stalls) == 0 {
		h.problem(w, errMissing("stalls: at least one"))
		return
	}
	ss := make([]stalls.Stall, len(req.Stalls))
	for i, st := range req.Stalls {
		ss[i] = stalls.Stall(st)
	}
	if err := h.svc.AddStalls(r.Context(), p.Resident, chi.URLParam(r, "season"), ss); err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, map[string]int{"added": len(ss)})
}

func (h *stallsAPI) publish(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "season")
	seq, err := h.svc.Publish(r.Context(), p.Resident, id)
	if err != nil {
		h.problem(w, err)
		return
	}
	topic := stalls.Topic(id)
	writeJSON(w, map[string]any{"id": id, "topic": hex.EncodeToString(topic[:]), "seq": seq})
}

type seasonResponse struct {
	ID               string      `json:"id"`
	Topic            string      `json:"topic"`
	Fingerprint      string      `json:"fingerprint"`
	Opens            time.Time   `json:"opens"`
	Closes           time.Time   `json:"closes"`
	Cap              uint16      `json:"cap"`
	Markets          []string    `json:"markets"`
	Stalls           []stallJSON `json:"stalls"`
	JointKey         string      `json:"joint_key"`
	Threshold        int         `json:"threshold"`
	Trustees         int         `json:"trustees"`
	VerificationKeys []string    `json:"verification_keys"`
	Market           string      `json:"market"` // the market entry's payload, hex: clients seal bids against it
}

func (h *stallsAPI) season(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "season")
	s, err := h.svc.Season(r.Context(), id)
	if err != nil {
		h.problem(w, err)
		return
	}
	raw, _ := s.Bytes()
	topic, fp := stalls.Topic(id), stalls.Fingerprint(id)
	out := seasonResponse{ID: id, Topic: hex.EncodeToString(topic[:]), Fingerprint: hex.EncodeToString(fp[:]),
		Opens: s.Opens, Closes: s.Closes, Cap: s.Cap, Markets: s.Markets,
		JointKey: hex.EncodeToString(s.Trustees.JointKey.Bytes()), Threshold: s.Trustees.Threshold, Trustees: s.Trustees.N,
		Market: hex.EncodeToString(raw)}
	for _, st := range s.Stalls {
		out.Stalls = append(out.Stalls, stallJSON(st))
	}
	for _, v := range s.Trustees.VerificationKeys {
		out.VerificationKeys = append(out.VerificationKeys, hex.EncodeToString(v.Bytes()))
	}
	writeJSON(w, out)
}

func (h *stallsAPI) me(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "season")
	if _, err := h.svc.Season(r.Context(), id); err != nil {
		h.problem(w, err)
		return
	}
	b, err := h.svc.Bidder(r.Context(), p.Resident, id)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeJSON(w, map[string]string{"season": id, "bidder": hex.EncodeToString(b[:])})
}

type bidRequest struct {
	Bid string `json:"bid"` // hex of the sealed bid (docs/spec/stalls.md)
}

func (h *stallsAPI) bid(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req bidRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	b, err := decodeHex("bid", req.Bid)
	if err != nil {
		h.problem(w, err)
		return
	}
	info, err := h.svc.Bid(r.Context(), p.Resident, chi.URLParam(r, "season"), b)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, info)
}

func (h *stallsAPI) myBids(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	bids, err := h.svc.MyBids(r.Context(), p.Resident, chi.URLParam(r, "season"))
	if err != nil {
		h.problem(w, err)
		return
	}
	writeJSON(w, map[string]any{"bids": orEmpty(bids)})
}

// bids answers the counted sealed bids as the board has them, for trustees
// and observers.
func (h *stallsAPI) bids(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "season")
	if _, err := h.svc.Season(r.Context(), id); err != nil {
		h.problem(w, err)
		return
	}
	bids, err := h.svc.Counted(r.Context(), id)
	if err != nil {
		h.problem(w, err)
		return
	}
	out := make([]string, len(bids))
	for i, b := range bids {
		out[i] = hex.EncodeToString(b.Bytes())
	}
	hash := stalls.BidsHash(id, bids)
	writeJSON(w, map[string]any{"season": id, "count": len(bids), "bids_hash": hex.EncodeToString(hash[:]), "bids": out})
}

type decryptionRequest struct {
	Decryption string `json:"decryption"` // hex of the bid-decryption payload
}

func (h *stallsAPI) decryption(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	var req decryptionRequest
	if err := decodeStrict(r, &req); err != nil {
		h.problem(w, err)
		return
	}
	b, err := decodeHex("decryption", req.Decryption)
	if err != nil {
		h.problem(w, err)
		return
	}
	seq, err := h.svc.SubmitDecryption(r.Context(), p.Resident, chi.URLParam(r, "season"), b)
	if err != nil {
		h.problem(w, err)
		return
	}
	writeCreated(w, map[string]uint64{"seq": seq})
}

type awardJSON struct {
	Stall  string `json:"stall"`
	Bidder string `json:"bidder"`
	Amount uint64 `json:"amount"`
}

type allocationResponse struct {
	Season   string      `json:"season"`
	Seq      uint64      `json:"seq"`
	BidsHash string      `json:"bids_hash"`
	Seed     string      `json:"seed"`
	Valid    uint32      `json:"valid_bids"`
	Hash     string      `json:"allocation_hash"`
	Awards   []awardJSON `json:"awards"`
}

func (h *stallsAPI) writeAllocation(w http.ResponseWriter, r *http.Request, id string, a *stalls.Allocation, seq uint64) {
	s, err := h.svc.Season(r.Context(), id)
	if err != nil {
		h.problem(w, err)
		return
	}
	hash := bulletin.Keccak256(a.Bytes())
	out := allocationResponse{Season: id, Seq: seq, BidsHash: hex.EncodeToString(a.BidsHash[:]), Seed: hex.EncodeToString(a.Seed[:]),
		Valid: a.Valid, Hash: hex.EncodeToString(hash[:]), Awards: []awardJSON{}}
	for _, aw := range a.Awards {
		out.Awards = append(out.Awards, awardJSON{Stall: s.Stalls[aw.Stall].ID, Bidder: hex.EncodeToString(aw.Bidder[:]), Amount: aw.Amount})
	}
	writeJSON(w, out)
}

func (h *stallsAPI) allocation(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "season")
	a, seq, err := h.svc.Allocation(r.Context(), id)
	if err != nil {
		h.problem(w, err)
		return
	}
	h.writeAllocation(w, r, id, a, seq)
}

func (h *stallsAPI) allocate(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "season")
	a, seq, err := h.svc.Allocate(r.Context(), p.Resident, id)
	if err != nil {
		h.problem(w, err)
		return
	}
	h.writeAllocation(w, r, id, a, seq)
}

func (h *stallsAPI) myAwards(w http.ResponseWriter, r *http.Request) {
	_, p, ok := h.s.principal(w, r)
	if !ok {
		return
	}
	id := chi.URLParam(r, "season")
	awards, err := h.svc.MyAwards(r.Context(), p.Resident, id)
	if err != nil {
		h.problem(w, err)
		return
	}
	s, err := h.svc.Season(r.Context(), id)
	if err != nil {
		h.problem(w, err)
		return
	}
	out := []awardJSON{}
	for _, aw := range awards {
		out = append(out, awardJSON{Stall: s.Stalls[aw.Stall].ID, Bidder: hex.EncodeToString(aw.Bidder[:]), Amount: aw.Amount})
	}
	writeJSON(w, map[string]any{"season": id, "awards": out})
}
