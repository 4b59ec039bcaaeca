package pipeline

import (
	"os"

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
	rc *runCtx
	n  int
	// verified holds, per plan index, the segment a worker verified right
	// after checking (or reusing) its object (verify): seal's pass 0 then
	// does not read it again. Written by the workers before they add the
	// object, read by seal after processAll's workers have ended.
	verified []*verifiedSeg
	in       chan mergeItem
	done     chan struct{}
	merged   []stages.State
	next     int
	pending  map[int]mergeItem
	decoded  int // pending items holding decoded states
	gaveUp   bool
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
		merged: make([]stages.State, len(rc.stages)), pending: map[int]mergeItem{},
		verified: make([]*verifiedSeg, n)}
	for i, s := range rc.stages {
		sm.merged[i] = s.NewState()
	}
	go sm.run()
	return sm
}

// verifiedSeg is a segment verified as seal's pass 0 verifies it
// (readTrailer: the trailer's MAC and the segment's SHA-256), with its
// header and trailer (states dropped once decoded) and what its two files
// were when it was verified.
type verifiedSeg struct {
	path      string
	hdr       segHeader
	trail     *segTrailer
	seg, tail os.FileInfo
}

// unchanged reports whether the segment's files are still those verified
// (same files, sizes and modification times). Seal verifies a changed one
// again (and reads its object again if it fails); a change this misses
// (a write within the file system's timestamp granularity) still fails
// the run, as every chunk seal reads is authenticated (segReader).
func (v *verifiedSeg) unchanged() bool {
	for _, f := range []struct {
		path string
		was  os.FileInfo
	}{{v.path, v.seg}, {v.path + ".trailer", v.tail}} {
		fi, err := os.Stat(f.path)
		if err != nil || !os.SameFile(fi, f.was) || fi.Size() != f.was.Size() || !fi.ModTime().Equal(f.was.ModTime()) {
			return false
		}
	}
	return true
}

// verify verifies the segment a worker has just written or reused, on the
// worker, and adds the states of the verified trailer file. Seal's pass 0
// verifies every segment before it uses any, a serial step after the last
// object; done here, the segments of the objects checked first are
// verified while the workers go on, and pass 0 verifies again only those
// changed since (verifiedSeg.unchanged). A segment that fails here is left
// to seal, which handles it as before (it discards it and reads the object
// again). A nil merger (shard runs: seal runs elsewhere) does nothing.
func (sm *stateMerger) verify(idx int, path string) {
	if sm == nil {
		return
	}
	seg, err1 := os.Stat(path)
	tail, err2 := os.Stat(path + ".trailer")
	hdr, t, err := readTrailer(path, sm.rc.segKey)
	if err1 != nil || err2 != nil || err != nil {
		sm.add(idx, path, nil) // seal verifies and merges from the files
		return
	}
	sm.verified[idx] = &verifiedSeg{path: path, hdr: hdr, trail: t, seg: seg, tail: tail}
	sm.add(idx, path, t)
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
