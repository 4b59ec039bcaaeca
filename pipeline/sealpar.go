package pipeline

import (
	"context"
	"fmt"
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
// order; the segments are read and decoded on another goroutine, ahead of
// fn. The chunk is reused after fn returns.
func (rc *runCtx) eachChunk(ctx context.Context, plans []objectPlan, fn func(op *objectPlan, c *segChunk) error) error {
	type item struct {
		op  *objectPlan
		c   *segChunk
		err error
	}
	const ahead = 4
	ctx, cancel := context.WithCancel(ctx)
	items := make(chan item, ahead)
	free := make(chan *segChunk, ahead+2)
	for range ahead + 2 {
		free <- &segChunk{}
	}
	go func() {
		defer close(items)
		var perr error
		defer func() {
			if perr != nil && ctx.Err() == nil {
				items <- item{err: perr}
			}
		}()
		defer recovered(&perr, "reading segments")
		for i := range plans {
			op := &plans[i]
			r, err := openSegment(op.path)
			if err != nil {
				items <- item{err: err}
				return
			}
			_, err = r.eachFindings(func(c *segChunk) error {
				var out *segChunk
				select {
				case out = <-free:
				case <-ctx.Done():
					return ctx.Err()
				}
				// Hand the decoded slices over and decode the next chunk
				// into the ones fn is done with.
				out.Records, c.Records = c.Records, out.Records[:0]
				out.Findings, c.Findings = c.Findings, out.Findings[:0]
				out.skipped = c.skipped
				select {
				case items <- item{op: op, c: out}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			_ = r.close()
			if err != nil {
				if ctx.Err() == nil {
					items <- item{err: err}
				}
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range items { // let the reader see the cancel and finish
		}
	}()
	for it := range items {
		if it.err != nil {
			return it.err
		}
		if err := fn(it.op, it.c); err != nil {
			return err
		}
		free <- it.c
	}
	return ctx.Err()
}
