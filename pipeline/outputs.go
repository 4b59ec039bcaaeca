package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
)

// parquetFile streams rows of T into a local temp file, then publishes it
// to the output store. parquet-go panics on some malformed input; calls are
// wrapped so a library panic becomes an error.
type parquetFile[T any] struct {
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

// newParquetFile starts a file compressed with zstd's fastest level (its
// pages are about a megabyte, so a higher level barely moves the ratio;
// see pageCodec).
func newParquetFile[T any](dir string) (*parquetFile[T], error) {
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
	return &parquetFile[T]{f: f, codec: codec, w: w}, nil
}

func (p *parquetFile[T]) write(rows ...T) (err error) {
	p.buf = append(p.buf, rows...)
	if len(p.buf) >= 8192 {
		return p.flush()
	}
	return nil
}

func (p *parquetFile[T]) flush() (err error) {
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

// publish closes the writer and puts the file at key; it returns the
// file's sha256 and size.
func (p *parquetFile[T]) publish(ctx context.Context, st objstore.Store, key string) (sum string, size int64, err error) {
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
	return putFile(ctx, st, key, p.f)
}

func (p *parquetFile[T]) discard() {
	_ = p.f.Close()
	_ = os.Remove(p.f.Name())
	p.codec.close()
}

// putFile hashes a local file and puts it at key.
func putFile(ctx context.Context, st objstore.Store, key string, f *os.File) (string, int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("rewinding %s: %w", f.Name(), err)
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("rewinding %s: %w", f.Name(), err)
	}
	if _, err := st.Put(ctx, key, f, size); err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", st.URI(key), err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// putBytes puts data at key and returns its sha256.
func putBytes(ctx context.Context, st objstore.Store, key string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	if _, err := st.Put(ctx, key, bytesReader(data), int64(len(data))); err != nil {
		return "", fmt.Errorf("writing %s: %w", st.URI(key), err)
	}
	return hex.EncodeToString(sum[:]), nil
}
