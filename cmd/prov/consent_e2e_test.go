package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewriteConsents rewrites the consent object of every record of the
// JSONL file at path with edit, returning how many it rewrote.
func rewriteConsents(t *testing.T, path string, edit func(map[string]any) map[string]any) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var c map[string]any
		if raw, ok := rec["consent"]; ok && json.Unmarshal(raw, &c) == nil && c != nil {
			nb, err := json.Marshal(edit(c))
			if err != nil {
				t.Fatal(err)
			}
			rec["consent"] = nb
			n++
		}
		nb, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(nb))
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestE2EConsentSpellings: the demo's consent objects written the way
// other consent systems write them ({"granted": true, "purposes": [...],
// "status": "active"}) give the demo's verdicts and findings; the same
// objects saying "granted": false or a status that refuses are refusals
// (the user-input source's records are rejected, TC260-5.1-c4), and a
// scope without training gives no PI consent (PI the demo admits on
// consent is redacted): in no case is more admitted.
func TestE2EConsentSpellings(t *testing.T) {
	root := repoRoot(t)
	demoCfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	want := runDemo(t, demoCfg, nil)

	spelled := func(edit func(map[string]any) map[string]any) (runJSON, string) {
		fix := filepath.Join(t.TempDir(), "demo")
		copyTree(t, filepath.Join(root, "fixtures", "demo"), fix)
		_ = os.RemoveAll(filepath.Join(fix, "out"))
		if n := rewriteConsents(t, filepath.Join(fix, "corpus", "users", "chats-2024-09.jsonl"), edit); n < 30 {
			t.Fatalf("only %d consent objects in the demo chats", n)
		}
		cfg, _ := fixtureConfig(t, fix, "file://"+filepath.Join(fix, "corpus"), "")
		return runDemo(t, cfg, nil), cfg
	}
	other := func(c map[string]any) map[string]any {
		out := map[string]any{"Granted": c["training"], "purposes": []string{"analytics", "training"}, "status": "Active"}
		for _, k := range []string{"type", "id", "granted_at"} {
			if v, ok := c[k]; ok {
				out[k] = v
			}
		}
		if v, ok := c["withdrawn_at"]; ok {
			out["revoked_at"] = v
		}
		return out
	}
	got, cfg := spelled(other)
	counts := func(r runJSON) map[string]string {
		m := map[string]string{}
		for _, d := range r.Datasets {
			b, _ := json.Marshal(d.Counts)
			m[d.Name] = string(b)
		}
		return m
	}
	wc, gc := counts(want), counts(got)
	for name, c := range wc {
		if gc[name] != c {
			t.Errorf("%s: counts %s with other systems' spellings, want the demo's %s", name, gc[name], c)
		}
	}
	byRule := func(cfg, name string) string {
		out, stderr, code := prov(t, nil, "-c", cfg, "show", name, "-o", "json")
		if code != 0 {
			t.Fatalf("show %s: exit %d\n%s", name, code, stderr)
		}
		var s struct {
			ByRule json.RawMessage `json:"ByRule"`
		}
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		return string(s.ByRule)
	}
	if a, b := byRule(demoCfg, "chat-zh-en"), byRule(cfg, "chat-zh-en"); a != b {
		t.Errorf("chat-zh-en: findings by rule differ:\ndemo  %s\nother %s", a, b)
	}

	for _, tc := range []struct {
		name   string
		key    string
		val    any
		reject bool // a refusal: more rejected; else more redacted
	}{
		{"granted false", "Granted", false, true},
		{"status opted out", "status", "opted-out", true},
		{"scope without training", "purposes", "analytics, marketing", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := spelled(func(c map[string]any) map[string]any {
				o := other(c)
				o[tc.key] = tc.val
				return o
			})
			for _, d := range r.Datasets {
				for _, w := range want.Datasets {
					if w.Name != d.Name || d.Name != "chat-zh-en" {
						continue
					}
					more := d.Counts.Redact > w.Counts.Redact
					if tc.reject {
						more = d.Counts.Reject > w.Counts.Reject
					}
					if d.Counts.Admit >= w.Counts.Admit || !more {
						t.Errorf("counts %+v, demo %+v: want fewer admitted and more %s", d.Counts, w.Counts, map[bool]string{true: "rejected", false: "redacted"}[tc.reject])
					}
				}
			}
		})
	}
}
