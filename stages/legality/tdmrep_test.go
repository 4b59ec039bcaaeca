package legality

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseTDMRep(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "tdmrep", "site.json"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := ParseTDMRep(b)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		want   int8
		policy string
	}{
		{"/open/a.html", TDMNotReserved, ""},
		{"/reserved/a.html", TDMReserved, "https://daily.example.org/tdm-policy.json"},
		{"/papers/x.pdf", TDMReserved, ""},
		{"/papers/x.pdf?v=2", TDMNotReserved, ""},
		{"/open/x.pdf", TDMNotReserved, ""}, // first matching rule wins
		{"/other", TDMNotReserved, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			s := TDMFileSignal(rules, tt.path)
			if s.Reservation != tt.want || s.Policy != tt.policy {
				t.Errorf("TDMFileSignal(%q) = %+v, want %d %q", tt.path, s, tt.want, tt.policy)
			}
		})
	}
	for _, bad := range []string{`{}`, `[1,2]`, `not json`} {
		if _, err := ParseTDMRep([]byte(bad)); !errors.Is(err, ErrBadTDMRep) {
			t.Errorf("ParseTDMRep(%q) err = %v, want ErrBadTDMRep", bad, err)
		}
	}
	rules, err = ParseTDMRep([]byte(`[{"location":"/a","tdm-reservation":"1"},{"location":"/b","tdm-reservation":2},{"tdm-reservation":1}]`))
	if err != nil || len(rules) != 2 || rules[0].Reservation != TDMReserved || rules[1].Reservation != TDMUnset {
		t.Errorf("lenient values: %+v, %v", rules, err)
	}
}

// TestTDMPrecedence: file < header < HTML meta; an unset layer (missing or
// a value other than 0/1) defers to the layer below.
func TestTDMPrecedence(t *testing.T) {
	unset := TDMSignal{Reservation: TDMUnset}
	file1 := TDMSignal{Reservation: TDMReserved, Layer: "file", Policy: "f"}
	file0 := TDMSignal{Reservation: TDMNotReserved, Layer: "file"}
	hdr1 := TDMSignal{Reservation: TDMReserved, Layer: "header", Policy: "h"}
	hdr0 := TDMSignal{Reservation: TDMNotReserved, Layer: "header"}
	meta1 := TDMSignal{Reservation: TDMReserved, Layer: "meta"}
	meta0 := TDMSignal{Reservation: TDMNotReserved, Layer: "meta"}
	tests := []struct {
		name            string
		file, hdr, meta TDMSignal
		want            int8
		layer           string
	}{
		{"nothing", unset, unset, unset, TDMUnset, ""},
		{"file only", file1, unset, unset, TDMReserved, "file"},
		{"header overrides file", file1, hdr0, unset, TDMNotReserved, "header"},
		{"header reserves over file", file0, hdr1, unset, TDMReserved, "header"},
		{"meta overrides header", unset, hdr1, meta0, TDMNotReserved, "meta"},
		{"meta overrides all", file0, hdr0, meta1, TDMReserved, "meta"},
		{"unset meta defers", file1, hdr0, unset, TDMNotReserved, "header"},
		{"unset header defers", file1, unset, unset, TDMReserved, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ResolveTDM(tt.file, tt.hdr, tt.meta)
			if got.Reservation != tt.want || got.Layer != tt.layer {
				t.Errorf("ResolveTDM = %+v, want %d from %q", got, tt.want, tt.layer)
			}
		})
	}
	for v, want := range map[string]int8{"1": TDMReserved, " 0 ": TDMNotReserved, "2": TDMUnset, "yes": TDMUnset, "": TDMUnset} {
		if got := ParseTDMValue(v); got != want {
			t.Errorf("ParseTDMValue(%q) = %d, want %d", v, got, want)
		}
	}
}

func TestNoAI(t *testing.T) {
	tests := []struct {
		value, agent    string
		noai, noimageai bool
	}{
		{"noai", "ProvBot/1.0", true, false},
		{"noindex, NoAI, noimageai", "ProvBot", true, true},
		{"noimageai", "ProvBot", false, true},
		{"GPTBot: noai", "ProvBot", false, false},
		{"provbot: noai", "ProvBot/1.0", true, false},
		{"unavailable_after: 2025-01-01, noai", "x", true, false},
		{"noindex", "x", false, false},
		{"", "x", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			a, i := NoAI(tt.value, tt.agent)
			if a != tt.noai || i != tt.noimageai {
				t.Errorf("NoAI(%q, %q) = %v %v, want %v %v", tt.value, tt.agent, a, i, tt.noai, tt.noimageai)
			}
		})
	}
}

func FuzzParseTDMRep(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "tdmrep"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "tdmrep", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "/reserved/a.html")
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		rules, err := ParseTDMRep(body)
		if err != nil {
			if !errors.Is(err, ErrBadTDMRep) {
				t.Fatalf("error %v does not wrap ErrBadTDMRep", err)
			}
			return
		}
		s := TDMFileSignal(rules, path)
		if s.Reservation != TDMUnset && s.Layer != "file" {
			t.Fatalf("set signal %+v without file layer", s)
		}
	})
}
