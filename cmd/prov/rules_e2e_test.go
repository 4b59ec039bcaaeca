package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestE2EDemoCatchesEachRule runs the demo as a user would and checks, per
// rule family, that `prov show` reports each planted violation under its
// rule ID with the expected verdict, and that the certificate rule lines
// state pass or fail as the fixtures were built to produce.
func TestE2EDemoCatchesEachRule(t *testing.T) {
	root := repoRoot(t)
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	runDemo(t, cfg, nil)

	type show struct {
		Manifest struct {
			Rules []struct {
				RuleID string `json:"rule_id"`
				Scope  string `json:"scope"`
				Pass   bool   `json:"pass"`
				Gate   bool   `json:"gate"`
				Detail string `json:"detail"`
			} `json:"rules"`
			Blocked []struct {
				Source string `json:"source"`
				RuleID string `json:"rule_id"`
			} `json:"blocked"`
		} `json:"Manifest"`
		ByRule []struct {
			RuleID   string           `json:"rule_id"`
			Stage    string           `json:"stage"`
			Verdicts map[string]int64 `json:"verdicts"`
		} `json:"ByRule"`
	}
	load := func(ds string) show {
		out, stderr, code := prov(t, nil, "-c", cfg, "show", ds, "-o", "json")
		if code != 0 {
			t.Fatalf("prov show %s: exit %d\n%s", ds, code, stderr)
		}
		var s show
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("prov show %s -o json: %v\n%s", ds, err, out)
		}
		return s
	}
	has := func(s show, rule, verdict string) bool {
		for _, r := range s.ByRule {
			if r.RuleID == rule && r.Verdicts[verdict] > 0 {
				return true
			}
		}
		return false
	}
	line := func(s show, rule, scope string) (pass, found bool) {
		for _, r := range s.Manifest.Rules {
			if r.RuleID == rule && (scope == "" || r.Scope == scope) {
				return r.Pass, true
			}
		}
		return false, false
	}

	chat := load("chat-zh-en")
	for _, c := range []struct{ family, rule, verdict string }{
		{"legality: robots.txt disallow (crawl records)", "TC260-5.1-c2", "reject"},
		{"legality: TDM opt-out (TDMRep, AI-agent robots groups, noai)", "EU-53.1c", "reject"},
		{"legality: blocked domain", "TC260-5.1-a3", "reject"},
		{"legality: expired commercial contract", "TC260-5.1-c3", "reject"},
		{"legality: user input without authorisation", "TC260-5.1-c4", "quarantine"},
		{"legality: source above the harmful threshold, blocked at seal", "TC260-5.1-a", "reject"},
		{"licence: NC licence in a commercial-use dataset", "CN-IM-7.2", "reject"},
		{"licence: content licence conflicts with the declared one", "TC260-5.2-b2", "quarantine"},
		{"pii: sensitive PI without separate consent", "PIPL-28/29", "redact"},
		{"pii: minor without guardian consent", "PIPL-31", "quarantine"},
		{"pii: consent withdrawn", "PIPL-15/47", "reject"},
		{"pii: PI without consent", "CN-IM-7.3", "redact"},
	} {
		if !has(chat, c.rule, c.verdict) {
			t.Errorf("chat-zh-en: %s: no %s finding with verdict %s", c.family, c.rule, c.verdict)
		}
	}
	if len(chat.Manifest.Blocked) != 1 || chat.Manifest.Blocked[0].Source != "web-forum-2024" || chat.Manifest.Blocked[0].RuleID != "TC260-5.1-a" {
		t.Errorf("chat-zh-en blocked sources = %+v, want web-forum-2024 by TC260-5.1-a", chat.Manifest.Blocked)
	}
	if pass, ok := line(chat, "TC260-5.1-a", "web-forum-2024"); !ok || pass {
		t.Errorf("TC260-5.1-a line for web-forum-2024: found %v pass %v, want a failing line", ok, pass)
	}
	if pass, ok := line(chat, "TC260-5.1-a", "web-news-2024"); !ok || !pass {
		t.Errorf("TC260-5.1-a line for web-news-2024: found %v pass %v, want a passing line", ok, pass)
	}

	labels := load("safety-labels")
	for _, c := range []struct{ family, rule, verdict string }{
		{"annotation: unqualified annotator", "CN-IM-8.3", "reject"},
		{"annotation: self-review", "CN-IM-8.3", "quarantine"},
		{"annotation: unreviewed security label", "TC260-5.3-c", "quarantine"},
		{"annotation: unknown rule version", "CN-IM-8.1", "quarantine"},
	} {
		if !has(labels, c.rule, c.verdict) {
			t.Errorf("safety-labels: %s: no %s finding with verdict %s", c.family, c.rule, c.verdict)
		}
	}
	var gateFailed bool
	for _, r := range labels.Manifest.Rules {
		if r.RuleID == "CN-IM-8.2" && strings.Contains(r.Scope, "b-0003") && r.Gate && !r.Pass {
			gateFailed = true
		}
	}
	if !gateFailed {
		t.Errorf("safety-labels: batch b-0003 below the agreement threshold is not a failed CN-IM-8.2 gate")
	}

	code := load("code-mit")
	if !has(code, "TC260-5.2-b2", "quarantine") {
		t.Errorf("code-mit: the GPL-headed file in an MIT source is not held (TC260-5.2-b2)")
	}
}
