package version

import (
	"context"
	"fmt"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
)

// Table streams rows of T (schemas.Finding, schemas.Metric) into a local
// temp file, then publishes it as one Parquet file of a version. parquet-go
// panics on some malformed input; calls are wrapped so a library panic
// becomes an error.
type Table[T any] struct {
	f     *os.File
	codec *pageCodec
	w     *parquet.GenericWriter[T]
	rows  int64
	group int64 // rows in the current row group
	buf   []T
}

// rowGroupRows bounds a row group: parquet-go keeps the current row group
// in memory until it is flushed, so a version with millions of findings
// would otherwise hold them all.
const rowGroupRows = 64 << 10

// NewTable starts a file in dir compressed with zstd's fastest level (its
// pages are about a megabyte, so a higher level barely moves the ratio;
// see pageCodec).
func NewTable[T any](dir string) (*Table[T], error) {
	codec, err := newPageCodec()
	if err != nil {
		return nil, fmt.Errorf("creating parquet codec: %w", err)
	}
	f, err := os.CreateTemp(dir, ".parquet-*")
	if err != nil {
		codec.close()
		return nil, fmt.Errorf("creating parquet temp file: %w", err)
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(codec))
	return &Table[T]{f: f, codec: codec, w: w}, nil
}

// Write adds rows.
func (p *Table[T]) Write(rows ...T) (err error) {
	p.buf = append(p.buf, rows...)
	if len(p.buf) >= 8192 {
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

// Rows is the number of rows written so far.
func (p *Table[T]) Rows() int64 { return p.rows + int64(len(p.buf)) }

// Publish closes the writer and puts the file at key; it returns the
// file's sha256 and size.
func (p *Table[T]) Publish(ctx context.Context, st objstore.Store, key string) (sum string, size int64, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("closing parquet file %s: library panic: %v", st.URI(key), r)
		}
		_ = p.f.Close()
		_ = os.Remove(p.f.Name())
		p.codec.close()
	}()
	if err := p.flush(); err != nil {
		return "", 0, err
	}
	if err := p.w.Close(); err != nil {
		return "", 0, fmt.Errorf("closing parquet file %s: %w", st.URI(key), err)
	}
	return objstore.PutFile(ctx, st, key, p.f)
}

// Discard drops the file unpublished.
func (p *Table[T]) Discard() {
	_ = p.f.Close()
	_ = os.Remove(p.f.Name())
	p.codec.close()
}
