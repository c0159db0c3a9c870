package explorer

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/tally"
	"github.com/veche/veche/tally/verify"
	"github.com/veche/veche/voting"
)

func isTooMany(err error) bool { return errors.Is(err, errTooMany) }

// The topics page.

type topicsBody struct {
	Elections []electionRow
	Others    []topicRow
	NoLister  bool
	ListErr   string
}

type electionRow struct {
	Title, ID, Href, Phase, Entries, Verdict, VerdictText string
}

type topicRow struct {
	ID, Short, Href, Kind, Phase, Entries, Owner string
}

func (e *Explorer) topicsPage(w http.ResponseWriter, r *http.Request) {
	c, err := e.newRQ(r)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
		return
	}
	body := topicsBody{NoLister: e.lister == nil}
	shown := map[bulletin.TopicID]bool{}
	for _, el := range e.tracked() {
		shown[el.topic] = true
		row := electionRow{ID: el.id, Title: el.id, Href: c.href("/elections/" + el.id)}
		if st := el.state.Load(); st != nil {
			if st.manifest != nil {
				row.Title = text(c.lang, st.manifest.Title)
			}
			row.Phase = c.phaseName(lastPhase(st))
			row.Entries = c.num(uint64(len(st.entries)))
			row.Verdict, row.VerdictText = c.verdict(st)
		} else {
			row.Verdict, row.VerdictText = "running", c.t("verdict_running")
		}
		body.Elections = append(body.Elections, row)
	}
	if l := e.topics.Load(); l != nil {
		body.ListErr = l.err
		for _, ti := range l.topics {
			if shown[ti.ID] {
				continue
			}
			kind := c.t("topic_service")
			if ti.Phase != bulletin.PhaseService {
				kind = c.t("topic_unreadable")
			}
			id := ti.ID.String()
			body.Others = append(body.Others, topicRow{ID: id, Short: short(id), Href: c.href("/topics/" + id), Kind: kind,
				Phase: c.phaseName(ti.Phase), Entries: c.num(ti.Count), Owner: ti.Owner.String()})
		}
	}
	e.render(w, r, http.StatusOK, "topics", c.page(c.t("topics_title"), body))
}

// lastPhase is an election's phase after the entries of st.
func lastPhase(st *state) bulletin.Phase {
	if len(st.phases) > 0 {
		return st.phases[len(st.phases)-1].To
	}
	return bulletin.PhaseSetup
}

func (c *rq) phaseName(p bulletin.Phase) string {
	if _, ok := messages["phase_"+p.String()]; ok {
		return c.t("phase_" + p.String())
	}
	return p.String()
}

// verdict returns the class and the text of st's verdict.
func (c *rq) verdict(st *state) (class, label string) {
	if st.report == nil {
		return "running", c.t("verdict_running")
	}
	v := string(st.report.Verdict)
	return v, c.t("verdict_" + v)
}

// The election page.

type electionBody struct {
	ID, Title, Topic, Fingerprint, Phase string
	Verdict, VerdictText, VerdictLine    string
	Verified, Progress, BoardErr         string
	Steps                                []stepView
	TrackAction                          string
	Manifest                             *manifestView
	Timeline                             []timelineRow
	Ceremony                             ceremonyView
	Credentials                          credView
	Ballots                              ballotsView
	Recon                                reconView
	Results                              resultsView
	Evidence                             []link
	Download                             downloadView
}

type stepView struct {
	Number                   int
	Name, Status, StatusText string
	Detail                   string
	Entry, EntryHref, Party  string
	Notes                    []noteView
}

type noteView struct {
	Text, Entry, EntryHref, Party string
}

func (e *Explorer) electionPage(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil {
		st = &state{}
	}
	b := electionBody{ID: el.id, Title: el.id, Topic: el.topic.String(), Phase: c.phaseName(lastPhase(st)),
		TrackAction: c.e.opts.Prefix + "/elections/" + el.id + "/track"}
	if st.manifest != nil {
		b.Title = text(c.lang, st.manifest.Title)
	}
	b.Verdict, b.VerdictText = c.verdict(st)
	b.BoardErr = st.boardErr
	if p := el.progress.Load(); p != nil && p.Total > 0 && p.Done < p.Total {
		b.Progress = c.t("progress", p.Step, p.Name, c.num(uint64(p.Done)), c.num(uint64(p.Total)), p.Unit)
	}
	if rep := st.report; rep != nil {
		b.Fingerprint = rep.Fingerprint
		b.Verified = c.t("verified_entries", c.num(rep.Entries), short(rep.Head))
		b.VerdictLine = c.verdictLine(rep)
		for i := range rep.Steps {
			b.Steps = append(b.Steps, c.stepView(el, &rep.Steps[i]))
		}
	} else {
		for n := 1; n <= 10; n++ {
			b.Steps = append(b.Steps, stepView{Number: n, Name: c.t(fmt.Sprintf("step_%d", n)), Status: "pending",
				StatusText: c.t("status_pending"), Detail: c.t("not_verified_yet")})
		}
	}
	if st.manifest != nil {
		b.Manifest = c.manifestView(st.manifest)
	}
	b.Timeline = c.timeline(el, st)
	b.Ceremony = c.ceremonyView(el, st)
	b.Credentials = c.credView(st)
	b.Ballots = c.ballotsView(el, st)
	b.Recon = c.reconView(el, st)
	b.Results = c.resultsView(el, st)
	b.Evidence = []link{
		{Text: c.t("ev_entries", c.num(uint64(len(st.entries)))), Href: c.href("/elections/" + el.id + "/entries")},
		{Text: c.t("ev_shuffles", len(st.shuffles)), Href: c.href("/elections/" + el.id + "/shuffles")},
		{Text: c.t("ev_decryptions", len(st.decs)), Href: c.href("/elections/" + el.id + "/decryptions")},
	}
	b.Download = c.downloadView(el, st)
	p := c.page(b.Title, b, link{Text: el.id, Href: c.href("/elections/" + el.id)})
	// The stream speaks the page's language: an explicit ?lang= goes with
	// it (Accept-Language does by itself).
	p.Events = c.href("/elections/" + el.id + "/events")
	e.render(w, c.r, http.StatusOK, "election", p)
}

func (c *rq) verdictLine(rep *verify.Report) string {
	switch rep.Verdict {
	case verify.Verified:
		return c.t("verdict_line_verified")
	case verify.Failed:
		if s := rep.FirstFailure(); s != nil {
			return c.t("verdict_line_failed", s.Number, c.t(fmt.Sprintf("step_%d", s.Number)))
		}
	}
	return c.t("verdict_line_incomplete")
}

func (c *rq) stepView(el *election, s *verify.Step) stepView {
	v := stepView{Number: s.Number, Name: c.t(fmt.Sprintf("step_%d", s.Number)), Status: string(s.Status),
		StatusText: c.t("status_" + string(s.Status)), Detail: s.Detail}
	if s.Entry != nil {
		v.Entry = c.t("step_entry", c.num(*s.Entry))
		v.EntryHref = c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, *s.Entry))
	}
	if s.Party != nil {
		v.Party = c.t("step_blame", s.Party.String())
	}
	for _, n := range s.Notes {
		nv := noteView{Text: n.Text}
		if n.Entry != nil {
			nv.Entry = c.t("step_entry", c.num(*n.Entry))
			nv.EntryHref = c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, *n.Entry))
		}
		if n.Party != nil {
			nv.Party = n.Party.String()
		}
		v.Notes = append(v.Notes, nv)
	}
	return v
}

type manifestView struct {
	Opens, Closes, Revote            string
	Commission, BallotBox, Authority string
	Trustees                         string
	TrusteeList, Mixers              []string
	Contests                         []contestView
}

type contestView struct {
	ID, Title, Meta string
	Options         []string
	Notes           []string
}

func party(p voting.Party) string { return p.Name + " (" + p.Address + ")" }

func (c *rq) manifestView(m *voting.Manifest) *manifestView {
	v := &manifestView{
		Opens: m.Opens.Format(time.RFC3339), Closes: m.Closes.Format(time.RFC3339),
		Commission: party(m.Commission), BallotBox: party(m.BallotBox), Authority: party(m.CredentialAuthority),
		Trustees: c.t("m_threshold", m.Trustees.Threshold, len(m.Trustees.Members)),
	}
	v.Revote = c.t("revote_last")
	if m.Revote == voting.RevoteDenied {
		v.Revote = c.t("revote_denied")
	}
	for _, p := range m.Trustees.Members {
		v.TrusteeList = append(v.TrusteeList, party(p))
	}
	for _, p := range m.Mixers {
		v.Mixers = append(v.Mixers, party(p))
	}
	for _, ct := range m.Contests {
		kind := c.t("kind_" + string(ct.Kind))
		switch ct.Kind {
		case voting.Approval:
			kind = c.t("kind_approval", ct.Min, ct.Max)
		case voting.Ranked:
			kind = c.t("kind_ranked", ct.Ranks)
		}
		cv := contestView{ID: ct.ID, Title: text(c.lang, ct.Title), Meta: c.t("contest_meta", kind, c.t("tally_"+string(ct.Tally)))}
		for _, o := range ct.Options {
			cv.Options = append(cv.Options, text(c.lang, o.Title))
		}
		if ct.WriteIn {
			cv.Notes = append(cv.Notes, c.t("write_in"))
		}
		if ct.Blank {
			cv.Notes = append(cv.Notes, c.t("blank"))
		}
		v.Contests = append(v.Contests, cv)
	}
	return v
}

type timelineRow struct {
	Phase, Entry, EntryHref, Poster, Block string
}

// role names the roles of a poster in the manifest, or its address.
func role(m *voting.Manifest, a bulletin.Address) string {
	if m != nil {
		if r := m.RoleOf(a); r != "" {
			return r + " (" + a.String() + ")"
		}
	}
	return a.String()
}

func (c *rq) blockOf(st *state, seq uint64) string {
	if loc, ok := st.locs[seq]; ok {
		return c.num(loc.Block)
	}
	return ""
}

func (c *rq) timeline(el *election, st *state) []timelineRow {
	if len(st.entries) == 0 {
		return nil
	}
	rows := []timelineRow{{Phase: c.phaseName(bulletin.PhaseSetup), Entry: "0", EntryHref: c.href("/elections/" + el.id + "/entries/0"),
		Poster: role(st.manifest, st.entries[0].Poster), Block: c.blockOf(st, 0)}}
	for _, p := range st.phases {
		rows = append(rows, timelineRow{Phase: c.phaseName(p.To), Entry: c.num(p.Seq),
			EntryHref: c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, p.Seq)),
			Poster:    role(st.manifest, p.Poster), Block: c.blockOf(st, p.Seq)})
	}
	return rows
}

type ceremonyView struct {
	Summary  string
	Status   string // ok, failed, pending
	Waiting  []string
	Trustees []trusteeRow
}

type trusteeRow struct {
	Index                                                 uint32
	Name, Address, Joined, Dealt, Complaints, Disq, Ready string
}

func (c *rq) yesNo(b bool) string {
	if b {
		return c.t("yes")
	}
	return c.t("no")
}

func (c *rq) ceremonyView(el *election, st *state) ceremonyView {
	s := st.ceremony
	if s == nil {
		return ceremonyView{Summary: c.t("cer_unknown"), Status: "pending"}
	}
	v := ceremonyView{Status: "pending"}
	switch {
	case s.Closed && s.Matches():
		v.Summary, v.Status = c.t("cer_ok", c.num(s.PostedSeq)), "ok"
	case s.Closed:
		v.Summary, v.Status = c.t("cer_bad", c.num(s.PostedSeq)), "failed"
	default:
		v.Waiting = s.Waiting()
		v.Summary = c.t("cer_waiting", strings.Join(v.Waiting, "; "))
	}
	for _, ts := range s.Trustees {
		row := trusteeRow{Index: ts.Index, Name: ts.Party.Name, Address: ts.Party.Address,
			Dealt: c.yesNo(ts.Dealt()), Complaints: strconv.Itoa(ts.Complaints), Disq: c.yesNo(ts.Disqualified), Ready: c.yesNo(ts.Ready != nil)}
		row.Joined = c.yesNo(ts.Joined())
		if ts.Joined() {
			row.Joined = c.t("at_entry", c.num(ts.JoinSeq))
		}
		if ts.Ready != nil {
			row.Ready = c.t("at_entry", c.num(ts.ReadySeq))
		}
		v.Trustees = append(v.Trustees, row)
	}
	return v
}

type credView struct {
	Summary string
	Styles  []string
}

func (c *rq) credView(st *state) credView {
	switch {
	case st.creds != nil:
		v := credView{Summary: c.t("creds_count", c.num(uint64(st.creds.Len())))}
		if st.manifest != nil {
			for _, s := range st.manifest.BallotStyles {
				v.Styles = append(v.Styles, c.t("creds_style", s.ID, c.num(uint64(st.creds.Count(s.ID)))))
			}
		}
		return v
	case st.credsErr != "":
		return credView{Summary: c.t("creds_err", st.credsErr)}
	}
	return credView{Summary: c.t("creds_none")}
}

type ballotsView struct {
	Totals, Note, BlocksNote, Malformed string
	Chart                               template.HTML
	Buckets                             []bucketRow
	Anomalies                           []string
	Rule                                string
}

type bucketRow struct {
	Entries, EntriesHref, Blocks, Ballots, Revotes, Audits, Flag string
}

func (c *rq) ballotsView(el *election, st *state) ballotsView {
	v := ballotsView{Rule: c.t("anomaly_rule")}
	if st.cast == 0 && st.audits == 0 {
		v.Totals = c.t("no_ballots")
		return v
	}
	v.Totals = c.t("ballots_totals", c.num(st.cast), c.num(st.batches), c.num(st.audits), c.num(st.revotes))
	if st.malformed > 0 {
		v.Malformed = c.t("malformed_batches", c.num(st.malformed))
	}
	if len(st.buckets) == 0 {
		return v
	}
	v.Note = c.t("buckets_note", c.num(st.buckets[0].Last-st.buckets[0].First+1))
	flags := map[int][]string{}
	for _, a := range st.anomalies {
		var s string
		if a.Kind == "turnout" {
			s = c.t("anomaly_turnout", c.num(uint64(a.Value)), strconv.FormatFloat(a.Reference, 'f', -1, 64))
		} else {
			s = c.t("anomaly_revotes", strconv.FormatFloat(a.Value, 'f', 1, 64), strconv.FormatFloat(a.Reference, 'f', 1, 64))
		}
		flags[a.Bucket] = append(flags[a.Bucket], s)
		b := st.buckets[a.Bucket]
		v.Anomalies = append(v.Anomalies, c.t("col_bucket")+" "+c.num(b.First)+"–"+c.num(b.Last)+": "+s)
	}
	values := make([]uint64, len(st.buckets))
	flagged := make([]bool, len(st.buckets))
	tips := make([]string, len(st.buckets))
	located := false
	for i, b := range st.buckets {
		values[i], flagged[i] = b.Ballots, len(flags[i]) > 0
		tips[i] = fmt.Sprintf("%s–%s: %s", c.num(b.First), c.num(b.Last), c.num(b.Ballots))
		row := bucketRow{Entries: c.num(b.First) + "–" + c.num(b.Last),
			EntriesHref: c.href("/elections/"+el.id+"/entries", "from", strconv.FormatUint(b.First, 10)),
			Ballots:     c.num(b.Ballots), Revotes: c.num(b.Revotes), Audits: c.num(b.Audits), Flag: strings.Join(flags[i], "; ")}
		lo, hi := c.blockOf(st, b.First), c.blockOf(st, b.Last)
		if lo != "" || hi != "" {
			located = true
			row.Blocks = lo + "–" + hi
		}
		v.Buckets = append(v.Buckets, row)
	}
	if located {
		v.BlocksNote = c.t("buckets_blocks")
	}
	v.Chart = columnChart("ballots-chart", c.t("chart_ballots"), values, flagged, tips)
	return v
}

type reconView struct {
	Posted, Recomputed string // the column heads
	Rows               []reconRow
	Step, None         string
}

type reconRow struct {
	Item, Posted, Recomputed string
	Differs                  bool
}

func reconNumbers(r *tally.Reconciliation) []uint64 {
	if r == nil {
		return nil
	}
	x := r.Excluded
	return []uint64{r.CredentialsIssued, r.BallotsReceived, r.Audited, r.Revotes, x.Malformed, x.Invalid, x.Spoiled, x.Clash, x.Superseded, r.Counted}
}

var reconItems = []string{"r_issued", "r_received", "r_audited", "r_revotes", "r_malformed", "r_invalid", "r_spoiled", "r_clash", "r_superseded", "r_counted"}

func (c *rq) reconView(el *election, st *state) reconView {
	var recomputed *tally.Reconciliation
	if st.weeded != nil {
		recomputed = &st.weeded.Reconciliation
	}
	if st.recon == nil && recomputed == nil {
		return reconView{None: c.t("recon_none")}
	}
	v := reconView{Recomputed: c.t("recon_recomputed")}
	if st.recon != nil {
		v.Posted = c.t("recon_posted", c.num(st.reconRef.First))
	} else {
		v.None = c.t("recon_none")
	}
	p, q := reconNumbers(st.recon), reconNumbers(recomputed)
	for i, key := range reconItems {
		row := reconRow{Item: c.t(key)}
		if p != nil {
			row.Posted = c.num(p[i])
		}
		if q != nil {
			row.Recomputed = c.num(q[i])
		}
		row.Differs = p != nil && q != nil && p[i] != q[i]
		v.Rows = append(v.Rows, row)
	}
	if st.report != nil {
		if s := st.report.Step(verify.StepBallots); s != nil {
			v.Step = c.t("recon_step", c.t("status_"+string(s.Status)))
		}
	}
	return v
}

type resultsView struct {
	Source, Posted, PostErr, None string
	Contests                      []contestResult
}

type contestResult struct {
	ID, Title, Ballots, Blank, Invalid string
	Rows                               []optionRow
	Chart                              template.HTML
	WriteIns                           []link // Text: name, Href: count
	IRV                                *irvView
	Schulze                            *schulzeView
}

type optionRow struct {
	Title, Votes, Posted string
	Differs              bool
}

type irvView struct {
	Candidates []string
	Rounds     []irvRound
	Winner     string
}

type irvRound struct {
	N                     int
	Counts                []string
	Exhausted, Eliminated string
}

type schulzeView struct {
	Ranking []string
	Winners string
}

func (c *rq) resultsView(el *election, st *state) resultsView {
	var recomputed *tally.Results
	if st.report != nil {
		recomputed = st.report.Results
	}
	posted := st.posted
	v := resultsView{}
	if posted != nil {
		v.Posted = c.t("results_posted_at", c.num(st.postRef.First))
	}
	if st.postErr != "" {
		v.PostErr = c.t("results_post_err", c.num(st.postRef.First), st.postErr)
	}
	if (recomputed == nil && posted == nil) || st.manifest == nil {
		v.None = c.t("results_none")
		return v
	}
	main := recomputed
	v.Source = c.t("results_source")
	if main == nil {
		main, v.Source = posted, c.t("results_only_posted")
	}
	m := st.manifest
	for i := range main.Contests {
		cr := &main.Contests[i]
		ct := contestOf(m, cr.Contest)
		if ct == nil {
			continue
		}
		var pc *tally.ContestResult
		if posted != nil && main != posted {
			for j := range posted.Contests {
				if posted.Contests[j].Contest == cr.Contest {
					pc = &posted.Contests[j]
				}
			}
		}
		view := contestResult{ID: ct.ID, Title: text(c.lang, ct.Title), Ballots: c.t("contest_ballots", c.num(cr.Ballots))}
		labels := make([]string, 0, len(ct.Options))
		for j, o := range ct.Options {
			row := optionRow{Title: text(c.lang, o.Title)}
			var votes uint64
			if j < len(cr.Totals) {
				votes = cr.Totals[j]
				row.Votes = c.num(votes)
			}
			if pc != nil && j < len(pc.Totals) {
				row.Posted = c.num(pc.Totals[j])
				row.Differs = j < len(cr.Totals) && pc.Totals[j] != cr.Totals[j]
			} else if main == posted {
				row.Posted, row.Votes = row.Votes, ""
			}
			labels = append(labels, row.Title)
			view.Rows = append(view.Rows, row)
		}
		view.Chart = barChart("chart-"+ct.ID, c.t("chart_results")+": "+view.Title, labels, cr.Totals[:min(len(cr.Totals), len(labels))], c.lang)
		if ct.Tally == voting.Mixnet {
			view.Blank = c.t("blank_n", c.num(cr.Blank))
			view.Invalid = c.t("invalid_n", c.num(uint64(len(cr.Invalid))))
			for _, wi := range cr.WriteIns {
				view.WriteIns = append(view.WriteIns, link{Text: wi.Name, Href: c.num(wi.Count)})
			}
		}
		name := func(id string) string { return candidateName(c.lang, ct, id) }
		if irv := cr.IRV; irv != nil && len(cr.Candidates) > 0 {
			iv := &irvView{Winner: c.t("winner", name(irv.Winner))}
			for _, cand := range cr.Candidates {
				iv.Candidates = append(iv.Candidates, name(cand))
			}
			for k, rd := range irv.Rounds {
				row := irvRound{N: k + 1, Exhausted: c.num(uint64(rd.Exhausted))}
				for _, cand := range cr.Candidates {
					if n, ok := rd.Counts[cand]; ok {
						row.Counts = append(row.Counts, c.num(uint64(n)))
					} else {
						row.Counts = append(row.Counts, "—")
					}
				}
				var el []string
				for _, x := range rd.Eliminated {
					el = append(el, name(x))
				}
				row.Eliminated = strings.Join(el, ", ")
				iv.Rounds = append(iv.Rounds, row)
			}
			view.IRV = iv
		}
		if s := cr.Schulze; s != nil {
			sv := &schulzeView{}
			for _, x := range s.Ranking {
				sv.Ranking = append(sv.Ranking, name(x))
			}
			var ws []string
			for _, x := range s.Winners {
				ws = append(ws, name(x))
			}
			sv.Winners = c.t("schulze_winners", strings.Join(ws, ", "))
			view.Schulze = sv
		}
		v.Contests = append(v.Contests, view)
	}
	return v
}

func contestOf(m *voting.Manifest, id string) *voting.Contest {
	for i := range m.Contests {
		if m.Contests[i].ID == id {
			return &m.Contests[i]
		}
	}
	return nil
}

// candidateName is an option's title, or a write-in's name.
func candidateName(lang string, ct *voting.Contest, id string) string {
	if id == tally.OtherWriteIns {
		return t(lang, "other_write_ins")
	}
	if name, ok := strings.CutPrefix(id, tally.WriteInPrefix); ok {
		return name + " (" + t(lang, "write_in_short") + ")"
	}
	for _, o := range ct.Options {
		if o.ID == id {
			return text(lang, o.Title)
		}
	}
	return id
}

type downloadView struct {
	Record, RecordHref, Report, ReportHref string
	RecordCmd, ChainCmd, NodeNote, Note    string
}

func (c *rq) downloadView(el *election, st *state) downloadView {
	v := downloadView{
		Record: c.t("dl_record", c.num(uint64(len(st.entries)))), RecordHref: c.e.opts.Prefix + "/elections/" + el.id + "/record.jsonl",
		Report: c.t("dl_report"), ReportHref: c.e.opts.Prefix + "/elections/" + el.id + "/report.json",
		Note: c.t("dl_note"),
	}
	origin := c.origin()
	v.RecordCmd = fmt.Sprintf("curl -fo %s.jsonl %s%s\nveche verify --record %s.jsonl", el.id, origin, v.RecordHref, el.id)
	if o := c.e.opts; o.Contract != "" {
		rpc := o.RPC
		switch {
		case rpc == "":
			rpc = "NODE_URL"
			v.NodeNote = c.t("dl_cmd_node", strconv.FormatUint(o.ChainID, 10))
		case strings.HasPrefix(rpc, "/"):
			rpc = origin + rpc
		}
		v.ChainCmd = fmt.Sprintf("veche --rpc %s --contract %s verify --election %s", rpc, o.Contract, el.id)
	}
	return v
}

// origin is the scheme and host the request came to, for command lines;
// a Host header that is not a plain host name (or address) and port is
// replaced by a placeholder.
func (c *rq) origin() string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	host := c.r.Host
	ok := host != "" && len(host) <= 255
	for _, ch := range host {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.ContainsRune(".-:[]", ch)) {
			ok = false
			break
		}
	}
	if !ok {
		host = "HOST"
	}
	return scheme + "://" + host
}

// The entries pages.

// Page sizes of the entries pages.
const (
	defaultPage = 50
	maxPage     = 100
)

type entriesBody struct {
	Heading, Range, None, Intro string
	Rows                        []entryRow
	Prev, Next                  string
	JumpAction, JumpFrom        string
}

type entryRow struct {
	Seq, Href, Kind, Poster, Size, Head, Prev, Chain string
	Broken                                           bool
}

func (c *rq) entryRows(topic bulletin.TopicID, es []bulletin.Entry, prev [32]byte, m *voting.Manifest, hrefOf func(uint64) string) []entryRow {
	rows := make([]entryRow, 0, len(es))
	for _, en := range es {
		want := bulletin.NextHead(prev, topic, en.Seq, en.Kind, en.Payload)
		row := entryRow{Seq: c.num(en.Seq), Href: hrefOf(en.Seq), Kind: kindName(en), Poster: role(m, en.Poster),
			Size: c.num(uint64(len(en.Payload))), Head: hex.EncodeToString(en.Head[:]), Prev: hex.EncodeToString(prev[:]),
			Chain: c.t("chain_ok")}
		if want != en.Head {
			row.Chain, row.Broken = c.t("chain_bad"), true
		}
		rows = append(rows, row)
		prev = en.Head
	}
	return rows
}

// kindName names an entry's kind, and for a chunk the kind it carries.
func kindName(en bulletin.Entry) string {
	if en.Kind.IsChunk() {
		if k, err := bulletin.EffectiveKind(en.Kind, en.Payload); err == nil {
			return en.Kind.String() + " (" + k.String() + ")"
		}
	}
	return en.Kind.String()
}

// pageParams reads ?from= and ?limit= (capped at maxPage).
func (c *rq) pageParams() (from, limit uint64, err error) {
	if from, err = c.uintParam("from", 0, 1<<62); err != nil {
		return 0, 0, err
	}
	if limit, err = c.uintParam("limit", defaultPage, 1<<62); err != nil {
		return 0, 0, err
	}
	return from, min(max(limit, 1), maxPage), nil
}

func (e *Explorer) entriesPage(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil {
		st = &state{}
	}
	n := uint64(len(st.entries))
	from, limit, err := c.pageParams()
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, err.Error())
		return
	}
	if from > 0 && from >= n {
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("err_no_entry", c.num(from)))
		return
	}
	to := min(from+limit, n)
	var prev [32]byte
	if from > 0 {
		prev = st.entries[from-1].Head
	}
	title := c.t("entries_title", el.id)
	b := entriesBody{Heading: title, Intro: c.t("chain_intro"), JumpAction: c.e.opts.Prefix + "/elections/" + el.id + "/entries"}
	if n == 0 {
		b.None = c.t("entries_none")
	} else {
		b.Range = c.t("entries_range", c.num(from), c.num(to-1), c.num(n))
	}
	b.Rows = c.entryRows(el.topic, st.entries[from:to], prev, st.manifest, func(s uint64) string {
		return c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, s))
	})
	if from > 0 {
		b.Prev = c.href("/elections/"+el.id+"/entries", "from", strconv.FormatUint(from-min(from, limit), 10), "limit", strconv.FormatUint(limit, 10))
	}
	if to < n {
		b.Next = c.href("/elections/"+el.id+"/entries", "from", strconv.FormatUint(to, 10), "limit", strconv.FormatUint(limit, 10))
	}
	e.render(w, c.r, http.StatusOK, "entries", c.page(title, b,
		link{Text: el.id, Href: c.href("/elections/" + el.id)},
		link{Text: c.t("col_entries"), Href: c.href("/elections/" + el.id + "/entries")}))
}

type entryBody struct {
	Heading, Kind, Carries, Poster, Role, Size, Head, Prev, Recomputed string
	ChainOK                                                            bool
	Chain, Block, Tx, Payload, PayloadNote                             string
	PrevHref, NextHref                                                 string
}

// maxPayloadShown is how much of a payload an entry page shows.
const maxPayloadShown = 4096

// parseSeq reads an entry's sequence number from the path.
func (c *rq) parseSeq(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || len(s) > 20 {
		return 0, fmt.Errorf("%s", c.t("err_bad_number", "seq", c.num(^uint64(0)), clip(s, 40)))
	}
	return n, nil
}

func (e *Explorer) entryPage(w http.ResponseWriter, c *rq, el *election) {
	seq, err := c.parseSeq(c.r.PathValue("seq"))
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, err.Error())
		return
	}
	st := el.state.Load()
	if st == nil || seq >= uint64(len(st.entries)) {
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("err_no_entry", c.num(seq)))
		return
	}
	en := st.entries[seq]
	var prev [32]byte
	if seq > 0 {
		prev = st.entries[seq-1].Head
	}
	title := c.t("entry_title", c.num(seq), el.id)
	b := c.entryBody(el.topic, en, prev, st.manifest)
	b.Heading = title
	if seq > 0 {
		b.PrevHref = c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, seq-1))
	}
	if seq+1 < uint64(len(st.entries)) {
		b.NextHref = c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, seq+1))
	}
	c.locateInto(&b, el.topic, seq)
	e.render(w, c.r, http.StatusOK, "entry", c.page(title, b,
		link{Text: el.id, Href: c.href("/elections/" + el.id)},
		link{Text: c.t("col_entries"), Href: c.href("/elections/"+el.id+"/entries", "from", strconv.FormatUint(seq-seq%defaultPage, 10))}))
}

func (c *rq) entryBody(topic bulletin.TopicID, en bulletin.Entry, prev [32]byte, m *voting.Manifest) entryBody {
	b := entryBody{Kind: en.Kind.String(), Poster: en.Poster.String(), Size: c.t("e_bytes", c.num(uint64(len(en.Payload)))),
		Head: hex.EncodeToString(en.Head[:]), Prev: hex.EncodeToString(prev[:])}
	if en.Kind.IsChunk() {
		if k, err := bulletin.EffectiveKind(en.Kind, en.Payload); err == nil {
			b.Carries = c.t("e_carries", k.String())
		}
	}
	b.Role = c.t("e_no_role")
	if m != nil {
		if r := m.RoleOf(en.Poster); r != "" {
			b.Role = c.t("e_role", r)
		}
	}
	want := bulletin.NextHead(prev, topic, en.Seq, en.Kind, en.Payload)
	b.Recomputed = hex.EncodeToString(want[:])
	b.ChainOK = want == en.Head
	b.Chain = c.t("e_chain_ok")
	if !b.ChainOK {
		b.Chain = c.t("e_chain_bad")
	}
	shown := en.Payload[:min(len(en.Payload), maxPayloadShown)]
	b.Payload = hex.EncodeToString(shown)
	if len(shown) < len(en.Payload) {
		b.PayloadNote = c.t("e_payload_cut", c.num(uint64(len(shown))), c.num(uint64(len(en.Payload))))
	}
	return b
}

// locateInto fills in where entry seq is on the chain, if the board can
// tell within a short time.
func (c *rq) locateInto(b *entryBody, topic bulletin.TopicID, seq uint64) {
	b.Block = c.t("e_no_location")
	if c.e.locator == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.r.Context(), 3*time.Second)
	defer cancel()
	loc, err := c.e.locator.Locate(ctx, topic, seq)
	if err != nil {
		return
	}
	b.Block = c.t("e_block", c.num(loc.Block), hex.EncodeToString(loc.BlockHash[:]))
	b.Tx = c.t("e_tx", hex.EncodeToString(loc.Tx[:]))
}

// The tracking-code lookup.

type trackBody struct {
	Heading, Action, Code, Error, Hint string
	Found, NotFound, Audited, AuditBad string
	EntryHref                          string
	Block, Tx                          string
	ProofOK                            bool
	Proof, Root, Leaf                  string
	Path                               []string
	Status, StatusClass                string
}

func (e *Explorer) trackPage(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil {
		st = &state{}
	}
	title := c.t("track_title")
	b := trackBody{Heading: title, Action: c.e.opts.Prefix + "/elections/" + el.id + "/track", Hint: c.t("track_hint")}
	crumbs := []link{{Text: el.id, Href: c.href("/elections/" + el.id)}, {Text: title, Href: c.href("/elections/" + el.id + "/track")}}
	render := func(status int) { e.render(w, c.r, status, "track", c.page(title, b, crumbs...)) }
	raw := strings.TrimSpace(c.q.Get("code"))
	if raw == "" {
		render(http.StatusOK)
		return
	}
	b.Code = clip(raw, 120)
	code, err := voting.ParseTrackingCode(raw)
	if err != nil {
		b.Error = c.t("track_invalid", strings.TrimPrefix(err.Error(), "voting: "))
		render(http.StatusBadRequest)
		return
	}
	b.Code = code.String()
	pos, cast, auditSeq, audited := el.lookup(code)
	n := uint64(len(st.entries))
	cast = cast && pos.Seq < n
	audited = audited && auditSeq < n
	if !cast && !audited {
		b.NotFound = c.t("track_not_found", c.num(n), el.id)
		render(http.StatusNotFound)
		return
	}
	if audited {
		b.Audited = c.t("track_audited", c.num(auditSeq))
		if st.weeded != nil {
			for _, a := range st.weeded.Audits {
				if a.Seq == auditSeq && a.Err != nil {
					b.AuditBad = c.t("track_audit_bad", strings.TrimPrefix(a.Err.Error(), "voting: "))
				}
			}
		}
		if !cast {
			b.EntryHref = c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, auditSeq))
			var eb entryBody
			c.locateInto(&eb, el.topic, auditSeq)
			b.Block, b.Tx = eb.Block, eb.Tx
			render(http.StatusOK)
			return
		}
	}
	en := st.entries[pos.Seq]
	batch, err := voting.ParseBatch(en.Payload)
	if err != nil || int(pos.Index) >= len(batch.Ballots) {
		b.Proof = c.t("track_proof_bad", "the batch does not decode")
		render(http.StatusOK)
		return
	}
	codes := batch.TrackingCodes()
	b.Found = c.t("track_cast", c.num(uint64(pos.Index)), c.num(uint64(len(codes))), c.num(pos.Seq))
	b.EntryHref = c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, pos.Seq))
	var eb entryBody
	c.locateInto(&eb, el.topic, pos.Seq)
	b.Block, b.Tx = eb.Block, eb.Tx
	b.Root = hex.EncodeToString(batch.Root[:])
	if proof, err := voting.NewInclusionProof(codes, int(pos.Index)); err != nil {
		b.Proof = c.t("track_proof_bad", err.Error())
	} else {
		b.Leaf = c.t("track_leaf_of", c.num(uint64(proof.Index)), c.num(uint64(proof.Size)))
		for _, h := range proof.Path {
			b.Path = append(b.Path, hex.EncodeToString(h[:]))
		}
		if err := voting.VerifyInclusion(code, proof.Bytes(), batch.Root); err != nil || codes[pos.Index] != code {
			b.Proof = c.t("track_proof_bad", fmt.Sprint(err))
		} else {
			b.ProofOK, b.Proof = true, c.t("track_proof_ok")
		}
	}
	b.Status, b.StatusClass = c.ballotStatus(el, st, code)
	render(http.StatusOK)
}

// ballotStatus says whether the ballot with code counts, and why not.
func (c *rq) ballotStatus(el *election, st *state, code voting.TrackingCode) (string, string) {
	at := func(l *tally.Location) string {
		if l == nil {
			return "?"
		}
		if l.Index < 0 {
			return c.t("step_entry", c.num(l.Seq))
		}
		return c.t("ballot_at", c.num(l.Seq), c.num(uint64(l.Index)))
	}
	switch {
	case st.statuses != nil:
		s, ok := st.statuses[code]
		if !ok {
			return c.t("st_not_weeded"), "pending"
		}
		switch s.Reason {
		case tally.ReasonNone:
			return c.t("st_counted"), "ok"
		case tally.ReasonSuperseded:
			return c.t("st_superseded", at(s.Other)), "skipped"
		case tally.ReasonSpoiled:
			return c.t("st_spoiled", at(s.Other)), "skipped"
		case tally.ReasonClash:
			return c.t("st_clash", at(s.Other)), "failed"
		case tally.ReasonMalformed:
			return c.t("st_malformed", s.Detail), "failed"
		default:
			return c.t("st_invalid", s.Detail), "failed"
		}
	case st.closing == nil:
		policy := c.t("revote_last")
		if st.manifest != nil && st.manifest.Revote == voting.RevoteDenied {
			policy = c.t("revote_denied")
		}
		return c.t("st_open", policy), "pending"
	case st.weeding:
		return c.t("st_weeding"), "pending"
	case st.weedErr != "":
		return c.t("st_weed_err", st.weedErr), "pending"
	}
	return c.t("st_unknown"), "pending"
}

// The shuffle and decryption evidence.

type evidenceBody struct {
	Heading, Rule, None string
	Lists               []evidenceList
}

type evidenceList struct {
	Name, Input string
	Rows        []evidenceRow
}

type evidenceRow struct {
	Party, Address, Entry, EntryHref, Rows, Width, Size, Digest string
	Check, CheckClass                                           string
}

func (c *rq) entriesLink(el *election, ref tally.Ref) (string, string) {
	s := c.num(ref.First)
	if ref.Last != ref.First {
		s += "–" + c.num(ref.Last)
	}
	return s, c.href(fmt.Sprintf("/elections/%s/entries/%d", el.id, ref.First))
}

// check derives one artefact's check from the verifier's step: ok when the
// step is ok, failed for the artefact the step's failure names, and for
// the others what the step is (or "see the step" after a failure).
func (c *rq) check(s *verify.Step, first uint64, verifiedBefore bool) (string, string) {
	if s == nil {
		return c.t("check_pending"), "pending"
	}
	switch s.Status {
	case verify.StatusOK:
		return c.t("check_verified"), "ok"
	case verify.StatusFailed:
		if s.Entry != nil && *s.Entry == first {
			return c.t("check_failed"), "failed"
		}
		if verifiedBefore {
			return c.t("check_verified"), "ok"
		}
		return c.t("check_skipped"), "skipped"
	case verify.StatusPending:
		return c.t("check_pending"), "pending"
	}
	return c.t("check_skipped"), "skipped"
}

func (e *Explorer) shufflesPage(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil {
		st = &state{}
	}
	title := c.t("shuffles_title", el.id)
	b := evidenceBody{Heading: title}
	var step *verify.Step
	if st.report != nil {
		step = st.report.Step(verify.StepShuffles)
	}
	if step != nil {
		b.Rule = c.t("shuffles_rule", step.Detail)
	}
	// The failed shuffle, if step 8 names one: the shuffles of its list
	// before it were verified.
	var failedList string
	failedPos := uint32(1 << 31)
	if step != nil && step.Status == verify.StatusFailed && step.Entry != nil {
		for _, s := range st.shuffles {
			if s.Ref.First == *step.Entry {
				failedList, failedPos = s.List, s.Position
			}
		}
	}
	lists := map[string]*evidenceList{}
	var order []string
	list := func(name string) *evidenceList {
		if l := lists[name]; l != nil {
			return l
		}
		l := &evidenceList{Name: name, Input: c.t("list_input_none")}
		lists[name] = l
		order = append(order, name)
		return l
	}
	for _, in := range st.lists {
		l := list(in.Name)
		entry, _ := c.entriesLink(el, in.Ref)
		l.Input = c.t("list_input", entry, c.num(uint64(in.Rows)), c.num(uint64(in.Width)))
	}
	for _, s := range st.shuffles {
		l := list(s.List)
		row := evidenceRow{Address: s.Poster.String(), Rows: c.num(uint64(s.Rows)), Width: c.num(uint64(s.Width)),
			Size: c.num(uint64(s.Size)), Digest: short(hex.EncodeToString(s.Input[:]))}
		row.Entry, row.EntryHref = c.entriesLink(el, s.Ref)
		row.Party = fmt.Sprintf("%d", s.Position+1)
		if m := st.manifest; m != nil && int(s.Position) < len(m.Mixers) {
			row.Party = fmt.Sprintf("%d (%s)", s.Position+1, m.Mixers[s.Position].Name)
		}
		if s.Err != "" {
			row.Check, row.CheckClass = c.t("check_undecoded"), "failed"
		} else {
			row.Check, row.CheckClass = c.check(step, s.Ref.First, s.List == failedList && s.Position < failedPos)
		}
		l.Rows = append(l.Rows, row)
	}
	for _, name := range order {
		b.Lists = append(b.Lists, *lists[name])
	}
	if len(st.shuffles) == 0 {
		b.None = c.t("no_shuffles")
	}
	e.render(w, c.r, http.StatusOK, "shuffles", c.page(title, b, link{Text: el.id, Href: c.href("/elections/" + el.id)}))
}

func (e *Explorer) decryptionsPage(w http.ResponseWriter, c *rq, el *election) {
	st := el.state.Load()
	if st == nil {
		st = &state{}
	}
	title := c.t("decryptions_title", el.id)
	b := evidenceBody{Heading: title}
	var step *verify.Step
	if st.report != nil {
		step = st.report.Step(verify.StepDecryptions)
	}
	if step != nil {
		b.Rule = c.t("decryptions_rule", step.Detail)
	}
	lists := map[string]*evidenceList{}
	var order []string
	for _, d := range st.decs {
		l := lists[d.List]
		if l == nil {
			l = &evidenceList{Name: d.List}
			lists[d.List] = l
			order = append(order, d.List)
		}
		row := evidenceRow{Address: d.Poster.String(), Size: c.num(uint64(d.Size)), Digest: short(hex.EncodeToString(d.Digest[:]))}
		row.Entry, row.EntryHref = c.entriesLink(el, d.Ref)
		row.Party = role(st.manifest, d.Poster)
		if m := st.manifest; m != nil {
			if j, err := voting.TrusteeIndex(m, d.Poster); err == nil {
				row.Party = fmt.Sprintf("%d (%s)", j, m.Trustees.Members[j-1].Name)
			}
		}
		if d.Err != "" {
			row.Check, row.CheckClass = c.t("check_undecoded"), "failed"
		} else {
			row.Check, row.CheckClass = c.check(step, d.Ref.First, false)
			if row.CheckClass == "skipped" && step != nil && step.Status == verify.StatusFailed {
				row.Check = c.t("check_see_step")
			}
		}
		l.Rows = append(l.Rows, row)
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(contestIndex(st.manifest, a), contestIndex(st.manifest, b)) })
	for _, name := range order {
		b.Lists = append(b.Lists, *lists[name])
	}
	if len(st.decs) == 0 {
		b.None = c.t("no_decryptions")
	}
	e.render(w, c.r, http.StatusOK, "decryptions", c.page(title, b, link{Text: el.id, Href: c.href("/elections/" + el.id)}))
}

func contestIndex(m *voting.Manifest, id string) int {
	if m != nil {
		for i := range m.Contests {
			if m.Contests[i].ID == id {
				return i
			}
		}
	}
	return 1 << 20
}

// A topic that is not a followed election.

type topicBody struct {
	Heading, ID, Owner, Phase, Count, Head string
	Entries                                entriesBody
}

func (e *Explorer) topicPage(w http.ResponseWriter, r *http.Request) {
	c, err := e.newRQ(r)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
		return
	}
	raw := r.PathValue("topic")
	var topic bulletin.TopicID
	if b, err := hex.DecodeString(raw); err != nil || len(b) != len(topic) {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_topic", clip(raw, 80)))
		return
	} else {
		topic = bulletin.TopicID(b)
	}
	if id := e.electionOf(topic); id != "" {
		http.Redirect(w, r, c.href("/elections/"+id), http.StatusFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	head, n, err := e.board.Head(ctx, topic)
	switch {
	case errors.Is(err, bulletin.ErrUnknownTopic):
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("err_no_topic", topic.String()))
		return
	case err != nil:
		e.log.Warn("explorer: reading a topic", "topic", topic.String(), "err", err)
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
		return
	}
	from, limit, err := c.pageParams()
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, err.Error())
		return
	}
	if from > 0 && from >= n {
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("err_no_entry", c.num(from)))
		return
	}
	to := min(from+limit, n)
	lo := from
	if lo > 0 {
		lo-- // for the link to the first entry shown
	}
	var es []bulletin.Entry
	if to > from {
		es, err = e.board.Entries(ctx, topic, lo, to)
		if err != nil {
			e.log.Warn("explorer: reading a topic", "topic", topic.String(), "err", err)
			e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
			return
		}
	}
	var prev [32]byte
	if from > 0 && len(es) > 0 {
		prev, es = es[0].Head, es[1:]
	}
	title := c.t("topic_title", short(topic.String()))
	b := topicBody{Heading: title, ID: topic.String(), Count: c.num(n), Head: hex.EncodeToString(head[:])}
	if l := e.topics.Load(); l != nil {
		for _, ti := range l.topics {
			if ti.ID == topic {
				b.Owner, b.Phase = ti.Owner.String(), c.phaseName(ti.Phase)
			}
		}
	}
	path := "/topics/" + topic.String()
	eb := entriesBody{Intro: c.t("chain_intro"), JumpAction: c.e.opts.Prefix + path}
	if n == 0 {
		eb.None = c.t("entries_none")
	} else {
		eb.Range = c.t("entries_range", c.num(from), c.num(to-1), c.num(n))
	}
	eb.Rows = c.entryRows(topic, es, prev, nil, func(uint64) string { return "" })
	if from > 0 {
		eb.Prev = c.href(path, "from", strconv.FormatUint(from-min(from, limit), 10), "limit", strconv.FormatUint(limit, 10))
	}
	if to < n {
		eb.Next = c.href(path, "from", strconv.FormatUint(to, 10), "limit", strconv.FormatUint(limit, 10))
	}
	b.Entries = eb
	e.render(w, r, http.StatusOK, "topic", c.page(title, b, link{Text: short(topic.String()), Href: c.href(path)}))
}
