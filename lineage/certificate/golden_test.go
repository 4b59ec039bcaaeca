package certificate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/catalog"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func demoDir(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "fixtures", "demo")
}

// TestGoldenDemoPredicate runs the pipeline with every stage on the demo
// fixtures (dataset chat-zh-en) and compares the certificate's statement,
// with run ids, issue time, key id and the findings, metrics and manifest
// digests normalised, to
// testdata/demo-chat-zh-en.statement.json (regenerate with -update).
func TestGoldenDemoPredicate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo pipeline")
	}
	ctx := context.Background()
	dir := t.TempDir()
	demo := demoDir(t)
	cfg, err := schemas.LoadConfig(filepath.Join(demo, "prov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Output = "file://" + filepath.Join(dir, "out")
	cfg.Work = filepath.Join(dir, "work")
	pol, err := schemas.LoadPolicy(cfg.Policy)
	if err != nil {
		t.Fatal(err)
	}
	src, err := schemas.LoadSources(cfg.Sources)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub, err := lineage.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: cfg.Ledger.Origin,
		SigningKey: priv, PublicKey: pub, Logger: quiet(), GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	in, err := objstore.Open(ctx, cfg.Input, cfg.S3)
	if err != nil {
		t.Fatal(err)
	}
	out, err := objstore.Open(ctx, cfg.Output, cfg.S3)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Run(ctx, pipeline.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Config: cfg, Policy: pol, Sources: src, Input: in, Output: out,
		Recorder: pipeline.NewRecorder(l), Stages: catalog.Build, Dataset: "chat-zh-en", Logger: quiet(),
		AfterSeal: []func(context.Context, *pipeline.Sealed) error{certHook(l, priv)}})
	if err != nil && !errors.Is(err, pipeline.ErrGate) {
		t.Fatal(err)
	}
	d := res.Datasets[0]
	b := mustLoad(t, filepath.Join(dir, "out", d.Name, d.Version))
	if err := Verify(ctx, b, Options{Ledger: l, Rehash: rehashWithSources(in, &cfg.Datasets[0], src)}).Err(); err != nil {
		t.Fatalf("the demo certificate does not verify: %v", err)
	}
	env, err := ParseEnvelope(b.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	st, err := ParseStatement(env.PayloadBytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := time.Parse(time.RFC3339, st.Predicate.IssuedAt); err != nil {
		t.Errorf("issued_at %q: %v", st.Predicate.IssuedAt, err)
	}
	st.Predicate.IssuedAt = "2026-01-01T00:00:00Z"
	for i := range st.Predicate.RunIDs {
		st.Predicate.RunIDs[i] = "RUN-ID"
	}
	st.Predicate.Ledger.KeyID = "SHA256:KEY-ID"
	// findings.parquet and metrics.parquet are not byte-identical between runs of the demo
	// (same rows, different bytes and size), so neither are the manifest
	// and the subject digest: normalised until the pipeline writes it
	// reproducibly.
	st.Subject[0].Digest["sha256"] = "MANIFEST-SHA256"
	st.Predicate.Outputs.Findings.SHA256, st.Predicate.Outputs.Findings.Size = "FINDINGS-SHA256", 0
	st.Predicate.Outputs.Metrics.SHA256, st.Predicate.Outputs.Metrics.Size = "METRICS-SHA256", 0
	got, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "demo-chat-zh-en.statement.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the demo statement differs from %s (run go test -run Golden -update after an intended change):\n%s", golden, lineDiff(want, got))
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	var out bytes.Buffer
	n := 0
	for i := 0; i < max(len(w), len(g)) && n < 10; i++ {
		var a, b []byte
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if !bytes.Equal(a, b) {
			n++
			out.WriteString("line " + strconv.Itoa(i+1) + ":\n  want " + string(a) + "\n  got  " + string(b) + "\n")
		}
	}
	return out.String()
}
