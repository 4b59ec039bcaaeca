package legality

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxKeywordLen is the longest keyword accepted, in bytes.
const MaxKeywordLen = 256

// MaxAutomatonCells caps states × byte classes of a compiled Matcher
// (4 bytes each), so that a huge list fails loudly instead of exhausting
// memory.
const MaxAutomatonCells = 1 << 26

// maxAutomatonCells is MaxAutomatonCells, lowered by tests.
var maxAutomatonCells int64 = MaxAutomatonCells

// ParseKeywords reads a keyword list: UTF-8 text, one keyword per line,
// surrounding white space trimmed, blank lines and lines starting with '#'
// ignored, an initial byte-order mark skipped. A line that is not valid
// UTF-8 or is longer than MaxKeywordLen is a *ParseError wrapping
// ErrBadKeyword.
func ParseKeywords(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	var out []string
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 || b[0] == '#' {
			continue
		}
		if !utf8.Valid(b) {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: not valid UTF-8", ErrBadKeyword)}
		}
		if len(b) > MaxKeywordLen {
			return nil, &ParseError{Line: line, Err: fmt.Errorf("%w: %d bytes, at most %d", ErrBadKeyword, len(b), MaxKeywordLen)}
		}
		out = append(out, string(b))
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{Line: line + 1, Err: fmt.Errorf("%w: %w", ErrBadKeyword, err)}
	}
	return out, nil
}

// Keyword is one keyword of a Matcher with its risk category index.
type Keyword struct {
	Text     string
	Category int // index into the Matcher's categories, < 64
}

// Matcher finds keywords in text in one pass: an Aho-Corasick automaton
// compiled to a dense DFA over byte classes (bytes that occur in no keyword
// share one class), with ASCII letters case-folded. A keyword whose first
// (last) byte is an ASCII letter or digit only matches where the text byte
// before (after) it is not one, so "ass" does not match inside "class";
// keywords in scripts without spaces (Chinese) match anywhere.
// A Matcher is immutable and safe for concurrent use.
type Matcher struct {
	class   [256]uint8
	nclass  int32
	trans   []int32 // [state*nclass + class] → next state*nclass, ^x when next has outputs
	outIdx  []int32 // per state: start of its outputs in outs (len states+1)
	outs    []int32 // keyword indexes
	kws     []kwInfo
	cats    []string
	nstates int
	maxLen  int // bytes of the longest keyword (the trie's depth)
}

type kwInfo struct {
	n         int32
	cat       uint8
	wordStart bool
	wordEnd   bool
}

// Hits summarises the keyword matches in one text.
type Hits struct {
	Count      int    // matches (overlapping matches all count)
	Categories uint64 // bit i set when a keyword of category i matched
}

// NewMatcher compiles keywords; categories names the category indexes.
func NewMatcher(keywords []Keyword, categories []string) (*Matcher, error) {
	if len(categories) > 64 {
		return nil, fmt.Errorf("compiling %d keyword categories: at most 64: %w", len(categories), ErrTooManyKeywords)
	}
	m := &Matcher{cats: append([]string(nil), categories...)}
	// Byte classes: class 0 is every byte no keyword uses.
	var used [256]bool
	for _, k := range keywords {
		for i := 0; i < len(k.Text); i++ {
			used[fold(k.Text[i])] = true
		}
	}
	n := int32(1)
	for c := 0; c < 256; c++ {
		if used[c] {
			m.class[c] = uint8(n)
			n++
			if n > 255 {
				// More than 255 used bytes: fall back to one class per byte.
				n = 0
				break
			}
		}
	}
	if n == 0 {
		for c := 0; c < 256; c++ {
			m.class[c] = uint8(c)
		}
		n = 256
	}
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	m.nclass = n

	// Trie with sorted sparse children.
	type node struct {
		next map[uint8]int32
		out  []int32
	}
	nodes := []node{{next: map[uint8]int32{}}}
	for i, k := range keywords {
		if k.Text == "" || k.Category < 0 || k.Category >= 64 {
			continue
		}
		s := int32(0)
		for j := 0; j < len(k.Text); j++ {
			c := m.class[k.Text[j]]
			nx, ok := nodes[s].next[c]
			if !ok {
				nx = int32(len(nodes))
				nodes = append(nodes, node{next: map[uint8]int32{}})
				nodes[s].next[c] = nx
			}
			s = nx
		}
		nodes[s].out = append(nodes[s].out, int32(i))
	}
	for _, k := range keywords {
		if k.Text != "" && k.Category >= 0 && k.Category < 64 {
			m.maxLen = max(m.maxLen, len(k.Text))
		}
		m.kws = append(m.kws, kwInfo{
			n: int32(len(k.Text)), cat: uint8(k.Category & 63),
			wordStart: len(k.Text) > 0 && isWordByte(k.Text[0]),
			wordEnd:   len(k.Text) > 0 && isWordByte(k.Text[len(k.Text)-1]),
		})
	}
	ns := len(nodes)
	if int64(ns)*int64(n) > maxAutomatonCells {
		return nil, fmt.Errorf("compiling %d keywords: %d states × %d classes: %w", len(keywords), ns, n, ErrTooManyKeywords)
	}
	m.nstates = ns
	stride := int(n)
	trans := make([]int32, ns*stride)
	fail := make([]int32, ns)
	outs := make([][]int32, ns)
	// BFS: fill dense rows; a missing edge follows the failure state's row.
	queue := make([]int32, 0, ns)
	for c := 0; c < stride; c++ {
		if nx, ok := nodes[0].next[uint8(c)]; ok {
			trans[c] = nx
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	outs[0] = nodes[0].out
	for qi := 0; qi < len(queue); qi++ {
		s := queue[qi]
		f := fail[s]
		outs[s] = append(append([]int32(nil), nodes[s].out...), outs[f]...)
		row := trans[int(s)*stride : int(s+1)*stride]
		frow := trans[int(f)*stride : int(f+1)*stride]
		copy(row, frow)
		keys := make([]int, 0, len(nodes[s].next))
		for c := range nodes[s].next {
			keys = append(keys, int(c))
		}
		sort.Ints(keys)
		for _, c := range keys {
			nx := nodes[s].next[uint8(c)]
			fail[nx] = frow[c]
			row[c] = nx
			queue = append(queue, nx)
		}
	}
	// Premultiply and mark states with outputs.
	m.outIdx = make([]int32, ns+1)
	for s := 0; s < ns; s++ {
		m.outIdx[s] = int32(len(m.outs))
		m.outs = append(m.outs, outs[s]...)
	}
	m.outIdx[ns] = int32(len(m.outs))
	for i, t := range trans {
		v := t * n
		if len(outs[t]) > 0 {
			v = ^v
		}
		trans[i] = v
	}
	m.trans = trans
	return m, nil
}

func fold(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Categories returns the category names of the Matcher.
func (m *Matcher) Categories() []string { return m.cats }

// Len returns the number of keywords.
func (m *Matcher) Len() int { return len(m.kws) }

// States returns the number of automaton states.
func (m *Matcher) States() int { return m.nstates }

// scanSplitMin is the shortest text Scan walks as two halves.
const scanSplitMin = 512

// Scan counts the keyword matches in text.
//
// A long text is walked as two interleaved halves (four quarters from
// scanSplit4Min bytes, scan4), so that the dependent chains of table loads
// overlap. The second half starts from
// the root maxLen bytes before its first position: the automaton's state
// after a position is the longest suffix read so far that is a trie node,
// at most maxLen bytes, so after maxLen bytes it equals the state of a walk
// from the start. Each half reports only the matches ending inside it;
// Hits is a count and a set, so the order of reports does not matter.
func (m *Matcher) Scan(text string) Hits {
	var h Hits
	if m == nil || len(m.kws) == 0 {
		return h
	}
	trans, cls := m.trans, &m.class
	if len(text) < scanSplitMin || len(text) < 4*m.maxLen {
		s := int32(0)
		for i := 0; i < len(text); i++ {
			s = trans[s+int32(cls[text[i]])]
			if s < 0 {
				s = ^s
				m.report(text, i, s/m.nclass, &h)
			}
		}
		return h
	}
	if len(text) >= scanSplit4Min && len(text) >= 16*m.maxLen {
		return m.scan4(text)
	}
	mid := len(text) / 2
	// Warm up the second walk on text[mid-maxLen:mid], reporting nothing.
	sb := int32(0)
	for j := mid - m.maxLen; j < mid; j++ {
		sb = trans[sb+int32(cls[text[j]])]
		if sb < 0 {
			sb = ^sb
		}
	}
	sa := int32(0)
	a, b := text[:mid], text[mid:] // len(b) is len(a) or len(a)+1
	for i := 0; i < len(a); i++ {
		sa = trans[sa+int32(cls[a[i]])]
		sb = trans[sb+int32(cls[b[i]])]
		if sa < 0 {
			sa = ^sa
			m.report(text, i, sa/m.nclass, &h)
		}
		if sb < 0 {
			sb = ^sb
			m.report(text, mid+i, sb/m.nclass, &h)
		}
	}
	for j := len(a); j < len(b); j++ {
		sb = trans[sb+int32(cls[b[j]])]
		if sb < 0 {
			sb = ^sb
			m.report(text, mid+j, sb/m.nclass, &h)
		}
	}
	return h
}

// scanSplit4Min is the shortest text Scan walks as four quarters.
const scanSplit4Min = 1024

// scan4 is Scan's walk of a long text as four interleaved quarters (four
// chains of table loads in flight), each after the first warmed up on the
// maxLen bytes before it and reporting the matches ending inside it.
func (m *Matcher) scan4(text string) Hits {
	var h Hits
	trans, cls := m.trans, &m.class
	q := len(text) / 4
	// Quarters start at 0, q, 2q, 3q; the last one is longer by the
	// remainder.
	var st [4]int32
	for k := 1; k < 4; k++ {
		s := int32(0)
		for j := k*q - m.maxLen; j < k*q; j++ {
			s = trans[s+int32(cls[text[j]])]
			if s < 0 {
				s = ^s
			}
		}
		st[k] = s
	}
	s0, s1, s2, s3 := st[0], st[1], st[2], st[3]
	t0, t1, t2, t3 := text[:q], text[q:2*q], text[2*q:3*q], text[3*q:]
	for i := 0; i < len(t0); i++ {
		s0 = trans[s0+int32(cls[t0[i]])]
		s1 = trans[s1+int32(cls[t1[i]])]
		s2 = trans[s2+int32(cls[t2[i]])]
		s3 = trans[s3+int32(cls[t3[i]])]
		if s0|s1|s2|s3 < 0 {
			if s0 < 0 {
				s0 = ^s0
				m.report(text, i, s0/m.nclass, &h)
			}
			if s1 < 0 {
				s1 = ^s1
				m.report(text, q+i, s1/m.nclass, &h)
			}
			if s2 < 0 {
				s2 = ^s2
				m.report(text, 2*q+i, s2/m.nclass, &h)
			}
			if s3 < 0 {
				s3 = ^s3
				m.report(text, 3*q+i, s3/m.nclass, &h)
			}
		}
	}
	for j := q; j < len(t3); j++ {
		s3 = trans[s3+int32(cls[t3[j]])]
		if s3 < 0 {
			s3 = ^s3
			m.report(text, 3*q+j, s3/m.nclass, &h)
		}
	}
	return h
}

// report counts the outputs of state st ending at text[end].
func (m *Matcher) report(text string, end int, st int32, h *Hits) {
	for _, k := range m.outs[m.outIdx[st]:m.outIdx[st+1]] {
		kw := &m.kws[k]
		start := end + 1 - int(kw.n)
		if kw.wordStart && start > 0 && isWordByte(text[start-1]) {
			continue
		}
		if kw.wordEnd && end+1 < len(text) && isWordByte(text[end+1]) {
			continue
		}
		h.Count++
		h.Categories |= 1 << kw.cat
	}
}

// CategoryNames lists the names of the categories set in mask.
func (m *Matcher) CategoryNames(mask uint64) []string {
	var out []string
	for i, c := range m.cats {
		if mask&(1<<uint(i)) != 0 {
			out = append(out, c)
		}
	}
	return out
}

// String describes the matcher for logs.
func (m *Matcher) String() string {
	return fmt.Sprintf("%d keywords in %s, %d states × %d classes", len(m.kws), strings.Join(m.cats, ","), m.nstates, m.nclass)
}
