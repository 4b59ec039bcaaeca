package licence

import (
	"bytes"
	"encoding/binary"
	"regexp"
)

// useNotice is one row of the use-notice table: a notice in the content
// that says what use the right holder allows, the LicenseRef id reported
// for it (its class is in the licence table, schemas/licences) and the
// rules it serves (docs/REQUIREMENTS.md: TC260-5.2-b2 asks for notices found
// inside content to be detected, CN-IM-7.2 maps each to a use class).
type useNotice struct {
	id   string
	rule string
	en   *regexp.Regexp // matched on the cleaned (lower-case) text near an anchor
	// enAny are literals one of which every match of en contains: en
	// runs only on a window that holds one.
	enAny []string
	zh    []string // literal Chinese phrasings
	// zhRe, when set, matches the Chinese phrasings the literals do not
	// list; it runs only on windows that hold the start of a literal.
	zhRe *regexp.Regexp
	// zhReAny are literals one of which every match of zhRe holds: a
	// window without any of them is not searched.
	zhReAny []string
	conf    float64
	about   string
}

// useNotices is the notice table. Rows are tried in order; every row that
// matches reports its id (the most restrictive class wins when a text
// holds several).
var useNoticeTable = []useNotice{
	{
		id: RefAcademicOnly, rule: "TC260-5.2-b2, CN-IM-7.2", conf: 0.75,
		about: "academic or research use only",
		en:    regexp.MustCompile(`\b(?:(?:for|to) (?:non-?commercial,? )?` + researchUse + `(?: (?:and|or|&|/) ` + researchUse + `)*(?: (?:purposes?|use|usage))? only\b|(?:only|solely|exclusively|strictly) (?:be )?(?:used )?for (?:non-?commercial )?` + researchUse + `\b|\b(?:academic|research)(?: and (?:academic|research|educational))? (?:purposes?|use|usage) only\b|\b(?:restricted|limited) to (?:non-?commercial )?` + researchUse + `(?: (?:purposes?|use|usage))?\b)`),
		enAny: []string{"only", "solely", "exclusively", "strictly", "restricted", "limited"},
		zh: []string{"仅供学术研究", "仅限学术研究", "仅用于学术研究", "只能用于学术研究", "只用于学术研究", "仅供学术交流",
			"仅供科研", "仅限科研", "仅用于科研", "仅供研究使用", "仅供研究之用", "仅限研究使用", "仅用于研究目的", "仅供研究目的",
			"仅供学习研究", "仅供学习和研究", "仅供学习与研究", "仅供学习交流", "仅限学习交流", "仅用于学习交流",
			"仅供个人学习", "仅供个人学习研究", "仅供个人研究", "仅限个人学习",
			"僅供學術研究", "僅限學術研究", "僅用於學術研究", "僅供研究", "僅供學習交流", "僅供個人學習"},
		// "仅供" + a few characters + a research, teaching or study word:
		// 仅供安全研究与教学之用, 仅供参考学习使用, 仅供科研与学习.
		zhRe:    regexp.MustCompile(`(?:仅|僅)(?:供|限|用于|用於)[^，。；！？,.;!?\n]{0,8}?(?:学术|學術|科研|研究|教学|教學|学习|學習)`),
		zhReAny: []string{"仅", "僅"},
	},
	{
		id: RefNonCommercialReprint, rule: "TC260-5.2-b2, CN-IM-7.2", conf: 0.75,
		about: "commercial reprint needs the author's permission; non-commercial reprint with credit",
		zh: []string{"商业转载请联系作者获得授权", "商业转载请联系作者", "商业转载请联系", "商业转载需联系", "商业转载请获得授权",
			"商業轉載請聯繫作者", "商業轉載請聯絡作者", "非商业转载请注明出处", "非商業轉載請註明出處"},
	},
	{
		id: RefNonCommercial, rule: "TC260-5.2-b2, CN-IM-7.2", conf: 0.75,
		about: "no commercial use",
		en:    regexp.MustCompile(`\b(?:not (?:to be used )?for (?:any )?commercial (?:use|purposes?|usage|distribution|redistribution|exploitation)|non-?commercial (?:use|purposes?|usage) only|(?:only )?for non-?commercial (?:use|purposes?|usage)(?: only)?|no commercial (?:use|usage|exploitation)|commercial (?:use|usage|exploitation) (?:is |are )?(?:strictly )?(?:prohibited|forbidden|not (?:permitted|allowed))|(?:may|must|shall|can) not be used for (?:any )?commercial|(?:may|must|shall|can)not be used for (?:any )?commercial|(?:for )?personal use only|only for personal use|commercial (?:use|usage|licensing|licen[sc]es?) (?:requires?|needs?|is subject to) (?:a |an |the |prior |written |separate |explicit )*(?:permission|licen[sc]e|authori[sz]ation|agreement)|for commercial (?:use|usage|purposes),? (?:please )?contact)\b`),
		// Every alternative holds "commercial " and the first letter
		// of the word after it, "used for " or "personal use"
		// (TestUseNoticeLiterals): a licence name ("Attribution-
		// NonCommercial 4.0") does not run the pattern.
		enAny: []string{"commercial u", "commercial p", "commercial d", "commercial r", "commercial e", "commercial l",
			"used for ", "personal use"},
		zh: []string{"禁止商用", "禁止商业用途", "禁止用于商业", "禁止商业使用", "不得用于商业", "不得商用", "严禁商用", "严禁用于商业",
			"请勿商用", "请勿用于商业", "不可商用", "谢绝商用", "勿作商业用途", "仅限非商业", "仅供非商业", "仅用于非商业",
			"非商业用途使用", "禁止商業", "不得用於商業", "請勿商用", "嚴禁商用",
			"商用请联系", "商业使用请联系", "商业用途请联系", "如需商用", "仅限个人使用", "仅供个人使用", "僅供個人使用"},
	},
}

// researchUse are the words of an academic or research purpose.
const researchUse = `(?:academic research|scientific research|non-?commercial research|academic|research|scientific|scholarly|educational|teaching)`

// useNotices reports the use notices near a use anchor.
func useNotices(buf *[][2]int, text []byte, hits []int, ms []Match) []Match {
	if len(hits) == 0 {
		return ms
	}
	*buf = around((*buf)[:0], text, hits, 160, 200)
	ws := *buf
	// The cleaned windows, made once for every row (nil: no ASCII use
	// word), in arrays on the stack for the usual few windows.
	var cleansA [4]string
	var hasUseA [4]bool
	var zhAtA [4][]int
	cleans, hasUse, zhAt := cleansA[:], hasUseA[:], zhAtA[:]
	if len(ws) > len(cleansA) {
		cleans, hasUse, zhAt = make([]string, len(ws)), make([]bool, len(ws)), make([][]int, len(ws))
	}
	// zhAt: where a Chinese phrasing may start in each window (the only
	// places its literals can match).
	any := false
	for i, w := range ws {
		if hasASCIIUseWord(text[w[0]:w[1]]) {
			cleans[i], hasUse[i] = cleanWindow(text[w[0]:w[1]]), true
		}
		zhAt[i] = zhNoticeStartsIn(text[w[0]:w[1]], nil)
		any = any || hasUse[i] || len(zhAt[i]) > 0
	}
	if !any {
		return ms
	}
	for _, row := range useNoticeTable {
		found := false
		for i, w := range ws {
			win := text[w[0]:w[1]]
			found = len(zhAt[i]) > 0 && (hasPrefixAt(win, zhAt[i], row.zh) ||
				row.zhRe != nil && containsAnyBytes(win, row.zhReAny) && row.zhRe.Match(win))
			if !found && row.en != nil && hasUse[i] && containsAny(cleans[i], row.enAny) {
				found = matchesNotice(row.en, cleans[i])
			}
			if found {
				break
			}
		}
		if found {
			ms = append(ms, Match{SPDX: row.id, Confidence: row.conf, Evidence: EvidenceNotice, Rule: row.rule})
		}
	}
	return ms
}

// containsAnyBytes reports whether b holds one of subs.
func containsAnyBytes(b []byte, subs []string) bool {
	for _, s := range subs {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// hasPrefixAt reports whether one of subs starts at one of the positions
// at of b. With at from zhNoticeStartsIn(b), it is bytes.Contains(b, z)
// for some z of subs: every phrasing starts with six bytes that
// zhNoticeStartsIn looks for.
func hasPrefixAt(b []byte, at []int, subs []string) bool {
	for _, i := range at {
		for _, z := range subs {
			if len(b)-i >= len(z) && string(b[i:i+len(z)]) == z {
				return true
			}
		}
	}
	return false
}

// zhNoticeStarts holds the first two characters (six bytes of UTF-8) of
// every Chinese phrasing of the use-notice table, and zhNoticeSecond
// the last two bytes of each one's first character: one table lookup
// per byte of a window rules out most positions, so a window with no
// phrasing's start skips the table's ~70 substring searches (each of
// which stops at every CJK character of the window: they share their
// lead bytes).
var zhNoticeStarts, zhNoticeSecond = func() (map[[6]byte]bool, *[1 << 16]bool) {
	m := map[[6]byte]bool{}
	var t [1 << 16]bool
	for _, row := range useNoticeTable {
		for _, z := range row.zh {
			m[[6]byte([]byte(z[:6]))] = true
			t[uint16(z[1])<<8|uint16(z[2])] = true
		}
	}
	return m, &t
}()

// zhNoticePairs is zhNoticeSecond keyed little endian (the second byte
// low): a 64-bit load gives seven of its keys.
var zhNoticePairs = func() *[1 << 16]uint8 {
	var t [1 << 16]uint8
	for k, ok := range zhNoticeSecond {
		if ok {
			t[k>>8|(k&0xFF)<<8] = 1
		}
	}
	return &t
}()

// mayHoldZhNotice reports whether win holds the first two characters of
// a Chinese phrasing of the use-notice table.
func mayHoldZhNotice(win []byte) bool {
	t := zhNoticeSecond
	for i := 0; i+6 <= len(win); i++ {
		if win[i] < 0xE0 || !t[uint16(win[i+1])<<8|uint16(win[i+2])] {
			continue
		}
		if zhNoticeStarts[[6]byte(win[i:i+6])] {
			return true
		}
	}
	return false
}

// zhNoticeStartsIn appends to dst every position of win where the first
// two characters of a Chinese phrasing of the use-notice table start:
// the only places where one of the phrasings can match.
func zhNoticeStartsIn(win []byte, dst []int) []int {
	i := 0
	// Eight positions per branch: most runs of eight hold no phrasing's
	// first character.
	for p := zhNoticePairs; i+10 <= len(win); i += 8 {
		w := binary.LittleEndian.Uint64(win[i+1:])
		if p[uint16(w)]|p[uint16(w>>8)]|p[uint16(w>>16)]|p[uint16(w>>24)]|
			p[uint16(w>>32)]|p[uint16(w>>40)]|p[uint16(w>>48)]|p[uint16(w>>56)|uint16(win[i+9])<<8] == 0 {
			continue
		}
		for k := i; k < i+8; k++ {
			dst = zhNoticeAt(win, k, dst)
		}
	}
	for ; i < len(win); i++ {
		dst = zhNoticeAt(win, i, dst)
	}
	return dst
}

// zhNoticeAt appends i to dst when the first two characters of a Chinese
// phrasing of the use-notice table start at position i of win.
func zhNoticeAt(win []byte, i int, dst []int) []int {
	if i+6 <= len(win) && win[i] >= 0xE0 && zhNoticeSecond[uint16(win[i+1])<<8|uint16(win[i+2])] &&
		zhNoticeStarts[[6]byte(win[i:i+6])] {
		dst = append(dst, i)
	}
	return dst
}

// trademarkUse follows a notice that restricts the use of names and marks
// ("no commercial use of these trademarks"), not of the work.
var trademarkUse = regexp.MustCompile(`^,? of (?:these|the|this|its|our|their|any|such) (?:trade ?marks?|names?|marks?|logos?|brands?|service marks?)\b`)

// matchesNotice reports whether re matches clean somewhere not followed by
// a trademark qualifier.
func matchesNotice(re *regexp.Regexp, clean string) bool {
	for _, m := range re.FindAllStringIndex(clean, 8) {
		if !trademarkUse.MatchString(clean[m[1]:]) {
			return true
		}
	}
	return false
}

// useWords are the words hasASCIIUseWord looks for; useWordPairs maps a
// pair of bytes, in any case, to 1 + the index in useWordByPair of the
// words it is the key pair of (their least frequent pair, at useWordOff:
// pairKeyCost).
var useWords = []string{"academic", "research", "commercial", "personal", "scientific", "scholarly", "educational"}

var useWordPairs, useWordByPair, useWordOff = func() (*[1 << 16]uint8, [][]int, []int) {
	var t [1 << 16]uint8
	var byPair [][]int
	offs := make([]int, len(useWords))
	for w, word := range useWords {
		for o := 1; o+1 < len(word); o++ {
			if pairKeyCost(word[o], word[o+1]) < pairKeyCost(word[offs[w]], word[offs[w]+1]) {
				offs[w] = o
			}
		}
		for _, a := range caseVariants(word[offs[w]]) {
			for _, b := range caseVariants(word[offs[w]+1]) {
				p := uint16(a) | uint16(b)<<8
				if t[p] == 0 {
					byPair = append(byPair, nil)
					t[p] = uint8(len(byPair))
				}
				byPair[t[p]-1] = append(byPair[t[p]-1], w)
			}
		}
	}
	return &t, byPair, offs
}()

// hasASCIIUseWord reports whether win holds "academic", "research",
// "commercial", "personal", "scientific", "scholarly" or "educational"
// in any ASCII case (without a lower-case copy of the window).
func hasASCIIUseWord(win []byte) bool {
	return anyPairWord(win, useWordPairs, useWordAt)
}

// useWordAt reports whether a use word whose key pair is at position q
// of win (q+1 < len(win)) is there.
func useWordAt(win []byte, q int) bool {
	g := useWordPairs[uint16(win[q])|uint16(win[q+1])<<8]
	if g == 0 {
		return false
	}
	for _, w := range useWordByPair[g-1] {
		if i := q - useWordOff[w]; i >= 0 && hasPrefixFold(win[i:], useWords[w]) {
			return true
		}
	}
	return false
}
