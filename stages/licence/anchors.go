package licence

import "bytes"

// Anchor groups: which detector an anchor word wakes up. A text with no
// anchor at all (and no SPDX tag) has no licence evidence and costs one
// pass over its bytes.
const (
	grpLic    uint8 = 1 << iota // licence prose: windows for the text matcher and licence phrases
	grpCC                       // Creative Commons abbreviations
	grpRights                   // copyright and reservation notices
	grpUse                      // use notices (academic-only, non-commercial)
	grpDEP5                     // "License:" fields (Debian DEP-5, package metadata)
	numGroups = 5
)

// anchors are the words the detectors look for, each with its groups.
var anchors = []struct {
	s string
	g uint8
}{
	// Anchors start past their most frequent letters ("cens" for
	// licence, "pyright", "mmercial"): positions whose first two bytes
	// start no anchor cost one table lookup, and rarer first bytes mean
	// fewer candidates.
	{"cens", grpLic}, {"CENS", grpLic}, {"cenc", grpLic}, {"CENC", grpLic},
	{"mission is hereby", grpLic}, {"mission to use", grpLic}, {"mission is granted", grpLic},
	{"distribution and use", grpLic}, {"distribute", grpLic}, {"DISTRIBUTE", grpLic},
	{"blic domain", grpLic}, {"BLIC DOMAIN", grpLic},
	{"WITHOUT WARRANTY", grpLic}, {"without warranty", grpLic}, {"Without Warranty", grpLic},
	{"AS IS", grpLic}, {"RRANTIES", grpLic}, {"rranties", grpLic},
	{"Apache Group", grpLic}, {"General Public", grpLic}, {"GENERAL PUBLIC", grpLic}, {"GPL", grpLic},
	{"CC", grpCC}, {"creativecommons", grpCC}, {"共享", grpCC},
	{"ghts reserved", grpRights}, {"ghts Reserved", grpRights}, {"GHTS RESERVED", grpRights},
	{"pyright", grpRights}, {"PYRIGHT", grpRights}, {"©", grpRights},
	{"版权", grpRights}, {"版權", grpRights}, {"著作权", grpRights}, {"著作權", grpRights},
	{"转载", grpRights | grpUse}, {"轉載", grpRights | grpUse},
	{"demic", grpUse}, {"DEMIC", grpUse}, {"search", grpUse}, {"SEARCH", grpUse},
	{"ientific", grpUse}, {"holarly", grpUse}, {"ucational", grpUse},
	{"mmercial", grpUse}, {"MMERCIAL", grpUse}, {"ersonal use", grpUse},
	{"商用", grpUse}, {"商业", grpUse}, {"商業", grpUse}, {"学术", grpUse}, {"學術", grpUse},
	{"研究", grpUse}, {"科研", grpUse}, {"学习交流", grpUse},
	{"cense:", grpDEP5}, {"cence:", grpDEP5}, {"CENSE:", grpDEP5},
}

// anchorBytes are the anchors as byte slices.
var anchorBytes = func() [][]byte {
	out := make([][]byte, len(anchors))
	for i, a := range anchors {
		out[i] = []byte(a.s)
	}
	return out
}()

// maxAnchorHits caps the hits recorded per anchor word.
const maxAnchorHits = 256

// anchorHits are the positions of the anchors found in one text, by group
// (sorted within a group).
type anchorHits struct {
	pos [numGroups][]int
	any bool
}

func (h *anchorHits) group(g uint8) []int {
	for i := 0; i < numGroups; i++ {
		if g == 1<<i {
			return h.pos[i]
		}
	}
	return nil
}

// anchorPairs maps the first two bytes of the anchors to 1 + the index of
// their group in anchorByPair (0: no anchor starts with them): one table
// lookup per byte of text rules out almost every position.
var anchorPairs, anchorByPair = func() (*[1 << 16]uint8, [][]int) {
	var t [1 << 16]uint8
	var groups [][]int
	for k, a := range anchors {
		p := uint16(a.s[0]) | uint16(a.s[1])<<8
		if t[p] == 0 {
			groups = append(groups, nil)
			t[p] = uint8(len(groups))
		}
		groups[t[p]-1] = append(groups[t[p]-1], k)
	}
	return &t, groups
}()

// scanAnchors records the positions of every anchor in text (up to
// maxAnchorHits non-overlapping hits per anchor) in one pass.
func scanAnchors(text []byte) anchorHits {
	var h anchorHits
	var count [64]int
	var next [64]int
	t := anchorPairs
	for i := 0; i+1 < len(text); i++ {
		g := t[uint16(text[i])|uint16(text[i+1])<<8]
		if g == 0 {
			continue
		}
		for _, k := range anchorByPair[g-1] {
			a := anchorBytes[k]
			if i < next[k] || count[k] >= maxAnchorHits || !bytes.HasPrefix(text[i:], a) {
				continue
			}
			next[k] = i + len(a)
			count[k]++
			h.any = true
			for g := 0; g < numGroups; g++ {
				if anchors[k].g&(1<<g) != 0 {
					h.pos[g] = append(h.pos[g], i)
				}
			}
		}
	}
	return h
}
