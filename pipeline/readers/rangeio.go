package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Ranged-read tuning: a read below smallRead (metadata, headers) fetches a
// readAhead window and serves the next small reads from it; larger reads
// fetch exactly what is asked (the Parquet reader already asks for whole
// column-chunk buffers, and reading ahead past them would fetch unmapped
// columns). The last tailSize bytes (Parquet footer, Arrow IPC footer) are
// fetched once and kept.
const (
	smallRead = 4 << 10
	readAhead = 16 << 10
	tailSize  = 64 << 10
)

var errNegativeOffset = errors.New("negative offset")

// rangeReader is an io.ReaderAt / io.Seeker / io.Reader over ranged
// Input.Open calls, so the columnar readers never load a whole object. It
// remembers the first transport error, which Read then returns instead of a
// quarantine record.
type rangeReader struct {
	ctx  context.Context
	in   Input
	size int64
	pos  int64

	win     []byte // read-ahead window
	winOff  int64
	tail    []byte // the object's last bytes
	tailOff int64

	err   error // first transport error
	opens int   // number of Open calls (observed by tests)
}

func newRangeReader(ctx context.Context, in Input) *rangeReader {
	toff := max(in.Size-tailSize, 0)
	return &rangeReader{ctx: ctx, in: in, size: in.Size, tailOff: toff, winOff: -1}
}

// fetch reads exactly len(dst) bytes at off from the object.
func (r *rangeReader) fetch(dst []byte, off int64) error {
	if r.err != nil {
		return r.err
	}
	r.opens++
	rc, err := r.in.Open(r.ctx, off, int64(len(dst)))
	if err != nil {
		r.err = err
		return err
	}
	_, err = io.ReadFull(rc, dst)
	cerr := rc.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		r.err = fmt.Errorf("reading bytes %d-%d: %w", off, off+int64(len(dst))-1, err)
		return r.err
	}
	return nil
}

// ReadAt implements io.ReaderAt.
func (r *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegativeOffset
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := int(min(int64(len(p)), r.size-off))
	var err error
	switch {
	case off >= r.tailOff:
		if r.tail == nil {
			t := make([]byte, r.size-r.tailOff)
			if err := r.fetch(t, r.tailOff); err != nil {
				return 0, err
			}
			r.tail = t
		}
		copy(p[:want], r.tail[off-r.tailOff:])
	case r.winOff >= 0 && off >= r.winOff && off+int64(want) <= r.winOff+int64(len(r.win)):
		copy(p[:want], r.win[off-r.winOff:])
	case want >= smallRead:
		if err := r.fetch(p[:want], off); err != nil {
			return 0, err
		}
	default:
		n := int(min(int64(readAhead), r.size-off))
		if cap(r.win) < n {
			r.win = make([]byte, n)
		}
		r.win = r.win[:n]
		r.winOff = -1
		if err := r.fetch(r.win, off); err != nil {
			return 0, err
		}
		r.winOff = off
		copy(p[:want], r.win)
	}
	if want < len(p) {
		err = io.EOF
	}
	return want, err
}

// Read implements io.Reader at the seek position.
func (r *rangeReader) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek implements io.Seeker.
func (r *rangeReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, fmt.Errorf("seeking: bad whence %d", whence)
	}
	if offset < 0 {
		return 0, errNegativeOffset
	}
	r.pos = offset
	return offset, nil
}
