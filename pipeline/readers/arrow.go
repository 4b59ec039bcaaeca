package readers

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/prov-ai/prov/schemas"
)

// arrowFileMagic opens (and ends) an Arrow IPC file; the stream format has
// no magic.
const arrowFileMagic = "ARROW1"

// readArrow reads Arrow IPC: the file format with ranged reads, the stream
// format (.arrows, or no file magic) as a stream.
func readArrow(ctx context.Context, in Input, opts Options, fn func(*schemas.Record) error) error {
	c := newColumnEmitter(ctx, in, fn)
	if in.Size == 0 {
		return nil
	}
	plan, err := opts.compile(in.Key)
	if err != nil {
		return fmt.Errorf("reading %s: %w", in.URI, err)
	}
	c.cm.plan = plan
	if !strings.HasSuffix(strings.ToLower(in.Key), ".arrows") {
		rr := newRangeReader(ctx, in)
		var magic [len(arrowFileMagic)]byte
		n, _ := rr.ReadAt(magic[:], 0)
		if rr.err != nil {
			return transportErr(in.URI, rr.err)
		}
		if n == len(magic) && string(magic[:]) == arrowFileMagic {
			return readArrowFile(c, rr, in.Size, opts)
		}
	}
	return readArrowStream(ctx, c, in, opts)
}

func readArrowFile(c *columnEmitter, rr *rangeReader, size int64, opts Options) error {
	var (
		fr      *ipc.FileReader
		batches []ipcBlock
	)
	err := guard(func() error {
		var err error
		if batches, err = checkIPCFile(rr, size); err != nil {
			return corrupt(err)
		}
		if fr, err = ipc.NewFileReader(rr, ipc.WithBodySizeLimit(size)); err != nil {
			return corrupt(err)
		}
		md := fr.Schema().Metadata()
		c.setMeta(FormatArrow, md.Keys(), md.Values())
		c.cm, err = resolveColumns(fr.Schema(), c.cm.plan)
		return err
	})
	if fr != nil {
		defer func() { _ = guard(fr.Close) }()
	}
	if err != nil {
		return c.fileErr(rr, err)
	}
	for i := 0; ; i++ {
		var (
			b    arrow.RecordBatch
			more bool
		)
		err := guard(func() error {
			if more = i < fr.NumRecords(); !more {
				return nil
			}
			if i >= len(batches) {
				return corrupt(errFlatbuffer)
			}
			if err := checkIPCBlock(rr, batches[i]); err != nil {
				return corrupt(err)
			}
			var err error
			if b, err = fr.RecordBatch(i); err != nil {
				return corrupt(err)
			}
			return nil
		})
		if err != nil {
			return c.fileErr(rr, err)
		}
		if !more {
			return nil
		}
		if err := c.batch(b); err != nil {
			return err
		}
	}
}

func readArrowStream(ctx context.Context, c *columnEmitter, in Input, opts Options) error {
	rc, err := in.Open(ctx, 0, -1)
	if err != nil {
		return transportErr(in.URI, err)
	}
	defer func() { _ = rc.Close() }()
	t := &transport{r: rc}
	var rdr *ipc.Reader
	err = guard(func() error {
		var err error
		g := &ipcStreamGuard{r: t, maxBody: in.Size}
		if rdr, err = ipc.NewReader(g, ipc.WithBodySizeLimit(max(in.Size, 1))); err != nil {
			return corrupt(err)
		}
		md := rdr.Schema().Metadata()
		c.setMeta(FormatArrow, md.Keys(), md.Values())
		c.cm, err = resolveColumns(rdr.Schema(), c.cm.plan)
		return err
	})
	if rdr != nil {
		defer func() { _ = guard(func() error { rdr.Release(); return nil }) }()
	}
	if err != nil {
		return streamErr(c, t, err)
	}
	for {
		var (
			b    arrow.RecordBatch
			more bool
		)
		err := guard(func() error {
			if more = rdr.Next(); !more {
				if err := rdr.Err(); err != nil {
					return corrupt(err)
				}
				return nil
			}
			b = rdr.RecordBatch()
			return nil
		})
		if err != nil {
			return streamErr(c, t, err)
		}
		if !more {
			return ctx.Err()
		}
		if err := c.batch(b); err != nil {
			return err
		}
	}
}

// streamErr is fileErr for a streamed object.
func streamErr(c *columnEmitter, t *transport, err error) error {
	if t.err != nil {
		return transportErr(c.e.uri, t.err)
	}
	return c.fileErr(nil, err)
}
