package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// renameKeys rewrites every JSONL line of path, renaming its keys.
func renameKeys(t *testing.T, path string, names map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		r := map[string]json.RawMessage{}
		for k, v := range m {
			if n, ok := names[k]; ok {
				k = n
			}
			r[k] = v
		}
		nb, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(nb))
	}
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestE2ERegistryColumnMaps: the demo with its consent registry and
// annotator roster exported from other systems (other column names,
// evidence_ref, annotator_id, other date columns) and the policy's column
// maps gives the same datasets, verdicts and findings as the demo; an
// export column the map does not know is a configuration error (exit 2)
// naming the policy line and field, the file, its line and the column.
func TestE2ERegistryColumnMaps(t *testing.T) {
	root := repoRoot(t)
	fix := filepath.Join(t.TempDir(), "demo")
	copyTree(t, filepath.Join(root, "fixtures", "demo"), fix)
	_ = os.RemoveAll(filepath.Join(fix, "out"))
	renameKeys(t, filepath.Join(fix, "corpus", "consent-registry", "consents.jsonl"), map[string]string{
		"subject_id": "person_ref", "scopes": "purposes", "id": "evidence_ref", "granted_at": "consented_on", "withdrawn_at": "revoked_on",
	})
	renameKeys(t, filepath.Join(fix, "corpus", "labels", "_roster", "annotators.jsonl"), map[string]string{
		"id": "annotator_id", "exam_passed": "certified_on", "suspended_from": "suspended_since",
	})
	polPath := filepath.Join(fix, "policy.yaml")
	pol, err := os.ReadFile(polPath)
	if err != nil {
		t.Fatal(err)
	}
	maps := strings.Replace(string(pol), "\npii:\n", `
pii:
  consent_registry_columns:
    subject_id: person_ref
    scopes: purposes
    id: evidence_ref
    granted_at: consented_on
    withdrawn_at: revoked_on
`, 1)
	maps = strings.Replace(maps, "\nannotation:\n", `
annotation:
  roster_columns: {id: annotator_id, exam_passed: certified_on, suspended_from: suspended_since}
`, 1)
	if maps == string(pol) {
		t.Fatal("the demo policy has no pii or annotation section to extend")
	}
	if err := os.WriteFile(polPath, []byte(maps), 0o644); err != nil {
		t.Fatal(err)
	}

	demoCfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	want := runDemo(t, demoCfg, nil)
	cfg, _ := fixtureConfig(t, fix, "file://"+filepath.Join(fix, "corpus"), "")
	got := runDemo(t, cfg, nil)
	if a, b := digests(want), digests(got); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("digests differ: demo %v, exported registries %v", a, b)
	}
	for i, d := range got.Datasets {
		w := want.Datasets[i]
		if d.Counts != w.Counts {
			t.Errorf("%s: counts %+v, want the demo's %+v", d.Name, d.Counts, w.Counts)
		}
		byRule := func(cfg string) string {
			out, stderr, code := prov(t, nil, "-c", cfg, "show", d.Name, "-o", "json")
			if code != 0 {
				t.Fatalf("show %s: exit %d\n%s", d.Name, code, stderr)
			}
			var s struct {
				ByRule json.RawMessage `json:"ByRule"`
			}
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatal(err)
			}
			return string(s.ByRule)
		}
		if a, b := byRule(demoCfg), byRule(cfg); a != b {
			t.Errorf("%s: findings by rule differ:\ndemo     %s\nexported %s", d.Name, a, b)
		}
	}

	// a column the map does not know: exit 2, naming where
	if err := os.WriteFile(polPath, []byte(strings.Replace(maps, "    withdrawn_at: revoked_on\n", "", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := prov(t, nil, "-c", cfg, "run")
	if code != 2 {
		t.Fatalf("run with an unmapped registry column: exit %d, want 2\n%s", code, stderr)
	}
	re := regexp.MustCompile(`policy\.yaml:\d+: field pii\.consent_registry: .*consent-registry/consents\.jsonl line 1: invalid consent registry: column "revoked_on": unknown column`)
	if !re.MatchString(stderr) {
		t.Fatalf("error does not name policy line and field, file, line and column:\n%s", stderr)
	}
}
