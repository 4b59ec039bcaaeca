package spdxmatch

import (
	"slices"
	"sort"
)

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
	toks := tokenise(text, make([]token, 0, len(text)/6+8))
	if len(toks) < 3 {
		return nil
	}
	seq := shingles(toks, make([]uint32, 0, len(toks)))
	u := uniq(append([]uint32(nil), seq...))
	type ref struct{ lo, hi int }
	refs := make([]ref, len(u))
	for i, s := range u {
		lo, hi := ix.postings(s)
		refs[i] = ref{lo, hi}
	}
	// pos[p] is the index in u of the shingle at position p.
	pos := make([]int32, len(seq))
	for p, s := range seq {
		i, _ := slices.BinarySearch(u, s)
		pos[p] = int32(i)
	}
	counts := make([]int32, len(ix.Licences))
	explained := make([]bool, len(u))
	inBest := make([]bool, len(u))
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
			if inBest[pos[p]] {
				if start < 0 {
					start = p
				}
				end = p
			}
		}
		h := Hit{ID: ix.Licences[best].ID, Coverage: min(1, bestCov), Share: float64(counts[best]) / float64(len(u))}
		if start >= 0 {
			h.Start, h.End = toks[start].start, toks[end+2].end
			h.Precision = float64(counts[best]) / float64(end-start+1)
		}
		hits = append(hits, h)
	}
	return hits
}
