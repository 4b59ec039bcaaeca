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
	// letters and dropped words left out), each with the number of the
	// shingles ending at it or before that the index holds (c): the
	// shingles starting at words 0..k-1 held are words[k+1].c. No word
	// is in progress at hi (or hi is len(text)).
	lo, hi int
	words  []probeWord
	// held lists the held shingles of the region in text order: each
	// with the index of the word that ends it (innerHeld reads a
	// stretch's from here instead of testing every word's count).
	held []heldShingle
	buf  []uint64
	shs  []uint32
	// seen remembers shingles of seenIx found held, by their low bits
	// (a held shingle recurs: a quoted licence sentence, a site's
	// footer), each with bit 32 set.
	seen   [256]uint64
	seenIx *Index
}

// heldShingle is a held shingle of a Prober's region and the index of
// the word that ends it.
type heldShingle struct {
	end int32
	s   uint32
}

// probeWord is one word of a Prober's region: its hash and span, and
// the number of held shingles ending at it or before in the region
// (kept with the word: one store per word).
type probeWord struct {
	h          uint64
	start, end int32
	c          int32
}

var proberPool = sync.Pool{New: func() any { return new(Prober) }}

// NewProber returns a Prober of text; Release gives it back.
func (ix *Index) NewProber(text []byte) *Prober {
	p := proberPool.Get().(*Prober)
	p.ix, p.text = ix, text
	if p.seenIx != ix {
		p.seen, p.seenIx = [256]uint64{}, ix
	}
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
	p.held = p.held[:0]
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
	inner := p.inner(i, j)
	if inner+2 < need {
		return false
	}
	pre, post := p.stretchCuts(a, b, i, j)
	// The held shingles of the cut words first: with the inner count
	// they are all of the stretch's (Probe's first test, before the
	// inner ones are listed and sorted).
	held := p.cutHeld(pre, post, i, j)
	if inner+len(held) < need {
		return false
	}
	held = p.innerHeld(held, i, j)
	total := len(pre) + (j - i) + len(post) - 2
	buf := bufPool.Get().(*matchBuf)
	defer bufPool.Put(buf)
	return p.ix.probeHeld(buf, held, total, dense)
}

// inner returns the number of held shingles of the words i..j-1 of the
// region (i+3 ≤ j): those starting at words i..j-3.
func (p *Prober) inner(i, j int) int { return int(p.words[j-1].c - p.words[i+1].c) }

// heldCount returns the number of held shingles of the region.
func (p *Prober) heldCount() int {
	if n := len(p.words); n > 0 {
		return int(p.words[n-1].c)
	}
	return 0
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

// stretchCuts returns the words of the bytes of text[a:b] before word i
// and after word j-1 of cover(a, b) (i < j): wordHashes(text[a:b]) is
// pre, the words i..j-1 and post. Each is at most the cut part of one
// word.
func (p *Prober) stretchCuts(a, b, i, j int) (pre, post []uint64) {
	ws := p.words
	buf := wordHashes(p.text[a:ws[i].start], p.buf[:0])
	n := len(buf)
	buf = wordHashes(p.text[ws[j-1].end:b], buf)
	p.buf = buf[:0]
	return buf[:n:n], buf[n:]
}

// stretchHeld returns the shingles the index holds of the stretch whose
// words are pre, the words i..j-1 of cover's i, j (i+3 ≤ j) and post
// (from stretchCuts), and the number of its shingles: those starting at
// pre's words, the words' own (counted in held) and those ending at
// post's.
func (p *Prober) stretchHeld(pre, post []uint64, i, j int) ([]uint32, int) {
	return p.innerHeld(p.cutHeld(pre, post, i, j), i, j), len(pre) + (j - i) + len(post) - 2
}

// cutHeld returns the held shingles of the stretch of stretchHeld that
// have a cut word (pre's or post's), in p.shs.
func (p *Prober) cutHeld(pre, post []uint64, i, j int) []uint32 {
	held := p.shs[:0]
	ws := p.words
	for k := range pre {
		// The shingle starting at pre[k]: the words after it.
		var t [3]uint64
		n := copy(t[:], pre[k:])
		copy(t[n:], []uint64{ws[i].h, ws[i+1].h})
		if s := shingle(t[0], t[1], t[2]); p.ix.holds(s) {
			held = append(held, s)
		}
	}
	for k := range post {
		// The shingle ending at post[k]: the two words before it.
		var a, b uint64
		switch {
		case k >= 2:
			a, b = post[k-2], post[k-1]
		case k == 1:
			a, b = ws[j-1].h, post[0]
		default:
			a, b = ws[j-2].h, ws[j-1].h
		}
		if s := shingle(a, b, post[k]); p.ix.holds(s) {
			held = append(held, s)
		}
	}
	p.shs = held[:0]
	return held
}

// innerHeld appends to held the held shingles of the words i..j-1 (the
// ones held counts) and keeps the result in p.shs.
func (p *Prober) innerHeld(held []uint32, i, j int) []uint32 {
	// The shingles starting at words i..j-3 end at words i+2..j-1.
	hs := p.held
	m := sort.Search(len(hs), func(k int) bool { return int(hs[k].end) >= i+2 })
	for ; m < len(hs) && int(hs[m].end) <= j-1; m++ {
		held = append(held, hs[m].s)
	}
	p.shs = held[:0]
	return held
}

// isHeld reports whether the index holds shingle s, which passed the
// presence filter: a shingle found held before is answered from seen.
func (p *Prober) isHeld(s uint32) bool {
	e := &p.seen[s%uint32(len(p.seen))]
	if *e == uint64(s)|1<<32 {
		return true
	}
	if p.ix.holds(s) {
		*e = uint64(s) | 1<<32
		return true
	}
	return false
}

// holds reports whether the index holds shingle s.
func (ix *Index) holds(s uint32) bool {
	if !ix.mayHold(s) {
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
// of the word in progress there: wordHashes' words, with their spans,
// and counts the held shingles that end at them (probeWord.c).
//
// One word is read at a time and emitted at one place, where the
// shingle it ends is formed from the two words before it (kept in
// registers) and looked up: one pass, no second loop over the words.
func (p *Prober) extend(b int) {
	text := p.text
	ix := p.ix
	ix.prefixStart()
	words := p.words
	var c int32
	if n := len(words); n > 0 {
		c = words[n-1].c
	}
	// The hashes of the last two words, for the shingle the next word
	// ends.
	var h1, h2 uint64
	if n := len(words); n >= 2 {
		h2, h1 = words[n-2].h, words[n-1].h
	} else if n == 1 {
		h1 = words[0].h
	}
	i := p.hi
	for i < b {
		l := wordByte[text[i]]
		if l == 0 {
			i++
			continue
		}
		if l == nonASCII && hanAt(text, i) {
			// A run of Han characters of the CJK Unified Ideographs
			// block: each a word, hashed from its three bytes (unify
			// leaves every such hash as it is: TestHanNotSpecial).
			for {
				h := (uint64(fnvOffset) ^ uint64(text[i])) * fnvPrime
				h = (h ^ uint64(text[i+1])) * fnvPrime
				h = (h ^ uint64(text[i+2])) * fnvPrime
				if len(words) >= 2 {
					if s := shingle(h2, h1, h); ix.mayHold(s) && p.isHeld(s) {
						c++
						p.held = append(p.held, heldShingle{end: int32(len(words)), s: s})
					}
				}
				words = append(words, probeWord{h: h, start: int32(i), end: int32(i + 3), c: c})
				h2, h1 = h1, h
				if i += 3; i >= b || !hanAt(text, i) {
					break
				}
			}
			continue
		}
		// A word starts at i: read it whole.
		start := i
		h := uint64(fnvOffset)
		n := 0
		var first byte
		han := false
		for {
			if l != nonASCII {
				// An ASCII run of the word.
				if n == 0 {
					first = l
				}
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
				if l != nonASCII || i == len(text) {
					break // the word ends at a separator or the text's end
				}
			}
			// A non-ASCII byte at i.
			if hanAt(text, i) {
				break // a Han character ends the word in progress (n > 0)
			}
			r, size := decodeRune(text, i)
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
				h, n, first = foldRune(h, n, first, r)
				if i += size; i == len(text) {
					break
				}
				if l = wordByte[text[i]]; l == 0 {
					break
				}
				continue
			}
			if n == 0 {
				if class == classHan {
					h = fnv(text[i : i+size])
					han = true
				}
				i += size
			}
			break // a Han character or a break ends the word in progress
		}
		if !han {
			if n == 0 || !keepWord(n, first) {
				continue // a break, or a single letter
			}
			if h = unify(h); h == 0 {
				continue // a dropped word
			}
		} else {
			h = unify(h)
		}
		// Emit the word and the shingle it ends.
		if len(words) >= 2 {
			s := shingle(h2, h1, h)
			if ix.mayHold(s) && p.isHeld(s) {
				c++
				p.held = append(p.held, heldShingle{end: int32(len(words)), s: s})
			}
		}
		words = append(words, probeWord{h: h, start: int32(start), end: int32(i), c: c})
		h2, h1 = h1, h
	}
	p.words, p.hi = words, i
}

// hanAt reports whether a Han character of the CJK Unified Ideographs
// block (U+4E00..U+9FFF: lead bytes E4 B8..E9 BF and two continuation
// bytes) starts at text[i] (a non-ASCII byte).
func hanAt(text []byte, i int) bool {
	c := text[i]
	return c-0xE4 <= 0xE9-0xE4 && i+2 < len(text) && (c > 0xE4 || text[i+1] >= 0xB8) &&
		text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80
}

// decodeRune is utf8.DecodeRune(text[i:]), with the three-byte sequences
// of U+1000..U+CFFF and U+E000..U+FFFF (CJK punctuation, fullwidth forms)
// decoded inline.
func decodeRune(text []byte, i int) (rune, int) {
	if c := text[i]; c&0xF0 == 0xE0 && c != 0xE0 && c != 0xED && i+2 < len(text) &&
		text[i+1]&0xC0 == 0x80 && text[i+2]&0xC0 == 0x80 {
		return rune(c&0x0F)<<12 | rune(text[i+1]&0x3F)<<6 | rune(text[i+2]&0x3F), 3
	}
	return utf8.DecodeRune(text[i:])
}
