package pii

import (
	"testing"

	"github.com/prov-ai/prov/lineage"
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
		{TypePhone, "(415) 555-2671", "415.555.2671"},
		{TypeCNResidentID, "11010519491231002x", "11010519491231002X"},
		{TypeCNResidentID, "110105 19491231 002X", "11010519491231002x"},
		{TypeHKID, "A123456(3)", "a123456(3)"},
	}
	for _, tc := range tests {
		t.Run(tc.typ+" "+tc.value, func(t *testing.T) {
			kind, norm := Normalise(tc.typ, tc.value)
			if got := lineage.NormalizeIdentifier(kind, tc.typed); got != norm {
				t.Errorf("lineage.NormalizeIdentifier(%s, %q) = %q, Normalise(%s, %q) = %q", kind, tc.typed, got, tc.typ, tc.value, norm)
			}
			if got := NormaliseSubject(kind, tc.typed); got != norm {
				t.Errorf("NormaliseSubject(%s, %q) = %q, want %q", kind, tc.typed, got, norm)
			}
		})
	}
}
