// Package spdxmatch matches texts against every licence of the SPDX
// License List. The list (ids, names and the word-trigram shingles of each
// licence text after the SPDX Matching Guidelines' normalisation) is built
// by gen from a pinned copy of the npm package spdx-license-list (CC0-1.0,
// data/NOTICE.md) and embedded at build time (data/index.bin); nothing is
// downloaded at run time and nothing is built at start-up: the index is
// read in place.
//
// A text matches a licence when it holds most of that licence's shingles
// (Coverage); among the licences it matches, the one that explains the
// most of the text with the fewest missing shingles wins, so a variant
// that adds a clause (BSD-3-Clause-HP) beats its family (BSD-3-Clause) only
// when the clause is present. Licences whose normalised texts are
// identical are indexed once, under the id Canonical picks.
//
// Probe tells whether a stretch of a few hundred bytes of a longer text
// may lie in a licence text; a Prober answers it for the overlapping
// stretches of one text, hashing each word once. Its per-licence test
// counts only the keys of the short licences (at most shortShingles
// shingles) when the stretch holds too few distinct indexed shingles for
// a longer licence to reach MinCoverage: an exact bound from the
// acceptance rule (TestProbeHeldShort). No word-vocabulary filter is
// used: 70 % of the words of the long benchmark corpus are words of the
// licence texts, and such a filter measured slower (BENCHMARKS.md).
// Match itself first counts, in the same one pass, the shingles of the
// index a text holds and returns at once when they cannot reach its least
// count (mayMatch: an exact bound, not a guess). Every lookup goes first
// through a 256 KB presence filter built from the keys at first use.
package spdxmatch

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./gen -npm ${SPDX_LICENSE_LIST_DIR} -exceptions ${SPDX_EXCEPTIONS_DIR} -o data

//go:embed data/index.bin
var indexBin []byte

//go:embed data/exceptions.txt
var exceptionsTxt string

const magic = "PRVSPDX1"

// Licence is one entry of the embedded licence list.
type Licence struct {
	ID         string
	Name       string
	OSI        bool
	Deprecated bool
	// Shingles is the number of distinct shingles of the licence text
	// without its optional how-to-apply appendix (optionalTail: the
	// appendix is indexed, but a text need not hold it); 0 for licences
	// not indexed (deprecated ids, texts identical to
	// another licence's).
	Shingles int
	// Same is the id under which an identical text is indexed ("" when
	// the licence is indexed itself or deprecated).
	Same string
}

// Index is a built licence index.
type Index struct {
	Version  string // the list it was built from, e.g. "spdx-license-list 6.12.0"
	Licences []Licence
	byID     map[string]int
	keys     []byte // sorted uint32 shingles, little endian
	offs     []byte // len(keys)/4+1 uint32 offsets into posts
	posts    []byte // uint16 licence indexes

	prefixOnce sync.Once
	prefix     []uint32
	// filter is a blocked Bloom filter of the keys (filterSlot): most
	// shingles of a text that is not a licence are ruled out with one
	// load from it (about 1 in 250 is not, against 1 in 31 for a bit per
	// value of a shingle's low 22 bits, in half the bytes).
	filter []uint64
	// shortKeys are the keys (sorted) with a posting to a short licence,
	// one of at most shortShingles shingles (built with the presence
	// filter): probeHeld counts only these when no other licence can
	// reach its thresholds.
	shortKeys []uint32
	// shortBits has the bit shortBit(s) set for every short key s: a
	// shingle whose bit is clear is not one (most held shingles of a
	// probe are keys of longer licences), without searching shortKeys.
	shortBits []uint64
}

// shortBit is the bit of shortBits of shingle s (15 bits of s times an
// odd constant).
func shortBit(s uint32) uint32 { return s * 0x9E3779B1 >> 17 }

// mayBeShort reports whether shingle s may be a short key (false: it is
// not one).
func (ix *Index) mayBeShort(s uint32) bool {
	b := shortBit(s)
	return ix.shortBits[b>>6]&(1<<(b&63)) != 0
}

// shortShingles bounds the licences whose keys are in shortKeys (42
// licences of the list, 1,145 keys).
const shortShingles = 40

// filterWords is the size of the presence filter in 64-bit words
// (256 KB).
const filterWords = 1 << 15

// filterSlot returns the word of the presence filter that shingle s maps
// to and the (up to) four bits s sets in it: all taken from the high bits
// of s times an odd constant, which depend on every bit of s.
func filterSlot(s uint32) (uint32, uint64) {
	t := uint64(s) * 0x9E3779B97F4A7C15
	return uint32(t >> 49), 1<<(t>>43&63) | 1<<(t>>37&63) | 1<<(t>>31&63)
}

// mayHold reports whether the presence filter lets shingle s through:
// false means the index does not hold s (the filter is built first, by
// prefixStart).
func (ix *Index) mayHold(s uint32) bool {
	w, m := filterSlot(s)
	return ix.filter[w]&m == m
}

var (
	defaultOnce sync.Once
	defaultIx   *Index
	defaultErr  error
)

// Default returns the embedded index, decoded on first use (a few
// microseconds: the shingle tables are read in place).
func Default() (*Index, error) {
	defaultOnce.Do(func() { defaultIx, defaultErr = Decode(indexBin) })
	return defaultIx, defaultErr
}

// ErrCorrupt is returned by Decode for data that is not an index.
var ErrCorrupt = errors.New("corrupt licence index")

// Decode reads an index written by Encode. The returned index refers to b.
func Decode(b []byte) (*Index, error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("decoding licence index: %w: bad magic", ErrCorrupt)
	}
	r := reader{b: b[len(magic):]}
	ix := &Index{Version: r.str(), byID: map[string]int{}}
	n := int(r.uvarint())
	if n > 1<<15 {
		return nil, fmt.Errorf("decoding licence index: %w: %d licences", ErrCorrupt, n)
	}
	same := make([]int, n)
	for i := 0; i < n && r.err == nil; i++ {
		l := Licence{ID: r.str(), Name: r.str()}
		f := r.byte()
		l.OSI, l.Deprecated = f&1 != 0, f&2 != 0
		l.Shingles = int(r.uvarint())
		same[i] = int(r.uvarint())
		ix.Licences = append(ix.Licences, l)
		ix.byID[strings.ToUpper(l.ID)] = i
	}
	for i, s := range same {
		if s > 0 && s <= len(ix.Licences) {
			ix.Licences[i].Same = ix.Licences[s-1].ID
		}
	}
	nk, np := int(r.u32()), int(r.u32())
	ix.keys = r.bytes(4 * nk)
	ix.offs = r.bytes(4 * (nk + 1))
	ix.posts = r.bytes(2 * np)
	if r.err != nil {
		return nil, fmt.Errorf("decoding licence index: %w", r.err)
	}
	// Offsets must rise to the number of postings, and postings name
	// listed licences: Match trusts both.
	prev := uint32(0)
	for i := 0; i <= nk; i++ {
		o := binary.LittleEndian.Uint32(ix.offs[4*i:])
		if o < prev || int(o) > np {
			return nil, fmt.Errorf("decoding licence index: %w: offset %d of key %d", ErrCorrupt, o, i)
		}
		prev = o
	}
	for k := 0; k < np; k++ {
		if ix.post(k) >= n {
			return nil, fmt.Errorf("decoding licence index: %w: posting %d names licence %d of %d", ErrCorrupt, k, ix.post(k), n)
		}
	}
	return ix, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail() {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated", ErrCorrupt)
	}
	r.b = nil
}

func (r *reader) uvarint() uint64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[k:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b) {
		r.fail()
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) str() string { return string(r.bytes(int(r.uvarint()))) }

func (r *reader) byte() byte {
	b := r.bytes(1)
	if b == nil {
		return 0
	}
	return b[0]
}

func (r *reader) u32() uint32 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}

// Lookup returns the list entry of id (case-insensitive).
func (ix *Index) Lookup(id string) (Licence, bool) {
	i, ok := ix.byID[strings.ToUpper(id)]
	if !ok {
		return Licence{}, false
	}
	return ix.Licences[i], true
}

// Exceptions returns the SPDX licence exception ids of the embedded
// exceptions list (data/exceptions.txt), deprecated ones included.
func Exceptions() []string {
	var out []string
	for _, l := range strings.Split(exceptionsTxt, "\n") {
		if l = strings.TrimSpace(l); l != "" && l[0] != '#' {
			out = append(out, strings.Fields(l)[0])
		}
	}
	return out
}

func (ix *Index) nKeys() int { return len(ix.keys) / 4 }

func (ix *Index) key(i int) uint32 { return binary.LittleEndian.Uint32(ix.keys[4*i:]) }

// prefixStart returns, for each value of a shingle's top 16 bits, the
// index of the first key with that prefix (built on first use with the
// presence filter, about a millisecond): it narrows each lookup to a few
// keys.
func (ix *Index) prefixStart() []uint32 {
	ix.prefixOnce.Do(func() {
		ix.prefix = make([]uint32, 1<<16+1)
		k := 0
		for p := 0; p <= 1<<16; p++ {
			for k < ix.nKeys() && int(ix.key(k)>>16) < p {
				k++
			}
			ix.prefix[p] = uint32(k)
		}
		ix.filter = make([]uint64, filterWords)
		ix.shortBits = make([]uint64, 1<<15/64)
		for i := 0; i < ix.nKeys(); i++ {
			w, m := filterSlot(ix.key(i))
			ix.filter[w] |= m
			lo, hi := binary.LittleEndian.Uint32(ix.offs[4*i:]), binary.LittleEndian.Uint32(ix.offs[4*i+4:])
			for k := int(lo); k < int(hi); k++ {
				if ix.Licences[ix.post(k)].Shingles <= shortShingles {
					ix.shortKeys = append(ix.shortKeys, ix.key(i))
					b := shortBit(ix.key(i))
					ix.shortBits[b>>6] |= 1 << (b & 63)
					break
				}
			}
		}
	})
	return ix.prefix
}

// postings returns the range of posts of shingle s (empty when absent).
func (ix *Index) postings(s uint32) (lo, hi int) {
	pre := ix.prefixStart()
	if !ix.mayHold(s) {
		return 0, 0
	}
	a, b := int(pre[s>>16]), int(pre[s>>16+1])
	for a < b { // the first key ≥ s
		m := int(uint(a+b) >> 1)
		if ix.key(m) < s {
			a = m + 1
		} else {
			b = m
		}
	}
	i := a
	if i == int(pre[s>>16+1]) || ix.key(i) != s {
		return 0, 0
	}
	return int(binary.LittleEndian.Uint32(ix.offs[4*i:])), int(binary.LittleEndian.Uint32(ix.offs[4*i+4:]))
}

func (ix *Index) post(k int) int { return int(binary.LittleEndian.Uint16(ix.posts[2*k:])) }

// Text is one licence text given to Build.
type Text struct {
	ID, Name        string
	OSI, Deprecated bool
	Text            string
}

// Build indexes texts (sorted by id). Deprecated licences are listed but
// not indexed; licences whose normalised texts are identical are indexed
// once, under the id Canonical picks among them.
func Build(version string, texts []Text) *Index {
	sort.Slice(texts, func(i, j int) bool { return texts[i].ID < texts[j].ID })
	ix := &Index{Version: version, byID: map[string]int{}}
	appendix := regexp.MustCompile(optionalAppendix)
	sets := make([][]uint32, len(texts))
	required := make([]int, len(texts))
	groups := map[string][]int{}
	for i, t := range texts {
		ix.Licences = append(ix.Licences, Licence{ID: t.ID, Name: t.Name, OSI: t.OSI, Deprecated: t.Deprecated})
		ix.byID[strings.ToUpper(t.ID)] = i
		if t.Deprecated {
			continue
		}
		sets[i] = uniq(shingles(tokenise([]byte(t.Text), nil), nil))
		required[i] = len(sets[i])
		if cut := optionalTail(appendix, t.Text); cut < len(t.Text) {
			required[i] = len(uniq(shingles(tokenise([]byte(t.Text[:cut]), nil), nil)))
		}
		k := setKey(sets[i])
		groups[k] = append(groups[k], i)
	}
	post := map[uint32][]uint16{}
	for _, g := range groups {
		ids := make([]string, len(g))
		for k, i := range g {
			ids[k] = texts[i].ID
		}
		canon := Canonical(ids)
		ci := ix.byID[strings.ToUpper(canon)]
		for _, i := range g {
			if i != ci {
				ix.Licences[i].Same = canon
			}
		}
		ix.Licences[ci].Shingles = required[ci]
		for _, s := range sets[ci] {
			post[s] = append(post[s], uint16(ci))
		}
	}
	keys := make([]uint32, 0, len(post))
	for s := range post {
		keys = append(keys, s)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var off uint32
	for _, s := range keys {
		ix.keys = binary.LittleEndian.AppendUint32(ix.keys, s)
		ix.offs = binary.LittleEndian.AppendUint32(ix.offs, off)
		ps := post[s]
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		for _, p := range ps {
			ix.posts = binary.LittleEndian.AppendUint16(ix.posts, p)
		}
		off += uint32(len(ps))
	}
	ix.offs = binary.LittleEndian.AppendUint32(ix.offs, off)
	return ix
}

// optionalAppendix starts the how-to-apply appendix that follows the
// terms of the GNU licences and of Apache-2.0 ("END OF TERMS AND
// CONDITIONS ... How to Apply These Terms", "APPENDIX: How to apply the
// Apache License") and the GFDL's addendum: the SPDX templates mark it
// optional, and most LICENSE files stop before it.
// It is compiled by Build only (gen and tests), not at start-up.
const optionalAppendix = `(?i)(END OF TERMS AND CONDITIONS)\s+(?:APPENDIX:?\s*)?How to Apply|(ADDENDUM: How to use this License for your documents)`

// optionalTail returns where the optional appendix of a licence text
// starts (len(text) when it has none).
func optionalTail(re *regexp.Regexp, text string) int {
	m := re.FindStringSubmatchIndex(text)
	switch {
	case m == nil:
		return len(text)
	case m[3] > 0:
		return m[3] // after "END OF TERMS AND CONDITIONS"
	default:
		return m[4] // before the addendum
	}
}

// Canonical picks the id reported for a group of licences with identical
// texts: a "-only" id (the text alone grants that version only), else one
// that is not "-or-later", else the shortest, then the first in order.
func Canonical(ids []string) string {
	best := ""
	rank := func(id string) int {
		switch {
		case strings.HasSuffix(id, "-only"):
			return 0
		case strings.HasSuffix(id, "-or-later"):
			return 2
		}
		return 1
	}
	for _, id := range ids {
		if best == "" || rank(id) < rank(best) || rank(id) == rank(best) && (len(id) < len(best) || len(id) == len(best) && id < best) {
			best = id
		}
	}
	return best
}

func setKey(s []uint32) string {
	b := make([]byte, 0, 4*len(s))
	for _, v := range s {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return string(b)
}

// uniq sorts s and removes duplicates in place.
func uniq(s []uint32) []uint32 {
	slices.Sort(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Encode writes ix in the format Decode reads.
func (ix *Index) Encode() []byte {
	b := []byte(magic)
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	str(ix.Version)
	b = binary.AppendUvarint(b, uint64(len(ix.Licences)))
	for _, l := range ix.Licences {
		str(l.ID)
		str(l.Name)
		var f byte
		if l.OSI {
			f |= 1
		}
		if l.Deprecated {
			f |= 2
		}
		b = append(b, f)
		b = binary.AppendUvarint(b, uint64(l.Shingles))
		same := 0
		if l.Same != "" {
			same = ix.byID[strings.ToUpper(l.Same)] + 1
		}
		b = binary.AppendUvarint(b, uint64(same))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.keys)/4))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(ix.posts)/2))
	b = append(b, ix.keys...)
	b = append(b, ix.offs...)
	b = append(b, ix.posts...)
	return b
}
