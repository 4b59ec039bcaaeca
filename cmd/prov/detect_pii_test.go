package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runDetectPII runs `prov detect pii args...` in process with stdin and
// returns its standard output.
func runDetectPII(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&bytes.Buffer{})
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"detect", "pii"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("prov detect pii %v: %v", args, err)
	}
	return out.String()
}

type piiLine struct {
	Line     int `json:"line"`
	Entities []struct {
		Type  string  `json:"type"`
		Start int     `json:"start"`
		End   int     `json:"end"`
		Score float64 `json:"score"`
	} `json:"entities"`
}

func parsePIILines(t *testing.T, out string) []piiLine {
	t.Helper()
	var res []piiLine
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !strings.Contains(l, `"entities":[`) {
			t.Fatalf("line %q has no entities array", l)
		}
		var p piiLine
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		res = append(res, p)
	}
	return res
}

func TestDetectPIICommand(t *testing.T) {
	long := strings.Repeat("文字", 40000) + "邮箱a.b@example.com"
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  [][]string // per line: type@start-end
		texts []string   // per line: the text offsets refer to
	}{
		{
			name:  "jsonl and plain text mixed",
			stdin: "{\"text\":\"电话13812345678\"}\nplain zs@example.cn\n\n{\"other\":1}\n{broken 13912345678\r\n",
			want:  [][]string{{"PHONE"}, {"EMAIL"}, {}, {}, {"PHONE"}},
			texts: []string{"电话13812345678", "plain zs@example.cn", "", "", "{broken 13912345678"},
		},
		{
			name:  "field flag and escaped JSON",
			stdin: "{\"text\":\"x\",\"body\":\"\\u7535\\u8bdd 13812345678\"}\n",
			args:  []string{"--field", "body"},
			want:  [][]string{{"PHONE"}},
			texts: []string{"电话 13812345678"},
		},
		{
			name:  "line longer than bufio's default",
			stdin: long + "\n",
			want:  [][]string{{"EMAIL"}},
			texts: []string{long},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := parsePIILines(t, runDetectPII(t, tc.stdin, tc.args...))
			if len(lines) != len(tc.want) {
				t.Fatalf("%d output lines, want %d", len(lines), len(tc.want))
			}
			for i, l := range lines {
				if l.Line != i+1 {
					t.Errorf("line %d numbered %d", i+1, l.Line)
				}
				if len(l.Entities) != len(tc.want[i]) {
					t.Fatalf("line %d: %+v, want %v", i+1, l.Entities, tc.want[i])
				}
				for j, e := range l.Entities {
					if e.Type != tc.want[i][j] {
						t.Errorf("line %d entity %d type %s, want %s", i+1, j, e.Type, tc.want[i][j])
					}
					text := tc.texts[i]
					if e.Start < 0 || e.End > len(text) || e.Start >= e.End || e.Score <= 0 || e.Score > 1 {
						t.Fatalf("line %d entity %+v out of range", i+1, e)
					}
					if v := text[e.Start:e.End]; !strings.ContainsAny(v, "0123456789@") {
						t.Errorf("line %d entity %s spans %q", i+1, e.Type, v)
					}
				}
			}
		})
	}
}

func TestDetectPIIFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(p, []byte("身份证11010519491231002X\nnothing here"), 0o644); err != nil {
		t.Fatal(err)
	}
	lines := parsePIILines(t, runDetectPII(t, "", p))
	if len(lines) != 2 || len(lines[0].Entities) != 1 || lines[0].Entities[0].Type != "CN_RESIDENT_ID" ||
		lines[0].Entities[0].Start != len("身份证") || len(lines[1].Entities) != 0 {
		t.Fatalf("got %+v", lines)
	}
	root := newRoot()
	root.SetOut(&bytes.Buffer{})
	root.SetErr(&bytes.Buffer{})
	root.SetArgs([]string{"detect", "pii", filepath.Join(t.TempDir(), "missing")})
	if err := root.Execute(); err == nil {
		t.Error("missing file: no error")
	}
}
