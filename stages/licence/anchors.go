package licence

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
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
	// The anchors of the Chinese reservation notices (rightsNotices).
	anchorsReprint  = [...]int{anchorIndex("转载"), anchorIndex("轉載")}
	anchorsRightsZh = [...]int{anchorIndex("版权"), anchorIndex("版權"), anchorIndex("著作权"), anchorIndex("著作權")}
)

// anchorIndex returns the index of anchor s, -1 when the table has none
// (TestAnchorTable: it has each name above).
func anchorIndex(s string) int {
	for k, a := range anchors {
		if a.s == s {
			return k
		}
	}
	return -1
}

// maxAnchors bounds the anchor table (anchorHits.found is a bit per
// anchor; TestAnchorTable).
const maxAnchors = 64

// anchorHits are the positions of the anchors found in one text, by group
// (sorted within a group), and which anchors were found.
type anchorHits struct {
	pos   [numGroups][]int
	found uint64
	// ws is the windows buffer of the detectors Detect runs after the
	// scan (one at a time), kept with the hits between texts.
	ws [][2]int
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
func (h *anchorHits) has(k int) bool { return k >= 0 && h.found&(1<<k) != 0 }

// hasAny reports whether the text holds one of the anchors ks.
func (h *anchorHits) hasAny(ks []int) bool {
	for _, k := range ks {
		if h.has(k) {
			return true
		}
	}
	return false
}

// anchorPairs maps a pair of bytes to 1 + the index in anchorByPair of
// the anchors it is the key pair of (0: none). An anchor's key pair is
// the pair of consecutive bytes in it least frequent in text (pairKeyCost:
// "rc" of "search", not "se"; the second and third bytes of a Chinese
// anchor, not the lead bytes every Chinese character of its Unicode block
// shares): one table lookup per byte of text rules out almost every
// position.
var anchorPairs, anchorByPair, anchorBytes = func() (*[1 << 16]uint8, [][]pairAnchor, [][]byte) {
	var t [1 << 16]uint8
	var groups [][]pairAnchor
	var bs [][]byte
	for k, a := range anchors {
		off := 0
		for o := 1; o+1 < len(a.s); o++ {
			if pairKeyCost(a.s[o], a.s[o+1]) < pairKeyCost(a.s[off], a.s[off+1]) {
				off = o
			}
		}
		p := uint16(a.s[off]) | uint16(a.s[off+1])<<8
		if t[p] == 0 {
			groups = append(groups, nil)
			t[p] = uint8(len(groups))
		}
		var head, mask uint32
		for i := 0; i < 4 && i < len(a.s); i++ {
			head |= uint32(a.s[i]) << (8 * i)
			mask |= 0xFF << (8 * i)
		}
		groups[t[p]-1] = append(groups[t[p]-1], pairAnchor{k: k, off: off, head: head, mask: mask})
		bs = append(bs, []byte(a.s))
	}
	return &t, groups, bs
}()

// pairHeads holds, for each key pair group (by its value in anchorPairs)
// of one anchor, the offset of its key pair and its first four bytes
// (at's first test): the scan rules out a candidate position where the
// anchor's bytes are not, without calling at. Larger groups (three pairs
// of the table) are left to at.
var pairHeads = func() (t [256]pairHead) {
	for g, as := range anchorByPair {
		if len(as) == 1 {
			t[g+1] = pairHead{single: true, off: as[0].off, head: as[0].head, mask: as[0].mask}
		}
	}
	return t
}()

type pairHead struct {
	single     bool
	off        int
	head, mask uint32
}

// pairAnchor is an anchor of a key pair group: its index, the offset of
// its key pair and its first four bytes (head, little endian; mask covers
// the anchor's bytes when it has fewer), compared before the whole anchor.
type pairAnchor struct {
	k, off     int
	head, mask uint32
}

// commonBigrams are the most frequent letter pairs of English text.
const commonBigrams = "th he in er an re on at en nd ti es or te of ed is it al ar st to nt ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be ma si om ur"

// pairKeyCost estimates how often the pair a, b occurs in English or
// Chinese text (larger: more often): the product of the bytes' rough
// frequencies, more for a frequent English bigram.
func pairKeyCost(a, b byte) int {
	cost := byteFrequency(a) * byteFrequency(b)
	if a|0x20 >= 'a' && a|0x20 <= 'z' && b|0x20 >= 'a' && b|0x20 <= 'z' &&
		strings.Contains(commonBigrams, string([]byte{a | 0x20, b | 0x20})) {
		cost *= 8
	}
	return cost
}

// byteFrequency is a rough frequency (per mille) of a byte in English or
// Chinese UTF-8 text.
func byteFrequency(c byte) int {
	const letters = "etaoinshrdlcumwfgypbvkjxqz"
	switch {
	case c >= 'a' && c <= 'z':
		return 130 - 5*strings.IndexByte(letters, c)
	case c >= 'A' && c <= 'Z':
		return 10
	case c == ' ':
		return 150
	case c >= 0xE4 && c <= 0xE9:
		return 50 // lead bytes of the CJK Unified Ideographs
	case c >= 0x80 && c < 0xC0:
		return 10 // continuation bytes
	}
	return 5
}

// scanAnchors records the positions of every anchor in text (up to
// maxAnchorHits non-overlapping hits per anchor) in one pass. The text is
// read eight positions at a time: most runs of eight hold no anchor's key
// pair and cost eight table lookups and one branch.
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
		if !pairIn8(t, binary.LittleEndian.Uint64(text[i:]), text[i+8]) {
			continue
		}
		for k := i; k < i+8; k++ {
			if g := t[uint16(text[k])|uint16(text[k+1])<<8]; g != 0 {
				// Most candidates are not the group's anchor: its
				// first four bytes, compared here, rule them out
				// without a call.
				if f := &pairHeads[g]; f.single {
					if j := k - f.off; j >= 0 && j+4 <= len(text) && binary.LittleEndian.Uint32(text[j:])&f.mask != f.head {
						continue
					}
				}
				sc.at(h, text, k, g)
			}
		}
	}
	for ; i+1 < len(text); i++ {
		if g := t[uint16(text[i])|uint16(text[i+1])<<8]; g != 0 {
			sc.at(h, text, i, g)
		}
	}
	// Anchors with key pairs at different offsets are found out of
	// order: each anchor's hits are in order (so the overlap and cap
	// rules read them as in a scan by position), a group's are sorted.
	for g := range h.pos {
		if !slices.IsSorted(h.pos[g]) {
			slices.Sort(h.pos[g])
		}
	}
}

// anchorScan is the state of scanAnchors: per anchor, its hits so far and
// where its next hit may start.
type anchorScan struct {
	count, next [maxAnchors]int
}

// at records the anchors of key pair group g whose key pair is at
// position q.
func (sc *anchorScan) at(h *anchorHits, text []byte, q int, g uint8) {
	for _, pa := range anchorByPair[g-1] {
		k, a, i := pa.k, anchorBytes[pa.k], q-pa.off
		if i < 0 || i+4 <= len(text) && binary.LittleEndian.Uint32(text[i:])&pa.mask != pa.head ||
			i < sc.next[k] || sc.count[k] >= maxAnchorHits || !bytes.HasPrefix(text[i:], a) {
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

// pairIn8 reports whether table t marks any of the eight byte pairs
// that start in the 8-byte word w (little-endian) whose next byte is
// next: eight table reads, so that a scan tests eight positions per
// branch (most runs of eight bytes of prose start nothing the scans look
// for).
func pairIn8(t *[1 << 16]uint8, w uint64, next byte) bool {
	return t[uint16(w)]|t[uint16(w>>8)]|t[uint16(w>>16)]|t[uint16(w>>24)]|
		t[uint16(w>>32)]|t[uint16(w>>40)]|t[uint16(w>>48)]|t[uint16(w>>56)|uint16(next)<<8] != 0
}

// anyPairWord reports whether at(win, q) holds at a position q where
// table t marks the byte pair win[q:q+2] (at is called only there, and
// checks the pair again), eight positions per branch.
func anyPairWord(win []byte, t *[1 << 16]uint8, at func([]byte, int) bool) bool {
	i := 0
	for ; i+9 <= len(win); i += 8 {
		if !pairIn8(t, binary.LittleEndian.Uint64(win[i:]), win[i+8]) {
			continue
		}
		// at is called only where t marks the pair (it returns false
		// elsewhere): one call per candidate, not eight per run.
		for q := i; q < i+8; q++ {
			if t[uint16(win[q])|uint16(win[q+1])<<8] != 0 && at(win, q) {
				return true
			}
		}
	}
	for ; i+1 < len(win); i++ {
		if t[uint16(win[i])|uint16(win[i+1])<<8] != 0 && at(win, i) {
			return true
		}
	}
	return false
}
