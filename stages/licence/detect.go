package licence

import (
	"bytes"
	"hash/maphash"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/google/licensecheck"

	"github.com/prov-ai/prov/schemas"
)

// Evidence kinds of a Match.
const (
	EvidenceText       = "text"        // a licence text or standard header (licensecheck)
	EvidenceSPDXHeader = "spdx-header" // an SPDX-License-Identifier: line
	EvidenceURL        = "url"         // a licence URL (Creative Commons, apache.org, gnu.org ...)
	EvidenceNotice     = "notice"      // a notice: all rights reserved, CC abbreviations, Chinese notices
)

// Class names of a Result beyond the use classes.
const (
	// ClassNone: no licence evidence at all.
	ClassNone = "none"
)

// Pseudo-licences reported for notices that grant nothing. They are
// LicenseRef ids, so the licence table classes them unspecified.
const (
	// RefAllRightsReserved: "All rights reserved", "版权所有" or a bare
	// copyright line, with no licence.
	RefAllRightsReserved = "LicenseRef-All-Rights-Reserved"
	// RefNoReproduction: an explicit ban on reproduction without
	// permission ("未经许可不得转载", "禁止转载"). Unlike a copyright line
	// it contradicts an open licence declared for the same content.
	RefNoReproduction = "LicenseRef-No-Reproduction"
	// RefReprintWithCredit: "转载请注明出处" (reprint with credit), which
	// asks for attribution but grants no licence.
	RefReprintWithCredit = "LicenseRef-Reprint-With-Credit"
)

// Match is one licence found in a text.
type Match struct {
	SPDX       string  `json:"spdx"`       // SPDX id or expression (or one of the Ref* ids)
	Confidence float64 `json:"confidence"` // 0..1
	Evidence   string  `json:"evidence"`   // text, spdx-header, url or notice
}

// Result is what Detect found in one text: licences best match first, and
// the use class they give together (ClassNone when there is no evidence).
type Result struct {
	Licences []Match `json:"licences"`
	Class    string  `json:"class"`
}

// Terms returns the combined terms of the matches (AND of all; OR inside an
// SPDX expression takes the most permissive option accept allows) and
// whether there was any evidence.
func (r Result) Terms(accept func(schemas.UseClass) bool, overrides map[string]schemas.UseClass) (schemas.LicenceTerms, bool) {
	var t schemas.LicenceTerms
	first := true
	for _, m := range r.Licences {
		e, err := schemas.ParseLicenceExpression(m.SPDX)
		var mt schemas.LicenceTerms
		if err == nil {
			mt = e.Resolve(accept, overrides).LicenceTerms
		}
		if first {
			t, first = mt, false
		} else {
			t = t.And(mt)
		}
	}
	return t, !first
}

// HasLicence reports whether r holds a real licence (not only notices).
func (r Result) HasLicence() bool {
	for _, m := range r.Licences {
		if !isNoticeRef(m.SPDX) {
			return true
		}
	}
	return false
}

// Has reports whether r holds a match with the given id.
func (r Result) Has(id string) bool {
	for _, m := range r.Licences {
		if m.SPDX == id {
			return true
		}
	}
	return false
}

func isNoticeRef(id string) bool {
	return id == RefAllRightsReserved || id == RefNoReproduction || id == RefReprintWithCredit
}

// triggers are the byte strings the prefilter looks for: a text with none of
// them has no licence evidence and skips every detector.
var triggers = [][]byte{
	[]byte("icens"), []byte("ICENS"), []byte("opyright"), []byte("OPYRIGHT"), []byte("SPDX-"),
	[]byte("creativecommons"), []byte("ights reserved"), []byte("ights Reserved"), []byte("IGHTS RESERVED"),
	[]byte("ermission is hereby"), []byte("edistribution and use"), []byte("ublic domain"),
	[]byte("CC BY"), []byte("CC-BY"), []byte("CC0"), []byte("CC 4.0"), []byte("CC 3.0"), []byte("©"),
	[]byte("版权"), []byte("版權"), []byte("转载"), []byte("轉載"), []byte("知识共享"), []byte("知識共享"),
	[]byte("许可协议"),
}

// licTriggers mark text worth giving to licensecheck (licence prose).
var licTriggers = [][]byte{
	[]byte("icens"), []byte("ICENS"), []byte("ermission is hereby"), []byte("edistribution and use"),
	[]byte("ublic domain"), []byte("WITHOUT WARRANTY"), []byte("without warranty"), []byte("ermission to use"),
	[]byte("edistribute"), []byte("AS IS"), []byte("ARRANTIES"), []byte("arranties"),
}

const (
	windowBefore = 800      // bytes of context before the first licence word
	windowAfter  = 1200     // and after the last one
	clusterGap   = 2000     // hits closer than this share a window
	maxWindows   = 64 << 10 // total bytes handed to licensecheck per text
)

// Detect finds licence evidence in text: SPDX-License-Identifier lines,
// licence texts and standard headers (github.com/google/licensecheck, run
// only on windows around licence-like words), Creative Commons URLs and
// abbreviations (English and Chinese), and notices (all rights reserved,
// 版权所有, 未经许可不得转载, 转载请注明出处). Notices that grant nothing are
// reported only when no licence was found. Safe for concurrent use.
func Detect(text []byte) Result {
	if !prefilter(text) {
		return Result{Licences: []Match{}, Class: ClassNone}
	}
	var ms []Match
	ms = spdxHeaders(text, ms)
	ms = ccURLs(text, ms)
	ms = ccNotices(text, ms)
	ms = phraseNotices(text, ms)
	ms = scanTexts(text, ms)
	ms = dedup(ms)
	if !hasRealLicence(ms) {
		ms = rightsNotices(text, ms)
		ms = dedup(ms)
	}
	res := Result{Licences: ms, Class: ClassNone}
	if len(ms) > 0 {
		t, _ := res.Terms(nil, nil)
		res.Class = t.Class.String()
	} else {
		res.Licences = []Match{}
	}
	return res
}

func hasRealLicence(ms []Match) bool {
	for _, m := range ms {
		if !isNoticeRef(m.SPDX) {
			return true
		}
	}
	return false
}

// prefilter reports whether text holds any trigger, in one pass: a table
// indexed by each trigger's first two bytes finds candidate positions, and
// only those are compared (25 bytes.Contains passes cost a tenth of a run).
func prefilter(text []byte) bool {
	for i := 0; i+1 < len(text); i++ {
		if !triggerFirst[text[i]] {
			continue
		}
		g := triggerIndex[uint16(text[i])<<8|uint16(text[i+1])]
		if g == 0 {
			continue
		}
		for _, t := range triggerGroups[g-1] {
			if bytes.HasPrefix(text[i:], t) {
				return true
			}
		}
	}
	return false
}

// triggerFirst marks the first bytes of the triggers: a small table that
// rules out most positions before the two-byte triggerIndex lookup.
var triggerFirst = func() (t [256]bool) {
	for _, tr := range triggers {
		t[tr[0]] = true
	}
	return t
}()

// triggerIndex maps the first two bytes of each trigger to 1 + the index
// of the group of triggers starting with them in triggerGroups (0: none).
var triggerIndex, triggerGroups = func() (*[1 << 16]uint8, [][][]byte) {
	var idx [1 << 16]uint8
	var groups [][][]byte
	for _, t := range triggers {
		k := uint16(t[0])<<8 | uint16(t[1])
		if idx[k] == 0 {
			groups = append(groups, nil)
			idx[k] = uint8(len(groups))
		}
		groups[idx[k]-1] = append(groups[idx[k]-1], t)
	}
	return &idx, groups
}()

var evidenceRank = map[string]int{EvidenceSPDXHeader: 0, EvidenceText: 1, EvidenceURL: 2, EvidenceNotice: 3}

// dedup keeps one match per id (highest confidence, then strongest
// evidence) and sorts best first.
func dedup(ms []Match) []Match {
	best := map[string]int{}
	var out []Match
	for _, m := range ms {
		m.Confidence = math.Round(m.Confidence*100) / 100
		if i, ok := best[m.SPDX]; ok {
			o := out[i]
			if m.Confidence > o.Confidence || m.Confidence == o.Confidence && evidenceRank[m.Evidence] < evidenceRank[o.Evidence] {
				out[i] = m
			}
			continue
		}
		best[m.SPDX] = len(out)
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Confidence != out[j].Confidence {
			return out[i].Confidence > out[j].Confidence
		}
		return evidenceRank[out[i].Evidence] < evidenceRank[out[j].Evidence]
	})
	return out
}

var spdxTag = []byte("SPDX-License-Identifier:")

// spdxHeaders reads every SPDX-License-Identifier: line.
func spdxHeaders(text []byte, ms []Match) []Match {
	rest := text
	for {
		i := bytes.Index(rest, spdxTag)
		if i < 0 {
			return ms
		}
		rest = rest[i+len(spdxTag):]
		end := bytes.IndexByte(rest, '\n')
		if end < 0 {
			end = len(rest)
		}
		line := string(rest[:end])
		rest = rest[end:]
		expr := cleanSPDXLine(line)
		if expr == "" {
			continue
		}
		if e, err := schemas.ParseLicenceExpression(expr); err == nil {
			ms = append(ms, Match{SPDX: e.String(), Confidence: 1, Evidence: EvidenceSPDXHeader})
		}
	}
}

// cleanSPDXLine strips comment closers and trailing punctuation.
func cleanSPDXLine(s string) string {
	s = strings.TrimSpace(s)
	for _, closer := range []string{"*/", "-->", "--%>", "#}", "%}", "*)", "\"", "'", ";", ","} {
		if i := strings.Index(s, closer); i >= 0 {
			s = s[:i]
		}
	}
	return strings.TrimSpace(s)
}

var ccURL = regexp.MustCompile(`(?i)creativecommons\.org/(licenses|publicdomain)/([a-z+-]+)/(\d\.\d)(?:/([a-z]{2,3})/?)?`)

// ccURLs maps Creative Commons licence URLs to SPDX ids.
func ccURLs(text []byte, ms []Match) []Match {
	if !bytes.Contains(text, []byte("creativecommons")) {
		return ms
	}
	for _, m := range ccURL.FindAllSubmatch(text, 16) {
		kind, el, ver := strings.ToLower(string(m[1])), strings.ToLower(string(m[2])), string(m[3])
		var id string
		if kind == "publicdomain" {
			switch el {
			case "zero":
				id = "CC0-1.0"
			case "mark":
				id = "CC-PDM-1.0"
			default:
				continue
			}
		} else {
			id = ccID(strings.Split(el, "-"), ver, string(m[4]))
			if id == "" {
				continue
			}
		}
		ms = append(ms, Match{SPDX: id, Confidence: 0.9, Evidence: EvidenceURL})
	}
	return ms
}

// ccID builds the SPDX id of a Creative Commons licence from its elements
// (by, nc, nd, sa in any order), version and optional port. A port the
// SPDX list does not hold falls back to the unported licence.
func ccID(elements []string, ver, port string) string {
	var by, nc, nd, sa bool
	for _, e := range elements {
		switch strings.ToLower(strings.TrimSpace(e)) {
		case "by":
			by = true
		case "nc":
			nc = true
		case "nd":
			nd = true
		case "sa":
			sa = true
		case "":
		default:
			return ""
		}
	}
	if !by && !nc && !nd && !sa {
		return ""
	}
	if nd && sa {
		return ""
	}
	var b strings.Builder
	b.WriteString("CC")
	if by {
		b.WriteString("-BY")
	}
	if nc {
		b.WriteString("-NC")
	}
	if nd {
		b.WriteString("-ND")
	}
	if sa {
		b.WriteString("-SA")
	}
	b.WriteString("-" + ver)
	base := b.String()
	if port != "" {
		ported := base + "-" + strings.ToUpper(port)
		if info := schemas.LookupLicence(ported); info.Known && info.Rule == "creative-commons" && info.ID == ported && inSPDXTable(ported) {
			return ported
		}
	}
	return base
}

// inSPDXTable reports whether id is a row of the generated table (not only
// classified by the Creative Commons rule at lookup time).
func inSPDXTable(id string) bool {
	tableOnce.Do(func() {
		tableIDs = map[string]bool{}
		for _, r := range schemas.LicenceTable() {
			tableIDs[r.ID] = true
		}
	})
	return tableIDs[id]
}

var (
	tableOnce sync.Once
	tableIDs  map[string]bool
)

var (
	// "CC BY-NC-SA 4.0", "CC-BY-4.0", "CC BY 3.0"
	ccAbbrev = regexp.MustCompile(`\bCC[ -]?(BY(?:[ -](?:NC|ND|SA)){0,2})[ -]?v?(\d\.\d)\b`)
	// CSDN: "遵循 CC 4.0 BY-SA 版权协议"
	ccAbbrevCN = regexp.MustCompile(`\bCC[ -]?v?(\d\.\d)[ -]?(BY(?:[ -](?:NC|ND|SA)){0,2})\b`)
	cc0Word    = regexp.MustCompile(`\bCC0(?:[ -]1\.0)?\b`)
	// 知识共享署名-非商业性使用-相同方式共享 4.0 国际许可协议
	ccChinese = regexp.MustCompile(`(?:知识共享|知識共享|CC)\s*(?:许可协议|許可協議)?\s*((?:署名|姓名标示|姓名標示|非商业性使用|非商業性|禁止演绎|禁止改作|相同方式共享|-|－|—|\s)+)\s*v?(\d\.\d)?`)
)

// ccNotices reads Creative Commons licences named in words.
func ccNotices(text []byte, ms []Match) []Match {
	for _, w := range around(text, ccAnchors, 2, 24) {
		win := text[w[0]:w[1]]
		for _, m := range ccAbbrev.FindAllSubmatch(win, 16) {
			if id := ccID(strings.FieldsFunc(string(m[1]), isSep), string(m[2]), ""); id != "" {
				ms = append(ms, Match{SPDX: id, Confidence: 0.8, Evidence: EvidenceNotice})
			}
		}
		for _, m := range ccAbbrevCN.FindAllSubmatch(win, 16) {
			if id := ccID(strings.FieldsFunc(string(m[2]), isSep), string(m[1]), ""); id != "" {
				ms = append(ms, Match{SPDX: id, Confidence: 0.8, Evidence: EvidenceNotice})
			}
		}
		if cc0Word.Match(win) {
			ms = append(ms, Match{SPDX: "CC0-1.0", Confidence: 0.75, Evidence: EvidenceNotice})
		}
	}
	if bytes.Contains(text, []byte("共享")) {
		for _, m := range ccChinese.FindAllSubmatch(text, 16) {
			s := string(m[1])
			var els []string
			if strings.Contains(s, "署名") || strings.Contains(s, "姓名标示") || strings.Contains(s, "姓名標示") {
				els = append(els, "by")
			}
			if strings.Contains(s, "非商业") || strings.Contains(s, "非商業") {
				els = append(els, "nc")
			}
			if strings.Contains(s, "禁止") {
				els = append(els, "nd")
			}
			if strings.Contains(s, "相同方式共享") {
				els = append(els, "sa")
			}
			ver := string(m[2])
			if ver == "" {
				ver = "4.0"
			}
			if id := ccID(els, ver, ""); id != "" {
				ms = append(ms, Match{SPDX: id, Confidence: 0.8, Evidence: EvidenceNotice})
			}
		}
	}
	return ms
}

func isSep(r rune) bool { return r == ' ' || r == '-' }

// licencePhrases are short statements naming a licence ("released under
// the MIT License") that licensecheck does not match on their own.
// phrase compiles a case-insensitive phrase whose spaces also match line
// breaks with comment markers ("BSD-style\n// license").
func phrase(s string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)` + strings.ReplaceAll(s, " ", `(?:\s|//|#|\*|--|;)+`))
}

var licencePhrases = []struct {
	re   *regexp.Regexp
	id   string
	conf float64
	key  string // lower-case literal every match contains: checked before the regexp
}{
	{phrase(`\bunder (?:the )?(?:terms of the )?MIT(?: License| licence)?\b`), "MIT", 0.7, "mit"},
	{phrase(`\bMIT(?:-| )licen[sc]ed\b`), "MIT", 0.7, "mit"},
	{phrase(`\bunder (?:the )?(?:terms of the )?Apache License,? (?:Version |v)?2\.0`), "Apache-2.0", 0.7, "apache"},
	{phrase(`\bunder (?:the )?(?:terms of the )?ISC licen[sc]e`), "ISC", 0.7, "isc"},
	{phrase(`\bunder (?:the )?(?:terms of the )?Mozilla Public License,? (?:Version |v)?2\.0`), "MPL-2.0", 0.7, "mozilla"},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:GNU )?(?:GPL|General Public License),? ?(?:version |v)?3(?:\.0)?\b`), "GPL-3.0-only", 0.6, "under"},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:GNU )?(?:GPL|General Public License),? ?(?:version |v)?2(?:\.0)?\b`), "GPL-2.0-only", 0.6, "under"},
	{phrase(`\bBSD(?:-| )style licen[sc]e`), "BSD-3-Clause", 0.5, "bsd"},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:3-clause|new|modified) BSD licen[sc]e`), "BSD-3-Clause", 0.7, "bsd"},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:2-clause|simplified) BSD licen[sc]e`), "BSD-2-Clause", 0.7, "bsd"},
	{phrase(`GNU Free Documentation License (?:Version |v)?1\.1\b`), "GFDL-1.1-only", 0.8, "free documentation"},
	{phrase(`GNU Free Documentation License (?:Version |v)?1\.2\b`), "GFDL-1.2-only", 0.8, "free documentation"},
	{phrase(`GNU Free Documentation License (?:Version |v)?1\.3\b`), "GFDL-1.3-only", 0.8, "free documentation"},
	{phrase(`PSF LICENSE AGREEMENT FOR PYTHON`), "PSF-2.0", 0.8, "psf"},
	{phrase(`PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2`), "Python-2.0", 0.8, "python software"},
	{phrase(`CeCILL FREE SOFTWARE LICENSE AGREEMENT Version 2\.1`), "CECILL-2.1", 0.8, "cecill"},
	{phrase(`developed by the Apache Group for use in the Apache HTTP server project`), "Apache-1.0", 0.8, "apache group"},
	{phrase(`\b(?:released|dedicated) (?:in)?to the public domain\b`), "CC-PDDC", 0.5, "public domain"},
}

// phraseAnchors are the words every licence phrase contains; phrases are
// matched only near them, so regular expressions never run over whole
// files of code.
var phraseAnchors = [][]byte{[]byte("icens"), []byte("ICENS"), []byte("ublic domain"), []byte("Apache Group")}

func phraseNotices(text []byte, ms []Match) []Match {
	ws := around(text, phraseAnchors, 160, 200)
	if len(ws) == 0 {
		return ms
	}
	lower := make([][]byte, len(ws))
	for i, w := range ws {
		lower[i] = bytes.ToLower(text[w[0]:w[1]])
	}
	for _, p := range licencePhrases {
		for i, w := range ws {
			if bytes.Contains(lower[i], []byte(p.key)) && p.re.Match(text[w[0]:w[1]]) {
				ms = append(ms, Match{SPDX: p.id, Confidence: p.conf, Evidence: EvidenceNotice})
				break
			}
		}
	}
	return ms
}

// maxAnchors caps the occurrences of each anchor around() considers.
const maxAnchors = 64

// around returns the merged byte ranges [hit-before, hit+after) around the
// occurrences of the needles.
func around(text []byte, needles [][]byte, before, after int) [][2]int {
	var buf [32]int
	hits := findNeedles(buf[:0], text, needles, maxAnchors)
	if len(hits) == 0 {
		return nil
	}
	sort.Ints(hits)
	var ws [][2]int
	for _, h := range hits {
		a, b := max(0, h-before), min(len(text), h+after)
		if n := len(ws); n > 0 && a <= ws[n-1][1] {
			ws[n-1][1] = max(ws[n-1][1], b)
			continue
		}
		ws = append(ws, [2]int{a, b})
	}
	return ws
}

// findNeedles appends to hits, in no particular order, the positions that
//
//	for _, nd := range needles {
//		off := 0
//		for n := 0; n < limit; n++ {
//			i := bytes.Index(text[off:], nd)
//			if i < 0 {
//				break
//			}
//			hits = append(hits, off+i)
//			off += i + len(nd)
//		}
//	}
//
// collects (the first limit non-overlapping occurrences of each needle),
// in one pass over text instead of one per needle.
func findNeedles(hits []int, text []byte, needles [][]byte, limit int) []int {
	nx := needleIndexOf(needles)
	if nx == nil {
		return findNeedlesEach(hits, text, needles, limit)
	}
	if limit <= 0 {
		return hits
	}
	var offBuf, countBuf [16]int
	off, count := offBuf[:len(needles)], countBuf[:len(needles)]
	open := len(needles) // needles still below limit
	for i := 0; i+1 < len(text); i++ {
		c := text[i]
		if !nx.first[c] {
			continue
		}
		b := text[i+1]
		if nx.second[c][b>>6]&(1<<(b&63)) == 0 {
			continue
		}
		for _, k := range nx.byFirst[c] {
			nd := needles[k]
			if i < off[k] || count[k] >= limit || !bytes.HasPrefix(text[i:], nd) {
				continue
			}
			hits = append(hits, i)
			off[k] = i + len(nd)
			count[k]++
			if count[k] == limit {
				if open--; open == 0 {
					return hits
				}
			}
		}
	}
	return hits
}

// findNeedlesEach is findNeedles one needle at a time.
func findNeedlesEach(hits []int, text []byte, needles [][]byte, limit int) []int {
	for _, nd := range needles {
		off := 0
		for n := 0; n < limit; n++ {
			i := bytes.Index(text[off:], nd)
			if i < 0 {
				break
			}
			hits = append(hits, off+i)
			off += i + len(nd)
		}
	}
	return hits
}

// needleIndex finds candidate positions of a needle list: the needles'
// first bytes, and per first byte the second bytes and the needles.
type needleIndex struct {
	first   [256]bool
	second  [256][4]uint64
	byFirst [256][]int
}

// needleIndexes are the indexes of the package's needle lists, which are
// never modified; a list is known by its backing array and length.
var needleIndexes = func() (out []needleIndexEntry) {
	for _, needles := range [][][]byte{licTriggers, phraseAnchors, ccAnchors, arrAnchors, copyrightAnchors} {
		if nx := newNeedleIndex(needles); nx != nil {
			out = append(out, needleIndexEntry{&needles[0], len(needles), nx})
		}
	}
	return out
}()

type needleIndexEntry struct {
	first *[]byte
	n     int
	nx    *needleIndex
}

// needleIndexOf returns the index of needles when it is one of the
// package's lists, else nil.
func needleIndexOf(needles [][]byte) *needleIndex {
	if len(needles) == 0 {
		return nil
	}
	for _, e := range needleIndexes {
		if e.first == &needles[0] && e.n == len(needles) {
			return e.nx
		}
	}
	return nil
}

// newNeedleIndex indexes needles, or returns nil when findNeedles cannot
// use an index: an empty list, more than 16 needles or a needle shorter
// than two bytes.
func newNeedleIndex(needles [][]byte) *needleIndex {
	if len(needles) == 0 || len(needles) > 16 {
		return nil
	}
	nx := &needleIndex{}
	for k, nd := range needles {
		if len(nd) < 2 {
			return nil
		}
		nx.first[nd[0]] = true
		nx.second[nd[0]][nd[1]>>6] |= 1 << (nd[1] & 63)
		nx.byFirst[nd[0]] = append(nx.byFirst[nd[0]], k)
	}
	return nx
}

// matchAround reports whether re matches near one of the needles.
func matchAround(text []byte, re *regexp.Regexp, needles [][]byte, before, after int) bool {
	for _, w := range around(text, needles, before, after) {
		if re.Match(text[w[0]:w[1]]) {
			return true
		}
	}
	return false
}

var (
	allRightsReserved = regexp.MustCompile(`(?i)\ball rights reserved\b`)
	copyrightLine     = regexp.MustCompile(`(?i)(?:\bcopyright\s*(?:\(c\)|©)|©\s*(?:19|20)\d\d|\bcopyright\s+(?:19|20)\d\d)`)
	noReproduction    = []string{"未经许可不得转载", "未经授权不得转载", "未经允许不得转载", "未经同意不得转载", "禁止转载", "严禁转载", "不得转载", "謝絕轉載", "禁止轉載", "未經許可不得轉載", "未經授權不得轉載", "不得轉載", "请勿转载"}
	reprintCredit     = []string{"转载请注明出处", "转载请注明来源", "转载请注明作者", "转载请保留", "转载请附上", "轉載請註明出處", "转载须注明"}
	rightsCN          = []string{"版权所有", "版權所有"}
)

var (
	arrAnchors       = [][]byte{[]byte("ights reserved"), []byte("ights Reserved"), []byte("IGHTS RESERVED"), []byte("ights reserved")}
	copyrightAnchors = [][]byte{[]byte("opyright"), []byte("OPYRIGHT"), []byte("©")}
	ccAnchors        = [][]byte{[]byte("CC")}
)

// rightsNotices reports notices that grant nothing; called only when no
// licence was found.
func rightsNotices(text []byte, ms []Match) []Match {
	for _, s := range noReproduction {
		if bytes.Contains(text, []byte(s)) {
			ms = append(ms, Match{SPDX: RefNoReproduction, Confidence: 0.85, Evidence: EvidenceNotice})
			break
		}
	}
	for _, s := range rightsCN {
		if bytes.Contains(text, []byte(s)) {
			ms = append(ms, Match{SPDX: RefAllRightsReserved, Confidence: 0.8, Evidence: EvidenceNotice})
			break
		}
	}
	if matchAround(text, allRightsReserved, arrAnchors, 8, 20) {
		ms = append(ms, Match{SPDX: RefAllRightsReserved, Confidence: 0.8, Evidence: EvidenceNotice})
	} else if matchAround(text, copyrightLine, copyrightAnchors, 12, 24) {
		ms = append(ms, Match{SPDX: RefAllRightsReserved, Confidence: 0.5, Evidence: EvidenceNotice})
	}
	for _, s := range reprintCredit {
		if bytes.Contains(text, []byte(s)) {
			ms = append(ms, Match{SPDX: RefReprintWithCredit, Confidence: 0.6, Evidence: EvidenceNotice})
			break
		}
	}
	return ms
}

// windows returns the byte ranges around licence words, merged and capped.
func windows(text []byte) [][2]int {
	var buf [32]int
	hits := findNeedles(buf[:0], text, licTriggers, 256)
	if len(hits) == 0 {
		return nil
	}
	sort.Ints(hits)
	var ws [][2]int
	start, last := hits[0], hits[0]
	flush := func() {
		a, b := max(0, start-windowBefore), min(len(text), last+windowAfter)
		if n := len(ws); n > 0 && a <= ws[n-1][1] {
			ws[n-1][1] = b
		} else {
			ws = append(ws, [2]int{a, b})
		}
	}
	for _, h := range hits[1:] {
		if h-last > clusterGap {
			flush()
			start = h
		}
		last = h
	}
	flush()
	total := 0
	for _, w := range ws {
		total += w[1] - w[0]
	}
	// A text that is mostly licence prose (a LICENSE file) is scanned
	// whole: licensecheck matches full texts only as a whole.
	if total*10 >= len(text)*4 && len(text) <= maxWindows {
		return [][2]int{{0, len(text)}}
	}
	total = 0
	for i, w := range ws {
		if total+w[1]-w[0] > maxWindows {
			w[1] = w[0] + maxWindows - total
			ws[i] = w
			return ws[:i+1]
		}
		total += w[1] - w[0]
	}
	return ws
}

// scanCache memoises licensecheck results per window, keyed by the window
// with its copyright lines removed: code corpora repeat the same header in
// thousands of files that differ only in the year and the holder.
var scanCache = struct {
	sync.Mutex
	m map[uint64][]Match
}{m: map[uint64][]Match{}}

const scanCacheMax = 4096

var cacheSeed = maphash.MakeSeed()

func cacheKey(w []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(cacheSeed)
	for len(w) > 0 {
		line := w
		if i := bytes.IndexByte(w, '\n'); i >= 0 {
			line, w = w[:i+1], w[i+1:]
		} else {
			w = nil
		}
		if bytes.Contains(line, []byte("opyright")) || bytes.Contains(line, []byte("OPYRIGHT")) || bytes.Contains(line, []byte("©")) {
			continue
		}
		h.Write(line)
	}
	return h.Sum64()
}

// scanTexts runs licensecheck on the windows around licence words. When
// the windows match nothing but cover a fair share of a small text, the
// whole text is scanned: licence texts with few licence words (Artistic)
// match only as a whole.
func scanTexts(text []byte, ms []Match) []Match {
	ws := windows(text)
	n := len(ms)
	ms = scanWindows(text, ws, ms)
	covered := 0
	for _, w := range ws {
		covered += w[1] - w[0]
	}
	if len(ms) == n && covered > 0 && len(text) <= maxWindows && covered*100 >= len(text)*15 &&
		(len(ws) != 1 || ws[0] != [2]int{0, len(text)}) {
		ms = scanWindows(text, [][2]int{{0, len(text)}}, ms)
	}
	return ms
}

func scanWindows(text []byte, ws [][2]int, ms []Match) []Match {
	for _, w := range ws {
		win := text[w[0]:w[1]]
		key := cacheKey(win)
		scanCache.Lock()
		cached, ok := scanCache.m[key]
		scanCache.Unlock()
		if !ok {
			cached = licensecheckWindow(win)
			scanCache.Lock()
			if len(scanCache.m) >= scanCacheMax {
				clear(scanCache.m)
			}
			scanCache.m[key] = cached
			scanCache.Unlock()
		}
		ms = append(ms, cached...)
	}
	return ms
}

// licensecheckWindow scans one window; a panic inside licensecheck is
// treated as "nothing found" for that window.
func licensecheckWindow(win []byte) (out []Match) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	cov := licensecheck.Scan(win)
	for _, m := range cov.Match {
		id := normaliseCheckID(m.ID)
		if id == "" {
			continue
		}
		if m.IsURL {
			out = append(out, Match{SPDX: id, Confidence: 0.85, Evidence: EvidenceURL})
			continue
		}
		// Confidence grows with the matched length: a full licence text or
		// long header is 1, a short notice about 0.9. Equal confidences keep
		// document order, so the first of concatenated texts comes first.
		out = append(out, Match{SPDX: id, Confidence: 0.9 + 0.1*min(1, float64(m.End-m.Start)/1500), Evidence: EvidenceText})
	}
	return out
}

// normaliseCheckID turns a licensecheck id into a canonical SPDX id.
// licensecheck reports bare-version ids (GPL-2.0) for full licence texts,
// which grant that version only unless a notice says "or later".
func normaliseCheckID(id string) string {
	switch id {
	case "GooglePatentClause", "GooglePatentsFile", "GPL":
		return ""
	case "GPL-2.0-or-3.0":
		return "GPL-2.0-only OR GPL-3.0-only"
	case "BSD":
		return "BSD-3-Clause"
	}
	e, err := schemas.ParseLicenceExpression(id)
	if err != nil {
		if info := schemas.LookupLicence(id); info.Known {
			return info.ID
		}
		return "LicenseRef-" + strings.Map(func(r rune) rune {
			if r < 128 && (r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return r
			}
			return '-'
		}, id)
	}
	return e.String()
}
