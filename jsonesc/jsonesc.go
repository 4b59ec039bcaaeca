// Package jsonesc escapes, in encoded JSON, the characters encoding/json
// writes raw that a terminal or a web page would act on: DEL, the C1
// controls (U+0080-U+009F) and the bidirectional formatting characters
// (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C). An object key holding
// them would otherwise reach a terminal that shows `prov ... -o json`, a
// log line or the web page. Each is written as its \uXXXX escape, which
// decodes to the same string; outside strings JSON has only ASCII, so the
// rewrite is safe on a whole encoded value.
package jsonesc

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// Unsafe reports whether r is written escaped.
func Unsafe(r rune) bool {
	return r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0x061c
}

// Escape returns p with every unsafe character escaped: p itself when it
// holds none (the common case, without allocating).
func Escape(p []byte) []byte {
	i := firstUnsafe(p)
	if i < 0 {
		return p
	}
	b := make([]byte, 0, len(p)+16)
	b = append(b, p[:i]...)
	for i < len(p) {
		r, n := utf8.DecodeRune(p[i:])
		if Unsafe(r) {
			b = fmt.Appendf(b, `\u%04x`, r)
		} else {
			b = append(b, p[i:i+n]...)
		}
		i += n
	}
	return b
}

// firstUnsafe returns the offset of the first unsafe character, or -1.
func firstUnsafe(p []byte) int {
	for i := 0; i < len(p); {
		if p[i] < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRune(p[i:])
		if Unsafe(r) {
			return i
		}
		i += n
	}
	return -1
}

// Writer escapes what it writes; json.Encoder writes one whole value per
// Write, so an Encoder over a Writer writes escaped JSON.
type Writer struct{ W io.Writer }

func (j Writer) Write(p []byte) (int, error) {
	if _, err := j.W.Write(Escape(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
