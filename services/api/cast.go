package api

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/voting"
)

// AddBox makes the server accept ballots for election id through box:
// POST /elections/{id}/ballots and /audits, GET /elections/{id}/ballots/{code}.
func (s *Server) AddBox(id string, box *ballotbox.Box) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.boxes == nil {
		s.boxes = map[string]*ballotbox.Box{}
	}
	s.boxes[id] = box
}

func (s *Server) box(w http.ResponseWriter, r *http.Request) (*ballotbox.Box, bool) {
	s.mu.Lock()
	b := s.boxes[chi.URLParam(r, "id")]
	s.mu.Unlock()
	if b == nil {
		problem(w, http.StatusNotFound, "no-ballot-box", "This server takes no ballots for that election", "")
		return nil, false
	}
	return b, true
}

type castRequest struct {
	Ballot string `json:"ballot"` // the ballot's bytes (docs/spec/ballot.md), base64
}

type auditRequest struct {
	Audit string `json:"audit"` // the audit record's bytes, base64
}

type receiptResponse struct {
	Election     string    `json:"election"`
	Kind         string    `json:"kind"`
	TrackingCode string    `json:"tracking_code"`
	Received     time.Time `json:"received"`
	Seq          uint64    `json:"seq"`
	Receipt      string    `json:"receipt"` // the signed receipt's bytes, base64 (docs/spec/ballotbox.md)
}

func receiptJSON(rc *voting.Receipt) receiptResponse {
	return receiptResponse{Election: rc.Election, Kind: rc.Kind.String(), TrackingCode: rc.TrackingCode.String(),
		Received: rc.Received.UTC(), Seq: rc.Seq, Receipt: base64.StdEncoding.EncodeToString(rc.Bytes())}
}

// castProblem maps the box's and the ballot's errors to problems: every
// refusal of a voter's input is a 4xx naming the rule, never the contents.
func (s *Server) castProblem(w http.ResponseWriter, err error) {
	if bodyProblem(w, err) {
		return
	}
	switch {
	case errors.Is(err, voting.ErrMalformedBallot), errors.Is(err, voting.ErrInvalidAudit), errors.Is(err, ballotbox.ErrTooLarge):
		problem(w, http.StatusBadRequest, "malformed-ballot", "Malformed ballot", err.Error())
	case errors.Is(err, voting.ErrUnknownCredential):
		problem(w, http.StatusForbidden, "unknown-credential", "The credential is not in the election's list", "")
	case errors.Is(err, voting.ErrInvalidBallot):
		problem(w, http.StatusUnprocessableEntity, "invalid-ballot", "The ballot does not verify", err.Error())
	case errors.Is(err, ballotbox.ErrNotOpen):
		problem(w, http.StatusConflict, "election-not-open", "The election is not open for voting", "")
	case errors.Is(err, ballotbox.ErrClash):
		problem(w, http.StatusConflict, "clash", "A ciphertext of this ballot was already cast", "")
	case errors.Is(err, ballotbox.ErrRevoteDenied):
		problem(w, http.StatusConflict, "revote-denied", "This credential has already voted and the election allows no revote", "")
	default:
		s.Log.Error("casting failed", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "The ballot could not be stored; it was not acknowledged", "")
	}
}

// readPayload answers the common first half of a cast or an audit: the
// election's box, and the request body decoded strictly with its one
// base64 field (named what in errors) decoded. On false the problem has
// been written.
func readPayload[T any](s *Server, w http.ResponseWriter, r *http.Request, what string, field func(*T) string) (*ballotbox.Box, []byte, bool) {
	box, ok := s.box(w, r)
	if !ok {
		return nil, nil, false
	}
	var req T
	if err := decodeStrict(r, &req); err != nil {
		s.castProblem(w, err)
		return nil, nil, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(field(&req))
	if err != nil || len(b) == 0 {
		problem(w, http.StatusBadRequest, "malformed-request", "Malformed request", what+": not standard base64")
		return nil, nil, false
	}
	return box, b, true
}

// acknowledge answers the second half: the box's receipt (201) or its
// refusal, after settling the credential's budget.
func (s *Server) acknowledge(w http.ResponseWriter, settle func(*voting.Receipt, error), rc *voting.Receipt, err error) {
	settle(rc, err)
	if err != nil {
		s.castProblem(w, err)
		return
	}
	w.WriteHeader(http.StatusCreated)
	writeJSON(w, receiptJSON(rc))
}

func (s *Server) cast(w http.ResponseWriter, r *http.Request) {
	box, b, ok := readPayload(s, w, r, "ballot", func(req *castRequest) string { return req.Ballot })
	if !ok {
		return
	}
	settle := func(*voting.Receipt, error) {}
	if s.limits.byCredential != nil {
		// The credential's budget: read the credential by decoding the
		// ballot (cheap next to verifying it); a ballot that does not
		// decode is refused without touching any budget. A ballot decoded
		// here is not decoded again (Box.CastParsed).
		bal, err := voting.ParseBallot(b, box.Manifest())
		if err != nil {
			s.castProblem(w, err)
			return
		}
		if settle, ok = s.chargeCredential(w, box, bal.Credential()); !ok {
			return
		}
		rc, err := box.CastParsed(r.Context(), bal)
		s.acknowledge(w, settle, rc, err)
		return
	}
	rc, err := box.Cast(r.Context(), b)
	s.acknowledge(w, settle, rc, err)
}

func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	box, b, ok := readPayload(s, w, r, "audit", func(req *auditRequest) string { return req.Audit })
	if !ok {
		return
	}
	settle := func(*voting.Receipt, error) {}
	if s.limits.byCredential != nil {
		a, err := voting.ParseAudit(b, box.Manifest())
		if err != nil {
			s.castProblem(w, err)
			return
		}
		if settle, ok = s.chargeCredential(w, box, a.Ballot.Credential()); !ok {
			return
		}
	}
	rc, err := box.Audit(r.Context(), b)
	s.acknowledge(w, settle, rc, err)
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	box, ok := s.box(w, r)
	if !ok {
		return
	}
	tc, err := voting.ParseTrackingCode(chi.URLParam(r, "code"))
	if err != nil {
		problem(w, http.StatusBadRequest, "malformed-tracking-code", "Malformed tracking code", "")
		return
	}
	st, err := box.Status(r.Context(), tc)
	if errors.Is(err, ballotbox.ErrUnknownBallot) {
		problem(w, http.StatusNotFound, "unknown-ballot", "No ballot with this tracking code", "")
		return
	}
	if err != nil {
		s.Log.Error("ballot status", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
		return
	}
	out := statusResponse{Receipt: receiptJSON(st.Receipt), Posted: st.Posted, Refused: st.Refused}
	if st.Posted {
		out.Seq = &st.Seq
		if len(st.Proof) > 0 {
			out.MerkleRoot = hex.EncodeToString(st.Root[:])
			out.InclusionProof = base64.StdEncoding.EncodeToString(st.Proof)
		}
	}
	if loc := st.Location; loc != nil {
		out.Block = &loc.Block
		out.BlockHash = "0x" + hex.EncodeToString(loc.BlockHash[:])
		out.Transaction = "0x" + hex.EncodeToString(loc.Tx[:])
	}
	writeJSON(w, out)
}

// statusResponse is a ballot's status (docs/spec/ballotbox.md, sections 5
// and 8): seq once its board entry is posted, with merkle_root and
// inclusion_proof for a cast ballot; block, block_hash and transaction once
// the box knows where that entry is on the chain (0x-prefixed hex hashes).
type statusResponse struct {
	Receipt        receiptResponse `json:"receipt"`
	Posted         bool            `json:"posted"`
	Refused        bool            `json:"refused"`
	Seq            *uint64         `json:"seq,omitempty"`
	MerkleRoot     string          `json:"merkle_root,omitempty"`
	InclusionProof string          `json:"inclusion_proof,omitempty"`
	Block          *uint64         `json:"block,omitempty"`
	BlockHash      string          `json:"block_hash,omitempty"`
	Transaction    string          `json:"transaction,omitempty"`
}
