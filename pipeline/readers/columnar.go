package readers

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/prov-ai/prov/schemas"
)

// columnarBatchRows is the record-batch size asked of the columnar
// readers: enough to amortise per-batch work, small enough to bound memory
// (about 4 MB of 1 KB rows).
const columnarBatchRows = 4096

// panicError is a library panic turned into an error at our boundary.
type panicError struct {
	value any
	stack []byte
}

func (p *panicError) Error() string {
	return fmt.Sprintf("%v: reader panicked: %v", ErrCorrupt, p.value)
}
func (p *panicError) Unwrap() error { return ErrCorrupt }

// guard runs f, turning a panic (some Arrow / Parquet code panics on
// corrupted input) into an ErrCorrupt error.
func guard(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return f()
}

// corrupt wraps a library error as ErrCorrupt unless it already carries
// one of our sentinels.
func corrupt(err error) error {
	if _, ok := err.(*panicError); ok {
		return err
	}
	return fmt.Errorf("%w: %w", ErrCorrupt, err)
}

// columnMap resolves the mapped fields to column indices of a schema.
type columnMap struct {
	idx   [schemas.NumFields]int // -1: not mapped or not in the schema
	names [schemas.NumFields]string
}

// resolveColumns maps fields by top-level column name. A mapped text field
// missing from the schema is ErrSchema; other missing fields are absent.
func resolveColumns(sc *arrow.Schema, fields [schemas.NumFields]string) (columnMap, error) {
	var cm columnMap
	cm.names = fields
	for f, name := range fields {
		cm.idx[f] = -1
		if name == "" {
			continue
		}
		if ix := sc.FieldIndices(name); len(ix) > 0 {
			cm.idx[f] = ix[0]
		} else if schemas.Field(f) == schemas.FieldText {
			return cm, fmt.Errorf("%w: no column %q", ErrSchema, name)
		}
	}
	return cm, nil
}

// columnEmitter turns record batches into records, numbering rows across
// the file.
type columnEmitter struct {
	e       *emitter
	cm      columnMap
	row     int64
	scratch []byte
	spans   [schemas.NumFields]span
	// meta are the file's AIGC key-value metadata entries, given to every
	// row (shared, read-only).
	meta []schemas.MetaValue
}

// setMeta keeps the AIGC entries (key matched without regard to ASCII
// case) of a file's key-value metadata.
func (c *columnEmitter) setMeta(where string, keys, values []string) {
	for i, k := range keys {
		if isMetaKey([]byte(k)) && i < len(values) {
			c.meta = append(c.meta, schemas.MetaValue{Where: where, Key: k, Value: values[i]})
		}
	}
}

// fill converts row i of batch into e.rec (inside guard: corrupted arrays
// may panic). It returns a *ParseError for a bad value.
func (c *columnEmitter) fill(batch arrow.RecordBatch, i int) error {
	c.scratch = c.scratch[:0]
	var has uint32
	for f, ix := range c.cm.idx {
		if ix < 0 {
			continue
		}
		col := batch.Column(ix)
		if col.IsNull(i) {
			continue
		}
		start := len(c.scratch)
		var err error
		c.scratch, err = appendText(c.scratch, col, i)
		if err != nil {
			return &ParseError{Line: c.row, Offset: -1, Row: true, Field: c.cm.names[f], Err: err}
		}
		c.spans[f] = span{start: start, end: len(c.scratch)}
		has |= 1 << f
	}
	rec := c.e.start(c.row, len(c.scratch))
	all := string(c.scratch)
	for f := range rec.Values {
		if has&(1<<f) != 0 {
			rec.Values[f] = all[c.spans[f].start:c.spans[f].end]
		}
	}
	rec.Has = has
	rec.Meta = c.meta
	rec.Digest = rec.CanonicalDigest()
	return nil
}

// batch emits every row of one batch.
func (c *columnEmitter) batch(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	for i := 0; i < n; i++ {
		c.row++
		var pe *ParseError
		err := guard(func() error { return c.fill(b, i) })
		if err != nil {
			var ok bool
			if pe, ok = err.(*ParseError); !ok {
				pe = &ParseError{Line: c.row, Offset: -1, Row: true, Err: err}
			}
			if err := c.e.emitErr(pe, 0); err != nil {
				return err
			}
			continue
		}
		if err := c.e.emit(); err != nil {
			return err
		}
	}
	return nil
}

// fileErr emits the record for a whole-file (or rest-of-file) failure at
// the next row, unless the cause was the transport.
func (c *columnEmitter) fileErr(rr *rangeReader, err error) error {
	if rr != nil && rr.err != nil {
		return transportErr(c.e.uri, rr.err)
	}
	if ctxErr := c.e.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return c.e.emitErr(&ParseError{Line: c.row + 1, Offset: -1, Row: true, Err: err}, 0)
}

// newColumnEmitter prepares the emitter of one columnar object.
func newColumnEmitter(ctx context.Context, in Input, fn func(*schemas.Record) error) *columnEmitter {
	return &columnEmitter{e: &emitter{ctx: ctx, uri: in.URI, fn: fn}}
}
