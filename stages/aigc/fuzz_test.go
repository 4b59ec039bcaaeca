package aigc

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzExplicit: on any input the scan returns in-bounds, ordered spans that
// start and end on rune boundaries, and finds the same labels again when
// the text is scanned a second time.
func FuzzExplicit(f *testing.F) {
	for _, it := range devSet(f) {
		f.Add(it.text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := Explicit(text, nil)
		if len(got) > 2 {
			t.Fatalf("%d labels, want at most 2", len(got))
		}
		for _, l := range got {
			if l.Start < 0 || l.End > len(text) || l.Start >= l.End {
				t.Fatalf("span [%d,%d) out of bounds of %d bytes", l.Start, l.End, len(text))
			}
			if utf8.ValidString(text) && (!utf8.RuneStart(text[l.Start]) || (l.End < len(text) && !utf8.RuneStart(text[l.End]))) {
				t.Fatalf("span [%d,%d) splits a rune", l.Start, l.End)
			}
		}
		if len(got) == 2 && got[0].Start >= got[1].Start {
			t.Fatalf("labels out of order: %+v", got)
		}
		if again := Explicit(text, nil); len(again) != len(got) {
			t.Fatalf("second scan found %d labels, first %d", len(again), len(got))
		}
	})
}

// FuzzParseImplicit: parsing never panics, and a parsed label copies only
// code-like values.
func FuzzParseImplicit(f *testing.F) {
	for _, s := range []string{
		`{"Label":"1","ContentProducer":"ORG-001","ProduceID":"p-42","ReservedCode1":"sig","ContentPropagator":"PLAT","PropagateID":"x-9","ReservedCode2":""}`,
		`"{\"Label\":\"1\",\"ContentProducer\":\"ORG\"}"`,
		`{"label":1,"contentproducer":"北京某科技有限公司"}`,
		`{"Label":"1","ContentProducer":"John Smith <john@example.com>"}`,
		`{}`, `[]`, `"x"`, `{"Label":`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		l, err := ParseImplicit("json", raw)
		if err != nil {
			return
		}
		for _, v := range []string{l.Status, l.Producer, l.ProduceID, l.Propagator, l.PropagateID} {
			if v != "" && (!codeLike(v) || strings.ContainsAny(v, " @\n")) {
				t.Fatalf("copied a value that is not code-like: %q", v)
			}
		}
	})
}
