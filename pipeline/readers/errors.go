package readers

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors wrapped by ParseError; test with errors.Is.
var (
	// ErrSyntax: a JSONL line is not valid JSON.
	ErrSyntax = errors.New("invalid JSON")
	// ErrNotObject: a JSONL line is valid JSON but not an object.
	ErrNotObject = errors.New("not a JSON object")
	// ErrInvalidUTF8: a string (or a text file) is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("invalid UTF-8")
	// ErrNUL: the input holds a raw NUL byte (binary data, not text).
	ErrNUL = errors.New("NUL byte")
	// ErrLineTooLong: a line or text file is longer than Options.MaxLine.
	ErrLineTooLong = errors.New("line too long")
	// ErrTooDeep: JSON nesting deeper than the reader's depth limit.
	ErrTooDeep = errors.New("JSON nested too deeply")
	// ErrTruncated: a compressed stream or a file ends early.
	ErrTruncated = errors.New("truncated input")
	// ErrSchema: a Parquet or Arrow file lacks the mapped text column.
	ErrSchema = errors.New("schema lacks the mapped text column")
	// ErrCorrupt: the object is not a valid file of its format (bad magic,
	// corrupted footer, undecodable compressed data, a library panic).
	ErrCorrupt = errors.New("corrupt input")
)

// ErrUnknownFormat is returned by Read for a declared format it does not
// know; it is a configuration error, not a property of the data.
var ErrUnknownFormat = errors.New("unknown input format")

// ParseError is the error of a record that could not be parsed. It names the
// object and the 1-based line (JSONL, text) or row (Parquet, Arrow).
type ParseError struct {
	Object string // object URI
	Line   int64  // 1-based line, or row when Row is set
	Offset int64  // byte offset of the error in the (decompressed) stream; -1 when unknown
	Row    bool   // Line counts rows of a columnar file rather than lines
	Field  string // input field name the error is in, "" when not field-specific
	Err    error  // one of the sentinels, possibly wrapped with detail
}

// Error formats the error as `<object> line <n>: <reason> [in field "f"]`.
func (e *ParseError) Error() string {
	unit := " line "
	if e.Row {
		unit = " row "
	}
	s := e.Object + unit + strconv.FormatInt(e.Line, 10) + ": " + e.Err.Error()
	if e.Field != "" {
		s += fmt.Sprintf(" in field %q", e.Field)
	}
	return s
}

// Unwrap returns the underlying sentinel (or wrapped detail) error.
func (e *ParseError) Unwrap() error { return e.Err }
