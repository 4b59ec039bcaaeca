package quality

import (
	"math"
	"sync"
	"sync/atomic"
)

// sampleGate is shared by every State of one Stage (one process): it keeps
// the k smallest distinct sample hashes any of them has seen. A record whose
// hash is above the k-th smallest seen so far can never be in the final
// bottom-k sample of the dataset (that threshold only falls), so its MinHash
// signature and n-gram figures need not be computed. Without the gate each
// object's fresh State admitted its first k records, and the quality pass
// cost half the run.
//
// The merged sample of a run is exactly the bottom-k of the dataset: states
// made by other processes (shards) used thresholds from their own subset,
// which are never below the dataset's. Segments reused from an earlier run
// over partly different objects may lack a few records in the sample's top
// band; the sample is then still a hash-chosen random sample and the
// estimates keep their stated error, but can differ from a fresh run's.
type sampleGate struct {
	k   int
	thr atomic.Uint64 // k-th smallest hash seen; MaxUint64 until k are seen

	mu  sync.Mutex
	h   []uint64 // max-heap (siftUpU64, siftDownU64)
	set map[uint64]struct{}
}

func newSampleGate(k int) *sampleGate {
	g := &sampleGate{k: k, set: map[uint64]struct{}{}}
	g.thr.Store(math.MaxUint64)
	return g
}

// admits reports whether a record with sample hash h may still be in the
// dataset's bottom-k sample, and records h.
func (g *sampleGate) admits(h uint64) bool {
	if g == nil {
		return true
	}
	if h > g.thr.Load() {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.set[h]; ok {
		return true
	}
	if len(g.h) >= g.k && h > g.h[0] {
		return false
	}
	g.set[h] = struct{}{}
	if len(g.h) >= g.k {
		delete(g.set, g.h[0])
		g.h[0] = h // replaces the largest
		siftDownU64(g.h, 0)
	} else {
		g.h = append(g.h, h)
		siftUpU64(g.h, len(g.h)-1)
	}
	if len(g.h) == g.k {
		g.thr.Store(g.h[0])
	}
	return true
}
