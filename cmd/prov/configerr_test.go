package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestConfigErrorsExit2: each class of configuration error, in prov.yaml,
// the policy or what the policy names, exits 2 naming file, line and field.
func TestConfigErrorsExit2(t *testing.T) {
	root := repoRoot(t)
	input := "file://" + filepath.Join(root, "fixtures", "demo", "corpus")
	for _, tc := range []struct {
		name      string
		cfg       func(string) string // edits prov.yaml
		policy    func(string) string // edits policy.yaml
		wantFile  string
		wantField string
	}{
		{name: "type mismatch", cfg: func(s string) string {
			return strings.Replace(s, "    inputs:", "    inputs:\n      - prefix: x/\n        max_line: big", 1)
		},
			wantFile: "prov.yaml", wantField: "datasets[0].inputs[0].max_line"},
		{name: "unknown shape", cfg: func(s string) string { return strings.Replace(s, "    inputs:", "    shape: chatml\n    inputs:", 1) },
			wantFile: "prov.yaml", wantField: "datasets[0].shape"},
		{name: "bad evaluation time", cfg: func(s string) string { return s + "evaluation_time: \"soon\"\n" },
			wantFile: "prov.yaml", wantField: "evaluation_time"},
		{name: "policy threshold type", policy: func(s string) string { return strings.Replace(s, "threshold: 0.05", "threshold: lots", 1) },
			wantFile: "policy.yaml", wantField: "legality.harmful.threshold"},
		{name: "missing keyword list", policy: func(s string) string { return strings.Replace(s, "keywords/violence.txt", "keywords/nope.txt", 1) },
			wantFile: "policy.yaml", wantField: "legality.harmful.lists"},
		{name: "missing rule file", policy: func(s string) string { return strings.Replace(s, "annotation-rules-safety-v2.yaml", "nope.yaml", 1) },
			wantFile: "policy.yaml", wantField: "annotation.rules"},
		{name: "missing consent registry", policy: func(s string) string {
			return regexp.MustCompile(`consent_registry: .*`).ReplaceAllString(s, "consent_registry: nope.jsonl")
		}, wantFile: "policy.yaml", wantField: "pii.consent_registry"},
		{name: "unknown key", cfg: func(s string) string {
			return strings.Replace(s, "    inputs:", "    feilds: {text: body}\n    inputs:", 1)
		},
			wantFile: "prov.yaml", wantField: "datasets[0].feilds"},
		{name: "malformed field path", cfg: func(s string) string {
			return strings.Replace(s, "      text: text\n", "      text: \"messages[x].content\"\n", 1)
		}, wantFile: "prov.yaml", wantField: "datasets[0].fields.text"},
		{name: "unknown registry column", policy: func(s string) string {
			return strings.Replace(s, "  scope: training\n", "  scope: training\n  consent_registry_columns: {person: person_ref}\n", 1)
		}, wantFile: "policy.yaml", wantField: "pii.consent_registry_columns.person"},
		{name: "registry column the file lacks", policy: func(s string) string {
			return strings.Replace(s, "  scope: training\n", "  scope: training\n  consent_registry_columns: {subject_id: person_ref}\n", 1)
		}, wantFile: "policy.yaml", wantField: "pii.consent_registry"},
		{name: "roster key map", policy: func(s string) string {
			return strings.Replace(s, "  agreement: krippendorff\n", "  agreement: krippendorff\n  roster_columns: {id: annotator_id}\n", 1)
		}, wantFile: "policy.yaml", wantField: "annotation.roster"},
		{name: "missing roster", policy: func(s string) string {
			return regexp.MustCompile(`roster: .*`).ReplaceAllString(s, "roster: labels/_roster/nope.jsonl")
		}, wantFile: "policy.yaml", wantField: "annotation.roster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, dir := demoConfig(t, input, "")
			pdir := filepath.Join(dir, "pol")
			if err := exec.Command("cp", "-r", filepath.Join(root, "fixtures", "demo", "policy"), filepath.Join(pdir, "policy")).Run(); err != nil {
				if err := os.MkdirAll(pdir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := exec.Command("cp", "-r", filepath.Join(root, "fixtures", "demo", "policy"), pdir).Run(); err != nil {
					t.Fatal(err)
				}
			}
			pb, err := os.ReadFile(filepath.Join(root, "fixtures", "demo", "policy.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			pol := string(pb)
			if tc.policy != nil {
				pol = tc.policy(pol)
			}
			if err := os.WriteFile(filepath.Join(pdir, "policy.yaml"), []byte(pol), 0o644); err != nil {
				t.Fatal(err)
			}
			cb, err := os.ReadFile(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c := regexp.MustCompile(`(?m)^policy: .*$`).ReplaceAllString(string(cb), "policy: "+filepath.Join(pdir, "policy.yaml"))
			if tc.cfg != nil {
				c = tc.cfg(c)
			}
			if err := os.WriteFile(cfg, []byte(c), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.policy != nil { // a run gets as far as building the stages
				if _, stderr, code := prov(t, nil, "-c", cfg, "keygen"); code != 0 {
					t.Fatalf("keygen: exit %d\n%s", code, stderr)
				}
			}
			_, stderr, code := prov(t, nil, "-c", cfg, "run")
			if code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, stderr)
			}
			re := regexp.MustCompile(regexp.QuoteMeta(tc.wantFile) + `:\d+: field ` + regexp.QuoteMeta(tc.wantField) + `:`)
			if !re.MatchString(stderr) {
				t.Fatalf("stderr does not name %s:LINE: field %s:\n%s", tc.wantFile, tc.wantField, stderr)
			}
		})
	}
}
