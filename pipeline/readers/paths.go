package readers

import (
	"fmt"
	"unicode/utf8"

	"github.com/prov-ai/prov/schemas"
)

// Slots: the logical fields, then the record-level paths of an annotation
// map, whose values are kept as JSON arrays of the raw values reached.
const (
	slotLabels = int(schemas.NumFields) + iota
	slotReviews
	slotBatch
	slotTask
	slotRuleVersion
	numSlots
)

// fieldPlan is a compiled field map.
type fieldPlan struct {
	// simple is set when every mapped logical field is one top-level key
	// and no annotation map is set: the JSONL fast path.
	simple bool
	names  [schemas.NumFields]string // simple: the key of each field
	// parts are the parsed paths of each slot (nil: not mapped).
	parts [numSlots][][]schemas.PathStep
	ann   *annotator // nil without an annotation map
	trie  *pnode     // JSONL path walker (not simple)
}

// raw reports whether slot s keeps raw JSON values.
func raw(s int) bool { return s >= int(schemas.NumFields) }

// compile turns opts into a plan for the object at key.
func (o Options) compile(key string) (*fieldPlan, error) {
	m := o.Map
	if m == nil {
		tl := schemas.TopLevel(o.Fields)
		m = &tl
	}
	p := &fieldPlan{simple: m.Annotation.IsZero()}
	for f, spec := range m.Fields {
		if len(spec) == 0 {
			continue
		}
		if f == int(schemas.FieldLabels) && !m.Annotation.IsZero() {
			continue // built from the annotation map
		}
		if n, ok := spec.Single(); ok {
			p.names[f] = n
		} else {
			p.simple = false
		}
		for _, s := range spec {
			steps, err := schemas.ParsePath(s)
			if err != nil {
				return nil, fmt.Errorf("mapping field %s: %w", schemas.Field(f), err)
			}
			if len(steps) == 0 || steps[0].Kind != schemas.StepKey {
				return nil, fmt.Errorf("mapping field %s: %w %q: a record path starts with a key", schemas.Field(f), schemas.ErrBadPath, s)
			}
			p.parts[f] = append(p.parts[f], steps)
		}
	}
	if a := m.Annotation; !a.IsZero() {
		ann, err := newAnnotator(a, key)
		if err != nil {
			return nil, err
		}
		p.ann = ann
		for s, path := range map[int]string{slotLabels: a.Labels, slotReviews: a.Reviews, slotBatch: a.Batch,
			slotTask: a.Task, slotRuleVersion: a.RuleVersion} {
			if path == "" {
				continue
			}
			steps, err := schemas.ParsePath(path)
			if err != nil {
				return nil, fmt.Errorf("mapping annotation: %w", err)
			}
			if len(steps) == 0 || steps[0].Kind != schemas.StepKey {
				return nil, fmt.Errorf("mapping annotation: %w %q: a record path starts with a key", schemas.ErrBadPath, path)
			}
			p.parts[s] = [][]schemas.PathStep{steps}
		}
	}
	if !p.simple {
		p.trie = buildTrie(p)
	}
	return p, nil
}

// pnode is a node of the path trie: the JSONL walker follows it down the
// value, capturing the values where paths end.
type pnode struct {
	keys []pkey
	idx  []pidx
	all  *pnode
	ends []pend
}

type pkey struct {
	name string
	n    *pnode
}

type pidx struct {
	i int
	n *pnode
}

// pend marks the end of part `part` of slot `slot`.
type pend struct{ slot, part uint8 }

func (n *pnode) hasChildren() bool { return len(n.keys) > 0 || len(n.idx) > 0 || n.all != nil }

func (n *pnode) child(key []byte) *pnode {
	for i := range n.keys {
		if n.keys[i].name == string(key) {
			return n.keys[i].n
		}
	}
	return nil
}

func buildTrie(p *fieldPlan) *pnode {
	root := &pnode{}
	for s := range p.parts {
		for part, steps := range p.parts[s] {
			n := root
			for _, st := range steps {
				n = n.step(st)
			}
			n.ends = append(n.ends, pend{uint8(s), uint8(part)})
		}
	}
	return root
}

func (n *pnode) step(st schemas.PathStep) *pnode {
	switch st.Kind {
	case schemas.StepKey:
		for _, k := range n.keys {
			if k.name == st.Key {
				return k.n
			}
		}
		c := &pnode{}
		n.keys = append(n.keys, pkey{st.Key, c})
		return c
	case schemas.StepIndex:
		for _, k := range n.idx {
			if k.i == st.Index {
				return k.n
			}
		}
		c := &pnode{}
		n.idx = append(n.idx, pidx{st.Index, c})
		return c
	default:
		if n.all == nil {
			n.all = &pnode{}
		}
		return n.all
	}
}

// capture is one value reached by a path: slot, part and where its text is.
type capture struct {
	slot, part uint8
	sp         span
}

// parsePaths extracts the slots of a line through the trie. It validates
// the whole line like parse.
func (x *extractor) parsePaths(line []byte) error {
	x.scratch = x.scratch[:0]
	x.caps = x.caps[:0]
	x.meta = x.meta[:0]
	x.errField = ""
	i := skipWS(line, 0)
	if i >= len(line) {
		return x.fail(i, "", ErrSyntax)
	}
	if line[i] != '{' {
		end, err := x.skipValue(line, i, 1)
		if err != nil {
			return err
		}
		if j := skipWS(line, end); j < len(line) {
			return x.fail(j, "", syntaxAt(line, j))
		}
		return x.fail(i, "", ErrNotObject)
	}
	end, err := x.walkContainer(line, i, x.plan.trie, 1)
	if err != nil {
		return err
	}
	return x.trailing(line, end)
}

// walkValue walks the value at line[i] with trie node n: it captures the
// value for the paths ending at n and descends into containers for the
// paths going on. It returns the index after the value.
func (x *extractor) walkValue(line []byte, i int, n *pnode, depth int) (int, error) {
	if i >= len(line) {
		return 0, x.fail(i, "", ErrSyntax)
	}
	if len(n.ends) > 0 {
		end, err := x.captureValue(line, i, n.ends)
		if err != nil {
			return 0, err
		}
		if !n.hasChildren() || (line[i] != '{' && line[i] != '[') {
			return end, nil
		}
	}
	if n.hasChildren() && (line[i] == '{' || line[i] == '[') {
		if depth > maxDepth {
			return 0, x.fail(i, "", ErrTooDeep)
		}
		return x.walkContainer(line, i, n, depth)
	}
	return x.skipValue(line, i, depth)
}

// walkContainer walks the object or array at line[i].
func (x *extractor) walkContainer(line []byte, i int, n *pnode, depth int) (int, error) {
	obj := line[i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	i = skipWS(line, i+1)
	if i < len(line) && line[i] == closer {
		return i + 1, nil
	}
	for k := 0; ; k++ {
		var err error
		if obj {
			if i >= len(line) || line[i] != '"' {
				return 0, x.fail(i, "", syntaxAt(line, i))
			}
			ks := i + 1
			var end int
			var esc bool
			end, esc, err = x.scanString(line, i+1)
			if err != nil {
				return 0, err
			}
			key := line[i+1 : end]
			if esc {
				x.keybuf, err = unescape(x.keybuf[:0], key)
				if err != nil {
					return 0, x.fail(i, "", err)
				}
				key = x.keybuf
			}
			c := n.child(key)
			i = skipWS(line, end+1)
			if i >= len(line) || line[i] != ':' {
				return 0, x.fail(i, "", syntaxAt(line, i))
			}
			i = skipWS(line, i+1)
			if i >= len(line) {
				return 0, x.fail(i, "", ErrSyntax)
			}
			if c == nil {
				v := i
				i, err = x.skipValue(line, i, depth+1)
				if err == nil && !esc && isMetaKey(key) && line[v] != 'n' {
					// An AIGC label outside the mapped fields.
					err = x.capture(line, ks, end, v, i)
				}
			} else {
				i, err = x.walkValue(line, i, c, depth+1)
			}
		} else {
			var c *pnode
			for _, ix := range n.idx {
				if ix.i == k {
					c = ix.n
				}
			}
			start := i
			switch {
			case c != nil && n.all != nil:
				if _, err = x.walkValue(line, i, c, depth+1); err == nil {
					i, err = x.walkValue(line, start, n.all, depth+1)
				}
			case c != nil:
				i, err = x.walkValue(line, i, c, depth+1)
			case n.all != nil:
				i, err = x.walkValue(line, i, n.all, depth+1)
			default:
				i, err = x.skipValue(line, i, depth+1)
			}
		}
		if err != nil {
			return 0, err
		}
		i = skipWS(line, i)
		if i >= len(line) {
			return 0, x.fail(i, "", ErrSyntax)
		}
		switch line[i] {
		case ',':
			i = skipWS(line, i+1)
		case closer:
			return i + 1, nil
		default:
			return 0, x.fail(i, "", syntaxAt(line, i))
		}
	}
}

// captureValue records the value at line[i] for each end and returns the
// index after it. Text slots take strings unescaped, raw slots the JSON.
func (x *extractor) captureValue(line []byte, i int, ends []pend) (int, error) {
	field := ""
	if int(ends[0].slot) < int(schemas.NumFields) {
		field = schemas.Field(ends[0].slot).String()
	}
	var text, rawSp span
	switch c := line[i]; c {
	case '"':
		end, esc, err := x.scanText(line, i+1)
		if err != nil {
			x.errField = field
			return 0, err
		}
		body := line[i+1 : end]
		if x.badUTF8 >= 0 {
			return 0, x.fail(x.badUTF8, field, ErrInvalidUTF8)
		}
		rawSp = span{start: i, end: end + 1, inLine: true}
		if esc {
			start := len(x.scratch)
			x.scratch, err = unescape(x.scratch, body)
			if err != nil {
				return 0, x.fail(i, field, err)
			}
			text = span{start: start, end: len(x.scratch)}
		} else {
			text = span{start: i + 1, end: end, inLine: true}
		}
		x.addCaps(ends, text, rawSp)
		return end + 1, nil
	case 'n':
		return x.skipValue(line, i, 2) // null: absent
	case '{', '[':
		end, err := x.skipValue(line, i, 2)
		if err != nil {
			return 0, err
		}
		r := line[i:end]
		if !utf8.Valid(r) {
			return 0, x.fail(i+invalidAt(r), field, ErrInvalidUTF8)
		}
		start := len(x.scratch)
		x.scratch = compact(x.scratch, r)
		sp := span{start: start, end: len(x.scratch)}
		x.addCaps(ends, sp, sp)
		return end, nil
	default:
		end, err := x.skipValue(line, i, 2)
		if err != nil {
			return 0, err
		}
		sp := span{start: i, end: end, inLine: true}
		x.addCaps(ends, sp, sp)
		return end, nil
	}
}

func (x *extractor) addCaps(ends []pend, text, rawSp span) {
	for _, e := range ends {
		sp := text
		if raw(int(e.slot)) {
			sp = rawSp
		}
		x.caps = append(x.caps, capture{e.slot, e.part, sp})
	}
}

// fillPaths sets rec's values from the captures of the last parsePaths and
// returns the raw annotation slots. The values are copied to the arena.
func (x *extractor) fillPaths(rec *schemas.Record, line []byte) [numSlots]string {
	var vals [numSlots]string
	get := func(sp span) []byte {
		if sp.inLine {
			return line[sp.start:sp.end]
		}
		return x.scratch[sp.start:sp.end]
	}
	out := x.out[:0]
	var at [numSlots + 1]int
	var found uint32
	for s := range numSlots {
		at[s] = len(out)
		nparts := len(x.plan.parts[s])
		if nparts == 0 {
			continue
		}
		n := 0
		for part := range nparts {
			for _, c := range x.caps {
				if int(c.slot) != s || int(c.part) != part {
					continue
				}
				found |= 1 << s
				b := get(c.sp)
				if raw(s) {
					if n == 0 {
						out = append(out, '[')
					} else {
						out = append(out, ',')
					}
					out = append(out, b...)
					n++
					continue
				}
				if len(b) == 0 {
					continue
				}
				if n > 0 {
					out = append(out, '\n')
				}
				out = append(out, b...)
				n++
			}
		}
		if raw(s) && n > 0 {
			out = append(out, ']')
		}
	}
	at[numSlots] = len(out)
	x.out = out
	all := x.vals.copy(out)
	for s := range numSlots {
		if found&(1<<s) == 0 {
			continue
		}
		v := all[at[s]:at[s+1]]
		if raw(s) {
			vals[s] = v
			continue
		}
		rec.Values[s] = v
		rec.Has |= 1 << s
	}
	return vals
}
