package pipeline

import (
	"context"
	"log/slog"
	"path/filepath"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/catalog"
)

// demoRun runs the demo's chat dataset with every stage, the wall clock
// reading clock, and evaluation time asOf (zero: not pinned). It returns
// the dataset result and the findings.
func demoRun(t *testing.T, clock time.Time, asOf time.Time) (DatasetResult, []schemas.Finding) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	demo := filepath.Join(filepath.Dir(file), "..", "fixtures", "demo")
	cfg, err := schemas.LoadConfig(filepath.Join(demo, "prov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := schemas.LoadPolicy(cfg.Policy)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := schemas.LoadSources(cfg.Sources)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	cfg.Work = filepath.Join(root, "work")
	ctx := context.Background()
	in, err := objstore.Open(ctx, cfg.Input, schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := objstore.Open(ctx, "file://"+filepath.Join(root, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Logger: slog.New(slog.DiscardHandler), Config: cfg, Policy: pol, Sources: reg, Input: in, Output: out,
		Stages: catalog.Build, Dataset: "chat-zh-en", Now: asOf, Clock: func() time.Time { return clock }}
	res, err := Run(ctx, opts)
	if err != nil && !isGate(err) {
		t.Fatalf("Run: %v", err)
	}
	d := res.Datasets[0]
	return d, readFindings(t, filepath.Join(root, "out", d.Name, d.Version, "findings.parquet"))
}

// TestAsOfPinsEveryTimeDecision: the same bucket and config checked on two
// different wall-clock days give identical digests and findings when the
// evaluation time is pinned, and (as the demo's consent registry holds a
// withdrawal dated 2024-10-15) different verdicts when it is not.
func TestAsOfPinsEveryTimeDecision(t *testing.T) {
	day1 := time.Date(2024, 9, 1, 12, 0, 0, 0, time.UTC)
	day2 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	asOf := time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)
	a, fa := demoRun(t, day1, asOf)
	b, fb := demoRun(t, day2, asOf)
	if a.Digest != b.Digest || a.Counts != b.Counts {
		t.Fatalf("pinned runs on different days differ: %s %+v vs %s %+v", a.Digest, a.Counts, b.Digest, b.Counts)
	}
	if !reflect.DeepEqual(fa, fb) {
		t.Fatalf("pinned runs on different days give different findings (%d vs %d rows)", len(fa), len(fb))
	}
	u1, _ := demoRun(t, day1, time.Time{})
	u2, _ := demoRun(t, day2, time.Time{})
	if u1.Counts == u2.Counts {
		t.Fatalf("unpinned runs before and after the withdrawal agree (%+v): the test no longer shows the clock matters", u1.Counts)
	}
	if u2.Digest != a.Digest {
		t.Errorf("unpinned run on %s differs from the run pinned at %s: %s vs %s", day2, asOf, u2.Digest, a.Digest)
	}
}
