package licence

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// devLabel is one entry of testdata/devset/labels.json.
type devLabel struct {
	File  string   `json:"file"`
	SPDX  string   `json:"spdx"`
	Alt   []string `json:"alt"`
	Class string   `json:"class"`
	Kind  string   `json:"kind"`
	Top   bool     `json:"top"`
}

func loadDevset(tb testing.TB) []devLabel {
	tb.Helper()
	b, err := os.ReadFile("testdata/devset/labels.json")
	if err != nil {
		tb.Fatal(err)
	}
	var labels []devLabel
	if err := json.Unmarshal(b, &labels); err != nil {
		tb.Fatal(err)
	}
	return labels
}

// TestAccuracy scores Detect on the labelled dev set (see
// testdata/devset/gen.go): id accuracy (best match is the labelled id, or
// nothing for files without a licence) and class accuracy, overall, per
// kind and over the 100 most used licences' texts. Goals: id ≥ 0.90 and
// class ≥ 0.95 over the top 100, and the same over the whole set.
func TestAccuracy(t *testing.T) {
	type score struct{ n, id, class int }
	scores := map[string]*score{}
	add := func(k string, idOK, classOK bool) {
		s := scores[k]
		if s == nil {
			s = &score{}
			scores[k] = s
		}
		s.n++
		if idOK {
			s.id++
		}
		if classOK {
			s.class++
		}
	}
	for _, l := range loadDevset(t) {
		text, err := os.ReadFile(filepath.Join("testdata/devset", l.File))
		if err != nil {
			t.Fatal(err)
		}
		r := Detect(text)
		got := ""
		if len(r.Licences) > 0 {
			got = r.Licences[0].SPDX
		}
		idOK := got == l.SPDX || slices.Contains(l.Alt, got)
		classOK := r.Class == l.Class
		if !idOK || !classOK {
			t.Logf("miss %-40s want %s/%s got %s/%s", l.File, l.SPDX, l.Class, got, r.Class)
		}
		add("all", idOK, classOK)
		add(l.Kind, idOK, classOK)
		if l.Top {
			add("top100", idOK, classOK)
		}
	}
	for _, k := range []string{"all", "top100", "text", "debian", "code", "html", "zh", "prose"} {
		s := scores[k]
		if s == nil {
			t.Fatalf("dev set has no %s files", k)
		}
		idAcc, classAcc := float64(s.id)/float64(s.n), float64(s.class)/float64(s.n)
		t.Logf("%-7s n=%3d id accuracy %.3f class accuracy %.3f", k, s.n, idAcc, classAcc)
		if k == "all" || k == "top100" {
			if idAcc < 0.90 {
				t.Errorf("%s: id accuracy %.3f < 0.90", k, idAcc)
			}
			if classAcc < 0.95 {
				t.Errorf("%s: class accuracy %.3f < 0.95", k, classAcc)
			}
		}
	}
}
