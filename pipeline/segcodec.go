package pipeline

import (
	"encoding/binary"
	"errors"
	"math"

	"github.com/prov-ai/prov/schemas"
)

// The chunk encoding: uvarint record count, the records, uvarint finding
// count, the findings. A record is digest (32 bytes), uvarint line, verdict
// byte, uvarint bytes, string source, string attribution, uvarint subject
// count and the subjects. A finding is its string fields in declaration
// order and its figure as 8 bytes (IEEE 754 bits, big-endian). A string is
// a uvarint length and the bytes.

var errChunk = errors.New("malformed chunk")

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendChunk(b []byte, c *segChunk) []byte {
	b = binary.AppendUvarint(b, uint64(len(c.Records)))
	for i := range c.Records {
		r := &c.Records[i]
		b = append(b, r.Digest[:]...)
		b = binary.AppendUvarint(b, uint64(r.Line))
		b = append(b, byte(r.Verdict))
		b = binary.AppendUvarint(b, uint64(r.Bytes))
		b = appendStr(b, r.Source)
		b = appendStr(b, r.Attrib)
		b = binary.AppendUvarint(b, uint64(len(r.Subjects)))
		for _, s := range r.Subjects {
			b = appendStr(b, s)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(c.Findings)))
	for i := range c.Findings {
		f := &c.Findings[i]
		for _, s := range [...]string{f.Dataset, f.Version, f.RuleID, f.Stage, f.Severity, f.Verdict,
			f.RecordDigest, f.Object, f.Locator, f.Source, f.Message, f.Evidence} {
			b = appendStr(b, s)
		}
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(f.Figure))
	}
	return b
}

// chunkDecoder reads the chunk encoding; the first error sticks.
type chunkDecoder struct {
	b   []byte
	err error
	// strs interns the fields that repeat (sources, rule ids, object
	// URIs); it may be shared by the chunks of a segment.
	strs map[string]string
}

func (d *chunkDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errChunk
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *chunkDecoder) bytes(n uint64) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errChunk
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// str reads a string of a field that repeats, interned.
func (d *chunkDecoder) str() string {
	b := d.bytes(d.uvarint())
	if len(b) == 0 {
		return ""
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < 4096 {
		d.strs[s] = s
	}
	return s
}

// uniq reads a string of a field that rarely repeats (digests, locators,
// messages): interning it would only grow the map.
func (d *chunkDecoder) uniq() string {
	b := d.bytes(d.uvarint())
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

// count reads a count and checks it against the bytes left (each item
// takes at least min bytes), so junk cannot force a huge allocation.
func (d *chunkDecoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/min) {
		d.err = errChunk
		return 0
	}
	return int(n)
}

func decodeChunk(b []byte, c *segChunk) error {
	return decodeChunkPart(b, c, true, map[string]string{})
}

// decodeChunkPart decodes the records and, when findings is set, the
// findings (seal's first pass needs only the records), interning repeated
// strings in strs.
func decodeChunkPart(b []byte, c *segChunk, findings bool, strs map[string]string) error {
	d := chunkDecoder{b: b, strs: strs}
	n := d.count(36)
	c.Records = c.Records[:0]
	for i := 0; i < n && d.err == nil; i++ {
		var r segRecord
		copy(r.Digest[:], d.bytes(32))
		r.Line = int64(d.uvarint())
		if v := d.bytes(1); v != nil {
			r.Verdict = schemas.Verdict(v[0])
		}
		r.Bytes = int64(d.uvarint())
		r.Source = d.str()
		r.Attrib = d.str()
		if ns := d.count(1); ns > 0 {
			r.Subjects = make([]string, ns)
			for j := range r.Subjects {
				r.Subjects[j] = d.uniq()
			}
		}
		c.Records = append(c.Records, r)
	}
	c.Findings = c.Findings[:0]
	if !findings {
		return d.err
	}
	nf := d.count(20)
	for i := 0; i < nf && d.err == nil; i++ {
		var f schemas.Finding
		f.Dataset, f.Version, f.RuleID, f.Stage, f.Severity, f.Verdict = d.str(), d.str(), d.str(), d.str(), d.str(), d.str()
		f.RecordDigest, f.Object, f.Locator, f.Source = d.uniq(), d.str(), d.uniq(), d.str()
		f.Message, f.Evidence = d.uniq(), d.uniq()
		if v := d.bytes(8); v != nil {
			f.Figure = math.Float64frombits(binary.BigEndian.Uint64(v))
		}
		c.Findings = append(c.Findings, f)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errChunk
	}
	return d.err
}
