package aigc

import (
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/prov-ai/prov/stages"
)

// maxProducers caps the distinct producers counted per source; further
// ones are counted under "other" so a state stays small whatever the input.
const maxProducers = 256

// state is the stage's mergeable accumulator: exact counts per source,
// merged by addition.
type state struct {
	sources map[string]*sourceAcc
}

type sourceAcc struct {
	records   int64 // records checked
	labelled  int64 // records with at least one label
	explicit  int64 // records with an explicit label
	implicit  int64 // records with an implicit label
	zh, en    int64 // explicit labels by language
	synthetic int64 // records of a declared-synthetic source, or labelled
	mismatch  int64 // synthetic-source records whose label names another producer
	where     map[string]int64
	producers map[string]int64 // synthetic records by producer
}

var _ stages.State = (*state)(nil)

func newState() *state { return &state{sources: map[string]*sourceAcc{}} }

func (s *state) source(id string) *sourceAcc {
	a := s.sources[id]
	if a == nil {
		a = &sourceAcc{where: map[string]int64{}, producers: map[string]int64{}}
		s.sources[id] = a
	}
	return a
}

func (a *sourceAcc) addProducer(p string) { a.addProducerN(p, 1) }

func (a *sourceAcc) addProducerN(p string, n int64) {
	if _, ok := a.producers[p]; !ok && len(a.producers) >= maxProducers {
		p = "other"
	}
	a.producers[p] += n
}

// Merge folds other into s.
func (s *state) Merge(other stages.State) error {
	o, ok := other.(*state)
	if !ok {
		return fmt.Errorf("merging %T: %w", other, ErrState)
	}
	if o == nil {
		return nil
	}
	if s.sources == nil {
		s.sources = map[string]*sourceAcc{}
	}
	for _, id := range sortedKeys(o.sources) {
		oa, a := o.sources[id], s.source(id)
		a.records += oa.records
		a.labelled += oa.labelled
		a.explicit += oa.explicit
		a.implicit += oa.implicit
		a.zh += oa.zh
		a.en += oa.en
		a.synthetic += oa.synthetic
		a.mismatch += oa.mismatch
		for k, n := range oa.where {
			a.where[k] += n
		}
		for _, p := range sortedKeys(oa.producers) {
			a.addProducerN(p, oa.producers[p])
		}
	}
	return nil
}

const stateMagic = "PAG1"

// MarshalBinary encodes s deterministically (sorted keys).
func (s *state) MarshalBinary() ([]byte, error) {
	b := []byte(stateMagic)
	ids := sortedKeys(s.sources)
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		a := s.sources[id]
		b = appendString(b, id)
		for _, v := range []int64{a.records, a.labelled, a.explicit, a.implicit, a.zh, a.en, a.synthetic, a.mismatch} {
			b = binary.AppendUvarint(b, uint64(v))
		}
		for _, m := range []map[string]int64{a.where, a.producers} {
			keys := sortedKeys(m)
			b = binary.AppendUvarint(b, uint64(len(keys)))
			for _, k := range keys {
				b = appendString(b, k)
				b = binary.AppendUvarint(b, uint64(m[k]))
			}
		}
	}
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary wrote.
func (s *state) UnmarshalBinary(data []byte) error {
	d := decoder{b: data}
	if len(data) < len(stateMagic) || string(data[:len(stateMagic)]) != stateMagic {
		return fmt.Errorf("decoding aigc state: %w: bad magic", ErrState)
	}
	d.b = d.b[len(stateMagic):]
	*s = state{sources: map[string]*sourceAcc{}}
	n := d.uvarint()
	for i := uint64(0); i < n && d.err == nil; i++ {
		id := d.string()
		a := s.source(id)
		for _, p := range []*int64{&a.records, &a.labelled, &a.explicit, &a.implicit, &a.zh, &a.en, &a.synthetic, &a.mismatch} {
			*p = int64(d.uvarint())
		}
		for _, m := range []map[string]int64{a.where, a.producers} {
			k := d.uvarint()
			for j := uint64(0); j < k && d.err == nil; j++ {
				key := d.string()
				m[key] = int64(d.uvarint())
			}
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return fmt.Errorf("decoding aigc state: %w: %w", ErrState, d.err)
	}
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

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("truncated varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("string of %d bytes past the end", n)
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
