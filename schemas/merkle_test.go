package schemas

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/transparency-dev/merkle/rfc6962"
)

// The allocation-free hashes must be RFC 6962's.
func TestMerkleHashesAreRFC6962(t *testing.T) {
	for i := range 50 {
		l := sha256.Sum256([]byte{byte(i)})
		r := sha256.Sum256([]byte{byte(i), 1})
		if got, want := MerkleNodeHash(l[:], r[:]), rfc6962.DefaultHasher.HashChildren(l[:], r[:]); !bytes.Equal(got, want) {
			t.Fatalf("node %d: %x, want %x", i, got, want)
		}
		if got, want := MerkleLeafHash(&l), rfc6962.DefaultHasher.HashLeaf(l[:]); !bytes.Equal(got, want) {
			t.Fatalf("leaf %d: %x, want %x", i, got, want)
		}
	}
}

// TestMerkleRootOfIsBuilder: the root computed on several goroutines is the
// builder's, for sizes around the share boundaries and powers of two.
func TestMerkleRootOfIsBuilder(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 8191, 16384, 16385, 24575, 65536, 100003} {
		leaves := make([]Digest, n)
		for i := range leaves {
			leaves[i] = sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		}
		b := NewMerkleBuilder()
		for i := range leaves {
			if err := b.Append(leaves[i][:]); err != nil {
				t.Fatal(err)
			}
		}
		want, err := b.Root()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{1, 2, 3, 4} {
			got, err := MerkleRootOf(leaves, w)
			if err != nil || got != want {
				t.Fatalf("%d leaves, %d workers: %x, %v; builder %x", n, w, got, err, want)
			}
		}
	}
}
