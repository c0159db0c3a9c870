package explorer

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/veche/veche/services/documents"
)

// The documents pages (docs/spec/documents.md): /documents lists the
// registered issuers and the latest anchors of the documents topic, and
// checks one anchor (?seq=N&commitment=HEX, the values a document file
// gives: `veche documents verify --json` prints them); /documents/{series}
// shows every version of one document with its status. Both read the topic
// from the board and check it (ReadRegistry), so nothing here is taken on
// the operator's word.

// documentsMessages are the documents pages' strings, merged into messages.
var documentsMessages = map[string][2]string{
	"docs_title":      {"Documents", "Документы"},
	"docs_intro":      {"Issuers anchor a salted commitment to each document version here; content, titles and recipients stay off the board. A document file is checked against its anchor with veche documents verify FILE.", "Издатели размещают здесь солёное обязательство для каждой версии документа; содержание, названия и получатели остаются вне доски. Файл документа проверяется по его записи командой veche documents verify FILE."},
	"docs_issuers_h":  {"Issuers", "Издатели"},
	"docs_anchors_h":  {"Latest documents", "Последние документы"},
	"docs_none":       {"Nothing has been anchored yet.", "Пока ничего не размещено."},
	"docs_check_h":    {"Check an anchor", "Проверить запись"},
	"docs_check_hint": {"The entry number and the commitment of a document file.", "Номер записи и обязательство из файла документа."},
	"docs_check_btn":  {"Check", "Проверить"},
	"docs_seq":        {"Entry", "Запись"},
	"docs_commitment": {"Commitment", "Обязательство"},
	"docs_issuer":     {"Issuer", "Издатель"},
	"docs_key":        {"Key", "Ключ"},
	"docs_type":       {"Type", "Тип"},
	"docs_series":     {"Series", "Серия"},
	"docs_version":    {"Version", "Версия"},
	"docs_status":     {"Status", "Статус"},
	"docs_valid":      {"Valid", "Действует"},
	"docs_recipients": {"Recipients", "Получателей"},
	"docs_current":    {"current", "действующая"},
	"docs_superseded": {"superseded by version %d", "заменена версией %d"},
	"docs_revoked":    {"REVOKED (%s, %s)", "ОТОЗВАН (%s, %s)"},
	"docs_match":      {"Entry %s is an anchor of this commitment: the document is authentic.", "Запись %s — запись этого обязательства: документ подлинный."},
	"docs_nomatch":    {"Entry %s does not anchor this commitment: the document is NOT authentic.", "Запись %s не содержит этого обязательства: документ НЕ подлинный."},
	"docs_noanchor":   {"Entry %s is not a document anchor that counts.", "Запись %s не является действующей записью документа."},
	"docs_series_t":   {"Document %s", "Документ %s"},
	"docs_no_series":  {"No document of series %s is on the board.", "Документа серии %s на доске нет."},
	"docs_bad_series": {"%q is not a series (32 lower-case hex digits).", "«%s» — не серия (32 шестнадцатеричные цифры в нижнем регистре)."},
	"docs_bad_check":  {"Give seq as a whole number and commitment as 64 lower-case hex digits.", "Укажите seq целым числом и commitment как 64 шестнадцатеричные цифры в нижнем регистре."},
	"docs_no_end":     {"no end", "бессрочно"},
}

func init() {
	for k, v := range documentsMessages {
		messages[k] = v
	}
}

type docRow struct {
	Seq, Type, Series, SeriesHref, Version, Issuer, Status, StatusClass, Valid, Recipients string
}

type issuerRow struct{ Name, Key, Seq string }

type documentsBody struct {
	Heading, Intro, None, Action string
	Issuers                      []issuerRow
	Rows                         []docRow
	CheckSeq, CheckCommitment    string
	Result, ResultClass          string
	Error                        string
}

// docRegistries holds each explorer's last reading of the documents topic,
// so that a request reads only the entries posted since (an explorer lives
// as long as its process; the few a test makes are small).
var docRegistries sync.Map // *Explorer -> *documents.Registry

// registry reads and checks the documents topic, from where the last
// request left it.
func (e *Explorer) registry(ctx context.Context) (*documents.Registry, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var reg *documents.Registry
	var err error
	if v, ok := docRegistries.Load(e); ok {
		reg, err = v.(*documents.Registry).Update(ctx, e.board)
	} else {
		reg, err = documents.ReadRegistry(ctx, e.board, documents.Topic())
	}
	if err != nil {
		return nil, err
	}
	docRegistries.Store(e, reg)
	return reg, nil
}

func (c *rq) docRow(st *documents.Status) docRow {
	a := st.Anchor.Anchor
	r := docRow{Seq: c.num(st.Anchor.Seq), Type: a.Type.String(), Series: a.Series.String(),
		SeriesHref: c.href("/documents/" + a.Series.String()), Version: strconv.FormatUint(uint64(a.Version), 10), Issuer: st.Issuer}
	switch {
	case st.Revoked():
		rv := st.Revocation.Revocation
		r.Status, r.StatusClass = c.t("docs_revoked", rv.Reason.String(), rv.RevokedAt.Format(time.DateOnly)), "failed"
	case !st.Current:
		r.Status, r.StatusClass = c.t("docs_superseded", st.LatestVersion), "incomplete"
	default:
		r.Status, r.StatusClass = c.t("docs_current"), "verified"
	}
	until := c.t("docs_no_end")
	if !a.ValidUntil.IsZero() {
		until = a.ValidUntil.Format(time.DateOnly)
	}
	r.Valid = a.ValidFrom.Format(time.DateOnly) + " – " + until
	if st.Distribution != nil {
		r.Recipients = c.num(uint64(st.Distribution.Distribution.Count))
	}
	return r
}

// documentsPages serves /documents/ (the index) and /documents/{series}.
func (e *Explorer) documentsPages(w http.ResponseWriter, r *http.Request) {
	switch rest := r.PathValue("rest"); {
	case rest == "":
		e.documentsPage(w, r)
	case strings.Contains(rest, "/"):
		e.errorPage(w, r, http.StatusNotFound, "err_no_page")
	default:
		e.documentSeriesPage(w, r, rest)
	}
}

// documentsPage is /documents/.
func (e *Explorer) documentsPage(w http.ResponseWriter, r *http.Request) {
	c, err := e.newRQ(r)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
		return
	}
	b := documentsBody{Heading: c.t("docs_title"), Intro: c.t("docs_intro"), Action: e.opts.Prefix + "/documents/"}
	var seq uint64
	var commitment [documents.CommitmentSize]byte
	check := c.q.Has("seq") || c.q.Has("commitment")
	if check {
		b.CheckSeq, b.CheckCommitment = clip(c.q.Get("seq"), 40), clip(c.q.Get("commitment"), 80)
		s, serr := strconv.ParseUint(c.q.Get("seq"), 10, 63)
		h, herr := hex.DecodeString(c.q.Get("commitment"))
		if serr != nil || herr != nil || len(h) != len(commitment) || hex.EncodeToString(h) != c.q.Get("commitment") {
			e.errorPageMsg(w, c, http.StatusBadRequest, c.t("docs_bad_check"))
			return
		}
		seq = s
		copy(commitment[:], h)
	}
	reg, err := e.registry(r.Context())
	if err != nil {
		e.log.Warn("explorer: reading the documents topic", "err", err)
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
		return
	}
	for _, is := range reg.Issuers {
		b.Issuers = append(b.Issuers, issuerRow{Name: is.Name, Key: hex.EncodeToString(is.Key.Bytes()), Seq: c.num(is.Seq)})
	}
	for i := len(reg.Anchors) - 1; i >= 0 && len(b.Rows) < 50; i-- {
		st, _ := reg.StatusAt(reg.Anchors[i].Seq)
		b.Rows = append(b.Rows, c.docRow(st))
	}
	if len(b.Rows) == 0 {
		b.None = c.t("docs_none")
	}
	if check {
		st, err := reg.StatusAt(seq)
		switch {
		case errors.Is(err, documents.ErrNotFound):
			b.Result, b.ResultClass = c.t("docs_noanchor", c.num(seq)), "failed"
		case st.Anchor.Anchor.Commitment != commitment:
			b.Result, b.ResultClass = c.t("docs_nomatch", c.num(seq)), "failed"
		default:
			b.Result, b.ResultClass = c.t("docs_match", c.num(seq)), "verified"
			b.Rows = []docRow{c.docRow(st)}
		}
	}
	e.render(w, r, http.StatusOK, "documents", c.page(b.Heading, b, link{Text: b.Heading, Href: c.href("/documents/")}))
}

// documentSeriesPage is /documents/{series}.
func (e *Explorer) documentSeriesPage(w http.ResponseWriter, r *http.Request, raw string) {
	c, err := e.newRQ(r)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
		return
	}
	series, err := documents.ParseSeries(raw)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("docs_bad_series", clip(raw, 80)))
		return
	}
	reg, err := e.registry(r.Context())
	if err != nil {
		e.log.Warn("explorer: reading the documents topic", "err", err)
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
		return
	}
	sts := reg.Series(series)
	if len(sts) == 0 {
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("docs_no_series", series.String()))
		return
	}
	b := documentsBody{Heading: c.t("docs_series_t", short(series.String())), Intro: c.t("docs_intro")}
	for _, st := range sts {
		b.Rows = append(b.Rows, c.docRow(st))
	}
	top := c.t("docs_title")
	e.render(w, r, http.StatusOK, "documents", c.page(b.Heading, b, link{Text: top, Href: c.href("/documents/")},
		link{Text: short(series.String()), Href: c.href("/documents/" + series.String())}))
}
