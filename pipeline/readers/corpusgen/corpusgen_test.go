package corpusgen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

func TestWriteJSONL(t *testing.T) {
	var a, b, c bytes.Buffer
	n, err := WriteJSONL(&a, 2<<20, 7)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteJSONL(&b, 2<<20, 7); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteJSONL(&c, 2<<20, 8); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed gave different corpora")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds gave the same corpus")
	}
	if a.Len() < 2<<20 || a.Len() > 2<<20+4096 {
		t.Errorf("wrote %d bytes for a 2 MiB target", a.Len())
	}
	var lines, emails, ids, consent, labels int64
	email := regexp.MustCompile(`[a-z.]+@[a-z.]+\.(cn|com|org|net)`)
	idnum := regexp.MustCompile(`\d{17}[\dX]`)
	sc := bufio.NewScanner(&a)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines++
		var rec struct {
			ID, Text, URL, License, Source, Lang string
			FetchedAt                            string          `json:"fetched_at"`
			UA                                   string          `json:"crawler_ua"`
			Consent                              json.RawMessage `json:"consent"`
			Labels                               json.RawMessage `json:"labels"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", lines, err)
		}
		if rec.ID == "" || len(rec.Text) < 300 || rec.URL == "" || rec.License == "" || rec.Source == "" ||
			rec.FetchedAt == "" || rec.UA == "" || (rec.Lang != "zh" && rec.Lang != "en") {
			t.Fatalf("line %d lacks fields: %+v", lines, rec)
		}
		if email.MatchString(rec.Text) {
			emails++
		}
		if m := idnum.FindString(rec.Text); m != "" {
			ids++
			if !validID(m) {
				t.Errorf("line %d: ID number %s has a bad check digit", lines, m)
			}
		}
		if rec.Consent != nil {
			consent++
		}
		if rec.Labels != nil {
			labels++
		}
	}
	if lines != n {
		t.Errorf("%d lines, WriteJSONL said %d", lines, n)
	}
	for name, c := range map[string]int64{"emails": emails, "ids": ids, "consent": consent, "labels": labels} {
		if c == 0 || c == lines {
			t.Errorf("%s in %d of %d records: want some, not all", name, c, lines)
		}
	}
}

func validID(s string) bool {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s[i]-'0') * w[i]
	}
	return "10X98765432"[sum%11] == s[17]
}

func BenchmarkWriteJSONL(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(8 << 20)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if _, err := WriteJSONL(&buf, 8<<20, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWriteJSONLLong: the long shape is deterministic, ~2.5 KB a record,
// mixes Chinese and English paragraphs, declares no language, and carries
// PI in about 3 % of the documents.
func TestWriteJSONLLong(t *testing.T) {
	var a, b bytes.Buffer
	n, err := WriteJSONLShape(&a, ShapeLong, 8<<20, 3)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteJSONLShape(&b, ShapeLong, 8<<20, 3); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed gave different corpora")
	}
	if per := a.Len() / int(n); per < 2200 || per > 2800 {
		t.Errorf("%d bytes per record, want ~2.5 KB", per)
	}
	pi := regexp.MustCompile(`[a-z.]+@[a-z.]+\.(cn|com|org|net)|电话 1\d{10}|\d{17}[\dX]`)
	var withPI, mixed int64
	sc := bufio.NewScanner(&a)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			Text string
			Lang *string
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Lang != nil {
			t.Fatalf("long record declares language %q", *rec.Lang)
		}
		if pi.MatchString(rec.Text) {
			withPI++
		}
		if regexp.MustCompile(`[a-z]{4}`).MatchString(rec.Text) && regexp.MustCompile(`\p{Han}{4}`).MatchString(rec.Text) {
			mixed++
		}
	}
	if rate := float64(withPI) / float64(n); rate < 0.015 || rate > 0.05 {
		t.Errorf("PI in %.3f of the records, want ~0.03", rate)
	}
	if float64(mixed) < 0.8*float64(n) {
		t.Errorf("%d of %d records mix Chinese and English", mixed, n)
	}
	if _, err := ParseShape("wide"); err == nil {
		t.Error("ParseShape accepted an unknown shape")
	}
}
