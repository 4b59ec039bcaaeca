package annotation

import (
	"math"
	"slices"
)

// table accumulates nominal labels of items for agreement coefficients as
// integer pair counts, so merging is exact and order-free and its size is
// bounded by the category count, not the item count.
//
// Pairs[m] counts, over items with exactly m values, the ordered pairs of
// distinct raters' values: cell c*K+k is incremented once for each ordered
// rater pair (i, j), i != j, with values (c, k). An item with category counts
// n_c contributes n_c*(n_c-1) to the diagonal cell (c, c) and n_c*n_k to
// (c, k). This is Krippendorff's coincidence matrix before the 1/(m-1)
// weighting, and with m fixed it is all Fleiss' kappa needs.
//
// Cohen[pair] is the contingency table of the two raters of items with
// exactly two values, keyed by "a\x00b" with a < b (rows: a's value).
type table struct {
	K     int                `json:"k"`
	Pairs map[int][]int64    `json:"pairs,omitempty"`
	Cohen map[string][]int64 `json:"cohen,omitempty"`
}

func newTable(k int) table { return table{K: k} }

// addItem adds one item given each rater's category (0 <= v < K).
func (t *table) addItem(vals []int) {
	m := len(vals)
	if m < 2 {
		return
	}
	if t.Pairs == nil {
		t.Pairs = map[int][]int64{}
	}
	p := t.Pairs[m]
	if p == nil {
		p = make([]int64, t.K*t.K)
		t.Pairs[m] = p
	}
	k := t.K
	for i, a := range vals {
		row := p[a*k : a*k+k]
		for j, b := range vals {
			if i != j {
				row[b]++
			}
		}
	}
}

// addPair adds an item labelled by exactly two raters to the Cohen table of
// that rater pair.
func (t *table) addPair(a, b string, va, vb int) {
	if b < a {
		a, b, va, vb = b, a, vb, va
	}
	if t.Cohen == nil {
		t.Cohen = map[string][]int64{}
	}
	key := a + "\x00" + b
	c := t.Cohen[key]
	if c == nil {
		c = make([]int64, t.K*t.K)
		t.Cohen[key] = c
	}
	c[va*t.K+vb]++
}

// merge adds o into t; both must have the same K.
func (t *table) merge(o *table) bool {
	if o.K != t.K {
		return false
	}
	for m, p := range o.Pairs {
		if t.Pairs == nil {
			t.Pairs = map[int][]int64{}
		}
		q := t.Pairs[m]
		if q == nil {
			t.Pairs[m] = slices.Clone(p)
			continue
		}
		addInto(q, p)
	}
	for key, c := range o.Cohen {
		if t.Cohen == nil {
			t.Cohen = map[string][]int64{}
		}
		q := t.Cohen[key]
		if q == nil {
			t.Cohen[key] = slices.Clone(c)
			continue
		}
		addInto(q, c)
	}
	return true
}

func addInto(dst, src []int64) {
	for i, v := range src {
		dst[i] += v
	}
}

// items returns the number of pairable items (>= 2 values).
func (t *table) items() int64 {
	var n int64
	for m, p := range t.Pairs {
		n += sum(p) / int64(m*(m-1))
	}
	return n
}

// measure is a computed coefficient. Defined is false when the coefficient
// does not exist for the data (no pairable items, no variation, wrong rater
// layout); Value is then 0.
type measure struct {
	Value   float64
	Defined bool
	Items   int64  // items the coefficient was computed over
	Raters  int    // Fleiss: raters per item
	Pair    string // Cohen: "a,b"
	Note    string // why it is undefined
}

// alpha is Krippendorff's alpha for nominal data with missing values
// (Krippendorff 2011, "Computing Krippendorff's alpha-reliability").
func (t *table) alpha() measure {
	k := t.K
	o := make([]float64, k*k)
	for _, m := range sortedKeys(t.Pairs) {
		w := float64(m - 1)
		for i, c := range t.Pairs[m] {
			if c != 0 {
				o[i] += float64(c) / w
			}
		}
	}
	nc := make([]float64, k)
	var n, disagree float64
	for c := 0; c < k; c++ {
		for j := 0; j < k; j++ {
			v := o[c*k+j]
			nc[c] += v
			if c != j {
				disagree += v
			}
		}
		n += nc[c]
	}
	res := measure{Items: t.items()}
	if res.Items == 0 {
		res.Note = "no item has two or more labels"
		return res
	}
	var sq float64
	for _, v := range nc {
		sq += v * v
	}
	expected := n*n - sq // sum over c != k of n_c n_k
	if expected == 0 {
		res.Note = "all values are one category (no variation)"
		return res
	}
	res.Value = 1 - (n-1)*disagree/expected
	res.Defined = true
	return res
}

// fleiss is Fleiss' kappa (Fleiss 1971) over the items with the most common
// rater count (ties: the larger count).
func (t *table) fleiss() measure {
	var best int
	var bestN int64
	for _, m := range sortedKeys(t.Pairs) {
		if n := sum(t.Pairs[m]) / int64(m*(m-1)); n >= bestN {
			best, bestN = m, n
		}
	}
	res := measure{Items: bestN, Raters: best}
	if bestN == 0 {
		res.Note = "no item has two or more labels"
		return res
	}
	if len(t.Pairs) > 1 {
		res.Note = "items with other rater counts left out"
	}
	k, p, m := t.K, t.Pairs[best], float64(best)
	N := float64(bestN)
	var agree float64
	var pe float64
	for c := 0; c < k; c++ {
		agree += float64(p[c*k+c])
		pc := float64(sum(p[c*k:c*k+k])) / (m - 1) / (N * m)
		pe += pc * pc
	}
	pbar := agree / (N * m * (m - 1))
	if pe == 1 {
		res.Note = "all values are one category (no variation)"
		return res
	}
	res.Value = (pbar - pe) / (1 - pe)
	res.Defined = true
	return res
}

// cohen is Cohen's kappa (Cohen 1960); it is defined when every pairable
// item was labelled by the same two raters.
func (t *table) cohen() measure {
	var res measure
	if len(t.Cohen) != 1 || len(t.Pairs) != 1 || t.Pairs[2] == nil {
		res.Note = "needs every item labelled by the same two raters"
		return res
	}
	var key string
	var c []int64
	for key, c = range t.Cohen {
	}
	k := t.K
	n := float64(sum(c))
	res.Items = int64(n)
	for i := 0; i < len(key); i++ {
		if key[i] == 0 {
			res.Pair = key[:i] + "," + key[i+1:]
		}
	}
	var po, pe float64
	for a := 0; a < k; a++ {
		po += float64(c[a*k+a])
		var row, col float64
		for b := 0; b < k; b++ {
			row += float64(c[a*k+b])
			col += float64(c[b*k+a])
		}
		pe += (row / n) * (col / n)
	}
	po /= n
	if pe == 1 {
		res.Note = "all values are one category (no variation)"
		return res
	}
	res.Value = (po - pe) / (1 - pe)
	res.Defined = true
	return res
}

// wilson returns the Wilson score interval for k successes in n trials at
// the 95 % level (z = 1.959964).
func wilson(k, n int64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	nf := float64(n)
	p := float64(k) / nf
	z2 := z * z
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z / den * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	return max(0, centre-half), min(1, centre+half)
}

// entropy is the Shannon entropy in bits of a count distribution.
func entropy(counts []int64) float64 {
	total := float64(sum(counts))
	if total == 0 {
		return 0
	}
	var h float64
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / total
			h -= p * math.Log2(p)
		}
	}
	return h
}

func sum(v []int64) int64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return s
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
