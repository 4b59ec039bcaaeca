package licence

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// codeCorpus loads up to max bytes of real source files: the Go standard
// library (BSD-style headers) and this repository's dev-set code files.
func codeCorpus(b *testing.B, max int) []*schemas.Record {
	b.Helper()
	var recs []*schemas.Record
	total := 0
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Fatalf("go env GOROOT: %v", err)
	}
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || total >= max {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, ".c") && !strings.HasSuffix(path, ".s") {
			return nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		recs = append(recs, rec("code-mit", "", string(text)))
		total += len(text)
		return nil
	})
	if len(recs) == 0 {
		b.Skip("no source files under GOROOT")
	}
	return recs
}

func benchStage(b *testing.B, cold bool) {
	recs := codeCorpus(b, 8<<20)
	s := newStage(b, testEnv("commercial", nil))
	st := s.NewState()
	var out stages.Outcome
	var n int64
	for _, r := range recs {
		n += int64(len(r.Text()))
	}
	Detect([]byte("Licensed under the MIT License"))
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		if cold {
			clearCaches()
		}
		for _, r := range recs {
			out.Reset()
			s.Check(r, st, &out)
		}
	}
	b.ReportMetric(float64(len(recs)*b.N)/b.Elapsed().Seconds(), "records/s")
	// On a shared machine wall time includes waiting for a core; bytes per
	// CPU-second of this process is the one-core throughput.
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

// cpuSeconds is the user+system CPU time of this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkStage measures the stage over code files on one core (run with
// -cpu 1): licence headers repeat across files, so text matches are mostly
// served from the header cache.
func BenchmarkStage(b *testing.B) { benchStage(b, false) }

// BenchmarkStageColdCache is BenchmarkStage with the header cache cleared
// before every pass: within one pass only identical headers hit.
func BenchmarkStageColdCache(b *testing.B) { benchStage(b, true) }

// BenchmarkDetectLicenceTexts measures Detect on full licence texts, the
// worst case (every text matched whole, caches cleared).
func BenchmarkDetectLicenceTexts(b *testing.B) {
	files, _ := filepath.Glob("testdata/devset/texts/*.txt")
	var texts [][]byte
	var n int64
	for _, f := range files {
		t, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, t)
		n += int64(len(t))
	}
	Detect(texts[0])
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		clearCaches()
		for _, t := range texts {
			Detect(t)
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

func clearCaches() {
	for _, c := range []*matchCache{scanCache, phraseCache} {
		c.Lock()
		clear(c.m)
		c.Unlock()
	}
}

// gorootSources reads every regular file under $(go env GOROOT)/src.
func gorootSources(b *testing.B) ([][]byte, int64) {
	b.Helper()
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Fatalf("go env GOROOT: %v", err)
	}
	var files [][]byte
	var n int64
	root := filepath.Join(strings.TrimSpace(string(goroot)), "src")
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		text, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		files = append(files, text)
		n += int64(len(text))
		return nil
	})
	if err != nil || len(files) == 0 {
		b.Skipf("no sources under %s: %v", root, err)
	}
	return files, n
}

// BenchmarkDetectGoroot runs Detect over every file of the Go standard
// library's sources (a BSD header in nearly every file), as `prov detect
// licence $(go env GOROOT)/src` does without the file reads; MB/cpu-s is
// the one-core throughput (issue 17: at least 100). The caches start
// empty in every pass.
func BenchmarkDetectGoroot(b *testing.B) {
	files, n := gorootSources(b)
	Detect([]byte("Licensed under the MIT License"))
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		clearCaches()
		for _, f := range files {
			Detect(f)
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

// BenchmarkStageGoroot is BenchmarkDetectGoroot through the licence stage
// (what `prov run` does per record: declared licences, conflicts, verdict).
func BenchmarkStageGoroot(b *testing.B) {
	files, n := gorootSources(b)
	recs := make([]*schemas.Record, len(files))
	for i, f := range files {
		recs[i] = rec("code-mit", "", string(f))
	}
	s := newStage(b, testEnv("commercial", nil))
	st := s.NewState()
	var out stages.Outcome
	Detect([]byte("Licensed under the MIT License"))
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		clearCaches()
		for _, r := range recs {
			out.Reset()
			s.Check(r, st, &out)
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

// longDocuments returns the texts of about size bytes of the long
// benchmark corpus (provbench gen -shape long): ~2.5 KB documents mixing
// Chinese and English paragraphs, some quoting a GPL sentence.
func longDocuments(b *testing.B, size int64) [][]byte {
	b.Helper()
	var buf bytes.Buffer
	if _, err := corpusgen.WriteJSONLShape(&buf, corpusgen.ShapeLong, size, 1); err != nil {
		b.Fatal(err)
	}
	var docs [][]byte
	for line := range bytes.Lines(buf.Bytes()) {
		var r struct{ Text string }
		if err := json.Unmarshal(line, &r); err != nil {
			b.Fatal(err)
		}
		docs = append(docs, []byte(r.Text))
	}
	return docs
}

// BenchmarkDetectLong: Detect on documents shaped like the long
// benchmark corpus (MB/s of text; caches warm, as in a run).
func BenchmarkDetectLong(b *testing.B) {
	docs := longDocuments(b, 16<<20)
	total := 0
	for _, d := range docs {
		total += len(d)
	}
	b.SetBytes(int64(total))
	for b.Loop() {
		for _, d := range docs {
			Detect(d)
		}
	}
}

// corpusRecords returns the records of about size bytes of a benchmark
// corpus shape (provbench gen): their text and declared licence, from
// the self-collected source.
func corpusRecords(b *testing.B, shape corpusgen.Shape, size int64) ([]*schemas.Record, int64) {
	b.Helper()
	var buf bytes.Buffer
	if _, err := corpusgen.WriteJSONLShape(&buf, shape, size, 1); err != nil {
		b.Fatal(err)
	}
	var recs []*schemas.Record
	var n int64
	for line := range bytes.Lines(buf.Bytes()) {
		var r struct{ Text, License string }
		if err := json.Unmarshal(line, &r); err != nil {
			b.Fatal(err)
		}
		recs = append(recs, rec("crawl", r.License, r.Text))
		n += int64(len(r.Text))
	}
	return recs, n
}

// benchStageShape measures the stage over records of a benchmark corpus
// shape on one core (MB/s of text, b.SetBytes; caches warm, as in a run).
func benchStageShape(b *testing.B, shape corpusgen.Shape) {
	recs, n := corpusRecords(b, shape, 8<<20)
	s := newStage(b, testEnv("commercial", nil))
	st := s.NewState()
	var out stages.Outcome
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuSeconds()
	for i := 0; i < b.N; i++ {
		for _, r := range recs {
			out.Reset()
			s.Check(r, st, &out)
		}
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu/1e6, "MB/cpu-s")
	}
}

// BenchmarkStageLong: the stage on the long corpus shape (~2.5 KB
// documents mixing Chinese and English paragraphs, some quoting a GPL
// sentence or naming a licence in prose).
func BenchmarkStageLong(b *testing.B) { benchStageShape(b, corpusgen.ShapeLong) }

// BenchmarkStageShort: the stage on the short corpus shape (~1.2 KB
// records, Chinese or English, 3 % with a licence or copyright header).
func BenchmarkStageShort(b *testing.B) { benchStageShape(b, corpusgen.ShapeShort) }

// coldBuf stands for the data the other stages of a run touch between two
// records of the licence stage.
var coldBuf = make([]uint64, 1<<18) // 2 MB

func touchColdBuf() {
	for i := 0; i < len(coldBuf); i += 8 {
		coldBuf[i]++
	}
}

// BenchmarkStageLongCold: BenchmarkStageLong with 2 MB written between
// records, as the other stages of `prov run` evict the stage's tables
// (harsher than a run: about 2× the warm CPU per record, where a run
// shows about 1.2×); MB/cpu-s and cpu-ns/rec count the stage only (the
// writes alone are timed and subtracted).
func BenchmarkStageLongCold(b *testing.B) {
	recs, n := corpusRecords(b, corpusgen.ShapeLong, 4<<20)
	s := newStage(b, testEnv("commercial", nil))
	st := s.NewState()
	var out stages.Outcome
	var with, alone float64
	for b.Loop() {
		c0 := cpuSeconds()
		for _, r := range recs {
			touchColdBuf()
			out.Reset()
			s.Check(r, st, &out)
		}
		c1 := cpuSeconds()
		for range recs {
			touchColdBuf()
		}
		with, alone = with+c1-c0, alone+cpuSeconds()-c1
	}
	if cpu := with - alone; cpu > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/cpu/1e6, "MB/cpu-s")
		b.ReportMetric(cpu/float64(b.N)/float64(len(recs))*1e9, "cpu-ns/rec")
	}
}
