package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestAnnotationPolicyValidate(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		path string // "" = valid
	}{
		{"empty section is defaults", "id: p\nannotation: {}\n", ""},
		{"full", "id: p\nannotation:\n  rules: [a.yaml]\n  roster: r.jsonl\n  agreement: fleiss\n  min_agreement: 0.8\n  accuracy_bound: wilson-lower\n  gates: [review, spot_check]\n  verdicts: {unqualified: quarantine, too_few_annotators: reject}\n", ""},
		{"empty rule path", "id: p\nannotation:\n  rules: [\"\"]\n", "annotation.rules[0]"},
		{"bad measure", "id: p\nannotation:\n  agreement: scott\n", "annotation.agreement"},
		{"accuracy above 1", "id: p\nannotation:\n  min_accuracy: 1.5\n", "annotation.min_accuracy"},
		{"negative rate", "id: p\nannotation:\n  spot_check_rate: -0.1\n", "annotation.spot_check_rate"},
		{"bad bound", "id: p\nannotation:\n  accuracy_bound: upper\n", "annotation.accuracy_bound"},
		{"bad gate", "id: p\nannotation:\n  gates: [agreemnt]\n", "annotation.gates[0]"},
		{"redact verdict", "id: p\nannotation:\n  verdicts: {span: redact}\n", "annotation.verdicts.span"},
		{"unknown verdict", "id: p\nannotation:\n  verdicts: {self_review: maybe}\n", "annotation.verdicts.self_review"},
		{"negative items", "id: p\nannotation:\n  min_agreement_items: -1\n", "annotation.min_agreement_items"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "policy.yaml")
			if err := os.WriteFile(f, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadPolicy(f)
			if c.path == "" {
				if err != nil {
					t.Fatalf("LoadPolicy: %v", err)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != c.path || ce.Line == 0 {
				t.Fatalf("error %v, want a ConfigError at field %s with a line", err, c.path)
			}
		})
	}
}

func TestAnnotationPolicyDefaults(t *testing.T) {
	var p AnnotationPolicy
	p.defaults()
	if p.MinAgreement != 0.667 || p.Agreement != "krippendorff" || p.MinAccuracy != 0.9 ||
		p.SpotCheckRate != 0.05 || !slices.Equal(p.Gates, []string{"agreement", "accuracy"}) ||
		p.Verdicts.Unqualified != "reject" || p.Verdicts.TooFewAnnotators != "admit" {
		t.Fatalf("defaults %+v", p)
	}
	if err := p.validate("annotation"); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	q := AnnotationPolicy{Gates: []string{}}
	q.defaults()
	if len(q.Gates) != 0 || q.Gate("agreement") {
		t.Fatalf("explicit empty gates became %v", q.Gates)
	}
	f := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(f, []byte("id: p\nannotation:\n  gates: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pol, err := LoadPolicy(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(pol.Annotation.Gates) != 0 {
		t.Fatalf("`gates: []` in YAML became %v", pol.Annotation.Gates)
	}
}

func TestLoadAnnotationRules(t *testing.T) {
	cases := []struct {
		name, yaml, field string
		line              int
	}{
		{"valid", "version: v1\ntask: security\nlabels:\n  - name: a\n    children:\n      - name: b\n        span: required\n", "", 0},
		{"no version", "task: security\nlabels: [{name: a}]\n", "version", 0},
		{"bad task", "version: v\ntask: fun\nlabels: [{name: a}]\n", "task", 2},
		{"no labels", "version: v\ntask: functional\n", "labels", 0},
		{"slash in label", "version: v\ntask: functional\nlabels:\n  - name: a/b\n", "labels[0].name", 4},
		{"duplicate child", "version: v\ntask: functional\nlabels:\n  - name: a\n    children:\n      - name: b\n      - name: b\n", "labels[0].children[1].name", 7},
		{"bad span", "version: v\ntask: functional\nlabels:\n  - name: a\n    span: maybe\n", "labels[0].span", 5},
		{"empty allowed", "version: v\ntask: functional\nlabels:\n  - name: a\n    allowed_values: {x: []}\n", "labels[0].allowed_values.x", 0},
		{"accuracy range", "version: v\ntask: functional\nlabels: [{name: a}]\nquality:\n  min_accuracy: 2\n", "quality.min_accuracy", 5},
		{"unknown key", "version: v\ntask: functional\nlabels: [{name: a}]\nqualty: {}\n", "qualty", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "rules.yaml")
			if err := os.WriteFile(f, []byte(c.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := LoadAnnotationRules(f)
			if c.field == "" {
				if err != nil || r.Labels[0].Children[0].Span != SpanRequired {
					t.Fatalf("LoadAnnotationRules: %v %+v", err, r)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != c.field || (c.line != 0 && ce.Line != c.line) {
				t.Fatalf("error %v, want field %s line %d", err, c.field, c.line)
			}
		})
	}
}

func TestAnnotationTime(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{`"2024-10-02T08:00:00Z"`, time.Date(2024, 10, 2, 8, 0, 0, 0, time.UTC), true},
		{`"2024-10-02T16:00:00+08:00"`, time.Date(2024, 10, 2, 8, 0, 0, 0, time.UTC), true},
		{`"2024-10-02"`, time.Date(2024, 10, 2, 0, 0, 0, 0, time.UTC), true},
		{`"2024-10-02T08:00:00\u005a"`, time.Date(2024, 10, 2, 8, 0, 0, 0, time.UTC), true},
		{`""`, time.Time{}, true},
		{`null`, time.Time{}, true},
		{`"02/10/2024"`, time.Time{}, false},
		{`20241002`, time.Time{}, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			var tm Time
			err := tm.UnmarshalJSON([]byte(c.in))
			if (err == nil) != c.ok || (err == nil && !tm.Equal(c.want)) {
				t.Fatalf("UnmarshalJSON(%s) = %v, %v", c.in, tm, err)
			}
			if err != nil && !errors.Is(err, ErrBadTime) {
				t.Fatalf("error %v does not wrap ErrBadTime", err)
			}
		})
	}
	var a Annotator
	if err := Decode("r.yaml", []byte("id: a\nroles: [annotator]\ntrained: 2024-03-01\nexam_passed: 2024-03-10T12:00:00Z\n"), &a); err != nil {
		t.Fatal(err)
	}
	if !a.Trained.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) || a.ExamPassed.Hour() != 12 {
		t.Fatalf("yaml times %v %v", a.Trained, a.ExamPassed)
	}
}
