package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigErrorClasses: every class of configuration error is a
// ConfigError naming the file, the line and the field.
func TestConfigErrorClasses(t *testing.T) {
	const base = "version: 1\ninput: in\noutput: out\nledger:\n  dir: l\npolicy: p.yaml\nsources: s.yaml\ndatasets:\n  - name: d\n    inputs:\n      - prefix: a/\n"
	for _, tc := range []struct {
		name, file, body string
		line             int
		field            string
	}{
		{"unknown key", "prov.yaml", base + "    feilds: {text: body}\n", 12, "datasets[0].feilds"},
		{"type mismatch", "prov.yaml", base + "        max_line: big\n", 12, "datasets[0].inputs[0].max_line"},
		{"top-level type mismatch", "prov.yaml", strings.Replace(base, "version: 1", "version: one", 1), 1, "version"},
		{"validation", "prov.yaml", base + "        format: csv\n", 12, "datasets[0].inputs[0].format"},
		{"unknown shape", "prov.yaml", base + "        shape: chatml\n", 12, "datasets[0].inputs[0].shape"},
		{"bad field path", "prov.yaml", base + "        fields: {text: \"a[x]\"}\n", 12, "datasets[0].inputs[0].fields.text"},
		{"unknown logical field", "prov.yaml", base + "    fields: {body: text}\n", 12, "datasets[0].fields.body"},
		{"field map of a list of maps", "prov.yaml", base + "    fields:\n      text: {a: b}\n", 13, "datasets[0].fields.text"},
		{"bad time", "sources.yaml", "sources:\n  - id: v\n    channel: commercial\n    contract:\n      valid_to: \"soon\"\n", 5, "sources[0].contract.valid_to"},
		{"bad evaluation time", "prov.yaml", base + "evaluation_time: tomorrow\n", 12, "evaluation_time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(p, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			if tc.file == "sources.yaml" {
				_, err = LoadSources(p)
			} else {
				_, err = LoadConfig(p)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrConfig) {
				t.Fatalf("got %v, want a ConfigError", err)
			}
			if ce.File != p || ce.Line != tc.line || ce.Field != tc.field {
				t.Fatalf("got %s:%d field %q (%v), want line %d field %q", ce.File, ce.Line, ce.Field, err, tc.line, tc.field)
			}
		})
	}
}

// TestQuotedDateAccepted: "2024-12-31" is the date it obviously is, also
// where a string is wanted.
func TestQuotedDateAccepted(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sources.yaml")
	body := "sources:\n  - id: v\n    name: \"2024-12-31\"\n    channel: commercial\n    contract:\n      valid_from: '2024-01-01'\n      valid_to: \"2024-12-31\" # end\n"
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := LoadSources(p)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Sources[0]
	if s.Name != "2024-12-31" || s.Contract.ValidFrom.Format("2006-01-02") != "2024-01-01" || s.Contract.ValidTo.Format("2006-01-02") != "2024-12-31" {
		t.Fatalf("got name %q from %s to %s", s.Name, s.Contract.ValidFrom, s.Contract.ValidTo)
	}
}
