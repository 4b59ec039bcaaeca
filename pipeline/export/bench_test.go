package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"
)

func BenchmarkParseVerdicts(b *testing.B) {
	for _, format := range []string{FormatJSONL, FormatCSV} {
		b.Run(format, func(b *testing.B) {
			var buf bytes.Buffer
			if format == FormatCSV {
				buf.WriteString("record_digest,verdict,reviewer,time\n")
			}
			for i := 0; i < 4000; i++ {
				d := fmt.Sprintf("%064x", i)
				if format == FormatCSV {
					fmt.Fprintf(&buf, "%s,pass,rev-%02d,2026-11-27T10:00:00Z\n", d, i%7)
				} else {
					fmt.Fprintf(&buf, "{\"record_digest\": %q, \"verdict\": \"pass\", \"reviewer\": \"rev-%02d\", \"time\": \"2026-11-27T10:00:00Z\"}\n", d, i%7)
				}
			}
			data := buf.Bytes()
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if vs, err := ParseVerdicts(data, "bench", format); err != nil || len(vs) != 4000 {
					b.Fatal(err, len(vs))
				}
			}
		})
	}
}

func BenchmarkExports(b *testing.B) {
	v := testVersion()
	for _, tc := range []struct {
		name string
		fn   func() (any, error)
	}{
		{"openlineage", func() (any, error) { return OpenLineage(v) }},
		{"croissant", func() (any, error) { return BuildCroissant(v), nil }},
		{"summary", func() (any, error) { return BuildSummary(v, SummaryOptions{}), nil }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			doc, _ := tc.fn()
			out, _ := json.Marshal(doc)
			b.ReportAllocs()
			b.SetBytes(int64(len(out)))
			for b.Loop() {
				doc, err := tc.fn()
				if err != nil {
					b.Fatal(err)
				}
				if err := json.NewEncoder(io.Discard).Encode(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
