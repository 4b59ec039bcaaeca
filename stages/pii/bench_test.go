package pii

import (
	"os"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

type stageOutcome = stages.Outcome

func newBenchStage(b *testing.B) *Stage {
	b.Helper()
	pol := &schemas.Policy{ID: "bench"}
	pol.ApplyDefaults()
	s, err := New(b.Context(), stages.Env{Policy: pol, SubjectKey: testKey})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// splitRecords cuts text into records of about n bytes on UTF-8 boundaries.
func splitRecords(text string, n int) []*schemas.Record {
	var out []*schemas.Record
	for i := 0; i < len(text); {
		j := min(i+n, len(text))
		for j < len(text) && text[j]&0xC0 == 0x80 {
			j++
		}
		r := &schemas.Record{}
		r.Set(schemas.FieldText, text[i:j])
		r.Set(schemas.FieldSubject, "u1")
		r.Set(schemas.FieldConsent, "true")
		out = append(out, r)
		i = j
	}
	return out
}

// benchText is about 1 MiB of mixed Chinese / English prose, code and logs
// with a realistic sprinkle of PI, built from testdata/bench_*.txt.
func benchText(tb testing.TB) string {
	tb.Helper()
	var parts []string
	for _, f := range []string{"testdata/bench_zh.txt", "testdata/bench_en.txt", "testdata/bench_code.txt"} {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatalf("reading %s: %v", f, err)
		}
		parts = append(parts, string(b))
	}
	block := strings.Join(parts, "\n")
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString(block)
	}
	return sb.String()
}

func BenchmarkDetect(b *testing.B) {
	text := benchText(b)
	var d Detector
	var dst []Entity
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		dst = d.Detect(text, dst)
	}
}

// BenchmarkDetectRecord measures per-record calls of a typical chat record
// size (the stage's access pattern).
func BenchmarkDetectRecord(b *testing.B) {
	text := benchText(b)
	recs := make([]string, 0, len(text)/600)
	for i := 0; i+600 <= len(text); i += 600 {
		j := i + 600
		for j < len(text) && text[j]&0xC0 == 0x80 {
			j++
		}
		recs = append(recs, text[i:j])
	}
	var d Detector
	var dst []Entity
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		for _, r := range recs {
			dst = d.Detect(r, dst)
		}
	}
}
