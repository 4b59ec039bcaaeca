package licence

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/licence/internal/spdxmatch"
)

// Evidence kinds of a Match.
const (
	EvidenceText       = "text"        // a licence text of the SPDX License List (spdxmatch)
	EvidenceSPDXHeader = "spdx-header" // an SPDX-License-Identifier: line
	EvidenceField      = "field"       // a License: field (Debian DEP-5 copyright file, package metadata)
	EvidenceURL        = "url"         // a licence URL (Creative Commons)
	EvidenceNotice     = "notice"      // a notice: licence named in words, CC abbreviations, use notices, all rights reserved
)

// Class names of a Result beyond the use classes.
const (
	// ClassNone: no licence evidence at all.
	ClassNone = "none"
)

// Pseudo-licences reported for notices. They are LicenseRef ids: the
// first three grant nothing and are unspecified; the use notices' ids are
// rows of the licence table (schemas/licences) with their class.
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
	// RefAcademicOnly: academic or research use only ("for academic
	// research only", 仅供学术研究): class academic-only.
	RefAcademicOnly = "LicenseRef-Academic-Use-Only"
	// RefNonCommercial: no commercial use (禁止商用, "not for commercial
	// use"): class non-commercial.
	RefNonCommercial = "LicenseRef-Non-Commercial"
	// RefNonCommercialReprint: commercial reprint needs the author's
	// permission, non-commercial reprint with credit (知乎:
	// 商业转载请联系作者获得授权，非商业转载请注明出处): class
	// non-commercial with attribution.
	RefNonCommercialReprint = "LicenseRef-Non-Commercial-Reprint-With-Credit"
)

// Match is one licence found in a text.
type Match struct {
	SPDX       string  `json:"spdx"`           // SPDX id or expression (or one of the Ref* ids)
	Confidence float64 `json:"confidence"`     // 0..1
	Evidence   string  `json:"evidence"`       // text, spdx-header, field, url or notice
	Rule       string  `json:"rule,omitempty"` // for use notices: the rules the notice table cites
	// explicit marks an all-rights-reserved notice stated in words (not a
	// bare copyright line).
	explicit bool
	// licenceFile marks a text match that is nearly all of the text: the
	// text is that licence, and the use notices and URLs inside it are
	// its own terms, already in its class.
	licenceFile bool
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

// HasLicence reports whether r holds a real licence or use notice (not
// only notices that grant nothing).
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

// ReservesRights reports whether r holds an all-rights-reserved notice in
// words ("All rights reserved", 版权所有) or a ban on reproduction, and no
// licence: a notice that contradicts an open licence declared for the
// same content (TC260-5.2-b2). A bare copyright line does not count.
func (r Result) ReservesRights() bool {
	if r.HasLicence() {
		return false
	}
	for _, m := range r.Licences {
		if m.SPDX == RefNoReproduction || m.SPDX == RefAllRightsReserved && m.explicit {
			return true
		}
	}
	return false
}

func isNoticeRef(id string) bool {
	return id == RefAllRightsReserved || id == RefNoReproduction || id == RefReprintWithCredit
}

const (
	windowBefore = 800      // bytes of context before a licence word, at most
	windowAfter  = 1600     // and after it
	mergeGap     = 400      // windows closer than this are one
	maxWindows   = 64 << 10 // total bytes matched per text
)

// Detect finds licence evidence in text: SPDX-License-Identifier lines,
// License: fields (Debian DEP-5 short names, package metadata), licence
// texts of the SPDX License List (matched after the SPDX Matching
// Guidelines' normalisation, on the paragraphs around licence words),
// licences named in words (GNU headers with "or any later version", "under
// the MIT License" ...), Creative Commons URLs and abbreviations (English
// and Chinese), use notices (academic-only, non-commercial) and
// reservation notices (all rights reserved, 版权所有, 未经许可不得转载,
// 转载请注明出处). Copyright lines never override a licence: reservation
// notices are reported only when no licence or use notice was found. Safe
// for concurrent use.
func Detect(text []byte) Result {
	h := hitsPool.Get().(*anchorHits)
	defer hitsPool.Put(h)
	scanAnchorsInto(text, h)
	hasTag := h.has(anchorSPDXTag)
	if !h.any() && !hasTag {
		return Result{Licences: []Match{}, Class: ClassNone}
	}
	var ms []Match
	if hasTag {
		ms = spdxHeaders(text, ms)
	}
	ms = licenceFields(text, h.group(grpDEP5), ms)
	if h.has(anchorCCURL) {
		ms = ccURLs(text, ms)
	}
	ms = ccNotices(&h.ws, text, h.group(grpCC), h.has(anchorCCZh), ms)
	ms = useNotices(&h.ws, text, h.group(grpUse), ms)
	// The SPDX matcher runs only when some licence text may be there
	// (decided once, on the first need).
	probed, worth := false, false
	mayHoldText := func() bool {
		if !probed {
			probed, worth = true, mayHoldLicenceText(text, h)
		}
		return worth
	}
	ms = scanTexts(&h.ws, text, h.group(grpLic), ms, mayHoldText)
	// (A text already probed in vain skips the prose check.)
	if !namesLicence(ms) && len(text) <= maxWindows && len(h.group(grpLic))+len(h.group(grpRights)) > 0 &&
		(!probed || worth) && prose(text) && mayHoldText() {
		// Nothing named a licence: the text may still be one whose
		// wording has no licence word (FSFAP: "Copying and distribution
		// of this file ... are permitted"), in another language, or
		// behind a copyright line, or merely mention a use notice. Match
		// it whole before reading it as notices only.
		ms = scanWindows(text, [][2]int{{0, len(text)}}, ms)
	}
	ms = reconcile(ms)
	ms = dropChoiceParts(ms)
	ms = dropOwnTerms(ms)
	ms = dedup(ms)
	if !hasRealLicence(ms) {
		ms = rightsNotices(text, h, ms)
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

// codeBytes are the bytes frequent in code and rare in prose.
var codeBytes = func() (t [256]bool) {
	for _, c := range []byte("{}[]=<>_&|+\\$@^~`%") {
		t[c] = true
	}
	return t
}()

// prose reports whether the head of text reads like prose (at most 2 % of
// its first 4 KB are code bytes): licence texts do, source files do not.
func prose(text []byte) bool {
	head := text[:min(len(text), 4096)]
	n := 0
	for _, c := range head {
		if codeBytes[c] {
			n++
		}
	}
	return n*50 <= len(head)
}

// outsideIsProse reports whether the bytes of text outside the windows
// (the first 4 KB of them) read like prose rather than code: code has more
// than 3 % code bytes (no licence text of the SPDX list has; half of the
// Go standard library's files past their header have more than 5 %) and
// lines that end in a brace or a semicolon (URLs in licence texts bring
// the former, never the latter).
func outsideIsProse(text []byte, ws [][2]int) bool {
	n, code, codeLines, prev := 0, 0, 0, 0
	count := func(b []byte) {
		for i, c := range b {
			if n >= 4096 {
				return
			}
			n++
			if codeBytes[c] {
				code++
			}
			if c == '\n' && i > 0 {
				switch b[i-1] {
				case '{', '}', ';':
					codeLines++
				}
			}
		}
	}
	for _, w := range ws {
		count(text[prev:w[0]])
		prev = w[1]
	}
	count(text[prev:])
	return n < 64 || code*100 <= 3*n || codeLines < 2
}

// namesLicence reports whether ms names a licence (anything but use
// notices and reservation notices).
func namesLicence(ms []Match) bool {
	for _, m := range ms {
		if m.Rule == "" && !isNoticeRef(m.SPDX) {
			return true
		}
	}
	return false
}

func hasRealLicence(ms []Match) bool {
	for _, m := range ms {
		if !isNoticeRef(m.SPDX) {
			return true
		}
	}
	return false
}

var evidenceRank = map[string]int{EvidenceSPDXHeader: 0, EvidenceField: 0, EvidenceText: 1, EvidenceURL: 2, EvidenceNotice: 3}

// dedup keeps one match per id (highest confidence, then strongest
// evidence) and sorts best first; equal matches keep document order.
func dedup(ms []Match) []Match {
	best := map[string]int{}
	var out []Match
	for _, m := range ms {
		m.Confidence = math.Round(m.Confidence*100) / 100
		if i, ok := best[m.SPDX]; ok {
			o := out[i]
			if m.Confidence > o.Confidence || m.Confidence == o.Confidence && evidenceRank[m.Evidence] < evidenceRank[o.Evidence] {
				m.explicit = m.explicit || o.explicit
				out[i] = m
			} else {
				out[i].explicit = o.explicit || m.explicit
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

// dropOwnTerms drops the use notices, licence URLs and choices of a text
// that is a licence text (a match covering nearly all of it): a licence
// that says "not for commercial use", links another licence or lists the
// licences its work may be relicensed under ("at your option") states its
// own terms, which its class already holds.
func dropOwnTerms(ms []Match) []Match {
	file := false
	for _, m := range ms {
		file = file || m.licenceFile
	}
	if !file {
		return ms
	}
	out := ms[:0]
	for _, m := range ms {
		if m.Evidence == EvidenceURL || m.Rule != "" || m.Evidence == EvidenceNotice && strings.Contains(m.SPDX, " OR ") {
			continue
		}
		out = append(out, m)
	}
	return out
}

// reconcile settles GNU "-only" against "-or-later": a notice's
// "-or-later" is dropped when the full text of the same licence matched
// (the full texts carry the "any later version" notice in their
// how-to-apply appendix, which alone grants nothing beyond the text); a
// notice's "-only" is dropped when another notice says "-or-later" (a
// short phrase that missed the "or later" part).
func reconcile(ms []Match) []Match {
	text, later := map[string]bool{}, map[string]bool{}
	for _, m := range ms {
		if base, ok := strings.CutSuffix(m.SPDX, "-only"); ok && m.Evidence == EvidenceText {
			text[base] = true
		}
		if base, ok := strings.CutSuffix(m.SPDX, "-or-later"); ok && m.Evidence == EvidenceNotice {
			later[base] = true
		}
	}
	if len(text) == 0 && len(later) == 0 {
		return ms
	}
	out := ms[:0]
	for _, m := range ms {
		if m.Evidence == EvidenceNotice {
			if base, ok := strings.CutSuffix(m.SPDX, "-or-later"); ok && text[base] {
				continue
			}
			if base, ok := strings.CutSuffix(m.SPDX, "-only"); ok && later[base] && !text[base] {
				continue
			}
		}
		out = append(out, m)
	}
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

// ccURLs maps Creative Commons licence URLs to SPDX ids (called on texts
// that hold "creativecommons").
func ccURLs(text []byte, ms []Match) []Match {
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

// ccNotices reads Creative Commons licences named in words (zh: the text
// holds 共享).
func ccNotices(buf *[][2]int, text []byte, hits []int, zh bool, ms []Match) []Match {
	if len(hits) == 0 {
		return ms
	}
	*buf = around((*buf)[:0], text, hits, 2, 24)
	for _, w := range *buf {
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
	if zh {
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

// phrase compiles a case-insensitive phrase, matched on a window cleaned
// by cleanWindow (comment markers and line breaks are single spaces).
func phrase(s string) *regexp.Regexp {
	return regexp.MustCompile(`(?i)` + s)
}

// licencePhrases are short statements naming a licence ("released under
// the MIT License") that are not licence texts.
var licencePhrases = []struct {
	re   *regexp.Regexp
	id   string
	conf float64
	key  string // lower-case literal every match contains: checked before the regexp
	// any, when set, are literals one of which every match contains
	// besides key: a window without any of them is not searched.
	any []string
}{
	{phrase(`\bunder (?:the )?(?:terms of the )?MIT(?: License| licence)?\b`), "MIT", 0.7, "mit", nil},
	{phrase(`\bMIT(?:-| )licen[sc]ed\b`), "MIT", 0.7, "mit", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?Apache License,? (?:Version |v)?2\.0`), "Apache-2.0", 0.7, "apache", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?ISC licen[sc]e`), "ISC", 0.7, "isc", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?Mozilla Public License,? (?:Version |v)?2\.0`), "MPL-2.0", 0.7, "mozilla", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:GNU )?(?:GPL|General Public License),? ?(?:version |v)?3(?:\.0)?\b`), "GPL-3.0-only", 0.6, "under", gplWords},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:GNU )?(?:GPL|General Public License),? ?(?:version |v)?2(?:\.0)?\b`), "GPL-2.0-only", 0.6, "under", gplWords},
	{phrase(`\bBSD(?:-| )style licen[sc]e`), "BSD-3-Clause", 0.5, "bsd", nil},
	// Licences named without "under": README licence sections ("Licensed
	// under either of * Apache License, Version 2.0 * MIT license"),
	// dual-licensing statements, Python docstrings (":license: Apache
	// 2.0"), SPDX-style names in prose ("a BSD 2-Clause license").
	{phrase(`\bapache licen[sc]e,? (?:version |v)?2\.0\b`), "Apache-2.0", 0.6, "apache", nil},
	{phrase(`\blicen[sc]e:? apache(?: licen[sc]e)?,? (?:version |v)?2(?:\.0)?\b`), "Apache-2.0", 0.7, "apache", nil},
	{phrase(`\bMIT licen[sc]es?\b`), "MIT", 0.6, "mit", nil},
	{phrase(`\b(?:the )?unlicen[sc]e\b`), "Unlicense", 0.6, "unlicen", nil},
	{phrase(`\bBSD[ -]2-clause licen[sc]e`), "BSD-2-Clause", 0.6, "bsd", nil},
	{phrase(`\bBSD[ -]3-clause licen[sc]e`), "BSD-3-Clause", 0.6, "bsd", nil},
	{phrase(`\beclipse distribution licen[sc]e,? (?:v(?:ersion)?\.? ?)?1\.0\b`), "BSD-3-Clause", 0.7, "eclipse distribution", nil},
	// The Eclipse Foundation's dual-licensing header: EPL or EDL (the
	// Eclipse Distribution License 1.0 is BSD-3-Clause).
	{phrase(`\beclipse public licen[sc]e,? (?:v(?:ersion)?\.? ?)?2\.0,? and (?:the )?eclipse distribution licen[sc]e`), "EPL-2.0 OR BSD-3-Clause", 0.9, "eclipse", nil},
	{phrase(`\beclipse public licen[sc]e,? (?:v(?:ersion)?\.? ?)?1\.0,? and (?:the )?eclipse distribution licen[sc]e`), "EPL-1.0 OR BSD-3-Clause", 0.9, "eclipse", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:3-clause|new|modified) BSD licen[sc]e`), "BSD-3-Clause", 0.7, "bsd", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?(?:2-clause|simplified) BSD licen[sc]e`), "BSD-2-Clause", 0.7, "bsd", nil},
	{phrase(`GNU Free Documentation License (?:Version |v)?1\.1\b`), "GFDL-1.1-only", 0.8, "free documentation", nil},
	{phrase(`GNU Free Documentation License (?:Version |v)?1\.2\b`), "GFDL-1.2-only", 0.8, "free documentation", nil},
	{phrase(`GNU Free Documentation License (?:Version |v)?1\.3\b`), "GFDL-1.3-only", 0.8, "free documentation", nil},
	{phrase(`PSF LICENSE AGREEMENT FOR PYTHON`), "PSF-2.0", 0.8, "psf", nil},
	{phrase(`PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2`), "Python-2.0", 0.8, "python software", nil},
	{phrase(`CeCILL FREE SOFTWARE LICENSE AGREEMENT Version 2\.1`), "CECILL-2.1", 0.8, "cecill", nil},
	{phrase(`developed by the Apache Group for use in the Apache HTTP server project`), "Apache-1.0", 0.8, "apache group", nil},
	{phrase(`\b(?:released|dedicated) (?:in)?to the public domain\b`), "CC-PDDC", 0.5, "public domain", nil},
	// Standard notices (each licence's how-to-apply text).
	{phrase(`\bmozilla public licen[sc]e,? v(?:ersion)?\.? ?2\.0\b`), "MPL-2.0", 0.85, "mozilla", nil},
	{phrase(`\bmozilla public licen[sc]e,? v(?:ersion)?\.? ?1\.1\b`), "MPL-1.1", 0.85, "mozilla", nil},
	{phrase(`\beclipse public licen[sc]e,? (?:v(?:ersion)?\.? ?)?2\.0\b`), "EPL-2.0", 0.85, "eclipse", nil},
	{phrase(`\beclipse public licen[sc]e,? (?:v(?:ersion)?\.? ?)?1\.0\b`), "EPL-1.0", 0.85, "eclipse", nil},
	{phrase(`\bboost software licen[sc]e,? (?:v(?:ersion)?\.? ?)?1\.0\b`), "BSL-1.0", 0.85, "boost", nil},
	{phrase(`\blicen[sc]ed under the eupl,? (?:v(?:ersion)?\.? ?)?1\.2\b`), "EUPL-1.2", 0.85, "eupl", nil},
	{phrase(`\blicen[sc]ed under the eupl,? (?:v(?:ersion)?\.? ?)?1\.1\b`), "EUPL-1.1", 0.85, "eupl", nil},
	{phrase(`\b(?:an |the )?mit(?:-| )style licen[sc]e\b`), "MIT", 0.6, "mit", nil},
	{phrase(`\bunder (?:the )?(?:terms of the )?apache licen[sc]e,? (?:version |v)?2\.0`), "Apache-2.0", 0.85, "apache", nil},
	// Licences with an exception, as their projects' file headers state them.
	{phrase(`\bapache licen[sc]e,? (?:version |v)?2\.0,? with llvm exceptions?\b`), "Apache-2.0 WITH LLVM-exception", 0.9, "llvm exception", nil},
	{phrase(`\bdesignates this particular file as subject to the "?classpath"? exception\b`), "GPL-2.0-only WITH Classpath-exception-2.0", 0.9, "classpath", nil},
}

// gplWords are the literals of the GPL phrases besides "under".
var gplWords = []string{"gpl", "general public license"}

// phraseKey is a word one of which (ignoring case) every licence phrase
// holds: the first word of the phrase's key, or of each of its any
// literals when it has them ("under" is too common to rule anything out),
// and "gnu" for the GNU notices. wordStart: every phrase with this word
// holds it at the start of a word (nearWordKey passes over the others),
// so "mit" in "committee" does not count.
type phraseKey struct {
	word      string
	wordStart bool
	off       int // of the pair it is looked up by (phraseKeyPairs)
}

// phraseKeys are the key words of licencePhrases; phraseKeyPairs maps a
// pair of bytes, in any case, to 1 + the index in phraseKeyByPair of the
// key words it is the key pair of (their least frequent pair, at offset
// off: pairKeyCost); phraseKeyAlways
// is set when a key word is too short for the table (every window is
// then searched).
var phraseKeys, phraseKeyPairs, phraseKeyByPair, phraseKeyAlways = func() ([]phraseKey, *[1 << 16]uint8, [][]int, bool) {
	idx := map[string]int{}
	var keys []phraseKey
	add := func(word string, wordStart bool) {
		word = strings.ToLower(strings.Fields(word)[0])
		if i, ok := idx[word]; ok {
			keys[i].wordStart = keys[i].wordStart && wordStart
			return
		}
		idx[word] = len(keys)
		keys = append(keys, phraseKey{word: word, wordStart: wordStart})
	}
	for _, p := range licencePhrases {
		if p.any == nil {
			add(p.key, !midWordKeys[p.key])
		}
		for _, a := range p.any {
			add(a, false)
		}
	}
	add("gnu", false)
	var t [1 << 16]uint8
	var byPair [][]int
	always := false
	for i := range keys {
		k := &keys[i]
		if len(k.word) < 2 || len(byPair) >= 255 {
			always = true
			continue
		}
		// Looked up by its least frequent pair ("sc" of "isc").
		for o := 1; o+1 < len(k.word); o++ {
			if pairKeyCost(k.word[o], k.word[o+1]) < pairKeyCost(k.word[k.off], k.word[k.off+1]) {
				k.off = o
			}
		}
		for _, a := range caseVariants(k.word[k.off]) {
			for _, b := range caseVariants(k.word[k.off+1]) {
				p := uint16(a) | uint16(b)<<8
				if t[p] == 0 {
					byPair = append(byPair, nil)
					t[p] = uint8(len(byPair))
				}
				byPair[t[p]-1] = append(byPair[t[p]-1], i)
			}
		}
	}
	return keys, &t, byPair, always
}()

// caseVariants returns c and, for an ASCII letter, its other case.
func caseVariants(c byte) []byte {
	switch {
	case c >= 'a' && c <= 'z':
		return []byte{c, c - 'a' + 'A'}
	case c >= 'A' && c <= 'Z':
		return []byte{c, c - 'A' + 'a'}
	}
	return []byte{c}
}

// hasPhraseKey reports whether win holds a phrase key word: a window
// without one has no licence phrase, and its cleaning and phrase search
// are skipped (cleaning maps ASCII letters to lower case and separators
// to spaces, so a key in the cleaned window is a key word in win, with a
// word boundary before it where the cleaned window has one).
func hasPhraseKey(win []byte) bool {
	if phraseKeyAlways {
		return true
	}
	return anyPairWord(win, phraseKeyPairs, phraseKeyAt)
}

// phraseKeyAt reports whether a phrase key word whose key pair is at
// position q of win (q+1 < len(win)) is there.
func phraseKeyAt(win []byte, q int) bool {
	g := phraseKeyPairs[uint16(win[q])|uint16(win[q+1])<<8]
	if g == 0 {
		return false
	}
	for _, k := range phraseKeyByPair[g-1] {
		pk := &phraseKeys[k]
		i := q - pk.off
		if i >= 0 && hasPrefixFold(win[i:], pk.word) && (!pk.wordStart || i == 0 || !isWordByte(win[i-1])) {
			return true
		}
	}
	return false
}

// phraseNotices reads the licences named in words in a window.
func phraseNotices(win []byte, ms []Match) []Match {
	start := len(ms)
	clean := cleanWindow(win)
	for _, p := range licencePhrases {
		if p.any != nil && !containsAny(clean, p.any) {
			continue
		}
		if nearWordKey(clean, p.key, !midWordKeys[p.key], func(s string) bool { return p.re.MatchString(s) }) {
			ms = append(ms, Match{SPDX: p.id, Confidence: p.conf, Evidence: EvidenceNotice})
		}
	}
	return choice(clean, gplAbbrevs(clean, gnuNotices(clean, ms)), start)
}

// gplAbbrev reads the GNU licences' abbreviations with a version:
// "GPLv2", "GPL v3", "GPLv2+", "LGPLv2.1+", "AGPLv3 or later" ("+" and
// "or later" keep the or-later grant).
var gplAbbrev = regexp.MustCompile(`^(l|a)?gpl ?v?([1-3](?:\.[01])?)(\+|,? or (?:\(at your option\) )?(?:any )?later)?(?:[^\w.+-]|$)`)

func gplAbbrevs(clean string, ms []Match) []Match {
	off := 0
	for n := 0; n < maxKeyHits; n++ {
		i := strings.Index(clean[off:], "gpl")
		if i < 0 {
			break
		}
		i += off
		off = i + 3
		a := i
		if a > 0 && (clean[a-1] == 'l' || clean[a-1] == 'a') {
			a-- // LGPL, AGPL
		}
		if a > 0 && isWordByte(clean[a-1]) {
			continue
		}
		m := gplAbbrev.FindStringSubmatch(clean[a:min(len(clean), i+48)])
		if m == nil {
			continue
		}
		fam := map[string]string{"": "GPL", "l": "LGPL", "a": "AGPL"}[m[1]]
		ver := m[2]
		if !strings.Contains(ver, ".") {
			ver += ".0"
		}
		suffix := "-only"
		if m[3] != "" {
			suffix = "-or-later"
		}
		if e, err := schemas.ParseLicenceExpression(fam + "-" + ver + suffix); err == nil {
			ms = append(ms, Match{SPDX: e.String(), Confidence: 0.6, Evidence: EvidenceNotice})
		}
	}
	return ms
}

// choiceWords are the words of a dual-licensing statement ("dual-licensed
// under A and B", "licensed under either of", "you may select, at your
// option, one of the above-listed licenses").
var choiceWords = []string{"dual licensed", "dual-licensed", "dual licenced", "dual-licenced", "dually licensed",
	"tri-licensed", "triple licensed", "either of", "either license", "either licence", "of your choice",
	"your choice of", "you may choose", "you may select", "one of the above", "whichever you"}

// hasChoice reports whether clean states a choice between licences: one
// of choiceWords, or "at your option" not followed by "any later
// version" (the GNU or-later grant).
func hasChoice(clean string) bool {
	if containsAny(clean, choiceWords) {
		return true
	}
	off := 0
	for {
		i := strings.Index(clean[off:], "at your option")
		if i < 0 {
			return false
		}
		off += i + len("at your option")
		if !strings.Contains(clean[off:min(len(clean), off+16)], "later") {
			return true
		}
	}
}

// choice turns the licences named in one window, ms[start:], into one OR
// expression when the window states a choice between them (dual
// licensing): each alone would read as all of them applying at once.
func choice(clean string, ms []Match, start int) []Match {
	var ids []string
	for _, m := range ms[start:] {
		if !isNoticeRef(m.SPDX) && m.Rule == "" && !slices.Contains(ids, m.SPDX) {
			ids = append(ids, m.SPDX)
		}
	}
	// An "-only" beside the same licence's "-or-later" is the same
	// licence read by a shorter phrase.
	ids = slices.DeleteFunc(ids, func(id string) bool {
		base, ok := strings.CutSuffix(id, "-only")
		return ok && slices.Contains(ids, base+"-or-later")
	})
	if len(ids) < 2 || !hasChoice(clean) {
		return ms
	}
	sort.Strings(ids)
	e, err := schemas.ParseLicenceExpression(strings.Join(ids, " OR "))
	if err != nil {
		return ms
	}
	out := ms[:start]
	for _, m := range ms[start:] {
		if isNoticeRef(m.SPDX) || m.Rule != "" {
			out = append(out, m)
		}
	}
	return append(out, Match{SPDX: e.String(), Confidence: 0.9, Evidence: EvidenceNotice})
}

// dropChoiceParts drops the matches of a licence that is one option of a
// choice (an OR expression) found in the same text: "EPL-2.0 OR
// BSD-3-Clause" and a separate EPL-2.0 phrase are one statement, not two
// licences that both apply. Declarations (SPDX headers, License: fields)
// are kept.
func dropChoiceParts(ms []Match) []Match {
	// A choice whose options include a licence whose text is here is
	// that licence's own wording (MPL-2.0 lists its secondary licences,
	// EUPL-1.1 its compatible ones): not a choice the text offers.
	ms = slices.DeleteFunc(ms, func(m Match) bool {
		if m.Evidence != EvidenceNotice || !strings.Contains(m.SPDX, " OR ") {
			return false
		}
		for _, t := range ms {
			if t.Evidence == EvidenceText && t.Confidence >= 0.96 && slices.Contains(strings.Split(m.SPDX, " OR "), t.SPDX) {
				return true
			}
		}
		return false
	})
	var opts []string
	for _, m := range ms {
		if strings.Contains(m.SPDX, " OR ") && !strings.ContainsAny(m.SPDX, "()") {
			opts = append(opts, strings.Split(m.SPDX, " OR ")...)
		}
	}
	if len(opts) == 0 {
		return ms
	}
	return slices.DeleteFunc(ms, func(m Match) bool {
		return (m.Evidence == EvidenceNotice || m.Evidence == EvidenceText || m.Evidence == EvidenceURL) &&
			!strings.Contains(m.SPDX, " OR ") && slices.Contains(opts, m.SPDX)
	})
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// midWordKeys are the phrase keys a match may hold inside a word; every
// other phrase has a word boundary (\b, a space or a quote) right before
// its key, so an occurrence inside a word ("mit" in "committee") is
// passed over.
var midWordKeys = map[string]bool{"psf": true, "python software": true, "cecill": true}

// maxKeyHits bounds the occurrences of a phrase key examined per window.
const maxKeyHits = 6

// nearWordKey calls f on the stretch of clean around each of the first
// occurrences of key (every phrase holds its key within 200 bytes of its
// start), until f reports true: regular expressions never run over a
// whole licence text.
//
// When wordStart is set, the occurrences of key preceded by a word
// character are passed over (they still count towards maxKeyHits).
func nearWordKey(clean, key string, wordStart bool, f func(string) bool) bool {
	off := 0
	for n := 0; n < maxKeyHits; n++ {
		i := strings.Index(clean[off:], key)
		if i < 0 {
			return false
		}
		i += off
		if wordStart && i > 0 && isWordByte(clean[i-1]) {
			off = i + len(key)
			continue
		}
		if f(clean[max(0, i-200):min(len(clean), i+len(key)+300)]) {
			return true
		}
		off = i + len(key)
	}
	return false
}

// isWordByte reports whether c is a word character of \b ([0-9A-Za-z_]).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// cleanWindow lower-cases b and collapses white space and comment markers
// (// # * ; -- ' " quotes) into single spaces, so phrases match across
// comment lines.
func cleanWindow(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	space := true
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '#' || c == '*' || c == '[' || c == ']' || c == ';' && i+1 < len(b) && b[i+1] == ';':
			if !space {
				sb.WriteByte(' ')
				space = true
			}
		case c >= 'A' && c <= 'Z':
			sb.WriteByte(c + 'a' - 'A')
			space = false
		default:
			sb.WriteByte(c)
			space = false
		}
	}
	return sb.String()
}

// gnuNotice reads the GNU licence notices: "GNU [Lesser|Library|Affero]
// General Public License [as published by the FSF;] [either] version N [of
// the License], [or (at your option) any later version]", "GNU Free
// Documentation License, Version 1.3 or any later version".
var gnuNotice = regexp.MustCompile(`gnu (affero |lesser |library |free documentation )?(?:general public )?licen[sc]e,?(?: \(the "?license"?\))?(?: as published by the free software foundation)?[,;]? (?:either |only )?(?:version|v\.?|ver\.?) ?(\d(?:\.\d)?)(?: of the licen[sc]e| only)?(,? (?:or|and/or) (?:\(at your option\) )?(?:any )?later(?: version)?|\+| or later| or newer)?`)

func gnuNotices(clean string, ms []Match) []Match {
	var found [][]string
	off := 0
	for n := 0; n < maxKeyHits; n++ {
		i := strings.Index(clean[off:], "gnu ")
		if i < 0 {
			break
		}
		i += off
		// A notice starts at "gnu": match from there only.
		if m := gnuNotice.FindStringSubmatch(clean[i:min(len(clean), i+400)]); m != nil {
			found = append(found, m)
		}
		off = i + 4
	}
	for _, m := range found {
		fam := "GPL"
		switch strings.TrimSpace(m[1]) {
		case "affero":
			fam = "AGPL"
		case "lesser":
			fam = "LGPL"
		case "library":
			fam = "LGPL"
		case "free documentation":
			fam = "GFDL"
		}
		ver := m[2]
		if !strings.Contains(ver, ".") {
			ver += ".0"
		}
		if fam == "GFDL" && ver == "1.0" {
			continue
		}
		suffix := "-only"
		if m[3] != "" {
			suffix = "-or-later"
		}
		if e, err := schemas.ParseLicenceExpression(fam + "-" + ver + suffix); err == nil {
			ms = append(ms, Match{SPDX: e.String(), Confidence: 0.85, Evidence: EvidenceNotice})
		}
	}
	return ms
}

// around returns the merged byte ranges [hit-before, hit+after) around
// hits (sorted).
func around(ws [][2]int, text []byte, hits []int, before, after int) [][2]int {
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

// matchAround reports whether re matches near one of hits.
func matchAround(buf *[][2]int, text []byte, re *regexp.Regexp, hits []int, before, after int) bool {
	*buf = around((*buf)[:0], text, hits, before, after)
	for _, w := range *buf {
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
	rightsCN          = []string{"版权所有", "版權所有", "著作权归作者所有", "著作權歸作者所有", "版权归作者所有", "版权归原作者所有"}
)

// rightsNotices reports notices that grant nothing; called only when no
// licence was found.
// The Chinese notices are searched only in a text holding their anchor
// (every phrasing of noReproduction and reprintCredit holds 转载 or 轉載,
// every one of rightsCN 版权, 版權, 著作权 or 著作權: TestRightsAnchors).
func rightsNotices(text []byte, h *anchorHits, ms []Match) []Match {
	hits := h.group(grpRights)
	if len(hits) == 0 {
		return ms
	}
	reprint := h.hasAny(anchorsReprint[:])
	for _, s := range noReproduction {
		if reprint && bytes.Contains(text, []byte(s)) {
			ms = append(ms, Match{SPDX: RefNoReproduction, Confidence: 0.85, Evidence: EvidenceNotice, explicit: true})
			break
		}
	}
	rightsZh := h.hasAny(anchorsRightsZh[:])
	for _, s := range rightsCN {
		if rightsZh && bytes.Contains(text, []byte(s)) {
			ms = append(ms, Match{SPDX: RefAllRightsReserved, Confidence: 0.8, Evidence: EvidenceNotice, explicit: true})
			break
		}
	}
	if matchAround(&h.ws, text, allRightsReserved, hits, 8, 20) {
		ms = append(ms, Match{SPDX: RefAllRightsReserved, Confidence: 0.8, Evidence: EvidenceNotice, explicit: true})
	} else if matchAround(&h.ws, text, copyrightLine, hits, 12, 24) {
		ms = append(ms, Match{SPDX: RefAllRightsReserved, Confidence: 0.5, Evidence: EvidenceNotice})
	}
	for _, s := range reprintCredit {
		if reprint && bytes.Contains(text, []byte(s)) {
			ms = append(ms, Match{SPDX: RefReprintWithCredit, Confidence: 0.6, Evidence: EvidenceNotice})
			break
		}
	}
	return ms
}

// textWindows returns the paragraphs around licence words (a paragraph
// ends at a line that is blank once comment markers are removed), merged
// when close and capped, and whether the text may be mostly licence prose
// (a LICENSE file: licence words at least every 2 KB, or paragraphs over a
// quarter of it, and outsideIsProse, which the caller checks), to be
// matched whole: a window holds only part of the
// licence, which may match a shorter licence better than the whole.
// Bounding windows by paragraphs keeps code out of them, so the same
// header in many files gives the same window.
func textWindows(ws [][2]int, text []byte, hits []int) ([][2]int, bool) {
	if len(hits) == 0 {
		return ws, false
	}
	for _, h := range hits {
		if n := len(ws); n > 0 && h < ws[n-1][1] {
			continue
		}
		a, b := paraStart(text, h, windowBefore), paraEnd(text, h, windowAfter)
		if n := len(ws); n > 0 && a <= ws[n-1][1]+mergeGap {
			ws[n-1][1] = max(ws[n-1][1], b)
			continue
		}
		ws = append(ws, [2]int{a, b})
	}
	total := 0
	for _, w := range ws {
		total += w[1] - w[0]
	}
	dense := len(hits) >= 3 && len(hits)*2048 >= len(text)
	// ... unless what lies outside the paragraphs is code: then the
	// paragraphs are a header, matched (and cached) on their own.
	// (outsideIsProse is left to the caller, which needs it only when
	// the text may hold a licence text. A text of at most maxWindows
	// bytes is never cut below, so the caller reads the same windows.)
	whole := (total*4 >= len(text) || dense) && len(text) <= maxWindows
	total = 0
	for i, w := range ws {
		if total+w[1]-w[0] > maxWindows {
			w[1] = w[0] + maxWindows - total
			ws[i] = w
			return ws[:i+1], whole
		}
		total += w[1] - w[0]
	}
	return ws, whole
}

// blankLine reports whether line holds only white space and comment
// markers.
func blankLine(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r', '\n', '/', '*', '#', ';', '-', '!', '<', '>', '%', '{', '}', '"', '\'', '=':
		default:
			return false
		}
	}
	return true
}

// paraBreak reports whether line ends a paragraph: a blank line (white
// space and comment markers only), except a bare comment leader ("//",
// "*", "#" ...) inside a comment block, which separates the paragraphs of
// one licence header (BSD clauses, the zlib notice's numbered
// restrictions) that must be matched together.
func paraBreak(line []byte) bool {
	if !blankLine(line) {
		return false
	}
	switch string(bytes.TrimSpace(line)) {
	case "//", "///", "//!", "*", "#", "##", ";", ";;", "--", "%", "!":
		return false
	}
	return true
}

// paraStart returns the start of the paragraph holding position h, at
// most limit bytes before it.
func paraStart(text []byte, h, limit int) int {
	i := lastNewline(text[:h]) + 1
	for i > 0 {
		ps := lastNewline(text[:i-1]) + 1
		if h-ps > limit || paraBreak(text[ps:i-1]) {
			break
		}
		i = ps
	}
	return i
}

// lastNewline is bytes.LastIndexByte(b, '\n'), eight bytes per step (the
// library's is a loop over single bytes; a paragraph's first line is
// read back from the licence word, a few hundred bytes).
func lastNewline(b []byte) int {
	const ones, highs, nl = 0x0101010101010101, 0x8080808080808080, '\n' * 0x0101010101010101
	i := len(b)
	for ; i >= 8; i -= 8 {
		w := binary.LittleEndian.Uint64(b[i-8:]) ^ nl
		// A zero byte of w (a newline) sets its high bit here; a byte
		// above a zero one may be set too, so the run is read byte by
		// byte.
		if (w-ones)&^w&highs != 0 {
			break
		}
	}
	for i--; i >= 0; i-- {
		if b[i] == '\n' {
			return i
		}
	}
	return -1
}

// paraEnd returns the end of the paragraph holding position h, at most
// limit bytes after it.
func paraEnd(text []byte, h, limit int) int {
	j := len(text)
	if k := bytes.IndexByte(text[h:], '\n'); k >= 0 {
		j = h + k + 1
	}
	for j < len(text) {
		e := len(text)
		if k := bytes.IndexByte(text[j:], '\n'); k >= 0 {
			e = j + k + 1
		}
		if e-h > limit || paraBreak(text[j:e]) {
			break
		}
		j = e
	}
	return j
}

// matchCache memoises the matches of a window, keyed by the window with
// its copyright lines removed: code corpora repeat the same header in
// thousands of files that differ only in the year and the holder.
type matchCache struct {
	sync.Mutex
	m map[uint64][]Match
}

// The caches of text matches and of licence phrases.
var (
	scanCache   = &matchCache{m: map[uint64][]Match{}}
	phraseCache = &matchCache{m: map[uint64][]Match{}}
)

const scanCacheMax = 4096

// get returns the matches of win, computing them with match on a miss.
func (c *matchCache) get(win []byte, match func([]byte) []Match) []Match {
	key := cacheKey(win)
	c.Lock()
	cached, ok := c.m[key]
	c.Unlock()
	if ok {
		return cached
	}
	cached = match(win)
	c.Lock()
	if len(c.m) >= scanCacheMax {
		clear(c.m)
	}
	c.m[key] = cached
	c.Unlock()
	return cached
}

var cacheSeed = maphash.MakeSeed()

// cacheKey hashes w without its copyright statement lines (a line that,
// past comment markers, starts with "copyright", "(c)", "©" or "portions
// copyright", or says only "all rights reserved").
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
		if copyrightStatement(line) {
			continue
		}
		h.Write(line)
	}
	return h.Sum64()
}

func copyrightStatement(line []byte) bool {
	i := 0
	for i < len(line) && bytes.IndexByte([]byte(" \t/*#;-!<%{'\""), line[i]) >= 0 {
		i++
	}
	rest := line[i:]
	if len(rest) > 24 {
		rest = rest[:24]
	}
	return hasPrefixFold(rest, "copyright") || hasPrefixFold(rest, "(c)") ||
		bytes.HasPrefix(rest, []byte("©")) || hasPrefixFold(rest, "portions copyright") ||
		hasPrefixFold(rest, "all rights reserved")
}

// hasPrefixFold reports whether b starts with the lower-case ASCII prefix,
// ignoring ASCII case (without allocating, as bytes.ToLower would).
func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// scanTexts reads the licence phrases in the paragraphs around licence
// words and matches those paragraphs (or the whole text, when it is mostly
// licence prose) against the SPDX License List.
func scanTexts(buf *[][2]int, text []byte, hits []int, ms []Match, mayHoldText func() bool) []Match {
	ws, whole := textWindows((*buf)[:0], text, hits)
	*buf = ws
	for _, w := range ws {
		if win := text[w[0]:w[1]]; hasPhraseKey(win) {
			ms = append(ms, phraseCache.get(win, phraseMatches)...)
		}
	}
	if len(ws) == 0 || !mayHoldText() {
		return ms
	}
	if whole && outsideIsProse(text, ws) {
		return scanWindows(text, [][2]int{{0, len(text)}}, ms)
	}
	return scanClusters(text, ws, ms)
}

// partialText reports whether ms holds a match of part of a licence text
// (coverage under 95 %).
func partialText(ms []Match) bool {
	for _, m := range ms {
		if m.Evidence == EvidenceText && m.Confidence < 0.99 {
			return true
		}
	}
	return false
}

// Clusters of windows (scanClusters).
const (
	clusterGap = 1024    // windows this close, with prose between, are parts of one text
	clusterMax = 8 << 10 // the largest cluster matched as one
)

// scanClusters matches the windows against the SPDX License List, and a
// cluster of windows separated by short stretches of prose once more as
// one: a licence text inside a longer document has paragraphs without
// licence words (the BSD clauses between its grant and its disclaimer), so
// its windows hold parts of it, and a part may match a shorter licence
// (BSD-1-Clause for BSD-3-Clause) better than the whole. When the cluster
// as one matches a licence text, its matches replace those of its windows.
// Only clusters in which some window matched part of a licence text are
// matched again, so code corpora (a header window per file, matched whole
// or not at all) pay nothing.
func scanClusters(text []byte, ws [][2]int, ms []Match) []Match {
	for i := 0; i < len(ws); {
		j := i + 1
		for j < len(ws) && ws[j][0]-ws[j-1][1] <= clusterGap && ws[j][1]-ws[i][0] <= clusterMax &&
			prose(text[ws[j-1][1]:ws[j][0]]) {
			j++
		}
		start := len(ms)
		ms = scanWindows(text, ws[i:j], ms)
		if j-i > 1 && partialText(ms[start:]) {
			region := text[ws[i][0]:ws[j-1][1]]
			if whole := scanCache.get(region, matchWindow); len(whole) > 0 {
				ms = append(ms[:start], whole...)
			}
		}
		i = j
	}
	return ms
}

// Probes of mayHoldLicenceText.
const (
	// probeSmall: texts up to this size are matched without a probe
	// (a probe would cost as much as the match).
	probeSmall = 1024
	// probeReach: a probe is the bytes within this distance of an anchor.
	probeReach = 256
	// probeStep: an anchor closer than this to the last probed one is
	// not probed again (its probe would be nearly the same bytes).
	probeStep = probeReach / 2
	// probeDense: distinct licence shingles that make a probe a stretch
	// of licence text. Measured (6 Dec 2026, probe_test.go): every text
	// of the SPDX list embedded in 20 KB of prose after a copyright line
	// has a probe with at least 20, or one in which a short licence
	// reaches its thresholds, but for any-OSI (a one-line pointer, which
	// Detect misses anyway); without the copyright line,
	// the 11 texts with no anchor word in them at all (Dutch, French and
	// Japanese CC texts, a few one-sentence licences) are not probed.
	// Of the 25,183 documents of a 64 MB object of the long benchmark
	// corpus, whose prose quotes a GPL sentence, one reaches 20.
	probeDense = 20
	// maxProbes bounds the probes per text; a text with more anchors is
	// matched as before.
	maxProbes = 64
)

// mayHoldLicenceText reports whether text may hold a licence text of the
// SPDX License List, by probing the bytes around its licence and
// copyright words: a licence text holds such words and nearly every run
// of three words around them belongs to a licence, while prose that
// quotes a licence sentence ("This library is distributed in the hope
// that it will be useful") holds that sentence's dozen. Small texts are
// not probed. Prose far from any anchor word is never matched, so a
// licence text with no licence or copyright word in it or within
// probeReach bytes of it is not found in a longer text.
func mayHoldLicenceText(text []byte, h *anchorHits) bool {
	if len(text) <= probeSmall {
		return true
	}
	ix, err := spdxmatch.Default()
	if err != nil {
		return false
	}
	lic, rights := h.group(grpLic), h.group(grpRights)
	// The probes overlap: the prober hashes each word once.
	pr := ix.NewProber(text)
	defer pr.Release()
	last, n := -probeStep, 0
	for len(lic)+len(rights) > 0 {
		// The next anchor of either group, in text order.
		var p int
		if len(rights) == 0 || len(lic) > 0 && lic[0] <= rights[0] {
			p, lic = lic[0], lic[1:]
		} else {
			p, rights = rights[0], rights[1:]
		}
		if p < last+probeStep {
			continue
		}
		if n++; n > maxProbes {
			return true
		}
		last = p
		if pr.Probe(max(0, p-probeReach), min(len(text), p+probeReach), probeDense) {
			return true
		}
	}
	return false
}

// scanWindows matches the windows against the SPDX License List.
func scanWindows(text []byte, ws [][2]int, ms []Match) []Match {
	for _, w := range ws {
		ms = append(ms, scanCache.get(text[w[0]:w[1]], matchWindow)...)
	}
	return ms
}

func phraseMatches(win []byte) []Match { return phraseNotices(win, nil) }

// matchWindow matches one window against the SPDX License List.
func matchWindow(win []byte) []Match {
	ix, err := spdxmatch.Default()
	if err != nil {
		return nil
	}
	var out []Match
	for _, h := range ix.Match(win) {
		e, err := schemas.ParseLicenceExpression(h.ID)
		if err != nil {
			continue
		}
		// Confidence grows with the share of the licence found: a full
		// text is 1, half of it 0.9.
		out = append(out, Match{SPDX: e.String(), Confidence: 0.8 + 0.2*h.Coverage, Evidence: EvidenceText,
			licenceFile: h.Coverage >= 0.9 && h.Share >= 0.85})
	}
	return out
}
