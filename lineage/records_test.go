package lineage

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/prov-ai/prov/schemas"
)

// refsRoot hashes without the rfc6962 package's per-call allocations; it
// must give the root that package gives for the same leaves.
func TestRefsRootIsRFC6962(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1000} {
		recs := make([]RecordRef, n)
		for i := range recs {
			recs[i] = RecordRef{Digest: digest(fmt.Sprint(i)), Line: int64(i + 1), Verdict: schemas.Verdict(i % 4)}
			if i%5 == 0 {
				recs[i].Subjects = []string{hexSum(fmt.Sprint("s", i))}
			}
		}
		refs, err := canonicalRefs(recs)
		if err != nil {
			t.Fatal(err)
		}
		want := rfc6962.DefaultHasher.EmptyRoot()
		if n > 0 {
			r := (&compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}).NewEmptyRange(0)
			for i := range refs {
				if err := r.Append(rfc6962.DefaultHasher.HashLeaf(refLeaf(nil, &refs[i])), nil); err != nil {
					t.Fatal(err)
				}
			}
			if want, err = r.GetRootHash(nil); err != nil {
				t.Fatal(err)
			}
		}
		if got := refsRoot(refs); !bytes.Equal(got, want) {
			t.Fatalf("%d refs: root %x, want %x", n, got, want)
		}
	}
}

// TestSortRefsIsComparisonSort compares sortRefs with a comparison sort on
// random digests, on many copies of a few digests, and on digests that
// share their leading bytes (one bucket).
func TestSortRefsIsComparisonSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range []struct {
		name string
		n    int
		fill func(d *schemas.Digest)
	}{
		{"random", 50_000, func(d *schemas.Digest) {
			for k := 0; k < 32; k += 8 {
				binary.LittleEndian.PutUint64(d[k:], rng.Uint64())
			}
		}},
		{"few digests", 5_000, func(d *schemas.Digest) { d[0], d[31] = byte(rng.IntN(3)), byte(rng.IntN(2)) }},
		{"one bucket", 3_000, func(d *schemas.Digest) { d[9], d[20] = byte(rng.IntN(256)), byte(rng.IntN(256)) }},
		{"small", 100, func(d *schemas.Digest) { d[0] = byte(rng.IntN(256)) }},
	} {
		refs := make([]ref, tc.n)
		for i := range refs {
			tc.fill(&refs[i].digest)
			refs[i].line = int64(rng.IntN(tc.n)) + 1
			refs[i].verdict = schemas.Verdict(i % 4)
		}
		want := slices.Clone(refs)
		slices.SortStableFunc(want, func(a, b ref) int { return compareRefs(&a, &b) })
		got := sortRefs(slices.Clone(refs))
		for i := range want {
			if compareRefs(&got[i], &want[i]) != 0 {
				t.Fatalf("%s: ref %d is %x line %d, want %x line %d", tc.name, i, got[i].digest, got[i].line, want[i].digest, want[i].line)
			}
		}
	}
}

// BenchmarkSortRefs sorts the record list of an object of 25,000 records
// (a 64 MB object of the long corpus) as PrepareRecords does, and as a
// comparison sort does.
func BenchmarkSortRefs(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	refs := make([]ref, 25_000)
	for i := range refs {
		for k := 0; k < 32; k += 8 {
			binary.LittleEndian.PutUint64(refs[i].digest[k:], rng.Uint64())
		}
		refs[i].line = int64(i + 1)
	}
	work := make([]ref, len(refs))
	b.Run("counting", func(b *testing.B) {
		for b.Loop() {
			copy(work, refs)
			_ = sortRefs(work)
		}
	})
	b.Run("comparison", func(b *testing.B) {
		for b.Loop() {
			copy(work, refs)
			slices.SortFunc(work, func(a, b ref) int { return compareRefs(&a, &b) })
		}
	})
}
