package readers

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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

// colPart is one path of a slot: the top-level column it starts at (-1:
// not in the schema) and the steps below it.
type colPart struct {
	col   int
	steps []schemas.PathStep
}

// columnMap resolves the field plan against a schema.
type columnMap struct {
	plan  *fieldPlan
	parts [numSlots][]colPart
}

// resolveColumns maps each path's first key to a top-level column. A
// mapped text field none of whose paths has its column in the schema is
// ErrSchema; other missing fields are absent.
func resolveColumns(sc *arrow.Schema, plan *fieldPlan) (columnMap, error) {
	cm := columnMap{plan: plan}
	for s := range numSlots {
		found := false
		for _, steps := range plan.parts[s] {
			cp := colPart{col: -1, steps: steps[1:]}
			if ix := sc.FieldIndices(steps[0].Key); len(ix) > 0 {
				cp.col = ix[0]
				found = true
			}
			cm.parts[s] = append(cm.parts[s], cp)
		}
		if s == int(schemas.FieldText) && len(plan.parts[s]) > 0 && !found {
			return cm, fmt.Errorf("%w: no column %q", ErrSchema, plan.parts[s][0][0].Key)
		}
	}
	return cm, nil
}

// columns lists the top-level columns the map reads.
func (cm *columnMap) columns() []int {
	var out []int
	for s := range cm.parts {
		for _, p := range cm.parts[s] {
			if p.col >= 0 {
				out = append(out, p.col)
			}
		}
	}
	return out
}

// columnEmitter turns record batches into records, numbering rows across
// the file.
type columnEmitter struct {
	e       *emitter
	cm      columnMap
	row     int64
	scratch []byte
	spans   [numSlots]span
	vals    []valRef
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

// valRef locates one value reached by a path in columnEmitter.scratch.
type valRef struct{ start, end int }

// walkArrow follows steps from arr[i] and calls emit for every non-null
// value reached: struct fields by name, list elements by index or [*],
// map entries by key.
func walkArrow(arr arrow.Array, i int, steps []schemas.PathStep, emit func(arrow.Array, int) error) error {
	if arr.IsNull(i) {
		return nil
	}
	if len(steps) == 0 {
		return emit(arr, i)
	}
	st := steps[0]
	switch a := arr.(type) {
	case *array.Struct:
		if st.Kind != schemas.StepKey {
			return nil
		}
		if j, ok := a.DataType().(*arrow.StructType).FieldIdx(st.Key); ok {
			return walkArrow(a.Field(j), i, steps[1:], emit)
		}
	case *array.Map:
		if st.Kind != schemas.StepKey {
			return nil
		}
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		for j := start; j < end; j++ {
			k, err := appendText(nil, keys, int(j))
			if err != nil {
				return err
			}
			if string(k) == st.Key {
				return walkArrow(items, int(j), steps[1:], emit)
			}
		}
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		switch st.Kind {
		case schemas.StepIndex:
			if j := start + int64(st.Index); j < end {
				return walkArrow(vals, int(j), steps[1:], emit)
			}
		case schemas.StepAll:
			for j := start; j < end; j++ {
				if err := walkArrow(vals, int(j), steps[1:], emit); err != nil {
					return err
				}
			}
		}
	case *array.Dictionary:
		return walkArrow(a.Dictionary(), a.GetValueIndex(i), steps, emit)
	}
	return nil
}

// fill converts row i of batch into e.rec (inside guard: corrupted arrays
// may panic). It returns a *ParseError for a bad value.
func (c *columnEmitter) fill(batch arrow.RecordBatch, i int) error {
	c.scratch = c.scratch[:0]
	var has uint32
	for s := range numSlots {
		parts := c.cm.parts[s]
		if len(parts) == 0 {
			continue
		}
		c.vals = c.vals[:0]
		rawSlot := raw(s)
		emit := func(arr arrow.Array, j int) error {
			start := len(c.scratch)
			var err error
			if rawSlot {
				c.scratch, err = appendJSON(c.scratch, arr, j)
			} else {
				c.scratch, err = appendText(c.scratch, arr, j)
			}
			c.vals = append(c.vals, valRef{start, len(c.scratch)})
			return err
		}
		for _, p := range parts {
			if p.col < 0 {
				continue
			}
			if err := walkArrow(batch.Column(p.col), i, p.steps, emit); err != nil {
				name := ""
				if s < int(schemas.NumFields) {
					name = schemas.Field(s).String()
				}
				return &ParseError{Line: c.row, Offset: -1, Row: true, Field: name, Err: err}
			}
		}
		if len(c.vals) == 0 {
			continue
		}
		if len(c.vals) == 1 && !rawSlot {
			c.spans[s] = span{start: c.vals[0].start, end: c.vals[0].end}
			has |= 1 << s
			continue
		}
		// Join the values after the ones already in scratch.
		start := len(c.scratch)
		n := 0
		if rawSlot {
			c.scratch = append(c.scratch, '[')
		}
		for _, v := range c.vals {
			if !rawSlot && v.end == v.start {
				continue
			}
			if n > 0 {
				if rawSlot {
					c.scratch = append(c.scratch, ',')
				} else {
					c.scratch = append(c.scratch, '\n')
				}
			}
			c.scratch = append(c.scratch, c.scratch[v.start:v.end]...)
			n++
		}
		if rawSlot {
			c.scratch = append(c.scratch, ']')
		}
		c.spans[s] = span{start: start, end: len(c.scratch)}
		has |= 1 << s
	}
	rec := c.e.start(c.row, len(c.scratch))
	all := string(c.scratch)
	var vals [numSlots]string
	for s := range numSlots {
		if has&(1<<s) == 0 {
			continue
		}
		v := all[c.spans[s].start:c.spans[s].end]
		if s < int(schemas.NumFields) {
			rec.Values[s] = v
		} else {
			vals[s] = v
		}
	}
	rec.Has = has & (1<<schemas.NumFields - 1)
	if c.cm.plan.ann != nil {
		if v, ok := c.cm.plan.ann.assemble(vals); ok {
			rec.Set(schemas.FieldLabels, v)
		}
	}
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
