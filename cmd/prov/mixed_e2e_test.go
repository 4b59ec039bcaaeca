package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// TestE2EMixedShapesOneDataset: one bucket whose sources use different
// layouts (an OpenAI-chat source, an instruction-tuning source with
// instruction + response and label arrays, a Dolma-style web source with
// metadata.url and added) is one dataset with one config: the registry
// gives each source its shape or field and annotation map. A text that
// appears both as a chat turn and as a web document is an exact
// duplicate across the two sources, which datasets split per source would
// not see; the labelled source's records are checked (an unknown label
// caught) while the chat and web records are not expected to carry labels.
func TestE2EMixedShapesOneDataset(t *testing.T) {
	dir := t.TempDir()
	dup := "The city museum opens at nine on weekdays and at ten on Sundays."
	writeFiles(t, dir, map[string]string{
		"corpus/chat/part-0.jsonl": `{"messages":[{"role":"user","content":"` + dup + `"}]}
{"messages":[{"role":"user","content":"Can you write to me at gao.min@example.com with the slides?"},{"role":"assistant","content":"Sure, I will send them today."}]}
`,
		"corpus/instruct/batch-7.jsonl": `{"id":"i-1","instruction":"Name a fruit that is rich in vitamin C.","response":"Oranges are a good source.","batch_id":"b7","task":"functional","rule_version":"cls-v1","labels":[{"annotator_id":"ann-1","label":"safe","labelled_at":"2024-06-01T10:00:00Z"}],"reviews":[{"reviewer_id":"rev-1","decision":"approved"}]}
{"id":"i-2","instruction":"Give one tip for sleeping better.","response":"Keep a regular bedtime.","batch_id":"b7","task":"functional","rule_version":"cls-v1","labels":[{"annotator_id":"ann-1","label":"helpful","labelled_at":"2024-06-01T10:05:00Z"}],"reviews":[]}
`,
		"corpus/web/docs.jsonl": `{"id":"w-1","text":"` + dup + `","added":"2024-05-01T00:00:00Z","metadata":{"url":"https://museum.example.org/hours"}}
{"id":"w-2","text":"A short history of the old harbour and its lighthouse, rebuilt in 1901.","added":"2024-05-01T00:00:00Z","metadata":{"url":"https://museum.example.org/harbour"}}
`,
		"corpus/_roster/annotators.jsonl": `{"id":"ann-1","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-10"}
{"id":"rev-1","roles":["reviewer"],"trained":"2024-01-01","exam_passed":"2024-01-10"}
`,
		"rules-cls.yaml": "version: cls-v1\ntask: functional\nlabels:\n  - name: pii\n  - name: safe\n",
		"policy.yaml":    "id: mixed-policy\nannotation:\n  rules: [rules-cls.yaml]\n  roster: _roster/annotators.jsonl\n",
		"sources.yaml": `sources:
  - id: chat-src
    channel: open_source
    legal_basis: licence
    origin: foreign
    licence: CC-BY-4.0
    licence_evidence: https://creativecommons.org/licenses/by/4.0/legalcode
    prefixes: [chat/]
    shape: openai-chat
  - id: tool-src
    channel: open_source
    legal_basis: licence
    origin: domestic
    licence: CC-BY-4.0
    licence_evidence: https://creativecommons.org/licenses/by/4.0/legalcode
    prefixes: [instruct/]
    fields: {text: [instruction, response]}
    annotation: {labels: labels, label: label, annotator: annotator_id, at: labelled_at,
                 reviews: reviews, reviewer: reviewer_id, decision: decision,
                 batch: batch_id, task: task, rule_version: rule_version}
  - id: web-src
    channel: open_source
    legal_basis: licence
    origin: foreign
    licence: CC-BY-4.0
    licence_evidence: https://creativecommons.org/licenses/by/4.0/legalcode
    prefixes: [web/]
    shape: dolma
`,
	})
	cfg := fmt.Sprintf(`version: 1
input: %[1]s/corpus
output: %[1]s/out
ledger: {dir: %[1]s/ledger, signing_key: %[1]s/keys/ledger.key, public_key: %[1]s/keys/ledger.pub}
policy: %[1]s/policy.yaml
sources: %[1]s/sources.yaml
datasets:
  - name: mixed
    inputs: [{prefix: chat/}, {prefix: instruct/}, {prefix: web/}]
  - name: chat-only
    inputs: [{prefix: chat/}]
  - name: web-only
    inputs: [{prefix: web/}]
`, dir)
	cfgPath := filepath.Join(dir, "prov.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	res := runDemo(t, cfgPath, nil)
	dups := map[string][]schemas.Duplicate{}
	for _, d := range res.Datasets {
		dups[d.Name] = readParquetRows[schemas.Duplicate](t, strings.TrimPrefix(d.Outputs.Duplicates, "file://"))
	}

	// the duplicate across the chat and web sources, in the one dataset
	var srcs []string
	for _, r := range dups["mixed"] {
		if r.Kind == "exact" {
			// duplicates.parquet locates by object URI, findings by key
			_, key, _ := strings.Cut(r.Locator, "/corpus/")
			srcs = append(srcs, r.Source+" "+key)
		}
	}
	slices.Sort(srcs)
	if want := []string{"chat-src chat/part-0.jsonl#L1", "web-src web/docs.jsonl#L1"}; !slices.Equal(srcs, want) {
		t.Errorf("exact duplicate cluster members %v, want %v", srcs, want)
	}
	for _, ds := range []string{"chat-only", "web-only"} {
		if len(dups[ds]) != 0 {
			t.Errorf("%s: duplicates %+v, want none within one source", ds, dups[ds])
		}
	}

	// every source read through its own map, labels only where mapped
	var findings []string
	for _, f := range findingsOf(t, res, "mixed") {
		if f.Locator != "" {
			findings = append(findings, f.Locator+" "+f.RuleID+" "+f.Evidence[:min(len(f.Evidence), 24)])
		}
	}
	has := func(prefix string) bool {
		return slices.ContainsFunc(findings, func(s string) bool { return strings.HasPrefix(s, prefix) })
	}
	if !has("instruct/batch-7.jsonl#L2 CN-IM-8.1 annotation:unknown_label") {
		t.Errorf("the unknown label of the labelled source is not caught: %v", findings)
	}
	if !has("chat/part-0.jsonl#L2 CN-IM-7.3 type=EMAIL spans=") {
		t.Errorf("the e-mail in the chat turn is not found: %v", findings)
	}
	for _, f := range findings {
		if strings.Contains(f, "annotation:") && !strings.HasPrefix(f, "instruct/") {
			t.Errorf("annotation finding outside the labelled source: %s", f)
		}
		if strings.Contains(f, "malformed") {
			t.Errorf("malformed: %s", f)
		}
	}
	for _, d := range res.Datasets {
		if d.Name == "mixed" && (d.Counts.In != 6 || d.Counts.Quarantine != 1) {
			t.Errorf("mixed counts %+v, want 6 read, 1 quarantined (the unknown label)", d.Counts)
		}
	}
}

// TestE2EMalformedRateGate: a dataset version whose records are mostly
// unreadable fails the PROV-MALFORMED gate (exit 3) and a version with no
// readable record at all is never certified as passing; under the limit
// the run passes.
func TestE2EMalformedRateGate(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		code       int
	}{
		{"readable", `{"text":"A short note about the weather in spring."}` + "\n", 0},
		{"mostly unreadable", `{"text":"A short note about the weather in spring."}` + "\n{bad\n[1,2\n", 3},
		{"nothing readable", "{bad\n\xff\xfe\n", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{
				"corpus/notes/a.jsonl": tc.data,
				"policy.yaml":          "id: p\n",
				"sources.yaml": "sources:\n  - id: notes\n    channel: synthetic\n    legal_basis: own-generation\n    origin: domestic\n" +
					"    generator: g-1\n    prefixes: [notes/]\n",
			})
			cfg := fmt.Sprintf("version: 1\ninput: %[1]s/corpus\noutput: %[1]s/out\nledger: {dir: %[1]s/ledger, signing_key: %[1]s/k.key, public_key: %[1]s/k.pub}\n"+
				"policy: %[1]s/policy.yaml\nsources: %[1]s/sources.yaml\ndatasets:\n  - name: notes\n    inputs: [{prefix: notes/}]\n", dir)
			path := filepath.Join(dir, "prov.yaml")
			if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, stderr, code := prov(t, nil, "-c", path, "keygen"); code != 0 {
				t.Fatalf("keygen: %s", stderr)
			}
			_, stderr, code := prov(t, nil, "-c", path, "run")
			if code != tc.code {
				t.Fatalf("prov run: exit %d, want %d\n%s", code, tc.code, stderr)
			}
			out, _, _ := prov(t, nil, "-c", path, "show", "notes")
			line := ""
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "PROV-MALFORMED") && strings.Contains(l, "unreadable") {
					line = l
				}
			}
			if pass := strings.HasPrefix(strings.TrimSpace(line), "pass"); pass != (tc.code == 0) {
				t.Fatalf("PROV-MALFORMED rule line %q, want pass %v\n%s", line, tc.code == 0, out)
			}
		})
	}
}
