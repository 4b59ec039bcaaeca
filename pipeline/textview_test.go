package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
)

// TestMain runs every test of the package with the records' texts viewed
// as the pipeline views them, and overwritten once their record is done
// (readers.TextViewedPoisoned): a stage or the pipeline keeping any part of
// a text past its record changes a test's figures.
func TestMain(m *testing.M) {
	textMode = readers.TextViewedPoisoned
	os.Exit(m.Run())
}

// TestTextViewChangesNothing runs every stage of the demo policy over
// generated corpora of both shapes twice, with the texts copied and with
// the texts viewed and overwritten after each record, and compares what
// the runs publish: dataset digest and counts, findings, metrics and
// duplicates.
func TestTextViewChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("runs all stages over 4 MB")
	}
	defer func(m readers.TextMode) { textMode = m }(textMode)
	for _, shape := range []corpusgen.Shape{corpusgen.ShapeShort, corpusgen.ShapeLong} {
		root := t.TempDir()
		for i := 0; i < 2; i++ {
			p := filepath.Join(root, "in", "bench", fmt.Sprintf("part-%03d.jsonl", i))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.Create(p)
			if err != nil {
				t.Fatal(err)
			}
			w := bufio.NewWriter(f)
			if _, err := corpusgen.WriteJSONLShape(w, shape, 1<<20, int64(i+1)); err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			_ = f.Close()
		}
		type result struct {
			ds       DatasetResult
			findings []schemas.Finding
			metrics  []byte
			dups     []byte
		}
		run := func(mode readers.TextMode, name string) result {
			textMode = mode
			opts := benchOptions(t, root, "all")
			out := filepath.Join(root, "out-"+name)
			st, err := objstore.Open(context.Background(), "file://"+out, schemas.S3Config{})
			if err != nil {
				t.Fatal(err)
			}
			opts.Output, opts.Config.Work, opts.Workers = st, filepath.Join(root, "work-"+name), 1
			res, err := Run(context.Background(), opts)
			if err != nil && !isGate(err) {
				t.Fatalf("shape %d, %s: %v", shape, name, err)
			}
			ds := res.Datasets[0]
			dir := filepath.Join(out, "bench", ds.Version)
			r := result{ds: ds, findings: readFindings(t, filepath.Join(dir, "findings.parquet"))}
			if r.metrics, err = os.ReadFile(filepath.Join(dir, "metrics.parquet")); err != nil {
				t.Fatal(err)
			}
			if r.dups, err = os.ReadFile(filepath.Join(dir, "duplicates.parquet")); err != nil {
				t.Fatal(err)
			}
			return r
		}
		copied := run(readers.TextCopied, "copied")
		viewed := run(readers.TextViewedPoisoned, "viewed")
		if copied.ds.Digest != viewed.ds.Digest || copied.ds.Counts != viewed.ds.Counts {
			t.Fatalf("shape %d: copied %s %+v, viewed %s %+v", shape, copied.ds.Digest, copied.ds.Counts, viewed.ds.Digest, viewed.ds.Counts)
		}
		if len(copied.findings) == 0 || !reflect.DeepEqual(copied.findings, viewed.findings) {
			t.Fatalf("shape %d: %d findings copied, %d viewed, or they differ", shape, len(copied.findings), len(viewed.findings))
		}
		if !bytes.Equal(copied.metrics, viewed.metrics) || !bytes.Equal(copied.dups, viewed.dups) {
			t.Fatalf("shape %d: metrics or duplicates differ", shape)
		}
	}
}
