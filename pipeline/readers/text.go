package readers

import (
	"bytes"
	"io"
	"unicode/utf8"

	"github.com/prov-ai/prov/schemas"
)

// readText emits the whole stream as one record (text = content). Content
// over MaxLine, invalid UTF-8 or NUL bytes give one error record instead.
func readText(e *emitter, r io.Reader, t *transport, opts Options) error {
	maxLine := opts.maxLine()
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, int64(maxLine)+1))
	if err != nil {
		if t.err != nil {
			return transportErr(e.uri, t.err)
		}
		return e.emitErr(&ParseError{Line: 1, Offset: n, Err: decodeErr(err)}, int(n))
	}
	if n == 0 {
		return nil
	}
	b := buf.Bytes()
	if n > int64(maxLine) {
		return e.emitErr(&ParseError{Line: 1, Offset: int64(maxLine), Err: ErrLineTooLong}, int(n))
	}
	if !utf8.Valid(b) {
		return e.emitErr(&ParseError{Line: 1, Offset: int64(invalidAt(b)), Err: ErrInvalidUTF8}, len(b))
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return e.emitErr(&ParseError{Line: 1, Offset: int64(i), Err: ErrNUL}, len(b))
	}
	rec := e.start(1, len(b))
	rec.Set(schemas.FieldText, buf.String())
	rec.Digest = rec.CanonicalDigest()
	return e.emit()
}
