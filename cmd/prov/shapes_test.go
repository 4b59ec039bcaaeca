package main

import (
	"path/filepath"
	"testing"
)

// TestDetectPIIShapes: every shape preset reads its fixture through the
// pipeline's readers and finds the PI in the nested field, at an offset
// into the assembled text.
func TestDetectPIIShapes(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "fixtures", "shapes")
	for _, tc := range []struct {
		shape, file, typ string
		start            int
	}{
		{"openai-chat", "openai-chat.jsonl", "EMAIL", len("You are a helpful assistant.\nPlease email me at ")},
		{"sharegpt", "sharegpt.jsonl", "PHONE", len("我的手机号是")},
		{"alpaca", "alpaca.jsonl", "EMAIL", len("Summarise the message.\nContact ")},
		{"dolma", "dolma.jsonl", "EMAIL", len("Reach the editor at ")},
		{"label-studio", "label-studio.jsonl", "PHONE", len("My number is ")},
		{"doccano", "doccano/ann-07.jsonl", "EMAIL", len("Write to ")},
	} {
		t.Run(tc.shape, func(t *testing.T) {
			out := runDetectPII(t, "", "--shape", tc.shape, filepath.Join(dir, tc.file))
			res := parsePIILines(t, out)
			if len(res) != 2 {
				t.Fatalf("got %d result lines, want 2:\n%s", len(res), out)
			}
			if len(res[0].Entities) != 1 || res[0].Entities[0].Type != tc.typ || res[0].Entities[0].Start != tc.start {
				t.Fatalf("line 1: %+v, want one %s at %d", res[0].Entities, tc.typ, tc.start)
			}
			if len(res[1].Entities) != 0 {
				t.Fatalf("line 2: %+v, want none", res[1].Entities)
			}
		})
	}
}
