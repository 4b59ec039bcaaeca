package annotation

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
)

func TestParseLabels(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		ok      bool
		reviews int
	}{
		{"minimal", `{"rule_version":"v","batch":"b","labels":[{"label":"a","annotator":"x","at":"2024-01-01T00:00:00Z"}]}`, true, 0},
		{"review folded", `{"rule_version":"v","labels":[],"review":{"reviewer":"r","at":"2024-01-01","verdict":"accept"},"reviews":[{"reviewer":"s","at":"2024-01-02","verdict":"reject"}]}`, true, 2},
		{"date-only time", `{"labels":[{"label":"a","annotator":"x","at":"2024-01-01"}]}`, true, 0},
		{"ext ignored", `{"labels":[],"ext":{"anything":[1,2,{"x":null}]}}`, true, 0},
		{"whitespace around", " \n{\"labels\":[]}\n ", true, 0},
		{"empty", ``, false, 0},
		{"not an object", `[1,2]`, false, 0},
		{"syntax", `{"labels":[}`, false, 0},
		{"unknown key", `{"lables":[]}`, false, 0},
		{"wrong type", `{"labels":"safe"}`, false, 0},
		{"bad time", `{"labels":[{"label":"a","annotator":"x","at":"yesterday"}]}`, false, 0},
		{"empty label", `{"labels":[{"label":"","annotator":"x"}]}`, false, 0},
		{"empty annotator", `{"labels":[{"label":"a","annotator":""}]}`, false, 0},
		{"span of three", `{"labels":[{"label":"a","annotator":"x","span":[1,2,3]}]}`, false, 0},
		{"negative span", `{"labels":[{"label":"a","annotator":"x","span":[-1,2]}]}`, false, 0},
		{"reversed span", `{"labels":[{"label":"a","annotator":"x","span":[5,2]}]}`, false, 0},
		{"bad verdict", `{"labels":[],"review":{"reviewer":"r","verdict":"maybe"}}`, false, 0},
		{"empty reviewer", `{"labels":[],"review":{"reviewer":"","verdict":"accept"}}`, false, 0},
		{"trailing data", `{"labels":[]} {}`, false, 0},
		{"non-string field", `{"labels":[{"label":"a","annotator":"x","fields":{"n":1}}]}`, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := ParseLabels([]byte(c.in))
			if c.ok != (err == nil) {
				t.Fatalf("ParseLabels error %v, want ok=%v", err, c.ok)
			}
			if err != nil {
				var le *LabelsError
				if !errors.As(err, &le) || !errors.Is(err, ErrMalformedLabels) {
					t.Fatalf("error %T %v is not a *LabelsError wrapping ErrMalformedLabels", err, err)
				}
				return
			}
			if l.Review != nil || len(l.Reviews) != c.reviews {
				t.Fatalf("reviews %+v / %+v, want %d folded", l.Review, l.Reviews, c.reviews)
			}
		})
	}
}

func TestParseLabelsErrorHidesValues(t *testing.T) {
	_, err := ParseLabels([]byte(`{"labels":[{"label":"a","annotator":"x","at":"13800138000"}]}`))
	if err == nil || strings.Contains(err.Error(), "13800138000") {
		t.Fatalf("error %v quotes the value", err)
	}
}

func TestParseLabelsTestdata(t *testing.T) {
	files, _ := filepath.Glob("testdata/labels/*.json")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseLabels(data)
			bad := strings.HasPrefix(filepath.Base(f), "bad-") || strings.HasPrefix(filepath.Base(f), "trailing")
			if bad == (err == nil) {
				t.Fatalf("ParseLabels(%s) error %v", f, err)
			}
		})
	}
}

func TestParseRoster(t *testing.T) {
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, f := range []string{"testdata/roster/demo.jsonl", "testdata/roster/team.yaml"} {
		t.Run(filepath.Base(f), func(t *testing.T) {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = fh.Close() }()
			ro, err := ParseRoster(fh, f)
			if err != nil {
				t.Fatal(err)
			}
			if !ro.Known("ann-01") || ro.Known("nobody") {
				t.Fatal("roster lookup wrong")
			}
			if ok, why := ro.Qualified("ann-01", schemas.RoleAnnotator, day("2024-04-01")); !ok {
				t.Fatalf("ann-01 unqualified on 2024-04-01: %s", why)
			}
			if ok, _ := ro.Qualified("ann-01", schemas.RoleAnnotator, day("2024-03-05")); ok {
				t.Fatal("ann-01 qualified before the exam")
			}
			if ok, _ := ro.Qualified("ann-01", schemas.RoleReviewer, day("2024-04-01")); ok {
				t.Fatal("ann-01 qualified as a reviewer")
			}
		})
	}
	t.Run("open-ended suspension", func(t *testing.T) {
		fh, err := os.Open("testdata/roster/team.yaml")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = fh.Close() }()
		ro, err := ParseRoster(fh, "team.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := ro.Qualified("rev-01", schemas.RoleReviewer, day("2024-05-31")); !ok {
			t.Fatal("rev-01 unqualified before the suspension")
		}
		if ok, why := ro.Qualified("rev-01", schemas.RoleReviewer, day("2030-01-01")); ok || !strings.Contains(why, "suspended") {
			t.Fatalf("rev-01 during an open suspension: ok=%v %s", ok, why)
		}
	})
}

func TestParseLineErrors(t *testing.T) {
	cases := []struct {
		name, file, in string
		line           int
	}{
		{"bad json", "r.jsonl", "{\"id\":\"a\",\"roles\":[\"annotator\"]}\n\n{\"id\":", 3},
		{"unknown key", "r.jsonl", `{"id":"a","role":["annotator"]}`, 1},
		{"no id", "r.jsonl", `{"roles":["annotator"]}`, 1},
		{"duplicate", "r.jsonl", "{\"id\":\"a\",\"roles\":[]}\n{\"id\":\"a\",\"roles\":[]}", 2},
		{"bad role", "r.jsonl", `{"id":"a","roles":["boss"]}`, 1},
		{"bad date", "r.jsonl", `{"id":"a","roles":[],"trained":"March"}`, 1},
		{"yaml unknown key", "r.yaml", "- id: a\n  rolez: [annotator]\n", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRoster(strings.NewReader(c.in), c.file)
			if err == nil {
				t.Fatal("no error")
			}
			if c.line == 0 {
				var ce *schemas.ConfigError
				if !errors.As(err, &ce) || ce.Line != 2 || !errors.Is(err, ErrMalformedRoster) {
					t.Fatalf("yaml error %v, want a ConfigError on line 2", err)
				}
				return
			}
			var re *LineError
			if !errors.As(err, &re) || re.Line != c.line || !errors.Is(err, ErrMalformedRoster) {
				t.Fatalf("error %v, want a LineError on line %d", err, c.line)
			}
		})
	}
}

func FuzzParseLabels(f *testing.F) {
	files, _ := filepath.Glob("testdata/labels/*.json")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLabels(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedLabels) {
				t.Fatalf("error %v does not wrap ErrMalformedLabels", err)
			}
			return
		}
		for _, lb := range l.Labels {
			if lb.Label == "" || lb.Annotator == "" || (lb.Span != nil && (len(lb.Span) != 2 || lb.Span[0] < 0 || lb.Span[0] > lb.Span[1])) {
				t.Fatalf("accepted an invalid label %+v", lb)
			}
		}
		for _, rv := range l.Reviews {
			if rv.Verdict != schemas.ReviewAccept && rv.Verdict != schemas.ReviewReject {
				t.Fatalf("accepted review verdict %q", rv.Verdict)
			}
		}
	})
}

func FuzzParseRoster(f *testing.F) {
	files, _ := filepath.Glob("testdata/roster/*")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, strings.HasSuffix(p, ".yaml"))
	}
	f.Fuzz(func(t *testing.T, data []byte, yaml bool) {
		name := "r.jsonl"
		if yaml {
			name = "r.yaml"
		}
		ro, err := ParseRoster(bytes.NewReader(data), name)
		if err != nil {
			if !errors.Is(err, ErrMalformedRoster) && !errors.Is(err, schemas.ErrConfig) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			return
		}
		for id, a := range ro.byID {
			if id == "" || a.ID != id {
				t.Fatalf("roster entry %q -> %+v", id, a)
			}
		}
	})
}
