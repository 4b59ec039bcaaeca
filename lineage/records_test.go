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

// TestCanonicalRefsIsConvertThenSort: converting unsorted records straight
// into their buckets gives the refs (every field, in the same order, ties
// included) that converting them in input order and then sortRefs gave,
// and a bad record fails with the same error.
func TestCanonicalRefsIsConvertThenSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	convertThenSort := func(recs []RecordRef) ([]ref, error) {
		out := make([]ref, len(recs))
		for i := range recs {
			if err := canonicalRef(&out[i], &recs[i], i); err != nil {
				return nil, err
			}
		}
		if !slices.IsSortedFunc(out, func(a, b ref) int { return compareRefs(&a, &b) }) {
			out = sortRefs(out)
		}
		return out, nil
	}
	for _, tc := range []struct {
		name string
		n    int
		fill func(i int, d *schemas.Digest)
	}{
		{"random", 20_000, func(_ int, d *schemas.Digest) {
			for k := 0; k < 32; k += 8 {
				binary.LittleEndian.PutUint64(d[k:], rng.Uint64())
			}
		}},
		{"few digests", 3_000, func(_ int, d *schemas.Digest) { d[0], d[31] = byte(rng.IntN(3)), byte(rng.IntN(2)) }},
		{"one bucket", 2_000, func(_ int, d *schemas.Digest) { d[9], d[20] = byte(rng.IntN(256)), byte(rng.IntN(256)) }},
		{"sorted", 1_000, func(i int, d *schemas.Digest) { binary.BigEndian.PutUint32(d[:], uint32(i)) }},
		{"small", 200, func(_ int, d *schemas.Digest) { d[0] = byte(rng.IntN(256)) }},
	} {
		recs := make([]RecordRef, tc.n)
		for i := range recs {
			tc.fill(i, &recs[i].Digest)
			recs[i].Line = int64(rng.IntN(tc.n/4+1)) + 1
			recs[i].Verdict = schemas.Verdict(rng.IntN(4))
			if rng.IntN(7) == 0 {
				recs[i].Subjects = []string{hexSum(fmt.Sprint(rng.IntN(5))), hexSum(fmt.Sprint(rng.IntN(5)))}
			}
		}
		if tc.name == "sorted" {
			for i := range recs {
				recs[i].Line = int64(i + 1)
			}
		}
		want, err := convertThenSort(recs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := canonicalRefs(recs)
		if err != nil {
			t.Fatal(err)
		}
		if !reflectDeepEqualRefs(got, want) {
			t.Fatalf("%s: canonicalRefs differs from converting then sorting", tc.name)
		}
		bad := slices.Clone(recs)
		bad[len(bad)/2].Subjects = []string{"not hex"}
		_, err1 := convertThenSort(bad)
		_, err2 := canonicalRefs(bad)
		if err1 == nil || err2 == nil || err1.Error() != err2.Error() {
			t.Fatalf("%s: bad record: %v / %v", tc.name, err2, err1)
		}
	}
}

func reflectDeepEqualRefs(a, b []ref) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].digest != b[i].digest || a[i].line != b[i].line || a[i].verdict != b[i].verdict || !slices.Equal(a[i].subjects, b[i].subjects) {
			return false
		}
	}
	return true
}
