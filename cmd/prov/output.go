package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// closeJoin calls closeFn and joins its error into *errp. Deferred in a
// function with a named error result, it reports a failed Close without
// hiding the function's own error.
func closeJoin(errp *error, closeFn func() error) {
	if err := closeFn(); err != nil {
		*errp = errors.Join(*errp, err)
	}
}

// printer writes formatted output and keeps the first write error, so a
// function printing many lines checks once (printer.err) at the end.
type printer struct {
	w   io.Writer
	err error
}

// printf passes every string argument through termSafe: object
// keys, dataset names and messages come from outside (a bucket anyone may
// write to) and must not reach a terminal as escape sequences.
func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, safeArgs(a)...)
	}
}

// println is for fixed text (headers, layout with \t and \n): print
// values with printf.
func (p *printer) println(a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, a...)
	}
}

func safeArgs(a []any) []any {
	copied := false
	for i, v := range a {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if t := termSafe(s); t != s {
			if !copied {
				a, copied = append([]any(nil), a...), true
			}
			a[i] = t
		}
	}
	return a
}

// termSafe returns s unchanged when it holds no control or other
// non-printing character, else s quoted as strconv.Quote does ("a\x1b[2Jb"),
// so the reader sees that the value is unusual and what it holds.
func termSafe(s string) string {
	for _, r := range s {
		if r == unicode.ReplacementChar || !unicode.IsPrint(r) && r != ' ' {
			return strconv.Quote(s)
		}
	}
	return s
}

// termSafeLines is termSafe for multi-line text (an error message joined
// from several): tabs and newlines stay, every other control character is
// escaped as strconv.Quote would.
func termSafeLines(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && r != '\t' && (r == unicode.ReplacementChar || !unicode.IsPrint(r) && r != ' ') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b []byte
	for _, r := range s {
		if r == '\n' || r == '\t' || r == ' ' || (r != unicode.ReplacementChar && unicode.IsPrint(r)) {
			b = utf8.AppendRune(b, r)
			continue
		}
		q := strconv.QuoteRune(r)
		b = append(b, q[1:len(q)-1]...)
	}
	return string(b)
}

// jsonSafe is a writer for JSON output: encoding/json escapes C0 controls
// but writes DEL, C1 controls (U+0080-U+009F) and bidirectional formatting
// characters (U+202A-U+202E, U+2066-U+2069, U+200E/F, U+061C) raw, and
// those in an object key would reach a terminal that shows the JSON. Each
// is written as its \uXXXX escape instead, which decodes to the same
// string (outside strings JSON has only ASCII, so the rewrite is safe).
// json.Encoder writes one whole value per Write.
type jsonSafe struct{ w io.Writer }

func (j jsonSafe) Write(p []byte) (int, error) {
	unsafe := false
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if jsonUnsafe(r) && n > 0 {
			unsafe = true
			break
		}
		i += n
	}
	if !unsafe {
		return j.w.Write(p)
	}
	b := make([]byte, 0, len(p)+16)
	for i := 0; i < len(p); {
		r, n := utf8.DecodeRune(p[i:])
		if jsonUnsafe(r) && (r != utf8.RuneError || n != 1) {
			b = fmt.Appendf(b, `\u%04x`, r)
		} else {
			b = append(b, p[i:i+n]...)
		}
		i += n
	}
	if _, err := j.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

func jsonUnsafe(r rune) bool {
	return r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 ||
		r == 0x200e || r == 0x200f || r == 0x061c
}
