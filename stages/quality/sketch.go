package quality

import (
	"container/heap"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/internal/radix"
)

// entry is one distinct record (by digest) in a bottom-k sample.
type entry struct {
	h      uint64 // keyed hash of the record digest: the sample order
	count  int64  // occurrences of the digest; exact while it is sampled
	source string // least source id seen with this digest (order-free)
	// Payload, computed once when the digest enters the sample (global
	// sample only). undecided: the script did not decide the language;
	// lang is then the identifier's answer when the entry is in the
	// language sub-sample ("" otherwise).
	undecided bool
	lang      string
	top2      float32 // Gopher top word 2-gram character share
	sig       *signature
	digest    schemas.Digest // the record digest (global sample only)
}

// bottomK keeps the k distinct digests with the smallest keyed hashes and
// how often each occurred. A digest whose hash is below the final k-th
// smallest was kept from its first occurrence on, so its count is exact;
// the kept set is the same whatever the order and grouping of the input,
// which is what makes merging exact.
type bottomK struct {
	k         int
	m         map[uint64]*entry
	h         maxHeap
	saturated bool // some digest was ever left out or evicted
}

func newBottomK(k int) *bottomK { return &bottomK{k: k, m: map[uint64]*entry{}} }

// newBottomKSized is newBottomK with room for k entries from the start:
// a state's sample (one per object) fills to k or a good part of it, and
// growing the map and heap step by step rehashed and copied it each time.
func newBottomKSized(k int) *bottomK {
	return &bottomK{k: k, m: make(map[uint64]*entry, k), h: make(maxHeap, 0, k)}
}

type maxHeap []*entry

func (h maxHeap) Len() int           { return len(h) }
func (h maxHeap) Less(i, j int) bool { return h[i].h > h[j].h }
func (h maxHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *maxHeap) Push(x any)        { *h = append(*h, x.(*entry)) }
func (h *maxHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// observe counts one occurrence of the digest with keyed hash h. It returns
// the new entry when the digest just entered the sample (the caller fills
// its payload), and nil otherwise.
func (b *bottomK) observe(h uint64, source string) *entry {
	if e, ok := b.m[h]; ok {
		e.count++
		if source < e.source {
			e.source = strings.Clone(source)
		}
		return nil
	}
	if len(b.h) >= b.k {
		b.saturated = true
		if h > b.h[0].h {
			return nil
		}
	}
	// The entry outlives the record: it keeps a copy of the source id, not
	// the record's (which would keep the reader's block of values alive).
	e := &entry{h: h, count: 1, source: strings.Clone(source)}
	b.insert(e)
	return e
}

// insert adds e (a hash not in b) and evicts the largest hash when b
// holds more than k; a full b replaces its largest entry in one sift
// instead of a push and a pop (container/heap through an interface).
func (b *bottomK) insert(e *entry) {
	if len(b.h) < b.k {
		b.m[e.h] = e
		b.h = append(b.h, e)
		siftUpEntry(b.h, len(b.h)-1)
		return
	}
	b.saturated = true
	if len(b.h) == 0 || e.h > b.h[0].h {
		return // e itself would be evicted
	}
	delete(b.m, b.h[0].h)
	b.m[e.h] = e
	b.h[0] = e
	siftDownEntry(b.h, 0)
}

// siftUpEntry and siftDownEntry restore the max-heap of entries by hash
// after h[j] changed.
func siftUpEntry(h maxHeap, j int) {
	for j > 0 {
		i := (j - 1) / 2
		if h[i].h >= h[j].h {
			return
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

func siftDownEntry(h maxHeap, i int) {
	for {
		j := 2*i + 1
		if j >= len(h) {
			return
		}
		if r := j + 1; r < len(h) && h[r].h > h[j].h {
			j = r
		}
		if h[i].h >= h[j].h {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// merge folds o into b (same k). Payloads of a digest present in both are
// equal (they are functions of the record), so either may be kept; the one
// with more computed fields wins.
func (b *bottomK) merge(o *bottomK) {
	b.saturated = b.saturated || o.saturated
	for _, e := range o.sorted() {
		if x, ok := b.m[e.h]; ok {
			x.count += e.count
			if e.source < x.source {
				x.source = e.source
			}
			if x.lang == "" {
				x.lang = e.lang
			}
			if x.sig == nil {
				x.sig = e.sig
			}
			continue
		}
		c := *e
		b.insert(&c)
	}
}

// sorted returns the entries by increasing hash (distinct: the map's
// keys), by a radix sort of (hash, index) pairs: comparing through the
// entry pointers missed the cache on most comparisons of a 16,384 sample.
func (b *bottomK) sorted() []*entry {
	es := make([]*entry, 0, len(b.m))
	ps := make([]radix.Pair, 0, len(b.m))
	for _, e := range b.m {
		ps = append(ps, radix.Pair{Key: e.h, I: int32(len(es))})
		es = append(es, e)
	}
	ps = radix.Sort(ps, make([]radix.Pair, len(ps)))
	out := make([]*entry, len(ps))
	for i, p := range ps {
		out[i] = es[p.I]
	}
	return out
}

// hashHeap is a bounded max-heap of hashes: the bottom-k of a set of
// distinct hashes, used for the nested language sub-sample.
type hashHeap struct {
	k         int
	h         []uint64
	saturated bool
}

func (x *hashHeap) Len() int           { return len(x.h) }
func (x *hashHeap) Less(i, j int) bool { return x.h[i] > x.h[j] }
func (x *hashHeap) Swap(i, j int)      { x.h[i], x.h[j] = x.h[j], x.h[i] }
func (x *hashHeap) Push(v any)         { x.h = append(x.h, v.(uint64)) }
func (x *hashHeap) Pop() any {
	v := x.h[len(x.h)-1]
	x.h = x.h[:len(x.h)-1]
	return v
}

// admit adds a new distinct hash and reports whether it is (for now) among
// the k smallest.
func (x *hashHeap) admit(h uint64) bool {
	if len(x.h) >= x.k {
		x.saturated = true
		if h > x.h[0] {
			return false
		}
		x.h[0] = h // replaces the largest: push and pop in one
		siftDownU64(x.h, 0)
		return true
	}
	x.h = append(x.h, h)
	siftUpU64(x.h, len(x.h)-1)
	return true
}

// siftUpU64 and siftDownU64 restore a max-heap of hashes after h[j]
// changed (container/heap would box every hash into an interface).
func siftUpU64(h []uint64, j int) {
	for j > 0 {
		i := (j - 1) / 2
		if h[i] >= h[j] {
			return
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

func siftDownU64(h []uint64, i int) {
	for {
		j := 2*i + 1
		if j >= len(h) {
			return
		}
		if r := j + 1; r < len(h) && h[r] > h[j] {
			j = r
		}
		if h[i] >= h[j] {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

func (x *hashHeap) merge(o *hashHeap) {
	x.saturated = x.saturated || o.saturated
	all := append(slices.Clone(x.h), o.h...)
	slices.Sort(all)
	all = slices.Compact(all)
	if len(all) > x.k {
		all = all[:x.k]
		x.saturated = true
	}
	x.h = all
	heap.Init(x)
}

// max is the largest hash kept (the sub-sample bound), or MaxUint64 when
// the sub-sample is not full.
func (x *hashHeap) max() uint64 {
	if len(x.h) < x.k {
		return math.MaxUint64
	}
	return x.h[0]
}

// tally is a record and byte count.
type tally struct{ records, bytes int64 }

// capped counts records and bytes per key (registrable domain, label) in a
// bounded table. While there are at most cap distinct keys it is exact.
// Beyond, it keeps the keys whose hash has at least level leading zero bits
// (a uniform sample of keys of rate 2^-level), raising level until the
// table fits. The kept set depends only on the set of all keys, so merging
// in any order gives the same table.
type capped struct {
	cap   int
	level uint8
	m     map[string]*tally
}

func newCapped(limit int) *capped { return &capped{cap: limit, m: map[string]*tally{}} }

func keyHash(k string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(k))
	return mix64(h.Sum64())
}

func (c *capped) add(k string, records, bytes int64) {
	if t, ok := c.m[k]; ok {
		t.records += records
		t.bytes += bytes
		return
	}
	if uint8(bits.LeadingZeros64(keyHash(k))) < c.level {
		return
	}
	c.m[strings.Clone(k)] = &tally{records, bytes}
	c.shrink()
}

func (c *capped) shrink() {
	for len(c.m) > c.cap && c.level < 64 {
		c.level++
		for k := range c.m {
			if uint8(bits.LeadingZeros64(keyHash(k))) < c.level {
				delete(c.m, k)
			}
		}
	}
}

func (c *capped) merge(o *capped) {
	if o.level > c.level {
		c.level = o.level
		for k := range c.m {
			if uint8(bits.LeadingZeros64(keyHash(k))) < c.level {
				delete(c.m, k)
			}
		}
	}
	for k, t := range o.m {
		if uint8(bits.LeadingZeros64(keyHash(k))) < c.level {
			continue
		}
		if x, ok := c.m[k]; ok {
			x.records += t.records
			x.bytes += t.bytes
		} else {
			c.m[k] = &tally{t.records, t.bytes}
		}
	}
	c.shrink()
}

// histBins is the number of quarter-octave bins of a histogram.
const histBins = 1 + 64*4

// hist is a fixed log-scale histogram of non-negative integers: bin 0 holds
// 0, and each power of two is split into four bins, so a percentile read
// from it is within ±12.5 % (half a bin). Fixed bins merge exactly.
type hist [histBins]int64

func histBin(x uint64) int {
	if x == 0 {
		return 0
	}
	e := bits.Len64(x) - 1
	frac := int((x << (63 - uint(e))) >> 61 & 3)
	return 1 + 4*e + frac
}

// histRange is the integer range [lo, hi] of bin i.
func histRange(i int) (lo, hi float64) {
	if i == 0 {
		return 0, 0
	}
	e, frac := (i-1)/4, (i-1)%4
	l := float64(4+frac) * math.Ldexp(1, e) / 4
	h := float64(5+frac) * math.Ldexp(1, e) / 4
	return math.Ceil(l), math.Ceil(h) - 1
}

// quantile returns the midpoint of the bin holding quantile q and its
// half-width (the stated error).
func (h *hist) quantile(q float64) (value, err float64) {
	var n int64
	for _, c := range h {
		n += c
	}
	if n == 0 {
		return 0, 0
	}
	rank := int64(math.Ceil(q * float64(n)))
	rank = max(rank, 1)
	var seen int64
	for i, c := range h {
		seen += c
		if seen >= rank {
			lo, hi := histRange(i)
			return (lo + hi) / 2, (hi - lo) / 2
		}
	}
	return 0, 0
}
