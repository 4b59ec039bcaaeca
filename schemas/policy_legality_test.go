package schemas

import (
	"errors"
	"testing"
)

func TestLegalityPolicyDefaults(t *testing.T) {
	var p LegalityPolicy
	p.defaults()
	if p.Harmful.Threshold != 0.05 || p.Harmful.SampleSize != 4000 || p.Diversity.MinSources != 2 ||
		p.Assessment.AutomatedPass != 0.98 || p.Assessment.ManualPass != 0.96 || p.MissingEvidence != "quarantine" || len(p.AIAgents) == 0 {
		t.Errorf("defaults = %+v", p)
	}
	if err := p.validate("legality"); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}
}

func TestLegalityPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*LegalityPolicy)
		path string
	}{
		{"threshold", func(p *LegalityPolicy) { p.Harmful.Threshold = 1.5 }, "legality.harmful.threshold"},
		{"sample", func(p *LegalityPolicy) { p.Harmful.SampleSize = -1 }, "legality.harmful.sample_size"},
		{"action", func(p *LegalityPolicy) { p.Harmful.RecordAction = "drop" }, "legality.harmful.record_action"},
		{"list file", func(p *LegalityPolicy) { p.Harmful.Lists = []KeywordList{{Category: "x"}} }, "legality.harmful.lists[0].file"},
		{"domain", func(p *LegalityPolicy) { p.Blocklist.Domains = []string{"https://x.com"} }, "legality.blocklist.domains[0]"},
		{"missing", func(p *LegalityPolicy) { p.MissingEvidence = "admit" }, "legality.missing_evidence"},
		{"coverage", func(p *LegalityPolicy) { p.Assessment.AutomatedCoverage = 2 }, "legality.assessment.automated_coverage"},
		{"diversity", func(p *LegalityPolicy) { p.Diversity.MinSources = -2 }, "legality.diversity.min_sources"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p LegalityPolicy
			p.defaults()
			tt.mod(&p)
			var fe *FieldError
			if err := p.validate("legality"); !errors.As(err, &fe) || fe.Path != tt.path {
				t.Errorf("validate = %v, want FieldError at %s", err, tt.path)
			}
		})
	}
}
