package schemas

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// The licence table is generated from the SPDX licence list by
// licences/gen (rules documented in licences/README.md); regenerate with
// `go generate ./schemas/` after updating github.com/github/go-spdx.
//
//go:generate go run ./licences/gen -o licences/table.tsv

//go:embed licences/table.tsv
var licenceTableTSV string

// UseClass says what a licence allows a trainer to do with the work. Classes
// are ordered from the most restrictive to the most permissive, so the most
// restrictive of several is their minimum.
type UseClass uint8

// Use classes, most restrictive first.
const (
	// ClassUnspecified: no known grant (all rights reserved, LicenseRef-*,
	// unknown licence): no use without further clearance.
	ClassUnspecified UseClass = iota
	// ClassAcademic: academic or research use only.
	ClassAcademic
	// ClassNonCommercial: any non-commercial use.
	ClassNonCommercial
	// ClassCommercial: any use, commercial included.
	ClassCommercial
	numUseClasses
)

var useClassNames = [numUseClasses]string{"unspecified", "academic-only", "non-commercial", "commercial"}

// String returns the class name used in policies, findings and metrics.
func (c UseClass) String() string {
	if c < numUseClasses {
		return useClassNames[c]
	}
	return fmt.Sprintf("class(%d)", uint8(c))
}

// UseClassNames lists the class names, most restrictive first.
func UseClassNames() []string { return useClassNames[:] }

// ParseUseClass parses "commercial", "non-commercial", "academic-only"
// (or "academic") and "unspecified".
func ParseUseClass(s string) (UseClass, error) {
	if s == "academic" {
		return ClassAcademic, nil
	}
	for i, n := range useClassNames {
		if n == s {
			return UseClass(i), nil
		}
	}
	return 0, fmt.Errorf("parsing use class %q: want one of %s", s, strings.Join(useClassNames[:], ", "))
}

// MarshalText implements encoding.TextMarshaler.
func (c UseClass) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *UseClass) UnmarshalText(b []byte) error {
	p, err := ParseUseClass(string(b))
	if err != nil {
		return err
	}
	*c = p
	return nil
}

// LicenceTerms are the conditions a licence (or a combination) puts on use.
type LicenceTerms struct {
	Class         UseClass `json:"class"`
	Attribution   bool     `json:"attribution,omitempty"`    // credit the author / keep notices
	ShareAlike    bool     `json:"share_alike,omitempty"`    // derivatives under the same terms
	NoDerivatives bool     `json:"no_derivatives,omitempty"` // no adapted versions may be shared
	UseRestricted bool     `json:"use_restricted,omitempty"` // use-based restrictions (RAIL, ethical clauses)
}

// And combines terms that all apply (AND, several sources, content
// evidence): the most restrictive class and every condition of both.
func (t LicenceTerms) And(u LicenceTerms) LicenceTerms {
	if u.Class < t.Class {
		t.Class = u.Class
	}
	t.Attribution = t.Attribution || u.Attribution
	t.ShareAlike = t.ShareAlike || u.ShareAlike
	t.NoDerivatives = t.NoDerivatives || u.NoDerivatives
	t.UseRestricted = t.UseRestricted || u.UseRestricted
	return t
}

// conditions counts the conditions, to break ties between equal classes.
func (t LicenceTerms) conditions() int {
	n := 0
	for _, b := range []bool{t.Attribution, t.ShareAlike, t.NoDerivatives, t.UseRestricted} {
		if b {
			n++
		}
	}
	return n
}

// MorePermissive reports whether t allows strictly more than u: a higher
// class, or the same class with fewer conditions.
func (t LicenceTerms) MorePermissive(u LicenceTerms) bool {
	if t.Class != u.Class {
		return t.Class > u.Class
	}
	return t.conditions() < u.conditions()
}

// Flags renders the conditions as the table's flag letters: A attribution,
// S share-alike, N no-derivatives, R use-restricted ("-" for none).
func (t LicenceTerms) Flags() string {
	var b strings.Builder
	for _, f := range []struct {
		on bool
		c  byte
	}{{t.Attribution, 'A'}, {t.ShareAlike, 'S'}, {t.NoDerivatives, 'N'}, {t.UseRestricted, 'R'}} {
		if f.on {
			b.WriteByte(f.c)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// LicenceInfo is one row of the licence table.
type LicenceInfo struct {
	ID string // canonical id (SPDX, or one of the table's non-SPDX additions)
	LicenceTerms
	// Rule names the family rule that classified it (licences/README.md).
	Rule string
	// Known is false for ids the table does not hold (LicenseRef-*,
	// unknown ids): they are ClassUnspecified.
	Known bool
}

var licenceTable struct {
	once sync.Once
	rows []LicenceInfo
	byID map[string]int // upper-case id -> index in rows
}

func loadLicenceTable() {
	t := &licenceTable
	t.byID = map[string]int{}
	for _, line := range strings.Split(licenceTableTSV, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 4 {
			continue
		}
		c, err := ParseUseClass(f[1])
		if err != nil {
			continue
		}
		info := LicenceInfo{ID: f[0], Rule: f[3], Known: true}
		info.Class = c
		info.Attribution = strings.Contains(f[2], "A")
		info.ShareAlike = strings.Contains(f[2], "S")
		info.NoDerivatives = strings.Contains(f[2], "N")
		info.UseRestricted = strings.Contains(f[2], "R")
		t.byID[strings.ToUpper(f[0])] = len(t.rows)
		t.rows = append(t.rows, info)
	}
}

// LicenceTable returns every row of the licence table, sorted by id.
func LicenceTable() []LicenceInfo {
	licenceTable.once.Do(loadLicenceTable)
	return append([]LicenceInfo(nil), licenceTable.rows...)
}

// LookupLicence returns the table row of a canonical licence id (case-
// insensitive). Creative Commons ids outside the table (e.g. national ports
// such as CC-BY-SA-3.0-CN) are classified by the Creative Commons family
// rule; LicenseRef-*, DocumentRef-* and unknown ids are unspecified.
func LookupLicence(id string) LicenceInfo {
	licenceTable.once.Do(loadLicenceTable)
	id = strings.TrimSuffix(id, "+")
	if i, ok := licenceTable.byID[strings.ToUpper(id)]; ok {
		return licenceTable.rows[i]
	}
	if t, ok := CreativeCommonsTerms(id); ok {
		return LicenceInfo{ID: id, LicenceTerms: t, Rule: "creative-commons", Known: true}
	}
	return LicenceInfo{ID: id, Rule: "unknown"}
}

var ccID = regexp.MustCompile(`^(?i)CC-((?:BY|NC|ND|SA)(?:-(?:BY|NC|ND|SA))*)-(\d\.\d)(?:-[A-Z]{2,3})?$`)

// CreativeCommonsTerms classifies a Creative Commons licence id of the form
// CC-<elements>-<version>[-<port>] (elements BY, NC, ND, SA in any order,
// any version, any national port) and CC0-1.0, CC-PDDC, CC-PDM-1.0. ok is
// false for anything else.
func CreativeCommonsTerms(id string) (t LicenceTerms, ok bool) {
	switch strings.ToUpper(id) {
	case "CC0-1.0", "CC-PDDC", "CC-PDM-1.0":
		return LicenceTerms{Class: ClassCommercial}, true
	}
	m := ccID.FindStringSubmatch(id)
	if m == nil {
		return t, false
	}
	t.Class = ClassCommercial
	for _, el := range strings.Split(strings.ToUpper(m[1]), "-") {
		switch el {
		case "BY":
			t.Attribution = true
		case "NC":
			t.Class = ClassNonCommercial
		case "ND":
			t.NoDerivatives = true
		case "SA":
			t.ShareAlike = true
		}
	}
	return t, true
}

// Errors of licence expression parsing.
var (
	ErrLicenceSyntax  = errors.New("malformed licence expression")
	ErrUnknownLicence = errors.New("unknown licence id")
)

// LicenceExpr is a parsed SPDX licence expression: a licence leaf (ID with
// an optional WITH exception) or an AND / OR of two sub-expressions.
type LicenceExpr struct {
	Op          string // "AND", "OR", or "" for a leaf
	Left, Right *LicenceExpr
	ID          string // canonical id, "+" kept when it could not be folded into the id
	Exception   string // canonical exception id after WITH
}

// maxLicenceDepth bounds nesting so hostile input cannot exhaust the stack.
const maxLicenceDepth = 64

// deprecatedLicences maps every deprecated SPDX id to its replacement
// expression (SPDX licence list 3.x "deprecated" notes).
var deprecatedLicences = map[string]string{
	"AGPL-1.0": "AGPL-1.0-only", "AGPL-3.0": "AGPL-3.0-only",
	"BSD-2-Clause-FreeBSD": "BSD-2-Clause-Views", "BSD-2-Clause-NetBSD": "BSD-2-Clause",
	"bzip2-1.0.5": "bzip2-1.0.6", "eCos-2.0": "GPL-2.0-or-later WITH eCos-exception-2.0",
	"GFDL-1.1": "GFDL-1.1-only", "GFDL-1.2": "GFDL-1.2-only", "GFDL-1.3": "GFDL-1.3-only",
	"GPL-1.0": "GPL-1.0-only", "GPL-1.0+": "GPL-1.0-or-later",
	"GPL-2.0": "GPL-2.0-only", "GPL-2.0+": "GPL-2.0-or-later",
	"GPL-2.0-with-autoconf-exception":  "GPL-2.0-only WITH Autoconf-exception-2.0",
	"GPL-2.0-with-bison-exception":     "GPL-2.0-or-later WITH Bison-exception-2.2",
	"GPL-2.0-with-classpath-exception": "GPL-2.0-only WITH Classpath-exception-2.0",
	"GPL-2.0-with-font-exception":      "GPL-2.0-only WITH Font-exception-2.0",
	"GPL-2.0-with-GCC-exception":       "GPL-2.0-only WITH GCC-exception-2.0",
	"GPL-3.0":                          "GPL-3.0-only", "GPL-3.0+": "GPL-3.0-or-later",
	"GPL-3.0-with-autoconf-exception": "GPL-3.0-only WITH Autoconf-exception-3.0",
	"GPL-3.0-with-GCC-exception":      "GPL-3.0-only WITH GCC-exception-3.1",
	"LGPL-2.0":                        "LGPL-2.0-only", "LGPL-2.0+": "LGPL-2.0-or-later",
	"LGPL-2.1": "LGPL-2.1-only", "LGPL-2.1+": "LGPL-2.1-or-later",
	"LGPL-3.0": "LGPL-3.0-only", "LGPL-3.0+": "LGPL-3.0-or-later",
	"Net-SNMP": "Net-SNMP", "Nunit": "zlib-acknowledgement",
	"StandardML-NJ": "SMLNJ", "wxWindows": "LGPL-2.0-or-later WITH WxWindows-exception-3.1",
}

var deprecatedUpper = func() map[string]string {
	m := make(map[string]string, len(deprecatedLicences))
	for k, v := range deprecatedLicences {
		m[strings.ToUpper(k)] = v
	}
	return m
}()

// licenceAliases maps common non-SPDX spellings found in dataset cards to
// canonical ids (upper-case keys).
var licenceAliases = map[string]string{
	"CC0":            "CC0-1.0",
	"PUBLIC-DOMAIN":  "CC-PDDC",
	"BSD-NEW":        "BSD-3-Clause",
	"BSD-SIMPLIFIED": "BSD-2-Clause",
	"APACHE2":        "Apache-2.0",
	"LGPL-LR":        "LGPLLR",
}

// ParseLicenceExpression parses an SPDX licence expression (SPDX spec
// annex D: ids, "+", WITH, AND, OR, parentheses; operators in upper or lower
// case). Licence and exception ids are checked against the SPDX list shipped
// with github.com/github/go-spdx and normalised: case is canonicalised,
// deprecated ids are replaced (GPL-2.0 → GPL-2.0-only, GPL-2.0+ →
// GPL-2.0-or-later, GPL-2.0-with-classpath-exception → GPL-2.0-only WITH
// Classpath-exception-2.0), a "+" on an -only id becomes -or-later.
// LicenseRef-* / DocumentRef-* ids and the table's non-SPDX additions
// (OpenRAIL variants, Creative Commons ports) are accepted as they are.
// Errors wrap ErrLicenceSyntax or ErrUnknownLicence.
func ParseLicenceExpression(s string) (*LicenceExpr, error) {
	toks, err := tokenizeLicence(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("parsing licence expression %q: %w: empty", s, ErrLicenceSyntax)
	}
	p := licenceParser{toks: toks}
	e, err := p.or(0)
	if err != nil {
		return nil, fmt.Errorf("parsing licence expression %q: %w", s, err)
	}
	if p.pos != len(p.toks) {
		return nil, fmt.Errorf("parsing licence expression %q: %w: unexpected %q", s, ErrLicenceSyntax, p.toks[p.pos])
	}
	return e, nil
}

func tokenizeLicence(s string) ([]string, error) {
	var toks []string
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, s[i:i+1])
			i++
		case isLicenceIDChar(c):
			j := i
			for j < len(s) && isLicenceIDChar(s[j]) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, fmt.Errorf("parsing licence expression %q: %w: character %q at %d", s, ErrLicenceSyntax, c, i)
		}
	}
	return toks, nil
}

func isLicenceIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '+' || c == ':'
}

type licenceParser struct {
	toks []string
	pos  int
}

func (p *licenceParser) peekOp(op string) bool {
	return p.pos < len(p.toks) && strings.EqualFold(p.toks[p.pos], op) &&
		(p.toks[p.pos] == op || p.toks[p.pos] == strings.ToLower(op))
}

func (p *licenceParser) or(depth int) (*LicenceExpr, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.peekOp("OR") {
		p.pos++
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &LicenceExpr{Op: "OR", Left: left, Right: right}
	}
	return left, nil
}

func (p *licenceParser) and(depth int) (*LicenceExpr, error) {
	left, err := p.atom(depth)
	if err != nil {
		return nil, err
	}
	for p.peekOp("AND") {
		p.pos++
		right, err := p.atom(depth)
		if err != nil {
			return nil, err
		}
		left = &LicenceExpr{Op: "AND", Left: left, Right: right}
	}
	return left, nil
}

func (p *licenceParser) atom(depth int) (*LicenceExpr, error) {
	if depth > maxLicenceDepth {
		return nil, fmt.Errorf("%w: nested deeper than %d", ErrLicenceSyntax, maxLicenceDepth)
	}
	if p.pos >= len(p.toks) {
		return nil, fmt.Errorf("%w: unexpected end", ErrLicenceSyntax)
	}
	t := p.toks[p.pos]
	if t == "(" {
		p.pos++
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.pos >= len(p.toks) || p.toks[p.pos] != ")" {
			return nil, fmt.Errorf("%w: missing ')'", ErrLicenceSyntax)
		}
		p.pos++
		return e, nil
	}
	if t == ")" || p.peekOp("AND") || p.peekOp("OR") || p.peekOp("WITH") {
		return nil, fmt.Errorf("%w: unexpected %q", ErrLicenceSyntax, t)
	}
	p.pos++
	e, err := normaliseLicence(t)
	if err != nil {
		return nil, err
	}
	if p.peekOp("WITH") {
		p.pos++
		if p.pos >= len(p.toks) {
			return nil, fmt.Errorf("%w: WITH without exception", ErrLicenceSyntax)
		}
		exc := p.toks[p.pos]
		p.pos++
		ok, canon := spdxlicenses.IsException(exc)
		if !ok {
			if !strings.HasPrefix(exc, "AdditionRef-") {
				return nil, fmt.Errorf("%w: %q is not an SPDX licence exception", ErrUnknownLicence, exc)
			}
			canon = exc
		}
		if e.Op != "" || e.Exception != "" {
			return nil, fmt.Errorf("%w: WITH after a deprecated id that already has an exception", ErrLicenceSyntax)
		}
		e.Exception = canon
	}
	return e, nil
}

// normaliseLicence returns the canonical leaf (or replacement expression)
// for one licence token.
func normaliseLicence(tok string) (*LicenceExpr, error) {
	up := strings.ToUpper(tok)
	if r, ok := deprecatedUpper[up]; ok {
		if r == tok || strings.EqualFold(r, tok) {
			return &LicenceExpr{ID: r}, nil
		}
		return ParseLicenceExpression(r)
	}
	if strings.HasPrefix(up, "LICENSEREF-") || strings.HasPrefix(up, "DOCUMENTREF-") {
		if strings.HasSuffix(tok, "+") {
			return nil, fmt.Errorf("%w: %q", ErrLicenceSyntax, tok)
		}
		return &LicenceExpr{ID: tok}, nil
	}
	plus := strings.HasSuffix(tok, "+")
	id := strings.TrimSuffix(tok, "+")
	if strings.Contains(id, "+") || strings.Contains(id, ":") || id == "" {
		return nil, fmt.Errorf("%w: %q", ErrLicenceSyntax, tok)
	}
	canon := ""
	if ok, c := spdxlicenses.IsActiveLicense(id); ok {
		canon = c
	} else if a, ok := licenceAliases[strings.ToUpper(id)]; ok {
		canon = a
	} else if info := LookupLicence(id); info.Known {
		canon = info.ID
	} else {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLicence, tok)
	}
	if plus {
		if base, ok := strings.CutSuffix(canon, "-only"); ok {
			return &LicenceExpr{ID: base + "-or-later"}, nil
		}
		if strings.HasSuffix(canon, "-or-later") {
			return &LicenceExpr{ID: canon}, nil
		}
		return &LicenceExpr{ID: canon + "+"}, nil
	}
	return &LicenceExpr{ID: canon}, nil
}

// String renders e in canonical form, parenthesising sub-expressions whose
// operator binds less tightly than their parent's.
func (e *LicenceExpr) String() string {
	var b strings.Builder
	e.write(&b, "")
	return b.String()
}

func (e *LicenceExpr) write(b *strings.Builder, parent string) {
	if e.Op == "" {
		b.WriteString(e.ID)
		if e.Exception != "" {
			b.WriteString(" WITH ")
			b.WriteString(e.Exception)
		}
		return
	}
	paren := parent == "AND" && e.Op == "OR"
	if paren {
		b.WriteByte('(')
	}
	e.Left.write(b, e.Op)
	b.WriteString(" " + e.Op + " ")
	e.Right.write(b, e.Op)
	if paren {
		b.WriteByte(')')
	}
}

// IDs returns the distinct licence ids of e in first-seen order.
func (e *LicenceExpr) IDs() []string {
	var out []string
	seen := map[string]bool{}
	var walk func(*LicenceExpr)
	walk = func(n *LicenceExpr) {
		if n.Op != "" {
			walk(n.Left)
			walk(n.Right)
			return
		}
		if !seen[n.ID] {
			seen[n.ID] = true
			out = append(out, n.ID)
		}
	}
	walk(e)
	return out
}

// LicenceChoice is the outcome of evaluating an expression: the terms that
// apply and the licences chosen (one branch of each OR).
type LicenceChoice struct {
	LicenceTerms
	IDs []string
}

// NoDerivativesKey is the key of an overrides map (Resolve) that sets the
// class of every no-derivatives licence (CC *-ND ...) not overridden by id;
// it cannot collide with a licence id. The policy's no_derivatives sets it.
const NoDerivativesKey = "*no-derivatives"

// DefaultNoDerivativesClass caps the class of no-derivatives licences when
// overrides does not set NoDerivativesKey: a trained model is an
// adaptation such licences forbid sharing, so by default they are not
// acceptable for training (CN-IM-7.2).
const DefaultNoDerivativesClass = ClassUnspecified

// Resolve evaluates e: each leaf gets the terms of its table row (overrides,
// if non-nil, replaces the class of listed ids; a no-derivatives licence's
// class is capped at overrides[NoDerivativesKey], by default
// DefaultNoDerivativesClass); AND combines both sides
// (most restrictive); OR takes the most permissive option that accept
// allows, or, when accept allows neither (or is nil), the most permissive.
func (e *LicenceExpr) Resolve(accept func(UseClass) bool, overrides map[string]UseClass) LicenceChoice {
	switch e.Op {
	case "AND":
		l := e.Left.Resolve(accept, overrides)
		r := e.Right.Resolve(accept, overrides)
		return LicenceChoice{LicenceTerms: l.And(r.LicenceTerms), IDs: mergeIDs(l.IDs, r.IDs)}
	case "OR":
		l := e.Left.Resolve(accept, overrides)
		r := e.Right.Resolve(accept, overrides)
		if accept != nil {
			la, ra := accept(l.Class), accept(r.Class)
			if la && !ra {
				return l
			}
			if ra && !la {
				return r
			}
		}
		if r.MorePermissive(l.LicenceTerms) {
			return r
		}
		return l
	}
	info := LookupLicence(e.ID)
	if c, ok := overrides[e.ID]; ok {
		info.Class = c
	} else if info.NoDerivatives {
		// A trained model is an adaptation: a no-derivatives licence does
		// not allow training unless the policy says otherwise.
		nd := DefaultNoDerivativesClass
		if c, ok := overrides[NoDerivativesKey]; ok {
			nd = c
		}
		info.Class = min(info.Class, nd)
	}
	return LicenceChoice{LicenceTerms: info.LicenceTerms, IDs: []string{e.ID}}
}

func mergeIDs(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, id := range b {
		found := false
		for _, x := range out {
			if x == id {
				found = true
				break
			}
		}
		if !found {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
