package pii

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// DetectLines runs the detector over line-oriented input and writes one
// JSON object per input line, in order:
//
//	{"line": N, "entities": [{"type": "EMAIL", "start": B, "end": E, "score": S}]}
//
// A line that is a JSON object is a JSONL record: its text is the string
// value of field (no such string: no entities) and offsets are byte offsets
// into that decoded string. Any other line is plain text and offsets are
// into the line itself (without its "\n" or "\r\n"). line is 1-based;
// entities is always an array. Lines of any length are accepted.
func DetectLines(r io.Reader, w io.Writer, field string, d Detector) error {
	return DetectLinesWith(r, w, func(line []byte) string { return recordText(line, field) }, d)
}

// DetectLinesWith is DetectLines with the text of each line (without its
// terminator) given by textOf, e.g. the pipeline's record reader with a
// field path. The line passed to textOf, and the string it returns, may
// alias a buffer reused for the next line: neither is kept.
func DetectLinesWith(r io.Reader, w io.Writer, textOf func(line []byte) string, d Detector) error {
	br := bufio.NewReaderSize(r, 1<<20)
	bw := bufio.NewWriterSize(w, 1<<16)
	var ents []Entity
	var out, long []byte
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%w line %d: %w", ErrInput, n, err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		ents = d.Detect(textOf(line), ents)
		out = appendResult(out[:0], n, ents)
		if _, werr := bw.Write(out); werr != nil {
			return fmt.Errorf("writing result of line %d: %w", n, werr)
		}
		if err == io.EOF {
			break
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// recordText returns the text to scan for one input line.
func recordText(line []byte, field string) string {
	t := bytes.TrimLeft(bytes.TrimPrefix(line, []byte("\ufeff")), " \t")
	if len(t) == 0 || t[0] != '{' {
		return string(line)
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(t, &obj) != nil {
		return string(line) // not JSON after all: plain text
	}
	raw, ok := obj[field]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// AppendResult appends the output line of DetectLines for one record.
func AppendResult(b []byte, line int, ents []Entity) []byte { return appendResult(b, line, ents) }

func appendResult(b []byte, line int, ents []Entity) []byte {
	b = append(b, `{"line":`...)
	b = strconv.AppendInt(b, int64(line), 10)
	b = append(b, `,"entities":[`...)
	for i, e := range ents {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"`...)
		b = append(b, e.Type...)
		b = append(b, `","start":`...)
		b = strconv.AppendInt(b, int64(e.Start), 10)
		b = append(b, `,"end":`...)
		b = strconv.AppendInt(b, int64(e.End), 10)
		b = append(b, `,"score":`...)
		b = strconv.AppendFloat(b, float64(int(e.Score*1000+0.5))/1000, 'f', -1, 64)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}
