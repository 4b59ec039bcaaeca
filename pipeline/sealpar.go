package pipeline

import (
	"context"
	"fmt"
	"sync"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// sealedObject is one object's share of seal's first pass: its records'
// final verdicts folded into counts, the admitted digests, per-source
// figures and attributions, and its record list prepared for the ledger.
type sealedObject struct {
	obj       schemas.InputObject // Counts and RecordRoot final
	prep      *lineage.PreparedRecords
	admitted  []schemas.Digest
	withdrawn int64 // admitted records rejected at seal
	srcs      map[string]*schemas.SourceRef
	// attrib counts admitted records per attribution text, in order of
	// first appearance and capped at maxAttributions texts: folding these
	// lists in object order gives the same map as counting record by
	// record (a text turned away once is turned away for good).
	attrib []attribCount
}

type attribCount struct {
	text string
	n    int64
}

// prepareObject reads an object's segment records, applies the seal-time
// overrides and prepares its record list for the ledger.
func (rc *runCtx) prepareObject(ctx context.Context, op *objectPlan, ov *overrides) (*sealedObject, error) {
	obj := op.trail.Object
	so := &sealedObject{srcs: map[string]*schemas.SourceRef{}}
	var counts schemas.Counts
	refs := make([]lineage.RecordRef, 0, min(max(obj.Counts.In, 0), 1<<20))
	attribAt := map[string]int{}
	r, err := openSegment(op.path)
	if err != nil {
		return nil, err
	}
	_, err = r.eachRecords(func(c *segChunk) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range c.Records {
			rec := &c.Records[i]
			v, f := ov.apply(obj.URI, rec)
			if f != nil {
				so.withdrawn++
			}
			counts.Add(v)
			refs = append(refs, lineage.RecordRef{Digest: rec.Digest, Line: rec.Line, Verdict: v, Subjects: rec.Subjects})
			if !v.Admitted() {
				continue
			}
			so.admitted = append(so.admitted, rec.Digest)
			sr := so.srcs[rec.Source]
			if sr == nil {
				sr = &schemas.SourceRef{ID: rec.Source}
				so.srcs[rec.Source] = sr
			}
			sr.Records++
			sr.Bytes += rec.Bytes
			if rec.Attrib != "" {
				if j, ok := attribAt[rec.Attrib]; ok {
					so.attrib[j].n++
				} else if len(so.attrib) < maxAttributions {
					attribAt[rec.Attrib] = len(so.attrib)
					so.attrib = append(so.attrib, attribCount{rec.Attrib, 1})
				}
			}
		}
		return nil
	})
	_ = r.close()
	if err != nil {
		return nil, fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
	}
	if counts.In != obj.Counts.In || !counts.Reconciles() {
		return nil, fmt.Errorf("sealing dataset %s: object %s: %w: read %d records, segment holds %d",
			rc.ds.Name, obj.URI, ErrReconcile, obj.Counts.In, counts.In)
	}
	so.prep, err = lineage.PrepareRecords(refs)
	if err != nil {
		return nil, fmt.Errorf("sealing dataset %s: object %s: %w", rc.ds.Name, obj.URI, err)
	}
	obj.RecordRoot = so.prep.Root()
	obj.Counts = counts
	so.obj = obj
	return so, nil
}

// eachSealedObject prepares the objects on up to --workers goroutines and
// calls fn with them one at a time in plan order.
func (rc *runCtx) eachSealedObject(ctx context.Context, plans []objectPlan, ov *overrides, fn func(*sealedObject) error) error {
	return inOrder(ctx, len(plans), rc.opts.Workers,
		func(ctx context.Context, i int) (*sealedObject, error) { return rc.prepareObject(ctx, &plans[i], ov) }, fn)
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
				v, err := prepare(ctx, i)
				results[i] <- result{v, err}
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
		for i := range plans {
			op := &plans[i]
			r, err := openSegment(op.path)
			if err != nil {
				items <- item{err: err}
				return
			}
			_, err = r.each(func(c *segChunk) error {
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
