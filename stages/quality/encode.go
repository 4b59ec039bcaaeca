package quality

import (
	"container/heap"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/prov-ai/prov/schemas"
)

// stateMagic starts every encoded State; the last byte is the format
// version.
const stateMagic = "PQS\x02"

// The encoding is little-endian binary: uvarints for counts and lengths,
// maps in sorted key order and samples in hash order, so equal states encode
// to equal bytes.

type encoder struct{ b []byte }

func (e *encoder) u(v uint64)   { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) i(v int64)    { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) u64(v uint64) { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *encoder) s(v string)   { e.u(uint64(len(v))); e.b = append(e.b, v...) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func (e *encoder) sizes(s sizes) { e.i(s.records); e.i(s.bytes); e.i(s.chars); e.i(s.tokens) }

func (e *encoder) bottomK(b *bottomK, payload bool) {
	e.u(uint64(b.k))
	e.bool(b.saturated)
	es := b.sorted()
	e.u(uint64(len(es)))
	for _, x := range es {
		e.u64(x.h)
		e.i(x.count)
		e.s(x.source)
		if !payload {
			continue
		}
		e.b = append(e.b, x.digest[:]...)
		e.bool(x.undecided)
		e.s(x.lang)
		e.b = binary.LittleEndian.AppendUint32(e.b, math.Float32bits(x.top2))
		e.bool(x.sig != nil)
		if x.sig != nil {
			// One growth for the whole signature, then stores in place.
			n := len(e.b)
			e.b = slices.Grow(e.b, 4*numPerm)[:n+4*numPerm]
			putSignature(e.b[n:], x.sig)
		}
	}
}

func (e *encoder) capped(c *capped) {
	e.u(uint64(c.level))
	keys := sortedKeys(c.m)
	e.u(uint64(len(keys)))
	for _, k := range keys {
		e.s(k)
		e.i(c.m[k].records)
		e.i(c.m[k].bytes)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sizeHint bounds the encoded size of q from above, so that MarshalBinary
// allocates its buffer once (a sample of long documents encodes to
// megabytes; growing it copied them again).
func (q *State) sizeHint() int {
	const num = binary.MaxVarintLen64
	n := 4096 + 8*len(q.langHeap.h)
	for k := range q.modality {
		n += num + len(k) + 4*num
	}
	for k, s := range q.sources {
		n += num + len(k) + 4*num + 2*num + len(s.dups.m)*(8+2*num)
		for _, x := range s.dups.m {
			n += len(x.source)
		}
	}
	for k := range q.langs {
		n += 2*num + len(k)
	}
	for _, c := range []*capped{q.domains, q.labels} {
		for k := range c.m {
			n += 3*num + len(k)
		}
	}
	n += len(q.sample.m) * (8 + 3*num + len(schemas.Digest{}) + 2 + 4 + 1 + 4*numPerm)
	for _, x := range q.sample.m {
		n += len(x.source) + len(x.lang)
	}
	return n
}

// MarshalBinary encodes the state for a shard segment. Equal states give
// equal bytes.
func (q *State) MarshalBinary() ([]byte, error) {
	e := &encoder{b: make([]byte, 0, q.sizeHint())}
	e.b = append(e.b, stateMagic...)
	e.i(q.recordsIn)
	e.sizes(q.total)
	e.u(uint64(len(q.modality)))
	for _, k := range sortedKeys(q.modality) {
		e.s(k)
		e.sizes(*q.modality[k])
	}
	e.u(uint64(len(q.sources)))
	for _, k := range sortedKeys(q.sources) {
		e.s(k)
		e.sizes(q.sources[k].sizes)
		e.bottomK(q.sources[k].dups, false)
	}
	for _, v := range []int64{q.empty, q.short, q.invalid, q.nonLetter, q.repetitive,
		q.lines, q.dupLines, q.paras, q.dupParas, q.words, q.wordChars, q.withURL, q.labelled} {
		e.i(v)
	}
	e.u(uint64(len(q.langs)))
	for _, k := range sortedKeys(q.langs) {
		e.s(k)
		e.i(q.langs[k])
	}
	for _, v := range q.present {
		e.i(v)
	}
	e.capped(q.domains)
	e.capped(q.labels)
	for _, v := range q.lengths {
		e.i(v)
	}
	e.bottomK(q.sample, true)
	e.u(uint64(q.langHeap.k))
	e.bool(q.langHeap.saturated)
	hs := slices.Clone(q.langHeap.h)
	slices.Sort(hs)
	e.u(uint64(len(hs)))
	for _, h := range hs {
		e.u64(h)
	}
	return e.b, nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrCorruptState
	}
	d.b = nil
}

func (d *decoder) u() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) i() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// n reads a count of items of at least minSize bytes each, refusing counts
// the remaining data cannot hold.
func (d *decoder) n(minSize int) int {
	v := d.u()
	if v > uint64(len(d.b)/minSize) {
		d.fail()
		return 0
	}
	return int(v)
}

func (d *decoder) u64() uint64 {
	if len(d.b) < 8 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) u32() uint32 {
	if len(d.b) < 4 {
		d.fail()
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) s() string {
	l := d.u()
	if l > uint64(len(d.b)) {
		d.fail()
		return ""
	}
	v := string(d.b[:l])
	d.b = d.b[l:]
	return v
}

func (d *decoder) bool() bool {
	if len(d.b) < 1 || d.b[0] > 1 {
		d.fail()
		return false
	}
	v := d.b[0] == 1
	d.b = d.b[1:]
	return v
}

func (d *decoder) sizes() sizes { return sizes{d.i(), d.i(), d.i(), d.i()} }

func (d *decoder) bottomK(want int, payload bool) *bottomK {
	k := d.u()
	if k != uint64(want) {
		d.fail()
		return newBottomK(want)
	}
	b := newBottomK(want)
	b.saturated = d.bool()
	n := d.n(10)
	if n > want {
		d.fail()
	}
	// One allocation for the entries and a map sized once (a sample
	// holds up to 16384 of them).
	entries := make([]entry, n)
	b.m = make(map[uint64]*entry, n)
	b.h = make(maxHeap, 0, n)
	var last uint64
	for j := 0; j < n && d.err == nil; j++ {
		x := &entries[j]
		*x = entry{h: d.u64(), count: d.i(), source: d.s()}
		if payload {
			if len(d.b) < len(x.digest) {
				d.fail()
				break
			}
			copy(x.digest[:], d.b)
			d.b = d.b[len(x.digest):]
			x.undecided = d.bool()
			x.lang = d.s()
			x.top2 = math.Float32frombits(d.u32())
			if d.bool() {
				if len(d.b) < 4*numPerm {
					d.fail()
					break
				}
				var sig signature
				getSignature(&sig, d.b)
				d.b = d.b[4*numPerm:]
				x.sig = &sig
			}
		}
		if (j > 0 && x.h <= last) || x.count < 1 {
			d.fail()
			break
		}
		last = x.h
		b.m[x.h] = x
		b.h = append(b.h, x)
	}
	// Entries come in increasing hash order: reversed, they are a
	// max-heap already.
	slices.Reverse(b.h)
	return b
}

func (d *decoder) capped(limit int) *capped {
	c := newCapped(limit)
	lvl := d.u()
	if lvl > 64 {
		d.fail()
	}
	c.level = uint8(lvl)
	n := d.n(3)
	if n > limit {
		d.fail()
	}
	for j := 0; j < n && d.err == nil; j++ {
		k := d.s()
		c.m[k] = &tally{d.i(), d.i()}
	}
	return c
}

// UnmarshalBinary decodes a state written by MarshalBinary into q, which
// must come from NewState of a stage with the same sample settings.
func (q *State) UnmarshalBinary(data []byte) error {
	if q.cfg == nil {
		return fmt.Errorf("decoding quality state: %w", ErrStateType)
	}
	if len(data) < len(stateMagic) || string(data[:len(stateMagic)]) != stateMagic {
		return ErrCorruptState
	}
	d := &decoder{b: data[len(stateMagic):]}
	n := newState(q.cfg)
	n.recordsIn = d.i()
	n.total = d.sizes()
	for j, c := 0, d.n(5); j < c && d.err == nil; j++ {
		k := d.s()
		s := d.sizes()
		n.modality[k] = &s
	}
	for j, c := 0, d.n(7); j < c && d.err == nil; j++ {
		k := d.s()
		s := &sourceStats{sizes: d.sizes()}
		s.dups = d.bottomK(q.cfg.sourceSampleSize, false)
		n.sources[k] = s
	}
	for _, p := range []*int64{&n.empty, &n.short, &n.invalid, &n.nonLetter, &n.repetitive,
		&n.lines, &n.dupLines, &n.paras, &n.dupParas, &n.words, &n.wordChars, &n.withURL, &n.labelled} {
		*p = d.i()
	}
	for j, c := 0, d.n(2); j < c && d.err == nil; j++ {
		k := d.s()
		n.langs[k] = d.i()
	}
	for f := range n.present {
		n.present[f] = d.i()
	}
	n.domains = d.capped(q.cfg.domainCap)
	n.labels = d.capped(q.cfg.domainCap)
	for i := range n.lengths {
		n.lengths[i] = d.i()
	}
	n.sample = d.bottomK(q.cfg.sampleSize, true)
	if k := d.u(); k != uint64(q.cfg.langSampleSize) {
		d.fail()
	}
	n.langHeap.saturated = d.bool()
	c := d.n(8)
	if c > q.cfg.langSampleSize {
		d.fail()
	}
	for j := 0; j < c && d.err == nil; j++ {
		n.langHeap.h = append(n.langHeap.h, d.u64())
	}
	heap.Init(n.langHeap)
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	if d.err != nil {
		return d.err
	}
	*q = *n
	return nil
}

// nativeLittle reports whether this machine stores a uint32 little-endian
// (amd64, arm64): a signature's memory is then its encoding.
var nativeLittle = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// putSignature writes sig into out (4*numPerm bytes), little-endian: one
// copy of its memory where that is the encoding.
func putSignature(out []byte, sig *signature) {
	out = out[:4*numPerm]
	if nativeLittle {
		copy(out, unsafe.Slice((*byte)(unsafe.Pointer(sig)), 4*numPerm))
		return
	}
	for i, v := range sig {
		binary.LittleEndian.PutUint32(out[4*i:], v)
	}
}

// getSignature reads sig from in (at least 4*numPerm bytes), as
// putSignature wrote it.
func getSignature(sig *signature, in []byte) {
	in = in[:4*numPerm]
	if nativeLittle {
		copy(unsafe.Slice((*byte)(unsafe.Pointer(sig)), 4*numPerm), in)
		return
	}
	for i := range sig {
		sig[i] = binary.LittleEndian.Uint32(in[4*i:])
	}
}
