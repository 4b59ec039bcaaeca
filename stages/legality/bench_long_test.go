package legality

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// longTexts returns the texts of about size bytes of the long benchmark
// corpus (provbench gen -shape long): ~2.5 KB documents of Chinese or
// English paragraphs.
func longTexts(b *testing.B, size int64) []string {
	b.Helper()
	var buf bytes.Buffer
	if _, err := corpusgen.WriteJSONLShape(&buf, corpusgen.ShapeLong, size, 21); err != nil {
		b.Fatal(err)
	}
	var texts []string
	for line := range bytes.Lines(buf.Bytes()) {
		var r struct{ Text string }
		if err := json.Unmarshal(line, &r); err != nil {
			b.Fatal(err)
		}
		texts = append(texts, r.Text)
	}
	return texts
}

// BenchmarkCheckLong measures the stage per byte of text on long mixed
// zh/en documents from a crawl, a vendor and an open-source source, the
// harmful sample at the default 4000 per source, a fresh state every
// 25000 records (one 64 MB object of the long corpus).
func BenchmarkCheckLong(b *testing.B) {
	p := testPolicy()
	p.Legality.Harmful.SampleSize = 4000
	s := newTestStage(b, p)
	var recs []*schemas.Record
	var total int
	for i, text := range longTexts(b, 2600<<10)[:1024] {
		total += len(text)
		var r *schemas.Record
		switch i % 3 {
		case 0:
			r = rec("web", "text", text, "url", fmt.Sprintf("https://news.example.com/a/%d.html", i),
				"fetched_at", "2024-03-01T10:00:00Z", "user_agent", "ProvBot/1.0")
		case 1:
			r = rec("vendor", "text", text, "licence", "LicenseRef-vendor")
		default:
			r = rec("oss", "text", text, "licence", "CC-BY-SA-4.0", "url", fmt.Sprintf("https://wiki.example.org/w/%d", i))
		}
		recs = append(recs, r)
	}
	b.SetBytes(int64(total / len(recs)))
	b.ReportAllocs()
	st := s.NewState()
	var out stages.Outcome
	i := 0
	start := processCPU()
	for b.Loop() {
		if i%25000 == 0 && i > 0 {
			st = s.NewState()
		}
		r := recs[i%len(recs)]
		binary.LittleEndian.PutUint64(r.Digest[:8], uint64(i)) // a distinct record
		out.Reset()
		s.Check(r, st, &out)
		i++
	}
	if d := processCPU() - start; d > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// processCPU is the process's user+system CPU time: on a shared machine
// cpu-ns/op varies far less than ns/op (run with -cpu 1).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
