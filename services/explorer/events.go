package explorer

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/veche/veche/tally/verify"
)

// Event streams (docs/explorer.md, "Live updates"): GET
// /elections/{id}/events is a text/event-stream of
//
//	event: report   data: {"entries","head","phase","verdict","verdict_text","verdict_line"}
//	event: step     data: {"number","name","status","status_text","detail","entry","entry_href","party"}
//
// first the report and every step, then, after each verification, the
// report if it changed and each step whose outcome changed. Every event's
// id is the state's version. A comment line is sent every
// streamHeartbeat; the stream ends after streamLifetime (the browser
// reconnects).
const (
	streamHeartbeat = 20 * time.Second
	streamLifetime  = 15 * time.Minute
	streamWrite     = 30 * time.Second // deadline of each write
)

type reportEvent struct {
	Entries     uint64 `json:"entries"`
	Head        string `json:"head"`
	Phase       string `json:"phase"`
	Verdict     string `json:"verdict"`
	VerdictText string `json:"verdict_text"`
	VerdictLine string `json:"verdict_line"`
}

type stepEvent struct {
	Number     int    `json:"number"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	StatusText string `json:"status_text"`
	Detail     string `json:"detail"`
	Entry      string `json:"entry,omitempty"`
	EntryHref  string `json:"entry_href,omitempty"`
	Party      string `json:"party,omitempty"`
}

func (e *Explorer) events(w http.ResponseWriter, c *rq, el *election) {
	if e.streams.Add(1) > int64(e.opts.MaxStreams) {
		e.streams.Add(-1)
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_busy"))
		return
	}
	defer e.streams.Add(-1)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if c.r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	write := func(s string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWrite))
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write("retry: 5000\n\n") {
		return
	}
	ctx := c.r.Context()
	end := time.NewTimer(streamLifetime)
	defer end.Stop()
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	var lastReport reportEvent
	sent := map[int]stepEvent{}
	for {
		st, changed := el.watch()
		if st != nil && st.report != nil {
			var out []byte
			rep := c.reportEvent(st)
			if rep != lastReport {
				out = appendEvent(out, "report", st.version, rep)
				lastReport = rep
			}
			for i := range st.report.Steps {
				s := c.stepEvent(el, &st.report.Steps[i])
				if prev, ok := sent[s.Number]; !ok || prev != s {
					out = appendEvent(out, "step", st.version, s)
					sent[s.Number] = s
				}
			}
			if len(out) > 0 && !write(string(out)) {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-e.ctx.Done(): // the explorer is closing
			return
		case <-end.C:
			return
		case <-beat.C:
			if !write(": ping\n\n") {
				return
			}
		case <-changed:
		}
	}
}

func (c *rq) reportEvent(st *state) reportEvent {
	r := st.report
	v, text := c.verdict(st)
	return reportEvent{Entries: r.Entries, Head: r.Head, Phase: c.phaseName(lastPhase(st)), Verdict: v, VerdictText: text,
		VerdictLine: c.verdictLine(r)}
}

func (c *rq) stepEvent(el *election, s *verify.Step) stepEvent {
	v := c.stepView(el, s)
	return stepEvent{Number: v.Number, Name: v.Name, Status: v.Status, StatusText: v.StatusText, Detail: v.Detail,
		Entry: v.Entry, EntryHref: v.EntryHref, Party: v.Party}
}

// appendEvent appends one server-sent event: its name, id and data (JSON,
// which has no newline).
func appendEvent(b []byte, name string, id uint64, data any) []byte {
	j, err := json.Marshal(data)
	if err != nil {
		panic(fmt.Sprintf("explorer: encoding an event: %v", err)) // plain structs of strings and numbers
	}
	b = append(b, "event: "...)
	b = append(b, name...)
	b = append(b, "\nid: "...)
	b = strconv.AppendUint(b, id, 10)
	b = append(b, "\ndata: "...)
	b = append(b, j...)
	return append(b, "\n\n"...)
}
