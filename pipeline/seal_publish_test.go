package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// otherResults is testStage with one more metric: another prov build's
// results for the same data and policy (the version label covers neither).
type otherResults struct{ testStage }

func (s otherResults) Conclude(st stages.State, c *stages.Conclusion) error {
	if err := s.testStage.Conclude(st, c); err != nil {
		return err
	}
	c.Metrics = append(c.Metrics, schemas.Metric{Metric: "test_new_metric", Dimension: "overall", Value: 1})
	return nil
}

// TestSealNeverOverwritesSealedVersion: a run whose results differ from
// those the ledger sealed under the same label seals them as a new version
// and leaves the sealed version's files byte for byte; re-running it finds
// that new version again; a label fixed in the configuration fails with
// ErrVersionSealed and overwrites nothing.
func TestSealNeverOverwritesSealedVersion(t *testing.T) {
	root := newCorpus(t)
	l := openTestLedger(t, root)
	opts := testOptions(t, root)
	opts.Recorder = NewRecorder(l)
	d1 := runOK(t, opts)
	files := func(ver string) map[string]string {
		out := map[string]string{}
		for _, f := range []string{"manifest.json", "findings.parquet", "metrics.parquet", "duplicates.parquet"} {
			b, err := os.ReadFile(filepath.Join(root, "out", "ds", ver, f))
			if err != nil {
				t.Fatal(err)
			}
			out[f] = string(b)
		}
		return out
	}
	before := files(d1.Version)

	// The same run again: same version, files untouched, one seal.
	if d := runOK(t, opts); d.Version != d1.Version {
		t.Fatalf("unchanged re-run sealed %s, want %s", d.Version, d1.Version)
	}
	other := opts
	other.Stages = func(context.Context, stages.Env) ([]stages.Stage, error) { return []stages.Stage{otherResults{}}, nil }
	d2 := runOK(t, other)
	if d2.Version == d1.Version {
		t.Fatalf("other results sealed under the sealed label %s", d1.Version)
	}
	for f, b := range files(d1.Version) {
		if b != before[f] {
			t.Errorf("%s of the sealed version %s was rewritten", f, d1.Version)
		}
	}
	if d3 := runOK(t, other); d3.Version != d2.Version {
		t.Fatalf("re-run of the other results sealed %s, want %s", d3.Version, d2.Version)
	}
	if k := countKinds(t, l); k[lineage.KindDatasetSealed] != 2 {
		t.Fatalf("sealed entries %d, want 2", k[lineage.KindDatasetSealed])
	}

	// A fixed label is not changed: the run fails, nothing is rewritten.
	fixed := other
	cfg := *other.Config
	cfg.Datasets = append([]schemas.DatasetConfig(nil), cfg.Datasets...)
	cfg.Datasets[0].Version = d1.Version
	fixed.Config = &cfg
	if _, err := Run(context.Background(), fixed); !errors.Is(err, ErrVersionSealed) {
		t.Fatalf("fixed label with other results: %v, want ErrVersionSealed", err)
	}
	for f, b := range files(d1.Version) {
		if b != before[f] {
			t.Errorf("%s of the sealed version %s was rewritten by the fixed-label run", f, d1.Version)
		}
	}
}

// TestCiteCacheIsCite: the findings pass's cached rule rows are cite's.
func TestCiteCacheIsCite(t *testing.T) {
	cc := citeCache{}
	for range 2 {
		for _, id := range []string{"CN-IM-7.3", " CN-IM-7.3 ", "TC260-5.2-b3", "PROV-MALFORMED", "GB45438-4.1 / PIPL-13", "x / y", "", RuleDuplicate} {
			for _, v := range []string{"", "reject"} {
				a := schemas.Finding{RuleID: id, Verdict: v}
				b := a
				cite(&a)
				cc.cite(&b)
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("rule %q: cached %+v, cite %+v", id, b, a)
				}
			}
		}
	}
}
