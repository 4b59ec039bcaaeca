package quality

import (
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// commonLanguages are always candidates of the identifier besides the
// configured ones, so that a text in another common language is reported
// as "other" instead of being forced onto the nearest configured language.
var commonLanguages = []string{"en", "fr", "de", "es", "pt", "it", "nl", "ru", "tr", "id", "vi", "pl"}

// detectModel returns the trigram model choosing among the configured and
// the common languages.
func detectModel(configured map[string]bool) *trigramModel {
	want := map[string]bool{}
	for _, l := range commonLanguages {
		want[l] = true
	}
	for l := range configured {
		want[l] = true
	}
	return modelFor(candidateSet(want))
}

// detect runs the trigram model on a bounded sample of s, whose script
// letter counts are ts's, and returns the reported language ("und" when it
// cannot tell).
func (c *config) detect(s string, ts *textStats) string {
	return c.reportedLanguage(identify(s, &ts.scripts, c.model))
}

// langUnknown is reported for texts without letters or that the identifier
// cannot place.
const langUnknown = "und"

// scriptLanguage decides the language from the script counts when the
// script is decisive: kana with Han as the majority means Japanese, and
// otherwise the script with the most letters decides when one language
// writes it (Han: zh, Hangul: ko, Greek: el, Thai: th ...). It returns ""
// when the trigram model must decide (Latin, Cyrillic, Arabic, Devanagari,
// Ethiopic, Hebrew) and "und" for a text without letters.
func scriptLanguage(ts *textStats) string {
	sc := decideScript(&ts.scripts)
	if sc == scOther {
		return langUnknown
	}
	return scriptLanguages[sc]
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
