package lineage

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"

	"github.com/transparency-dev/merkle/compact"

	"github.com/prov-ai/prov/schemas"
)

// RecordRef is what the ledger keeps of one record of an object: its
// digest, 1-based line (or row), final verdict and the subject keys
// (SubjectKey, hex) of the data subjects it is about. Never the content.
type RecordRef struct {
	Digest   schemas.Digest
	Line     int64
	Verdict  schemas.Verdict
	Subjects []string
}

// recordsPerChunk bounds one stored chunk of an object's record list.
const recordsPerChunk = 4096

// refLeaf appends the canonical encoding of one reference: digest(32)
// verdict(1) uvarint(line) uvarint(n) n×subject(32 raw bytes). Subjects
// must already be raw, sorted and unique.
func refLeaf(dst []byte, r *ref) []byte {
	dst = append(dst, r.digest[:]...)
	dst = append(dst, byte(r.verdict))
	dst = binary.AppendUvarint(dst, uint64(r.line))
	dst = binary.AppendUvarint(dst, uint64(len(r.subjects)))
	for _, s := range r.subjects {
		dst = append(dst, s[:]...)
	}
	return dst
}

// ref is the canonical in-memory form of a RecordRef.
type ref struct {
	digest   schemas.Digest
	line     int64
	verdict  schemas.Verdict
	subjects [][32]byte
}

func compareRefs(a, b *ref) int {
	if c := bytes.Compare(a.digest[:], b.digest[:]); c != 0 {
		return c
	}
	return cmp.Compare(a.line, b.line)
}

// canonicalRefs validates recs and returns them sorted by (digest, line)
// with subject keys decoded, sorted and de-duplicated. Unsorted records
// are converted straight into their counting sort buckets (sortRefs),
// without a converted copy in input order first.
func canonicalRefs(recs []RecordRef) ([]ref, error) {
	out := make([]ref, len(recs))
	sorted := slices.IsSortedFunc(recs, func(a, b RecordRef) int {
		if c := bytes.Compare(a.Digest[:], b.Digest[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	if sorted || len(recs) < sortBucketsMin {
		for i := range recs {
			if err := canonicalRef(&out[i], &recs[i], i); err != nil {
				return nil, err
			}
		}
		if !sorted {
			out = sortRefs(out)
		}
		return out, nil
	}
	start, shift := refBuckets(len(recs), func(i int) *schemas.Digest { return &recs[i].Digest })
	next := slices.Clone(start[:len(start)-1])
	for i := range recs {
		b := bucketOf(&recs[i].Digest, shift)
		if err := canonicalRef(&out[next[b]], &recs[i], i); err != nil {
			return nil, err
		}
		next[b]++
	}
	sortBuckets(out, start)
	return out, nil
}

// canonicalRef validates record i, r, and converts it into o.
func canonicalRef(o *ref, r *RecordRef, i int) error {
	if r.Line < 0 {
		return fmt.Errorf("record %d: %w: negative line", i, ErrBadEntry)
	}
	if r.Verdict > schemas.Reject {
		return fmt.Errorf("record %d: %w: verdict %d", i, ErrBadEntry, r.Verdict)
	}
	o.digest, o.line, o.verdict = r.Digest, r.Line, r.Verdict
	if len(r.Subjects) > 0 {
		o.subjects = make([][32]byte, 0, len(r.Subjects))
		for _, s := range r.Subjects {
			var k [32]byte
			if len(s) != 64 {
				return fmt.Errorf("record %d: %w: subject key %q is not 64 hex digits", i, ErrBadEntry, s)
			}
			if _, err := hex.Decode(k[:], []byte(s)); err != nil {
				return fmt.Errorf("record %d: %w: subject key: %w", i, ErrBadEntry, err)
			}
			o.subjects = append(o.subjects, k)
		}
		slices.SortFunc(o.subjects, func(a, b [32]byte) int { return bytes.Compare(a[:], b[:]) })
		o.subjects = slices.Compact(o.subjects)
	}
	return nil
}

// sortBucketsMin is the least number of refs sorted by buckets.
const sortBucketsMin = 256

// refBuckets returns the start of each counting sort bucket (and one past
// the last) of n digests and the shift that gives a digest's bucket.
func refBuckets(n int, digest func(i int) *schemas.Digest) ([]int, int) {
	nbits := min(bits.Len(uint(n)), 16)
	shift := 64 - nbits
	start := make([]int, 1<<nbits+1)
	for i := range n {
		start[bucketOf(digest(i), shift)+1]++
	}
	for b := 1; b < len(start); b++ {
		start[b] += start[b-1]
	}
	return start, shift
}

func bucketOf(d *schemas.Digest, shift int) int { return int(binary.BigEndian.Uint64(d[:8]) >> shift) }

// sortBuckets sorts each bucket of refs (placed by refBuckets' starts) by
// compareRefs.
func sortBuckets(refs []ref, start []int) {
	cmpRefs := func(a, b ref) int { return compareRefs(&a, &b) }
	for b := 0; b+1 < len(start); b++ {
		if start[b+1]-start[b] > 1 {
			slices.SortFunc(refs[start[b]:start[b+1]], cmpRefs)
		}
	}
}

// sortRefs returns refs sorted by (digest, line). Record digests are
// SHA-256 outputs, spread evenly over their leading bits: a counting sort
// on the leading bits (about one ref per bucket) leaves only the few refs
// that share a bucket to compare. Whatever the digests (many copies of one
// record, digests chosen to collide), each bucket is still sorted by
// compareRefs, so the order is always that of a comparison sort.
func sortRefs(refs []ref) []ref {
	if len(refs) < sortBucketsMin {
		slices.SortFunc(refs, func(a, b ref) int { return compareRefs(&a, &b) })
		return refs
	}
	start, shift := refBuckets(len(refs), func(i int) *schemas.Digest { return &refs[i].digest })
	out := make([]ref, len(refs))
	next := slices.Clone(start[:len(start)-1])
	for i := range refs {
		b := bucketOf(&refs[i].digest, shift)
		out[next[b]] = refs[i]
		next[b]++
	}
	sortBuckets(out, start)
	return out
}

// RecordRefsRoot returns the RFC 6962 root (hex) over recs sorted by digest
// then line, each leaf the canonical reference encoding. It is the
// RecordRoot an ObjectIngested entry commits to; IngestObject fills it.
func RecordRefsRoot(recs []RecordRef) (string, error) {
	refs, err := canonicalRefs(recs)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(refsRoot(refs)), nil
}

var rangeFactory = compact.RangeFactory{Hash: schemas.MerkleNodeHash}

func refsRoot(refs []ref) []byte {
	r := rangeFactory.NewEmptyRange(0)
	var buf []byte
	for i := range refs {
		// RFC 6962 leaf hash: SHA-256 of 0x00 and the leaf, hashed in one
		// call so no hash state is allocated per leaf.
		buf = refLeaf(append(buf[:0], 0), &refs[i])
		h := sha256.Sum256(buf)
		// Append only fails for ranges of another factory.
		_ = r.Append(h[:], nil)
	}
	if len(refs) == 0 {
		return hasher.EmptyRoot()
	}
	root, _ := r.GetRootHash(nil)
	return root
}

// encodeChunk stores refs as uvarint(count) followed by their leaves.
func encodeChunk(dst []byte, refs []ref) []byte {
	n := binary.MaxVarintLen64
	for i := range refs {
		n += 32 + 1 + 2*binary.MaxVarintLen64 + 32*len(refs[i].subjects)
	}
	dst = slices.Grow(dst, n)
	dst = binary.AppendUvarint(dst, uint64(len(refs)))
	for i := range refs {
		dst = refLeaf(dst, &refs[i])
	}
	return dst
}

// decodeChunk parses a chunk written by encodeChunk.
func decodeChunk(b []byte, out []ref) ([]ref, error) {
	n, k := uvarint(b)
	if k <= 0 || n > recordsPerChunk {
		return out, fmt.Errorf("decoding record chunk: %w: bad count", ErrBadEntry)
	}
	b = b[k:]
	for range n {
		var r ref
		if len(b) < 33 {
			return out, fmt.Errorf("decoding record chunk: %w: short", ErrBadEntry)
		}
		copy(r.digest[:], b)
		r.verdict = schemas.Verdict(b[32])
		if r.verdict > schemas.Reject {
			return out, fmt.Errorf("decoding record chunk: %w: verdict", ErrBadEntry)
		}
		b = b[33:]
		line, k := uvarint(b)
		if k <= 0 || line > 1<<62 {
			return out, fmt.Errorf("decoding record chunk: %w: line", ErrBadEntry)
		}
		r.line = int64(line)
		b = b[k:]
		ns, k := uvarint(b)
		if k <= 0 || ns > uint64(len(b)-k)/32 {
			return out, fmt.Errorf("decoding record chunk: %w: subjects", ErrBadEntry)
		}
		b = b[k:]
		if ns > 0 {
			r.subjects = make([][32]byte, ns)
			for j := range r.subjects {
				copy(r.subjects[j][:], b)
				b = b[32:]
			}
		}
		out = append(out, r)
	}
	if len(b) != 0 {
		return out, fmt.Errorf("decoding record chunk: %w: trailing bytes", ErrBadEntry)
	}
	return out, nil
}

// uvarint is binary.Uvarint that also rejects non-minimal encodings, so a
// chunk has one byte form (k <= 0 for a bad or non-canonical value).
func uvarint(b []byte) (uint64, int) {
	v, k := binary.Uvarint(b)
	if k > 1 && b[k-1] == 0 {
		return 0, 0
	}
	return v, k
}

func (r *ref) export() RecordRef {
	out := RecordRef{Digest: r.digest, Line: r.line, Verdict: r.verdict}
	for _, s := range r.subjects {
		out.Subjects = append(out.Subjects, hex.EncodeToString(s[:]))
	}
	return out
}
