package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// writeFiles writes name → content below dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// hfRow is a Hugging Face style Parquet row: nested list and struct
// columns for the conversation, its metadata and its labels.
type hfRow struct {
	ID       string `parquet:"id"`
	Messages []struct {
		Role    string `parquet:"role"`
		Content string `parquet:"content"`
	} `parquet:"messages,list"`
	Metadata struct {
		URL string `parquet:"url"`
	} `parquet:"metadata"`
	Batch  string `parquet:"batch"`
	Labels []struct {
		AnnotatorID string `parquet:"annotator_id"`
		Label       string `parquet:"label"`
		LabelledAt  string `parquet:"labelled_at"`
	} `parquet:"labels,list"`
}

func hfParquet(t *testing.T) string {
	t.Helper()
	rows := make([]hfRow, 2)
	rows[0].ID, rows[0].Metadata.URL, rows[0].Batch = "hf-1", "https://hub.example.org/d/1", "hf-b1"
	rows[0].Messages = append(rows[0].Messages,
		struct {
			Role    string `parquet:"role"`
			Content string `parquet:"content"`
		}{"user", "Hi, my mail is liu.yang@example.org."},
		struct {
			Role    string `parquet:"role"`
			Content string `parquet:"content"`
		}{"assistant", "Thanks, noted."})
	rows[0].Labels = append(rows[0].Labels, struct {
		AnnotatorID string `parquet:"annotator_id"`
		Label       string `parquet:"label"`
		LabelledAt  string `parquet:"labelled_at"`
	}{"hf-ann-1", "pii", "2024-06-01T10:00:00Z"})
	rows[1].ID, rows[1].Metadata.URL, rows[1].Batch = "hf-2", "https://hub.example.org/d/2", "hf-b1"
	rows[1].Messages = append(rows[1].Messages, struct {
		Role    string `parquet:"role"`
		Content string `parquet:"content"`
	}{"user", "What is the boiling point of water at sea level?"})
	rows[1].Labels = append(rows[1].Labels, struct {
		AnnotatorID string `parquet:"annotator_id"`
		Label       string `parquet:"label"`
		LabelledAt  string `parquet:"labelled_at"`
	}{"hf-ann-9", "safe", "2024-06-01T11:00:00Z"})
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// shapesBucket lays out a store holding the shape fixtures under one
// prefix each (plus a nested Parquet table), a registry, a policy with an
// annotation rule file and a roster, and returns the policy and sources
// paths.
func shapesBucket(t *testing.T, dir string) (policy, sources string) {
	t.Helper()
	shapes := filepath.Join(repoRoot(t), "fixtures", "shapes")
	files := map[string]string{}
	for _, f := range []string{"openai-chat.jsonl", "sharegpt.jsonl", "alpaca.jsonl", "dolma.jsonl", "label-studio.jsonl", "doccano/ann-07.jsonl"} {
		b, err := os.ReadFile(filepath.Join(shapes, f))
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(f, ".jsonl")
		if dirName, _, ok := strings.Cut(f, "/"); ok {
			name = dirName
		}
		files["corpus/"+name+"/"+filepath.Base(f)] = string(b)
	}
	files["corpus/hf/chat.parquet"] = hfParquet(t)
	files["corpus/_roster/annotators.jsonl"] = `{"id":"3","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-10"}
{"id":"ann-07","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-10"}
{"id":"hf-ann-1","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-10"}
`
	files["rules-cls.yaml"] = `version: cls-v1
task: functional
labels:
  - name: pii
  - name: safe
`
	files["policy.yaml"] = `id: shapes-policy
annotation:
  rules: [rules-cls.yaml]
  roster: _roster/annotators.jsonl
`
	files["sources.yaml"] = `sources:
  - id: fixtures
    name: Shape fixtures
    channel: open_source
    legal_basis: licence
    origin: foreign
    languages: [en, zh]
    licence: CC-BY-4.0
    licence_evidence: https://creativecommons.org/licenses/by/4.0/legalcode
`
	writeFiles(t, dir, files)
	return filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "sources.yaml")
}

// shapesConfig writes a prov.yaml over shapesBucket with the given
// datasets section.
func shapesConfig(t *testing.T, datasets string) string {
	t.Helper()
	dir := t.TempDir()
	pol, src := shapesBucket(t, dir)
	cfg := fmt.Sprintf(`version: 1
input: %s
output: %s
ledger:
  dir: %s
  signing_key: %s
  public_key: %s
policy: %s
sources: %s
datasets:
%s`, filepath.Join(dir, "corpus"), filepath.Join(dir, "out"), filepath.Join(dir, "ledger"),
		filepath.Join(dir, "keys", "ledger.key"), filepath.Join(dir, "keys", "ledger.pub"), pol, src, datasets)
	path := filepath.Join(dir, "prov.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestE2EShapePresets runs `prov run` over the fixture of every shape
// preset (and a Hugging Face style Parquet table with nested list and
// struct columns), one dataset each: the PI inside the nested content is
// found at its offset in the assembled text, the label arrays of the
// Label Studio, doccano and Parquet records go through the annotation
// stage (violations found, none malformed or unlabelled), nothing is
// unreadable, and every record is accounted for.
func TestE2EShapePresets(t *testing.T) {
	cfg := shapesConfig(t, `  - name: openai-chat
    inputs: [{prefix: openai-chat/, source: fixtures, shape: openai-chat}]
  - name: sharegpt
    inputs: [{prefix: sharegpt/, source: fixtures, shape: sharegpt}]
  - name: alpaca
    inputs: [{prefix: alpaca/, source: fixtures, shape: alpaca}]
  - name: dolma
    inputs: [{prefix: dolma/, source: fixtures, shape: dolma}]
  - name: label-studio
    inputs:
      - {prefix: label-studio/, source: fixtures, shape: label-studio, annotation: {default_rule_version: cls-v1}}
  - name: doccano
    inputs:
      - {prefix: doccano/, source: fixtures, shape: doccano, annotation: {default_rule_version: cls-v1, default_batch: doccano-1, default_at: "2024-06-30"}}
  - name: doccano-no-time
    inputs:
      - {prefix: doccano/, source: fixtures, shape: doccano, annotation: {default_rule_version: cls-v1, default_batch: doccano-1}}
  - name: hf-parquet
    inputs:
      - prefix: hf/
        source: fixtures
        fields: {text: "messages[*].content", url: metadata.url}
        annotation: {labels: labels, label: label, annotator: annotator_id, at: labelled_at, batch: batch, default_rule_version: cls-v1}
`)
	res := runDemo(t, cfg, nil)
	type want struct {
		pii         string // PI type on line 1
		start       int    // its offset in the assembled text
		labelled    bool
		unqualified []int64 // lines with an unqualified annotator
	}
	wants := map[string]want{
		"openai-chat":  {"EMAIL", len("You are a helpful assistant.\nPlease email me at "), false, nil},
		"sharegpt":     {"PHONE", len("我的手机号是"), false, nil},
		"alpaca":       {"EMAIL", len("Summarise the message.\nContact "), false, nil},
		"dolma":        {"EMAIL", len("Reach the editor at "), false, nil},
		"label-studio": {"PHONE", len("My number is "), true, []int64{1}}, // annotator 4 is not in the roster
		"doccano":      {"EMAIL", len("Write to "), true, nil},            // ann-07 is qualified at default_at
		// without default_at the annotator's qualification cannot be checked
		"doccano-no-time": {"EMAIL", len("Write to "), true, []int64{1, 2}},
		"hf-parquet":      {"EMAIL", len("Hi, my mail is "), true, []int64{2}},
	}
	if len(res.Datasets) != len(wants) {
		t.Fatalf("%d datasets, want %d", len(res.Datasets), len(wants))
	}
	for _, d := range res.Datasets {
		w := wants[d.Name]
		t.Run(d.Name, func(t *testing.T) {
			if d.Counts.In != 2 {
				t.Errorf("read %d records, want 2", d.Counts.In)
			}
			var pi int
			unq := map[int64]bool{}
			labelledLines := map[string]bool{}
			for _, f := range findingsOf(t, res, d.Name) {
				line := ""
				if i := strings.LastIndex(f.Locator, "#L"); i >= 0 {
					line = f.Locator[i+2:]
				}
				switch {
				case f.Stage == "pii" && strings.Contains(f.Evidence, "type="+w.pii):
					pi++
					if line != "1" || !strings.Contains(f.Evidence, fmt.Sprintf("spans=%d-", w.start)) {
						t.Errorf("PI finding at %s with %s, want line 1 starting at %d", f.Locator, f.Evidence, w.start)
					}
				case f.Evidence == "annotation:unqualified":
					var n int64
					_, _ = fmt.Sscan(line, &n)
					unq[n] = true
				case f.Evidence == "annotation:malformed", f.Evidence == "annotation:unlabelled", f.Evidence == "annotation:rule_version":
					t.Errorf("%s: %s %s", f.Locator, f.Evidence, f.Message)
				case f.RuleID == "PROV-MALFORMED" || strings.Contains(f.Message, "unreadable"):
					t.Errorf("%s: %s", f.Locator, f.Message)
				}
				if f.Stage == "annotation" && line != "" {
					labelledLines[line] = true
				}
			}
			if pi != 1 {
				t.Errorf("%d %s findings, want 1 (in the nested content of line 1)", pi, w.pii)
			}
			if !w.labelled && len(labelledLines) > 0 {
				t.Errorf("annotation findings in an unlabelled shape: lines %v", labelledLines)
			}
			for _, n := range w.unqualified {
				if !unq[n] {
					t.Errorf("line %d: no unqualified-annotator finding (labels not mapped?)", n)
				}
			}
			if len(unq) != len(w.unqualified) {
				t.Errorf("unqualified-annotator findings on lines %v, want %v", unq, w.unqualified)
			}
			if w.labelled && d.Counts.Reject != int64(len(w.unqualified)) {
				t.Errorf("counts %+v: want %d rejected (unqualified annotators)", d.Counts, len(w.unqualified))
			}
		})
	}
}
