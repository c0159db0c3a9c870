package explorer

import "slices"

// maxBuckets is the most buckets the ballots over time are grouped in.
const maxBuckets = 48

// A bucket is a run of consecutive entries of the topic during voting, with
// the ballot box's ballots, revotes and audits in it. The board has no
// clock: entry order is the order the box posted, which is the order it
// received ballots, so buckets are a proxy for time.
type bucket struct {
	First, Last uint64 // the entries, inclusive
	Ballots     uint64
	Revotes     uint64 // ballots of a credential that had cast an earlier ballot
	Audits      uint64
}

// buckets groups the box's activity of ix over the first n entries: from
// the entry that opened voting (or the first ballot) to the closing entry
// (or the end), in at most maxBuckets buckets of equal numbers of entries.
func buckets(ix *index, n uint64) []bucket {
	if len(ix.activity) == 0 {
		return nil
	}
	start := ix.activity[0].seq
	if ix.open != nil && *ix.open < start {
		start = *ix.open
	}
	end := n
	if ix.closing != nil && *ix.closing < end {
		end = *ix.closing
	}
	if end <= start {
		return nil
	}
	span := end - start
	size := (span + maxBuckets - 1) / maxBuckets
	count := (span + size - 1) / size
	out := make([]bucket, count)
	for i := range out {
		out[i].First = start + uint64(i)*size
		out[i].Last = min(out[i].First+size, end) - 1
	}
	for _, a := range ix.activity {
		if a.seq < start || a.seq >= end {
			continue
		}
		b := &out[(a.seq-start)/size]
		b.Ballots += uint64(a.ballots)
		b.Revotes += uint64(a.revotes)
		b.Audits += uint64(a.audit)
	}
	return out
}

// The anomaly rule (docs/explorer.md, "Anomalies").
const (
	spikeFactor      = 3    // a bucket flagged has at least this times the reference
	minTurnoutExcess = 20   // … and at least this many ballots more than the median
	minBucketsMedian = 4    // a median needs at least this many buckets with ballots
	minRevotes       = 5    // a revote spike has at least this many revotes
	minRevoteShare   = 0.10 // … and at least this share of the bucket's ballots
)

// An anomaly is a bucket flagged by the anomaly rule.
type anomaly struct {
	Bucket int    // index in the buckets
	Kind   string // "turnout" or "revotes"
	// Value and Reference: ballots and the median of the buckets with
	// ballots (turnout); the bucket's revote share and the share in all
	// other buckets, in percent (revotes).
	Value, Reference float64
}

// anomalies applies the anomaly rule to bs; cast and revotes are the
// election's totals.
//
//   - turnout: a bucket with at least spikeFactor times the median number
//     of ballots of the buckets that have ballots (when at least
//     minBucketsMedian have), and at least minTurnoutExcess more;
//   - revotes: a bucket with at least minRevotes revotes, making at least
//     minRevoteShare of its ballots and at least spikeFactor times the
//     revote share of all the other buckets together.
func anomalies(bs []bucket, cast, revotes uint64) []anomaly {
	var out []anomaly
	var counts []uint64
	for _, b := range bs {
		if b.Ballots > 0 {
			counts = append(counts, b.Ballots)
		}
	}
	if len(counts) >= minBucketsMedian {
		slices.Sort(counts)
		var med float64
		if k := len(counts); k%2 == 1 {
			med = float64(counts[k/2])
		} else {
			med = float64(counts[k/2-1]+counts[k/2]) / 2
		}
		for i, b := range bs {
			if v := float64(b.Ballots); v >= spikeFactor*med && v-med >= minTurnoutExcess {
				out = append(out, anomaly{Bucket: i, Kind: "turnout", Value: v, Reference: med})
			}
		}
	}
	for i, b := range bs {
		if b.Revotes < minRevotes || b.Ballots == 0 {
			continue
		}
		share := float64(b.Revotes) / float64(b.Ballots)
		var others float64
		if rest := cast - b.Ballots; rest > 0 {
			others = float64(revotes-b.Revotes) / float64(rest)
		}
		if share >= minRevoteShare && share >= spikeFactor*others {
			out = append(out, anomaly{Bucket: i, Kind: "revotes", Value: 100 * share, Reference: 100 * others})
		}
	}
	slices.SortStableFunc(out, func(a, b anomaly) int { return a.Bucket - b.Bucket })
	return out
}
