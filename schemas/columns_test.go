package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyColumnMaps: the registry column maps load, and a bad one is a
// configuration error naming the file, the line and the field.
func TestPolicyColumnMaps(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "policy.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, err := LoadPolicy(write(`id: p
pii:
  consent_registry: consents.jsonl
  consent_registry_columns: {subject_id: person_ref, id: evidence_ref, granted_at: consented_on}
annotation:
  roster: roster.jsonl
  roster_columns:
    id: annotator_id
  spot_check_columns: {id: item_id, verdict: decision}
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := p.PII.ConsentRegistryColumns.Column("id"); got != "evidence_ref" {
		t.Errorf("consent id column %q", got)
	}
	if got := p.PII.ConsentRegistryColumns.Column("scopes"); got != "scopes" {
		t.Errorf("unmapped column %q, want its own name", got)
	}
	if p.Annotation.RosterColumns.Column("id") != "annotator_id" || p.Annotation.SpotCheckColumns.Column("verdict") != "decision" {
		t.Errorf("annotation maps %+v %+v", p.Annotation.RosterColumns, p.Annotation.SpotCheckColumns)
	}
	for _, c := range []struct{ name, body, want string }{
		{"unknown key", "id: p\npii:\n  consent_registry_columns:\n    subject: person_ref\n",
			"policy.yaml:4: field pii.consent_registry_columns.subject: invalid configuration: unknown column"},
		{"empty name", "id: p\nannotation:\n  roster_columns:\n    id: \"\"\n",
			"policy.yaml:4: field annotation.roster_columns.id: invalid configuration: column name is empty"},
		{"two read one", "id: p\nannotation:\n  spot_check_columns:\n    id: item\n    batch: item\n",
			"field annotation.spot_check_columns."},
		{"clash with a default", "id: p\nannotation:\n  roster_columns: {trained: id}\n",
			`policy.yaml:3: field annotation.roster_columns.trained: invalid configuration: column "id" is already read as id`},
		{"type mismatch", "id: p\npii:\n  consent_registry_columns: [person_ref]\n",
			"policy.yaml:3: field pii.consent_registry_columns"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadPolicy(write(c.body))
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want a ConfigError containing %q", err, c.want)
			}
		})
	}
}
