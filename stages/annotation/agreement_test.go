package annotation

import (
	"math"
	"testing"
)

// expand turns per-category counts into one value per rater.
func expand(counts []int) []int {
	var v []int
	for c, n := range counts {
		for range n {
			v = append(v, c)
		}
	}
	return v
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func TestFleissWikipedia(t *testing.T) {
	// Fleiss (1971) as worked on Wikipedia ("Fleiss' kappa", worked example):
	// 10 items, 14 raters, 5 categories, kappa = 0.210.
	rows := [][]int{
		{0, 0, 0, 0, 14}, {0, 2, 6, 4, 2}, {0, 0, 3, 5, 6}, {0, 3, 9, 2, 0},
		{2, 2, 8, 1, 1}, {7, 7, 0, 0, 0}, {3, 2, 6, 3, 0}, {2, 5, 3, 2, 2},
		{6, 5, 2, 1, 0}, {0, 2, 2, 3, 7},
	}
	tb := newTable(5)
	for _, r := range rows {
		tb.addItem(expand(r))
	}
	m := tb.fleiss()
	if !m.Defined || round3(m.Value) != 0.210 || m.Items != 10 || m.Raters != 14 {
		t.Fatalf("fleiss = %+v, want 0.210 over 10 items x 14 raters", m)
	}
}

func TestKrippendorffCanonical(t *testing.T) {
	// Krippendorff (2011), "Computing Krippendorff's alpha-reliability",
	// nominal example with missing data: 4 coders, 12 units, alpha = 0.743.
	// Values 1..5 become categories 0..4; -1 is a missing value.
	coders := [4][12]int{
		{1, 2, 3, 3, 2, 1, 4, 1, 2, -1, -1, -1},
		{1, 2, 3, 3, 2, 2, 4, 1, 2, 5, -1, 3},
		{-1, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, -1},
		{1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, -1},
	}
	tb := newTable(5)
	for u := range 12 {
		var vals []int
		for c := range 4 {
			if v := coders[c][u]; v > 0 {
				vals = append(vals, v-1)
			}
		}
		tb.addItem(vals)
	}
	m := tb.alpha()
	if !m.Defined || round3(m.Value) != 0.743 || m.Items != 11 {
		t.Fatalf("alpha = %+v, want 0.743 over 11 pairable units", m)
	}
}

func TestCohen(t *testing.T) {
	// Wikipedia "Cohen's kappa", first worked example: 50 proposals, both
	// yes 20, A yes B no 5, A no B yes 10, both no 15: kappa = 0.4.
	// Second: 45/15/25/15 of 100 -> kappa = 0.1304; third 25/35/5/35 -> 0.2593.
	cases := []struct {
		name           string
		yy, yn, ny, nn int
		want           float64
	}{
		{"wikipedia-1", 20, 5, 10, 15, 0.400},
		{"wikipedia-2", 45, 15, 25, 15, 0.130},
		{"wikipedia-3", 25, 35, 5, 35, 0.259},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tb := newTable(2)
			add := func(n, a, b int) {
				for range n {
					tb.addItem([]int{a, b})
					tb.addPair("A", "B", a, b)
				}
			}
			add(c.yy, 0, 0)
			add(c.yn, 0, 1)
			add(c.ny, 1, 0)
			add(c.nn, 1, 1)
			m := tb.cohen()
			if !m.Defined || round3(m.Value) != c.want || m.Pair != "A,B" {
				t.Fatalf("cohen = %+v, want %.3f", m, c.want)
			}
			// Rater order must not matter.
			tb2 := newTable(2)
			tb2.Pairs = tb.Pairs
			for range c.yn {
				tb2.addPair("B", "A", 1, 0)
			}
			for range c.ny {
				tb2.addPair("B", "A", 0, 1)
			}
			for range c.yy {
				tb2.addPair("B", "A", 0, 0)
			}
			for range c.nn {
				tb2.addPair("B", "A", 1, 1)
			}
			if m2 := tb2.cohen(); m2.Value != m.Value {
				t.Fatalf("cohen with swapped raters = %v, want %v", m2.Value, m.Value)
			}
		})
	}
}

func TestCoefficientsUndefined(t *testing.T) {
	tb := newTable(3)
	if m := tb.alpha(); m.Defined {
		t.Fatalf("alpha on empty table is defined: %+v", m)
	}
	tb.addItem([]int{1, 1, 1})
	tb.addItem([]int{1, 1})
	if m := tb.alpha(); m.Defined {
		t.Fatalf("alpha without variation is defined: %+v", m)
	}
	if m := tb.fleiss(); m.Defined || m.Raters != 3 {
		t.Fatalf("fleiss without variation = %+v", m)
	}
	if m := tb.cohen(); m.Defined {
		t.Fatalf("cohen with mixed rater counts is defined: %+v", m)
	}
}

func TestAlphaMatchesFleissStyleData(t *testing.T) {
	// With perfect agreement on varied data alpha and kappa are both 1; with
	// systematic disagreement they are negative.
	tb := newTable(2)
	for i := range 10 {
		tb.addItem([]int{i % 2, i % 2, i % 2})
	}
	if a, f := tb.alpha(), tb.fleiss(); a.Value != 1 || f.Value != 1 {
		t.Fatalf("perfect agreement: alpha %v fleiss %v", a.Value, f.Value)
	}
	tb = newTable(2)
	for range 10 {
		tb.addItem([]int{0, 1})
	}
	if a, f := tb.alpha(), tb.fleiss(); a.Value >= 0 || f.Value >= 0 {
		t.Fatalf("systematic disagreement: alpha %v fleiss %v", a.Value, f.Value)
	}
}

func TestTableMergeExact(t *testing.T) {
	whole, a, b := newTable(4), newTable(4), newTable(4)
	for i := range 1000 {
		v := []int{i % 4, (i / 3) % 4, (i / 7) % 4}[:2+i%2]
		whole.addItem(v)
		if i%3 == 0 {
			a.addItem(v)
		} else {
			b.addItem(v)
		}
	}
	if !b.merge(&a) {
		t.Fatal("merge refused same K")
	}
	if got, want := b.alpha().Value, whole.alpha().Value; got != want {
		t.Fatalf("merged alpha %v != whole %v", got, want)
	}
	other := newTable(3)
	if whole.merge(&other) {
		t.Fatal("merge accepted a different K")
	}
}

func TestWilson(t *testing.T) {
	cases := []struct {
		k, n   int64
		lo, hi float64
	}{
		{0, 10, 0, 0.2775},  // z^2/(n+z^2)
		{10, 10, 0.7225, 1}, // symmetric
		{81, 263, 0.2553, 0.3662},
		{0, 0, 0, 1},
	}
	for _, c := range cases {
		lo, hi := wilson(c.k, c.n)
		if math.Abs(lo-c.lo) > 5e-5 || math.Abs(hi-c.hi) > 5e-5 {
			t.Errorf("wilson(%d, %d) = [%.4f, %.4f], want [%.4f, %.4f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
}

func TestEntropy(t *testing.T) {
	cases := []struct {
		counts []int64
		want   float64
	}{
		{[]int64{5, 5}, 1},
		{[]int64{1, 1, 1, 1}, 2},
		{[]int64{7, 0}, 0},
		{nil, 0},
	}
	for _, c := range cases {
		if got := entropy(c.counts); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("entropy(%v) = %v, want %v", c.counts, got, c.want)
		}
	}
}
