package version

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
)

// Table streams rows of T (schemas.Finding, schemas.Metric) into a local
// temp file, then publishes it as one Parquet file of a version. parquet-go
// panics on some malformed input; calls are wrapped so a library panic
// becomes an error.
//
// With more than one CPU, the row groups are encoded on up to
// maxGroupEncoders goroutines at once (groupEncoder), each into a Parquet
// file in memory with the same writer settings, and copied into the table's
// file in order: parquet-go splices the compressed pages of such a row group
// verbatim. The rows, row groups and pages are those a single writer writes
// (TestTableParallelSameBytes); encoding findings.parquet was a serial step
// at the end of seal (0.6 CPU-s for 386,000 findings).
type Table[T any] struct {
	f     *os.File
	codec *pageCodec
	w     *parquet.GenericWriter[T]
	rows  int64
	group int64 // rows in the current row group
	buf   []T
	// par > 1: row groups are encoded on their own goroutines, at most par
	// at once; cur receives the rows of the current one, pending holds
	// those full, to be copied into w in order.
	par     int
	cur     *encodedGroup[T]
	pending []*encodedGroup[T]
}

// rowGroupRows bounds a row group: parquet-go keeps the current row group
// in memory until it is flushed, so a version with millions of findings
// would otherwise hold them all.
const rowGroupRows = 64 << 10

// writeBatch is how many rows Write buffers before it hands them on.
const writeBatch = 8192

// maxGroupEncoders bounds the row groups encoded at once (each holds its
// rows and encoded pages until it is copied).
const maxGroupEncoders = 2

// NewTable starts a file in dir compressed with zstd's fastest level (its
// pages are about a megabyte, so a higher level barely moves the ratio;
// see pageCodec).
func NewTable[T any](dir string) (*Table[T], error) {
	return newTable[T](dir, tableEncoders())
}

// newTable is NewTable encoding up to par row groups at once (1: on the
// caller's goroutine).
func newTable[T any](dir string, par int) (*Table[T], error) {
	codec, err := newPageCodec()
	if err != nil {
		return nil, fmt.Errorf("creating parquet codec: %w", err)
	}
	f, err := os.CreateTemp(dir, ".parquet-*")
	if err != nil {
		codec.close()
		return nil, fmt.Errorf("creating parquet temp file: %w", err)
	}
	// 1 MiB writes to the file (parquet-go's default is 32 KiB): the
	// copied row groups arrive a megabyte-page at a time
	w := parquet.NewGenericWriter[T](f, parquet.Compression(codec), parquet.WriteBufferSize(1<<20))
	return &Table[T]{f: f, codec: codec, w: w, par: par}, nil
}

// Write adds rows.
func (p *Table[T]) Write(rows ...T) (err error) {
	p.buf = append(p.buf, rows...)
	if len(p.buf) >= writeBatch {
		return p.flush()
	}
	return nil
}

func (p *Table[T]) flush() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("writing parquet rows: library panic: %v", r)
		}
	}()
	if len(p.buf) == 0 {
		return nil
	}
	if p.par > 1 {
		return p.flushParallel()
	}
	n, err := p.w.Write(p.buf)
	p.rows += int64(n)
	p.group += int64(n)
	p.buf = p.buf[:0]
	if err != nil {
		return fmt.Errorf("writing parquet rows: %w", err)
	}
	if p.group >= rowGroupRows {
		p.group = 0
		if err := p.w.Flush(); err != nil {
			return fmt.Errorf("flushing parquet row group: %w", err)
		}
	}
	return nil
}

// flushParallel hands the buffered rows to the encoder of the current row
// group (starting one when there is none), in the batches the sequential
// path writes, the group ending at the same row.
func (p *Table[T]) flushParallel() error {
	if p.cur == nil {
		for len(p.pending) >= p.par {
			if err := p.commitOldest(); err != nil {
				return err
			}
		}
		p.cur = startGroup[T]()
	}
	n := len(p.buf)
	p.cur.rows <- p.buf
	p.buf = make([]T, 0, writeBatch)
	p.rows += int64(n)
	p.group += int64(n)
	if p.group >= rowGroupRows {
		p.endGroup()
	}
	return nil
}

// endGroup closes the current group's rows and queues it for its copy.
func (p *Table[T]) endGroup() {
	if p.cur == nil {
		return
	}
	close(p.cur.rows)
	p.pending = append(p.pending, p.cur)
	p.cur, p.group = nil, 0
}

// commitOldest waits for the oldest full group and copies its row group
// into the file (parquet-go copies the encoded pages as they are).
func (p *Table[T]) commitOldest() error {
	g := p.pending[0]
	p.pending = p.pending[1:]
	<-g.done
	if g.err != nil {
		return fmt.Errorf("encoding parquet row group: %w", g.err)
	}
	f, err := parquet.OpenFile(bytes.NewReader(g.file), int64(len(g.file)))
	if err != nil {
		return fmt.Errorf("reading encoded parquet row group: %w", err)
	}
	for _, rg := range f.RowGroups() {
		if _, err := p.w.WriteRowGroup(rg); err != nil {
			return fmt.Errorf("writing parquet row group: %w", err)
		}
	}
	return nil
}

// Rows is the number of rows written so far.
func (p *Table[T]) Rows() int64 { return p.rows + int64(len(p.buf)) }

// Publish closes the writer and puts the file at key; it returns the
// file's sha256 and size.
func (p *Table[T]) Publish(ctx context.Context, st objstore.Store, key string) (sum string, size int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("closing parquet file %s: library panic: %v", st.URI(key), r)
		}
		p.discardGroups()
		_ = p.f.Close()
		_ = os.Remove(p.f.Name())
		p.codec.close()
	}()
	if err := p.flush(); err != nil {
		return "", 0, err
	}
	p.endGroup()
	for len(p.pending) > 0 {
		if err := p.commitOldest(); err != nil {
			return "", 0, err
		}
	}
	if err := p.w.Close(); err != nil {
		return "", 0, fmt.Errorf("closing parquet file %s: %w", st.URI(key), err)
	}
	return objstore.PutFile(ctx, st, key, p.f)
}

// Discard drops the file unpublished.
func (p *Table[T]) Discard() {
	p.discardGroups()
	_ = p.f.Close()
	_ = os.Remove(p.f.Name())
	p.codec.close()
}

// discardGroups ends the encoders still running and waits for them.
func (p *Table[T]) discardGroups() {
	p.endGroup()
	for _, g := range p.pending {
		<-g.done
	}
	p.pending = nil
}

// encodedGroup is one row group encoded on its own goroutine: its rows
// arrive on rows (closed when the group is full or the table ends); once
// done is closed, file is a Parquet file holding them, or err is set.
type encodedGroup[T any] struct {
	rows chan []T
	done chan struct{}
	file []byte
	err  error
}

// startGroup starts the encoder of a row group. Its channel holds every
// batch of a group (each flush hands on at least writeBatch rows), so the
// caller never waits to hand rows on.
func startGroup[T any]() *encodedGroup[T] {
	g := &encodedGroup[T]{rows: make(chan []T, rowGroupRows/writeBatch+1), done: make(chan struct{})}
	go g.encode()
	return g
}

func (g *encodedGroup[T]) encode() {
	defer close(g.done)
	defer func() {
		for range g.rows { // a failed group still lets the table end it
		}
	}()
	defer func() {
		if r := recover(); r != nil {
			g.err = fmt.Errorf("library panic: %v", r)
		}
	}()
	codec, err := newPageCodec()
	if err != nil {
		g.err = fmt.Errorf("creating parquet codec: %w", err)
		return
	}
	defer codec.close()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b, parquet.Compression(codec))
	for rows := range g.rows {
		if _, err := w.Write(rows); err != nil {
			g.err = err
			return
		}
	}
	if err := w.Close(); err != nil {
		g.err = err
		return
	}
	g.file = b.Bytes()
}

// tableEncoders is how many row groups NewTable encodes at once.
func tableEncoders() int { return min(runtime.GOMAXPROCS(0), maxGroupEncoders) }
