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
// stages); past that it keeps only their segment paths and reads those
// trailer files again when their turn comes. After any error it gives up
// and seal loads every state from the trailer files as before.
type stateMerger struct {
	rc      *runCtx
	n       int
	in      chan mergeItem
	done    chan struct{}
	merged  []stages.State
	next    int
	pending map[int]mergeItem
	decoded int // pending items holding decoded states
	gaveUp  bool
}

type mergeItem struct {
	idx    int
	path   string
	states []stages.State // nil: give up (from add); read the trailer again (pending)
	waited bool           // queued with its states behind an earlier object
}

// maxPending bounds the objects whose decoded states wait for an earlier
// object (per worker).
const maxPending = 2

func newStateMerger(rc *runCtx, n int) *stateMerger {
	sm := &stateMerger{rc: rc, n: n, in: make(chan mergeItem, n), done: make(chan struct{}),
		merged: make([]stages.State, len(rc.stages)), pending: map[int]mergeItem{}}
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
	sm.in <- mergeItem{idx: idx, path: path, states: states}
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
			sm.giveUp()
			continue
		}
		if it.idx != sm.next {
			if sm.decoded < limit {
				it.waited = true
				sm.decoded++
			} else {
				it.states = nil // read again when its turn comes
			}
		}
		sm.pending[it.idx] = it
		for !sm.gaveUp {
			p, ok := sm.pending[sm.next]
			if !ok {
				break
			}
			delete(sm.pending, sm.next)
			sm.next++
			if p.waited {
				sm.decoded--
			}
			if p.states == nil {
				p.states = sm.reload(p.path)
			}
			if p.states == nil {
				sm.giveUp()
				break
			}
			if err := sm.rc.mergeStates(sm.merged, p.states); err != nil {
				sm.giveUp()
			}
		}
	}
}

func (sm *stateMerger) giveUp() { sm.gaveUp, sm.pending = true, nil }

// reload reads an object's states from its (verified) trailer file; nil
// when it cannot.
func (sm *stateMerger) reload(path string) []stages.State {
	_, t, err := readTrailer(path, sm.rc.segKey)
	if err != nil {
		return nil
	}
	states, err := sm.rc.loadStates(path, t)
	if err != nil {
		return nil
	}
	return states
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
