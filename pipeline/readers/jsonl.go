package readers

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// jsonlBufSize is the read buffer of the JSONL reader: lines shorter than
// it are parsed in place, longer ones are gathered up to MaxLine.
const jsonlBufSize = 1 << 20

// utf8BOM, which some Windows tools put at the start of a file, is
// skipped on line 1.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// readJSONL splits r into lines and emits one record per non-blank line.
func readJSONL(e *emitter, r io.Reader, t *transport, opts Options) error {
	maxLine := opts.maxLine()
	size := jsonlBufSize
	if e.bufSize > 0 {
		size = e.bufSize
	}
	plan, err := opts.compile(e.key)
	if err != nil {
		return fmt.Errorf("reading %s: %w", e.uri, err)
	}
	br := bufio.NewReaderSize(r, size)
	x := newExtractor(plan)
	x.textMode = opts.Text
	var (
		lineNo int64
		off    int64 // stream offset of the current line
		long   []byte
	)
	for {
		line, err := br.ReadSlice('\n')
		raw := int64(len(line)) // bytes consumed for this line, terminator included
		tooLong := false
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				raw += int64(len(line))
				if !tooLong && len(long)+len(line) > maxLine+2 {
					tooLong, long = true, long[:0]
				}
				if !tooLong {
					long = append(long, line...)
				}
			}
			line = long
		}
		if err != nil && err != io.EOF {
			if t.err != nil {
				return transportErr(e.uri, t.err)
			}
			// A decompression error: the complete lines before it were
			// emitted; the rest is one error record.
			lineNo++
			return e.emitErr(&ParseError{Line: lineNo, Offset: off + raw, Err: decodeErr(err)}, int(raw))
		}
		if raw == 0 && err == io.EOF {
			return nil
		}
		lineNo++
		content := trimEOL(line)
		size := int(raw - int64(len(line)-len(content)))
		if lineNo == 1 {
			content = bytes.TrimPrefix(content, utf8BOM)
		}
		if tooLong || len(content) > maxLine {
			if tooLong {
				size = int(raw - 1)
				if err == io.EOF {
					size = int(raw)
				}
			}
			if e := e.emitErr(&ParseError{Line: lineNo, Offset: off, Err: ErrLineTooLong}, size); e != nil {
				return e
			}
		} else if !isBlank(content) {
			if perr := x.parseLine(content); perr != nil {
				pe := &ParseError{Line: lineNo, Offset: off + int64(x.errAt), Field: x.errField, Err: perr}
				if e := e.emitErr(pe, size); e != nil {
					return e
				}
			} else {
				rec := e.start(lineNo, size)
				x.fillLine(rec, content)
				rec.Digest = rec.CanonicalDigest()
				err := e.emit()
				x.poison()
				if err != nil {
					return err
				}
			}
		}
		off += raw
		if errors.Is(err, io.EOF) {
			return nil
		}
	}
}

// trimEOL drops a trailing "\n" or "\r\n".
func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}
