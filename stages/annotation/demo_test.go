package annotation

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

const demoDir = "../../fixtures/demo"

// demoEnv builds the stage's Env from the demo policy and a local store
// rooted at fixtures/demo/corpus.
func demoEnv(t testing.TB) stages.Env {
	t.Helper()
	pol, err := schemas.LoadPolicy(filepath.Join(demoDir, "policy.yaml"))
	if err != nil {
		t.Fatalf("loading demo policy: %v", err)
	}
	return stages.Env{
		Policy:  pol,
		Dataset: &schemas.DatasetConfig{Name: "safety-labels", Fields: map[string]schemas.FieldSpec{"text": {"prompt"}, "id": {"id"}, "labels": {"annotation"}}},
		Open: func(_ context.Context, key string) (io.ReadCloser, error) {
			return os.Open(filepath.Join(demoDir, "corpus", filepath.FromSlash(key)))
		},
		SubjectKey: func(kind, value string) string { return fmt.Sprintf("%064x", len(kind)+len(value)) },
	}
}

// readDemo reads the demo label files into records (prompt, id, annotation).
func readDemo(t testing.TB) []*schemas.Record {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(demoDir, "corpus", "labels", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no demo label files: %v", err)
	}
	var recs []*schemas.Record
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		for line := int64(1); sc.Scan(); line++ {
			var row struct {
				ID         string          `json:"id"`
				Prompt     string          `json:"prompt"`
				Annotation json.RawMessage `json:"annotation"`
			}
			if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
				t.Fatalf("%s:%d: %v", f, line, err)
			}
			r := &schemas.Record{Object: "file://" + filepath.Base(f), Line: line}
			r.Set(schemas.FieldID, row.ID)
			r.Set(schemas.FieldText, row.Prompt)
			r.Set(schemas.FieldLabels, string(row.Annotation))
			recs = append(recs, r)
		}
		_ = fh.Close()
	}
	return recs
}

// runDemo checks every record on two workers, merges their states through
// MarshalBinary, concludes and returns per-record outcomes by id.
func runDemo(t *testing.T) (map[string]stages.Outcome, *stages.Conclusion) {
	t.Helper()
	s, err := New(context.Background(), demoEnv(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	states := []stages.State{s.NewState(), s.NewState()}
	outs := map[string]stages.Outcome{}
	for i, r := range readDemo(t) {
		var o stages.Outcome
		o.Reset()
		s.Check(r, states[i%2], &o)
		o.Findings = append([]schemas.Finding(nil), o.Findings...)
		outs[r.Values[schemas.FieldID]] = o
	}
	merged := s.NewState()
	for _, st := range states {
		b, err := st.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		back := s.NewState()
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if err := merged.Merge(back); err != nil {
			t.Fatal(err)
		}
	}
	var c stages.Conclusion
	if err := s.Conclude(merged, &c); err != nil {
		t.Fatal(err)
	}
	return outs, &c
}

func TestDemo(t *testing.T) {
	outs, c := runDemo(t)
	if len(outs) != 64 {
		t.Fatalf("read %d demo records, want 64", len(outs))
	}
	// Each planted problem is caught with its rule ID and verdict.
	want := []struct {
		id, rule, kind string
		verdict        schemas.Verdict
	}{
		{"b-0001-007", RuleStaff, "unqualified", schemas.Reject},
		{"b-0001-012", RuleStaff, "self_review", schemas.Quarantine},
		{"b-0002-005", RuleReview, "unreviewed", schemas.Quarantine},
		{"b-0002-011", RuleRules, "rule_version", schemas.Quarantine},
		{"b-0002-016", RuleQuality, "review_rejected", schemas.Quarantine},
	}
	flagged := map[string]bool{}
	for _, w := range want {
		flagged[w.id] = true
		t.Run(w.id, func(t *testing.T) {
			o := outs[w.id]
			if o.Verdict != w.verdict {
				t.Errorf("verdict %s, want %s", o.Verdict, w.verdict)
			}
			for _, f := range o.Findings {
				if f.RuleID == w.rule && f.Evidence == "annotation:"+w.kind {
					return
				}
			}
			t.Errorf("no %s finding %s in %+v", w.rule, w.kind, o.Findings)
		})
	}
	for id, o := range outs {
		if !flagged[id] && (len(o.Findings) != 0 || o.Verdict != schemas.Admit) {
			t.Errorf("%s: unexpected findings %+v", id, o.Findings)
		}
	}
	// Batch lines: b-0003 fails agreement (a gate), the others pass.
	lines := map[string]schemas.RuleResult{}
	for _, r := range c.Rules {
		if r.RuleID == RuleQuality && strings.Contains(r.Detail, "alpha") {
			lines[r.Scope] = r
		}
	}
	for scope, pass := range map[string]bool{
		"batch safety-v2/b-0001": true, "batch safety-v2/b-0002": true,
		"batch safety-v2/b-0003": false, "batch helpful-v1/f-0001": true,
	} {
		r, ok := lines[scope]
		if !ok {
			t.Errorf("no agreement line for %s", scope)
			continue
		}
		if r.Pass != pass || !r.Gate {
			t.Errorf("%s: pass=%v gate=%v, want pass=%v gate: %s", scope, r.Pass, r.Gate, pass, r.Detail)
		}
		if !pass && !strings.Contains(r.Detail, fmt.Sprintf("%.3f", r.Figure)) {
			t.Errorf("%s: detail does not state the figure: %s", scope, r.Detail)
		}
	}
	var failed int
	for _, f := range c.Findings {
		if f.RuleID == RuleQuality && strings.Contains(f.Message, "b-0003") {
			failed++
		}
	}
	if failed != 1 {
		t.Errorf("want one dataset finding for b-0003's agreement, got %d", failed)
	}
}
