package legality

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"iter"
	"slices"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/internal/radix"
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

// bottomK keeps the k smallest items. Items with the same digest are kept
// once, so a record read twice counts once. An item's key is a function of
// its digest (sampleKey), so two items with one digest are equal.
//
// Until 2k items were offered, items are appended as they come (a state
// per object offers most of a source's records: the sample of a source
// with fewer than 2k records in an object is all of them), and sorted
// sorts them and drops repeats. At 2k the items are sorted, repeats
// dropped and, when k distinct remain, the sample becomes a max-heap of
// the k smallest with a set of their digests, which then takes an item
// only below its largest.
//
// A decoded or merged sample is kept sorted without repeats (ordered), so
// that merging two such samples is one pass over both.
type bottomK struct {
	k       int
	items   []sampleItem
	heap    bool      // items is a max-heap of k distinct items, has their digests
	has     digestSet // heap only
	ordered bool      // not heap: items are in (key, digest) order, distinct, at most k
}

func newBottomK(k int) *bottomK { return &bottomK{k: k} }

// heapLess is the max-heap order: item i sorts above item j.
func (b *bottomK) heapLess(i, j int) bool {
	x, y := &b.items[j], &b.items[i]
	if x.key != y.key {
		return x.key < y.key
	}
	return string(x.digest[:]) < string(y.digest[:])
}

// up and down are container/heap's sift operations, typed to avoid the
// interface calls and the boxing of heap.Push.
func (b *bottomK) up(j int) {
	for {
		i := (j - 1) / 2 // parent
		if i == j || !b.heapLess(j, i) {
			break
		}
		b.items[i], b.items[j] = b.items[j], b.items[i]
		j = i
	}
}

func (b *bottomK) down(i0 int) bool {
	n := len(b.items)
	i := i0
	for {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 { // j1 < 0 after int overflow
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && b.heapLess(j2, j1) {
			j = j2 // = 2*i + 2  // right child
		}
		if !b.heapLess(j, i) {
			break
		}
		b.items[i], b.items[j] = b.items[j], b.items[i]
		i = j
	}
	return i > i0
}

// add offers it to the sample.
func (b *bottomK) add(it sampleItem) {
	if b.k <= 0 {
		return
	}
	if !b.heap {
		b.ordered = false
		if len(b.items) == cap(b.items) {
			// Grown four-fold from 256 up to 2k, not by append's
			// steps: a state per object fills a sample per source.
			items := make([]sampleItem, len(b.items), min(2*b.k, max(256, 4*cap(b.items))))
			copy(items, b.items)
			b.items = items
		}
		b.items = append(b.items, it)
		if len(b.items) >= 2*b.k {
			b.consolidate()
		}
		return
	}
	// A full sample takes only a new item below its largest. Both tests
	// refuse, so their order does not matter; the key comparison first
	// spares the digest lookup for most items.
	if !it.less(b.items[0]) || !b.has.insert(it.digest) {
		return
	}
	b.has.remove(b.items[0].digest)
	b.items[0] = it
	if !b.down(0) {
		b.up(0)
	}
}

// consolidate sorts the appended items and drops repeats; with k distinct
// items or more it keeps the k smallest as a max-heap (descending order)
// with their digest set.
func (b *bottomK) consolidate() {
	b.items = b.distinct()
	if len(b.items) < b.k {
		return
	}
	b.items = b.items[:b.k]
	slices.Reverse(b.items)
	for i := range b.items {
		b.has.insert(b.items[i].digest)
	}
	b.heap = true
}

// distinct returns the appended items in key order without repeats, in a
// new slice. Repeats of a digest have equal keys, so they are adjacent
// once sorted by (key, digest).
func (b *bottomK) distinct() []sampleItem {
	out := sortItems(b.items)
	n := 0
	for i := range out {
		if n > 0 && out[i].digest == out[n-1].digest {
			continue
		}
		out[n] = out[i]
		n++
	}
	return out[:n]
}

// digestSet is a set of digests: open addressing with linear probing on
// the digest's first bytes (a digest is a SHA-256, uniform), deletion by
// backward shift. It costs a fraction of a map with 32-byte keys, which
// was most of the sample's cost per record.
type digestSet struct {
	slots []digestSlot
	n     int
}

type digestSlot struct {
	d    schemas.Digest
	used bool
}

func (s *digestSet) home(d *schemas.Digest) int {
	return int(binary.LittleEndian.Uint64(d[:8]) & uint64(len(s.slots)-1))
}

// insert adds d and reports whether it was absent.
func (s *digestSet) insert(d schemas.Digest) bool {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := len(s.slots) - 1
	for i := s.home(&d); ; i = (i + 1) & mask {
		sl := &s.slots[i]
		if !sl.used {
			*sl = digestSlot{d: d, used: true}
			s.n++
			return true
		}
		if sl.d == d {
			return false
		}
	}
}

func (s *digestSet) grow() {
	old := s.slots
	// Four-fold from 512 slots: fewer rehashes of a set that fills to a
	// sample's k (load factor still at most 1/2).
	s.slots = make([]digestSlot, max(512, 4*len(old)))
	s.n = 0
	for i := range old {
		if old[i].used {
			s.insert(old[i].d)
		}
	}
}

// remove deletes d when present.
func (s *digestSet) remove(d schemas.Digest) {
	if s.n == 0 {
		return
	}
	mask := len(s.slots) - 1
	i := s.home(&d)
	for ; ; i = (i + 1) & mask {
		if !s.slots[i].used {
			return
		}
		if s.slots[i].d == d {
			break
		}
	}
	// Backward shift: move up every later member of the probe run that
	// may sit in the freed slot (its home is not cyclically in (i, j]).
	for j := i; ; {
		j = (j + 1) & mask
		if !s.slots[j].used {
			break
		}
		h := s.home(&s.slots[j].d)
		if (i <= j && (h <= i || h > j)) || (i > j && h <= i && h > j) {
			s.slots[i] = s.slots[j]
			i = j
		}
	}
	s.slots[i] = digestSlot{}
	s.n--
}

// sorted returns the sample in key order: at most k distinct items, in a
// slice of the caller's.
func (b *bottomK) sorted() []sampleItem {
	switch {
	case b.heap:
		return sortItems(b.items)
	case b.ordered:
		return slices.Clone(b.items)
	}
	out := b.distinct()
	return out[:min(len(out), b.k)]
}

// setOrdered makes items (in (key, digest) order, distinct) the sample:
// its k smallest, kept in order.
func (b *bottomK) setOrdered(items []sampleItem) {
	b.items = items[:min(len(items), b.k)]
	b.heap, b.has, b.ordered = false, digestSet{}, true
}

// merge folds the sample o (same k) into b. Two samples that are not heaps
// are merged in one pass over their ordered items; a heap takes o's items
// in order until one is not below its largest.
func (b *bottomK) merge(o *bottomK) {
	if b.k <= 0 {
		return
	}
	oi := o.items
	if !o.ordered {
		oi = o.sorted()
	}
	if b.heap {
		for _, it := range oi {
			if !it.less(b.items[0]) {
				break // the rest are larger still
			}
			b.add(it)
		}
		return
	}
	bi := b.items
	if !b.ordered {
		bi = b.sorted()
	}
	out := make([]sampleItem, 0, min(b.k, len(bi)+len(oi)))
	i, j := 0, 0
	for len(out) < b.k && (i < len(bi) || j < len(oi)) {
		var it sampleItem
		switch {
		case j == len(oi) || i < len(bi) && bi[i].less(oi[j]):
			it, i = bi[i], i+1
		case i == len(bi) || oi[j].less(bi[i]):
			it, j = oi[j], j+1
		default: // the same item in both
			it, i, j = bi[i], i+1, j+1
		}
		out = append(out, it)
	}
	b.setOrdered(out)
}

// sortItems returns items in (key, digest) order, in a new slice. It
// sorts (key, index) pairs by key with a radix sort, orders equal keys
// by digest, and then places the items: sorting the 56-byte items
// themselves through less cost more than the rest of encoding a state.
func sortItems(items []sampleItem) []sampleItem {
	idx := make([]radix.Pair, len(items))
	for i := range items {
		idx[i] = radix.Pair{Key: items[i].key, I: int32(i)}
	}
	idx = radix.Sort(idx, make([]radix.Pair, len(idx)))
	// Equal keys (rare: keys are hashes) by digest.
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && idx[j].Key == idx[j-1].Key &&
			bytes.Compare(items[idx[j].I].digest[:], items[idx[j-1].I].digest[:]) < 0; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	out := make([]sampleItem, len(idx))
	for j, x := range idx {
		out[j] = items[x.I]
	}
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
