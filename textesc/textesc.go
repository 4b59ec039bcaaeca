// Package textesc makes text from outside (object keys, record text, error
// messages quoting them) safe to show in a terminal or a spreadsheet cell:
// control and other non-printing characters are escaped as strconv.Quote
// would (\x1b, \u202e); newlines, tabs and spaces stay.
package textesc

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Lines returns s unchanged when every character is printable, a newline,
// a tab or a space, else s with the others escaped.
func Lines(s string) string {
	clean := true
	for _, r := range s {
		if !keep(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b []byte
	for _, r := range s {
		if keep(r) {
			b = utf8.AppendRune(b, r)
			continue
		}
		q := strconv.QuoteRune(r)
		b = append(b, q[1:len(q)-1]...)
	}
	return string(b)
}

func keep(r rune) bool {
	return r == '\n' || r == '\t' || r == ' ' || (r != unicode.ReplacementChar && unicode.IsPrint(r))
}
