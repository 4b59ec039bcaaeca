package quality

import (
	"strings"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/prov-ai/prov/schemas"
)

// detectPrefix bounds the text the language identifier reads.
const detectPrefix = 256

// iso6391 maps whatlanggo's languages to ISO 639-1 codes once (its own
// Iso6391 method rebuilds a map on every call).
var iso6391 = func() map[whatlanggo.Lang]string {
	m := map[whatlanggo.Lang]string{}
	for l := range whatlanggo.Langs {
		if c := l.Iso6391(); c != "" {
			m[l] = c
		} else {
			m[l] = l.Iso6393()
		}
	}
	return m
}()

// commonLanguages are always candidates of the identifier besides the
// configured ones, so that a text in another common language is reported
// as "other" instead of being forced onto the nearest configured language.
var commonLanguages = []string{"en", "fr", "de", "es", "pt", "it", "nl", "ru", "tr", "id", "vi", "pl"}

// detectOptions restricts the identifier to the configured and common
// languages: each candidate costs a profile comparison, and whatlanggo
// compares against every profile of the script otherwise.
func detectOptions(configured map[string]bool) whatlanggo.Options {
	want := map[string]bool{}
	for _, l := range commonLanguages {
		want[l] = true
	}
	for l := range configured {
		want[l] = true
	}
	wl := map[whatlanggo.Lang]bool{}
	for l, code := range iso6391 {
		if want[code] {
			wl[l] = true
		}
	}
	return whatlanggo.Options{Whitelist: wl}
}

// detect runs the language identifier on a bounded prefix of s and returns
// the reported language ("und" when it cannot tell).
func (c *config) detect(s string) string {
	if len(s) > detectPrefix {
		cut := detectPrefix
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	info := whatlanggo.DetectWithOptions(s, c.detectOpts)
	code, ok := iso6391[info.Lang]
	if !ok {
		return langUnknown
	}
	return c.reportedLanguage(code)
}

// langUnknown is reported for texts without letters or that the identifier
// cannot place.
const langUnknown = "und"

// scriptLanguage decides the language from the script counts when the
// script is decisive: kana means Japanese, Hangul Korean, Han without kana
// Chinese. It returns "" when the identifier must decide (Latin, Cyrillic,
// other scripts) and "und" for a text without letters.
func scriptLanguage(ts *textStats) string {
	if ts.letters == 0 {
		return langUnknown
	}
	half := ts.letters / 2
	switch {
	case ts.kana > 0 && ts.han+ts.kana > half:
		return "ja"
	case ts.hangul > half:
		return "ko"
	case ts.han > half:
		return "zh"
	}
	return ""
}

// declaredLanguage returns the primary subtag of the record's declared
// language (FieldLanguage, BCP 47), lower-cased, or "".
func (c *config) declaredLanguage(r *schemas.Record) string {
	v := r.Values[schemas.FieldLanguage]
	if v == "" {
		return ""
	}
	if i := strings.IndexAny(v, "-_"); i >= 0 {
		v = v[:i]
	}
	v = strings.ToLower(strings.TrimSpace(v))
	switch v {
	case "cmn", "zho", "chi", "yue", "wuu":
		v = "zh"
	case "eng":
		v = "en"
	}
	return v
}

// reportedLanguage maps a language code to itself when the policy lists it
// (or lists none) and to "other" otherwise.
func (c *config) reportedLanguage(code string) string {
	if code == langUnknown || len(c.languages) == 0 || c.languages[code] {
		return code
	}
	return "other"
}
