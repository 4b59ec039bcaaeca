package quality

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// longRecords builds n records of the long benchmark corpus's shape: ~2.5
// KB documents of Chinese or English paragraphs (mixedDocuments), with
// URLs, no declared language.
func longRecords(n int) ([]*schemas.Record, int) {
	var recs []*schemas.Record
	total := 0
	for i, d := range mixedDocuments(n, 21) {
		r := mkRecord(fmt.Sprint(i), []string{"web", "books"}[i%2], d, fmt.Sprintf("https://www.site%d.com.cn/a/%d", i%500, i))
		total += len(d)
		recs = append(recs, r)
	}
	return recs, total
}

// BenchmarkCheckLong measures Check per byte of text on long mixed zh/en
// documents as a run of the long corpus sees them: a fresh stage (sample
// gate) every 50000 records (one 128 MB run), a fresh state every 25000
// (one 64 MB object), every record distinct.
func BenchmarkCheckLong(b *testing.B) {
	recs, total := longRecords(1024)
	b.SetBytes(int64(total / len(recs)))
	b.ReportAllocs()
	var s *Stage
	var st stages.State
	var out stages.Outcome
	i := 0
	start := cpuTime()
	for b.Loop() {
		if i%50000 == 0 {
			b.StopTimer()
			s = newTestStage(b, schemas.QualityPolicy{})
			b.StartTimer()
		}
		if i%25000 == 0 {
			st = s.NewState()
		}
		r := recs[i%len(recs)]
		binary.LittleEndian.PutUint64(r.Digest[:8], uint64(i))
		out.Reset()
		s.Check(r, st, &out)
		i++
	}
	reportCPU(b, start, total/len(recs))
}

// BenchmarkConcludeLong measures Conclude on the full default sample of a
// 50000-record run of long documents, per byte of the run's text.
func BenchmarkConcludeLong(b *testing.B) {
	const n = 50000
	s, st, size := filledLongState(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		var c stages.Conclusion
		if err := s.Conclude(st, &c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStateEncodeLong measures MarshalBinary of one object's state
// (25000 long records), per byte of the object's text.
func BenchmarkStateEncodeLong(b *testing.B) {
	const n = 25000
	_, st, size := filledLongState(b, n)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.(*State).MarshalBinary(); err != nil {
			b.Fatal(err)
		}
	}
}

// filledLongState returns a stage with default policy and a state that
// has checked n distinct long records, and the records' text size.
func filledLongState(b *testing.B, n int) (*Stage, stages.State, int64) {
	b.Helper()
	recs, total := longRecords(1024)
	s := newTestStage(b, schemas.QualityPolicy{})
	st := s.NewState()
	var out stages.Outcome
	for i := range n {
		r := recs[i%len(recs)]
		binary.LittleEndian.PutUint64(r.Digest[:8], uint64(i))
		out.Reset()
		s.Check(r, st, &out)
	}
	return s, st, int64(total / len(recs) * n)
}
