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
