package pipeline

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// ingestQueue is how many folded objects may wait for the ledger: pass 1
// folds ahead of the ledger by that many objects, so when the last object
// is folded the ledger has at most that many (and the one it is writing)
// left, which it writes while seal builds findings.parquet. Each waiting
// object holds its prepared record list (a few MB per 64 MB object).
const ingestQueue = 2

// ingester records pass 1's objects in the ledger in plan order on its own
// goroutine (one IngestObject at a time, as before: the ledger entries and
// their order do not change). Seal waits for it (wait) before it reads the
// ledger again or seals the version.
type ingester struct {
	q      chan ingestItem
	failed chan struct{} // closed when an ingestion failed: err is set
	done   chan struct{} // closed when the goroutine has returned
	close  sync.Once
	err    error
	leaves []uint64
	took   time.Duration
}

type ingestItem struct {
	obj  schemas.InputObject
	prep *lineage.PreparedRecords
}

// startIngest starts the ingester of the dataset's objects.
func (rc *runCtx) startIngest(ctx context.Context, policyDigest string) *ingester {
	in := &ingester{q: make(chan ingestItem, ingestQueue), failed: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(in.done)
		var err error
		defer func() {
			if err != nil {
				in.err = err
				close(in.failed)
				for range in.q { // let add and wait return
				}
			}
		}()
		defer recovered(&err, "sealing dataset "+rc.ds.Name+": recording objects in the ledger")
		for it := range in.q {
			t := time.Now()
			leaf, ierr := rc.opts.Recorder.IngestObject(ctx, ObjectDetails{Dataset: rc.ds.Name, RunID: rc.runID,
				PolicyDigest: policyDigest, Object: it.obj}, it.prep)
			in.took += time.Since(t)
			if ierr != nil {
				err = fmt.Errorf("sealing dataset %s: recording %s in the ledger: %w", rc.ds.Name, it.obj.URI, ierr)
				return
			}
			in.leaves = append(in.leaves, leaf)
		}
	}()
	return in
}

// add queues an object for the ledger; it returns the ingester's error
// once an ingestion failed.
func (in *ingester) add(ctx context.Context, obj schemas.InputObject, prep *lineage.PreparedRecords) error {
	select {
	case in.q <- ingestItem{obj, prep}:
		return nil
	case <-in.failed:
		return in.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wait lets the ingester finish the objects queued and returns the
// objects' ledger entries. It may be called more than once.
func (in *ingester) wait() ([]uint64, time.Duration, error) {
	in.close.Do(func() { close(in.q) })
	<-in.done
	return in.leaves, in.took, in.err
}
