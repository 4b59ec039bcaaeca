package readers

import (
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// maxZstdWindow bounds the memory a zstd frame may ask for (zstd --long
// uses 128 MiB); a larger window is a corrupt-input record.
const maxZstdWindow = 128 << 20

// decodeGzip undoes gzip (all members) and decodes the result.
func decodeGzip(e *emitter, r io.Reader, t *transport, opts Options, decode streamFunc) error {
	zr, err := gzip.NewReader(r)
	if err != nil {
		if t.err != nil {
			return transportErr(e.uri, t.err)
		}
		return e.emitErr(&ParseError{Line: 1, Err: decodeErr(err)}, 0)
	}
	defer func() { _ = zr.Close() }()
	return decode(e, zr, t, opts)
}

// decodeZstd undoes zstd and decodes the result. Concurrency 1 keeps the
// decoder synchronous (no goroutines, bounded memory).
func decodeZstd(e *emitter, r io.Reader, t *transport, opts Options, decode streamFunc) error {
	zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
	if err != nil {
		if t.err != nil {
			return transportErr(e.uri, t.err)
		}
		return e.emitErr(&ParseError{Line: 1, Err: decodeErr(err)}, 0)
	}
	defer zr.Close()
	return decode(e, zr, t, opts)
}
