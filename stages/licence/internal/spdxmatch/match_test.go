package spdxmatch

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

type textsFile struct {
	Version  string `json:"version"`
	Licences []Text `json:"licences"`
}

func loadTexts(tb testing.TB) textsFile {
	tb.Helper()
	b, err := os.ReadFile("data/texts.json.gz")
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	var f textsFile
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestIndexUpToDate rebuilds the index from the pinned texts and compares
// it with the embedded one: a change to the normalisation must come with
// `go generate`.
func TestIndexUpToDate(t *testing.T) {
	f := loadTexts(t)
	got := Build(f.Version, f.Licences).Encode()
	if !bytes.Equal(got, indexBin) {
		t.Fatalf("data/index.bin is stale: run go generate (see gen/main.go)")
	}
}

func wrap(s string, width int) string {
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		n := 0
		for _, w := range strings.Fields(para) {
			if n > 0 && n+len(w)+1 > width {
				b.WriteByte('\n')
				n = 0
			} else if n > 0 {
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += len(w)
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

func TestMatchRewrapped(t *testing.T) {
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	f := loadTexts(t)
	n, ok := 0, 0
	for _, l := range f.Licences {
		if l.Deprecated {
			continue
		}
		n++
		text := "Copyright (c) 2024 Jane Example <jane@example.org>\n\n" + wrap(l.Text, 63)
		hits := ix.Match([]byte(text))
		want := l.ID
		if e, _ := ix.Lookup(l.ID); e.Same != "" {
			want = e.Same
		}
		if len(hits) > 0 && hits[0].ID == want {
			ok++
			continue
		}
		got := "-"
		if len(hits) > 0 {
			got = hits[0].ID
		}
		t.Logf("miss %s: got %s %+v", l.ID, got, hits)
	}
	t.Logf("%d/%d = %.3f", ok, n, float64(ok)/float64(n))
}
