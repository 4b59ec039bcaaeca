package schemas

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
)

// MerkleBuilder computes an RFC 6962 Merkle tree root over leaves appended
// in order, in O(log n) memory. It defines the dataset digest, a frozen
// commitment: the leaves are the 32-byte record digests of the admitted
// records, sorted ascending and de-duplicated, so the digest does not depend
// on worker count, shard split or input order. (An object's record root is
// defined by the ledger: lineage.RecordRefsRoot.)
type MerkleBuilder struct {
	r *compact.Range
}

var rangeFactory = compact.RangeFactory{Hash: MerkleNodeHash}

// MerkleNodeHash is RFC 6962's interior node hash, SHA-256 of 0x01, left
// and right, for 32-byte children: rfc6962.DefaultHasher.HashChildren
// without a hash state allocated per call (a tenth of seal's garbage).
func MerkleNodeHash(left, right []byte) []byte {
	var b [1 + 2*sha256.Size]byte
	b[0] = 1
	copy(b[1:], left)
	copy(b[1+sha256.Size:], right)
	h := sha256.Sum256(b[:])
	return h[:]
}

// MerkleLeafHash is RFC 6962's leaf hash of a 32-byte leaf, SHA-256 of 0x00
// and the leaf.
func MerkleLeafHash(leaf *[32]byte) []byte {
	var b [1 + 32]byte
	copy(b[1:], leaf[:])
	h := sha256.Sum256(b[:])
	return h[:]
}

// NewMerkleBuilder returns an empty builder.
func NewMerkleBuilder() *MerkleBuilder {
	return &MerkleBuilder{r: rangeFactory.NewEmptyRange(0)}
}

// Append adds one leaf (its data, hashed with the 0x00 leaf prefix).
func (m *MerkleBuilder) Append(leaf []byte) error {
	var h []byte
	if len(leaf) == 32 {
		h = MerkleLeafHash((*[32]byte)(leaf))
	} else {
		h = rfc6962.DefaultHasher.HashLeaf(leaf)
	}
	if err := m.r.Append(h, nil); err != nil {
		return fmt.Errorf("appending merkle leaf: %w", err)
	}
	return nil
}

// Size is the number of leaves appended.
func (m *MerkleBuilder) Size() uint64 { return m.r.End() }

// Root returns the tree root; the root of an empty tree is SHA-256("").
func (m *MerkleBuilder) Root() (Digest, error) {
	var d Digest
	if m.r.End() == 0 {
		copy(d[:], rfc6962.DefaultHasher.EmptyRoot())
		return d, nil
	}
	root, err := m.r.GetRootHash(nil)
	if err != nil {
		return d, fmt.Errorf("computing merkle root: %w", err)
	}
	copy(d[:], root)
	return d, nil
}

// MerkleRootOf is the root a MerkleBuilder gives for leaves appended in
// order, computed on up to workers goroutines: each hashes a contiguous
// share of the leaves into a compact range, and the ranges are joined in
// order (the same tree, hence the same root).
func MerkleRootOf(leaves []Digest, workers int) (Digest, error) {
	const minShare = 1 << 13
	parts := min(workers, len(leaves)/minShare)
	if parts <= 1 {
		b := NewMerkleBuilder()
		for i := range leaves {
			if err := b.r.Append(MerkleLeafHash((*[32]byte)(&leaves[i])), nil); err != nil {
				return Digest{}, fmt.Errorf("appending merkle leaf: %w", err)
			}
		}
		return b.Root()
	}
	ranges := make([]*compact.Range, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := len(leaves)*p/parts, len(leaves)*(p+1)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rangeFactory.NewEmptyRange(uint64(lo))
			for i := lo; i < hi; i++ {
				if err := r.Append(MerkleLeafHash((*[32]byte)(&leaves[i])), nil); err != nil {
					errs[p] = err
					return
				}
			}
			ranges[p] = r
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Digest{}, fmt.Errorf("appending merkle leaf: %w", err)
	}
	for _, r := range ranges[1:] {
		if err := ranges[0].AppendRange(r, nil); err != nil {
			return Digest{}, fmt.Errorf("joining merkle ranges: %w", err)
		}
	}
	return (&MerkleBuilder{r: ranges[0]}).Root()
}
