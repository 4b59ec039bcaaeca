package radix

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortIsStableSort compares Sort with the standard library's stable
// sort on random keys, keys sharing bytes (skipped passes) and repeats.
func TestSortIsStableSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 7, 300, 20000} {
		for _, mask := range []uint64{^uint64(0), 0xff00ff, 0x3, 0} {
			a := make([]Pair, n)
			for i := range a {
				a[i] = Pair{Key: r.Uint64() & mask, I: int32(i)}
			}
			want := slices.Clone(a)
			slices.SortStableFunc(want, func(x, y Pair) int { return cmp.Compare(x.Key, y.Key) })
			got := Sort(a, make([]Pair, n))
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d mask=%#x: Sort differs from a stable sort", n, mask)
			}
		}
	}
}
