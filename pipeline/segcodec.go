package pipeline

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/prov-ai/prov/schemas"
)

// The chunk encoding (prov-segment/v5, unchanged in v6): uvarint record count, the records,
// uvarint finding count, the findings.
//
// A record is digest (32 bytes), uvarint line, verdict byte, uvarint bytes,
// ref source, ref attribution, uvarint subject count, the subjects as keys
// and its text key: a byte 0 (none) or a byte 1 and 16 bytes. A finding is ref dataset, ref version, ref rule id, ref stage, ref
// severity, ref verdict, key record digest, ref object, locator, ref
// source, string message, string evidence and its figure as 8 bytes (IEEE
// 754 bits, big-endian).
//
// A string is a uvarint length and the bytes. A ref is a string that
// repeats within a chunk: uvarint 0 and the string the first time, then
// uvarint i+1 for the chunk's i-th distinct ref. A key is a byte 1 and 32
// raw bytes for 64 lowercase hex digits (record digests, subject keys),
// else a byte 0 and the string. A locator is a byte 1 and a zigzag varint
// line when it is the finding's object, "#L" and the line (what
// schemas.Locator writes), else a byte 0 and the string.
//
// Findings were four fifths of a segment's bytes in the v2 encoding, which
// spelled every field out: the refs, keys and locators halve a segment.

var errChunk = errors.New("malformed chunk")

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// chunkEncoder appends chunks; refs numbers the current chunk's repeated
// strings. A segment writer keeps one for all its chunks (reset clears it
// between chunks).
type chunkEncoder struct {
	b    []byte
	refs map[string]uint64
	// recent remembers, for each place a ref is written from (a refSite),
	// the last few strings written there and their numbers: most refs
	// repeat the string of the same field a record or finding before (the
	// same source, rule, stage, object), and comparing a few strings (the
	// same string data compares without reading it) costs less than
	// hashing them. A miss goes to refs; the numbers are the same.
	recent [numRefSites][refWays]refEntry
	next   [numRefSites]uint8
}

// refSite names the field a ref is written for.
type refSite uint8

const (
	siteSource refSite = iota
	siteAttrib
	siteDataset
	siteVersion
	siteRule
	siteStage
	siteSeverity
	siteVerdict
	siteObject
	siteFindingSource
	numRefSites
)

// refWays is how many recent strings each site remembers.
const refWays = 4

type refEntry struct {
	s   string
	i   uint64
	set bool
}

// reset starts a chunk.
func (e *chunkEncoder) reset() {
	if e.refs == nil {
		e.refs = map[string]uint64{}
	} else {
		clear(e.refs)
	}
	e.recent = [numRefSites][refWays]refEntry{}
	e.next = [numRefSites]uint8{}
}

func (e *chunkEncoder) ref(site refSite, s string) {
	rs := &e.recent[site]
	for k := range rs {
		// Strings of one site often share a long prefix and differ at
		// the end (attributions end with the record's URL): their last
		// bytes tell most of them apart before a full comparison.
		if rs[k].set && len(rs[k].s) == len(s) && (s == "" || rs[k].s[len(s)-1] == s[len(s)-1]) && rs[k].s == s {
			e.b = binary.AppendUvarint(e.b, rs[k].i+1)
			return
		}
	}
	i, ok := e.refs[s]
	if ok {
		e.b = binary.AppendUvarint(e.b, i+1)
	} else {
		i = uint64(len(e.refs))
		e.refs[s] = i
		e.b = append(e.b, 0)
		e.b = appendStr(e.b, s)
	}
	k := e.next[site]
	rs[k] = refEntry{s: s, i: i, set: true}
	e.next[site] = (k + 1) % refWays
}

// hexVal is the value of each lowercase hex digit, 0xff for other bytes.
var hexVal = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = byte(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = byte(c-'a') + 10
	}
	return t
}()

// key writes s as 32 raw bytes when it is 64 lowercase hex digits, else
// as a string.
func (e *chunkEncoder) key(s string) {
	if len(s) == 64 {
		var raw [33]byte
		raw[0] = 1
		var bad byte
		for i := 0; i < 32; i++ {
			hi, lo := hexVal[s[2*i]], hexVal[s[2*i+1]]
			bad |= hi | lo
			raw[1+i] = hi<<4 | lo&0x0f
		}
		if bad&0xf0 == 0 {
			e.b = append(e.b, raw[:]...)
			return
		}
	}
	e.b = append(e.b, 0)
	e.b = appendStr(e.b, s)
}

// locatorLine returns the line of a locator of the form object#L<line>,
// spelled as schemas.Locator spells it.
func locatorLine(loc, object string) (int64, bool) {
	if !strings.HasPrefix(loc, object) || !strings.HasPrefix(loc[len(object):], "#L") {
		return 0, false
	}
	rest := loc[len(object)+2:]
	n, err := strconv.ParseInt(rest, 10, 64)
	var digits [20]byte
	if err != nil || string(strconv.AppendInt(digits[:0], n, 10)) != rest {
		return 0, false
	}
	return n, true
}

func (e *chunkEncoder) locator(loc, object string) {
	if n, ok := locatorLine(loc, object); ok {
		e.b = append(e.b, 1)
		e.b = binary.AppendVarint(e.b, n)
		return
	}
	e.b = append(e.b, 0)
	e.b = appendStr(e.b, loc)
}

func appendChunk(b []byte, c *segChunk) []byte {
	var e chunkEncoder
	return e.appendChunk(b, c)
}

// appendChunk appends c's encoding to b.
func (e *chunkEncoder) appendChunk(b []byte, c *segChunk) []byte {
	e.reset()
	e.b = b
	e.b = binary.AppendUvarint(e.b, uint64(len(c.Records)))
	for i := range c.Records {
		r := &c.Records[i]
		e.b = append(e.b, r.Digest[:]...)
		e.b = binary.AppendUvarint(e.b, uint64(r.Line))
		e.b = append(e.b, byte(r.Verdict))
		e.b = binary.AppendUvarint(e.b, uint64(r.Bytes))
		e.ref(siteSource, r.Source)
		e.ref(siteAttrib, r.Attrib)
		e.b = binary.AppendUvarint(e.b, uint64(len(r.Subjects)))
		for _, s := range r.Subjects {
			e.key(s)
		}
		if r.TextKey == ([16]byte{}) {
			e.b = append(e.b, 0)
		} else {
			e.b = append(e.b, 1)
			e.b = append(e.b, r.TextKey[:]...)
		}
	}
	e.b = binary.AppendUvarint(e.b, uint64(len(c.Findings)))
	for i := range c.Findings {
		f := &c.Findings[i]
		e.ref(siteDataset, f.Dataset)
		e.ref(siteVersion, f.Version)
		e.ref(siteRule, f.RuleID)
		e.ref(siteStage, f.Stage)
		e.ref(siteSeverity, f.Severity)
		e.ref(siteVerdict, f.Verdict)
		e.key(f.RecordDigest)
		e.ref(siteObject, f.Object)
		e.locator(f.Locator, f.Object)
		e.ref(siteFindingSource, f.Source)
		e.b = appendStr(e.b, f.Message)
		e.b = appendStr(e.b, f.Evidence)
		e.b = binary.BigEndian.AppendUint64(e.b, math.Float64bits(f.Figure))
	}
	b = e.b
	e.b = nil
	return b
}

// chunkDecoder reads the chunk encoding; the first error sticks.
type chunkDecoder struct {
	b   []byte
	err error
	*chunkStrings
	// the last key and locator decoded: a record's findings follow one
	// another and share its digest and line
	lastRaw [32]byte
	lastKey string
	lastObj string
	lastN   int64
	lastLoc string
}

// chunkStrings is what the decoder keeps across the chunks of a segment.
type chunkStrings struct {
	// refs are the current chunk's refs in order of first appearance.
	refs []string
	// lazy marks the refs that are views of the chunk's bytes (records
	// skipped by partFindings), copied when a finding refers to them.
	lazy []bool
	// strs interns ref strings (sources, rule ids, object URIs repeat in
	// every chunk).
	strs map[string]string
}

// chunkPart is what decodeChunkPart decodes.
type chunkPart uint8

const (
	partRecords  chunkPart = iota // the records (seal's pass 1)
	partAll                       // records and findings
	partFindings                  // the findings; the records are only counted (segChunk.skipped)
	// partRecordsViewed is partRecords with each record's Attrib a view
	// of the chunk's bytes (attributions end with the record's URL: a
	// string each), valid until the next chunk is decoded
	partRecordsViewed
)

func newChunkStrings() *chunkStrings { return &chunkStrings{strs: map[string]string{}} }

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

func (d *chunkDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
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

func (d *chunkDecoder) byte1() byte {
	if v := d.bytes(1); v != nil {
		return v[0]
	}
	return 0
}

// str reads a string that rarely repeats (messages, evidence).
func (d *chunkDecoder) str() string {
	b := d.bytes(d.uvarint())
	if len(b) == 0 {
		return ""
	}
	return string(b)
}

// nextRef reads a ref: the 1-based index of an earlier one, or 0 and a
// new value, which it appends to refs as a view of the chunk's bytes
// (lazy). It returns the ref's index in refs, -1 after an error.
func (d *chunkDecoder) nextRef() int {
	i := d.uvarint()
	if d.err != nil {
		return -1
	}
	if i > 0 {
		if i > uint64(len(d.refs)) {
			d.err = errChunk
			return -1
		}
		return int(i - 1)
	}
	b := d.bytes(d.uvarint())
	if d.err != nil {
		return -1
	}
	d.refs = append(d.refs, unsafe.String(unsafe.SliceData(b), len(b)))
	d.lazy = append(d.lazy, true)
	return len(d.refs) - 1
}

// ref reads a ref, interning new strings.
func (d *chunkDecoder) ref() string {
	j := d.nextRef()
	if j < 0 {
		return ""
	}
	if d.lazy[j] {
		d.refs[j], d.lazy[j] = d.intern(d.refs[j]), false
	}
	return d.refs[j]
}

// intern returns a copy of v that outlives the chunk's bytes, the same
// string for repeated values.
func (d *chunkDecoder) intern(v string) string {
	s, ok := d.strs[v]
	if !ok {
		s = strings.Clone(v)
		if len(d.strs) < 4096 {
			d.strs[s] = s
		}
	}
	return s
}

// skipRef reads a ref of a skipped record: a new one is kept as a view of
// the chunk's bytes until a finding refers to it.
func (d *chunkDecoder) skipRef() { d.nextRef() }

// viewRef reads a ref as a view of the chunk's bytes when it is new (and
// when it repeats a view); an interned ref is returned as it is.
func (d *chunkDecoder) viewRef() string {
	j := d.nextRef()
	if j < 0 {
		return ""
	}
	return d.refs[j]
}

// skipKey reads a key of a skipped record.
func (d *chunkDecoder) skipKey() {
	switch d.byte1() {
	case 0:
		d.bytes(d.uvarint())
	case 1:
		d.bytes(32)
	default:
		d.err = errChunk
	}
}

func (d *chunkDecoder) key() string {
	switch d.byte1() {
	case 0:
		return d.str()
	case 1:
		if b := d.bytes(32); b != nil {
			if d.lastKey != "" && [32]byte(b) == d.lastRaw {
				return d.lastKey
			}
			s := make([]byte, 64)
			hex.Encode(s, b)
			d.lastRaw, d.lastKey = [32]byte(b), unsafe.String(&s[0], len(s)) // s is not written again
			return d.lastKey
		}
	default:
		d.err = errChunk
	}
	return ""
}

func (d *chunkDecoder) locator(object string) string {
	switch d.byte1() {
	case 0:
		return d.str()
	case 1:
		n := d.varint()
		if d.err == nil {
			if d.lastLoc != "" && n == d.lastN && object == d.lastObj {
				return d.lastLoc
			}
			// one allocation, as schemas.Locator spells it
			b := make([]byte, 0, len(object)+2+20)
			b = strconv.AppendInt(append(append(b, object...), "#L"...), n, 10)
			d.lastObj, d.lastN, d.lastLoc = object, n, unsafe.String(&b[0], len(b)) // b is not written again
			return d.lastLoc
		}
	default:
		d.err = errChunk
	}
	return ""
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
	return decodeChunkPart(b, c, partAll, newChunkStrings())
}

// decodeChunkPart decodes the part of a chunk seal's pass needs (pass 1
// only the records, the findings pass only the findings and the number of
// records), interning repeated strings in cs.
func decodeChunkPart(b []byte, c *segChunk, part chunkPart, cs *chunkStrings) error {
	cs.refs, cs.lazy = cs.refs[:0], cs.lazy[:0]
	d := chunkDecoder{b: b, chunkStrings: cs}
	n := d.count(39)
	c.Records = c.Records[:0]
	c.skipped = 0
	if part == partFindings {
		for i := 0; i < n && d.err == nil; i++ {
			d.bytes(32)
			d.uvarint()
			d.byte1()
			d.uvarint()
			d.skipRef()
			d.skipRef()
			ns := d.count(1)
			for j := 0; j < ns && d.err == nil; j++ {
				d.skipKey()
			}
			switch d.byte1() {
			case 0:
			case 1:
				d.bytes(16)
			default:
				d.err = errChunk
			}
		}
		c.skipped = n
	}
	for i := 0; i < n && d.err == nil && part != partFindings; i++ {
		var r segRecord
		copy(r.Digest[:], d.bytes(32))
		r.Line = int64(d.uvarint())
		r.Verdict = schemas.Verdict(d.byte1())
		r.Bytes = int64(d.uvarint())
		r.Source = d.ref()
		if part == partRecordsViewed {
			r.Attrib = d.viewRef()
		} else {
			r.Attrib = d.ref()
		}
		if ns := d.count(1); ns > 0 {
			r.Subjects = make([]string, ns)
			for j := range r.Subjects {
				r.Subjects[j] = d.key()
			}
		}
		switch d.byte1() {
		case 0:
		case 1:
			copy(r.TextKey[:], d.bytes(16))
		default:
			d.err = errChunk
		}
		c.Records = append(c.Records, r)
	}
	c.Findings = c.Findings[:0]
	if part == partRecords || part == partRecordsViewed {
		return d.err
	}
	nf := d.count(20)
	for i := 0; i < nf && d.err == nil; i++ {
		var f schemas.Finding
		f.Dataset, f.Version, f.RuleID, f.Stage, f.Severity, f.Verdict = d.ref(), d.ref(), d.ref(), d.ref(), d.ref(), d.ref()
		f.RecordDigest = d.key()
		f.Object = d.ref()
		f.Locator = d.locator(f.Object)
		f.Source = d.ref()
		f.Message, f.Evidence = d.str(), d.str()
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
