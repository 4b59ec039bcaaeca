package spdxmatch

import (
	"unicode"
	"unicode/utf8"
)

// token is one normalised word of a text and its byte span.
type token struct {
	h          uint64 // hash of the normalised word
	start, end int
	lineStart  bool // first token of its line
}

// equivalents are the SPDX Matching Guidelines' varietal spellings (B.13,
// equivalentwords.txt) reduced to one spelling each, plus the spellings
// that differ by a hyphen or a space once punctuation is dropped.
var equivalents = map[string]string{
	"acknowledgement": "acknowledgment", "analogue": "analog", "analyse": "analyze",
	"artefact": "artifact", "authorisation": "authorization", "authorised": "authorized",
	"calibre": "caliber", "cancelled": "canceled", "capitalisations": "capitalizations",
	"catalogue": "catalog", "categorise": "categorize", "centre": "center",
	"emphasised": "emphasized", "favour": "favor", "favourite": "favorite",
	"fulfil": "fulfill", "fulfilment": "fulfillment", "initialise": "initialize",
	"judgement": "judgment", "labelling": "labeling", "labour": "labor",
	"licence": "license", "licences": "licenses", "licenced": "licensed", "licencing": "licensing",
	"licensor": "licensor", "maximise": "maximize", "modelled": "modeled", "modelling": "modeling",
	"offence": "offense", "optimise": "optimize", "organisation": "organization",
	"organisations": "organizations", "organise": "organize", "practise": "practice",
	"programme": "program", "realise": "realize", "recognise": "recognize",
	"signalling": "signaling", "sublicence": "sublicense", "sublicences": "sublicenses",
	"utilisation": "utilization", "whilst": "while", "wilful": "willful",
	"noncommercial": "noncommercial", "copyrightable": "copyrightable",
	"behaviour": "behavior", "colour": "color", "defence": "defense",
	"honour": "honor", "neighbour": "neighbor", "percent": "percent",
}

// dropped are tokens that carry no meaning for matching: list markers
// (a., (b), iv.), the URL scheme and host prefix, and the letter of "(c)".
var dropped = map[string]bool{
	"ii": true, "iii": true, "iv": true, "vi": true, "vii": true, "viii": true, "ix": true,
	"http": true, "https": true, "www": true,
}

func fnv(w []byte) uint64 {
	h := uint64(fnvOffset) // FNV-1a
	for _, c := range w {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// special maps the hash of each varietal spelling to the hash of its
// unified spelling, and of each dropped word to 0; specialBits is a
// filter on the hashes' low bits that rules out most words before the map.
var special, specialBits = func() (map[uint64]uint64, *[1024]uint64) {
	m := map[uint64]uint64{}
	var bits [1024]uint64
	for k, v := range equivalents {
		m[fnv([]byte(k))] = fnv([]byte(v))
	}
	for k := range dropped {
		m[fnv([]byte(k))] = 0
	}
	for h := range m {
		bits[h>>6&1023] |= 1 << (h & 63)
	}
	return m, &bits
}()

// hashWord returns the hash of a normalised (lower-case) word, or 0 for a
// word that is dropped.
func hashWord(w []byte) uint64 { return unify(fnv(w)) }

// unify maps the FNV-1a hash of a word to the hash of its unified
// spelling, 0 for a dropped word.
func unify(h uint64) uint64 {
	if specialBits[h>>6&1023]&(1<<(h&63)) != 0 {
		if r, ok := special[h]; ok {
			return r
		}
	}
	return h
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	// maxWordBytes: a word is hashed on its first maxWordBytes bytes.
	maxWordBytes = 64
)

var (
	hashCopyright = hashWord([]byte("copyright"))
	hashYear      = hashWord([]byte("year"))
	hashYYYY      = hashWord([]byte("yyyy"))
)

// tokenise splits text into normalised words after the SPDX Matching
// Guidelines: case folded, punctuation, quotes, dashes and bullets
// dropped (they separate words), single letters and roman list numbers
// dropped, varietal spellings unified. Han characters are one word each.
// Copyright lines (a line whose first word is "copyright" followed by a
// year, (c) or a placeholder, or a line starting with ©) are skipped as the
// guidelines ask (B.9).
func tokenise(text []byte, toks []token) []token {
	// The current word: its FNV-1a hash over its first maxWordBytes
	// lower-case bytes, its length and first byte.
	h := uint64(fnvOffset)
	n := 0
	var first byte
	start := 0
	lineStart := true
	skipLine := false
	flush := func(end int) {
		if !skipLine && keepWord(n, first) {
			if u := unify(h); u != 0 {
				toks = append(toks, token{h: u, start: start, end: end, lineStart: lineStart})
			}
		}
		lineStart = false
		n, h = 0, fnvOffset
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			switch {
			case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
				if n == 0 {
					start, first = i, c
				}
				if n < maxWordBytes {
					h = (h ^ uint64(c)) * fnvPrime
				}
				n++
			case c == '\n':
				if n > 0 {
					flush(i)
				}
				lineStart, skipLine = true, false
			default:
				if n > 0 {
					flush(i)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == '©':
			if n > 0 {
				flush(i)
			}
			if lineStart {
				skipLine = true
			}
		case r >= 0x4E00 && r <= 0x9FFF || r >= 0x2E80 && unicode.Is(unicode.Han, r):
			// The CJK Unified Ideographs block is all Han: decided
			// without the table. A decoded rune's bytes are its encoding.
			if n > 0 {
				flush(i)
			}
			if !skipLine {
				toks = append(toks, token{h: hashWord(text[i : i+size]), start: i, end: i + size, lineStart: lineStart})
			}
			lineStart = false
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			var b [4]byte
			m := utf8.EncodeRune(b[:], unicode.ToLower(r))
			if n == 0 {
				start, first = i, b[0]
			}
			for k := 0; k < m; k++ {
				if n < maxWordBytes {
					h = (h ^ uint64(b[k])) * fnvPrime
				}
				n++
			}
		default:
			if n > 0 {
				flush(i)
			}
		}
		i += size
	}
	if n > 0 {
		flush(len(text))
	}
	return stripCopyrightLines(text, toks)
}

// stripCopyrightLines removes the tokens of lines that start with
// "copyright" followed within two words by a year, "(c)" or a year
// placeholder.
func stripCopyrightLines(text []byte, toks []token) []token {
	out := toks[:0]
	for i := 0; i < len(toks); {
		t := toks[i]
		if t.lineStart && t.h == hashCopyright && isCopyrightLine(text, toks, i) {
			j := i + 1
			for j < len(toks) && !toks[j].lineStart {
				j++
			}
			i = j
			continue
		}
		out = append(out, t)
		i++
	}
	return out
}

func isCopyrightLine(text []byte, toks []token, i int) bool {
	// "(c)" or "©" right after the word.
	rest := text[toks[i].end:min(len(text), toks[i].end+8)]
	for k := 0; k < len(rest); k++ {
		if rest[k] == ' ' || rest[k] == '\t' {
			continue
		}
		if rest[k] == '(' && k+2 < len(rest) && (rest[k+1]|0x20) == 'c' && rest[k+2] == ')' {
			return true
		}
		if rest[k] == 0xC2 && k+1 < len(rest) && rest[k+1] == 0xA9 {
			return true
		}
		break
	}
	for j := i + 1; j < len(toks) && j <= i+2 && !toks[j].lineStart; j++ {
		w := text[toks[j].start:toks[j].end]
		if toks[j].h == hashYear || toks[j].h == hashYYYY || isYear(w) {
			return true
		}
	}
	return false
}

func isYear(w []byte) bool {
	if len(w) != 4 || (w[0] != '1' && w[0] != '2') {
		return false
	}
	for _, c := range w {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// shingle hashes three consecutive words.
func shingle(a, b, c uint64) uint32 {
	h := a*0x9E3779B97F4A7C15 ^ (b*0xC2B2AE3D27D4EB4F + 0x165667B19E3779F9) ^ (c * 0xD6E8FEB86659FD93)
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	h ^= h >> 32
	return uint32(h)
}

// shingles returns the shingle of every run of three words, in order.
func shingles(toks []token, out []uint32) []uint32 {
	for i := 0; i+2 < len(toks); i++ {
		out = append(out, shingle(toks[i].h, toks[i+1].h, toks[i+2].h))
	}
	return out
}

// asciiWordByte maps an ASCII letter or digit to its lower case, any
// other ASCII byte to 0 (one load instead of three range tests).
var asciiWordByte = func() (t [utf8.RuneSelf]byte) {
	for c := byte('0'); c <= '9'; c++ {
		t[c] = c
	}
	for c := byte('a'); c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = c, c
	}
	return t
}()

// wordHashes appends the hash of every normalised word of text, the words
// tokenise finds, without their spans and without skipping copyright
// lines (Probe, which reads a few hundred bytes of a longer text, needs
// only the words).
func wordHashes(text []byte, out []uint64) []uint64 {
	h := uint64(fnvOffset)
	n := 0
	var first byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if l := asciiWordByte[c]; l != 0 {
				if n == 0 {
					first = l
				}
				if n < maxWordBytes {
					h = (h ^ uint64(l)) * fnvPrime
				}
				n++
			} else if n > 0 {
				if keepWord(n, first) {
					if u := unify(h); u != 0 {
						out = append(out, u)
					}
				}
				n, h = 0, fnvOffset
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		han := r >= 0x4E00 && r <= 0x9FFF || r >= 0x2E80 && unicode.Is(unicode.Han, r)
		if !han && r != '©' && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			h, n, first = foldRune(h, n, first, r)
			i += size
			continue
		}
		if n > 0 {
			if keepWord(n, first) {
				if u := unify(h); u != 0 {
					out = append(out, u)
				}
			}
			n, h = 0, fnvOffset
		}
		if han {
			out = append(out, hashWord(text[i:i+size]))
		}
		i += size
	}
	if n > 0 && keepWord(n, first) {
		if u := unify(h); u != 0 {
			out = append(out, u)
		}
	}
	return out
}

// foldRune adds the lower-case UTF-8 bytes of the letter or digit r to
// the hash h of a word of n bytes so far (only its first maxWordBytes
// bytes are hashed), and returns the new hash and length and the word's
// first byte (the first byte of r when the word starts with r).
func foldRune(h uint64, n int, first byte, r rune) (uint64, int, byte) {
	var b [4]byte
	m := utf8.EncodeRune(b[:], unicode.ToLower(r))
	if n == 0 {
		first = b[0]
	}
	for k := 0; k < m; k++ {
		if n < maxWordBytes {
			h = (h ^ uint64(b[k])) * fnvPrime
		}
		n++
	}
	return h, n, first
}

// keepWord reports whether a word of n bytes that starts with first is
// counted: every word but a single ASCII letter.
func keepWord(n int, first byte) bool { return n != 1 || first < 'a' || first > 'z' }
