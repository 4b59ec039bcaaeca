package legality

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// state is the stage's mergeable accumulator: per source a bottom-k harmful
// sample, the automated-assessment counts and records per (language,
// modality); per rule the records that had a finding. Every figure is exact
// and merges by addition or bottom-k union, so any worker or shard split
// concludes the same.
type state struct {
	k       int
	sources map[string]*sourceAcc
	rules   map[string]int64
	records int64
}

type sourceAcc struct {
	records int64 // records checked
	scored  int64 // records in the automated assessment
	harmful int64 // scored records with keyword hits
	sample  *bottomK
	groups  map[string]int64 // language + "/" + modality → records kept by this stage
}

var _ stages.State = (*state)(nil)

func newState(k int) *state {
	return &state{k: k, sources: map[string]*sourceAcc{}, rules: map[string]int64{}}
}

func (s *state) source(id string) *sourceAcc {
	a := s.sources[id]
	if a == nil {
		a = &sourceAcc{sample: newBottomK(s.k), groups: map[string]int64{}}
		s.sources[id] = a
	}
	return a
}

// Merge folds other into s.
func (s *state) Merge(other stages.State) error {
	o, ok := other.(*state)
	if !ok {
		return fmt.Errorf("merging %T: %w", other, ErrStateType)
	}
	if o == nil {
		return nil
	}
	if s.sources == nil {
		*s = *newState(o.k)
	}
	s.records += o.records
	for r, n := range o.rules {
		s.rules[r] += n
	}
	for id, oa := range o.sources {
		a := s.source(id)
		a.records += oa.records
		a.scored += oa.scored
		a.harmful += oa.harmful
		for g, n := range oa.groups {
			a.groups[g] += n
		}
		a.sample.merge(oa.sample)
	}
	return nil
}

const stateMagic = "PLS1"

// MarshalBinary encodes s deterministically (sorted keys, sorted samples).
func (s *state) MarshalBinary() ([]byte, error) {
	// One allocation: the samples of a run's objects come to megabytes.
	const num = binary.MaxVarintLen64
	n := len(stateMagic) + 4*num
	for r := range s.rules {
		n += 2*num + len(r)
	}
	for id, a := range s.sources {
		n += 5*num + len(id) + len(a.sample.items)*(8+len(schemas.Digest{})+1+num)
		for g := range a.groups {
			n += 2*num + len(g)
		}
	}
	b := append(make([]byte, 0, n), stateMagic...)
	b = binary.AppendUvarint(b, uint64(s.k))
	b = binary.AppendUvarint(b, uint64(s.records))
	rules := sortedKeys(s.rules)
	b = binary.AppendUvarint(b, uint64(len(rules)))
	for _, r := range rules {
		b = appendString(b, r)
		b = binary.AppendUvarint(b, uint64(s.rules[r]))
	}
	ids := sortedKeys(s.sources)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		a := s.sources[id]
		b = appendString(b, id)
		b = binary.AppendUvarint(b, uint64(a.records))
		b = binary.AppendUvarint(b, uint64(a.scored))
		b = binary.AppendUvarint(b, uint64(a.harmful))
		gs := sortedKeys(a.groups)
		b = binary.AppendUvarint(b, uint64(len(gs)))
		for _, g := range gs {
			b = appendString(b, g)
			b = binary.AppendUvarint(b, uint64(a.groups[g]))
		}
		items := a.sample.sorted()
		b = binary.AppendUvarint(b, uint64(len(items)))
		for _, it := range items {
			b = binary.BigEndian.AppendUint64(b, it.key)
			b = append(b, it.digest[:]...)
			flag := byte(0)
			if it.harmful {
				flag = 1
			}
			b = append(b, flag)
			b = binary.AppendUvarint(b, it.cats)
		}
	}
	return b, nil
}

// UnmarshalBinary replaces s with the state encoded in data.
func (s *state) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if string(d.bytes(len(stateMagic))) != stateMagic {
		return fmt.Errorf("decoding legality state: %w: bad magic", ErrCorruptState)
	}
	k := d.uint()
	if k > 1<<24 {
		return fmt.Errorf("decoding legality state: %w: sample size %d", ErrCorruptState, k)
	}
	ns := newState(int(k))
	ns.records = int64(d.uint())
	for n := d.count(); n > 0 && d.err == nil; n-- {
		r := d.string()
		ns.rules[r] = int64(d.uint())
	}
	for n := d.count(); n > 0 && d.err == nil; n-- {
		a := ns.source(d.string())
		a.records = int64(d.uint())
		a.scored = int64(d.uint())
		a.harmful = int64(d.uint())
		for m := d.count(); m > 0 && d.err == nil; m-- {
			g := d.string()
			a.groups[g] = int64(d.uint())
		}
		// MarshalBinary writes a sample in (key, digest) order without
		// repeats; anything else is added item by item.
		var items []sampleItem
		ordered := true
		for m := d.count(); m > 0 && d.err == nil; m-- {
			var it sampleItem
			it.key = binary.BigEndian.Uint64(d.bytes(8))
			copy(it.digest[:], d.bytes(32))
			it.harmful = d.bytes(1)[0] == 1
			it.cats = d.uint()
			if d.err == nil {
				ordered = ordered && (len(items) == 0 || items[len(items)-1].less(it))
				items = append(items, it)
			}
		}
		if ordered && len(a.sample.items) == 0 {
			a.sample.setOrdered(items)
		} else {
			for _, it := range items {
				a.sample.add(it)
			}
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d trailing bytes", ErrCorruptState, len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("decoding legality state: %w", d.err)
	}
	*s = *ns
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

type decoder struct {
	b   []byte
	err error
}

var zero40 [40]byte

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n > len(d.b) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: truncated", ErrCorruptState)
		}
		return zero40[:min(n, len(zero40))]
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) uint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("%w: bad varint", ErrCorruptState)
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a collection length, bounded by the bytes left.
func (d *decoder) count() uint64 {
	n := d.uint()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: count %d exceeds data", ErrCorruptState, n)
		}
		return 0
	}
	return n
}

func (d *decoder) string() string {
	n := d.uint()
	if n > uint64(len(d.b)) {
		if d.err == nil {
			d.err = fmt.Errorf("%w: truncated string", ErrCorruptState)
		}
		return ""
	}
	return string(d.bytes(int(n)))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// digestOf is the record's digest, computing it when the pipeline did not.
func digestOf(r *schemas.Record) schemas.Digest {
	if r.Digest.IsZero() {
		return r.CanonicalDigest()
	}
	return r.Digest
}
