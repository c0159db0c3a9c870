package explorer

import (
	"fmt"
	"html"
	"html/template"
	"strings"
)

// The charts are SVG drawn on the server, inline in the page: no script,
// no style attribute (the Content-Security-Policy forbids inline styles;
// the stylesheet colours them by class), and every number also in a
// table next to the chart, for screen readers and for copying.

// barChart draws one horizontal bar per label, as long as its value,
// with the value written after it. id must be unique in the page.
func barChart(id, title string, labels []string, values []uint64, lang string) template.HTML {
	const (
		width  = 640
		labelW = 210
		barMax = 340
		rowH   = 28
		barH   = 18
	)
	var peak uint64
	for _, v := range values {
		peak = max(peak, v)
	}
	height := rowH*len(values) + 8
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-title" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		id, id, width, height, width, height)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, id, html.EscapeString(title))
	for i, v := range values {
		y := 4 + i*rowH
		w := 0
		if peak > 0 {
			w = int(float64(barMax) * float64(v) / float64(peak))
		}
		if v > 0 && w < 2 {
			w = 2
		}
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+barH-4, html.EscapeString(clip(labels[i], 34)))
		fmt.Fprintf(&b, `<rect class="bar" x="%d" y="%d" width="%d" height="%d"></rect>`, labelW, y, w, barH)
		fmt.Fprintf(&b, `<text class="value" x="%d" y="%d">%s</text>`, labelW+w+6, y+barH-4, num(lang, v))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// columnChart draws one vertical column per value, flagged columns in the
// flag colour, each with a tooltip (tips[i]). id must be unique in the page.
func columnChart(id, title string, values []uint64, flagged []bool, tips []string) template.HTML {
	const (
		width  = 640
		height = 160
		top    = 8
		bottom = 4
	)
	var peak uint64
	for _, v := range values {
		peak = max(peak, v)
	}
	n := max(len(values), 1)
	step := float64(width) / float64(n)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" role="img" aria-labelledby="%s-title" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		id, id, width, height, width, height)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, id, html.EscapeString(title))
	fmt.Fprintf(&b, `<line class="axis" x1="0" y1="%d" x2="%d" y2="%d"></line>`, height-bottom, width, height-bottom)
	for i, v := range values {
		h := 0.0
		if peak > 0 {
			h = float64(height-top-bottom) * float64(v) / float64(peak)
		}
		class := "bar"
		if i < len(flagged) && flagged[i] {
			class = "bar flag"
		}
		fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s</title></rect>`,
			class, float64(i)*step+1, float64(height-bottom)-h, step-2, h, html.EscapeString(tips[i]))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
