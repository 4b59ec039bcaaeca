package export

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
)

// ledgerVersion writes n JSONL records into a local input store, ingests
// them into a fresh ledger (every 5th quarantined), seals the version and
// returns it with the store and ledger.
func ledgerVersion(t *testing.T, n int) (*Version, objstore.Store, *lineage.Ledger) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	in, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "in"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&buf, "{\"id\": \"r%d\", \"body\": \"record number %d\"}\n", i, i)
	}
	if _, err := in.Put(ctx, "data/a.jsonl", bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Fatal(err)
	}
	priv, pub, err := lineage.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	led, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/ledger",
		SigningKey: priv, PublicKey: pub, GCInterval: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := led.Close(); err != nil {
			t.Error(err)
		}
	})
	ds := &schemas.DatasetConfig{Name: "d", Fields: map[string]schemas.FieldSpec{"text": {"body"}, "id": {"id"}},
		Inputs: []schemas.InputConfig{{Prefix: "data/", Source: "s1"}}}
	uri := in.URI("data/a.jsonl")
	var refs []lineage.RecordRef
	var counts schemas.Counts
	err = readers.Read(ctx, readers.Input{URI: uri, Key: "data/a.jsonl", Size: int64(buf.Len()),
		Open: func(ctx context.Context, off, l int64) (io.ReadCloser, error) {
			return in.Get(ctx, "data/a.jsonl", objstore.GetOptions{Offset: off, Length: l})
		}}, readers.Options{Map: new(ds.ReadMap(nil, nil))}, func(r *schemas.Record) error {
		v := schemas.Admit
		if r.Line%5 == 0 {
			v = schemas.Quarantine
		}
		counts.Add(v)
		refs = append(refs, lineage.RecordRef{Digest: r.Digest, Line: r.Line, Verdict: v})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pd := strings.Repeat("b", 64)
	ol, _, err := led.IngestObject(ctx, lineage.ObjectIngested{Dataset: "d", URI: uri, Size: int64(buf.Len()),
		Sources: []string{"s1"}, PolicyDigest: pd, RunID: "run-1"}, refs)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := led.Append(ctx, lineage.RunStarted{RunID: "run-1"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := led.Append(ctx, lineage.DatasetSealed{Dataset: "d", Version: "v1", Digest: strings.Repeat("a", 64),
		Counts: counts, Objects: []uint64{ol}, Sources: []string{"s1"}, RunIDs: []string{"run-1"}}); err != nil {
		t.Fatal(err)
	}
	view, err := led.At(ctx, lineage.AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	di, err := view.Dataset(ctx, "d", "v1")
	if err != nil {
		t.Fatal(err)
	}
	m := &schemas.Manifest{Dataset: "d", Version: "v1", Counts: counts, Records: counts.Admit,
		Inputs: []schemas.InputObject{{URI: uri, Key: "data/a.jsonl", Size: int64(buf.Len()), Format: "jsonl", Source: "s1", Counts: counts}}}
	return &Version{Manifest: m, Dataset: ds, Ledger: &di.Versions[0]}, in, led
}

func TestDrawSample(t *testing.T) {
	ctx := context.Background()
	v, in, led := ledgerVersion(t, 50)
	all, err := DrawSample(ctx, v, SampleOptions{Input: in, Ledger: led, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 40 { // 50 records, every 5th quarantined
		t.Fatalf("all admitted: %d rows, want 40", len(all))
	}
	seen := map[string]bool{}
	for _, r := range all {
		if r.Line%5 == 0 || seen[r.RecordDigest] {
			t.Errorf("row %+v quarantined or repeated", r)
		}
		seen[r.RecordDigest] = true
		if want := fmt.Sprintf("record number %d", r.Line); r.Text != want || r.Source != "s1" || r.RuleID != "TC260-9.2-a" || r.Dataset != "d" {
			t.Errorf("row %+v, want text %q", r, want)
		}
	}
	s1, err := DrawSample(ctx, v, SampleOptions{Input: in, Ledger: led, Seed: 7, N: 10})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := DrawSample(ctx, v, SampleOptions{Input: in, Ledger: led, Seed: 7, N: 10})
	s3, _ := DrawSample(ctx, v, SampleOptions{Input: in, Ledger: led, Seed: 8, N: 10})
	if len(s1) != 10 || fmt.Sprint(s1) != fmt.Sprint(s2) {
		t.Fatalf("not reproducible: %d rows", len(s1))
	}
	if fmt.Sprint(s1) == fmt.Sprint(s3) {
		t.Fatal("another seed drew the same sample")
	}
	// The N-sample is the head of the full sample (bottom-k by keyed hash).
	for i := range s1 {
		if s1[i].RecordDigest != all[i].RecordDigest {
			t.Fatalf("row %d: %s, full sample has %s", i, s1[i].RecordDigest, all[i].RecordDigest)
		}
	}
}

func TestDrawSampleDetectsChangedRecord(t *testing.T) {
	ctx := context.Background()
	v, in, led := ledgerVersion(t, 20)
	var buf bytes.Buffer
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&buf, "{\"id\": \"r%d\", \"body\": \"record NUMBER %d\"}\n", i, i)
	}
	if _, err := in.Put(ctx, "data/a.jsonl", bytes.NewReader(buf.Bytes()), int64(buf.Len())); err != nil {
		t.Fatal(err)
	}
	if _, err := DrawSample(ctx, v, SampleOptions{Input: in, Ledger: led, Seed: 1, N: 3}); !errors.Is(err, ErrChangedRecord) {
		t.Fatalf("changed object: %v", err)
	}
	if _, err := DrawSample(ctx, v, SampleOptions{Input: in, Seed: 1}); !errors.Is(err, ErrNoLedger) {
		t.Fatalf("no ledger: %v", err)
	}
}

func TestSampleRoundTrip(t *testing.T) {
	rows := []SampleRow{
		{Dataset: "d", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: strings.Repeat("1", 64), Object: "s3://b/k", Line: 3, Source: "s", Text: "a, \"quoted\"\nline"},
		{Dataset: "d", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: strings.Repeat("2", 64), Object: "s3://b/k", Line: 9, Source: "s", Text: "中文"},
	}
	for _, f := range []string{FormatJSONL, FormatCSV} {
		t.Run(f, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSample(&buf, rows, f); err != nil {
				t.Fatal(err)
			}
			if got := SniffFormat(buf.Bytes()); got != f {
				t.Errorf("sniffed %s", got)
			}
			back, err := ReadSample(buf.Bytes(), "s", "")
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(back) != fmt.Sprint(rows) {
				t.Fatalf("round trip:\n%+v\n%+v", back, rows)
			}
		})
	}
	if err := WriteSample(io.Discard, rows, "xml"); !errors.Is(err, ErrFormat) {
		t.Fatalf("xml: %v", err)
	}
}

func TestParseVerdicts(t *testing.T) {
	for _, tc := range []struct {
		file    string
		n, pass int
		wantErr error
		line    int
	}{
		{"ok.jsonl", 2, 1, nil, 0},
		{"ok.csv", 2, 1, nil, 0},
		{"annotation.jsonl", 1, 1, nil, 0},
		{"bad-digest.csv", 0, 0, ErrBadVerdicts, 2},
		{"bad-verdict.jsonl", 0, 0, ErrBadVerdicts, 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "verdicts", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			vs, err := ParseVerdicts(b, tc.file, "")
			if tc.wantErr != nil {
				var pe *ParseError
				if !errors.Is(err, tc.wantErr) || !errors.As(err, &pe) || pe.Line != tc.line {
					t.Fatalf("err %v, want %v at line %d", err, tc.wantErr, tc.line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			pass := 0
			for _, v := range vs {
				if v.Pass {
					pass++
				}
				if v.Reviewer == "" || v.Time.IsZero() || len(v.RecordDigest) != 64 {
					t.Errorf("verdict %+v", v)
				}
			}
			if len(vs) != tc.n || pass != tc.pass {
				t.Fatalf("%d verdicts, %d pass; want %d, %d", len(vs), pass, tc.n, tc.pass)
			}
		})
	}
	dup := "{\"record_digest\": \"" + strings.Repeat("1", 64) + "\", \"verdict\": \"pass\", \"reviewer\": \"r\", \"time\": \"2026-01-01\"}\n"
	if _, err := ParseVerdicts([]byte(dup+dup), "dup", ""); !errors.Is(err, ErrBadVerdicts) {
		t.Fatalf("duplicate verdict: %v", err)
	}
	if _, err := ParseVerdicts([]byte(`{"record_digest": 5, "verdict": "pass", "reviewer": "r", "time": "2026-01-01"}`), "num", FormatJSONL); err == nil {
		t.Fatal("numeric digest accepted")
	}
}

func TestAssess(t *testing.T) {
	d := func(c string) string { return strings.Repeat(c, 64) }
	sample := []SampleRow{
		{Dataset: "d", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: d("1")},
		{Dataset: "d", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: d("2")},
		{Dataset: "d", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: d("3")},
		{Dataset: "d", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: d("4")},
	}
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	vs := func(pass ...bool) []Verdict {
		var out []Verdict
		for i, p := range pass {
			out = append(out, Verdict{RecordDigest: d(fmt.Sprint(i + 1)), Pass: p, Reviewer: "r", Time: now, Line: i + 1})
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		verdicts []Verdict
		thr      float64
		minN     int
		pass     bool
		rate     float64
	}{
		{"all pass", vs(true, true, true, true), 0.96, 4, true, 1},
		{"one fail", vs(true, true, true, false), 0.96, 4, false, 0.75},
		{"one fail low threshold", vs(true, true, true, false), 0.7, 4, true, 0.75},
		{"incomplete", vs(true, true, true), 0.96, 3, false, 1},
		{"too small", vs(true, true, true, true), 0.96, 4000, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Assess(sample, []byte("sample"), tc.verdicts, []byte("verdicts"), tc.thr, tc.minN)
			if err != nil {
				t.Fatal(err)
			}
			if a.Pass != tc.pass || a.Rate != tc.rate || a.N != int64(len(tc.verdicts)) {
				t.Fatalf("%+v", a)
			}
			e := a.Entry()
			if e.RuleID != "TC260-9.2-a" || e.Dataset != "d" || e.SampleSHA256 != sha256Hex([]byte("sample")) || e.N != a.N || e.Passed != a.Passed {
				t.Fatalf("entry %+v", e)
			}
		})
	}
	stray := []Verdict{{RecordDigest: d("9"), Pass: true, Reviewer: "r", Time: now, Line: 7}}
	if _, err := Assess(sample, nil, stray, nil, 0.96, 1); !errors.Is(err, ErrNotInSample) {
		t.Fatalf("verdict outside the sample: %v", err)
	}
	mixed := append([]SampleRow{{Dataset: "other", Version: "v1", RuleID: "TC260-9.2-a", RecordDigest: d("5")}}, sample...)
	if _, err := Assess(mixed, nil, nil, nil, 0.96, 1); !errors.Is(err, ErrBadSample) {
		t.Fatalf("mixed sample: %v", err)
	}
}

func TestSpotChecks(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "verdicts", "annotation.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	vs, err := ParseVerdicts(b, "a", "")
	if err != nil {
		t.Fatal(err)
	}
	sc := SpotChecks(vs)
	if len(sc) != 1 || sc[0].ID != "b-1-003" || sc[0].Batch != "b-1" || sc[0].RuleVersion != "safety-v2" || sc[0].Verdict != schemas.ReviewAccept || sc[0].Reviewer != "rev-09" {
		t.Fatalf("%+v", sc)
	}
}

func FuzzParseVerdicts(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "verdicts", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := ParseVerdicts(data, "fuzz", "")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *ParseError: %v", err)
			}
			return
		}
		for _, v := range vs {
			if len(v.RecordDigest) != 64 || v.Reviewer == "" || v.Time.IsZero() {
				t.Fatalf("accepted verdict %+v", v)
			}
		}
	})
}

func FuzzReadSample(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "verdicts", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadSample(data, "fuzz", "")
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteSample(&buf, rows, FormatJSONL); err != nil {
			t.Fatal(err)
		}
		back, err := ReadSample(buf.Bytes(), "again", FormatJSONL)
		if err != nil || fmt.Sprint(back) != fmt.Sprint(rows) {
			t.Fatalf("rewritten sample differs: %v", err)
		}
	})
}
