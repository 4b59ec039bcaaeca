package quality

import (
	"crypto/sha256"
	"encoding/binary"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// keyer computes exact-duplicate text keys; it holds a worker's scratch
// buffer and case folder (a cases.Caser is not safe for concurrent use).
type keyer struct {
	buf  []byte
	fold cases.Caser
	init bool
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// textKey returns the first 16 bytes of the SHA-256 of s normalised for
// exact-duplicate detection: Unicode NFKC, case folded (then NFKC again,
// folding can undo the normal form), runs of white space collapsed into
// one space and leading and trailing white space dropped. A text that
// normalises to nothing has no key (ok false). Texts made only of ASCII,
// Han ideographs of the CJK Unified Ideographs block, fullwidth ASCII
// forms and a few CJK and typographic punctuation marks (most Chinese and
// English text) take a fast path that gives the same bytes (fastKeyRune);
// any other text goes through golang.org/x/text.
func (k *keyer) textKey(s string) (key [16]byte, ok bool) {
	b, fast := appendFastKey(k.buf[:0], s)
	if !fast {
		b = k.slowKey(b[:0], s)
	}
	if cap(b) <= 1<<20 {
		k.buf = b
	}
	if len(b) == 0 {
		return key, false
	}
	sum := sha256.Sum256(b)
	copy(key[:], sum[:16])
	return key, true
}

// fastKeyRune returns what NFKC, case folding and NFKC again make of r
// when that is one rune that neither composes with nor changes its
// neighbours, and ok false for any other rune. ASCII letters fold to
// lower case; fullwidth ASCII forms (U+FF01–U+FF5E) are their ASCII
// compatibility equivalents (then folded); Han ideographs of U+4E00–U+9FFF
// (no decomposition, no case), the ideographic comma and full stop,
// CJK angle, corner, lenticular and double brackets (U+3008–U+3011), and
// curly quotes and dashes (U+2010, U+2013, U+2014, U+2018, U+2019,
// U+201C, U+201D) are left alone. None of these is a combining mark
// or can start a composition with an ASCII or Han neighbour.
func fastKeyRune(r rune) (rune, bool) {
	switch {
	case r < utf8.RuneSelf:
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r, true
	case r >= 0x4E00 && r <= 0x9FFF:
		return r, true
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r, true
	case r == 0x3001 || r == 0x3002 || r >= 0x3008 && r <= 0x3011:
		return r, true
	case r == 0x2010 || r == 0x2013 || r == 0x2014 || r == 0x2018 || r == 0x2019 || r == 0x201C || r == 0x201D:
		return r, true
	}
	return r, false
}

// keyPlain marks the ASCII bytes the key keeps as they are: everything
// but white space and upper-case letters.
var keyPlain = func() (t [256]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = !isASCIISpace(byte(c)) && (c < 'A' || c > 'Z')
	}
	return t
}()

// appendFastKey appends the normalised form of s to b when every rune of
// s has a fastKeyRune form, and reports whether it did (b then holds a
// partial result to discard).
func appendFastKey(b []byte, s string) ([]byte, bool) {
	space := true // drops leading white space
	for i := 0; i < len(s); {
		if !space && i+8 <= len(s) {
			// Eight printable ASCII bytes without two spaces in a row and
			// not ending in a space (most of a line of prose): their
			// normal form is themselves, lower-cased, in one step.
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if lower, ok := plainWord(x); ok {
				b = binary.LittleEndian.AppendUint64(b, lower)
				i += 8
				continue
			}
		}
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
		if c >= 0xE3 && c <= 0xE9 {
			// A run of Han ideographs of U+4E00–U+9FFF and ideographic
			// commas and full stops (U+3001, U+3002): their own bytes.
			j := i
			for j+2 < len(s) {
				c0, c1, c2 := s[j], s[j+1], s[j+2]
				if c1&0xC0 != 0x80 || c2&0xC0 != 0x80 ||
					(c0 < 0xE4 || c0 > 0xE9 || (c0 == 0xE4 && c1 < 0xB8)) &&
						(c0 != 0xE3 || c1 != 0x80 || (c2 != 0x81 && c2 != 0x82)) {
					break
				}
				j += 3
			}
			if j > i {
				if space && len(b) > 0 {
					b = append(b, ' ')
				}
				space = false
				b = append(b, s[i:j]...)
				i = j
				continue
			}
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

// plainWord reports whether the 8 bytes of x (little-endian) are printable
// ASCII (0x20–0x7F) with no space followed by a space and no space last,
// and returns them with A–Z lower-cased. Given such bytes after a byte
// that is not white space, appendFastKey's byte-by-byte rules append
// exactly that: every space is alone and followed by a kept byte.
func plainWord(x uint64) (uint64, bool) {
	const (
		hi  = 0x8080808080808080
		all = 0x0101010101010101
	)
	// No byte ≥ 0x80, and every byte ≥ 0x20 (b + 0x60 carries into the
	// top bit exactly then; no byte overflows into the next).
	if x&hi != 0 || (x+0x60*all)&hi != hi {
		return 0, false
	}
	// Top bit of each byte that is a space: y = x ^ spaces is zero there.
	y := x ^ 0x20*all
	space := ^((y&^hi + 0x7F*all) | y) & hi
	if space&(space>>8) != 0 || space>>63 != 0 {
		return 0, false
	}
	// Top bit of each byte in 'A'..'Z': ≥ 0x41 and not ≥ 0x5B.
	upper := (x + 0x3F*all) &^ (x + 0x25*all) & hi
	return x + upper>>2, true
}

// slowKey appends the normalised form of s through golang.org/x/text.
func (k *keyer) slowKey(b []byte, s string) []byte {
	if !k.init {
		k.fold, k.init = cases.Fold(), true
	}
	t := norm.NFKC.String(k.fold.String(norm.NFKC.String(s)))
	space := true
	for _, r := range t {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && len(b) > 0 {
			b = append(b, ' ')
		}
		space = false
		b = utf8.AppendRune(b, r)
	}
	return b
}
