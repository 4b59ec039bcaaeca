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

var (
	rosterCols = schemas.Columns{"id": "annotator_id", "roles": "role_list", "trained": "trained_on",
		"exam_passed": "certified_on", "suspended_from": "suspended_from_date"}
	spotCols = schemas.Columns{"id": "item_id", "batch": "batch_id", "reviewer": "reviewer_id",
		"verdict": "decision", "at": "reviewed_at"}
)

const exportedRosterJSONL = `{"annotator_id":"ann-01","role_list":["annotator"],"trained_on":"2024-03-01","certified_on":"2024-03-10"}

{"annotator_id":"rev-01","role_list":["reviewer"],"trained_on":"2024-02-01","certified_on":"2024-02-10","suspended_from_date":"2024-06-01","suspended_to":"2024-07-01"}
`

const exportedRosterYAML = `- annotator_id: ann-01
  role_list: [annotator]
  trained_on: 2024-03-01
  certified_on: "2024-03-10"
- annotator_id: rev-01
  role_list: [reviewer]
  trained_on: 2024-02-01
  certified_on: 2024-02-10
  suspended_from_date: 2024-06-01
  suspended_to: 2024-07-01
`

// TestRosterColumns: a roster exported with other key names (annotator_id,
// certified_on, ...) reads through roster_columns, in JSONL and YAML, to
// the same qualifications; errors name the file, the line and the key.
func TestRosterColumns(t *testing.T) {
	for _, c := range []struct{ name, in string }{{"r.jsonl", exportedRosterJSONL}, {"r.yaml", exportedRosterYAML}} {
		t.Run(c.name, func(t *testing.T) {
			ro, err := ParseRosterColumns(strings.NewReader(c.in), c.name, rosterCols)
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2024, 6, 15, 0, 0, 0, 0, time.UTC)
			if ok, why := ro.Qualified("ann-01", schemas.RoleAnnotator, at); !ok {
				t.Errorf("ann-01 not qualified: %s", why)
			}
			if ok, _ := ro.Qualified("rev-01", schemas.RoleReviewer, at); ok {
				t.Errorf("rev-01 qualified while suspended")
			}
			if ok, why := ro.Qualified("rev-01", schemas.RoleReviewer, at.AddDate(0, 1, 0)); !ok {
				t.Errorf("rev-01 not qualified after the suspension: %s", why)
			}
		})
	}
	for _, c := range []struct{ name, file, in, want string }{
		{"unmapped jsonl", "r.jsonl", exportedRosterJSONL, `r.jsonl:1: malformed annotator roster: column "annotator_id": unknown column`},
		{"unknown key", "r.jsonl", `{"annotator_id":"a","role_list":[],"team":"x"}`, `r.jsonl:1: malformed annotator roster: column "team": unknown column`},
		{"bad date", "r.jsonl", "\n" + `{"annotator_id":"a","role_list":[],"certified_on":"March"}`, `r.jsonl:2: malformed annotator roster: column "certified_on" (exam_passed)`},
		{"no id", "r.yaml", "- role_list: [annotator]\n- annotator_id: b\n  role_list: [annotator]\n", `r.yaml:1: malformed annotator roster: entry 0 has no "annotator_id" (id)`},
		{"yaml bad type", "r.yaml", "- annotator_id: a\n  role_list: [annotator]\n- annotator_id: b\n  role_list: reviewer\n", `r.yaml:3: malformed annotator roster: column "role_list" (roles)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cols := rosterCols
			if strings.HasPrefix(c.name, "unmapped") {
				cols = nil
			}
			_, err := ParseRosterColumns(strings.NewReader(c.in), c.file, cols)
			if !errors.Is(err, ErrMalformedRoster) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestSpotCheckColumns: spot checks exported with other key names read
// through spot_check_columns; errors name the line and the key.
func TestSpotCheckColumns(t *testing.T) {
	in := `{"rule_version":"v","batch_id":"b","item_id":"i","reviewer_id":"r","decision":"accept","reviewed_at":"2024-10-03T09:00:00Z"}` + "\n"
	got, err := ParseSpotChecksColumns(strings.NewReader(in), "s.jsonl", spotCols)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "i" || got[0].Batch != "b" || got[0].Reviewer != "r" || got[0].At.IsZero() {
		t.Fatalf("got %+v", got)
	}
	for _, c := range []struct{ name, in, want string }{
		{"missing", `{"rule_version":"v","batch_id":"b","decision":"accept"}`, `s.jsonl:1: malformed spot-check verdicts: rule_version, batch, id and reviewer are required: "item_id" (id), "reviewer_id" (reviewer) missing or empty`},
		{"verdict", `{"rule_version":"v","batch_id":"b","item_id":"i","reviewer_id":"r","decision":"approved"}`, `column "decision" (verdict) is not accept or reject`},
		{"unknown", `{"rule_version":"v","batch":"b"}`, `s.jsonl:1: malformed spot-check verdicts: column "batch": unknown column`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSpotChecksColumns(strings.NewReader(c.in), "s.jsonl", spotCols)
			if !errors.Is(err, ErrMalformedSpotChecks) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func FuzzParseRosterColumns(f *testing.F) {
	f.Add([]byte(exportedRosterJSONL), false)
	f.Add([]byte(exportedRosterYAML), true)
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
		ro, err := ParseRosterColumns(bytes.NewReader(data), name, rosterCols)
		if err != nil {
			if !errors.Is(err, ErrMalformedRoster) {
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

func FuzzParseSpotChecksColumns(f *testing.F) {
	f.Add([]byte(`{"rule_version":"v","batch_id":"b","item_id":"i","reviewer_id":"r","decision":"accept"}`))
	files, _ := filepath.Glob("testdata/spotchecks/*.jsonl")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checks, err := ParseSpotChecksColumns(bytes.NewReader(data), "s.jsonl", spotCols)
		if err != nil {
			if !errors.Is(err, ErrMalformedSpotChecks) {
				t.Fatalf("error %v does not wrap ErrMalformedSpotChecks", err)
			}
			return
		}
		for _, c := range checks {
			if c.ID == "" || c.Reviewer == "" || (c.Verdict != schemas.ReviewAccept && c.Verdict != schemas.ReviewReject) {
				t.Fatalf("accepted %+v", c)
			}
		}
	})
}
