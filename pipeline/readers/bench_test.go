package readers

import (
	"bytes"
	"context"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
)

// benchFields maps the five fields the JSONL benchmark pulls.
func benchFields() Options {
	var o Options
	o.Fields[schemas.FieldText] = "text"
	o.Fields[schemas.FieldID] = "id"
	o.Fields[schemas.FieldURL] = "url"
	o.Fields[schemas.FieldLicence] = "license"
	o.Fields[schemas.FieldConsent] = "consent"
	return o
}

var benchCorpus = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	if _, err := corpusgen.WriteJSONL(&buf, 16<<20, 1); err != nil {
		return nil
	}
	return buf.Bytes()
})

func benchRead(b *testing.B, key string, data []byte, rawSize int, opts Options) {
	b.Helper()
	b.SetBytes(int64(rawSize))
	b.ReportAllocs()
	m := &memObject{data: data}
	in := m.input("mem://bench/"+key, key)
	var n int
	cpu0 := cpuTime()
	for b.Loop() {
		n = 0
		err := Read(context.Background(), in, opts, func(r *schemas.Record) error {
			if r.Err != nil {
				b.Fatalf("unexpected error record: %v", r.Err)
			}
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "records/op")
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	// MB per CPU-second (user + system of the process, GC included): on a
	// shared machine it moves far less than MB/s, which is per wall second.
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(rawSize)*float64(b.N)/cpu.Seconds()/1e6, "MB/cpu-s")
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkJSONL(b *testing.B) {
	data := benchCorpus()
	benchRead(b, "corpus.jsonl", data, len(data), benchFields())
}

func BenchmarkJSONLGzip(b *testing.B) {
	data := benchCorpus()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	benchRead(b, "corpus.jsonl.gz", buf.Bytes(), len(data), benchFields())
}

func BenchmarkJSONLZstd(b *testing.B) {
	data := benchCorpus()
	zw, _ := zstd.NewWriter(nil)
	z := zw.EncodeAll(data, nil)
	benchRead(b, "corpus.jsonl.zst", z, len(data), benchFields())
}

// benchColumnar converts the benchmark corpus to Parquet or Arrow IPC with
// the five benchmark fields as string columns.
func benchColumnar(b *testing.B, format string) []byte {
	b.Helper()
	data := benchCorpus()
	opts := benchFields()
	recs := readBytes(b, "c.jsonl", data, opts)
	names := []string{"id", "text", "url", "license", "consent"}
	fieldOf := []schemas.Field{schemas.FieldID, schemas.FieldText, schemas.FieldURL, schemas.FieldLicence, schemas.FieldConsent}
	fs := make([]arrow.Field, len(names))
	for i, n := range names {
		fs[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	sc := arrow.NewSchema(fs, nil)
	var buf bytes.Buffer
	var pw *pqarrow.FileWriter
	var aw *ipc.FileWriter
	var err error
	if format == "parquet" {
		pw, err = pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(64<<10), parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.DefaultWriterProps())
	} else {
		aw, err = ipc.NewFileWriter(&buf, ipc.WithSchema(sc))
	}
	if err != nil {
		b.Fatal(err)
	}
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	for start := 0; start < len(recs); start += columnarBatchRows {
		for _, r := range recs[start:min(start+columnarBatchRows, len(recs))] {
			for i, f := range fieldOf {
				if v, ok := r.Get(f); ok {
					bld.Field(i).(*array.StringBuilder).Append(v)
				} else {
					bld.Field(i).AppendNull()
				}
			}
		}
		rb := bld.NewRecordBatch()
		if pw != nil {
			err = pw.Write(rb)
		} else {
			err = aw.Write(rb)
		}
		rb.Release()
		if err != nil {
			b.Fatal(err)
		}
	}
	if pw != nil {
		err = pw.Close()
	} else {
		err = aw.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkParquet reports MB/s of Parquet file bytes (snappy).
func BenchmarkParquet(b *testing.B) {
	data := benchColumnar(b, "parquet")
	benchRead(b, "corpus.parquet", data, len(data), benchFields())
}

// BenchmarkArrow reports MB/s of Arrow IPC file bytes (uncompressed).
func BenchmarkArrow(b *testing.B) {
	data := benchColumnar(b, "arrow")
	benchRead(b, "corpus.arrow", data, len(data), benchFields())
}

// BenchmarkText reads one 1 MiB Chinese text file per iteration.
func BenchmarkText(b *testing.B) {
	data := bytes.Repeat([]byte("训练数据的来源应当合法，不得侵害他人依法享有的知识产权。\n"), 1<<20/84)
	benchRead(b, "doc.md", data, len(data), Options{})
}
