package lineage

import (
	"bytes"
	"fmt"
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
