package spdxmatch

import (
	"bytes"
	"math"
	"slices"
	"sort"
	"sync"
)

// matchBuf holds the per-call buffers of Match, reused across calls.
type matchBuf struct {
	toks    []token
	seq     []uint32
	indexed []uint32
	count   []int32 // zero between uses (counts)
	named   []int32
	words   []uint64
	u       []uint32
	refs    []ref
	flags   []bool
}

// ref is the range of a shingle's postings.
type ref struct{ lo, hi int }

// counts returns a count per licence, zero: its users set back to zero
// the counts they raise.
func (b *matchBuf) counts(n int) []int32 {
	if len(b.count) != n {
		b.count = make([]int32, n)
	}
	return b.count
}

var bufPool = sync.Pool{New: func() any { return new(matchBuf) }}

// Hit is one licence found in a text.
type Hit struct {
	ID string
	// Coverage is the share of the licence's shingles found in the text
	// (0..1); a full text, re-wrapped or with a copyright line added, is
	// close to 1.
	Coverage float64
	// Precision is the share of the text's shingles (within Start..End)
	// that belong to the licence.
	Precision float64
	// Share is the share of the text's distinct shingles that belong to
	// the licence: close to 1 when the text is that licence and little
	// else.
	Share float64
	// Start and End delimit the matched part of the text (bytes).
	Start, End int
}

// Thresholds of Match.
const (
	// MinCoverage is the share of a licence's shingles a text must hold.
	MinCoverage = 0.5
	// minShared is the least number of shared shingles of any match: a
	// shorter overlap is a common phrase, not a licence.
	minShared = 12
	// maxHits bounds the licences reported for one text.
	maxHits = 4
)

// Match returns the licences whose texts text holds, best first: each
// round picks, among the licences with Coverage ≥ MinCoverage of the
// shingles not yet explained, the one maximising 2·shared − size (the
// most specific variant present), then removes its shingles.
func (ix *Index) Match(text []byte) []Hit {
	if !ix.mayMatch(text) {
		return nil
	}
	return ix.match(text)
}

// mayMatch reports whether Match may find a licence in text: false when
// its words' shingles cannot reach minShared held ones, which match
// needs (TestMayMatch). The words are hashed and their shingles looked up
// in one pass (a Prober's), without the spans, line flags and copyright
// line pass of the tokeniser, so a text that is not a licence (a short
// record with a licence word) is ruled out for less than match's own
// early return.
//
// The bound: match's words are these words (wordHashes', TestWordHashes)
// less those of the lines the tokeniser skips (from a first word
// "copyright" followed by a year or (c), or from a © that starts a line,
// to the line's end), each skipped line one run of words. Each shingle of
// match is either a shingle of these words (the held ones counted here)
// or spans the gap left by a skipped run, at most two per gap; each
// skipped line starts at a word "copyright" or at a ©, so there are no
// more gaps than such words and ©s.
func (ix *Index) mayMatch(text []byte) bool {
	if len(text) > math.MaxInt32 {
		return true // the Prober's spans are int32
	}
	p := ix.NewProber(text)
	defer p.Release()
	// A licence text reaches the count in its first words: read on only
	// while it is not reached.
	for b := 0; b < len(text); {
		b = min(len(text), b+mayMatchStep)
		if p.extend(b); p.heldCount() >= minShared {
			return true
		}
	}
	gaps := bytes.Count(text, []byte("©"))
	for _, w := range p.words {
		if w.h == hashCopyright {
			gaps++
		}
	}
	return p.heldCount()+2*gaps >= minShared
}

// mayMatchStep is the number of bytes mayMatch reads between looks at its
// count.
const mayMatchStep = 256

// match is Match without the bound.
func (ix *Index) match(text []byte) []Hit {
	buf := bufPool.Get().(*matchBuf)
	defer bufPool.Put(buf)
	toks := tokenise(text, buf.toks[:0])
	buf.toks = toks[:0]
	if len(toks) < 3 {
		return nil
	}
	seq := shingles(toks, buf.seq[:0])
	buf.seq = seq[:0]
	// Only the shingles of the index can count towards a licence: keep
	// those, and stop when fewer than minShared distinct ones remain
	// (prose that merely quotes a licence sentence has a handful). The
	// same answer as matching all of them, at the cost of one lookup per
	// shingle.
	indexed := buf.indexed[:0]
	for _, s := range seq {
		if lo, hi := ix.postings(s); hi > lo {
			indexed = append(indexed, s)
		}
	}
	buf.indexed = indexed[:0]
	if len(indexed) < minShared {
		return nil
	}
	u := uniq(append(buf.u[:0], indexed...))
	buf.u = u[:0]
	if len(u) < minShared {
		return nil
	}
	refs := slices.Grow(buf.refs[:0], len(u))[:len(u)]
	buf.refs = refs[:0]
	for i, s := range u {
		lo, hi := ix.postings(s)
		refs[i] = ref{lo, hi}
	}
	// pos[p] is the index in u of the shingle at position p (-1 for a
	// shingle outside the index); distinct is the number of distinct
	// shingles of the text. Both are computed once a licence is found.
	var pos []int32
	distinct := 0
	locate := func() {
		pos = make([]int32, len(seq))
		for p, s := range seq {
			i, ok := slices.BinarySearch(u, s)
			if !ok {
				i = -1
			}
			pos[p] = int32(i)
		}
		distinct = len(uniq(append([]uint32(nil), seq...)))
	}
	counts := buf.counts(len(ix.Licences))
	defer clear(counts) // zero between uses
	flags := slices.Grow(buf.flags[:0], 2*len(u))[:2*len(u)]
	clear(flags)
	buf.flags = flags[:0]
	explained, inBest := flags[:len(u)], flags[len(u):]
	var hits []Hit
	for round := 0; round < maxHits; round++ {
		clear(counts)
		for i, r := range refs {
			if explained[i] {
				continue
			}
			for k := r.lo; k < r.hi; k++ {
				counts[ix.post(k)]++
			}
		}
		best, bestScore, bestCov := -1, int32(0), 0.0
		for l, c := range counts {
			if c < minShared {
				continue
			}
			n := int32(ix.Licences[l].Shingles)
			cov := float64(c) / float64(n)
			if cov < MinCoverage {
				continue
			}
			score := 2*c - n
			if best < 0 || score > bestScore || score == bestScore && cov > bestCov {
				best, bestScore, bestCov = l, score, cov
			}
		}
		if best < 0 {
			break
		}
		if pos == nil {
			locate()
		}
		// Mark its shingles explained and find its span.
		in := func(i int) bool {
			r := refs[i]
			k := sort.Search(r.hi-r.lo, func(k int) bool { return ix.post(r.lo+k) >= best })
			return k < r.hi-r.lo && ix.post(r.lo+k) == best
		}
		for i := range u {
			inBest[i] = in(i)
			if inBest[i] {
				explained[i] = true
			}
		}
		start, end := -1, 0
		for p := range seq {
			if i := pos[p]; i >= 0 && inBest[i] {
				if start < 0 {
					start = p
				}
				end = p
			}
		}
		h := Hit{ID: ix.Licences[best].ID, Coverage: min(1, bestCov), Share: float64(counts[best]) / float64(distinct)}
		if start >= 0 {
			h.Start, h.End = toks[start].start, toks[end+2].end
			h.Precision = float64(counts[best]) / float64(end-start+1)
		}
		hits = append(hits, h)
	}
	return hits
}

// Probe reports whether text, a stretch of a few hundred bytes of a longer
// text, may lie in a licence text that Match would find: it holds at least
// dense distinct shingles of the index (a stretch of a long licence holds
// nearly all of its ~20 shingles per 100 bytes), or at least minShared
// that are half of its shingles (a stretch of a licence in a script with
// few words per byte), or some licence has at least minShared and
// MinCoverage of its shingles in it (a short licence that fits in the
// stretch). Prose that quotes a licence sentence holds
// that sentence's dozen shingles and no licence's threshold. Its words
// are Match's (wordHashes), but copyright lines are not skipped: they add
// a few shingles that are rarely a licence's.
func (ix *Index) Probe(text []byte, dense int) bool {
	buf := bufPool.Get().(*matchBuf)
	defer bufPool.Put(buf)
	words := wordHashes(text, buf.words[:0])
	buf.words = words[:0]
	held := buf.seq[:0]
	ix.prefixStart()
	for i := 0; i+2 < len(words); i++ {
		s := shingle(words[i], words[i+1], words[i+2])
		if !ix.mayHold(s) {
			continue // most shingles of prose: ruled out with one load
		}
		if lo, hi := ix.postings(s); hi > lo {
			held = append(held, s)
		}
	}
	buf.seq = held[:0]
	return ix.probeHeld(buf, held, max(0, len(words)-2), dense)
}

// probeHeld is Probe's decision on the shingles of a stretch the index
// holds (held, in any order; sorted in place) and its number of
// shingles.
func (ix *Index) probeHeld(buf *matchBuf, held []uint32, total, dense int) bool {
	if len(held) < min(dense, minShared) {
		// Fewer shingles than either test needs even before duplicates
		// are dropped (prose quoting one licence sentence): no sort.
		return false
	}
	held = distinct(held)
	if len(held) >= dense {
		return true
	}
	if len(held) < minShared {
		return false
	}
	if 2*len(held) >= total {
		return true // most of a stretch with few words (Japanese, Chinese)
	}
	// Counts per licence, of the licences the shingles name only (the
	// counts are zero again on return). A licence l passes with a count
	// c ≤ len(held) (a key names a licence once) of at least MinCoverage
	// of its Shingles, so only licences of at most
	// len(held)/MinCoverage shingles can: when that is at most
	// shortShingles (always, for the probes of Detect: len(held) < 20
	// here), the keys outside shortKeys are not counted. Every key of a
	// licence that can pass is in shortKeys, so its count is exact; a
	// licence that cannot keeps a count at most its full one, and still
	// cannot (TestProbeHeldShort).
	short := float64(len(held)) <= MinCoverage*shortShingles
	ix.prefixStart() // shortKeys, shortBits
	counts := buf.counts(len(ix.Licences))
	named := buf.named[:0]
	for _, s := range held {
		if short {
			if !ix.mayBeShort(s) {
				continue
			}
			if _, ok := slices.BinarySearch(ix.shortKeys, s); !ok {
				continue
			}
		}
		lo, hi := ix.postings(s)
		for k := lo; k < hi; k++ {
			l := ix.post(k)
			if counts[l] == 0 {
				named = append(named, int32(l))
			}
			counts[l]++
		}
	}
	found := false
	for _, l := range named {
		c := counts[l]
		found = found || c >= minShared && float64(c) >= MinCoverage*float64(ix.Licences[l].Shingles)
		counts[l] = 0
	}
	buf.named = named[:0]
	return found
}

// distinct removes the repeated values of s in place (in any order): a
// stretch's few dozen held shingles go through a small hash set, more are
// sorted (uniq).
func distinct(s []uint32) []uint32 {
	const slots = 128
	if len(s) > slots/2 {
		return uniq(s)
	}
	var set [slots]uint64 // value | 1<<32 when taken
	out := s[:0]
	for _, v := range s {
		k := v * 0x9E3779B1 >> 25
		for set[k] != 0 && uint32(set[k]) != v {
			k = (k + 1) % slots
		}
		if set[k] == 0 {
			set[k] = uint64(v) | 1<<32
			out = append(out, v)
		}
	}
	return out
}
