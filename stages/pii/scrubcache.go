package pii

import (
	"hash/maphash"
	"slices"
	"strings"
	"sync/atomic"
)

// The texts ScrubMask is given repeat: a run's findings carry a few hundred
// distinct messages and evidence strings (licence and annotation messages,
// legality evidence, the PII stage's messages) for tens of thousands of
// findings, and attributions repeat per source. What detectKey finds in a
// text depends on the text alone, so ScrubMask remembers it for recent
// texts in a small direct-mapped cache shared by the process's workers
// (lock-free: each slot is an immutable entry swapped atomically). The
// masking itself (keyed hashes, the subject id) still runs on every call.
// The cache holds at most scrubSlots texts of at most scrubCacheMax bytes
// each, in memory only; a text is compared whole, never by its hash alone.
// A text enters the cache the second time its slot sees its hash: the
// attribution of every record (it names the record's URL or id) and most
// legality messages (they name a fetch time) occur once, and then cost a
// hash and a store, not a copy.
const (
	scrubSlots    = 1024
	scrubCacheMax = 512
)

type scrubEntry struct {
	text string
	ents []Entity // nil when none
}

var (
	scrubSeed  = maphash.MakeSeed()
	scrubCache [scrubSlots]atomic.Pointer[scrubEntry]
	scrubSeen  [scrubSlots]atomic.Uint64 // the hash of the last text missed in each slot
)

// scrubDetect is detectKey(s, ScrubMinScore), remembered for short texts.
// The result is the caller's to keep.
func scrubDetect(s string) []Entity {
	if len(s) > scrubCacheMax {
		return detectKey(s, ScrubMinScore)
	}
	h := maphash.String(scrubSeed, s)
	slot := &scrubCache[h&(scrubSlots-1)]
	if e := slot.Load(); e != nil && e.text == s {
		return slices.Clone(e.ents)
	}
	ents := detectKey(s, ScrubMinScore)
	if seen := &scrubSeen[h&(scrubSlots-1)]; seen.Load() != h {
		seen.Store(h)
		return ents
	}
	e := &scrubEntry{text: strings.Clone(s)}
	if len(ents) > 0 {
		e.ents = slices.Clone(ents)
	}
	slot.Store(e)
	return ents
}
