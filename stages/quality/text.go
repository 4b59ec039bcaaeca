package quality

import (
	"cmp"
	"hash/maphash"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"
)

// textStats are the per-record figures of one pass over a text.
type textStats struct {
	bytes, chars   int
	nonSpace       int // characters that are not white space
	letters        int
	han, kana      int // CJK ideographs; hiragana + katakana
	hangul         int
	scripts        scriptCounts // letters per script (han, kana, hangul included)
	words          int          // white-space separated runs without CJK characters
	wordChars      int
	tokens         int64
	invalid        bool // not valid UTF-8
	lines, dupLine int  // non-empty lines; lines equal to an earlier one
	lineChars      int
	dupLineChars   int
	paras, dupPara int
	paraChars      int
	dupParaChars   int
}

// lineSeed hashes lines and word n-grams for equality tests inside one
// record only, so a per-process random seed does not affect any figure.
var lineSeed = maphash.MakeSeed()

// spanHash is a line or paragraph: its hash and its length in characters.
type spanHash struct {
	h uint64
	n int
}

// scratch holds per-worker buffers reused across records.
type scratch struct {
	lines, paras []spanHash
	grams        []spanHash
	gramTable    []gramSlot
}

// gramSlot is one distinct 2-gram in topBigramShare's hash table: its
// hash and the characters of its occurrences (0 for an empty slot: a
// 2-gram has at least two characters).
type gramSlot struct {
	h   uint64
	sum int
}

const (
	clsSpace = 1 << iota
	clsLetter
	clsNewline
)

var asciiClass = func() (t [128]uint8) {
	for c := 0; c < 128; c++ {
		switch {
		case c == '\n':
			t[c] = clsSpace | clsNewline
		case c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f':
			t[c] = clsSpace
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = clsLetter
		}
	}
	return t
}()

func isHan(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x20000 && r <= 0x2FA1F)
}

// scanText measures s in one pass. Tokens are estimated without a
// tokenizer: every CJK character (Han, kana, Hangul) counts 1 and every
// other white-space separated word counts ceil(characters/4).
func scanText(s string, sc *scratch) textStats {
	var st textStats
	st.bytes = len(s)
	lines := sc.lines[:0]
	paras := sc.paras[:0]
	var (
		chars, nonSpace, letters, latin int // latin: ASCII letters
		words, wordChars, wordLen       int
		tokens                          int64
		lineStart, lineRunes, lineNS    int
		paraStart, paraEnd, paraRunes   int
	)
	i := 0
	for i <= len(s) {
		var c byte = '\n' // the end of the text ends the last line
		if i < len(s) {
			c = s[i]
		}
		if c < utf8.RuneSelf {
			cls := asciiClass[c]
			if cls&clsSpace == 0 {
				// A run of ASCII non-space bytes: each is one character,
				// not white space, part of a word, a letter when its
				// class says so.
				j := i + 1
				l := int(cls&clsLetter) / clsLetter
				for j < len(s) {
					if j+8 <= len(s) {
						// Eight bytes at a time up to the first that is
						// not printable ASCII (white space, a control
						// byte or a multi-byte rune), its letters counted
						// from a mask.
						x := load64(s, j)
						sp := special8(x)
						k := 8
						if sp != 0 {
							k = bits.TrailingZeros64(sp) >> 3
						}
						l += bits.OnesCount64(letters8(x) & (1<<(8*k) - 1))
						j += k
						if k == 8 {
							continue
						}
					}
					d := s[j]
					if d >= utf8.RuneSelf {
						break
					}
					dc := asciiClass[d]
					if dc&clsSpace != 0 {
						break
					}
					l += int(dc&clsLetter) / clsLetter
					j++
				}
				n := j - i
				chars += n
				lineRunes += n
				nonSpace += n
				wordLen += n
				letters += l
				latin += l
				i = j
				continue
			}
			if wordLen > 0 {
				words++
				wordChars += wordLen
				tokens += int64((wordLen + 3) / 4)
				wordLen = 0
			}
			if cls&clsNewline == 0 {
				chars++
				lineRunes++
				i++
				continue
			}
			if i < len(s) {
				chars++
			}
			// End of a line: blank lines end paragraphs.
			if nonSpace > lineNS {
				lines = append(lines, spanHash{maphash.String(lineSeed, s[lineStart:i]), lineRunes})
				if paraRunes == 0 {
					paraStart = lineStart
				}
				paraRunes += lineRunes
				paraEnd = i
			} else if paraRunes > 0 {
				paras = append(paras, spanHash{maphash.String(lineSeed, s[paraStart:paraEnd]), paraRunes})
				paraRunes = 0
			}
			i++
			lineStart, lineRunes, lineNS = i, 0, nonSpace
			continue
		}
		if c >= 0xE4 && c <= 0xE9 {
			// A run of Han ideographs of U+4E00–U+9FFF (most CJK text):
			// letters and one token each, and each ends a word.
			j := i
			for j+2 < len(s) && s[j] >= 0xE4 && s[j] <= 0xE9 && s[j+1]&0xC0 == 0x80 && s[j+2]&0xC0 == 0x80 &&
				(s[j] != 0xE4 || s[j+1] >= 0xB8) {
				j += 3
			}
			if n := (j - i) / 3; n > 0 {
				if wordLen > 0 {
					words++
					wordChars += wordLen
					tokens += int64((wordLen + 3) / 4)
					wordLen = 0
				}
				chars += n
				lineRunes += n
				nonSpace += n
				letters += n
				st.han += n
				tokens += int64(n)
				i = j
				continue
			}
		}
		var r rune
		var size int
		if c&0xF0 == 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(c != 0xE0 || s[i+1] >= 0xA0) && (c != 0xED || s[i+1] < 0xA0) {
			// Inline 3-byte decode: the bulk of CJK text.
			r = rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			size = 3
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		chars++
		lineRunes++
		nonSpace++
		cjk := false
		switch {
		case r == utf8.RuneError && size == 1:
			st.invalid = true
			wordLen++
		case isHan(r):
			st.han++
			letters++
			cjk = true
		case r >= 0x3040 && r <= 0x30FF:
			st.kana++
			letters++
			cjk = true
		case (r >= 0xAC00 && r <= 0xD7AF) || (r >= 0x1100 && r <= 0x11FF):
			st.hangul++
			letters++
			cjk = true
		case r >= 0x3000 && r <= 0x303F, r >= 0xFF00 && r <= 0xFF0F:
			// CJK punctuation: a token of its own, not a letter.
			cjk = true
		case unicode.IsSpace(r):
			nonSpace--
			if wordLen > 0 {
				words++
				wordChars += wordLen
				tokens += int64((wordLen + 3) / 4)
				wordLen = 0
			}
		default:
			wordLen++
			if unicode.IsLetter(r) {
				letters++
				st.scripts[scriptOf(r)]++
			}
		}
		if cjk {
			tokens++
			if wordLen > 0 {
				words++
				wordChars += wordLen
				tokens += int64((wordLen + 3) / 4)
				wordLen = 0
			}
		}
	}
	if paraRunes > 0 {
		paras = append(paras, spanHash{maphash.String(lineSeed, s[paraStart:paraEnd]), paraRunes})
	}
	st.chars, st.nonSpace, st.letters = chars, nonSpace, letters
	st.scripts[scLatin] += latin
	st.scripts[scHan] += st.han
	st.scripts[scKana] += st.kana
	st.scripts[scHangul] += st.hangul
	st.words, st.wordChars, st.tokens = words, wordChars, tokens
	sc.lines, sc.paras = lines, paras
	st.lines, st.dupLine, st.lineChars, st.dupLineChars = countDups(lines)
	st.paras, st.dupPara, st.paraChars, st.dupParaChars = countDups(paras)
	return st
}

// countDups counts the spans whose hash equals an earlier span's (sorting
// them by hash when there are many).
func countDups(sp []spanHash) (n, dup, chars, dupChars int) {
	n = len(sp)
	for _, x := range sp {
		chars += x.n
	}
	if n < 2 {
		return n, 0, chars, 0
	}
	if n <= 16 {
		// Few spans (most records): compare each with the earlier ones,
		// cheaper than sorting.
		for i := 1; i < n; i++ {
			for j := 0; j < i; j++ {
				if sp[j].h == sp[i].h {
					dup++
					dupChars += sp[i].n
					break
				}
			}
		}
		return n, dup, chars, dupChars
	}
	slices.SortFunc(sp, func(a, b spanHash) int { return cmp.Compare(a.h, b.h) })
	for i := 1; i < n; i++ {
		if sp[i].h == sp[i-1].h {
			dup++
			dupChars += sp[i].n
		}
	}
	return n, dup, chars, dupChars
}

// topBigramShare is the Gopher "top 2-gram character share": the characters
// covered by the most frequent word 2-gram over all word characters. It is
// computed only for sampled records (it costs a sort per record).
func topBigramShare(s string, sc *scratch) float64 {
	sc.grams = sc.grams[:0]
	var total int
	var prevHash uint64
	prevN := -1 // characters of the previous word; -1 before the first
	i := 0
	for i < len(s) {
		for i < len(s) {
			if c := s[i]; c < utf8.RuneSelf {
				if asciiClass[c]&clsSpace == 0 {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsSpace(r) {
				break
			}
			i += size
		}
		// One pass over the word: its end and its characters (a byte
		// that is not valid UTF-8 counts as one, as in
		// utf8.RuneCountInString).
		start, n := i, 0
		for i < len(s) {
			if c := s[i]; c < utf8.RuneSelf {
				if asciiClass[c]&clsSpace != 0 {
					break
				}
				i++
			} else if (c >= 0xE3 && c <= 0xEC || c >= 0xEE) && c <= 0xEF && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
				(c != 0xE3 || s[i+1] != 0x80 || s[i+2] != 0x80) {
				// A valid 3-byte rune of U+3001–U+CFFF (CJK) or
				// U+E000–U+FFFF (fullwidth punctuation): never white space
				// (U+3000 is the only space from U+3000 on).
				i += 3
			} else {
				r, size := utf8.DecodeRuneInString(s[i:])
				if unicode.IsSpace(r) {
					break
				}
				i += size
			}
			n++
		}
		if i == start {
			break
		}
		total += n
		wh := wordHash(s, start, i)
		if prevN >= 0 {
			h := prevHash ^ (wh * 0x9E3779B97F4A7C15)
			sc.grams = append(sc.grams, spanHash{h, prevN + n})
		}
		prevHash, prevN = wh, n
	}
	if len(sc.grams) < 2 || total == 0 {
		return 0
	}
	// The most frequent 2-gram by characters: sum the characters of each
	// distinct hash in an open-addressing table (every n is positive, so
	// the largest sum of a hash seen at least twice is the answer).
	size := 16
	for size < 2*len(sc.grams) {
		size *= 2
	}
	if cap(sc.gramTable) < size {
		sc.gramTable = make([]gramSlot, size)
	} else {
		sc.gramTable = sc.gramTable[:size]
		clear(sc.gramTable)
	}
	table, mask := sc.gramTable, uint64(size-1)
	best := 0
	for _, g := range sc.grams {
		// g.h mixes two word hashes that are already uniform (mix64 or
		// maphash): its low bits place it.
		for i := g.h & mask; ; i = (i + 1) & mask {
			sl := &table[i]
			if sl.sum == 0 {
				*sl = gramSlot{h: g.h, sum: g.n}
				break
			}
			if sl.h == g.h {
				// Only repeated 2-grams count: a text of distinct words
				// has share 0.
				sl.sum += g.n
				best = max(best, sl.sum)
				break
			}
		}
	}
	return min(1, float64(best)/float64(total))
}

// load64 returns the 8 bytes of s from i, little-endian.
func load64(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

const (
	bytesHigh = 0x8080808080808080
	bytesLow7 = 0x7F7F7F7F7F7F7F7F
	bytesOne  = 0x0101010101010101
)

// special8 has the top bit of each byte of x that is not printable ASCII
// (0x21–0x7F): ≥ 0x80, or ≤ 0x20 (space, the ASCII white space and the
// other control bytes). No addition carries into the next byte.
func special8(x uint64) uint64 {
	return (x | ^((x & bytesLow7) + 0x5F*bytesOne)) & bytesHigh
}

// letters8 has the top bit of each byte of x that is an ASCII letter
// (b|0x20 in 'a'..'z'); bytes ≥ 0x80 give garbage (callers mask them).
func letters8(x uint64) uint64 {
	u := (x | 0x20*bytesOne) & bytesLow7
	return (u + 0x1F*bytesOne) &^ (u + 0x05*bytesOne) & bytesHigh
}

// wordHash hashes the word s[start:end] for equality tests inside one
// record: a word of up to 7 bytes (most words of Latin-script text) is
// its bytes and length mixed by a bijection, so two such words never
// collide; a longer one goes through maphash.
func wordHash(s string, start, end int) uint64 {
	n := end - start
	if n > 7 {
		return maphash.String(lineSeed, s[start:end])
	}
	var x uint64
	if start+8 <= len(s) {
		w := s[start : start+8]
		x = uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		x &= 1<<(8*n) - 1
	} else {
		for j := end - 1; j >= start; j-- {
			x = x<<8 | uint64(s[j])
		}
	}
	return mix64((x | uint64(n)<<56) ^ 0x5851F42D4C957F2D)
}
