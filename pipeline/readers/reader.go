// Package readers turns input objects into records, streaming: JSONL (plain,
// .gz, .zst), Parquet and Arrow IPC (through Arrow Go record batches) and
// plain text / source-code files (one record per file). No reader holds a
// whole object in memory.
//
// Malformed input never stops a read: a bad JSON line, invalid UTF-8, a line
// over the size limit, a truncated compressed stream or a Parquet file with
// the wrong schema becomes a record whose Err says what is wrong and where
// (it is quarantined by the pipeline). Read returns an error only when the
// underlying transport fails (the object could not be read), so the caller
// can retry the object from the start.
package readers

import (
	"context"
	"io"

	"github.com/prov-ai/prov/schemas"
)

// Input is one object to read.
type Input struct {
	URI    string // object URI, used in locators and errors
	Key    string // object key, used to detect format and compression
	Format string // declared format (jsonl, parquet, arrow, text) or "" / "auto"
	Size   int64  // object size in bytes
	// Open reads length bytes from offset (length <= 0: to the end). The
	// columnar readers use it for ranged reads (footer, row groups).
	Open func(ctx context.Context, offset, length int64) (io.ReadCloser, error)
}

// Options say how to map input fields to records.
type Options struct {
	// Fields maps each logical field to the input field (JSON key or column
	// name) that holds it; "" means the field is not mapped.
	Fields [schemas.NumFields]string
	// MaxLine caps one JSONL line or one text file in bytes (0: 16 MiB).
	MaxLine int
}
