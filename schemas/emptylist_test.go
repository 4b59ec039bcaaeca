package schemas

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestEmptyListsMeanEmpty: an empty list or map in the policy is honoured
// as empty; `ai_agents: default` and a missing key give the built-in list;
// the digest tells the cases apart.
func TestEmptyListsMeanEmpty(t *testing.T) {
	load := func(body string) *Policy {
		t.Helper()
		p := filepath.Join(t.TempDir(), "policy.yaml")
		if err := os.WriteFile(p, []byte("id: t\n"+body), 0o644); err != nil {
			t.Fatal(err)
		}
		pol, err := LoadPolicy(p)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		return pol
	}
	empty := load("legality:\n  ai_agents: []\nquality:\n  languages: []\npii:\n  sensitive: []\n  markers: {}\nlicence:\n  basis_channels: []\nannotation:\n  gates: []\n")
	if empty.Legality.AIAgents == nil || len(empty.Legality.AIAgents) != 0 {
		t.Errorf("ai_agents: [] gave %v", empty.Legality.AIAgents)
	}
	if empty.Quality.Languages == nil || len(empty.PII.Sensitive) != 0 || len(empty.PII.Markers) != 0 ||
		len(empty.Licence.BasisChannels) != 0 || len(empty.Annotation.Gates) != 0 {
		t.Errorf("empty lists not honoured: languages %v sensitive %v markers %v basis %v gates %v", empty.Quality.Languages,
			empty.PII.Sensitive, empty.PII.Markers, empty.Licence.BasisChannels, empty.Annotation.Gates)
	}
	def := load("legality:\n  ai_agents: default\n")
	absent := load("")
	if !slices.Equal(def.Legality.AIAgents, DefaultAIAgents) || !slices.Equal(absent.Legality.AIAgents, DefaultAIAgents) {
		t.Errorf("ai_agents: default / absent gave %v / %v", def.Legality.AIAgents, absent.Legality.AIAgents)
	}
	d1, _ := empty.Digest()
	d2, _ := absent.Digest()
	d3, _ := def.Digest()
	if d1 == d2 || d2 != d3 {
		t.Errorf("digests: empty %s absent %s default %s", d1, d2, d3)
	}
	nolang := load("quality:\n  near_dup_threshold: 0.8\n")
	d4, _ := nolang.Digest()
	onlyLang := load("quality:\n  near_dup_threshold: 0.8\n  languages: []\n")
	d5, _ := onlyLang.Digest()
	if d4 == d5 {
		t.Error("languages: [] and no languages have the same policy digest")
	}
	p := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(p, []byte("id: t\nlegality:\n  ai_agents: defaults\n"), 0o644)
	if _, err := LoadPolicy(p); err == nil {
		t.Error("ai_agents: defaults (a typo) was accepted")
	}
}
