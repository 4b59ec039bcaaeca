package lineage

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
)

var benchRecords = flag.Int("lineage.records", 10_000_000, "records in the BenchmarkLedger10M ledger")

const benchPerObject = 10_000

// benchObject returns the record refs of synthetic object i: random
// digests, every 50th record with a subject key; 50 subjects per object
// (i*50 .. i*50+49), 4 records each.
func benchObject(l *Ledger, i, n int) []RecordRef {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	recs := make([]RecordRef, n)
	for j := range recs {
		var d schemas.Digest
		for k := 0; k < 32; k += 8 {
			binary.LittleEndian.PutUint64(d[k:], r.Uint64())
		}
		recs[j] = RecordRef{Digest: d, Line: int64(j + 1)}
		if j%50 == 0 {
			recs[j].Subjects = []string{l.SubjectKey("email", fmt.Sprintf("user%d@example.com", i*50+(j/50)%50))}
			recs[j].Verdict = schemas.Redact
		}
	}
	return recs
}

func benchURI(i int) string { return fmt.Sprintf("s3://bench/corpus/part-%06d.jsonl", i) }

// ingestObjects ingests objects [from, to) with `workers` goroutines, as
// pipeline workers would.
func ingestObjects(b *testing.B, l *Ledger, from, to, perObject, workers int) {
	ctx := context.Background()
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				recs := benchObject(l, i, perObject)
				_, _, err := l.IngestObject(ctx, ObjectIngested{Dataset: "bench", URI: benchURI(i), Size: int64(perObject) * 200,
					Sources: []string{fmt.Sprintf("src-%d", i%8)}, PolicyDigest: "p1"}, recs)
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := from; i < to; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// BenchmarkIngestObject ingests objects of 10,000 record refs; MB/s counts
// 32 digest bytes per record.
func BenchmarkIngestObject(b *testing.B) {
	cfg := testConfig(b)
	l := openTest(b, cfg)
	b.ReportAllocs()
	b.SetBytes(benchPerObject * 32)
	b.ResetTimer()
	start := time.Now()
	ingestObjects(b, l, 0, b.N, benchPerObject, runtime.GOMAXPROCS(0))
	b.ReportMetric(float64(b.N*benchPerObject)/time.Since(start).Seconds(), "records/s")
}

func dirSize(dir string) int64 {
	var n int64
	// The callback skips unreadable entries and never fails, so WalkDir
	// returns nil.
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

func percentile(d []time.Duration, p float64) time.Duration {
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkLedger10M builds a ledger of -lineage.records record refs
// (default 10 million, objects of 10,000) once, reports ingest records/s
// and disk bytes per record, then the p50/p99 latency of record, object and
// subject lookups. Run it alone: go test -run '^$' -bench Ledger10M
// -benchtime 1x ./lineage/
func BenchmarkLedger10M(b *testing.B) {
	cfg := testConfig(b)
	l := openTest(b, cfg)
	ctx := context.Background()
	objects := *benchRecords / benchPerObject
	b.ReportAllocs()
	b.SetBytes(int64(objects) * benchPerObject * 32)
	start := time.Now()
	ingestObjects(b, l, 0, objects, benchPerObject, runtime.GOMAXPROCS(0))
	el := time.Since(start)
	recs := float64(objects * benchPerObject)
	b.ReportMetric(recs/el.Seconds(), "ingest-records/s")
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(dirSize(cfg.Dir))/recs, "disk-B/record")
	l = openTest(b, cfg)
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		b.Fatal(err)
	}
	const lookups = 2000
	r := rand.New(rand.NewPCG(7, 7))
	var recLat, objLat, subLat []time.Duration
	for range b.N {
		for range lookups {
			i := r.IntN(objects)
			refs := benchObject(l, i, 50) // the first 50 records of object i are deterministic
			d := refs[r.IntN(50)].Digest
			t0 := time.Now()
			ri, err := v.Record(ctx, d)
			recLat = append(recLat, time.Since(t0))
			if err != nil || len(ri.Occurrences) != 1 {
				b.Fatalf("record lookup: %v", err)
			}
			t0 = time.Now()
			if _, err := v.Object(ctx, benchURI(i)); err != nil {
				b.Fatal(err)
			}
			objLat = append(objLat, time.Since(t0))
			t0 = time.Now()
			if _, err := v.Subject(ctx, l.SubjectKey("email", fmt.Sprintf("user%d@example.com", i*50+r.IntN(50)))); err != nil {
				b.Fatal(err)
			}
			subLat = append(subLat, time.Since(t0))
		}
	}
	for _, m := range []struct {
		name string
		d    []time.Duration
	}{{"record", recLat}, {"object", objLat}, {"subject", subLat}} {
		b.ReportMetric(float64(percentile(m.d, 0.50).Microseconds()), m.name+"-p50-µs")
		b.ReportMetric(float64(percentile(m.d, 0.99).Microseconds()), m.name+"-p99-µs")
	}
	if testing.Verbose() {
		b.Logf("ingest %v for %.0f records", el, recs)
	}
}
