package pii

import "testing"

func TestDetectFullWidthAndURLEncoded(t *testing.T) {
	for _, tc := range []struct {
		text, typ, value, norm string
	}{
		{"联系电话：１３８１２３４５６７８，谢谢", TypePhone, "１３８１２３４５６７８", "13812345678"},
		{"电话 138－1234－5678", TypePhone, "138－1234－5678", "13812345678"},
		{"邮箱 zhao.liu＠example.com 联系", TypeEmail, "zhao.liu＠example.com", "zhao.liu@example.com"},
		{"https://example.com/contact?email=zhao.liu%40example.com&x=1", TypeEmail, "zhao.liu%40example.com", "zhao.liu@example.com"},
		{"see https://example.com/u/zhao.liu@example.com/profile", TypeEmail, "zhao.liu@example.com", "zhao.liu@example.com"},
	} {
		ents := Detect(tc.text)
		found := false
		for _, e := range ents {
			if e.Type != tc.typ {
				continue
			}
			found = true
			if got := tc.text[e.Start:e.End]; got != tc.value {
				t.Errorf("%q: %s span %q, want %q", tc.text, tc.typ, got, tc.value)
			}
			if _, norm := Normalise(e.Type, tc.text[e.Start:e.End]); norm != tc.norm {
				t.Errorf("%q: normalised %q, want %q", tc.text, norm, tc.norm)
			}
		}
		if !found {
			t.Errorf("%q: no %s detected (%v)", tc.text, tc.typ, ents)
		}
	}
	// Full-width punctuation alone keeps the fast path and finds nothing.
	if foldNeeded("你好，世界：今天天气很好！") || len(Detect("你好，世界：今天天气很好！")) != 0 {
		t.Error("plain Chinese text is folded or yields entities")
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"１３８１２３４５６７８", "a%40b.com", "％４０", "\xef\xbc", "x%4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		folded, off := fold(s)
		if len(off) != len(folded)+1 || off[len(folded)] != len(s) {
			t.Fatalf("offset map of %q has %d entries for %d bytes", s, len(off), len(folded))
		}
		for _, e := range Detect(s) {
			if e.Start < 0 || e.End > len(s) || e.Start >= e.End {
				t.Fatalf("%q: bad span %+v", s, e)
			}
		}
	})
}
