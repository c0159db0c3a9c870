package demo

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/veche/veche/tally"
	"github.com/veche/veche/voting"
)

// The results table: one block per contest, each line a label, a count,
// a share and a bar, so that people read it and tests parse it:
//
//	    <label padded to labelWidth> <count, 7 wide>  <share>%  <bar>

const (
	labelWidth = 26
	barWidth   = 30
)

// printResults prints the posted results of election m.
func printResults(p *printer, m *voting.Manifest, res *tally.Results) {
	for i := range res.Contests {
		cr := &res.Contests[i]
		c := contestByID(m, cr.Contest)
		if c == nil {
			continue
		}
		p.printf("\n  %s  [%s, %s; %d ballots]\n", title(c.Title), c.Kind, cr.Method, cr.Ballots)
		if cr.Method == voting.Homomorphic {
			for j, o := range c.Options {
				row(p, title(o.Title), cr.Totals[j], cr.Ballots)
			}
			if c.Kind == voting.Approval {
				p.printf("    (approvals: a voter approves %d to %d candidates; the totals are decrypted sums, no ballot was opened)\n", c.Min, c.Max)
			}
			continue
		}
		invalid := uint64(len(cr.Invalid))
		valid := cr.Ballots - invalid
		p.printf("    ranked at any place, on the %d valid ballots:\n", valid)
		for j, o := range c.Options {
			row(p, title(o.Title), cr.Totals[j], valid)
		}
		for _, wi := range cr.WriteIns {
			row(p, tally.WriteInPrefix+wi.Name, wi.Count, valid)
		}
		row(p, "(blank)", cr.Blank, cr.Ballots)
		row(p, "(invalid)", invalid, cr.Ballots)
		if invalid > 0 {
			var pos []string
			for _, k := range cr.Invalid {
				pos = append(pos, fmt.Sprint(k+1))
			}
			p.printf("    invalid rows, by place in the decrypted list: %s (counted as invalid, listed, never blocking)\n", strings.Join(pos, ", "))
		}
		if !cr.Ranked || cr.IRV == nil {
			continue
		}
		name := func(id string) string {
			if o := optionByID(c, id); o != nil {
				return title(o.Title)
			}
			return id
		}
		p.printf("    instant runoff:\n")
		for k, r := range cr.IRV.Rounds {
			var parts []string
			for _, cand := range cr.Candidates {
				if n, ok := r.Counts[cand]; ok {
					parts = append(parts, fmt.Sprintf("%s %d", name(cand), n))
				}
			}
			line := fmt.Sprintf("      round %d: %s", k+1, strings.Join(parts, ", "))
			if r.Exhausted > 0 {
				line += fmt.Sprintf("; exhausted %d", r.Exhausted)
			}
			if len(r.Eliminated) > 0 {
				var out []string
				for _, x := range r.Eliminated {
					out = append(out, name(x))
				}
				line += "; eliminated " + strings.Join(out, ", ")
			}
			p.printf("%s\n", line)
		}
		p.printf("    instant-runoff winner: %s\n", name(cr.IRV.Winner))
		if cr.Schulze != nil {
			var order, winners []string
			for _, x := range cr.Schulze.Ranking {
				order = append(order, name(x))
			}
			for _, x := range cr.Schulze.Winners {
				winners = append(winners, name(x))
			}
			p.printf("    Schulze (Condorcet) order: %s\n", strings.Join(order, " > "))
			p.printf("    Schulze winner: %s\n", strings.Join(winners, ", "))
		}
	}
}

// row prints one line of the table: n of total.
func row(p *printer, label string, n, total uint64) {
	share := 0.0
	if total > 0 {
		share = float64(n) / float64(total)
	}
	line := fmt.Sprintf("    %-*s %7d  %5.1f%%  %s", labelWidth, shorten(label, labelWidth), n, 100*share, bar(share, barWidth))
	p.printf("%s\n", strings.TrimRight(line, " "))
}

// bar draws share (0 to 1) as a bar of up to width cells, in eighths.
func bar(share float64, width int) string {
	eighths := int(share*float64(width*8) + 0.5)
	eighths = max(0, min(eighths, width*8))
	s := strings.Repeat("█", eighths/8)
	if r := eighths % 8; r > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[r-1])
	}
	return s
}

func contestByID(m *voting.Manifest, id string) *voting.Contest {
	for i := range m.Contests {
		if m.Contests[i].ID == id {
			return &m.Contests[i]
		}
	}
	return nil
}

func optionByID(c *voting.Contest, id string) *voting.Option {
	for i := range c.Options {
		if c.Options[i].ID == id {
			return &c.Options[i]
		}
	}
	return nil
}

func title(t voting.Text) string {
	if s, ok := t["en"]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// indent is an io.Writer that indents every line by two spaces, as the
// demo's stages print.
type indent struct{ w io.Writer }

func (in indent) Write(p []byte) (int, error) {
	var b []byte
	for line := range bytes.Lines(p) {
		b = append(b, "  "...)
		b = append(b, line...)
	}
	if _, err := in.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}
