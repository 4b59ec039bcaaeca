package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// findingsOf returns the findings.parquet rows of dataset ds in a run.
func findingsOf(t *testing.T, res runJSON, ds string) []schemas.Finding {
	t.Helper()
	for _, d := range res.Datasets {
		if d.Name == ds {
			return readParquetRows[schemas.Finding](t, strings.TrimPrefix(d.Outputs.Findings, "file://"))
		}
	}
	t.Fatalf("the run has no dataset %s", ds)
	return nil
}

// TestE2EDemoShapedSources: the demo's chat-shaped source (openai-chat,
// resolved by its registry prefix) and its label-array source (another
// tool's export, read through the registry's field and annotation maps)
// are read inside the demo datasets: the e-mail address in a chat turn is
// redacted, the label outside the taxonomy is caught, and no record of
// either source is malformed or unlabelled.
func TestE2EDemoShapedSources(t *testing.T) {
	root := repoRoot(t)
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	res := runDemo(t, cfg, nil)

	var chatPI, unknownLabel int
	for _, f := range findingsOf(t, res, "chat-zh-en") {
		if f.Object != "chat/assistant-chats-2024.jsonl" {
			continue
		}
		if f.Source != "oss-assistant-chats" {
			t.Errorf("chat finding %s cites source %q, want oss-assistant-chats", f.RuleID, f.Source)
		}
		switch {
		case f.RuleID == "CN-IM-7.3" && f.Verdict == "redact" && strings.Contains(f.Evidence, "EMAIL"):
			chatPI++
			// offsets into the assembled text: the first message starts at 0
			if f.Locator != f.Object+"#L2" || !strings.Contains(f.Evidence, "spans=58-78") {
				t.Errorf("chat e-mail finding at %s with %s, want line 2, spans=58-78", f.Locator, f.Evidence)
			}
		case f.Stage == "annotation" || strings.Contains(f.Message, "malformed"):
			t.Errorf("chat record finding %s %s: %s", f.RuleID, f.Evidence, f.Message)
		}
	}
	if chatPI != 1 {
		t.Errorf("chat source: %d CN-IM-7.3 EMAIL redactions, want 1 (the address in a user turn)", chatPI)
	}
	for _, f := range findingsOf(t, res, "safety-labels") {
		if f.Object != "instruct/helpful-batch-02.jsonl" {
			continue
		}
		switch f.Evidence {
		case "annotation:unknown_label":
			unknownLabel++
			if f.Verdict != "quarantine" || f.Locator != f.Object+"#L4" {
				t.Errorf("unknown label finding: verdict %s at %s, want quarantine at line 4", f.Verdict, f.Locator)
			}
		case "annotation:malformed", "annotation:unlabelled", "annotation:rule_version":
			t.Errorf("label-array record %s: %s %s", f.Locator, f.Evidence, f.Message)
		}
	}
	if unknownLabel != 1 {
		t.Errorf("label-array source: %d unknown-label findings, want 1", unknownLabel)
	}
}
