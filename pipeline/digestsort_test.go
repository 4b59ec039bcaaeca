package pipeline

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// TestSortedDistinctIsEach: the in-memory sort on two goroutines gives the
// distinct digests each gives, in the same order, and cmpDigest orders as
// bytes.Compare (digests sharing their first eight bytes included).
func TestSortedDistinctIsEach(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 5, 1 << 15, 1<<15 + 1, 100_001} {
		ds := make([]schemas.Digest, n)
		for i := range ds {
			if i > 0 && r.IntN(5) == 0 {
				ds[i] = ds[r.IntN(i)] // a duplicate
				continue
			}
			for j := range ds[i] {
				ds[i][j] = byte(r.Uint32())
			}
			if r.IntN(7) == 0 {
				ds[i][8] ^= 1 // same first eight bytes as the one before
				if i > 0 {
					copy(ds[i][:8], ds[i-1][:8])
				}
			}
		}
		for i := 1; i < n; i++ {
			a, b := ds[i-1], ds[i]
			if got, want := cmpDigest(a, b), bytes.Compare(a[:], b[:]); got != want {
				t.Fatalf("cmpDigest(%x, %x) = %d, want %d", a, b, got, want)
			}
		}
		var want []schemas.Digest
		s := newDigestSorter(t.TempDir(), 0)
		for _, d := range ds {
			if err := s.add(d); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.each(func(d schemas.Digest) error { want = append(want, d); return nil }); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{1, 2} {
			s := newDigestSorter(t.TempDir(), 0)
			for _, d := range ds {
				if err := s.add(d); err != nil {
					t.Fatal(err)
				}
			}
			got, ok := s.sortedDistinct(w)
			if !ok || !slices.Equal(got, want) {
				t.Fatalf("%d digests, %d workers: %d distinct (ok %v), each gives %d", n, w, len(got), ok, len(want))
			}
		}
	}
	// spilled runs: sortedDistinct declines, each merges them
	s := newDigestSorter(t.TempDir(), 4)
	for i := range 10 {
		if err := s.add(schemas.Digest{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := s.sortedDistinct(2); ok {
		t.Fatal("sortedDistinct after a spill")
	}
	s.cleanup()
}
