package quality

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"unicode"
	"unicode/utf8"

	"hash/maphash"
)

// The per-record kernels were rewritten for speed (table lookups, runs of
// CJK bytes at a time); their figures must not change. The *Ref functions
// below are the earlier implementations, kept as the reference.

func minhashRef(s string, seed uint64, sig *signature) bool {
	var win [shingleRunes]uint64
	var h uint64
	n, slot := 0, 0 // slot = n % shingleRunes
	lastSpace := true
	for i := range sig {
		sig[i] = math.MaxUint32
	}
	any := false
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			if c >= 'A' && c <= 'Z' {
				r += 'a' - 'A'
			}
			i++
		} else {
			if c&0xF0 == 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				// Any 3-byte form: equal bytes give equal shingles, which is
				// all a signature needs.
				r = rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
				i += 3
			} else {
				var size int
				r, size = utf8.DecodeRuneInString(s[i:])
				i += size
			}
			if r < 0x3000 || r > 0xFFEF { // CJK has no case
				r = unicode.ToLower(r)
			}
		}
		space := r == ' ' || r == '\t' || r == '\n' || r == '\r' || (r >= utf8.RuneSelf && r < 0x3000 && unicode.IsSpace(r)) || r == 0x3000
		if space {
			if lastSpace {
				continue
			}
			r = ' '
		}
		lastSpace = space
		v := uint64(r) + 1
		h = h*rollBase + v - win[slot]*rollBase5
		win[slot] = v
		if slot++; slot == shingleRunes {
			slot = 0
		}
		n++
		if n >= shingleRunes {
			x := mix64(h ^ seed)
			bin := x >> 57
			// Branch-free: which bins a text lowers is unpredictable.
			sig[bin] = min(sig[bin], uint32(x)&0xFFFFFF)
			any = true
		}
	}
	if !any {
		if n == 0 {
			return false
		}
		x := mix64(h ^ seed)
		sig[x>>57] = uint32(x) & 0xFFFFFF
	}
	densify(sig)
	return true
}

func topBigramShareRef(s string, sc *scratch) float64 {
	sc.grams = sc.grams[:0]
	var total int
	var prevHash uint64
	prevN := -1 // characters of the previous word; -1 before the first
	i := 0
	for i < len(s) {
		for i < len(s) && isSpaceAt(s, i) {
			i += spaceLen(s, i)
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
		wh := maphash.String(lineSeed, s[start:i])
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
	type gramSlot struct {
		h        uint64
		sum, cnt int
	}
	table, mask := make([]gramSlot, size), uint64(size-1)
	best := 0
	for _, g := range sc.grams {
		for i := mix64(g.h) & mask; ; i = (i + 1) & mask {
			sl := &table[i]
			if sl.cnt == 0 {
				*sl = gramSlot{h: g.h, sum: g.n, cnt: 1}
				break
			}
			if sl.h == g.h {
				// Only repeated 2-grams count: a text of distinct words
				// has share 0.
				sl.sum += g.n
				sl.cnt++
				best = max(best, sl.sum)
				break
			}
		}
	}
	return min(1, float64(best)/float64(total))
}

func appendFastKeyRef(b []byte, s string) ([]byte, bool) {
	space := true // drops leading white space
	for i := 0; i < len(s); {
		c := s[i]
		if keyPlain[c] {
			// A run of ASCII bytes that stay as they are.
			j := i + 1
			for j < len(s) && keyPlain[s[j]] {
				j++
			}
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		if c >= 0xE4 && c <= 0xE9 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 && (c != 0xE4 || s[i+1] >= 0xB8) {
			// A Han ideograph of U+4E00–U+9FFF: its own bytes.
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			b = append(b, s[i:i+3]...)
			i += 3
			continue
		}
		if c < utf8.RuneSelf {
			i++
			if isASCIISpace(c) {
				space = true
				continue
			}
			if space && len(b) > 0 {
				b = append(b, ' ')
			}
			space = false
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		f, ok := fastKeyRune(r)
		if !ok || r == utf8.RuneError {
			return b, false
		}
		i += size
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, f)
	}
	return b, true
}

func scanTextRef(s string, sc *scratch) textStats {
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

// kernelAlphabet mixes ASCII (white space of every kind, upper case),
// CJK ideographs and punctuation, fullwidth forms, Unicode white space of
// every UTF-8 length, runes the 3-byte fast paths must not take (U+3000,
// U+2028, surrogate-range and overlong byte forms) and invalid bytes.
var kernelAlphabet = []string{
	"a", "Z", "q", "Hello", "WORLD", "printable", "\x01", "\x1f", "\x7f", "@", "[", "`", "{", "~", " ", "  ", "\t", "\n", "\r", "\v", "\f", "\n\n", ".", ",", "'", "0", "9",
	"你", "好", "世", "界", "一", "龥", "\u4e00", "\u9fff", "\u4dff", "\ua000", "\xe4\xb7\xbf", "\xe9\xbf", "丂", "，", "。", "、", "《", "》", "「", "」", "【", "】", "：", "？",
	"Ａ", "ｚ", "５", "“", "”", "—", "–", "é", "\u0301", "ß", "Ω", "Ж", "ｶ", "한", "あ", "ア",
	"\u00a0", "\u0085", "\u1680", "\u2000", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000",
	"\u3001", "\u3002", "\u3003", "\u303f", "\uffef", "\ufff0", "\ufeff", "\ue000", "\uff0c", "\ufffd", "\xef\xbc", "\xee\x80", "\U0001F600", "\U00020000",
	"\xed\xa0\x80", "\xe0\x80\x80", "\xe0\x80\x8b", "\xe0\x80\xa0", "\xe0\x81\x81", "\xe3\x80", "\xe4", "\xff", "\x80", "\xc3",
}

// kernelTexts returns random texts over kernelAlphabet and long mixed
// documents.
func kernelTexts(n int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	out := []string{"", " ", "a", "abcd", "abcde", "\u3000\u3000x", "你好", "\xe4\xb8"}
	for range n {
		var b []byte
		for range rng.IntN(40) {
			b = append(b, kernelAlphabet[rng.IntN(len(kernelAlphabet))]...)
		}
		out = append(out, string(b))
	}
	return append(out, mixedDocuments(64, 5)...)
}

func checkKernels(t *testing.T, s string) {
	t.Helper()
	var got, want signature
	okGot, okWant := minhash(s, 7, &got), minhashRef(s, 7, &want)
	if okGot != okWant || got != want {
		t.Fatalf("minhash(%q) differs from the reference", s)
	}
	var sc1, sc2 scratch
	if g, w := scanText(s, &sc1), scanTextRef(s, &sc2); g != w {
		t.Fatalf("scanText(%q) = %+v, reference %+v", s, g, w)
	}
	if g, w := topBigramShare(s, &sc1), topBigramShareRef(s, &sc2); g != w && !(math.IsNaN(g) && math.IsNaN(w)) {
		t.Fatalf("topBigramShare(%q) = %v, reference %v", s, g, w)
	}
	kg, fg := appendFastKey(nil, s)
	kw, fw := appendFastKeyRef(nil, s)
	if fg != fw || (fg && string(kg) != string(kw)) {
		t.Fatalf("appendFastKey(%q) = %q %v, reference %q %v", s, kg, fg, kw, fw)
	}
}

func TestKernelsMatchReference(t *testing.T) {
	for _, s := range kernelTexts(50000) {
		checkKernels(t, s)
	}
}

// FuzzKernelsMatchReference checks the rewritten kernels against the
// reference implementations on arbitrary bytes.
func FuzzKernelsMatchReference(f *testing.F) {
	for _, s := range kernelTexts(200) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkKernels(t, s) })
}

// isSpaceAt and spaceLen serve topBigramShareRef.
func isSpaceAt(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return asciiClass[c]&clsSpace != 0
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func spaceLen(s string, i int) int {
	if s[i] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeRuneInString(s[i:])
	return size
}

// TestWordHash: a short word hashes the same wherever it sits (whether
// or not 8 bytes follow its start), and short words of different bytes
// or lengths never share a hash.
func TestWordHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	seen := map[uint64]string{}
	for range 50000 {
		n := 1 + rng.IntN(7)
		w := make([]byte, n)
		for i := range w {
			w[i] = byte(rng.IntN(4)) // few byte values: many equal words
		}
		h := wordHash(string(w), 0, n)
		if g := wordHash("xx"+string(w)+"yyyyyyyy", 2, 2+n); g != h {
			t.Fatalf("wordHash(%q) depends on what follows it", w)
		}
		if o, ok := seen[h]; ok && o != string(w) {
			t.Fatalf("wordHash(%q) = wordHash(%q)", w, o)
		}
		seen[h] = string(w)
	}
}

// TestByteMasks checks special8, letters8 and plainWord byte by byte: every
// byte value at every position, among random neighbours.
func TestByteMasks(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		var w [8]byte
		for i := range w {
			w[i] = byte(rng.IntN(256))
		}
		for p := range 8 {
			for c := range 256 {
				w[p] = byte(c)
				x := binary.LittleEndian.Uint64(w[:])
				sp, lt := special8(x), letters8(x)
				lower, plain := plainWord(x)
				wantPlain := true
				for i, b := range w {
					top := uint64(0x80) << (8 * i)
					if want := b <= 0x20 || b >= 0x80; (sp&top != 0) != want {
						t.Fatalf("special8(%q) byte %d = %v", w, i, sp&top != 0)
					}
					l := b|0x20 >= 'a' && b|0x20 <= 'z'
					if b < 0x80 && (lt&top != 0) != l {
						t.Fatalf("letters8(%q) byte %d = %v", w, i, lt&top != 0)
					}
					if b < 0x20 || b >= 0x80 || (b == ' ' && (i == 7 || w[i+1] == ' ')) {
						wantPlain = false
					}
				}
				if plain != wantPlain {
					t.Fatalf("plainWord(%q) = %v", w, plain)
				}
				if plain {
					var got [8]byte
					binary.LittleEndian.PutUint64(got[:], lower)
					if want := bytes.ToLower(w[:]); !bytes.Equal(got[:], want) {
						t.Fatalf("plainWord(%q) lower-cases to %q", w, got)
					}
				}
			}
		}
	}
}
