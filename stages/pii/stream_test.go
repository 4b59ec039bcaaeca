package pii

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestDetectLines(t *testing.T) {
	tests := []struct {
		name, in, field string
		lines           int
		ents            []int
	}{
		{"empty input", "", "text", 0, nil},
		{"no trailing newline", "13812345678", "text", 1, []int{1}},
		{"blank lines count", "\n\n", "text", 2, []int{0, 0}},
		{"jsonl non-string field", `{"text":42}` + "\n", "text", 1, []int{0}},
		{"jsonl missing field", `{"body":"13812345678"}` + "\n", "text", 1, []int{0}},
		{"jsonl other field", `{"body":"13812345678"}` + "\n", "body", 1, []int{1}},
		{"jsonl with BOM", "\ufeff{\"text\":\"13812345678\"}\n", "text", 1, []int{1}},
		{"crlf", "a@example.com\r\nb\r\n", "text", 2, []int{1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := DetectLines(strings.NewReader(tc.in), &out, tc.field, Detector{}); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if out.Len() == 0 {
				got = nil
			}
			if len(got) != tc.lines {
				t.Fatalf("%d lines %q, want %d", len(got), out.String(), tc.lines)
			}
			for i, l := range got {
				var r struct {
					Line     int               `json:"line"`
					Entities []json.RawMessage `json:"entities"`
				}
				if err := json.Unmarshal([]byte(l), &r); err != nil || r.Entities == nil {
					t.Fatalf("line %q: %v", l, err)
				}
				if r.Line != i+1 || len(r.Entities) != tc.ents[i] {
					t.Errorf("line %q: want line %d with %d entities", l, i+1, tc.ents[i])
				}
			}
		})
	}
}

func FuzzDetectLines(f *testing.F) {
	for _, s := range seedTexts(f) {
		f.Add(s, "text")
	}
	f.Add(`{"text":"\u7535\u8bdd13812345678"}`+"\n{bad", "text")
	f.Fuzz(func(t *testing.T, in, field string) {
		var out bytes.Buffer
		if err := DetectLines(strings.NewReader(in), &out, field, Detector{}); err != nil {
			t.Fatal(err)
		}
		want := strings.Count(in, "\n")
		if in != "" && !strings.HasSuffix(in, "\n") {
			want++
		}
		if got := strings.Count(out.String(), "\n"); got != want {
			t.Fatalf("%d output lines for %d input lines", got, want)
		}
		for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
			if l != "" && !json.Valid([]byte(l)) {
				t.Fatalf("invalid JSON output %q", l)
			}
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	text := benchText(b)
	s := newBenchStage(b)
	st := s.NewState()
	recs := splitRecords(text, 600)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		for _, r := range recs {
			var out stageOutcome
			out.Reset()
			s.Check(r, st, &out)
		}
	}
}
