package pipeline

import (
	"github.com/prov-ai/prov/stages"
)

// stateMerger merges the stage states of the objects processAll checks or
// reuses, in plan order, while the workers go on with later objects. Seal's
// pass 0 (mergeSegments) then only verifies the segments instead of
// decoding and merging every object's states after the last object is
// checked: that work was a serial tail which bounded how well a run scales
// with workers. The states merged are decoded from the bytes the trailer
// file holds (loadStates), exactly what seal would decode, so the merged
// result is the same either way.
//
// It holds the decoded states of objects that finished ahead of an earlier
// one, at most maxPending per worker (a few megabytes each for the sampling
// stages); past that, or after any error, it gives up and seal loads the
// states from the trailer files as before.
type stateMerger struct {
	rc      *runCtx
	n       int
	in      chan mergeItem
	done    chan struct{}
	merged  []stages.State
	next    int
	pending map[int][]stages.State
	gaveUp  bool
}

type mergeItem struct {
	idx    int
	states []stages.State // nil: give up
}

// maxPending bounds the objects whose decoded states wait for an earlier
// object (per worker).
const maxPending = 2

func newStateMerger(rc *runCtx, n int) *stateMerger {
	sm := &stateMerger{rc: rc, n: n, in: make(chan mergeItem, n), done: make(chan struct{}),
		merged: make([]stages.State, len(rc.stages)), pending: map[int][]stages.State{}}
	for i, s := range rc.stages {
		sm.merged[i] = s.NewState()
	}
	go sm.run()
	return sm
}

// add decodes an object's states on the calling worker and queues them; it
// never blocks on the merge. A nil merger (shard runs) ignores it.
func (sm *stateMerger) add(idx int, path string, t *segTrailer) {
	if sm == nil {
		return
	}
	var states []stages.State
	if t != nil {
		var err error
		if states, err = sm.rc.loadStates(path, t); err != nil {
			// seal decodes it again and reports the error
			states = nil
		}
	}
	sm.in <- mergeItem{idx, states}
}

func (sm *stateMerger) run() {
	defer close(sm.done)
	defer func() {
		// A panic in a stage's Merge: seal merges again and reports it.
		if r := recover(); r != nil {
			sm.gaveUp = true
			for range sm.in {
			}
		}
	}()
	limit := maxPending * max(sm.rc.opts.Workers, 1)
	for it := range sm.in {
		if sm.gaveUp {
			continue
		}
		if it.states == nil {
			sm.gaveUp, sm.pending = true, nil
			continue
		}
		sm.pending[it.idx] = it.states
		for {
			st, ok := sm.pending[sm.next]
			if !ok {
				break
			}
			delete(sm.pending, sm.next)
			sm.next++
			if err := sm.rc.mergeStates(sm.merged, st); err != nil {
				sm.gaveUp, sm.pending = true, nil
				break
			}
		}
		if len(sm.pending) > limit {
			sm.gaveUp, sm.pending = true, nil
		}
	}
}

// wait returns the merged states once every worker is done (add is not
// called again), or nil when not every object was merged.
func (sm *stateMerger) wait() []stages.State {
	if sm == nil {
		return nil
	}
	close(sm.in)
	<-sm.done
	if sm.gaveUp || sm.next != sm.n {
		return nil
	}
	return sm.merged
}
