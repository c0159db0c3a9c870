package api

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/identity"
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
	c := &city{s: s, ready: h.ready, fail: h.problem}
	r.Post("/stalls/seasons", authedWithBody(c, http.StatusCreated, h.create))
	r.Get("/stalls/seasons/{season}", public(c, http.StatusOK, h.season))
	r.Post("/stalls/seasons/{season}/markets", authedWithBody(c, http.StatusCreated, h.addMarket))
	r.Post("/stalls/seasons/{season}/stalls", authedWithBody(c, http.StatusCreated, h.addStalls))
	r.Post("/stalls/seasons/{season}/publish", authed(c, http.StatusOK, h.publish))
	r.Get("/stalls/seasons/{season}/me", authed(c, http.StatusOK, h.me))
	r.Get("/stalls/seasons/{season}/bids", public(c, http.StatusOK, h.bids))
	r.Post("/stalls/seasons/{season}/bids", authedWithBody(c, http.StatusCreated, h.bid))
	r.Get("/stalls/seasons/{season}/bids/mine", authed(c, http.StatusOK, h.myBids))
	r.With(withBodyLimit(MaxDecryptionBody)).Post("/stalls/seasons/{season}/decryptions", authed(c, http.StatusCreated, h.decryption))
	r.Get("/stalls/seasons/{season}/allocation", public(c, http.StatusOK, h.allocation))
	r.Post("/stalls/seasons/{season}/allocation", authed(c, http.StatusOK, h.allocate))
	r.Get("/stalls/seasons/{season}/allocation/mine", authed(c, http.StatusOK, h.myAwards))
}

type stallsAPI struct {
	s   *Server
	svc *stalls.Service
}

// ready refuses every request without a service, and one whose path names
// a season id that cannot exist.
func (h *stallsAPI) ready(w http.ResponseWriter, r *http.Request) bool {
	if h.svc == nil {
		problem(w, http.StatusNotFound, "no-stalls-service", "This server has no stall allocation service", "")
		return false
	}
	if id := chi.URLParam(r, "season"); id != "" && !stalls.ValidSeasonID(id) {
		problem(w, http.StatusNotFound, "unknown-season", "No such season", "")
		return false
	}
	return true
}

// problem maps the service's errors; only the rule broken is answered.
func (h *stallsAPI) problem(w http.ResponseWriter, err error) {
	if bodyProblem(w, err) {
		return
	}
	switch {
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

func (h *stallsAPI) create(r *http.Request, p *identity.Principal, req *seasonRequest) (any, error) {
	t, err := decodeHex("trustees", req.Trustees)
	if err != nil {
		return nil, err
	}
	if err := h.svc.CreateSeason(r.Context(), p.Resident, stalls.Draft{ID: req.ID, Opens: req.Opens, Closes: req.Closes, Cap: req.Cap, Trustees: t}); err != nil {
		return nil, err
	}
	topic := stalls.Topic(req.ID)
	return map[string]string{"id": req.ID, "topic": hex.EncodeToString(topic[:])}, nil
}

type marketRequest struct {
	Name string `json:"name"`
}

func (h *stallsAPI) addMarket(r *http.Request, p *identity.Principal, req *marketRequest) (any, error) {
	i, err := h.svc.AddMarket(r.Context(), p.Resident, chi.URLParam(r, "season"), req.Name)
	if err != nil {
		return nil, err
	}
	return map[string]int{"market": i}, nil
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

func (h *stallsAPI) addStalls(r *http.Request, p *identity.Principal, req *stallsRequest) (any, error) {
	if len(req.Stalls) == 0 {
		return nil, errMissing("stalls: at least one")
	}
	ss := make([]stalls.Stall, len(req.Stalls))
	for i, st := range req.Stalls {
		ss[i] = stalls.Stall(st)
	}
	if err := h.svc.AddStalls(r.Context(), p.Resident, chi.URLParam(r, "season"), ss); err != nil {
		return nil, err
	}
	return map[string]int{"added": len(ss)}, nil
}

func (h *stallsAPI) publish(r *http.Request, p *identity.Principal) (any, error) {
	id := chi.URLParam(r, "season")
	seq, err := h.svc.Publish(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	topic := stalls.Topic(id)
	return map[string]any{"id": id, "topic": hex.EncodeToString(topic[:]), "seq": seq}, nil
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

func (h *stallsAPI) season(r *http.Request) (any, error) {
	id := chi.URLParam(r, "season")
	s, err := h.svc.Season(r.Context(), id)
	if err != nil {
		return nil, err
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
	return out, nil
}

func (h *stallsAPI) me(r *http.Request, p *identity.Principal) (any, error) {
	id := chi.URLParam(r, "season")
	if _, err := h.svc.Season(r.Context(), id); err != nil {
		return nil, err
	}
	b, err := h.svc.Bidder(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	return map[string]string{"season": id, "bidder": hex.EncodeToString(b[:])}, nil
}

type bidRequest struct {
	Bid string `json:"bid"` // hex of the sealed bid (docs/spec/stalls.md)
}

func (h *stallsAPI) bid(r *http.Request, p *identity.Principal, req *bidRequest) (any, error) {
	b, err := decodeHex("bid", req.Bid)
	if err != nil {
		return nil, err
	}
	info, err := h.svc.Bid(r.Context(), p.Resident, chi.URLParam(r, "season"), b)
	if err != nil {
		return nil, err
	}
	return info, nil
}

func (h *stallsAPI) myBids(r *http.Request, p *identity.Principal) (any, error) {
	bids, err := h.svc.MyBids(r.Context(), p.Resident, chi.URLParam(r, "season"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"bids": orEmpty(bids)}, nil
}

// bids answers the counted sealed bids as the board has them, for trustees
// and observers.
func (h *stallsAPI) bids(r *http.Request) (any, error) {
	id := chi.URLParam(r, "season")
	if _, err := h.svc.Season(r.Context(), id); err != nil {
		return nil, err
	}
	bids, err := h.svc.Counted(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(bids))
	for i, b := range bids {
		out[i] = hex.EncodeToString(b.Bytes())
	}
	hash := stalls.BidsHash(id, bids)
	return map[string]any{"season": id, "count": len(bids), "bids_hash": hex.EncodeToString(hash[:]), "bids": out}, nil
}

// MaxDecryptionBody is the largest body of POST
// /stalls/seasons/{season}/decryptions, the one route whose body may be
// over MaxBody: a trustee's partial decryption of every counted bid. The
// bid-decryption payload for N bids is 1 + 4 + 32 (version, count, bids
// hash) + 8 + 32·N + 96 (crypto/threshold's encoding) = 141 + 32·N bytes,
// hex-encoded in {"decryption":"..."}: 2·(141 + 32·N) + 17 = 299 + 64·N
// bytes, 1,280,299 for the 20,000 bids of a season (docs/spec/stalls.md,
// section 10). The limit takes 65,536 bids (4,194,603 bytes) with 3,797
// bytes to spare: 64·65,536 + 4,096 = 4,198,400 bytes (4 MiB + 4 KiB).
const MaxDecryptionBody = 64*65536 + 4096

type decryptionRequest struct {
	Decryption string `json:"decryption"` // hex of the bid-decryption payload
}

// decryption accepts a trustee's partial decryption of the counted bids.
// Its body may be up to MaxDecryptionBody, so the role is checked before
// the body is read: nobody else makes the server read that much.
func (h *stallsAPI) decryption(r *http.Request, p *identity.Principal) (any, error) {
	if !p.Roles.Has(identity.RoleTrustee) {
		return nil, fmt.Errorf("%w: the role %s is needed", stalls.ErrForbidden, identity.RoleTrustee)
	}
	id := chi.URLParam(r, "season")
	if _, err := h.svc.Season(r.Context(), id); err != nil {
		return nil, err
	}
	var req decryptionRequest
	if err := decodeStrictUpTo(r, &req, MaxDecryptionBody); err != nil {
		return nil, err
	}
	b, err := decodeHex("decryption", req.Decryption)
	if err != nil {
		return nil, err
	}
	seq, err := h.svc.SubmitDecryption(r.Context(), p.Resident, id, b)
	if err != nil {
		return nil, err
	}
	return map[string]uint64{"seq": seq}, nil
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

func (h *stallsAPI) allocationJSON(r *http.Request, id string, a *stalls.Allocation, seq uint64) (any, error) {
	s, err := h.svc.Season(r.Context(), id)
	if err != nil {
		return nil, err
	}
	hash := bulletin.Keccak256(a.Bytes())
	out := allocationResponse{Season: id, Seq: seq, BidsHash: hex.EncodeToString(a.BidsHash[:]), Seed: hex.EncodeToString(a.Seed[:]),
		Valid: a.Valid, Hash: hex.EncodeToString(hash[:]), Awards: []awardJSON{}}
	for _, aw := range a.Awards {
		out.Awards = append(out.Awards, awardJSON{Stall: s.Stalls[aw.Stall].ID, Bidder: hex.EncodeToString(aw.Bidder[:]), Amount: aw.Amount})
	}
	return out, nil
}

func (h *stallsAPI) allocation(r *http.Request) (any, error) {
	id := chi.URLParam(r, "season")
	a, seq, err := h.svc.Allocation(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return h.allocationJSON(r, id, a, seq)
}

func (h *stallsAPI) allocate(r *http.Request, p *identity.Principal) (any, error) {
	id := chi.URLParam(r, "season")
	a, seq, err := h.svc.Allocate(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	return h.allocationJSON(r, id, a, seq)
}

func (h *stallsAPI) myAwards(r *http.Request, p *identity.Principal) (any, error) {
	id := chi.URLParam(r, "season")
	awards, err := h.svc.MyAwards(r.Context(), p.Resident, id)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.Season(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := []awardJSON{}
	for _, aw := range awards {
		out = append(out, awardJSON{Stall: s.Stalls[aw.Stall].ID, Bidder: hex.EncodeToString(aw.Bidder[:]), Amount: aw.Amount})
	}
	return map[string]any{"season": id, "awards": out}, nil
}
