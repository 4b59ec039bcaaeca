package pii

import (
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// TestNormaliseAgreesWithLineage pins the contract that a detected
// identifier and the same identifier given to `prov lineage subject` hash
// to the same subject key.
func TestNormaliseAgreesWithLineage(t *testing.T) {
	tests := []struct{ typ, value, typed string }{
		{TypeEmail, "Zhang.San@Example.com", " zhang.san@example.COM "},
		{TypePhone, "+86 138-1234-5678", "13812345678"},
		{TypePhone, "138 1234 5678", "+86 13812345678"},
		{TypePhone, "0086 13812345678", "138-1234-5678"},
		{TypePhone, "13812345678", "86 138 1234 5678"},
		{TypePhone, "(415) 555-2671", "415.555.2671"},
		{TypeCNResidentID, "11010519491231002x", "11010519491231002X"},
		{TypeCNResidentID, "110105 19491231 002X", "11010519491231002x"},
		{TypeHKID, "A123456(3)", "a123456(3)"},
		{TypeHKID, "A123456(3)", "A1234563"},
		{TypeHKID, "A1234563", "A123456 (3)"},
		{TypeUSSSN, "536-90-4399", "536904399"},
		{TypeUSSSN, "536904399", "536-90-4399"},
		{TypeBankCard, "6222 0212 3456 7890 128", "6222021234567890128"},
	}
	for _, tc := range tests {
		t.Run(tc.typ+" "+tc.value, func(t *testing.T) {
			kind, norm := Normalise(tc.typ, tc.value)
			if norm == "" {
				t.Fatalf("Normalise(%s, %q) is empty", tc.typ, tc.value)
			}
			if got := lineage.NormalizeIdentifier(kind, tc.typed); got != norm {
				t.Errorf("lineage.NormalizeIdentifier(%s, %q) = %q, Normalise(%s, %q) = %q", kind, tc.typed, got, tc.typ, tc.value, norm)
			}
			if got := NormaliseSubject(kind, tc.typed); got != norm {
				t.Errorf("NormaliseSubject(%s, %q) = %q, want %q", kind, tc.typed, got, norm)
			}
		})
	}
}

// TestDetectedSpansMeetTypedValues runs the detector over text that
// writes one person's identifiers in several spellings and checks that each
// detected span normalises to the key of the value as typed on the command
// line (`prov lineage subject --phone ... | --id-number ... | --email ...`).
func TestDetectedSpansMeetTypedValues(t *testing.T) {
	tests := []struct {
		name, text, typ, kind, typed string
	}{
		{"phone +86 dashes", "联系电话 +86 138-1234-5678 找张三", TypePhone, KindPhone, "13812345678"},
		{"phone spaces", "手机：138 1234 5678。", TypePhone, KindPhone, "+86 138-1234-5678"},
		{"phone 0086", "call 0086 13812345678 today", TypePhone, KindPhone, "86 13812345678"},
		{"resident id lower x", "身份证号 11010519491231002x 。", TypeCNResidentID, KindIDNumber, "11010519491231002X"},
		{"hk id brackets", "HKID: A123456(3) on file", TypeHKID, KindIDNumber, "A1234563"},
		{"ssn dashes", "SSN 536-90-4399 on file", TypeUSSSN, KindIDNumber, "536904399"},
		{"email", "mail Zhang.San@Example.com now", TypeEmail, KindEmail, "zhang.san@example.com"},
		{"bank card spaces", "card 4111 1111 1111 1111 paid", TypeBankCard, KindBankCard, "4111111111111111"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var found bool
			for _, e := range Detect(tc.text) {
				if e.Type != tc.typ {
					continue
				}
				found = true
				kind, norm := Normalise(e.Type, tc.text[e.Start:e.End])
				if kind != tc.kind {
					t.Fatalf("kind %q, want %q", kind, tc.kind)
				}
				if want := schemas.NormalizeIdentifier(tc.kind, tc.typed); norm != want {
					t.Fatalf("detected span normalises to %q, typed value to %q", norm, want)
				}
			}
			if !found {
				t.Fatalf("no %s detected in %q (got %+v)", tc.typ, tc.text, Detect(tc.text))
			}
		})
	}
}

// FuzzNormaliseDetected checks that every span the detector finds
// normalises to a fixed point: the key a lookup computes from the
// normalised value equals the key of the span.
func FuzzNormaliseDetected(f *testing.F) {
	for _, s := range []string{
		"+86 138-1234-5678 11010519491231002x A123456(3) 536-90-4399",
		"Zhang.San@Example.com 4111 1111 1111 1111 0086 13812345678",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, e := range Detect(text) {
			kind, norm := Normalise(e.Type, text[e.Start:e.End])
			if kind == "" {
				continue
			}
			if again := schemas.NormalizeIdentifier(kind, norm); again != norm {
				t.Fatalf("%s span %q: %q normalises again to %q", e.Type, text[e.Start:e.End], norm, again)
			}
		}
	})
}
