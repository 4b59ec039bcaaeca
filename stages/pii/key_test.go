package pii

import (
	"strings"
	"testing"
)

func testKeyFn(kind, value string) string { return "0123456789abcdef0123" }

// The needles are written here by hand, never produced by the detector:
// each key holds the identifier given, which must not survive masking.
func TestMaskKeyMasksPI(t *testing.T) {
	for _, c := range []struct{ key, needle, typ string }{
		{"users/batch 13912345678/part-0.jsonl", "13912345678", TypePhone},
		{"in/id13912345678x/a.jsonl", "13912345678", TypePhone},
		{"in/u_13912345678.jsonl", "13912345678", TypePhone},
		{"in/13912345678-chat.jsonl", "13912345678", TypePhone},
		{"in/part-13912345678.jsonl", "13912345678", TypePhone},
		{"in/zhao.liu@example.com.jsonl", "zhao.liu@example.com", TypeEmail},
		{"in/u_zhao.liu@example.com_chat.jsonl", "zhao.liu@example.com", TypeEmail},
		{"in/zhao.liu%40example.com/x.jsonl", "zhao.liu%40example.com", TypeEmail},
		{"in/+86 139 1234 5678.jsonl", "139 1234 5678", TypePhone},
		{"in/0086-139-1234-5678.jsonl", "139-1234-5678", TypePhone},
		{"in/86-13912345678.jsonl", "13912345678", TypePhone},
		{"in/008613912345678.jsonl", "13912345678", TypePhone},
		{"in/139.1234.5678/a.jsonl", "139.1234.5678", TypePhone},
		{"in/１３９１２３４５６７８.jsonl", "１３９１２３４５６７８", TypePhone},
		{"in/tel１３９１２３４５６７８_a.jsonl", "１３９１２３４５６７８", TypePhone},
		{"in/11010519491231002x.jsonl", "11010519491231002", TypeCNResidentID},
		{"in/ID11010519491231002X.jsonl", "11010519491231002", TypeCNResidentID},
		{"in/user_11010519491231002X_v2/a.jsonl", "11010519491231002", TypeCNResidentID},
		{"in/card6222021234567890128.jsonl", "6222021234567890128", TypeBankCard},
		{"in/4111-1111-1111-1111.jsonl", "1111-1111-1111", TypeBankCard},
		{"in/passport/E12345678.jsonl", "E12345678", TypePassport},
		{"in/passport_EA1234567.jsonl", "EA1234567", TypePassport},
		{"in/2024-01-01/13912345678.jsonl", "13912345678", TypePhone},
	} {
		m, ents := MaskKey(c.key, testKeyFn)
		if strings.Contains(m, c.needle) || len(ents) == 0 {
			t.Errorf("MaskKey(%q) = %q: %q in clear", c.key, m, c.needle)
			continue
		}
		found := false
		for _, e := range ents {
			found = found || e.Type == c.typ
		}
		if !found {
			t.Errorf("MaskKey(%q) = %q %v: no %s", c.key, m, ents, c.typ)
		}
		if !strings.Contains(m, "["+c.typ+":0123456789abcdef]") {
			t.Errorf("MaskKey(%q) = %q: no keyed-hash form", c.key, m)
		}
	}
}

// Keys with numbers that are not personal information stay as they are.
func TestMaskKeyKeepsOrdinaryKeys(t *testing.T) {
	for _, k := range []string{
		"data/part-000000123.jsonl",
		"data/part-00000-of-00128.parquet",
		"data/2024-01-01/part-0.jsonl",
		"data/20240101/shard-00042.jsonl.zst",
		"data/dt=2024-01-01T12:30:00Z/a.jsonl",
		"data/20240101T120000Z-3f2a9c1e4b7d/x.jsonl",
		"runs/3f2a9c1e4b7d8a6f0e1c2b3a4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70/out.jsonl",
		"blobs/sha256-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.parquet",
		"runs/550e8400-e29b-41d4-a716-446655440000.jsonl",
		"runs/550e8400-e29b-41d4-a716-446655440000/part-0.arrow",
		"ts/1700000000000.jsonl",
		"ts/1700000000.jsonl",
		"v1.2.3/x.jsonl",
		"v1.39.1234.5678/x.jsonl",
		"data/00000000001.jsonl",
		"data/12345678901.jsonl",
		"models/llama-3-70b/part-0001.parquet",
		"data/E12345678.jsonl",
		"zh/wiki/2023-12-31/chunk_000017.jsonl",
		"shard/000123-of-004096.jsonl",
	} {
		if m, ents := MaskKey(k, testKeyFn); m != k || len(ents) != 0 {
			t.Errorf("MaskKey(%q) = %q %v, want it unchanged", k, m, ents)
		}
	}
}

// A hex digest sometimes holds a digit run that validates (1 in ~50
// sha256 digests holds an 11-digit run with a mobile prefix): it is skipped
// as a whole.
func TestMaskKeyHexDigests(t *testing.T) {
	for _, k := range []string{
		"blobs/a13912345678bcdef0123/x.jsonl",
		"blobs/13912345678abcdef01234567.jsonl",
	} {
		if m, _ := MaskKey(k, testKeyFn); m != k {
			t.Errorf("MaskKey(%q) = %q, want it unchanged", k, m)
		}
	}
}

func TestMaskKeyEmailKeepsExtension(t *testing.T) {
	m, _ := MaskKey("in/zhao.liu@example.com.jsonl.gz", testKeyFn)
	if want := "in/[EMAIL:0123456789abcdef].jsonl.gz"; m != want {
		t.Errorf("got %q, want %q", m, want)
	}
}

func FuzzDetectKey(f *testing.F) {
	for _, k := range []string{"users/batch 13912345678/part-0.jsonl", "in/１３９１２３４５６７８.jsonl",
		"in/+86 139 1234 5678.jsonl", "in/zhao.liu%40example.com/x", "runs/550e8400-e29b-41d4-a716-446655440000.jsonl"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		last := 0
		for _, e := range DetectKey(k) {
			if e.Start < last || e.End <= e.Start || e.End > len(k) {
				t.Fatalf("DetectKey(%q): bad span %v", k, e)
			}
			last = e.End
		}
		_, _ = MaskKey(k, testKeyFn)
	})
}

// A mobile number after a country code written without '+' (0086, 86),
// grouped or not, is found in prose too.
func TestDetectCountryCodeWithoutPlus(t *testing.T) {
	for _, s := range []string{"call 0086-139-2222-3333 now", "call 0086 139 2222 3333 now", "call 86-139-2222-3333",
		"call 008613922223333 now", "tel 0086 13922223333"} {
		m, _ := Detector{}.Mask(s, "", testKeyFn)
		if strings.Contains(m, "2222") {
			t.Errorf("Mask(%q) = %q", s, m)
		}
	}
}

// ScrubMask finds what the scrub detector finds and identifiers glued the
// way keys and ids hold them; the subject id is masked too.
func TestScrubMask(t *testing.T) {
	for _, c := range []struct{ in, needle string }{
		{"item: u13988887777", "13988887777"},
		{"batch 13912345678 failed", "13912345678"},
		{"parsing licence expression \"MIT contact zhao.liu@example.com\"", "zhao.liu@example.com"},
		{"record id11010519491231002x", "11010519491231002"},
		{"subject s-778899 withdrew", "s-778899"},
	} {
		m, _ := ScrubMask(c.in, "s-778899", testKeyFn)
		if strings.Contains(m, c.needle) {
			t.Errorf("ScrubMask(%q) = %q", c.in, m)
		}
	}
	for _, s := range []string{"sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "on 2024-01-01 at 12:30"} {
		if m, _ := ScrubMask(s, "", testKeyFn); m != s {
			t.Errorf("ScrubMask(%q) = %q, want it unchanged", s, m)
		}
	}
}

func TestRedactKey(t *testing.T) {
	if got := RedactKey("u13988887777"); got != "u[PHONE]" {
		t.Errorf("RedactKey = %q", got)
	}
	if got := RedactKey("part-000000123"); got != "part-000000123" {
		t.Errorf("RedactKey = %q", got)
	}
}
