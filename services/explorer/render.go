package explorer

import (
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages are the parsed templates, one per page, each with the layout.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{
		"t":     t,
		"short": short,
		"hexs":  func(b [32]byte) string { return hex.EncodeToString(b[:]) },
		"pair":  func(lang string, e entriesBody) entryTable { return entryTable{Lang: lang, E: e} },
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		out[base] = template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name))
	}
	return out
}()

// entryTable is the data of the "entrytable" template: a table of entries
// in a language.
type entryTable struct {
	Lang string
	E    entriesBody
}

// short abbreviates a hexadecimal string to its first 12 digits and an
// ellipsis.
func short(s string) string {
	if len(s) <= 14 {
		return s
	}
	return s[:12] + "…"
}

// A page is what the layout renders around a page's content.
type page struct {
	Lang     string
	Title    string
	Base     string // the explorer's prefix
	Home     string
	Crumbs   []link
	Other    link   // the same page in the other language
	OtherTag string // its language tag
	Events   string // the event stream of the page, if any
	Body     any
}

// A link is a text and where it leads.
type link struct {
	Text, Href string
}

// rq is one request as the pages see it: its language and its query.
type rq struct {
	e        *Explorer
	r        *http.Request
	q        url.Values
	lang     string
	explicit bool // the language was chosen with ?lang=
}

// newRQ parses r's query strictly: a query that does not decode, or holds
// text that is not UTF-8, is refused (the caller answers 400).
func (e *Explorer) newRQ(r *http.Request) (*rq, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return &rq{e: e, r: r, lang: langEN, q: url.Values{}}, fmt.Errorf("%v", err)
	}
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return &rq{e: e, r: r, lang: langEN, q: url.Values{}}, fmt.Errorf("a parameter name is not UTF-8 text")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return &rq{e: e, r: r, lang: langEN, q: url.Values{}}, fmt.Errorf("the value of %q is not UTF-8 text", k)
			}
		}
	}
	lang, explicit := chooseLang(r, q)
	return &rq{e: e, r: r, q: q, lang: lang, explicit: explicit}, nil
}

// href is the address of path (under the explorer) with the given
// parameters (name, value pairs), keeping an explicit language.
func (c *rq) href(path string, params ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(params); i += 2 {
		v.Set(params[i], params[i+1])
	}
	if c.explicit {
		v.Set("lang", c.lang)
	}
	s := c.e.opts.Prefix + path
	if len(v) > 0 {
		s += "?" + v.Encode()
	}
	return s
}

// t translates into the request's language.
func (c *rq) t(key string, args ...any) string { return t(c.lang, key, args...) }

// num formats a number in the request's language.
func (c *rq) num(n uint64) string { return num(c.lang, n) }

// uintParam reads the optional parameter name as a whole number no greater
// than max (def if absent); the error is a message for a 400 page.
func (c *rq) uintParam(name string, def, max uint64) (uint64, error) {
	vs := c.q[name]
	if len(vs) == 0 || vs[0] == "" {
		return def, nil
	}
	s := vs[0]
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > max || len(s) > 20 {
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return 0, fmt.Errorf("%s", c.t("err_bad_number", name, c.num(max), s))
	}
	return n, nil
}

// page returns the layout's data for a page titled title with body.
func (c *rq) page(title string, body any, crumbs ...link) *page {
	other := langRU
	if c.lang == langRU {
		other = langEN
	}
	// The same address in the other language.
	v := url.Values{}
	for k, vs := range c.q {
		v[k] = vs
	}
	v.Set("lang", other)
	p := c.r.URL.Path
	if pre := c.e.opts.Prefix; pre != "" && !strings.HasPrefix(p, pre+"/") {
		p = pre + p // a path under the explorer, the prefix stripped
	}
	return &page{
		Lang: c.lang, Title: title, Base: c.e.opts.Prefix, Home: c.href("/"), Crumbs: crumbs,
		Other: link{Text: langNames[other], Href: p + "?" + v.Encode()}, OtherTag: other,
		Body: body,
	}
}

// render writes page name with status.
func (e *Explorer) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		e.log.Error("explorer: rendering a page", "page", name, "err", err)
		http.Error(w, "explorer: internal error rendering the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// errorBody is an error page's content.
type errorBody struct {
	Status  int
	Message string
}

// errorPage answers with an error page: status and the message key (with
// args) in the request's language.
func (e *Explorer) errorPage(w http.ResponseWriter, r *http.Request, status int, key string, args ...any) {
	c, _ := e.newRQ(r)
	e.errorPageMsg(w, c, status, c.t(key, args...))
}

func (e *Explorer) errorPageMsg(w http.ResponseWriter, c *rq, status int, msg string) {
	title := c.t(fmt.Sprintf("err_title_%d", status))
	e.render(w, c.r, status, "error", c.page(title, errorBody{Status: status, Message: msg}))
}

// static serves the stylesheet, the script and the icon.
func (e *Explorer) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		e.errorPage(w, r, http.StatusNotFound, "err_no_page")
		return
	}
	h := w.Header()
	switch {
	case strings.HasSuffix(name, ".css"):
		h.Set("Content-Type", "text/css; charset=utf-8")
	case strings.HasSuffix(name, ".js"):
		h.Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".svg"):
		h.Set("Content-Type", "image/svg+xml")
	default:
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// withElection resolves the {id} of the path to a followed election, or
// answers 404 (or 400 for an id that is no text at all).
func (e *Explorer) withElection(h func(http.ResponseWriter, *rq, *election)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := e.newRQ(r)
		if err != nil {
			e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
			return
		}
		id := r.PathValue("id")
		if !utf8.ValidString(id) {
			e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", "the election id is not UTF-8 text"))
			return
		}
		if !idPattern.MatchString(id) {
			e.errorPageMsg(w, c, http.StatusNotFound, c.t("err_no_election", clip(id, 80)))
			return
		}
		el, err := e.election(r.Context(), id)
		switch {
		case err != nil && isTooMany(err):
			e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_too_many"))
			return
		case err != nil:
			e.log.Warn("explorer: looking an election up", "election", id, "err", err)
			e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
			return
		case el == nil:
			e.errorPageMsg(w, c, http.StatusNotFound, c.t("err_no_election", id))
			return
		}
		h(w, c, el)
	}
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
