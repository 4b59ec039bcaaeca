package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// recovered, deferred in a goroutine of the seal, turns a panic there (a
// bug in a stage's state or a decoder) into *errp naming what it was doing,
// so the run fails with exit 1 like any error instead of the Go runtime's
// crash (exit 2, which the exit-code contract reserves for bad usage).
func recovered(errp *error, what string) {
	if r := recover(); r != nil {
		*errp = fmt.Errorf("%s: internal error (a bug): %v\n%s", what, r, debug.Stack())
	}
}

// inOrder runs prepare(i) for i in [0, n) on up to workers goroutines and
// calls fold with the results one at a time in order of i, so what fold
// builds does not depend on the number of workers. At most workers+1
// results are held at once. The first error stops it.
func inOrder[T any](ctx context.Context, n, workers int, prepare func(ctx context.Context, i int) (T, error), fold func(T) error) error {
	type result struct {
		v   T
		err error
	}
	ctx, cancel := context.WithCancel(ctx)
	results := make([]chan result, n)
	for i := range results {
		results[i] = make(chan result, 1)
	}
	slots := make(chan struct{}, max(workers, 1))
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		var wg sync.WaitGroup
		defer wg.Wait()
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				var r result
				func() {
					defer recovered(&r.err, fmt.Sprintf("preparing item %d", i))
					r.v, r.err = prepare(ctx, i)
				}()
				results[i] <- r
			}()
		}
	}()
	defer func() {
		cancel()
		<-produced
	}()
	for i := range n {
		var r result
		select {
		case r = <-results[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-slots
		if r.err != nil {
			return r.err
		}
		if err := fold(r.v); err != nil {
			return err
		}
	}
	return nil
}

// eachChunk calls fn with every chunk of the objects' segments in plan
// order; the segments are read and decoded ahead of fn, on up to
// chunkLanes goroutines (lane l decodes objects l, l+lanes, ...; each
// object's chunks go through its own channel, drained in plan order). The
// chunk is reused after fn returns.
func (rc *runCtx) eachChunk(ctx context.Context, plans []objectPlan, fn func(op *objectPlan, c *segChunk) error) error {
	type item struct {
		c    *segChunk
		free chan *segChunk // the lane's chunks, the item's to return to
		err  error
	}
	const ahead = 4
	lanes := max(1, min(rc.opts.Workers, runtime.GOMAXPROCS(0), chunkLanes, len(plans)))
	ctx, cancel := context.WithCancel(ctx)
	feeds := make([]chan item, len(plans))
	for i := range feeds {
		feeds[i] = make(chan item, ahead)
	}
	var wg sync.WaitGroup
	for l := range lanes {
		free := make(chan *segChunk, ahead+2)
		for range ahead + 2 {
			free <- &segChunk{}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := l; i < len(plans); i += lanes {
				err := decodeFindingsInto(ctx, &plans[i], free, func(c *segChunk) error {
					select {
					case feeds[i] <- item{c: c, free: free}:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
				if err != nil {
					if ctx.Err() == nil {
						select {
						case feeds[i] <- item{err: err}:
						case <-ctx.Done():
						}
					}
					return
				}
				close(feeds[i])
			}
		}()
	}
	defer func() {
		cancel()
		wg.Wait()
	}()
	for i := range plans {
		for {
			var it item
			var ok bool
			select {
			case it, ok = <-feeds[i]:
			case <-ctx.Done():
				return ctx.Err()
			}
			if !ok {
				break
			}
			if it.err != nil {
				return it.err
			}
			if err := fn(&plans[i], it.c); err != nil {
				return err
			}
			it.free <- it.c
		}
	}
	return ctx.Err()
}

// chunkLanes bounds the goroutines eachChunk decodes segments on.
const chunkLanes = 2

// decodeFindingsInto reads op's segment (the findings, records counted)
// and sends each chunk, decoded into one taken from free, to send.
func decodeFindingsInto(ctx context.Context, op *objectPlan, free chan *segChunk, send func(c *segChunk) error) (err error) {
	defer recovered(&err, "reading segment "+op.path)
	r, err := openSegment(op.path)
	if err != nil {
		return err
	}
	defer func() { _ = r.close() }()
	_, err = r.eachFindings(func(c *segChunk) error {
		var out *segChunk
		select {
		case out = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Hand the decoded slices over and decode the next chunk into
		// the ones fn is done with.
		out.Records, c.Records = c.Records, out.Records[:0]
		out.Findings, c.Findings = c.Findings, out.Findings[:0]
		out.skipped = c.skipped
		return send(out)
	})
	return err
}
