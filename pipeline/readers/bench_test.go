package readers

import (
	"bytes"
	"context"
	"sync"
	"testing"

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
}

func BenchmarkJSONL(b *testing.B) {
	data := benchCorpus()
	benchRead(b, "corpus.jsonl", data, len(data), benchFields())
}

func BenchmarkJSONLGzip(b *testing.B) {
	data := benchCorpus()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	benchRead(b, "corpus.jsonl.gz", buf.Bytes(), len(data), benchFields())
}

func BenchmarkJSONLZstd(b *testing.B) {
	data := benchCorpus()
	zw, _ := zstd.NewWriter(nil)
	z := zw.EncodeAll(data, nil)
	benchRead(b, "corpus.jsonl.zst", z, len(data), benchFields())
}
