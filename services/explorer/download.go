package explorer

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/veche/veche/tally/verify"
)

// record serves the election's record (docs/spec/verification.md, section
// 4): the entries verified, as `veche verify --record` reads them, written
// from memory (no read of the board), at most MaxDownloads at once.
func (e *Explorer) record(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil || st.report == nil {
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_not_verified"))
		return
	}
	select {
	case e.downloads <- struct{}{}:
		defer func() { <-e.downloads }()
	default:
		w.Header().Set("Retry-After", "10")
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_busy"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jsonl; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+el.id+`.jsonl"`)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Veche-Entries", strconv.Itoa(len(st.entries)))
	w.WriteHeader(http.StatusOK)
	if c.r.Method == http.MethodHead {
		return
	}
	n := uint64(len(st.entries))
	rec := verify.NewRecord(el.id, el.topic, st.entries, st.head, n)
	if err := verify.WriteRecord(c.r.Context(), w, rec, el.id, e.opts.Contract, e.opts.ChainID, el.topic); err != nil {
		e.log.Debug("explorer: writing a record", "election", el.id, "err", err) // the client went away
	}
}

// reportJSON serves the latest verification report as `veche verify
// --json` prints it (docs/spec/verification.md, section 3.4).
func (e *Explorer) reportJSON(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil || st.report == nil {
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_not_verified"))
		return
	}
	b, err := json.MarshalIndent(st.report, "", "  ")
	if err != nil {
		e.errorPageMsg(w, c, http.StatusInternalServerError, c.t("err_internal"))
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if c.r.Method != http.MethodHead {
		w.Write(b)
	}
}
