package spdxmatch

import (
	"math"
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"
)

// A Prober answers Probe for several stretches of one text, in text order
// (the stretches around a text's licence and copyright words, which
// overlap), hashing each word of the text once: the words of the bytes
// the stretches cover are hashed once, with the shingles they start and
// whether the index holds them, and a stretch whose held shingles cannot
// reach Probe's least count is ruled out from those counts; the other
// stretches are decided as Probe decides, on the same shingles. The
// answers are Probe's (TestProberIsProbe, FuzzProber).
//
// The words of a stretch text[a:b] are those of the hashed bytes that
// lie inside it, plus at most one cut word at each end (the part inside
// the stretch of a word that crosses a or b, hashed again from its
// bytes): a stretch has at most two shingles the counts do not hold.
type Prober struct {
	ix   *Index
	text []byte
	// The region text[lo:hi] is hashed: words are its words (single
	// letters and dropped words left out), held[k] the number of the
	// shingles starting at words 0..k-1 that the index holds. No word
	// is in progress at hi (or hi is len(text)).
	lo, hi int
	words  []probeWord
	held   []int32
	buf    []uint64
	shs    []uint32
}

// probeWord is one word of a Prober's region: its span, hash, and the
// shingle starting at it when the index holds it (held).
type probeWord struct {
	h          uint64
	start, end int32
	s          uint32
	held       bool
}

var proberPool = sync.Pool{New: func() any { return new(Prober) }}

// NewProber returns a Prober of text; Release gives it back.
func (ix *Index) NewProber(text []byte) *Prober {
	p := proberPool.Get().(*Prober)
	p.ix, p.text = ix, text
	p.reset(0)
	return p
}

// Release returns p to the pool; p must not be used after it.
func (p *Prober) Release() {
	p.ix, p.text = nil, nil
	proberPool.Put(p)
}

// reset starts a new region at a.
func (p *Prober) reset(a int) {
	p.lo, p.hi = a, a
	p.words = p.words[:0]
	p.held = append(p.held[:0], 0)
}

// Probe reports ix.Probe(text[a:b], dense) (0 ≤ a ≤ b ≤ len(text)).
// Calls with stretches in text order hash each word once; other orders
// are answered too, hashing again.
func (p *Prober) Probe(a, b, dense int) bool {
	if len(p.text) > math.MaxInt32 {
		return p.ix.Probe(p.text[a:b], dense) // spans are int32
	}
	i, j := p.cover(a, b)
	if j-i < 3 {
		return p.ix.Probe(p.text[a:b], dense)
	}
	// The shingles of words i..j-1, plus at most one for a cut word at
	// each end.
	need := min(dense, minShared)
	inner := int(p.held[j-2] - p.held[i])
	if inner+2 < need {
		return false
	}
	words, pre := p.stretchWords(a, b, i, j)
	if inner+p.cutHeld(words, pre, j-i) < need {
		return false // Probe's first test, before the shingles are listed
	}
	held, total := p.stretchHeld(words, pre, i, j)
	buf := bufPool.Get().(*matchBuf)
	defer bufPool.Put(buf)
	return p.ix.probeHeld(buf, held, total, dense)
}

// cover hashes the region up to b and returns the words inside
// text[a:b]: i is the first word starting at a or after, j is one past
// the last word ending at b or before.
func (p *Prober) cover(a, b int) (i, j int) {
	if a < p.lo || a >= p.hi {
		p.reset(a)
	}
	if b > p.hi {
		p.extend(b)
	}
	ws := p.words
	i = sort.Search(len(ws), func(k int) bool { return int(ws[k].start) >= a })
	j = sort.Search(len(ws), func(k int) bool { return int(ws[k].end) > b })
	return i, j
}

// stretchWords returns wordHashes(text[a:b]) from the words i..j-1 of
// cover(a, b) (i < j) and the bytes before and after them, and the number
// of words before word i.
func (p *Prober) stretchWords(a, b, i, j int) ([]uint64, int) {
	ws := p.words
	words := wordHashes(p.text[a:ws[i].start], p.buf[:0])
	pre := len(words)
	for _, w := range ws[i:j] {
		words = append(words, w.h)
	}
	words = wordHashes(p.text[ws[j-1].end:b], words)
	p.buf = words[:0]
	return words, pre
}

// stretchHeld returns the shingles the index holds of a stretch whose
// words are words (from stretchWords: pre of them before word i of
// cover's i, j; i+3 ≤ j), in order, and the number of its shingles.
func (p *Prober) stretchHeld(words []uint64, pre, i, j int) ([]uint32, int) {
	held := p.shs[:0]
	m := j - i
	// The shingles starting at the cut word before word i, the words'
	// own, and those ending at the cut word after them.
	for k := 0; k < pre; k++ {
		if s := shingle(words[k], words[k+1], words[k+2]); p.ix.holds(s) {
			held = append(held, s)
		}
	}
	for _, w := range p.words[i : j-2] {
		if w.held {
			held = append(held, w.s)
		}
	}
	for k := pre + m - 2; k+2 < len(words); k++ {
		if s := shingle(words[k], words[k+1], words[k+2]); p.ix.holds(s) {
			held = append(held, s)
		}
	}
	p.shs = held[:0]
	return held, len(words) - 2
}

// cutHeld counts the held shingles of a stretch with a cut word (the
// shingles stretchHeld lists besides its words' own).
func (p *Prober) cutHeld(words []uint64, pre, m int) int {
	n := 0
	for k := 0; k < pre; k++ {
		if p.ix.holds(shingle(words[k], words[k+1], words[k+2])) {
			n++
		}
	}
	for k := pre + m - 2; k+2 < len(words); k++ {
		if p.ix.holds(shingle(words[k], words[k+1], words[k+2])) {
			n++
		}
	}
	return n
}

// holds reports whether the index holds shingle s.
func (ix *Index) holds(s uint32) bool {
	if v := s & (1<<presentBits - 1); ix.present[v/64]&(1<<(v%64)) == 0 {
		return false
	}
	lo, hi := ix.postings(s)
	return hi > lo
}

// wordByte maps an ASCII letter or digit to its lower case, another
// ASCII byte to 0 and a non-ASCII byte to nonASCII.
var wordByte = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= utf8.RuneSelf:
			t[c] = nonASCII
		default:
			t[c] = asciiWordByte[c]
		}
	}
	return t
}()

const nonASCII = 0x80

// cjkClass classifies the runes of the CJK Symbols and Punctuation,
// Hiragana and Katakana blocks (U+3000..U+30FF) and of the Halfwidth and
// Fullwidth Forms (U+FF00..U+FFEF), frequent between Han characters:
// classHan, classLetter (a letter or digit, not Han) or classBreak.
var cjkClass = func() (t [2][256]uint8) {
	for k, base := range []rune{0x3000, 0xFF00} {
		for r := base; r < base+256; r++ {
			t[k][r-base] = classOf(r)
		}
	}
	return t
}()

const (
	classBreak uint8 = iota
	classLetter
	classHan
)

// classOf is the class of a non-ASCII rune in wordHashes.
func classOf(r rune) uint8 {
	switch {
	case r >= 0x4E00 && r <= 0x9FFF || r >= 0x2E80 && unicode.Is(unicode.Han, r):
		return classHan
	case r != '©' && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		return classLetter
	}
	return classBreak
}

// extend hashes the words of the region up to b at least, and to the end
// of the word in progress there: wordHashes' words, with their spans.
func (p *Prober) extend(b int) {
	text := p.text
	ix := p.ix
	ix.prefixStart()
	words := p.words
	before := len(words)
	h := uint64(fnvOffset)
	n := 0
	var first byte
	start := 0
	i := p.hi
	for i < len(text) && (i < b || n > 0) {
		c := text[i]
		if l := wordByte[c]; l != nonASCII {
			if l == 0 {
				if n > 0 {
					if keepWord(n, first) {
						if u := unify(h); u != 0 {
							words = append(words, probeWord{start: int32(start), end: int32(i), h: u})
						}
					}
					n, h = 0, fnvOffset
				}
				i++
				continue
			}
			if n == 0 {
				first, start = l, i
			}
			// The rest of an ASCII run of the word.
			for {
				if n < maxWordBytes {
					h = (h ^ uint64(l)) * fnvPrime
				}
				n++
				if i++; i == len(text) {
					break
				}
				if l = wordByte[text[i]]; l == 0 || l == nonASCII {
					break
				}
			}
			continue
		}
		// A Han character of the CJK Unified Ideographs block
		// (U+4E00..U+9FFF, lead bytes E4 B8..E9 BF): a word.
		if c >= 0xE4 && c <= 0xE9 && i+2 < len(text) && (c > 0xE4 || text[i+1] >= 0xB8) &&
			text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80 {
			if n > 0 {
				if keepWord(n, first) {
					if u := unify(h); u != 0 {
						words = append(words, probeWord{start: int32(start), end: int32(i), h: u})
					}
				}
				n, h = 0, fnvOffset
			}
			wh := (uint64(fnvOffset) ^ uint64(c)) * fnvPrime
			wh = (wh ^ uint64(text[i+1])) * fnvPrime
			wh = (wh ^ uint64(text[i+2])) * fnvPrime
			words = append(words, probeWord{start: int32(i), end: int32(i + 3), h: unify(wh)})
			i += 3
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		var class uint8
		switch {
		case r >= 0x3000 && r <= 0x30FF:
			class = cjkClass[0][r-0x3000]
		case r >= 0xFF00 && r <= 0xFFFF:
			class = cjkClass[1][r-0xFF00]
		default:
			class = classOf(r)
		}
		if class == classLetter {
			if n == 0 {
				start = i
			}
			h, n, first = foldRune(h, n, first, r)
			i += size
			continue
		}
		if n > 0 {
			if keepWord(n, first) {
				if u := unify(h); u != 0 {
					words = append(words, probeWord{start: int32(start), end: int32(i), h: u})
				}
			}
			n, h = 0, fnvOffset
		}
		if class == classHan {
			words = append(words, probeWord{start: int32(i), end: int32(i + size), h: hashWord(text[i : i+size])})
		}
		i += size
	}
	if n > 0 && keepWord(n, first) {
		if u := unify(h); u != 0 {
			words = append(words, probeWord{start: int32(start), end: int32(len(text)), h: u})
		}
	}
	p.words, p.hi = words, i
	p.count(before)
}

// count finds the shingles that end at the words from k on and whether
// the index holds them.
func (p *Prober) count(k int) {
	ix, words, held := p.ix, p.words, p.held
	c := held[len(held)-1]
	for n := max(k, 2); n < len(words); n++ {
		w := &words[n-2]
		w.s = shingle(w.h, words[n-1].h, words[n].h)
		if v := w.s & (1<<presentBits - 1); ix.present[v/64]&(1<<(v%64)) != 0 && ix.holds(w.s) {
			w.held = true
			c++
		}
		held = append(held, c)
	}
	p.held = held
}
