package pipeline

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/catalog"
)

var (
	benchSize  = flag.Int64("run.size", 64<<20, "BenchmarkRun corpus size in bytes (make bench uses 2 GB)")
	benchParts = flag.Int("run.parts", 8, "BenchmarkRun corpus objects")
)

// benchCorpus writes parts JSONL objects of about size bytes in all.
func benchCorpus(b *testing.B, dir string, size int64, parts int) int64 {
	b.Helper()
	var total int64
	for i := 0; i < parts; i++ {
		p := filepath.Join(dir, "bench", fmt.Sprintf("part-%03d.jsonl", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriter(f)
		if _, err := corpusgen.WriteJSONL(w, size/int64(parts), int64(i+1)); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		fi, _ := f.Stat()
		total += fi.Size()
		_ = f.Close()
	}
	return total
}

func benchOptions(b testing.TB, root string, set string) Options {
	b.Helper()
	ctx := context.Background()
	in, _ := objstore.Open(ctx, "file://"+filepath.Join(root, "in"), schemas.S3Config{})
	out, _ := objstore.Open(ctx, "file://"+filepath.Join(root, "out"), schemas.S3Config{})
	_, file, _, _ := runtime.Caller(0)
	pol, err := schemas.LoadPolicy(filepath.Join(filepath.Dir(file), "..", "fixtures", "demo", "policy.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	// The demo policy's consent registry and roster live in the demo corpus.
	pol.PII.ConsentRegistry, pol.Annotation.Roster, pol.Annotation.SpotChecks = "", "", ""
	// corpusgen records name the demo's sources: use its registry.
	reg, err := schemas.LoadSources(filepath.Join(filepath.Dir(file), "..", "fixtures", "demo", "sources.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	ds := schemas.DatasetConfig{Name: "bench", Inputs: []schemas.InputConfig{{Prefix: "bench/"}},
		Fields: map[string]schemas.FieldSpec{"licence": {"license"}, "subject_id": {"user_id"}, "user_agent": {"crawler_ua"}, "language": {"lang"}}}
	build := catalog.Build
	switch set {
	case "none":
		build = func(context.Context, stages.Env) ([]stages.Stage, error) { return nil, nil }
	case "no-quality":
		build = func(ctx context.Context, env stages.Env) ([]stages.Stage, error) {
			all, err := catalog.Build(ctx, env)
			var out []stages.Stage
			for _, s := range all {
				if s.Name() != "quality" {
					out = append(out, s)
				}
			}
			return out, err
		}
	}
	return Options{Logger: slog.New(slog.DiscardHandler), Config: &schemas.Config{Version: 1, Work: filepath.Join(root, "work"),
		Datasets: []schemas.DatasetConfig{ds}}, Policy: pol, Sources: reg, Input: in, Output: out, Stages: build}
}

// BenchmarkRun measures a whole run (read, stages, seal) of a generated
// corpus (-run.size, default 64 MB, in -run.parts objects) with one worker: with no stages, with every stage but
// quality, and with all stages (the quality metrics pass's cost is the
// difference of the last two).
func BenchmarkRun(b *testing.B) {
	for _, tc := range []struct {
		name string
		set  string
	}{{"read+seal", "none"}, {"no-quality", "no-quality"}, {"all-stages", "all"}} {
		b.Run(tc.name, func(b *testing.B) {
			root := b.TempDir()
			size := benchCorpus(b, filepath.Join(root, "in"), *benchSize, *benchParts)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_ = os.RemoveAll(filepath.Join(root, "work"))
				opts := benchOptions(b, root, tc.set)
				opts.Workers = 1
				b.StartTimer()
				if _, err := Run(context.Background(), opts); err != nil && !isGate(err) {
					b.Fatal(err)
				}
			}
		})
	}
}

func isGate(err error) bool { return errors.Is(err, ErrGate) }
