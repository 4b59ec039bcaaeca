package readers

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/prov-ai/prov/schemas"
)

// parquetBufferSize is the page read buffer of each column chunk: pages
// are streamed through it instead of loading whole column chunks.
const parquetBufferSize = 1 << 20

// readParquet reads a Parquet file in record batches through pqarrow,
// fetching only the mapped columns with ranged reads.
func readParquet(ctx context.Context, in Input, opts Options, fn func(*schemas.Record) error) error {
	c := newColumnEmitter(ctx, in, fn)
	if in.Size == 0 {
		return nil
	}
	plan, perr := opts.compile(in.Key)
	if perr != nil {
		return fmt.Errorf("reading %s: %w", in.URI, perr)
	}
	rr := newRangeReader(ctx, in)
	var (
		pf  *file.Reader
		rdr pqarrow.RecordReader
	)
	err := guard(func() error {
		props := parquet.NewReaderProperties(memory.DefaultAllocator)
		props.BufferedStreamEnabled = true
		props.BufferSize = parquetBufferSize
		var err error
		if pf, err = file.NewParquetReader(rr, file.WithReadProps(props)); err != nil {
			return corrupt(err)
		}
		if err := checkStoredArrowSchema(pf); err != nil {
			return corrupt(err)
		}
		if kv := pf.MetaData().KeyValueMetadata(); kv != nil {
			c.setMeta(FormatParquet, kv.Keys(), kv.Values())
		}
		fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: columnarBatchRows}, memory.DefaultAllocator)
		if err != nil {
			return corrupt(err)
		}
		sc, err := fr.Schema()
		if err != nil {
			return corrupt(err)
		}
		cm, err := resolveColumns(sc, plan)
		if err != nil {
			return err
		}
		var leaves []int
		for _, ix := range cm.columns() {
			leaves = appendLeaves(leaves, &fr.Manifest.Fields[ix])
		}
		if len(leaves) == 0 {
			// Nothing mapped is present: read one column to count rows.
			leaves = []int{0}
		}
		if rdr, err = fr.GetRecordReader(ctx, dedupe(leaves), nil); err != nil {
			return corrupt(err)
		}
		if c.cm, err = resolveColumns(rdr.Schema(), plan); err != nil {
			return err
		}
		return nil
	})
	if pf != nil {
		defer func() { _ = pf.Close() }()
	}
	if err != nil {
		return c.fileErr(rr, err)
	}
	defer func() { _ = guard(func() error { rdr.Release(); return nil }) }()
	for {
		var (
			b    arrow.RecordBatch
			more bool
		)
		err := guard(func() error {
			if more = rdr.Next(); !more {
				if err := rdr.Err(); err != nil && !errors.Is(err, context.Canceled) {
					return corrupt(err)
				}
				return nil
			}
			b = rdr.RecordBatch()
			return nil
		})
		if err != nil {
			return c.fileErr(rr, err)
		}
		if !more {
			if rr.err != nil {
				return transportErr(in.URI, rr.err)
			}
			return ctx.Err()
		}
		if err := c.batch(b); err != nil {
			return err
		}
	}
}

// appendLeaves appends the leaf column indices under a schema field.
func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for i := range f.Children {
		dst = appendLeaves(dst, &f.Children[i])
	}
	return dst
}

// dedupe removes repeated indices (two fields mapped to one column).
func dedupe(ix []int) []int {
	seen := make(map[int]bool, len(ix))
	out := ix[:0]
	for _, i := range ix {
		if !seen[i] {
			seen[i] = true
			out = append(out, i)
		}
	}
	return out
}

// checkStoredArrowSchema checks the Arrow schema pqarrow decodes from the
// file's ARROW:schema metadata (an IPC schema message, base64) before it
// does: a corrupted one can make Arrow allocate without bound.
func checkStoredArrowSchema(pf *file.Reader) error {
	v := pf.MetaData().KeyValueMetadata().FindValue("ARROW:schema")
	if v == nil {
		return nil
	}
	dec, err := base64.StdEncoding.DecodeString(*v)
	if len(dec) == 0 || err != nil {
		if dec, err = base64.RawStdEncoding.DecodeString(*v); err != nil {
			return nil // pqarrow fails on it the same way, safely
		}
	}
	g := &ipcStreamGuard{r: bytes.NewReader(dec), maxBody: int64(len(dec))}
	if _, err := io.Copy(io.Discard, g); err != nil {
		return fmt.Errorf("checking stored Arrow schema: %w", err)
	}
	return nil
}
