package pipeline

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"sort"
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

// TestRecSorterIsComparisonSort: the sorted records (in memory and merged
// from spilled runs) are those sort.Sort orders byte by byte, with equal
// records, records that differ only after their first eight bytes and
// records shorter than eight bytes.
func TestRecSorterIsComparisonSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ size, n, limit int }{{72, 5000, 0}, {72, 5000, 700}, {4, 3000, 0}, {12, 1, 0}, {12, 0, 0}, {9, 4000, 0}} {
		s := newRecSorter(t.TempDir(), tc.size, tc.limit)
		var all []byte
		for range tc.n {
			rec := make([]byte, tc.size)
			for i := range rec {
				rec[i] = byte(rng.IntN(3)) // many ties in every byte
			}
			if rng.IntN(4) == 0 && len(all) > 0 {
				copy(rec, all[len(all)-tc.size:]) // equal records
			}
			all = append(all, rec...)
			if err := s.add(rec); err != nil {
				t.Fatal(err)
			}
		}
		sort.Sort(&flatRecs{b: all, size: tc.size, tmp: make([]byte, tc.size)})
		var got []byte
		if err := s.each(func(r []byte) error { got = append(got, r...); return nil }); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, all) {
			t.Fatalf("size %d, %d records, limit %d: not the comparison sort's order", tc.size, tc.n, tc.limit)
		}
	}
}
