package version

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// TestRoundTrip writes a version's findings, metrics and manifest the way
// seal does and reads them back through the readers every command uses.
func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	prefix := Prefix("ds", "v1")
	if prefix != "ds/v1/" || Key("ds", "v1", Findings) != "ds/v1/findings.parquet" {
		t.Fatalf("layout: prefix %q", prefix)
	}
	ff, err := NewTable[schemas.Finding](dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []schemas.Finding{
		{RuleID: "R-2", Stage: "pii", Verdict: "redact"},
		{RuleID: "R-1", Stage: "licence", Verdict: "reject"},
		{RuleID: "R-2", Stage: "pii", Verdict: "quarantine"},
	}
	if err := ff.Write(want...); err != nil {
		t.Fatal(err)
	}
	if ff.Rows() != 3 {
		t.Fatalf("Rows = %d, want 3", ff.Rows())
	}
	fsum, fsize, err := ff.Publish(ctx, st, prefix+Findings)
	if err != nil {
		t.Fatal(err)
	}
	mf, err := NewTable[schemas.Metric](dir)
	if err != nil {
		t.Fatal(err)
	}
	metrics := []schemas.Metric{{Dataset: "ds", Version: "v1", Metric: "records_read", Dimension: "overall", Value: 3}}
	if err := mf.Write(metrics...); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mf.Publish(ctx, st, prefix+Metrics); err != nil {
		t.Fatal(err)
	}
	m := &schemas.Manifest{Schema: schemas.ManifestSchema, Dataset: "ds", Version: "v1",
		Outputs: schemas.ManifestOutput{Findings: schemas.FileRef{Path: Findings, SHA256: fsum, Size: fsize, Rows: 3}}}
	raw, sum, err := WriteManifest(ctx, st, prefix, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) != 64 || raw[len(raw)-1] != '\n' {
		t.Fatalf("manifest sha %q, bytes end %q", sum, raw[len(raw)-1])
	}

	gm, graw, err := ReadManifest(ctx, st, "ds", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(graw, raw) || gm.Outputs.Findings.SHA256 != fsum {
		t.Fatalf("manifest read back differs")
	}
	var got []schemas.Finding
	if err := EachFinding(ctx, st, "ds", "v1", func(f *schemas.Finding) error {
		if len(f.RuleIDs) == 0 {
			f.RuleIDs = nil // an empty list reads back empty, not nil
		}
		got = append(got, *f)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("findings = %+v, want %+v", got, want)
	}
	gotM, err := ReadMetrics(ctx, st, "ds", "v1")
	if err != nil || !slices.Equal(gotM, metrics) {
		t.Fatalf("metrics = %+v, %v; want %+v", gotM, err, metrics)
	}
	r, err := LoadReport(ctx, st, "ds", "v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.ByRule) != 2 || r.ByRule[0].RuleID != "R-1" || r.ByRule[1].Findings != 2 || r.ByRule[1].Verdicts["redact"] != 1 {
		t.Fatalf("report by rule = %+v", r.ByRule)
	}
	if _, err := ReadMetrics(ctx, st, "ds", "missing"); !errors.Is(err, objstore.ErrNotExist) {
		t.Fatalf("missing version: %v, want ErrNotExist", err)
	}
}
