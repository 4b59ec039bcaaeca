package readers

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/prov-ai/prov/schemas"
)

// maxDepth caps JSON nesting: deeper input is an ErrTooDeep record rather
// than unbounded recursion.
const maxDepth = 512

// span locates one extracted value inside extractor.scratch, or inside the
// line itself when inLine is set (strings without escapes are not copied
// until the record's values are built).
type span struct {
	start, end int
	inLine     bool
}

// extractor pulls the mapped top-level fields out of one JSON object line.
// It scans the line once: unmapped values are validated and skipped without
// allocating; mapped values are copied (unescaped or compacted when needed)
// into scratch. It is reused for every line of an object.
type extractor struct {
	names   [schemas.NumFields]string // input key of each logical field ("" = unmapped)
	byLen   [32]uint32                // fields whose key has this length (the last: 31 or more)
	scratch []byte                    // extracted values, back to back
	spans   [schemas.NumFields]span
	has     uint32
	keybuf  []byte // unescaped key when a key holds escapes
	// meta are the values of keys named AIGC (any depth, any ASCII case)
	// outside the mapped fields: implicit AI-generated-content labels.
	meta []metaSpan

	// Position and reason of the last error.
	errAt    int
	errField string
	// badUTF8 is set by scanText: the index in the line of the first
	// invalid UTF-8 sequence of the string it scanned, or -1.
	badUTF8 int

	vals arena // the values handed out in records
	// textMode says whether fill may view the text (see TextMode);
	// viewed is the last text viewed, for poison.
	textMode TextMode
	viewed   []byte

	plan *fieldPlan
	caps []capture // path mode: the values reached
	out  []byte    // path mode: assembled values
}

// metaSpan is one captured metadata value.
type metaSpan struct {
	key span
	val span
}

// isMetaKey reports whether a raw key (without escapes) is AIGC in any
// ASCII case.
func isMetaKey(k []byte) bool {
	return len(k) == 4 && k[0]|0x20 == 'a' && k[1]|0x20 == 'i' && k[2]|0x20 == 'g' && k[3]|0x20 == 'c'
}

// capture records the value at line[i] (already validated, ending at end)
// as a metadata value under the key line[ks:ke]: a string's unescaped
// content, or the compact JSON text of anything else.
func (x *extractor) capture(line []byte, ks, ke, i, end int) error {
	m := metaSpan{key: span{start: ks, end: ke, inLine: true}}
	if line[i] == '"' {
		raw := line[i+1 : end-1]
		if !utf8.Valid(raw) {
			return x.fail(i+1+invalidAt(raw), string(line[ks:ke]), ErrInvalidUTF8)
		}
		start := len(x.scratch)
		var err error
		if x.scratch, err = unescape(x.scratch, raw); err != nil {
			return x.fail(i, string(line[ks:ke]), err)
		}
		m.val = span{start: start, end: len(x.scratch)}
	} else {
		raw := line[i:end]
		if !utf8.Valid(raw) {
			return x.fail(i+invalidAt(raw), string(line[ks:ke]), ErrInvalidUTF8)
		}
		start := len(x.scratch)
		x.scratch = compact(x.scratch, raw)
		m.val = span{start: start, end: len(x.scratch)}
	}
	x.meta = append(x.meta, m)
	return nil
}

func newExtractor(plan *fieldPlan) *extractor {
	x := &extractor{names: plan.names, plan: plan}
	for f, n := range plan.names {
		if n != "" {
			x.byLen[min(len(n), len(x.byLen)-1)] |= 1 << f
		}
	}
	return x
}

// parseLine parses one line with the fast path or the path walker.
func (x *extractor) parseLine(line []byte) error {
	if x.plan.simple {
		return x.parse(line)
	}
	return x.parsePaths(line)
}

// fillLine sets rec from the last successful parseLine.
func (x *extractor) fillLine(rec *schemas.Record, line []byte) {
	if x.plan.simple {
		x.fill(rec, line)
		return
	}
	vals := x.fillPaths(rec, line)
	x.fillMeta(rec, line)
	if x.plan.ann != nil {
		if v, ok := x.plan.ann.assemble(vals); ok {
			rec.Set(schemas.FieldLabels, v)
		}
	}
}

// fail records the position (and field) of an error and returns it.
func (x *extractor) fail(at int, field string, err error) error {
	x.errAt, x.errField = at, field
	return err
}

// parse extracts the mapped fields of line, which holds no line terminator
// and is not blank. On error, x.errAt / x.errField say where.
func (x *extractor) parse(line []byte) error {
	x.scratch = x.scratch[:0]
	x.has = 0
	x.meta = x.meta[:0]
	x.errField = ""
	i := skipWS(line, 0)
	if i >= len(line) {
		return x.fail(i, "", ErrSyntax)
	}
	if line[i] != '{' {
		// Tell a valid non-object value from garbage.
		end, err := x.skipValue(line, i, 1)
		if err != nil {
			return err
		}
		if j := skipWS(line, end); j < len(line) {
			return x.fail(j, "", syntaxAt(line, j))
		}
		return x.fail(i, "", ErrNotObject)
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == '}' {
		return x.trailing(line, i+1)
	}
	for {
		if i >= len(line) {
			return x.fail(i, "", ErrSyntax)
		}
		if line[i] != '"' {
			return x.fail(i, "", syntaxAt(line, i))
		}
		end, esc, err := x.scanString(line, i+1)
		if err != nil {
			return err
		}
		key := line[i+1 : end]
		if esc {
			x.keybuf, err = unescape(x.keybuf[:0], key)
			if err != nil {
				return x.fail(i, "", err)
			}
			key = x.keybuf
		}
		mask := x.match(key)
		i = skipWS(line, end+1)
		if i >= len(line) || line[i] != ':' {
			return x.fail(i, "", syntaxAt(line, i))
		}
		i = skipWS(line, i+1)
		if i >= len(line) {
			return x.fail(i, "", ErrSyntax)
		}
		if mask == 0 {
			v := i
			i, err = x.skipValue(line, i, 2)
			if err == nil && !esc && isMetaKey(key) && line[v] != 'n' {
				err = x.capture(line, end-4, end, v, i)
			}
		} else {
			i, err = x.extract(line, i, mask)
		}
		if err != nil {
			return err
		}
		i = skipWS(line, i)
		if i >= len(line) {
			return x.fail(i, "", ErrSyntax)
		}
		switch line[i] {
		case ',':
			i = skipWS(line, i+1)
		case '}':
			return x.trailing(line, i+1)
		default:
			return x.fail(i, "", syntaxAt(line, i))
		}
	}
}

// trailing checks that only white space follows the object.
func (x *extractor) trailing(line []byte, i int) error {
	if j := skipWS(line, i); j < len(line) {
		return x.fail(j, "", syntaxAt(line, j))
	}
	return nil
}

// match returns the set of logical fields mapped to key.
func (x *extractor) match(key []byte) uint32 {
	var m uint32
	for c := x.byLen[min(len(key), len(x.byLen)-1)]; c != 0; c &= c - 1 {
		f := bits.TrailingZeros32(c)
		if x.names[f] == string(key) {
			m |= 1 << f
		}
	}
	return m
}

// fieldName names the input key of the lowest field in mask.
func (x *extractor) fieldName(mask uint32) string {
	return x.names[bits.TrailingZeros32(mask)]
}

// set records scratch[start:] as the value of every field in mask.
func (x *extractor) set(mask uint32, start int) {
	x.setSpan(mask, span{start: start, end: len(x.scratch)})
}

func (x *extractor) setSpan(mask uint32, sp span) {
	for m := mask; m != 0; m &= m - 1 {
		x.spans[bits.TrailingZeros32(m)] = sp
	}
	x.has |= mask
}

// fill sets rec's Values and Has from the last successful parse of line,
// the values copied back to back into the arena; with x.textMode
// TextViewed the text is a view of line or scratch instead.
func (x *extractor) fill(rec *schemas.Record, line []byte) {
	has := x.has
	x.viewed = nil
	if x.textMode != TextCopied && has&(1<<schemas.FieldText) != 0 {
		// Neither line nor scratch is written to before the next line
		// is read, after the callback returned.
		sp := x.spans[schemas.FieldText]
		var b []byte
		if sp.inLine {
			b = line[sp.start:sp.end]
		} else {
			b = x.scratch[sp.start:sp.end]
		}
		rec.Values[schemas.FieldText] = unsafe.String(unsafe.SliceData(b), len(b))
		x.viewed = b
		has &^= 1 << schemas.FieldText
	}
	total := 0
	for f := range x.spans {
		if has&(1<<f) != 0 {
			total += x.spans[f].end - x.spans[f].start
		}
	}
	sb, start := x.vals.reserve(total)
	var at [schemas.NumFields]int
	for f, sp := range x.spans {
		if has&(1<<f) == 0 {
			continue
		}
		at[f] = sb.Len() - start
		if sp.inLine {
			sb.Write(line[sp.start:sp.end])
		} else {
			sb.Write(x.scratch[sp.start:sp.end])
		}
	}
	all := sb.String()[start:]
	for f, sp := range x.spans {
		if has&(1<<f) != 0 {
			rec.Values[f] = all[at[f] : at[f]+sp.end-sp.start]
		}
	}
	rec.Has = x.has
	x.fillMeta(rec, line)
}

// poison overwrites the text fill viewed last when x.textMode is
// TextViewedPoisoned (the record's callback has returned).
func (x *extractor) poison() {
	if x.textMode == TextViewedPoisoned {
		for i := range x.viewed {
			x.viewed[i] = '#'
		}
	}
	x.viewed = nil
}

// arenaChunk is the size of the blocks record values are copied into.
const arenaChunk = 64 << 10

// arena holds the strings handed out as record values. Values must outlive
// the read buffer, which is reused for the next lines, so they are copied;
// copying them back to back into 64 KiB blocks costs one allocation per
// block instead of one per record. Bytes handed out are never written
// again (a strings.Builder only appends), so the strings are immutable.
// A kept value keeps its block alive: stages that keep values beyond the
// record clone them (strings.Clone), as they must anyway.
type arena struct {
	sb strings.Builder
}

// reserve returns the builder to write the next n bytes to and the offset
// they start at: the current block when they fit, else a new block, or a
// builder of their own when they are over a quarter of a block (so a big
// value neither wastes the rest of a block nor pins small values).
func (a *arena) reserve(n int) (*strings.Builder, int) {
	if n > arenaChunk/4 {
		sb := new(strings.Builder)
		sb.Grow(n)
		return sb, 0
	}
	if a.sb.Cap()-a.sb.Len() < n {
		a.sb = strings.Builder{}
		a.sb.Grow(arenaChunk)
	}
	return &a.sb, a.sb.Len()
}

// copy returns a string holding b, from the arena.
func (a *arena) copy(b []byte) string {
	sb, start := a.reserve(len(b))
	sb.Write(b)
	return sb.String()[start:]
}

// fillMeta sets rec.Meta from the AIGC values captured.
func (x *extractor) fillMeta(rec *schemas.Record, line []byte) {
	if len(x.meta) > 0 {
		rec.Meta = make([]schemas.MetaValue, len(x.meta))
		for k, m := range x.meta {
			rec.Meta[k] = schemas.MetaValue{Where: "json", Key: string(line[m.key.start:m.key.end]),
				Value: string(x.scratch[m.val.start:m.val.end])}
		}
	}
}

// extract copies the value at line[i] into scratch for the fields in mask
// and returns the index after it.
func (x *extractor) extract(line []byte, i int, mask uint32) (int, error) {
	start := len(x.scratch)
	switch c := line[i]; c {
	case '"':
		end, esc, err := x.scanText(line, i+1)
		if err != nil {
			x.errField = x.fieldName(mask)
			return 0, err
		}
		raw := line[i+1 : end]
		if x.badUTF8 >= 0 {
			return 0, x.fail(x.badUTF8, x.fieldName(mask), ErrInvalidUTF8)
		}
		if esc {
			x.scratch, err = unescape(x.scratch, raw)
			if err != nil {
				return 0, x.fail(i, x.fieldName(mask), err)
			}
			x.set(mask, start)
		} else {
			x.setSpan(mask, span{start: i + 1, end: end, inLine: true})
		}
		return end + 1, nil
	case 'n':
		end, err := x.skipValue(line, i, 2)
		if err != nil {
			return 0, err
		}
		// JSON null: the field is absent (a later duplicate key may set it).
		x.has &^= mask
		return end, nil
	case '{', '[':
		end, err := x.skipValue(line, i, 2)
		if err != nil {
			return 0, err
		}
		raw := line[i:end]
		if !utf8.Valid(raw) {
			return 0, x.fail(i+invalidAt(raw), x.fieldName(mask), ErrInvalidUTF8)
		}
		x.scratch = compact(x.scratch, raw)
		x.set(mask, start)
		return end, nil
	default: // number, true, false
		end, err := x.skipValue(line, i, 2)
		if err != nil {
			return 0, err
		}
		x.scratch = append(x.scratch, line[i:end]...)
		x.set(mask, start)
		return end, nil
	}
}

// skipValue validates the JSON value at line[i] (at nesting depth) and
// returns the index after it. It does not allocate.
func (x *extractor) skipValue(line []byte, i, depth int) (int, error) {
	if i >= len(line) {
		return 0, x.fail(i, "", ErrSyntax)
	}
	switch c := line[i]; c {
	case '"':
		end, _, err := x.scanString(line, i+1)
		if err != nil {
			return 0, err
		}
		return end + 1, nil
	case '{', '[':
		if depth > maxDepth {
			return 0, x.fail(i, "", ErrTooDeep)
		}
		return x.skipContainer(line, i, depth)
	case 't':
		return x.literal(line, i, "true")
	case 'f':
		return x.literal(line, i, "false")
	case 'n':
		return x.literal(line, i, "null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return x.number(line, i)
		}
		return 0, x.fail(i, "", syntaxAt(line, i))
	}
}

// skipContainer skips the object or array opening at line[i].
func (x *extractor) skipContainer(line []byte, i, depth int) (int, error) {
	obj := line[i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == closer {
		return i + 1, nil
	}
	for {
		if obj {
			if i >= len(line) || line[i] != '"' {
				return 0, x.fail(i, "", syntaxAt(line, i))
			}
			ks := i + 1
			end, esc, err := x.scanString(line, ks)
			if err != nil {
				return 0, err
			}
			i = skipWS(line, end+1)
			if i >= len(line) || line[i] != ':' {
				return 0, x.fail(i, "", syntaxAt(line, i))
			}
			v := skipWS(line, i+1)
			if i, err = x.skipValue(line, v, depth+1); err != nil {
				return 0, err
			}
			if !esc && isMetaKey(line[ks:end]) && line[v] != 'n' {
				if err := x.capture(line, ks, end, v, i); err != nil {
					return 0, err
				}
			}
		} else {
			var err error
			if i, err = x.skipValue(line, i, depth+1); err != nil {
				return 0, err
			}
		}
		i = skipWS(line, i)
		if i >= len(line) {
			return 0, x.fail(i, "", ErrSyntax)
		}
		switch line[i] {
		case ',':
			i = skipWS(line, i+1)
		case closer:
			return i + 1, nil
		default:
			return 0, x.fail(i, "", syntaxAt(line, i))
		}
	}
}

func (x *extractor) literal(line []byte, i int, lit string) (int, error) {
	if len(line)-i < len(lit) || string(line[i:i+len(lit)]) != lit {
		return 0, x.fail(i, "", ErrSyntax)
	}
	return i + len(lit), nil
}

// number validates a JSON number at line[i].
func (x *extractor) number(line []byte, i int) (int, error) {
	start := i
	if line[i] == '-' {
		i++
	}
	switch {
	case i < len(line) && line[i] == '0':
		i++
	case i < len(line) && line[i] >= '1' && line[i] <= '9':
		i = digits(line, i+1)
	default:
		return 0, x.fail(start, "", ErrSyntax)
	}
	if i < len(line) && line[i] == '.' {
		j := digits(line, i+1)
		if j == i+1 {
			return 0, x.fail(i, "", ErrSyntax)
		}
		i = j
	}
	if i < len(line) && (line[i] == 'e' || line[i] == 'E') {
		i++
		if i < len(line) && (line[i] == '+' || line[i] == '-') {
			i++
		}
		j := digits(line, i)
		if j == i {
			return 0, x.fail(i, "", ErrSyntax)
		}
		i = j
	}
	return i, nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// special returns a mask with the high bit set in the first byte of x (in
// little-endian order) that is '"', '\\' or a control character below 0x20.
// Bytes after the first match may be flagged spuriously; callers use only
// the lowest set bit.
func special(x uint64) uint64 {
	q := x ^ (lo8 * '"')
	b := x ^ (lo8 * '\\')
	m := ((q - lo8) &^ q) | ((b - lo8) &^ b) | ((x - lo8*0x20) &^ x)
	return m & hi8
}

// specialOrHigh is special that also flags bytes >= 0x80, with fewer
// operations: once high bytes count, special's guards against them (the
// &^ terms) can go. The lowest set bit is exact, as in special: a borrow
// only runs upward from a flagged byte.
func specialOrHigh(x uint64) uint64 {
	q := x ^ (lo8 * '"')
	b := x ^ (lo8 * '\\')
	return (x | (x - lo8*0x20) | (q - lo8) | (b - lo8)) & hi8
}

// escapeEnd checks the escape sequence at line[i] (a backslash inside a
// string) and returns the index after it.
func (x *extractor) escapeEnd(line []byte, i int) (int, error) {
	if i+1 >= len(line) {
		return 0, x.fail(i, "", ErrSyntax)
	}
	switch line[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, nil
	case 'u':
		if i+6 > len(line) || !isHex4(line[i+2:i+6]) {
			return 0, x.fail(i, "", ErrSyntax)
		}
		return i + 6, nil
	}
	return 0, x.fail(i, "", ErrSyntax)
}

// scanString scans a JSON string body starting at line[i] (after the
// opening quote) and returns the index of the closing quote and whether the
// body holds escapes. It validates escapes and rejects raw control bytes.
func (x *extractor) scanString(line []byte, i int) (int, bool, error) {
	esc := false
	for {
		for i+8 <= len(line) {
			if m := special(binary.LittleEndian.Uint64(line[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(line) {
			c := line[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		if i >= len(line) {
			return 0, false, x.fail(i, "", ErrSyntax)
		}
		switch c := line[i]; c {
		case '"':
			return i, esc, nil
		case '\\':
			esc = true
			var err error
			if i, err = x.escapeEnd(line, i); err != nil {
				return 0, false, err
			}
		case 0:
			return 0, false, x.fail(i, "", ErrNUL)
		default:
			return 0, false, x.fail(i, "", errControl)
		}
	}
}

// scanText is scanString for a value whose text must be valid UTF-8: in the
// same pass it validates the body's UTF-8 and sets x.badUTF8 to the index
// in line of the first invalid sequence, or -1. Syntax errors come first:
// a string that does not scan is reported as such whatever its UTF-8.
// Runs of ASCII go 8 bytes at a time; only non-ASCII bytes are decoded, so
// each byte is read once (scanString then utf8.Valid read it twice).
func (x *extractor) scanText(line []byte, i int) (int, bool, error) {
	esc := false
	bad := -1
	for {
		for i+8 <= len(line) {
			w := binary.LittleEndian.Uint64(line[i:])
			if m := specialOrHigh(w); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(line) {
			return 0, false, x.fail(i, "", ErrSyntax)
		}
		switch c := line[i]; {
		case c >= 0x80:
			// A non-ASCII run (no special byte is >= 0x80, and a valid
			// sequence never runs past an ASCII byte). Fast path: 3-byte
			// sequences (most of CJK) whose lead byte admits any
			// continuation byte, four then two at a time.
			for i+14 <= len(line) && twoPlain3(binary.LittleEndian.Uint64(line[i:])) &&
				twoPlain3(binary.LittleEndian.Uint64(line[i+6:])) {
				i += 12
			}
			for i < len(line) && line[i] >= 0x80 {
				if i+8 <= len(line) && twoPlain3(binary.LittleEndian.Uint64(line[i:])) {
					i += 6
					continue
				}
				n := runeLen(line[i:])
				if n == 0 {
					if bad < 0 {
						bad = i
					}
					n = 1
				}
				i += n
			}
		case c == '"':
			x.badUTF8 = bad
			return i, esc, nil
		case c == '\\':
			esc = true
			var err error
			if i, err = x.escapeEnd(line, i); err != nil {
				return 0, false, err
			}
		case c == 0:
			return 0, false, x.fail(i, "", ErrNUL)
		case c < 0x20:
			return 0, false, x.fail(i, "", errControl)
		default: // ASCII in the last 7 bytes of the line
			i++
		}
	}
}

// twoPlain3 reports whether the first 6 bytes of w (little-endian) are two
// 3-byte UTF-8 sequences whose lead bytes admit any continuation byte
// (0xe1-0xec, 0xee, 0xef: not 0xe0 nor 0xed, whose second byte is narrowed).
func twoPlain3(w uint64) bool {
	return w&0xc0c0f0c0c0f0 == 0x8080e08080e0 && plain3(byte(w)) && plain3(byte(w>>24))
}

// plain3 reports whether c (0xe0-0xef) is neither 0xe0 nor 0xed.
func plain3(c byte) bool { return c != 0xe0 && c != 0xed }

// runeLen returns the length of the valid UTF-8 sequence that b starts
// with (b[0] >= 0x80), or 0 when it is invalid: a bad or unexpected
// continuation byte, an overlong form, a surrogate, a code point above
// U+10FFFF or a sequence cut short. It accepts exactly what utf8.Valid
// accepts.
func runeLen(b []byte) int {
	c := b[0]
	switch {
	case c < 0xc2:
		return 0
	case c < 0xe0:
		if len(b) >= 2 && b[1]&0xc0 == 0x80 {
			return 2
		}
	case c < 0xf0:
		lo, hi := byte(0x80), byte(0xbf)
		switch c {
		case 0xe0:
			lo = 0xa0
		case 0xed:
			hi = 0x9f
		}
		if len(b) >= 3 && b[1] >= lo && b[1] <= hi && b[2]&0xc0 == 0x80 {
			return 3
		}
	case c < 0xf5:
		lo, hi := byte(0x80), byte(0xbf)
		switch c {
		case 0xf0:
			lo = 0x90
		case 0xf4:
			hi = 0x8f
		}
		if len(b) >= 4 && b[1] >= lo && b[1] <= hi && b[2]&0xc0 == 0x80 && b[3]&0xc0 == 0x80 {
			return 4
		}
	}
	return 0
}

var errControl = wrapDetail(ErrSyntax, "control character in string")

type detailError struct {
	sentinel error
	detail   string
}

func (e *detailError) Error() string { return e.sentinel.Error() + ": " + e.detail }
func (e *detailError) Unwrap() error { return e.sentinel }

// wrapDetail adds a fixed detail to a sentinel without fmt at parse time.
func wrapDetail(sentinel error, detail string) error {
	return &detailError{sentinel, detail}
}

// syntaxAt is the error for an unexpected byte at line[i].
func syntaxAt(line []byte, i int) error {
	if i < len(line) && line[i] == 0 {
		return ErrNUL
	}
	return ErrSyntax
}

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if !isHex(c) {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// unescape appends the decoded JSON string body raw (already validated by
// scanString) to dst. Lone surrogates become U+FFFD, as in encoding/json.
func unescape(dst, raw []byte) ([]byte, error) {
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\\')
		if i < 0 {
			i = len(raw)
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		if len(raw) == 0 {
			break
		}
		if len(raw) < 2 {
			return dst, ErrSyntax
		}
		switch raw[1] {
		case '"', '\\', '/':
			dst = append(dst, raw[1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			if len(raw) < 6 || !isHex4(raw[2:6]) {
				return dst, ErrSyntax
			}
			r := hexVal(raw[2:6])
			raw = raw[6:]
			if utf16.IsSurrogate(r) {
				if len(raw) >= 6 && raw[0] == '\\' && raw[1] == 'u' && isHex4(raw[2:6]) {
					if r2 := utf16.DecodeRune(r, hexVal(raw[2:6])); r2 != utf8.RuneError {
						raw = raw[6:]
						dst = utf8.AppendRune(dst, r2)
						continue
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, ErrSyntax
		}
		raw = raw[2:]
	}
	return dst, nil
}

// compact appends the valid JSON value raw to dst without insignificant
// white space; strings are copied as they are.
func compact(dst, raw []byte) []byte {
	inStr := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inStr {
			dst = append(dst, c)
			switch c {
			case '\\':
				i++
				dst = append(dst, raw[i])
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
		case '"':
			inStr = true
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// skipWS returns the index of the first non-white-space byte at or after i.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// invalidAt returns the offset of the first invalid UTF-8 sequence in b.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

// isBlank reports whether line holds only white space.
func isBlank(line []byte) bool { return skipWS(line, 0) == len(line) }
