package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAssessSampleAndImportDemo(t *testing.T) {
	cfg, dir, res := demoRun(t)
	var labels, chat string
	for _, d := range res.Datasets {
		switch d.Name {
		case "safety-labels":
			labels = d.Name + "@" + d.Version
		case "chat-zh-en":
			chat = d.Name + "@" + d.Version
		}
	}
	if labels == "" || chat == "" {
		t.Fatalf("demo datasets %+v", res.Datasets)
	}

	// TC260-9.2-a: the sample is reproducible (same seed, same rows).
	s1, s2 := filepath.Join(dir, "s1.jsonl"), filepath.Join(dir, "s2.jsonl")
	for _, p := range []string{s1, s2} {
		if _, stderr, code := prov(t, nil, "-c", cfg, "assess", "sample", chat, "-o", p); code != 0 {
			t.Fatalf("assess sample: exit %d\n%s", code, stderr)
		}
	}
	b1, _ := os.ReadFile(s1)
	b2, _ := os.ReadFile(s2)
	if string(b1) != string(b2) {
		t.Fatal("the assessment sample is not reproducible")
	}

	// CN-IM-8.2: spot-check sample of labelled items, as CSV.
	sample := filepath.Join(dir, "labels.csv")
	_, stderr, code := prov(t, nil, "-c", cfg, "assess", "sample", labels, "--annotations", "--format", "csv", "-o", sample)
	if code != 0 {
		t.Fatalf("assess sample --annotations: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "\"text\"") {
		t.Error("record text reached the logs")
	}
	f, err := os.Open(sample)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	_ = f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 {
		t.Fatalf("annotation sample has %d rows", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, r := range rows[1:] {
		if r[col["rule_id"]] != "CN-IM-8.2" || r[col["batch"]] == "" || r[col["text"]] == "" || len(r[col["record_digest"]]) != 64 {
			t.Fatalf("sample row %v", r)
		}
	}

	// Reviewers fill in the verdict columns: one fail in the first row.
	for i, r := range rows[1:] {
		r[col["verdict"]], r[col["reviewer"]], r[col["time"]] = "pass", "rev-09", "2026-11-27T12:00:00Z"
		if i == 0 {
			r[col["verdict"]] = "fail"
		}
	}
	returned := filepath.Join(dir, "labels-reviewed.csv")
	wf, err := os.Create(returned)
	if err != nil {
		t.Fatal(err)
	}
	cw := csv.NewWriter(wf)
	if err := cw.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := wf.Close(); err != nil {
		t.Fatal(err)
	}
	spot := filepath.Join(dir, "spot-checks.jsonl")
	stdout, stderr, code := prov(t, nil, "-c", cfg, "assess", "import", returned, "--sample", sample, "--spot-checks", spot, "-o", "json")
	n := len(rows) - 1
	var a struct {
		RuleID     string  `json:"rule_id"`
		N          int     `json:"n"`
		Passed     int     `json:"passed"`
		Rate       float64 `json:"pass_rate"`
		Threshold  float64 `json:"threshold"`
		Pass       bool    `json:"pass"`
		LedgerLeaf *int    `json:"ledger_leaf"`
	}
	if err := json.Unmarshal([]byte(stdout), &a); err != nil {
		t.Fatalf("exit %d, %v\n%s\n%s", code, err, stdout, stderr)
	}
	wantPass := float64(n-1)/float64(n) >= 0.9
	if a.RuleID != "CN-IM-8.2" || a.N != n || a.Passed != n-1 || a.Threshold != 0.9 || a.Pass != wantPass || a.LedgerLeaf == nil {
		t.Fatalf("assessment %+v (n %d)", a, n)
	}
	if (code == 0) != wantPass || (!wantPass && code != exitGate) {
		t.Fatalf("exit %d for pass=%v", code, wantPass)
	}
	sc, err := os.ReadFile(spot)
	if err != nil || strings.Count(string(sc), "\n") != n || !strings.Contains(string(sc), `"verdict":"reject"`) {
		t.Fatalf("spot checks (%v):\n%s", err, sc)
	}
	// Importing the same verdicts again appends nothing new (same leaf).
	stdout2, _, _ := prov(t, nil, "-c", cfg, "assess", "import", returned, "--sample", sample, "-o", "json")
	var a2 struct {
		LedgerLeaf *int `json:"ledger_leaf"`
	}
	if err := json.Unmarshal([]byte(stdout2), &a2); err != nil || a2.LedgerLeaf == nil || *a2.LedgerLeaf != *a.LedgerLeaf {
		t.Fatalf("re-import: %v %s", err, stdout2)
	}

	// A verdict for a record outside the sample is refused.
	bad := filepath.Join(dir, "bad.jsonl")
	if err := os.WriteFile(bad, []byte(`{"record_digest": "`+strings.Repeat("0", 64)+`", "verdict": "pass", "reviewer": "r", "time": "2026-11-27"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := prov(t, nil, "-c", cfg, "assess", "import", bad, "--sample", sample); code == 0 || !strings.Contains(stderr, "not in the sample") {
		t.Fatalf("stray verdict: exit %d\n%s", code, stderr)
	}
}
