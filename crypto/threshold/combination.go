package threshold

import (
	"math/big"

	"github.com/veche/veche/crypto/group"
)

// A combination evaluates Σ μ_j·P_j for fixed short signed integers μ_j
// (the scaled Lagrange coefficients, public) over many lists of points P_j
// (the scaled decryption shares of one ciphertext each), in variable time.
//
// It is Straus's interleaved multi-exponentiation with width-w non-adjacent
// forms (Möller, "Algorithms for multi-exponentiation", SAC 2001, Section
// 3.2): one shared chain of doublings as long as the longest μ_j, and per
// term one addition for each non-zero digit, of which a width-w NAF has
// about one in w + 1. The digit schedule depends on the μ_j only, so it is
// computed once ("compiled" into steps) and replayed per ciphertext using
// only the public group operations Add and Subtract. For n = 9 and k = 5 the
// μ_j have at most 19 bits: about 19 doublings and 32 additions per
// ciphertext, against 256 doublings for a general multi-scalar
// multiplication.
type combination struct {
	w     uint // NAF width, 2 … 5
	terms int
	steps []combStep
	tail  int // doublings after the last step
}

// A combStep doubles the accumulator doubles times, then adds digit·P_term
// (digit odd, |digit| < 2^(w−1)); the first step sets the accumulator.
type combStep struct {
	doubles int
	term    int
	digit   int8
}

// newCombination compiles the schedule for the coefficients mu, choosing
// the NAF width with the fewest group operations (a width-w table costs
// 2^(w−2) operations per term and ciphertext).
func newCombination(mu []*big.Int) *combination {
	var best *combination
	bestCost := -1
	for w := uint(2); w <= 5; w++ {
		c := compileCombination(mu, w)
		cost := c.tail
		for _, s := range c.steps {
			cost += s.doubles + 1
		}
		if w > 2 {
			cost += c.terms * (1 << (w - 2))
		}
		if bestCost < 0 || cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best
}

func compileCombination(mu []*big.Int, w uint) *combination {
	nafs := make([][]int8, len(mu))
	top := 0
	for j, m := range mu {
		nafs[j] = wNAF(m, w)
		top = max(top, len(nafs[j]))
	}
	c := &combination{w: w, terms: len(mu)}
	pending, started := 0, false
	for b := top - 1; b >= 0; b-- {
		if b != top-1 {
			pending++
		}
		for j, naf := range nafs {
			if b >= len(naf) || naf[b] == 0 {
				continue
			}
			if !started {
				started, pending = true, 0
			}
			c.steps = append(c.steps, combStep{doubles: pending, term: j, digit: naf[b]})
			pending = 0
		}
	}
	c.tail = pending
	return c
}

// wNAF returns the width-w non-adjacent form of x, least significant digit
// first: x = Σ d_b·2^b with every non-zero d_b odd, |d_b| < 2^(w−1), and at
// most one non-zero digit in any w consecutive ones. A negative x gives the
// negated digits of |x|.
func wNAF(x *big.Int, w uint) []int8 {
	k := new(big.Int).Abs(x)
	sign := int8(1)
	if x.Sign() < 0 {
		sign = -1
	}
	mask := big.NewInt(1<<w - 1)
	low := new(big.Int)
	var out []int8
	for k.Sign() > 0 {
		d := int64(0)
		if k.Bit(0) == 1 {
			d = low.And(k, mask).Int64()
			if d >= 1<<(w-1) {
				d -= 1 << w
			}
			k.Sub(k, big.NewInt(d))
		}
		out = append(out, sign*int8(d))
		k.Rsh(k, 1)
	}
	return out
}

// combScratch is one worker's table of odd multiples.
type combScratch struct {
	table []group.Element // table[j·t + i] = (2i+1)·P_j, t = 2^(w−2)
	two   group.Element
}

// eval sets out = Σ μ_j·pts[j] and returns out.
func (c *combination) eval(out *group.Element, pts []*group.Element, s *combScratch) *group.Element {
	t := 1 << (c.w - 2)
	if len(s.table) != c.terms*t {
		s.table = make([]group.Element, c.terms*t)
	}
	for j, P := range pts {
		row := s.table[j*t : (j+1)*t]
		row[0].Set(P)
		if t > 1 {
			s.two.Add(P, P)
			for i := 1; i < t; i++ {
				row[i].Add(&row[i-1], &s.two)
			}
		}
	}
	if len(c.steps) == 0 {
		return out.Set(group.NewElement())
	}
	for n, st := range c.steps {
		d := int(st.digit)
		neg := d < 0
		if neg {
			d = -d
		}
		e := &s.table[st.term*t+d>>1]
		if n == 0 {
			if neg {
				out.Negate(e)
			} else {
				out.Set(e)
			}
			continue
		}
		for range st.doubles {
			out.Add(out, out)
		}
		if neg {
			out.Subtract(out, e)
		} else {
			out.Add(out, e)
		}
	}
	for range c.tail {
		out.Add(out, out)
	}
	return out
}
