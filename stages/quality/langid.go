package quality

import (
	"math"
	"math/bits"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// script is a writing system the language identifier tells apart. The
// scripts after scHebrew are each written by one language the identifier
// reports, so the script alone decides; the ones before it need the
// trigram model.
type script uint8

const (
	scOther script = iota // not a letter, or a script the identifier does not know
	scLatin
	scCyrillic
	scArabic
	scDevanagari
	scEthiopic
	scHebrew
	scGreek
	scArmenian
	scBengali
	scGurmukhi
	scGujarati
	scOriya
	scTamil
	scTelugu
	scKannada
	scMalayalam
	scSinhala
	scThai
	scLao
	scMyanmar
	scGeorgian
	scKhmer
	scHan
	scKana
	scHangul
	numScripts
)

// scriptLanguage is the language a one-language script decides ("" for
// the scripts that need the trigram model).
var scriptLanguages = [numScripts]string{
	scGreek: "el", scArmenian: "hy", scBengali: "bn", scGurmukhi: "pa",
	scGujarati: "gu", scOriya: "or", scTamil: "ta", scTelugu: "te",
	scKannada: "kn", scMalayalam: "ml", scSinhala: "si", scThai: "th",
	scLao: "lo", scMyanmar: "my", scGeorgian: "ka", scKhmer: "km",
	scHan: "zh", scKana: "ja", scHangul: "ko",
}

// scriptOf returns the script of a letter or combining mark by its Unicode
// block (blocks, not the Unicode script property: cheaper, and the same
// answer for the letters of running text).
func scriptOf(r rune) script {
	switch {
	case r < 0x0250:
		return scLatin // ASCII letters, Latin-1, Latin Extended-A/B
	case r < 0x0370:
		if r < 0x02B0 {
			return scLatin // IPA extensions
		}
		return scOther // modifier letters, combining diacritics
	case r < 0x0400:
		return scGreek
	case r < 0x0530:
		return scCyrillic
	case r < 0x0590:
		return scArmenian
	case r < 0x0600:
		return scHebrew
	case r < 0x0780:
		return scArabic
	case r < 0x08A0:
		return scOther
	case r < 0x0900:
		return scArabic
	case r < 0x0980:
		return scDevanagari
	case r < 0x0A00:
		return scBengali
	case r < 0x0A80:
		return scGurmukhi
	case r < 0x0B00:
		return scGujarati
	case r < 0x0B80:
		return scOriya
	case r < 0x0C00:
		return scTamil
	case r < 0x0C80:
		return scTelugu
	case r < 0x0D00:
		return scKannada
	case r < 0x0D80:
		return scMalayalam
	case r < 0x0E00:
		return scSinhala
	case r < 0x0E80:
		return scThai
	case r < 0x0F00:
		return scLao
	case r < 0x1000:
		return scOther
	case r < 0x10A0:
		return scMyanmar
	case r < 0x1100:
		return scGeorgian
	case r < 0x1200:
		return scHangul // Jamo
	case r < 0x13A0:
		return scEthiopic
	case r >= 0x1780 && r < 0x1800:
		return scKhmer
	case r >= 0x1E00 && r < 0x1F00:
		return scLatin // Latin Extended Additional (Vietnamese)
	case r >= 0x1F00 && r < 0x2000:
		return scGreek
	case r >= 0x3040 && r < 0x3100:
		return scKana
	case isHan(r):
		return scHan
	case r >= 0xAC00 && r < 0xD7B0:
		return scHangul
	case r >= 0xFB1D && r < 0xFB50:
		return scHebrew
	case r >= 0xFB50 && r < 0xFE00, r >= 0xFE70 && r < 0xFF00:
		return scArabic
	case r >= 0xFF21 && r < 0xFF5B:
		return scLatin // full-width Latin
	}
	return scOther
}

// scriptCounts are the letters of a text per script.
type scriptCounts [numScripts]int

// countScripts counts the letters of s per script in one pass.
func countScripts(s string, c *scriptCounts) {
	for i := 0; i < len(s); {
		if i+8 <= len(s) {
			// Eight ASCII bytes at once: x|0x20 folds upper case onto
			// lower case, and the letters are the bytes in 'a'..'z'.
			w := s[i : i+8]
			x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
			if x&0x8080808080808080 == 0 {
				y := x | 0x2020202020202020
				ge := y + 0x1F1F1F1F1F1F1F1F // high bit: byte >= 'a'
				gt := y + 0x0505050505050505 // high bit: byte > 'z'
				c[scLatin] += bits.OnesCount64(ge &^ gt & 0x8080808080808080)
				i += 8
				continue
			}
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if asciiClass[b]&clsLetter != 0 {
				c[scLatin]++
			}
			i++
			continue
		}
		var r rune
		var size int
		if b&0xF0 == 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(b != 0xE0 || s[i+1] >= 0xA0) && (b != 0xED || s[i+1] < 0xA0) {
			r = rune(b&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
			size = 3
			switch {
			case r >= 0x4E00 && r <= 0x9FFF:
				c[scHan]++ // the bulk of Chinese text
				i += 3
				continue
			case r >= 0x3000 && r < 0x3040 && r != 0x3005, r >= 0xFF00 && r < 0xFF10:
				i += 3 // CJK punctuation
				continue
			}
		} else {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		i += size
		if unicode.IsLetter(r) {
			c[scriptOf(r)]++
		}
	}
}

// decideScript returns the script the language is decided in: kana means
// Japanese when Han and kana together are the majority (Japanese mixes
// both), otherwise the script with the most letters; scOther for a text
// without letters.
func decideScript(c *scriptCounts) script {
	letters := 0
	for _, n := range c {
		letters += n
	}
	if letters == 0 {
		return scOther
	}
	if c[scKana] > 0 && c[scHan]+c[scKana] > letters/2 {
		return scKana
	}
	best := scOther
	for s := scLatin; s < numScripts; s++ {
		if c[s] > c[best] {
			best = s
		}
	}
	if best == scHan && c[scKana] > 0 {
		return scKana
	}
	return best
}

// Language identification.
//
// Scripts used by one language decide it outright. For the scripts shared
// by several languages (Latin, Cyrillic, Arabic, Devanagari, Ethiopic,
// Hebrew) a text's character trigrams, taken from at most sampleLetters
// letters of that script, are scored against whatlanggo's 300-trigram
// profiles (langprofiles.go): a trigram at rank r (0 = most frequent) of a
// language's profile adds ln((300+k)/(r+k)) to that language's score, a
// trigram outside the profile adds nothing, and the best-scoring candidate
// wins. That is naive Bayes with Zipf-shaped trigram probabilities. The
// profiles are merged into one open-addressing table built once per
// process: a call allocates nothing, uses no map and sorts nothing.

// sampleLetters bounds the letters of the decided script the trigram model
// reads.
const sampleLetters = 256

// checkEvery and earlyMargin end the sample early: every checkEvery
// letters, a leader ahead of the second language by earlyMargin (a few
// dozen trigrams' worth of weight) has won.
const (
	checkEvery  = 64
	earlyMargin = 100
)

// rankSmoothing is k above: how much more the first ranks weigh than the
// last. missPenalty is added to every weight, which is the same as taking
// that much off a language's score for each text trigram outside its
// profile. Both were chosen among a dozen pairs on the short prefixes of
// the example set (TestIdentifyShortPrefixes).
const (
	rankSmoothing = 20
	missPenalty   = 2
)

// langProfile is one language's trigram profile (langprofiles.go).
type langProfile struct {
	script   script
	code     string // ISO 639-1, or 639-3 where the language has no 639-1 code
	trigrams string // most frequent first, "|"-separated
}

// posting is one language's weight for a trigram: the index into
// langProfiles in the top 8 bits, the weight in units of 1/4096 below.
type posting uint32

const weightScale = 4096

func (p posting) lang() uint8    { return uint8(p >> 24) }
func (p posting) weight() uint32 { return uint32(p) & (1<<24 - 1) }

// triSlot is one trigram of the merged table; its postings are
// postings[start:start+n].
type triSlot struct {
	key      uint64 // three lower-case runes, 21 bits each; 0 = empty
	start, n uint32
}

// trigramModel is the merged table of the candidate profiles, built once
// per candidate set (modelFor).
type trigramModel struct {
	slots    []triSlot
	mask     uint64
	postings []posting
	byScript [numScripts][]uint8 // profiles per script
}

var models sync.Map // langSet -> *trigramModel

// modelFor returns the model that chooses among the candidates: the
// candidate profiles, and every profile of a script no candidate writes (a
// text in that script is then placed in its own language, which the stage
// reports as "other"). Models are built once per process and candidate set.
func modelFor(cand langSet) *trigramModel {
	if m, ok := models.Load(cand); ok {
		return m.(*trigramModel)
	}
	var written [numScripts]bool
	for i, p := range langProfiles {
		if cand.has(uint8(i)) {
			written[p.script] = true
		}
	}
	var use langSet
	for i, p := range langProfiles {
		if cand.has(uint8(i)) || !written[p.script] {
			use.add(uint8(i))
		}
	}
	m, _ := models.LoadOrStore(cand, buildTrigramModel(langProfiles, use))
	return m.(*trigramModel)
}

func trigramKey(a, b, c rune) uint64 {
	return uint64(a)<<42 | uint64(b)<<21 | uint64(c)
}

// normRune maps a rune to what the trigram model sees: lower-case letters
// and marks of the script sc, and a space for anything else.
func normRune(r rune, sc script) rune {
	if r < utf8.RuneSelf {
		if asciiClass[r]&clsLetter != 0 && sc == scLatin {
			return r | 0x20
		}
		return ' '
	}
	if scriptOf(r) != sc || !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) {
		return ' '
	}
	return unicode.ToLower(r)
}

// buildTrigramModel merges the profiles in use into one table.
func buildTrigramModel(profiles []langProfile, use langSet) *trigramModel {
	type post struct {
		key uint64
		p   posting
	}
	var all []post
	distinct := map[uint64][]posting{}
	var order []uint64
	m := &trigramModel{}
	for li, p := range profiles {
		if !use.has(uint8(li)) {
			continue
		}
		m.byScript[p.script] = append(m.byScript[p.script], uint8(li))
		seen := map[uint64]bool{}
		for rank, t := range strings.Split(p.trigrams, "|") {
			rs := []rune(t)
			if len(rs) != 3 {
				continue
			}
			for i := range rs {
				rs[i] = normRune(rs[i], p.script)
			}
			if rs[1] == ' ' && (rs[0] == ' ' || rs[2] == ' ') {
				continue // the text side never forms these
			}
			k := trigramKey(rs[0], rs[1], rs[2])
			if seen[k] {
				continue
			}
			seen[k] = true
			w := math.Log(float64(300+rankSmoothing)/float64(rank+rankSmoothing)) + missPenalty
			all = append(all, post{k, posting(uint32(li)<<24 | uint32(math.Round(w*weightScale)))})
		}
	}
	for _, x := range all {
		if _, ok := distinct[x.key]; !ok {
			order = append(order, x.key)
		}
		distinct[x.key] = append(distinct[x.key], x.p)
	}
	size := 1
	for size < 2*len(order) {
		size *= 2
	}
	m.slots = make([]triSlot, size)
	m.mask = uint64(size - 1)
	for _, k := range order {
		ps := distinct[k]
		i := mix64(k) & m.mask
		for m.slots[i].key != 0 {
			i = (i + 1) & m.mask
		}
		m.slots[i] = triSlot{key: k, start: uint32(len(m.postings)), n: uint32(len(ps))}
		m.postings = append(m.postings, ps...)
	}
	return m
}

// lookup returns the postings of a trigram (nil when no profile has it).
func (m *trigramModel) lookup(k uint64) []posting {
	for i := mix64(k) & m.mask; ; i = (i + 1) & m.mask {
		sl := &m.slots[i]
		if sl.key == k {
			return m.postings[sl.start : sl.start+sl.n]
		}
		if sl.key == 0 {
			return nil
		}
	}
}

// langSet is a set of profile indexes (candidates of the trigram model).
type langSet [4]uint64

func (s *langSet) add(i uint8)      { s[i/64] |= 1 << (i % 64) }
func (s *langSet) has(i uint8) bool { return s[i/64]&(1<<(i%64)) != 0 }

// candidateSet returns the profiles whose code is in codes; nil codes
// means every profile.
func candidateSet(codes map[string]bool) langSet {
	var s langSet
	for i, p := range langProfiles {
		if codes == nil || codes[p.code] {
			s.add(uint8(i))
		}
	}
	return s
}

// decided reports whether the leading language is ahead of the second by
// earlyMargin: the rest of the sample would not change the answer.
func (m *trigramModel) decided(scores *[256]uint32, profs []uint8) bool {
	var first, second uint32
	for _, li := range profs {
		switch v := scores[li]; {
		case v > first:
			first, second = v, first
		case v > second:
			second = v
		}
	}
	return first-second >= earlyMargin*weightScale
}

// identifyScript runs the trigram model over at most sampleLetters letters
// of script sc in s and returns the best-scoring language's code, or
// langUnknown when no trigram matched.
func (m *trigramModel) identifyScript(s string, sc script) string {
	profs := m.byScript[sc]
	if len(profs) == 0 {
		return langUnknown
	}
	var scores [256]uint32
	r1, r2 := ' ', ' '
	letters := 0
	for i := 0; i < len(s) && letters < sampleLetters; {
		var r rune
		if c := s[i]; c < utf8.RuneSelf {
			r = ' '
			if asciiClass[c]&clsLetter != 0 && sc == scLatin {
				r = rune(c | 0x20)
			}
			i++
		} else if sc == scLatin && c >= 0xE2 {
			// U+2000 and above: no Latin letter but the rare full-width
			// ones; skip CJK text without decoding it.
			r = ' '
			i += 3
			if c >= 0xF0 {
				i++
			}
		} else {
			var size int
			r, size = utf8.DecodeRuneInString(s[i:])
			i += size
			r = normRune(r, sc)
		}
		if r == ' ' {
			if r2 == ' ' {
				continue // runs of non-letters are one space
			}
		} else {
			letters++
			if letters%checkEvery == 0 && m.decided(&scores, profs) {
				break
			}
		}
		if r2 != ' ' || (r1 != ' ' && r != ' ') {
			for _, p := range m.lookup(trigramKey(r1, r2, r)) {
				scores[p.lang()] += p.weight()
			}
		}
		r1, r2 = r2, r
	}
	if r2 != ' ' {
		for _, p := range m.lookup(trigramKey(r1, r2, ' ')) {
			scores[p.lang()] += p.weight()
		}
	}
	best, bestScore := -1, uint32(0)
	for _, li := range profs {
		if scores[li] > bestScore {
			best, bestScore = int(li), scores[li]
		}
	}
	if best < 0 {
		return langUnknown
	}
	return langProfiles[best].code
}

// identify returns the language of s from its script letter counts c
// (langUnknown for a text without letters): the script decides when one
// language writes it, the trigram model over a bounded sample otherwise.
func identify(s string, c *scriptCounts, m *trigramModel) string {
	sc := decideScript(c)
	if sc == scOther {
		return langUnknown
	}
	if l := scriptLanguages[sc]; l != "" {
		return l
	}
	return m.identifyScript(s, sc)
}

// identifyText counts the scripts of s and identifies its language: the
// whole identifier, as benchmarked and tested on its own.
func identifyText(s string, m *trigramModel) string {
	var c scriptCounts
	countScripts(s, &c)
	return identify(s, &c, m)
}
