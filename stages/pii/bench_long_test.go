package pii

import (
	"bytes"
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// longRecords returns n records of the long benchmark corpus
// (provbench gen -shape long): ~2.5 KB documents of Chinese or English
// paragraphs, 3 % with PI, most with a subject id and a consent object,
// and their text's total size.
func longRecords(b *testing.B, n int) ([]*schemas.Record, int) {
	b.Helper()
	var buf bytes.Buffer
	if _, err := corpusgen.WriteJSONLShape(&buf, corpusgen.ShapeLong, int64(n)*2600, 21); err != nil {
		b.Fatal(err)
	}
	var recs []*schemas.Record
	total := 0
	for line := range bytes.Lines(buf.Bytes()) {
		var g struct {
			Text      string          `json:"text"`
			Subject   string          `json:"user_id"`
			Consent   json.RawMessage `json:"consent"`
			FetchedAt string          `json:"fetched_at"`
		}
		if err := json.Unmarshal(line, &g); err != nil {
			b.Fatal(err)
		}
		r := &schemas.Record{Source: "chats"}
		r.Set(schemas.FieldText, g.Text)
		r.Set(schemas.FieldFetchedAt, g.FetchedAt)
		if g.Subject != "" {
			r.Set(schemas.FieldSubject, g.Subject)
			r.Set(schemas.FieldConsent, string(g.Consent))
		}
		total += len(g.Text)
		if recs = append(recs, r); len(recs) == n {
			break
		}
	}
	if len(recs) < n {
		b.Fatalf("the generator wrote %d records, want %d", len(recs), n)
	}
	return recs, total
}

// BenchmarkCheckLong measures the stage per byte of text on long mixed
// zh/en documents (the long benchmark corpus's shape).
func BenchmarkCheckLong(b *testing.B) {
	s := newBenchStage(b)
	recs, total := longRecords(b, 1024)
	st := s.NewState()
	b.SetBytes(int64(total / len(recs)))
	b.ReportAllocs()
	var out stages.Outcome
	i := 0
	start := processCPU()
	for b.Loop() {
		if i%25000 == 0 && i > 0 {
			st = s.NewState()
		}
		out.Reset()
		s.Check(recs[i%len(recs)], st, &out)
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

// BenchmarkMarkerFindLong scans the long corpus's documents that have a
// subject id (those the stage scans for marker words) for the default
// marker words, testing three bytes at every second position (what the
// stage does) and the byte pair at each position (the scan before).
func BenchmarkMarkerFindLong(b *testing.B) {
	ws := defaultMarkerSet()
	if !ws.tri3 {
		b.Fatal("the default marker words are not found by their first three bytes")
	}
	every := *ws
	every.tri3 = false
	recs, _ := longRecords(b, 2048)
	var texts []string
	total := 0
	for _, r := range recs {
		if _, ok := r.Get(schemas.FieldSubject); ok {
			texts = append(texts, r.Text())
			total += len(r.Text())
		}
	}
	for _, v := range []struct {
		name string
		ws   *wordSet
	}{{"tri", ws}, {"pair", &every}} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(total))
			for b.Loop() {
				for _, t := range texts {
					v.ws.find(t)
				}
			}
		})
	}
}
