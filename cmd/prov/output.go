package main

import (
	"errors"
	"fmt"
	"io"
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

func (p *printer) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

func (p *printer) println(a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, a...)
	}
}
