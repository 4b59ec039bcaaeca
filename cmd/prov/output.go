package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode"
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
