package pipeline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// Pass 1 of seal: every record's final verdict, the counts, the objects'
// record roots and ledger entries, and the dataset digest.

// foldedRecords is what pass 1 gathers over the whole version.
type foldedRecords struct {
	total     schemas.Counts
	withdrawn int64 // records rejected at seal
	// held counts the records seal rejected, per rule.
	held map[string]int64
	// changed holds, per plan index, the ordinals of the admitted records
	// seal rejected: restate reads those objects again.
	changed map[int]map[int64]bool
	srcRecs map[string]*schemas.SourceRef
	attrib  map[string]int64
	leaves  []uint64 // the objects' ledger entries, once waitIngest returned
	// ingest records the objects in the ledger while seal goes on (nil
	// without a ledger); ingestTook is the time it spent in the ledger and
	// t0 the start of pass 1, for the log.
	ingest     *ingester
	ingestTook time.Duration
	t0         time.Time
	inputs     []schemas.InputObject
	digest     schemas.Digest // Merkle root over the distinct admitted digests
	distinct   int64
}

// foldRecords prepares the objects in parallel (final verdicts, canonical
// record order and root are per object) and folds them in plan order, so
// the ledger, counts and digest do not depend on the number of workers.
// The overrides go to ovlog; the admitted digests are sorted in tmpDir.
// The objects go to the ledger on another goroutine, under ingestCtx (see
// ingester): the caller must call the result's waitIngest.
//
// With feed set, prepareObject also gathers each object's duplicate
// candidates (what the duplicates pass would read the segment again for)
// and they are sent on feed.out in plan order; feed.out is closed when
// foldRecords returns.
func (rc *runCtx) foldRecords(ctx, ingestCtx context.Context, plans []objectPlan, ov *overrides, ovlog *overrideLog, tmpDir string, feed *dupFeed) (*foldedRecords, error) {
	if feed != nil {
		defer close(feed.out)
	}
	sorter := newDigestSorter(tmpDir, 0)
	pd := rc.policyDigest()
	f := &foldedRecords{srcRecs: map[string]*schemas.SourceRef{}, attrib: map[string]int64{},
		held: map[string]int64{}, changed: map[int]map[int64]bool{},
		inputs: make([]schemas.InputObject, 0, len(plans))}
	t0 := time.Now()
	if rc.opts.Recorder != nil {
		f.ingest = rc.startIngest(ingestCtx, pd)
	}
	err := rc.eachSealedObject(ctx, plans, ov, feed, func(so *sealedObject) error {
		obj := so.obj
		if feed != nil {
			select {
			case feed.out <- objHits{len(f.inputs), so.dupHits}:
				so.dupHits = nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		f.withdrawn += so.withdrawn
		if err := ovlog.add(len(f.inputs), so.overrides); err != nil {
			return err
		}
		for _, o := range so.overrides {
			f.held[o.F.RuleID]++
		}
		if len(so.changed) > 0 {
			f.changed[len(f.inputs)] = so.changed
		}
		for _, d := range so.admitted {
			if err := sorter.add(d); err != nil {
				return err
			}
		}
		for id, s := range so.srcs {
			sr := f.srcRecs[id]
			if sr == nil {
				sr = &schemas.SourceRef{ID: id}
				f.srcRecs[id] = sr
			}
			sr.Records += s.Records
			sr.Bytes += s.Bytes
		}
		for _, a := range so.attrib {
			if _, ok := f.attrib[a.text]; ok || len(f.attrib) < maxAttributions {
				f.attrib[a.text] += a.n
			}
		}
		f.total.Merge(obj.Counts)
		if f.ingest != nil {
			if err := f.ingest.add(ctx, obj, so.prep); err != nil {
				return err
			}
		}
		f.inputs = append(f.inputs, obj)
		return nil
	})
	if err != nil {
		_ = f.waitIngest()
		return nil, err
	}
	if !f.total.Reconciles() {
		_ = f.waitIngest()
		return nil, fmt.Errorf("sealing dataset %s: %w: %+v", rc.ds.Name, ErrReconcile, f.total)
	}
	if f.digest, f.distinct, err = datasetRoot(sorter, rc.opts.Workers); err != nil {
		_ = f.waitIngest()
		return nil, fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
	}
	rc.log.Debug("seal: records folded", "records", f.total.In, "took", time.Since(t0))
	f.t0 = t0
	return f, nil
}

// datasetRoot is the Merkle root over the sorted distinct digests and
// their number. It is the serial step between pass 1 and everything that
// needs the version label: when the digests fit in memory they are sorted
// and hashed on up to workers goroutines (the same root: the same tree).
func datasetRoot(sorter *digestSorter, workers int) (schemas.Digest, int64, error) {
	if ds, ok := sorter.sortedDistinct(workers); ok {
		d, err := schemas.MerkleRootOf(ds, workers)
		return d, int64(len(ds)), err
	}
	root := schemas.NewMerkleBuilder()
	if err := sorter.each(func(d schemas.Digest) error { return root.Append(d[:]) }); err != nil {
		return schemas.Digest{}, 0, err
	}
	d, err := root.Root()
	return d, int64(root.Size()), err
}

// waitIngest waits until every folded object is in the ledger (see
// ingester) and sets f.leaves; without a ledger it returns at once. Seal
// calls it before it reads the ledger again; every return path of seal
// after pass 1 calls it, so no ingestion outlives seal.
func (f *foldedRecords) waitIngest() error {
	if f.ingest == nil {
		return nil
	}
	leaves, took, err := f.ingest.wait()
	f.leaves = leaves
	f.ingestTook = took
	return err
}

// sealedObject is one object's share of seal's first pass: its records'
// final verdicts folded into counts, the admitted digests, per-source
// figures and attributions, and its record list prepared for the ledger.
type sealedObject struct {
	obj       schemas.InputObject // Counts and RecordRoot final
	prep      *lineage.PreparedRecords
	admitted  []schemas.Digest
	withdrawn int64 // records rejected at seal
	// overrides are the findings of the records seal rejected.
	overrides []override
	// changed are the ordinals of the admitted records seal rejected.
	changed map[int64]bool
	srcs    map[string]*schemas.SourceRef
	// attrib counts admitted records per attribution text, in order of
	// first appearance and capped at maxAttributions texts: folding these
	// lists in object order gives the same map as counting record by
	// record (a text turned away once is turned away for good).
	attrib []attribCount
	// dupHits are the object's duplicate candidates (with a dupFeed).
	dupHits []dupHit
}

// dupFeed hands pass 1's duplicate candidates to the duplicates pass
// (findDuplicates) running beside it: nearAt is nearIndex of the
// near-duplicate clusters.
type dupFeed struct {
	nearAt map[schemas.Digest]nearRef
	out    chan objHits
}

type attribCount struct {
	text string
	n    int64
}

// prepareObject reads an object's segment records, decides their final
// verdicts (the one place overrides.apply is called) and prepares its
// record list for the ledger.
func (rc *runCtx) prepareObject(ctx context.Context, op *objectPlan, ov *overrides, feed *dupFeed) (*sealedObject, error) {
	obj := op.trail.Object
	// overrides only take records out: the stages' admitted count bounds
	// the final one
	so := &sealedObject{srcs: map[string]*schemas.SourceRef{},
		admitted: make([]schemas.Digest, 0, min(max(obj.Counts.Admit+obj.Counts.Redact, 0), 1<<20))}
	var counts schemas.Counts
	rp := recordRefPool.Get().(*[]lineage.RecordRef)
	defer func() {
		clear(*rp) // nothing pinned
		recordRefPool.Put(rp)
	}()
	refs := slices.Grow((*rp)[:0], int(min(max(obj.Counts.In, 0), 1<<20)))
	attribAt := map[string]int{}
	r, err := openSegment(op.path)
	if err != nil {
		return nil, err
	}
	// rec.Attrib is a view of the segment's read buffer: it is copied
	// when kept (so.attrib), never kept as it is.
	_, err = r.eachRecordsViewed(func(c *segChunk) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range c.Records {
			rec := &c.Records[i]
			v, f := ov.apply(obj.URI, rec)
			if feed != nil {
				if h, ok := dupHitOf(rec, int64(len(refs)), v, f, feed.nearAt); ok {
					so.dupHits = append(so.dupHits, h)
				}
			}
			if f == nil {
				v, f = ov.applyDup(op.idx, int64(len(refs)), v, rec)
			}
			if f != nil {
				if v == schemas.Reject {
					so.withdrawn++
				}
				if rec.Verdict.Admitted() {
					if so.changed == nil {
						so.changed = map[int64]bool{}
					}
					so.changed[int64(len(refs))] = true
				}
				f.Dataset, f.Object, f.Locator = rc.ds.Name, obj.Key, schemas.Locator(obj.Key, rec.Line)
				so.overrides = append(so.overrides, override{Ord: int64(len(refs)), F: *f})
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
					a := strings.Clone(rec.Attrib)
					attribAt[a] = len(so.attrib)
					so.attrib = append(so.attrib, attribCount{a, 1})
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
	so.prep, err = lineage.PrepareRecords(refs) // copies what it keeps
	*rp = refs
	if err != nil {
		return nil, fmt.Errorf("sealing dataset %s: object %s: %w", rc.ds.Name, obj.URI, err)
	}
	obj.RecordRoot = so.prep.Root()
	obj.Counts = counts
	so.obj = obj
	return so, nil
}

// recordRefPool holds pass 1's per-object record lists (megabytes each),
// reused from object to object instead of grown afresh.
var recordRefPool = sync.Pool{New: func() any { return new([]lineage.RecordRef) }}

// eachSealedObject prepares the objects on up to --workers goroutines and
// calls fn with them one at a time in plan order.
func (rc *runCtx) eachSealedObject(ctx context.Context, plans []objectPlan, ov *overrides, feed *dupFeed, fn func(*sealedObject) error) error {
	return inOrder(ctx, len(plans), rc.opts.Workers,
		func(ctx context.Context, i int) (*sealedObject, error) {
			return rc.prepareObject(ctx, &plans[i], ov, feed)
		}, fn)
}
