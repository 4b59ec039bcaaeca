package readers

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/schemas"
)

// TestJSONLMeta: keys named AIGC (any depth, any ASCII case, object or
// string) outside the mapped fields land in Record.Meta; null does not;
// the digest ignores them.
func TestJSONLMeta(t *testing.T) {
	data := strings.Join([]string{
		`{"text":"a","AIGC":{"Label":"1", "ContentProducer":"P"}}`,
		`{"text":"a","meta":{"x":[{"aigc":"{\"Label\":\"1\"}"}]}}`,
		`{"text":"a","AIGC":null,"other":{"AIGCX":1}}`,
		`{"text":"a","labels":{"AIGC":{"Label":"2"}}}`,
	}, "\n")
	recs := readBytes(t, "x.jsonl", []byte(data), demoFields())
	want := [][]schemas.MetaValue{
		{{Where: "json", Key: "AIGC", Value: `{"Label":"1","ContentProducer":"P"}`}},
		{{Where: "json", Key: "aigc", Value: `{"Label":"1"}`}},
		nil,
		{{Where: "json", Key: "AIGC", Value: `{"Label":"2"}`}},
	}
	for i, r := range recs {
		if r.Err != nil {
			t.Fatalf("line %d: %v", r.Line, r.Err)
		}
		if len(r.Meta) != len(want[i]) {
			t.Fatalf("line %d: meta %+v, want %+v", r.Line, r.Meta, want[i])
		}
		for k := range r.Meta {
			if r.Meta[k] != want[i][k] {
				t.Errorf("line %d: meta %+v, want %+v", r.Line, r.Meta[k], want[i][k])
			}
		}
		if r.Digest != recs[0].Digest && i != 3 {
			t.Errorf("line %d: digest depends on unmapped metadata", r.Line)
		}
	}
}

// TestColumnarMeta: an AIGC entry of Parquet or Arrow IPC key-value
// metadata is given to every row.
func TestColumnarMeta(t *testing.T) {
	label := `{"Label":"1","ContentProducer":"PQ"}`
	type row struct {
		Text string `parquet:"text"`
	}
	var pq bytes.Buffer
	w := parquet.NewGenericWriter[row](&pq, parquet.KeyValueMetadata("AIGC", label))
	if _, err := w.Write([]row{{"a"}, {"b"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	md := arrow.NewMetadata([]string{"aigc"}, []string{label})
	sc := arrow.NewSchema([]arrow.Field{{Name: "text", Type: arrow.BinaryTypes.String}}, &md)
	b := array.NewStringBuilder(memory.DefaultAllocator)
	b.AppendValues([]string{"a", "b"}, nil)
	col := b.NewArray()
	batch := array.NewRecordBatch(sc, []arrow.Array{col}, 2)
	var ar bytes.Buffer
	fw, err := ipc.NewFileWriter(&ar, ipc.WithSchema(sc))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(batch); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key, where string
		data       []byte
	}{{"x.parquet", FormatParquet, pq.Bytes()}, {"x.arrow", FormatArrow, ar.Bytes()}} {
		var opts Options
		opts.Fields[schemas.FieldText] = "text"
		in := Input{URI: "mem://" + c.key, Key: c.key, Size: int64(len(c.data)),
			Open: func(_ context.Context, off, n int64) (io.ReadCloser, error) {
				end := int64(len(c.data))
				if n > 0 && off+n < end {
					end = off + n
				}
				return io.NopCloser(bytes.NewReader(c.data[off:end])), nil
			}}
		recs := readAll(t, in, opts)
		if len(recs) != 2 {
			t.Fatalf("%s: %d records", c.key, len(recs))
		}
		for _, r := range recs {
			if r.Err != nil || len(r.Meta) != 1 || r.Meta[0].Value != label || r.Meta[0].Where != c.where {
				t.Errorf("%s row %d: meta %+v, err %v", c.key, r.Line, r.Meta, r.Err)
			}
		}
	}
}
