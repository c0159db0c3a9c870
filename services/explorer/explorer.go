package explorer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/veche/veche/bulletin"
	"github.com/veche/veche/voting"
)

// Options configure an [Explorer]. Board is required; the zero value of
// every other field selects its default.
type Options struct {
	// Board is what the explorer reads. If it is also a
	// [bulletin.Follower], [bulletin.Locator] or [bulletin.TopicLister],
	// the explorer follows new entries, shows blocks and transactions,
	// and lists the board's topics.
	Board bulletin.Reader

	// Prefix is the path the explorer is mounted at ("/explorer"), without
	// a trailing slash; empty for the root. Requests must carry it: the
	// explorer strips it itself and puts it in front of every link.
	Prefix string

	// Elections are election ids to follow from the start, whether or not
	// the board can list its topics (a record, a board without a
	// TopicLister).
	Elections []string

	// Contract and ChainID say which board contract and chain the entries
	// come from, for the record's header and the `veche verify` command
	// lines; empty and zero for a board that is not on a chain.
	Contract string
	ChainID  uint64
	// RPC is a JSON-RPC endpoint of the chain that observers may use, for
	// the `veche verify --rpc` command line: an absolute http(s) URL, or
	// a path on this server ("/chain", which veche serve serves) that the
	// pages complete with the request's host. Empty: the command line
	// shows a placeholder.
	RPC string

	// Log receives the explorer's own events (board errors); nil: none.
	Log *slog.Logger

	// PollInterval is how often the head of an election is polled on a
	// board that is not a Follower (default 1 s); DiscoverInterval how
	// often the board's topics are listed again (default 10 s).
	PollInterval     time.Duration
	DiscoverInterval time.Duration

	// MaxElections bounds the elections followed at once, each with its
	// verifier (default 32); MaxStreams the open event streams (default
	// 256); MaxDownloads the record downloads served at once (default 4).
	MaxElections int
	MaxStreams   int
	MaxDownloads int
}

func (o Options) withDefaults() Options {
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.DiscoverInterval <= 0 {
		o.DiscoverInterval = 10 * time.Second
	}
	if o.MaxElections <= 0 {
		o.MaxElections = 32
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 256
	}
	if o.MaxDownloads <= 0 {
		o.MaxDownloads = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// An Explorer serves the explorer's pages (an [http.Handler]) and keeps the
// verification of the board's elections up to date in the background until
// [Explorer.Close].
type Explorer struct {
	opts     Options
	board    bulletin.Reader
	follower bulletin.Follower    // nil if the board does not follow
	locator  bulletin.Locator     // nil if the board has no blocks
	lister   bulletin.TopicLister // nil if the board cannot list topics
	log      *slog.Logger
	mux      *http.ServeMux

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	elections map[string]*election
	order     []string                     // election ids in the order they were found
	checked   map[bulletin.TopicID]checked // topics whose entry 0 was read in discovery
	misses    map[string]time.Time         // ids recently asked for and not found
	topics    atomic.Pointer[topicList]    // the last listing

	streams   atomic.Int64
	downloads chan struct{}
}

// checked is what discovery found at entry 0 of a topic.
type checked struct {
	election string // the election id, if entry 0 is its manifest
	entries  bool   // the topic had an entry (no need to look again)
}

// topicList is the result of the last listing of the board's topics.
type topicList struct {
	at     time.Time
	topics []bulletin.TopicInfo
	err    string
}

// idPattern is the form of an election id (docs/spec/manifest.md).
var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// New returns an explorer of opts.Board and starts following the elections
// it is told of and, on a board that lists its topics, those it finds.
func New(opts Options) (*Explorer, error) {
	if opts.Board == nil {
		return nil, errors.New("explorer: no board")
	}
	if opts.Prefix != "" && (!strings.HasPrefix(opts.Prefix, "/") || strings.HasSuffix(opts.Prefix, "/") || path.Clean(opts.Prefix) != opts.Prefix) {
		return nil, fmt.Errorf("explorer: prefix %q: want a clean path such as /explorer, without a trailing slash", opts.Prefix)
	}
	for _, id := range opts.Elections {
		if !idPattern.MatchString(id) {
			return nil, fmt.Errorf("explorer: election id %q: want lowercase letters, digits and hyphens", id)
		}
	}
	opts = opts.withDefaults()
	e := &Explorer{
		opts: opts, board: opts.Board, log: opts.Log,
		elections: map[string]*election{}, checked: map[bulletin.TopicID]checked{}, misses: map[string]time.Time{},
		downloads: make(chan struct{}, opts.MaxDownloads),
	}
	e.follower, _ = opts.Board.(bulletin.Follower)
	e.locator, _ = opts.Board.(bulletin.Locator)
	e.lister, _ = opts.Board.(bulletin.TopicLister)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.routes()
	for _, id := range opts.Elections {
		if _, err := e.track(id); err != nil {
			e.cancel()
			return nil, err
		}
	}
	if e.lister != nil {
		e.wg.Go(e.discover)
	}
	return e, nil
}

// Close stops following the elections and waits for the background work
// to end. Requests served after Close show the last state.
func (e *Explorer) Close() error {
	e.cancel()
	e.wg.Wait()
	return nil
}

// errTooMany: the explorer follows MaxElections elections already.
var errTooMany = errors.New("explorer: too many elections followed")

// track starts following election id, or returns the one following it.
func (e *Explorer) track(id string) (*election, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if el := e.elections[id]; el != nil {
		return el, nil
	}
	if len(e.elections) >= e.opts.MaxElections {
		return nil, fmt.Errorf("%w (%d)", errTooMany, e.opts.MaxElections)
	}
	el := newElection(e, id)
	e.elections[id] = el
	e.order = append(e.order, id)
	e.wg.Go(func() { el.run(e.ctx) })
	return el, nil
}

// tracked returns the elections followed, in the order they were found.
func (e *Explorer) tracked() []*election {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]*election, 0, len(e.order))
	for _, id := range e.order {
		out = append(out, e.elections[id])
	}
	return out
}

// missTTL is how long an id that names no election on the board is
// answered from memory, so that repeated requests for it do not each read
// the board.
const missTTL = 10 * time.Second

// maxMisses bounds the ids remembered as missing.
const maxMisses = 1024

// election returns the election id: one followed, or one found on the board
// now (its topic's entry 0 is its manifest), which is then followed. It
// returns nil if there is no such election.
func (e *Explorer) election(ctx context.Context, id string) (*election, error) {
	e.mu.Lock()
	el := e.elections[id]
	missed, isMiss := e.misses[id]
	e.mu.Unlock()
	if el != nil {
		return el, nil
	}
	if isMiss && time.Since(missed) < missTTL {
		return nil, nil
	}
	ok, err := e.isElection(ctx, voting.ElectionTopic(id), id)
	if err != nil {
		return nil, err
	}
	if !ok {
		e.mu.Lock()
		if len(e.misses) >= maxMisses {
			clear(e.misses)
		}
		e.misses[id] = time.Now()
		e.mu.Unlock()
		return nil, nil
	}
	return e.track(id)
}

// isElection reports whether entry 0 of topic is the manifest of election
// id (decoded, for that topic). An unknown topic is not an error.
func (e *Explorer) isElection(ctx context.Context, topic bulletin.TopicID, id string) (bool, error) {
	got, err := e.manifestID(ctx, topic)
	if err != nil {
		return false, err
	}
	return got != "" && got == id, nil
}

// manifestID returns the id of the election whose manifest is entry 0 of
// topic, or "" if the topic does not exist, has no entry or entry 0 is not
// such a manifest.
func (e *Explorer) manifestID(ctx context.Context, topic bulletin.TopicID) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	es, err := e.board.Entries(ctx, topic, 0, 1)
	switch {
	case errors.Is(err, bulletin.ErrUnknownTopic):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("explorer: reading topic %x: %w", topic[:4], err)
	case len(es) == 0 || es[0].Kind != bulletin.KindManifest:
		return "", nil
	}
	m, err := voting.ParseManifest(es[0].Payload)
	if err != nil || m.Topic() != topic {
		return "", nil
	}
	return m.ID, nil
}

// discover lists the board's topics now and every DiscoverInterval, and
// follows the elections among them.
func (e *Explorer) discover() {
	t := time.NewTicker(e.opts.DiscoverInterval)
	defer t.Stop()
	for {
		e.discoverOnce(e.ctx)
		select {
		case <-e.ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (e *Explorer) discoverOnce(ctx context.Context) {
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	topics, err := e.lister.Topics(lctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("explorer: listing the board's topics", "err", err)
			prev := e.topics.Load()
			l := &topicList{at: time.Now(), err: err.Error()}
			if prev != nil {
				l.topics = prev.topics
			}
			e.topics.Store(l)
		}
		return
	}
	for _, t := range topics {
		if t.Phase == bulletin.PhaseService || t.Count == 0 {
			continue
		}
		e.mu.Lock()
		c, seen := e.checked[t.ID]
		e.mu.Unlock()
		if !seen {
			id, err := e.manifestID(ctx, t.ID)
			if err != nil {
				e.log.Warn("explorer: reading a topic's first entry", "topic", t.ID.String(), "err", err)
				continue
			}
			c = checked{election: id, entries: true}
			e.mu.Lock()
			e.checked[t.ID] = c
			e.mu.Unlock()
		}
		if c.election != "" {
			if _, err := e.track(c.election); err != nil && !errors.Is(err, errTooMany) {
				e.log.Warn("explorer: following an election", "election", c.election, "err", err)
			}
		}
	}
	e.topics.Store(&topicList{at: time.Now(), topics: slices.Clone(topics)})
}

// electionOf returns the id of the election whose topic is t, if discovery
// found one.
func (e *Explorer) electionOf(t bulletin.TopicID) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c, ok := e.checked[t]; ok && c.election != "" {
		return c.election
	}
	for id, el := range e.elections {
		if el.topic == t {
			return id
		}
	}
	return ""
}

// ServeHTTP serves the explorer's pages under Options.Prefix.
func (e *Explorer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(w.Header())
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			e.log.Error("explorer: a handler panicked", "path", r.URL.Path, "panic", fmt.Sprint(v))
			e.errorPage(w, r, http.StatusInternalServerError, "err_internal")
		}
	}()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		e.errorPage(w, r, http.StatusMethodNotAllowed, "err_method")
		return
	}
	p := r.URL.Path
	if e.opts.Prefix != "" {
		rest, ok := strings.CutPrefix(p, e.opts.Prefix)
		if !ok || rest != "" && rest[0] != '/' {
			e.errorPage(w, r, http.StatusNotFound, "err_no_page")
			return
		}
		if rest == "" {
			http.Redirect(w, r, e.opts.Prefix+"/", http.StatusMovedPermanently)
			return
		}
		p = rest
	}
	if len(r.URL.RawQuery) > maxQuery || len(p) > maxPath {
		e.errorPage(w, r, http.StatusBadRequest, "err_too_long")
		return
	}
	if clean := path.Clean(p); clean != p && clean+"/" != p {
		e.errorPage(w, r, http.StatusNotFound, "err_no_page")
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = p
	r2.URL.RawPath = ""
	e.mux.ServeHTTP(w, r2)
}

// Limits on what a request may carry.
const (
	maxQuery = 2048
	maxPath  = 1024
)

// contentSecurityPolicy allows nothing but the explorer's own stylesheet,
// script and images (and data: images), forms sent to itself, and no
// framing.
const contentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
}

func (e *Explorer) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", e.topicsPage)
	mux.HandleFunc("/static/{file}", e.static)
	mux.HandleFunc("/topics/{topic}", e.topicPage)
	mux.HandleFunc("/elections/{id}", e.withElection(e.electionPage))
	mux.HandleFunc("/elections/{id}/entries", e.withElection(e.entriesPage))
	mux.HandleFunc("/elections/{id}/entries/{seq}", e.withElection(e.entryPage))
	mux.HandleFunc("/elections/{id}/track", e.withElection(e.trackPage))
	mux.HandleFunc("/elections/{id}/shuffles", e.withElection(e.shufflesPage))
	mux.HandleFunc("/elections/{id}/decryptions", e.withElection(e.decryptionsPage))
	mux.HandleFunc("/elections/{id}/events", e.withElection(e.events))
	mux.HandleFunc("/elections/{id}/record.jsonl", e.withElection(e.record))
	mux.HandleFunc("/elections/{id}/report.json", e.withElection(e.reportJSON))
	mux.HandleFunc("/documents/{rest...}", e.documentsPages) // the documents topic (documents.go)
	mux.HandleFunc("/polls/{rest...}", e.pollsPage)          // Active Citizen aggregates (polls.go)
	mux.HandleFunc("/stalls/{season}", e.stallsPage)         // a stall allocation season (stalls.go)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { e.errorPage(w, r, http.StatusNotFound, "err_no_page") })
	e.mux = mux
}
