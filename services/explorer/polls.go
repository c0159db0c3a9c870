package explorer

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/polls"
	"github.com/veche/veche/voting"
)

// The Active Citizen page (docs/spec/polls.md): /polls/ lists the
// aggregate batches of the polls service topic and the totals, average
// ratings and hidden comments they add up to, as read from the board and
// checked (polls.ReadAggregates), and checks one resident's item (?batch=N
// &kind=comment|rating&subject=S&leaf=HEX&proof=HEX, the values GET
// /api/v1/me/feedback gives) against its batch, saying when the board
// records a checked comment hidden. Polls themselves are elections: their
// pages are /elections/{id}.

// pollsMessages are the page's strings, merged into messages.
var pollsMessages = map[string][2]string{
	"polls_title":      {"Active Citizen", "Активный гражданин"},
	"polls_intro":      {"Comments on polls and city projects and ratings of city activities are anchored here in batches: per subject the number of items and the sum of the ratings, and a Merkle root over salted leaves. Nobody is named; each resident checks their own item with the leaf and proof the app gives them.", "Комментарии к опросам и городским проектам и оценки городских мероприятий размещаются здесь пакетами: для каждой темы число записей и сумма оценок, а также корень дерева Меркла над солёными листьями. Никто не назван; каждый житель проверяет свою запись по листу и доказательству из приложения."},
	"polls_totals_h":   {"Totals on the board", "Итоги на доске"},
	"polls_batches_h":  {"Batches", "Пакеты"},
	"polls_none":       {"Nothing has been anchored yet.", "Пока ничего не размещено."},
	"polls_kind":       {"Kind", "Вид"},
	"polls_subject":    {"Subject", "Тема"},
	"polls_count":      {"Count", "Число"},
	"polls_average":    {"Average rating", "Средняя оценка"},
	"polls_batch":      {"Batch", "Пакет"},
	"polls_entry":      {"Entry", "Запись"},
	"polls_items":      {"Items", "Записей"},
	"polls_root":       {"Merkle root", "Корень Меркла"},
	"polls_comment":    {"comment", "комментарий"},
	"polls_rating":     {"rating", "оценка"},
	"polls_check_h":    {"Check your comment or rating", "Проверить свой комментарий или оценку"},
	"polls_check_hint": {"The batch, leaf and proof of an item from the app (your items).", "Пакет, лист и доказательство записи из приложения (ваши записи)."},
	"polls_check_btn":  {"Check", "Проверить"},
	"polls_leaf":       {"Leaf", "Лист"},
	"polls_proof":      {"Proof", "Доказательство"},
	"polls_ok":         {"The %s is in batch %s, counted for %s.", "Запись (%s) входит в пакет %s и учтена в теме %s."},
	"polls_bad":        {"NOT confirmed: %s", "НЕ подтверждено: %s"},
	"polls_no_batch":   {"Batch %s is not on the board.", "Пакета %s на доске нет."},
	"polls_bad_check":  {"Give batch as a whole number, kind as comment or rating, subject as kind/id, leaf as 64 and proof as lower-case hex digits.", "Укажите batch целым числом, kind как comment или rating, subject как вид/id, leaf как 64 и proof как шестнадцатеричные цифры в нижнем регистре."},
	"polls_election":   {"poll", "опрос"},
	"polls_hidden":     {"Hidden by moderators", "Скрыто модераторами"},
	"polls_hides":      {"Hides", "Скрытий"},
	"polls_was_hidden": {"The board records it hidden at %s (recorded in batch %s); the hash of the stated reason is %s.", "На доске записано, что она скрыта %s (запись в пакете %s); хеш указанной причины %s."},
}

func init() {
	for k, v := range pollsMessages {
		messages[k] = v
	}
}

type pollsTotalRow struct {
	Kind, Subject, Href, Count, Average, Hidden string
}

type pollsBatchRow struct {
	Batch, Entry, EntryHref, Items, Hides, Root string
}

type pollsBody struct {
	Heading, Intro, None, Action      string
	Totals                            []pollsTotalRow
	Batches                           []pollsBatchRow
	Batch, Kind, Subject, Leaf, Proof string
	Result, ResultClass               string
}

// pollsAggregates reads the aggregates of the polls service topic, posted
// by the topic's owner (the service's account, which creates it), or, on a
// board that cannot list topics, by the poster of its first entry.
func (e *Explorer) pollsAggregates(ctx context.Context) ([]polls.Posted, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var owner bulletin.Address
	found := false
	if e.lister != nil {
		tis, err := e.lister.Topics(ctx)
		if err != nil {
			return nil, err
		}
		for _, ti := range tis {
			if ti.ID == polls.Topic {
				owner, found = ti.Owner, true
			}
		}
	} else {
		es, err := e.board.Entries(ctx, polls.Topic, 0, 1)
		if err != nil && !errors.Is(err, bulletin.ErrUnknownTopic) {
			return nil, err
		}
		if len(es) == 1 {
			owner, found = es[0].Poster, true
		}
	}
	if !found {
		return nil, nil
	}
	return polls.ReadAggregates(ctx, e.board, owner)
}

// pollsPage is /polls/.
func (e *Explorer) pollsPage(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("rest") != "" {
		e.errorPage(w, r, http.StatusNotFound, "err_no_page")
		return
	}
	c, err := e.newRQ(r)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
		return
	}
	b := pollsBody{Heading: c.t("polls_title"), Intro: c.t("polls_intro"), Action: e.opts.Prefix + "/polls/"}
	check := c.q.Has("batch") || c.q.Has("leaf") || c.q.Has("proof") || c.q.Has("subject") || c.q.Has("kind")
	var batch uint64
	var kind polls.ItemKind
	var leaf [32]byte
	var proof []byte
	if check {
		b.Batch, b.Kind, b.Subject = clip(c.q.Get("batch"), 20), clip(c.q.Get("kind"), 10), clip(c.q.Get("subject"), 80)
		b.Leaf, b.Proof = clip(c.q.Get("leaf"), 80), clip(c.q.Get("proof"), 2400)
		n, nerr := strconv.ParseUint(c.q.Get("batch"), 10, 63)
		l, lerr := hex.DecodeString(c.q.Get("leaf"))
		p, perr := hex.DecodeString(c.q.Get("proof"))
		switch c.q.Get("kind") {
		case "comment":
			kind = polls.KindComment
		case "rating":
			kind = polls.KindRating
		}
		if nerr != nil || n == 0 || lerr != nil || len(l) != 32 || perr != nil || len(p) > 9+32*64 || kind == 0 ||
			strings.ToLower(c.q.Get("leaf")) != c.q.Get("leaf") || strings.ToLower(c.q.Get("proof")) != c.q.Get("proof") ||
			polls.CheckSubject(c.q.Get("subject"), kind) != nil {
			e.errorPageMsg(w, c, http.StatusBadRequest, c.t("polls_bad_check"))
			return
		}
		batch, leaf, proof = n, [32]byte(l), p
	}
	aggs, err := e.pollsAggregates(r.Context())
	if err != nil {
		e.log.Warn("explorer: reading the polls topic", "err", err)
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
		return
	}
	for _, t := range polls.Totals(aggs) {
		row := pollsTotalRow{Kind: c.t("polls_" + t.Kind.String()), Subject: t.Subject, Count: c.num(t.Count), Average: "–", Hidden: c.num(t.Hidden)}
		if t.Kind == polls.KindRating {
			row.Average, row.Hidden = strconv.FormatFloat(t.Average(), 'f', 2, 64), "–"
		}
		if id, ok := strings.CutPrefix(t.Subject, polls.SubjectPoll+"/"); ok {
			row.Href = c.href("/elections/" + id)
		}
		b.Totals = append(b.Totals, row)
	}
	topic := polls.Topic.String()
	for i := len(aggs) - 1; i >= 0 && len(b.Batches) < 100; i-- {
		a := aggs[i]
		b.Batches = append(b.Batches, pollsBatchRow{Batch: c.num(a.Number), Entry: c.num(a.Seq),
			EntryHref: c.href("/topics/" + topic), Items: c.num(uint64(a.Leaves)), Hides: c.num(uint64(len(a.Hides))), Root: hex.EncodeToString(a.Root[:])})
	}
	if len(aggs) == 0 {
		b.None = c.t("polls_none")
	}
	if check {
		switch {
		case batch > uint64(len(aggs)):
			b.Result, b.ResultClass = c.t("polls_no_batch", c.num(batch)), "failed"
		default:
			if err := polls.CheckLeaf(leaf, kind, c.q.Get("subject"), proof, &aggs[batch-1].Aggregate); err != nil {
				b.Result, b.ResultClass = c.t("polls_bad", err.Error()), "failed"
			} else {
				b.Result, b.ResultClass = c.t("polls_ok", c.t("polls_"+kind.String()), c.num(batch), c.q.Get("subject")), "verified"
				if p, err := voting.ParseInclusionProof(proof); err == nil && kind == polls.KindComment {
					for _, h := range polls.HiddenComments(aggs) {
						if h.Batch == batch && h.Index == p.Index {
							b.Result += " " + c.t("polls_was_hidden", h.At.UTC().Format("2006-01-02 15:04:05 UTC"), c.num(h.In), hex.EncodeToString(h.Reason[:]))
						}
					}
				}
			}
		}
	}
	e.render(w, r, http.StatusOK, "polls", c.page(b.Heading, b, link{Text: b.Heading, Href: c.href("/polls/")}))
}
