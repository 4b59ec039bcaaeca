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
		Dataset: &schemas.DatasetConfig{Name: "safety-labels", Fields: map[string]string{"text": "prompt", "id": "id", "labels": "annotation"}},
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
		fh.Close()
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

func TestDemoPrint(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("prints the demo outcome with -v")
	}
	outs, c := runDemo(t)
	for id, o := range outs {
		for _, f := range o.Findings {
			t.Logf("%s %s %s %s: %s", id, o.Verdict, f.RuleID, f.Evidence, f.Message)
		}
	}
	for _, r := range c.Rules {
		t.Logf("rule %s pass=%v gate=%v %s", r.RuleID, r.Pass, r.Gate, r.Detail)
	}
	for _, m := range c.Metrics {
		if strings.Contains(m.Metric, "kappa") || strings.Contains(m.Metric, "alpha") {
			t.Logf("metric %s %s %.3f", m.Metric, m.Dimension, m.Value)
		}
	}
}
