package pipeline

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/prov-ai/prov/pipeline/objstore"
	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/catalog"
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

func benchOptions(b *testing.B, root string, full bool) Options {
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
	ds := schemas.DatasetConfig{Name: "bench", Inputs: []schemas.InputConfig{{Prefix: "bench/", Source: "bench-web"}},
		Fields: map[string]string{"licence": "license", "subject_id": "user_id", "user_agent": "crawler_ua", "language": "lang"}}
	reg := &schemas.SourceRegistry{Sources: []schemas.Source{{ID: "bench-web", Channel: schemas.ChannelOpenSource,
		LegalBasis: "licence", Origin: "domestic", Languages: []string{"zh", "en"}, Licence: "CC-BY-4.0",
		LicenceEvidence: "https://creativecommons.org/licenses/by/4.0/legalcode"}}}
	build := catalog.Build
	if !full {
		build = func(context.Context, stages.Env) ([]stages.Stage, error) { return nil, nil }
	}
	return Options{Logger: slog.New(slog.DiscardHandler), Config: &schemas.Config{Version: 1, Work: filepath.Join(root, "work"),
		Datasets: []schemas.DatasetConfig{ds}}, Policy: pol, Sources: reg, Input: in, Output: out, Stages: build}
}

// BenchmarkRun measures a whole run (read, all stages, seal) of a 64 MB
// corpus in 8 objects with one worker, against the same run with no stages.
func BenchmarkRun(b *testing.B) {
	for _, tc := range []struct {
		name string
		full bool
	}{{"read+seal", false}, {"all-stages", true}} {
		b.Run(tc.name, func(b *testing.B) {
			root := b.TempDir()
			size := benchCorpus(b, filepath.Join(root, "in"), 64<<20, 8)
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				_ = os.RemoveAll(filepath.Join(root, "work"))
				opts := benchOptions(b, root, tc.full)
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
