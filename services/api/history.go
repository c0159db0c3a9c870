package api

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/voting"
)

// HistoryContext is the schnorr context string of a history request's
// signature (docs/spec/ballotbox.md, "History requests").
const HistoryContext = "veche/api/history/v1"

// HistoryWindow is how far a history request's timestamp may be from the
// server's clock, either way.
const HistoryWindow = 300 * time.Second

// The headers of a history request.
const (
	HeaderCredential = "Veche-Credential" // hex of the 32-byte public credential
	HeaderTimestamp  = "Veche-Timestamp"  // decimal Unix seconds
	HeaderSignature  = "Veche-Signature"  // base64 of the 64-byte signature
)

// HistoryMessage returns the message a credential signs, under
// [HistoryContext], to read its history at Unix time timestamp:
//
//	fingerprint (32) || credential (32) || u64be(timestamp)
//
// with the election's fingerprint (voting.Manifest.Fingerprint) and the
// public credential's encoding.
func HistoryMessage(fingerprint [32]byte, credential []byte, timestamp uint64) []byte {
	msg := make([]byte, 0, 32+len(credential)+8)
	msg = append(msg, fingerprint[:]...)
	msg = append(msg, credential...)
	return binary.BigEndian.AppendUint64(msg, timestamp)
}

type historyBallot struct {
	Kind         string    `json:"kind"`
	TrackingCode string    `json:"tracking_code"`
	Received     time.Time `json:"received"`
	Seq          uint64    `json:"seq"`
	Posted       bool      `json:"posted"`
	BoardSeq     *uint64   `json:"board_seq,omitempty"`
	Refused      bool      `json:"refused"`
	Current      bool      `json:"current"`
}

type historyResponse struct {
	Election   string          `json:"election"`
	Credential string          `json:"credential"`
	Ballots    []historyBallot `json:"ballots"`
}

// unauthenticated answers 401 to a history request.
func unauthenticated(w http.ResponseWriter, detail string) {
	w.Header().Set("WWW-Authenticate", `Veche-Signature realm="history"`)
	problem(w, http.StatusUnauthorized, "unauthenticated", "The request is not signed by a listed credential", detail)
}

// header returns the single value of header name, or "" if it is missing
// or repeated.
func header(r *http.Request, name string) string {
	if v := r.Header.Values(name); len(v) == 1 {
		return v[0]
	}
	return ""
}

// history serves a credential's own ballots to the holder of the
// credential, who signs the request (docs/spec/ballotbox.md, "History
// requests"). Every failure to prove that is the same 401 problem, whose
// detail says which check failed (none of it is secret: the list is
// public).
func (s *Server) history(w http.ResponseWriter, r *http.Request) {
	box, ok := s.box(w, r)
	if !ok {
		return
	}
	credHex, tsText, sigText := header(r, HeaderCredential), header(r, HeaderTimestamp), header(r, HeaderSignature)
	if credHex == "" || tsText == "" || sigText == "" {
		unauthenticated(w, "each of the headers "+HeaderCredential+", "+HeaderTimestamp+" and "+HeaderSignature+" is needed, once")
		return
	}
	credBytes, err := hex.DecodeString(credHex)
	if err != nil || len(credBytes) != voting.CredentialSize {
		unauthenticated(w, HeaderCredential+": not the hex of a 32-byte credential")
		return
	}
	cred, err := schnorr.NewPublicKey(credBytes)
	if err != nil {
		unauthenticated(w, HeaderCredential+": not a canonical credential")
		return
	}
	if len(tsText) > 20 {
		unauthenticated(w, HeaderTimestamp+": not decimal Unix seconds")
		return
	}
	ts, err := strconv.ParseUint(tsText, 10, 64)
	if err != nil {
		unauthenticated(w, HeaderTimestamp+": not decimal Unix seconds")
		return
	}
	now := time.Now()
	if t := time.Unix(int64(min(ts, 1<<62)), 0); t.Before(now.Add(-HistoryWindow)) || t.After(now.Add(HistoryWindow)) {
		unauthenticated(w, HeaderTimestamp+": more than 300 s from the server's clock ("+strconv.FormatInt(now.Unix(), 10)+")")
		return
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(sigText)
	if err != nil || len(sig) != schnorr.SignatureSize {
		unauthenticated(w, HeaderSignature+": not the base64 of a 64-byte signature")
		return
	}
	fp, err := box.Manifest().Fingerprint()
	if err != nil {
		s.Log.Error("history: the manifest's fingerprint", "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
		return
	}
	if err := schnorr.Verify(cred, HistoryContext, HistoryMessage(fp, credBytes, ts), sig); err != nil {
		unauthenticated(w, HeaderSignature+": does not verify for this credential, election and time")
		return
	}
	items, err := box.History(r.Context(), cred)
	if errors.Is(err, voting.ErrUnknownCredential) {
		unauthenticated(w, HeaderCredential+": not on the election's credential list")
		return
	}
	if err != nil {
		s.Log.Error("history", "election", box.Manifest().ID, "err", err)
		problem(w, http.StatusInternalServerError, "internal", "Internal error", "")
		return
	}
	writeJSON(w, historyJSON(box, credBytes, items))
}

func historyJSON(box *ballotbox.Box, cred []byte, items []ballotbox.HistoryItem) historyResponse {
	out := historyResponse{Election: box.Manifest().ID, Credential: hex.EncodeToString(cred), Ballots: make([]historyBallot, len(items))}
	for i, it := range items {
		rc := it.Receipt
		hb := historyBallot{Kind: rc.Kind.String(), TrackingCode: rc.TrackingCode.String(), Received: rc.Received.UTC(),
			Seq: rc.Seq, Posted: it.Posted, Refused: it.Refused, Current: it.Current}
		if it.Posted {
			hb.BoardSeq = &it.BoardSeq
		}
		out.Ballots[i] = hb
	}
	return out
}
