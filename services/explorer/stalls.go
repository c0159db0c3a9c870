package explorer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/services/stalls"
)

// The stall allocation page (docs/spec/stalls.md): /stalls/{season} reads
// the season's topic from the board, checks every bid and decryption
// proof, re-runs the allocation rule and compares it byte for byte with the
// posted allocation -- what `veche stalls verify` does -- and shows the
// season, the check and the stalls won (by bidder pseudonym: nothing on the
// board names a person).

// stallsMessages are the stall page's strings, merged into messages.
var stallsMessages = map[string][2]string{
	"stalls_title":     {"Market stalls: season %s", "Торговые места: сезон %s"},
	"stalls_intro":     {"Sellers bid for stalls with sealed bids under a per-season pseudonym; after the window the market's trustees decrypt them with proofs and the highest bids win, within the cap per person, ties broken by a seed hashed from all sealed bids. This page re-runs the allocation from the board.", "Продавцы подают запечатанные заявки на места под псевдонимом сезона; после окончания приёма доверенные лица рынка расшифровывают их с доказательствами, и места получают наибольшие ставки с учётом ограничения на одного человека; равенство разрешается по числу, вычисленному из всех запечатанных заявок. Эта страница заново выполняет распределение по данным доски."},
	"stalls_window":    {"Bidding window", "Приём заявок"},
	"stalls_markets":   {"Markets", "Рынки"},
	"stalls_stalls":    {"Stalls", "Места"},
	"stalls_cap":       {"Stalls per person at most", "Мест на одного человека не более"},
	"stalls_trustees":  {"Trustees", "Доверенные лица"},
	"stalls_k_of_n":    {"any %d of %d decrypt", "расшифровывают любые %d из %d"},
	"stalls_counted":   {"Bids counted", "Учтено заявок"},
	"stalls_ignored":   {"%s ignored, %s late", "%s отброшено, %s поздних"},
	"stalls_decrypted": {"Decrypted by trustees", "Расшифровали"},
	"stalls_faulty":    {"invalid decryption from %v", "неверная расшифровка от %v"},
	"stalls_valid":     {"Valid bids (at or above the reserve)", "Действительных заявок (не ниже начальной цены)"},
	"stalls_seed":      {"Tie-breaking seed", "Число для разрешения равенства"},
	"stalls_check_h":   {"Check", "Проверка"},
	"stalls_matches":   {"The posted allocation (%s) matches the rule byte for byte.", "Опубликованное распределение (%s) побайтно совпадает с правилом."},
	"stalls_differs":   {"The posted allocation (%s) DIFFERS from the rule.", "Опубликованное распределение (%s) НЕ совпадает с правилом."},
	"stalls_pending":   {"No allocation is posted yet; the rule gives %s.", "Распределение ещё не опубликовано; правило даёт %s."},
	"stalls_undecided": {"The bids cannot be allocated yet: %s", "Заявки пока нельзя распределить: %s"},
	"stalls_awards_h":  {"Stalls won (%s)", "Распределённые места (%s)"},
	"stalls_stall":     {"Stall", "Место"},
	"stalls_market":    {"Market", "Рынок"},
	"stalls_kind":      {"Kind", "Вид"},
	"stalls_size":      {"Size, m²", "Площадь, м²"},
	"stalls_bidder":    {"Bidder (pseudonym)", "Участник (псевдоним)"},
	"stalls_amount":    {"Bid, roubles", "Ставка, руб."},
	"stalls_more":      {"… and %s more (veche stalls verify SEASON --list prints all)", "… и ещё %s (все выводит veche stalls verify SEASON --list)"},
	"stalls_no_season": {"No season %s is on the board.", "Сезона %s на доске нет."},
}

func init() {
	for k, v := range stallsMessages {
		messages[k] = v
	}
}

// stallsShown is how many awards the page lists.
const stallsShown = 500

type awardRow struct{ Stall, Market, Kind, Size, Bidder, Amount string }

type stallsBody struct {
	Heading, Intro      string
	Facts               [][2]string
	Check, CheckClass   string
	AwardsHeading, More string
	Awards              []awardRow
}

// stallsCache keeps the last check of each season per board length, so
// that reloading a page of a large season does not re-check 20,000 proofs.
var stallsCache sync.Map // key stallsKey -> stallsResult

type stallsKey struct {
	e      *Explorer
	season string
	count  uint64
}

type stallsResult struct {
	rec *stalls.Record
	rep *stalls.Report
	err error
}

func (e *Explorer) stallsCheck(ctx context.Context, id string) (*stalls.Record, *stalls.Report, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, count, err := e.board.Head(ctx, stalls.Topic(id))
	if errors.Is(err, bulletin.ErrUnknownTopic) {
		return nil, nil, fmt.Errorf("%w: %v", stalls.ErrNotFound, err)
	}
	if err != nil {
		return nil, nil, err
	}
	key := stallsKey{e, id, count}
	if v, ok := stallsCache.Load(key); ok {
		r := v.(stallsResult)
		return r.rec, r.rep, r.err
	}
	rec, err := stalls.ReadRecord(ctx, e.board, id, nil)
	if err != nil {
		return nil, nil, err
	}
	rep, verr := stalls.VerifyRecord(nil, rec)
	stallsCache.Range(func(k, _ any) bool { // one entry per season and explorer
		if sk := k.(stallsKey); sk.e == e && sk.season == id {
			stallsCache.Delete(k)
		}
		return true
	})
	stallsCache.Store(key, stallsResult{rec, rep, verr})
	return rec, rep, verr
}

// stallsPage is /stalls/{season}.
func (e *Explorer) stallsPage(w http.ResponseWriter, r *http.Request) {
	c, err := e.newRQ(r)
	if err != nil {
		e.errorPageMsg(w, c, http.StatusBadRequest, c.t("err_bad_query", err.Error()))
		return
	}
	id := r.PathValue("season")
	if !stalls.ValidSeasonID(id) {
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("stalls_no_season", clip(id, 80)))
		return
	}
	rec, rep, verr := e.stallsCheck(r.Context(), id)
	switch {
	case errors.Is(verr, stalls.ErrNotFound) && rec == nil:
		e.errorPageMsg(w, c, http.StatusNotFound, c.t("stalls_no_season", id))
		return
	case rec == nil:
		e.log.Warn("explorer: reading a stalls season", "season", id, "err", verr)
		e.errorPageMsg(w, c, http.StatusServiceUnavailable, c.t("err_board", "the board did not answer"))
		return
	}
	s := rec.Season
	b := stallsBody{Heading: c.t("stalls_title", id), Intro: c.t("stalls_intro")}
	b.Facts = [][2]string{
		{c.t("stalls_window"), s.Opens.Format("2006-01-02 15:04") + " – " + s.Closes.Format("2006-01-02 15:04 UTC")},
		{c.t("stalls_markets"), fmt.Sprint(s.Markets)},
		{c.t("stalls_stalls"), c.num(uint64(len(s.Stalls)))},
		{c.t("stalls_cap"), c.num(uint64(s.Cap))},
		{c.t("stalls_trustees"), c.t("stalls_k_of_n", s.Trustees.Threshold, s.Trustees.N)},
		{c.t("stalls_counted"), c.num(uint64(len(rec.Bids))) + " (" + c.t("stalls_ignored", c.num(uint64(len(rec.Ignored))), c.num(uint64(len(rec.Late)))) + ")"},
	}
	if rep != nil && len(rep.Trustees) > 0 {
		v := fmt.Sprint(rep.Trustees)
		if len(rep.Faulty) > 0 {
			v += "; " + c.t("stalls_faulty", rep.Faulty)
		}
		b.Facts = append(b.Facts, [2]string{c.t("stalls_decrypted"), v})
	}
	switch {
	case verr != nil && (rep == nil || !rep.Allocated || rep.Recomputed == nil):
		b.Check, b.CheckClass = c.t("stalls_undecided", verr.Error()), "incomplete"
	case verr != nil:
		b.Check, b.CheckClass = c.t("stalls_differs", rep.Allocation), "failed"
	case !rep.Allocated:
		b.Check, b.CheckClass = c.t("stalls_pending", rep.Allocation), "incomplete"
	default:
		b.Check, b.CheckClass = c.t("stalls_matches", rep.Allocation), "verified"
	}
	if rep != nil && rep.Recomputed != nil {
		b.Facts = append(b.Facts, [2]string{c.t("stalls_valid"), c.num(uint64(rep.ValidBids))}, [2]string{c.t("stalls_seed"), rep.Seed})
		if a, err := stalls.ParseAllocation(rep.Recomputed); err == nil && rep.Matches {
			b.AwardsHeading = c.t("stalls_awards_h", c.num(uint64(len(a.Awards))))
			for i, aw := range a.Awards {
				if i == stallsShown {
					b.More = c.t("stalls_more", c.num(uint64(len(a.Awards)-stallsShown)))
					break
				}
				st := s.Stalls[aw.Stall]
				b.Awards = append(b.Awards, awardRow{Stall: st.ID, Market: s.Markets[st.Market], Kind: st.Kind,
					Size: fmt.Sprintf("%d.%02d", st.Size/100, st.Size%100), Bidder: fmt.Sprintf("%x", aw.Bidder[:8]),
					Amount: fmt.Sprintf("%s.%02d", c.num(aw.Amount/100), aw.Amount%100)})
			}
		}
	}
	e.render(w, r, http.StatusOK, "stalls", c.page(b.Heading, b, link{Text: b.Heading, Href: c.href("/stalls/" + id)}))
}
