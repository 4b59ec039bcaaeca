package legality

import (
	"unicode"
	"unicode/utf8"
)

// langByScript looks at most at the first scriptPrefix bytes of a record
// and stops after scriptLetters letters.
const (
	scriptPrefix  = 256
	scriptLetters = 48
)

// Writing systems that tell the declared languages of a source apart.
type script uint8

const (
	scriptNone script = iota
	scriptLatin
	scriptHan
	scriptKana
	scriptHangul
	scriptCyrillic
	scriptArabic
	scriptOther
)

// scriptOf is the writing system of a primary language subtag: the
// languages a source may declare whose script sets them apart.
var scriptOf = map[string]script{
	"zh": scriptHan, "ja": scriptKana, "ko": scriptHangul,
	"ru": scriptCyrillic, "uk": scriptCyrillic, "bg": scriptCyrillic, "sr": scriptCyrillic,
	"be": scriptCyrillic, "kk": scriptCyrillic, "mn": scriptCyrillic,
	"ar": scriptArabic, "fa": scriptArabic, "ur": scriptArabic, "ug": scriptArabic,
}

// langByScript attributes a record that declares no language to one of
// its source's declared languages (TC260-5.1-b counts sources per language)
// by the script most of its letters use, within the first scriptPrefix
// bytes: a Han text of a [zh, en] source counts for zh, a Latin one for en.
// It returns "und" when no declared language or more than one fits.
func (info *sourceInfo) langByScript(text string) string {
	if len(info.groupKeys) <= 2 { // "und" and at most one language: nothing to tell apart
		return "und"
	}
	if len(text) > scriptPrefix {
		text = text[:scriptPrefix]
	}
	var n [scriptOther + 1]int
	for i, letters := 0, 0; i < len(text) && letters < scriptLetters; {
		c := text[i]
		if c < utf8.RuneSelf {
			if c|0x20 >= 'a' && c|0x20 <= 'z' {
				n[scriptLatin]++
				letters++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		i += size
		letters++ // most non-ASCII runes of a text are letters; an upper bound is enough
		switch {
		case r >= 0x4E00 && r <= 0x9FFF: // CJK Unified Ideographs, the common case
			n[scriptHan]++
		case r >= 0x3040 && r <= 0x30FF:
			n[scriptKana]++
		case r >= 0xAC00 && r <= 0xD7A3:
			n[scriptHangul]++
		case r >= 0x0400 && r <= 0x04FF:
			n[scriptCyrillic]++
		case r < 0x0300: // Latin-1 and Latin Extended letters, IPA; punctuation is not a letter
			if unicode.IsLetter(r) {
				n[scriptLatin]++
			}
		case unicode.Is(unicode.Han, r):
			n[scriptHan]++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			n[scriptKana]++
		case unicode.Is(unicode.Hangul, r):
			n[scriptHangul]++
		case unicode.Is(unicode.Cyrillic, r):
			n[scriptCyrillic]++
		case unicode.Is(unicode.Arabic, r):
			n[scriptArabic]++
		case unicode.Is(unicode.Latin, r):
			n[scriptLatin]++
		case unicode.IsLetter(r):
			n[scriptOther]++
		}
	}
	best := scriptNone
	for sc := scriptLatin; sc <= scriptOther; sc++ {
		if n[sc] > n[best] {
			best = sc
		}
	}
	if best == scriptHan && n[scriptKana] > 0 {
		best = scriptKana // Japanese writes Han and kana together
	}
	if best == scriptNone || best == scriptOther {
		return "und"
	}
	found := ""
	for l := range info.groupKeys {
		if l == "und" {
			continue
		}
		sc, ok := scriptOf[l]
		if !ok {
			sc = scriptLatin
		}
		if sc == best {
			if found != "" {
				return "und" // two declared languages write this script (en and fr)
			}
			found = l
		}
	}
	if found == "" {
		return "und"
	}
	return found
}
