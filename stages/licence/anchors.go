package licence

import (
	"bytes"
	"encoding/binary"
	"sync"
)

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
	// In no group: Detect asks whether the text holds it (anchorHits.has).
	{"SPDX-License-Identifier:", 0},
}

// maxAnchorHits caps the hits recorded per anchor word.
const maxAnchorHits = 256

// Anchors the detectors ask about by name: whether the text holds them
// (anchorHits.has) spares a search of their own over the whole text.
var (
	anchorSPDXTag = anchorIndex(string(spdxTag))
	anchorCCURL   = anchorIndex("creativecommons")
	anchorCCZh    = anchorIndex("共享")
)

func anchorIndex(s string) int {
	for k, a := range anchors {
		if a.s == s {
			return k
		}
	}
	panic("licence: no anchor " + s) // unreachable: the names above are in the table
}

// maxAnchors bounds the anchor table (anchorHits.found is a bit per
// anchor).
const maxAnchors = 64

// anchorHits are the positions of the anchors found in one text, by group
// (sorted within a group), and which anchors were found.
type anchorHits struct {
	pos   [numGroups][]int
	found uint64
}

func (h *anchorHits) group(g uint8) []int {
	for i := 0; i < numGroups; i++ {
		if g == 1<<i {
			return h.pos[i]
		}
	}
	return nil
}

// any reports whether the text holds an anchor of some group.
func (h *anchorHits) any() bool {
	for _, p := range h.pos {
		if len(p) > 0 {
			return true
		}
	}
	return false
}

// has reports whether the text holds anchor k.
func (h *anchorHits) has(k int) bool { return h.found&(1<<k) != 0 }

// anchorPairs maps the first two bytes of the anchors to 1 + the index of
// their group in anchorByPair (0: no anchor starts with them): one table
// lookup per byte of text rules out almost every position.
var anchorPairs, anchorByPair, anchorBytes = func() (*[1 << 16]uint8, [][]pairAnchor, [][]byte) {
	if len(anchors) > maxAnchors {
		panic("licence: more than 64 anchors") // unreachable: a table of this file
	}
	var t [1 << 16]uint8
	var groups [][]pairAnchor
	var bs [][]byte
	for k, a := range anchors {
		p := uint16(a.s[0]) | uint16(a.s[1])<<8
		if t[p] == 0 {
			groups = append(groups, nil)
			t[p] = uint8(len(groups))
		}
		var head, mask uint32
		for i := 0; i < 4 && i < len(a.s); i++ {
			head |= uint32(a.s[i]) << (8 * i)
			mask |= 0xFF << (8 * i)
		}
		groups[t[p]-1] = append(groups[t[p]-1], pairAnchor{k: k, head: head, mask: mask})
		bs = append(bs, []byte(a.s))
	}
	return &t, groups, bs
}()

// pairAnchor is an anchor of a pair group: its index and its first four
// bytes (head, little endian; mask covers the anchor's bytes when it has
// fewer), compared before the whole anchor.
type pairAnchor struct {
	k          int
	head, mask uint32
}

// scanAnchors records the positions of every anchor in text (up to
// maxAnchorHits non-overlapping hits per anchor) in one pass. The text is
// read eight positions at a time: most runs of eight hold no anchor's
// first two bytes and cost eight table lookups and one branch.
func scanAnchors(text []byte) anchorHits {
	var h anchorHits
	scanAnchorsInto(text, &h)
	return h
}

// hitsPool holds anchorHits whose slices Detect reuses.
var hitsPool = sync.Pool{New: func() any { return new(anchorHits) }}

// scanAnchorsInto is scanAnchors into h, reusing its slices.
func scanAnchorsInto(text []byte, h *anchorHits) {
	for g := range h.pos {
		h.pos[g] = h.pos[g][:0]
	}
	h.found = 0
	var sc anchorScan
	t := anchorPairs
	i := 0
	for ; i+9 <= len(text); i += 8 {
		w := binary.LittleEndian.Uint64(text[i:])
		if t[uint16(w)]|t[uint16(w>>8)]|t[uint16(w>>16)]|t[uint16(w>>24)]|
			t[uint16(w>>32)]|t[uint16(w>>40)]|t[uint16(w>>48)]|t[uint16(w>>56)|uint16(text[i+8])<<8] == 0 {
			continue
		}
		for k := i; k < i+8; k++ {
			if g := t[uint16(text[k])|uint16(text[k+1])<<8]; g != 0 {
				sc.at(h, text, k, g)
			}
		}
	}
	for ; i+1 < len(text); i++ {
		if g := t[uint16(text[i])|uint16(text[i+1])<<8]; g != 0 {
			sc.at(h, text, i, g)
		}
	}
}

// anchorScan is the state of scanAnchors: per anchor, its hits so far and
// where its next hit may start.
type anchorScan struct {
	count, next [maxAnchors]int
}

// at records the anchors of pair group g that start at position i.
func (sc *anchorScan) at(h *anchorHits, text []byte, i int, g uint8) {
	var w uint32
	if i+4 <= len(text) {
		w = binary.LittleEndian.Uint32(text[i:])
	}
	for _, pa := range anchorByPair[g-1] {
		k, a := pa.k, anchorBytes[pa.k]
		if i+4 <= len(text) && w&pa.mask != pa.head || i < sc.next[k] || sc.count[k] >= maxAnchorHits || !bytes.HasPrefix(text[i:], a) {
			continue
		}
		sc.next[k] = i + len(a)
		sc.count[k]++
		h.found |= 1 << k
		for g := 0; g < numGroups; g++ {
			if anchors[k].g&(1<<g) != 0 {
				h.pos[g] = append(h.pos[g], i)
			}
		}
	}
}
