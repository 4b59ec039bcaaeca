package quality

import (
	"crypto/sha256"
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
// normalises to nothing has no key (ok false). ASCII texts take a fast
// path that gives the same bytes (NFKC and folding leave ASCII letters
// alone but for case).
func (k *keyer) textKey(s string) (key [16]byte, ok bool) {
	b := k.buf[:0]
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		space := true // drops leading white space
		for i := 0; i < len(s); i++ {
			c := s[i]
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
		}
	} else {
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
