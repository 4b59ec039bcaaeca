package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/prov-ai/prov/stages"
)

// Pass 0 of seal: every object's segment exists; the stages' states are
// merged and concluded.

// objectPlan is one object of the version with its segment.
type objectPlan struct {
	idx   int // position in the plan
	p     planned
	path  string
	hdr   segHeader
	trail *segTrailer
}

// mergeSegments reads every object's segment trailer (on --workers
// goroutines), fails with ErrMissingShard when one is missing, merges the
// stage states in plan order and concludes the stages, one conclusion per
// stage. When processAll merged the states (rc.merger), the trailers are
// only verified, while the merger folds the last objects' states; if it
// could not merge them all, or seal has to read an object again (its
// segment failed verification), the states are loaded from every trailer
// file as without the merger.
func (rc *runCtx) mergeSegments(ctx context.Context, objs []planned) ([]objectPlan, []stages.Conclusion, error) {
	var pre []stages.State
	var merged0 chan struct{}
	if sm := rc.merger; sm != nil {
		rc.merger = nil
		merged0 = make(chan struct{})
		go func() {
			defer close(merged0)
			pre = sm.wait()
		}()
		plans, checked, err := rc.verifySegments(ctx, objs, merged0, &pre)
		if err != nil || plans != nil {
			return plans, checked, err
		}
		// The merger gave up, or an object was read again: merge from the
		// trailer files, which are all verified now.
		return rc.mergeSegments(ctx, objs)
	}
	return rc.verifySegments(ctx, objs, nil, &pre)
}

// verifySegments is mergeSegments over the merged states *pre, which are
// final once merged is closed (nil: no merger, pre stays nil and the
// states are loaded from the trailer files). With a merger, it returns nil
// plans and no error when the merger could not merge every object or an
// object was read again.
func (rc *runCtx) verifySegments(ctx context.Context, objs []planned, mergedCh chan struct{}, prep *[]stages.State) ([]objectPlan, []stages.Conclusion, error) {
	withMerger := mergedCh != nil
	plans := make([]objectPlan, 0, len(objs))
	var missing []string
	var merged []stages.State
	if !withMerger {
		merged = make([]stages.State, len(rc.stages))
		for i, s := range rc.stages {
			merged[i] = s.NewState()
		}
	}
	type loaded struct {
		op      objectPlan
		states  []stages.State
		missing string
		reread  bool
	}
	reread := false
	// With a merger, the stages conclude over the merged states while the
	// segments are verified (the conclusion is a function of the merged
	// states alone); it is dropped when the states are merged again.
	var early struct {
		per  []stages.Conclusion
		err  error
		done chan struct{}
	}
	if withMerger {
		early.done = make(chan struct{})
		go func() {
			defer close(early.done)
			defer recovered(&early.err, "sealing dataset "+rc.ds.Name+": concluding the stages")
			<-mergedCh
			if m := *prep; m != nil {
				early.per, early.err = rc.conclude(m)
			}
		}()
	}
	err := inOrder(ctx, len(objs), rc.opts.Workers, func(ctx context.Context, i int) (loaded, error) {
		op, states, miss, again, err := rc.trailerOf(ctx, objs[i], !withMerger)
		return loaded{op, states, miss, again}, err
	}, func(l loaded) error {
		if l.missing != "" {
			missing = append(missing, l.missing)
			return nil
		}
		reread = reread || l.reread
		if len(missing) == 0 && !withMerger {
			if err := rc.mergeStates(merged, l.states); err != nil {
				return err
			}
		}
		l.op.idx = len(plans)
		plans = append(plans, l.op)
		return nil
	})
	if withMerger {
		t := time.Now()
		<-mergedCh // the merger's goroutine has ended whatever happened
		merged = *prep
		rc.log.Debug("seal: segments verified", "objects", len(objs), "merger_wait", time.Since(t))
		<-early.done
	}
	if err != nil {
		return nil, nil, err
	}
	if len(missing) > 0 {
		return nil, nil, fmt.Errorf("sealing dataset %s: %w: %d object(s) not processed yet, first %s (run the missing shards)",
			rc.ds.Name, ErrMissingShard, len(missing), missing[0])
	}
	if withMerger && (merged == nil || reread) {
		return nil, nil, nil
	}
	if withMerger {
		if early.err != nil {
			return nil, nil, early.err
		}
		return plans, early.per, nil
	}
	per, err := rc.conclude(merged)
	if err != nil {
		return nil, nil, err
	}
	return plans, per, nil
}

// loadStates decodes one object's stage states (nil for stateless
// stages), then drops the marshalled states (megabytes each for the
// sampling stages) so seal's memory does not grow with the number of
// objects.
func (rc *runCtx) loadStates(path string, t *segTrailer) ([]stages.State, error) {
	if len(t.States) != len(rc.stages) {
		return nil, fmt.Errorf("sealing dataset %s: segment %s: %w: %d stage states, want %d",
			rc.ds.Name, path, ErrBadSegment, len(t.States), len(rc.stages))
	}
	out := make([]stages.State, len(rc.stages))
	for i, s := range rc.stages {
		if t.States[i] == nil {
			continue
		}
		st := s.NewState()
		if st == nil {
			continue
		}
		if err := st.UnmarshalBinary(t.States[i]); err != nil {
			return nil, fmt.Errorf("sealing dataset %s: loading %s state of %s: %w", rc.ds.Name, s.Name(), t.Object.URI, err)
		}
		out[i] = st
	}
	t.States = nil
	return out, nil
}

// mergeStates folds one object's decoded stage states into merged.
func (rc *runCtx) mergeStates(merged, states []stages.State) error {
	for i, s := range rc.stages {
		if merged[i] == nil || states[i] == nil {
			continue
		}
		if err := merged[i].Merge(states[i]); err != nil {
			return fmt.Errorf("sealing dataset %s: merging %s state: %w", rc.ds.Name, s.Name(), err)
		}
	}
	return nil
}

// trailerOf finds an object's segment (fetching it from the shared store
// when configured) and, with decode, decodes its stage states; missing is
// its URI when no shard has processed it yet; reread reports that the
// segment failed verification and the object was read again.
func (rc *runCtx) trailerOf(ctx context.Context, p planned, decode bool) (op objectPlan, states []stages.State, missing string, reread bool, err error) {
	path := rc.segmentPath(p)
	read := readTrailer
	if !decode {
		read = verifySegment
	}
	hdr, t, err := read(path, rc.segKey)
	if err != nil && !errors.Is(err, ErrBadSegment) {
		if ok, ferr := rc.fetchSegment(ctx, path); ferr != nil {
			return op, nil, "", false, ferr
		} else if ok {
			hdr, t, err = read(path, rc.segKey)
		}
	}
	if errors.Is(err, ErrBadSegment) {
		// Never admit what a segment says unless this ledger's runs wrote
		// it; re-read the object once (processObject replaces the local
		// and the shared copy). A second failure is an error, not a loop.
		rc.warnBadSegment(p, path, err)
		for _, f := range []string{path, path + ".trailer"} {
			if rerr := os.Remove(f); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				return op, nil, "", false, fmt.Errorf("discarding segment %s: %w", f, rerr)
			}
		}
		if _, _, perr := rc.processObject(ctx, p); perr != nil {
			return op, nil, "", false, fmt.Errorf("sealing dataset %s: reading %s again after discarding its segment: %w", rc.ds.Name, rc.uriOf(p), perr)
		}
		if hdr, t, err = read(path, rc.segKey); err != nil {
			return op, nil, "", false, fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
		}
		reread = true
	}
	if err != nil {
		return op, nil, rc.uriOf(p), false, nil
	}
	if decode {
		if states, err = rc.loadStates(path, t); err != nil {
			return op, nil, "", false, err
		}
	} else {
		t.States = nil
	}
	return objectPlan{p: p, path: path, hdr: hdr, trail: t}, states, "", reread, nil
}
