package legality

import (
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"iter"
	"slices"

	"github.com/prov-ai/prov/schemas"
)

// Sampling domains: the same seed draws independent samples for different
// purposes.
const (
	domainHarmful    = "prov/legality/harmful-sample/v1"
	domainAssessment = "prov/legality/assessment-sample/v1"
	domainCoverage   = "prov/legality/automated-coverage/v1"
)

// sampleKey is the keyed hash that orders records for sampling: the first
// 8 bytes of SHA-256(domain || seed || digest). A sample is the k records
// with the smallest keys (bottom-k), which depends only on the set of
// digests, never on the order they were seen in or how they were split.
func sampleKey(domain string, seed uint64, d schemas.Digest) uint64 {
	var buf [64 + 8 + 32]byte
	n := copy(buf[:], domain)
	binary.BigEndian.PutUint64(buf[n:], seed)
	n += 8
	n += copy(buf[n:], d[:])
	sum := sha256.Sum256(buf[:n])
	return binary.BigEndian.Uint64(sum[:8])
}

// sampleItem is one record in a bottom-k sample.
type sampleItem struct {
	key     uint64
	digest  schemas.Digest
	harmful bool
	cats    uint64
}

func (a sampleItem) less(b sampleItem) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return string(a.digest[:]) < string(b.digest[:])
}

// bottomK keeps the k smallest items (a max-heap on key). Items with the
// same digest are kept once, so a record read twice counts once.
type bottomK struct {
	k     int
	items []sampleItem
	has   map[schemas.Digest]bool
}

func newBottomK(k int) *bottomK { return &bottomK{k: k, has: map[schemas.Digest]bool{}} }

func (b *bottomK) Len() int           { return len(b.items) }
func (b *bottomK) Less(i, j int) bool { return b.items[j].less(b.items[i]) }
func (b *bottomK) Swap(i, j int)      { b.items[i], b.items[j] = b.items[j], b.items[i] }
func (b *bottomK) Push(x any)         { b.items = append(b.items, x.(sampleItem)) }
func (b *bottomK) Pop() any {
	it := b.items[len(b.items)-1]
	b.items = b.items[:len(b.items)-1]
	return it
}

// add offers it to the sample.
func (b *bottomK) add(it sampleItem) {
	if b.k <= 0 || b.has[it.digest] {
		return
	}
	if len(b.items) < b.k {
		heap.Push(b, it)
		b.has[it.digest] = true
		return
	}
	if !it.less(b.items[0]) {
		return
	}
	delete(b.has, b.items[0].digest)
	b.items[0] = it
	b.has[it.digest] = true
	heap.Fix(b, 0)
}

// sorted returns the sample in key order.
func (b *bottomK) sorted() []sampleItem {
	out := slices.Clone(b.items)
	slices.SortFunc(out, func(x, y sampleItem) int {
		if x.less(y) {
			return -1
		}
		if y.less(x) {
			return 1
		}
		return 0
	})
	return out
}

// SelectAssessmentSample draws the whole-corpus manual assessment sample
// (TC260-9.2-a): the n digests with the smallest keyed hash under seed, in
// that hash order. The result depends only on the set of digests and the
// seed, not on their order or on duplicates, so a sample drawn from the
// ledger's record list equals one drawn from any shard split.
func SelectAssessmentSample(digests iter.Seq[schemas.Digest], seed uint64, n int) []schemas.Digest {
	b := newBottomK(n)
	for d := range digests {
		b.add(sampleItem{key: sampleKey(domainAssessment, seed, d), digest: d})
	}
	items := b.sorted()
	out := make([]schemas.Digest, len(items))
	for i, it := range items {
		out[i] = it.digest
	}
	return out
}

// inCoverage reports whether the automated assessment scores the record
// with digest d when it covers share of the corpus (seeded, order-free).
func inCoverage(seed uint64, d schemas.Digest, share float64) bool {
	if share >= 1 {
		return true
	}
	return float64(sampleKey(domainCoverage, seed, d)) < share*(1<<64)
}
