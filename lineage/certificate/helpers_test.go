package certificate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/stagetest"
	"github.com/prov-ai/prov/version"
)

// world is a ledger, an input corpus and an output store in a temp dir.
type world struct {
	dir     string
	l       *lineage.Ledger
	priv    string
	pubPath string
	opts    pipeline.Options
	cfg     *schemas.Config
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func newWorld(t testing.TB) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	priv, pub, err := lineage.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/ledger",
		SigningKey: priv, PublicKey: pub, Logger: quiet(), GCInterval: -1,
		Now: func() time.Time { t0 = t0.Add(time.Second); return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	var a, b strings.Builder
	for i := range 12 {
		text := fmt.Sprintf("web record %d 训练数据", i)
		if i == 4 {
			text += " BAD"
		}
		fmt.Fprintf(&a, `{"id":"a%d","text":%q,"user_id":"user-%d"}`+"\n", i, text, i%3)
	}
	a.WriteString("{not json\n")
	for i := range 5 {
		fmt.Fprintf(&b, `{"id":"b%d","text":"open record %d","license":"CC-BY-4.0"}`+"\n", i, i)
	}
	writeFile(t, filepath.Join(dir, "in", "web", "a.jsonl"), a.String())
	writeFile(t, filepath.Join(dir, "in", "oss", "b.jsonl"), b.String())
	in, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "in"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &schemas.Config{Version: 1, Work: filepath.Join(dir, "work"), Datasets: []schemas.DatasetConfig{{
		Name:   "chat",
		Inputs: []schemas.InputConfig{{Prefix: "oss/", Source: "oss-wiki"}, {Prefix: "web/", Source: "web"}},
		Fields: map[string]schemas.FieldSpec{"subject_id": {"user_id"}, "licence": {"license"}},
	}}}
	pol := &schemas.Policy{ID: "test-policy", Version: "1"}
	pol.ApplyDefaults()
	pol.Quality.MaxMalformedRate = 0.5 // the corpus holds malformed lines on purpose
	src := &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "oss-wiki", Channel: schemas.ChannelOpenSource, LegalBasis: "licence", Licence: "CC-BY-SA-4.0", Origin: "foreign"},
		{ID: "web", Channel: schemas.ChannelSelfCollected, LegalBasis: "public-interest", Origin: "domestic"},
	}}
	w := &world{dir: dir, l: l, priv: priv, pubPath: pub, cfg: cfg}
	w.opts = pipeline.Options{Logger: quiet(), Config: cfg, Policy: pol, Sources: src, Input: in, Output: out,
		Recorder: pipeline.NewRecorder(l), Workers: 2,
		Stages: func(_ context.Context, env stages.Env) ([]stages.Stage, error) {
			return []stages.Stage{stagetest.Mini{Key: env.SubjectKey}}, nil
		},
		AfterSeal: []func(context.Context, *pipeline.Sealed) error{certHook(l, priv)},
	}
	return w
}

// run runs the pipeline and returns the bundle directory of the version.
func (w *world) run(t testing.TB) (string, pipeline.DatasetResult) {
	t.Helper()
	res, err := pipeline.Run(context.Background(), w.opts)
	if err != nil {
		t.Fatalf("running the pipeline: %v", err)
	}
	d := res.Datasets[0]
	if !strings.HasSuffix(d.Outputs.Certificate, "/"+version.Envelope) {
		t.Fatalf("the hook set no certificate URI: %+v", d.Outputs)
	}
	return filepath.Join(w.dir, "out", d.Name, d.Version), d
}

// copyBundle copies the four bundle files to a fresh temp dir.
func copyBundle(t testing.TB, dir string) string {
	t.Helper()
	dst := t.TempDir()
	for _, f := range []string{version.Envelope, version.Proof, version.Manifest, version.PubKey} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dst, f), string(b))
	}
	return dst
}

func mustLoad(t testing.TB, dir string) *Bundle {
	t.Helper()
	b, err := LoadBundle(dir)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var _ = io.Discard

// certHook is the certificate hook `prov run` installs (cmd/prov), rebuilt
// here so the tests can seal and certify through the real pipeline.
func certHook(l *lineage.Ledger, keyPath string) func(ctx context.Context, s *pipeline.Sealed) error {
	return func(ctx context.Context, s *pipeline.Sealed) error {
		is, err := NewIssuer(l, keyPath)
		if err != nil {
			return err
		}
		iss, err := is.Issue(ctx, s.Output, s.Prefix, s.ManifestBytes, s.LedgerLeaf, s.Policy)
		if err != nil {
			return err
		}
		s.Certificate = iss.URI
		return nil
	}
}

// rehashWith is level 3's options with the pipeline's record reader.
func rehashWith(in objstore.Store, ds *schemas.DatasetConfig) *Rehash {
	return rehashWithSources(in, ds, nil)
}

// rehashWithSources reads records through the registry's field maps too
// (sources resolved by prefix, their shapes), as `prov cert verify` does.
func rehashWithSources(in objstore.Store, ds *schemas.DatasetConfig, reg *schemas.SourceRegistry) *Rehash {
	return &Rehash{Input: in, Dataset: ds, Read: pipeline.RecordReader(in, ds, reg)}
}
