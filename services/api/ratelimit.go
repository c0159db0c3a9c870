package api

import (
	"container/list"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"

	"github.com/veche/veche/crypto/schnorr"
	"github.com/veche/veche/services/ballotbox"
	"github.com/veche/veche/voting"
)

// Limits are the API's rate limits: token buckets refilled at a rate (a
// golang.org/x/time/rate Limit, tokens per second) up to a burst. A zero
// rate turns a limit off.
type Limits struct {
	// PerAddress is the rate of requests, on every route, of one client
	// address (an IPv4 address, or an IPv6 /64 network: one host commonly
	// holds a whole /64), per second; AddressBurst the bucket's size.
	PerAddress   rate.Limit
	AddressBurst int
	// PerCredential is the rate of casts and audits of one credential (the
	// public credential inside the ballot), per second; CredentialBurst the
	// bucket's size. A request whose ballot does not decode, or whose
	// credential is not on the election's list, is refused before any
	// expensive check without touching a bucket; one that the box refuses,
	// or that replays a stored ballot, gets its token back: the limit
	// counts new ballots.
	PerCredential   rate.Limit
	CredentialBurst int
}

// DefaultLimits are `veche serve`'s limits: per address 50 requests/s
// (burst 100), per credential 1 cast or audit/s (burst 5).
var DefaultLimits = Limits{PerAddress: 50, AddressBurst: 100, PerCredential: 1, CredentialBurst: 5}

// maxTracked bounds the buckets of each limit: the least recently used one
// is forgotten beyond it, so that requests from many addresses cannot grow
// memory without bound (about 200 bytes per bucket). A forgotten bucket
// starts full when its client comes back: an attacker holding more
// addresses than this can reset other clients' buckets, no more.
const maxTracked = 1 << 16

// maxRetryAfter caps Retry-After, in seconds (a day).
const maxRetryAfter = 86400

// A limiterTable holds one token bucket per key, at most max of them.
// Buckets that have refilled completely are dropped first: a full bucket
// behaves exactly like a new one.
//
// The buckets are golang.org/x/time/rate's algorithm (rate limit tokens per
// second, up to burst), kept here rather than in rate.Limiters because the
// per-credential limit must give a token back ([limiterTable.refund]) when
// a request turns out not to be a new ballot, and rate.Reservation.Cancel
// restores nothing once a reservation's time has come.
type limiterTable[K comparable] struct {
	limit float64 // tokens per second
	burst float64
	max   int

	mu  sync.Mutex
	m   map[K]*list.Element // of *bucket[K]
	lru list.List           // front: the most recently used
}

type bucket[K comparable] struct {
	key    K
	tokens float64
	last   time.Time
}

// at returns the bucket's tokens at now (refilled since last, at most
// burst).
func (t *limiterTable[K]) at(b *bucket[K], now time.Time) float64 {
	if elapsed := now.Sub(b.last); elapsed > 0 {
		return min(b.tokens+elapsed.Seconds()*t.limit, t.burst)
	}
	return b.tokens
}

func newLimiterTable[K comparable](limit rate.Limit, burst, size int) *limiterTable[K] {
	if limit <= 0 || limit == rate.Inf || math.IsInf(float64(limit), 1) {
		return nil
	}
	return &limiterTable[K]{limit: float64(limit), burst: float64(max(burst, 1)), max: size, m: map[K]*list.Element{}}
}

// allow takes a token from k's bucket at now, or reports how long until
// one is there.
func (t *limiterTable[K]) allow(k K, now time.Time) (ok bool, wait time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, found := t.m[k]
	if found {
		t.lru.MoveToFront(e)
	} else {
		// Drop a few buckets that are full again (idle), then the least
		// recently used ones over the bound.
		for range 2 {
			back := t.lru.Back()
			if back == nil || t.at(back.Value.(*bucket[K]), now) < t.burst {
				break
			}
			t.remove(back)
		}
		for t.lru.Len() >= t.max {
			t.remove(t.lru.Back())
		}
		e = t.lru.PushFront(&bucket[K]{key: k, tokens: t.burst, last: now})
		t.m[k] = e
	}
	b := e.Value.(*bucket[K])
	tokens := t.at(b, now)
	if now.After(b.last) {
		b.last = now
	}
	b.tokens = tokens
	if tokens >= 1 {
		b.tokens--
		return true, 0
	}
	secs := (1 - tokens) / t.limit
	return false, time.Duration(min(secs, maxRetryAfter) * float64(time.Second))
}

// refund gives back the token a request took from k's bucket (up to the
// bucket's size), if the bucket is still held.
func (t *limiterTable[K]) refund(k K, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.m[k]; ok {
		b := e.Value.(*bucket[K])
		b.tokens = min(t.at(b, now)+1, t.burst)
		if now.After(b.last) {
			b.last = now
		}
	}
}

func (t *limiterTable[K]) remove(e *list.Element) {
	delete(t.m, e.Value.(*bucket[K]).key)
	t.lru.Remove(e)
}

// len returns the number of buckets held.
func (t *limiterTable[K]) len() int {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lru.Len()
}

// limiter is the server's rate limiting state.
type limiter struct {
	byAddress    *limiterTable[netip.Prefix]
	byCredential *limiterTable[[voting.CredentialSize]byte]
	proxies      []netip.Prefix
	refused      *prometheus.CounterVec
	collectors   []prometheus.Collector
}

func newLimiter(cfg Config) (*limiter, error) {
	l := cfg.Limits
	if l.PerAddress < 0 || l.PerCredential < 0 || l.AddressBurst < 0 || l.CredentialBurst < 0 ||
		math.IsNaN(float64(l.PerAddress)) || math.IsNaN(float64(l.PerCredential)) {
		return nil, fmt.Errorf("api: rate limits must not be negative: %+v", l)
	}
	for _, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			return nil, errors.New("api: an invalid trusted proxy prefix")
		}
	}
	lim := &limiter{
		byAddress:    newLimiterTable[netip.Prefix](l.PerAddress, l.AddressBurst, maxTracked),
		byCredential: newLimiterTable[[voting.CredentialSize]byte](l.PerCredential, l.CredentialBurst, maxTracked),
		proxies:      cfg.TrustedProxies,
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "veche_api_rate_limited_total",
			Help: "Requests refused with 429 by the voter API's rate limits, by limit (address, credential).",
		}, []string{"limit"}),
	}
	lim.refused.WithLabelValues("address")
	lim.refused.WithLabelValues("credential")
	lim.collectors = []prometheus.Collector{
		lim.refused,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "veche_api_rate_limit_buckets",
			Help:        "Token buckets the voter API's rate limits hold, by limit (bounded).",
			ConstLabels: prometheus.Labels{"limit": "address"},
		}, func() float64 { return float64(lim.byAddress.len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "veche_api_rate_limit_buckets",
			Help:        "Token buckets the voter API's rate limits hold, by limit (bounded).",
			ConstLabels: prometheus.Labels{"limit": "credential"},
		}, func() float64 { return float64(lim.byCredential.len()) }),
	}
	if cfg.Metrics != nil {
		for _, c := range lim.collectors {
			if err := cfg.Metrics.Register(c); err != nil {
				return nil, fmt.Errorf("api: registering metrics: %w", err)
			}
		}
	}
	return lim, nil
}

// clientAddress returns the address a request is counted against: the TCP
// peer, or, when the peer is a trusted proxy, the right-most address of
// X-Forwarded-For that is not a trusted proxy (the proxies append the
// address they received from; what is left of the first untrusted hop may be
// forged). A hop that does not parse stops the walk at the trusted proxy
// that wrote it.
func (l *limiter) clientAddress(r *http.Request) netip.Addr {
	peer := parseHost(r.RemoteAddr)
	if !l.trusted(peer) {
		return peer
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0 && i >= len(hops)-64; i-- {
		a := parseHost(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			break
		}
		client = a
		if !l.trusted(a) {
			break
		}
	}
	return client
}

func (l *limiter) trusted(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHost parses "ip", "ip:port" or "[ipv6]:port", unmapping IPv4-mapped
// IPv6 addresses; an invalid Addr if it is none of them.
func parseHost(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap()
	}
	return netip.Addr{}
}

// addressKey is the bucket of address a: the address itself for IPv4, its
// /64 for IPv6; every address that does not parse shares one bucket.
func addressKey(a netip.Addr) netip.Prefix {
	switch {
	case !a.IsValid():
		return netip.Prefix{}
	case a.Is4():
		return netip.PrefixFrom(a, 32)
	}
	p, _ := a.Prefix(64)
	return p
}

// LimitAddresses wraps next, served next to the API on the same listener
// (the chain at /chain, the explorer, the metrics), in the API's
// per-address limit: one budget per client address across all of them, so
// no route of the server is a way around the limit.
func (s *Server) LimitAddresses(next http.Handler) http.Handler { return s.limitAddresses(next) }

// limitAddresses is the middleware of the per-address limit.
func (s *Server) limitAddresses(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := s.limits.byAddress; t != nil {
			if ok, wait := t.allow(addressKey(s.limits.clientAddress(r)), time.Now()); !ok {
				s.limits.refused.WithLabelValues("address").Inc()
				tooManyRequests(w, wait, "too many requests from this address")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// chargeCredential applies the per-credential limit to a cast or audit
// whose bytes decoded with credential, answering a refusal itself: a
// credential not on the list is refused here (403, as the box would)
// without a bucket, so made-up credentials cost nothing and take no
// memory. Otherwise it takes a token and returns settle, to be called with
// the box's answer: settle gives the token back unless the box stored a
// new ballot. So the limit counts new ballots only, and nobody drains a
// voter's budget (the credential is public, on the board) by sending
// forged ballots under it or replaying its ballots from the board; those
// cost the sender's address budget.
func (s *Server) chargeCredential(w http.ResponseWriter, box *ballotbox.Box, credential *schnorr.PublicKey) (settle func(*voting.Receipt, error), ok bool) {
	k := [voting.CredentialSize]byte(credential.Bytes())
	if !box.Eligible(k[:]) {
		s.castProblem(w, voting.ErrUnknownCredential)
		return nil, false
	}
	start := time.Now().Truncate(time.Microsecond) // as the receipts' times
	ok, wait := s.limits.byCredential.allow(k, start)
	if !ok {
		s.limits.refused.WithLabelValues("credential").Inc()
		tooManyRequests(w, wait, "too many ballots from this credential")
		return nil, false
	}
	return func(rc *voting.Receipt, err error) {
		// A receipt older than the request is a replay's: nothing new.
		if err != nil || rc == nil || rc.Received.Before(start) {
			s.limits.byCredential.refund(k, time.Now())
		}
	}, true
}

// tooManyRequests answers 429 with Retry-After, in whole seconds (at least
// 1), the time until the bucket has a token again.
func tooManyRequests(w http.ResponseWriter, wait time.Duration, detail string) {
	secs := max(int64(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	problem(w, http.StatusTooManyRequests, "rate-limited", "Too many requests", detail)
}
