package version

import (
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/format"
)

// pageCodec is zstd for the pages of one Parquet file we write, with one
// encoder kept for the life of the file. parquet-go's own zstd codec keeps
// its encoders in a pool that every garbage collection empties, so under
// the run's memory limit it built a new encoder, with megabytes of match
// history, dozens of times per seal (440 MB of the 2 GB bench's
// allocations). A 1 MiB window covers a page (pages are flushed at about a
// megabyte) and keeps the history small. Readers see ordinary zstd frames.
type pageCodec struct {
	mu  sync.Mutex
	enc *zstd.Encoder
	dec *zstd.Decoder
}

func newPageCodec() (*pageCodec, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(1<<20),
		zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true),
		zstd.WithEncoderCRC(false))
	if err != nil {
		return nil, err
	}
	return &pageCodec{enc: enc}, nil
}

func (c *pageCodec) String() string { return "ZSTD" }

func (c *pageCodec) CompressionCodec() format.CompressionCodec { return format.Zstd }

func (c *pageCodec) Encode(dst, src []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enc.EncodeAll(src, dst[:0]), nil
}

func (c *pageCodec) Decode(dst, src []byte) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dec == nil {
		d, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		c.dec = d
	}
	return c.dec.DecodeAll(src, dst[:0])
}

// close releases the encoder's and decoder's buffers.
func (c *pageCodec) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.enc.Close()
	if c.dec != nil {
		c.dec.Close()
	}
}
