package schemas

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// DefaultAIAgents are the robots.txt product tokens of AI-training crawlers
// whose groups count as a text-and-data-mining reservation (EU-53.1c /
// DSM-4.3) when LegalityPolicy.AIAgents is empty.
var DefaultAIAgents = []string{
	"GPTBot", "ChatGPT-User", "OAI-SearchBot", "CCBot", "Google-Extended",
	"GoogleOther", "ClaudeBot", "Claude-Web", "anthropic-ai", "Bytespider",
	"PerplexityBot", "Applebot-Extended", "Meta-ExternalAgent", "FacebookBot",
	"Diffbot", "cohere-ai", "Amazonbot", "omgili", "ImagesiftBot", "Timpibot",
}

// AgentList is a list of robots.txt product tokens. In YAML it is a list
// (an empty one means none) or the word `default` (the built-in list).
type AgentList []string

// UnmarshalYAML accepts a list of strings or the scalar "default".
func (l *AgentList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		if n.Value != "default" {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is neither a list of product tokens nor default", n.Line, n.Value)}}
		}
		*l = nil
		return nil
	}
	var s []string
	if err := n.Decode(&s); err != nil {
		return err
	}
	if s == nil {
		s = []string{}
	}
	*l = s
	return nil
}

// LegalityPolicy is the `legality` section of the policy file (stage
// legality, docs/REQUIREMENTS.md §1). Its zero value means the defaults.
type LegalityPolicy struct {
	// AIAgents are the robots.txt product tokens whose groups, when they
	// disallow a URL, are read as a TDM opt-out. Default DefaultAIAgents.
	// An empty list means none; `ai_agents: default` (or leaving the key
	// out) means DefaultAIAgents.
	AIAgents AgentList `yaml:"ai_agents,omitempty" json:"ai_agents"`
	// MissingEvidence is the verdict for a record whose source or record
	// lacks the evidence its channel needs (TC260-5.1-c1..c4, CN-IM-7.1):
	// quarantine (default, held until the evidence is supplied) or reject.
	MissingEvidence string `yaml:"missing_evidence,omitempty" json:"missing_evidence"`
	// Blocklist is the source blacklist (TC260-5.1-a3).
	Blocklist BlocklistPolicy `yaml:"blocklist,omitempty" json:"blocklist"`
	// Harmful is the harmful-content sampling of every source (TC260-5.1-a).
	Harmful HarmfulPolicy `yaml:"harmful,omitempty" json:"harmful"`
	// Assessment is the whole-corpus assessment (TC260-9.2-a/b).
	Assessment AssessmentPolicy `yaml:"assessment,omitempty" json:"assessment"`
	// Diversity is the source-diversity check (TC260-5.1-b).
	Diversity DiversityPolicy `yaml:"diversity,omitempty" json:"diversity"`
}

// BlocklistPolicy lists blocked sources and domains (TC260-5.1-a3).
type BlocklistPolicy struct {
	// Sources are blocked source ids.
	Sources []string `yaml:"sources,omitempty" json:"sources"`
	// Domains are blocked registrable domains (e.g. "example.com"); a
	// record URL whose host is the domain or under it is rejected.
	Domains []string `yaml:"domains,omitempty" json:"domains"`
}

// KeywordList names one keyword list file and its risk category.
type KeywordList struct {
	// Category is the risk category (e.g. "violence", "fraud").
	Category string `yaml:"category" json:"category"`
	// File is the list: UTF-8, one keyword per line, '#' comments; a
	// relative path resolves against the policy file's directory.
	File string `yaml:"file" json:"file"`
}

// HarmfulPolicy configures harmful-content sampling (TC260-5.1-a).
type HarmfulPolicy struct {
	// Threshold is the largest admissible harmful ratio of a source's
	// sample (default 0.05); above it the source is blocked.
	Threshold float64 `yaml:"threshold,omitempty" json:"threshold"`
	// SampleSize is n, the records sampled per source (default 4000; all
	// records when the source has fewer).
	SampleSize int `yaml:"sample_size,omitempty" json:"sample_size"`
	// MinHits is how many keyword matches make a record harmful (default 1).
	MinHits int `yaml:"min_hits,omitempty" json:"min_hits"`
	// Lists are the keyword lists, one per risk category.
	Lists []KeywordList `yaml:"lists,omitempty" json:"lists"`
	// RecordAction is what happens to a single record scored harmful:
	// "none" (default: only the source ratio counts), quarantine or reject.
	RecordAction string `yaml:"record_action,omitempty" json:"record_action"`
}

// AssessmentPolicy configures the whole-corpus assessment (TC260-9.2).
type AssessmentPolicy struct {
	// AutomatedCoverage is the share of records the automated keyword pass
	// scores (default 1.0, i.e. 100 %); a seeded hash picks them.
	AutomatedCoverage float64 `yaml:"automated_coverage,omitempty" json:"automated_coverage"`
	// MinAutomatedCoverage is the smallest admissible coverage (default 0.10).
	MinAutomatedCoverage float64 `yaml:"min_automated_coverage,omitempty" json:"min_automated_coverage"`
	// AutomatedPass is the smallest admissible automated pass rate (default 0.98).
	AutomatedPass float64 `yaml:"automated_pass,omitempty" json:"automated_pass"`
	// ManualSample is the manual-review sample size (default 4000).
	ManualSample int `yaml:"manual_sample,omitempty" json:"manual_sample"`
	// ManualPass is the smallest admissible manual pass rate (default 0.96).
	ManualPass float64 `yaml:"manual_pass,omitempty" json:"manual_pass"`
}

// DiversityPolicy configures the source-diversity check (TC260-5.1-b).
type DiversityPolicy struct {
	// MinSources is the least number of distinct sources per (language,
	// modality) (default 2).
	MinSources int `yaml:"min_sources,omitempty" json:"min_sources"`
}

// Verdict names accepted by LegalityPolicy.MissingEvidence.
var legalityEvidenceVerdicts = []string{"quarantine", "reject"}

// Record actions accepted by HarmfulPolicy.RecordAction.
var legalityRecordActions = []string{"none", "quarantine", "reject"}

func (p *LegalityPolicy) defaults() {
	if p.AIAgents == nil {
		p.AIAgents = append(AgentList(nil), DefaultAIAgents...)
	}
	if p.MissingEvidence == "" {
		p.MissingEvidence = "quarantine"
	}
	h := &p.Harmful
	if h.Threshold == 0 {
		h.Threshold = 0.05
	}
	if h.SampleSize == 0 {
		h.SampleSize = 4000
	}
	if h.MinHits == 0 {
		h.MinHits = 1
	}
	if h.RecordAction == "" {
		h.RecordAction = "none"
	}
	a := &p.Assessment
	if a.AutomatedCoverage == 0 {
		a.AutomatedCoverage = 1
	}
	if a.MinAutomatedCoverage == 0 {
		a.MinAutomatedCoverage = 0.10
	}
	if a.AutomatedPass == 0 {
		a.AutomatedPass = 0.98
	}
	if a.ManualSample == 0 {
		a.ManualSample = 4000
	}
	if a.ManualPass == 0 {
		a.ManualPass = 0.96
	}
	if p.Diversity.MinSources == 0 {
		p.Diversity.MinSources = 2
	}
}

func (p *LegalityPolicy) validate(path string) error {
	for i, a := range p.AIAgents {
		if strings.TrimSpace(a) == "" {
			return &FieldError{fmt.Sprintf("%s.ai_agents[%d]", path, i), "is empty"}
		}
	}
	if p.MissingEvidence != "" && !contains(legalityEvidenceVerdicts, p.MissingEvidence) {
		return &FieldError{path + ".missing_evidence", fmt.Sprintf("%q is not quarantine or reject", p.MissingEvidence)}
	}
	for i, s := range p.Blocklist.Sources {
		if s == "" {
			return &FieldError{fmt.Sprintf("%s.blocklist.sources[%d]", path, i), "is empty"}
		}
	}
	for i, d := range p.Blocklist.Domains {
		if d == "" || strings.ContainsAny(d, "/:@ \t") {
			return &FieldError{fmt.Sprintf("%s.blocklist.domains[%d]", path, i), fmt.Sprintf("%q is not a domain name", d)}
		}
	}
	h := p.Harmful
	hp := path + ".harmful"
	if h.Threshold < 0 || h.Threshold > 1 {
		return &FieldError{hp + ".threshold", fmt.Sprintf("%g is not a ratio in [0, 1]", h.Threshold)}
	}
	if h.SampleSize < 0 {
		return &FieldError{hp + ".sample_size", "must not be negative"}
	}
	if h.MinHits < 0 {
		return &FieldError{hp + ".min_hits", "must not be negative"}
	}
	if h.RecordAction != "" && !contains(legalityRecordActions, h.RecordAction) {
		return &FieldError{hp + ".record_action", fmt.Sprintf("%q is not none, quarantine or reject", h.RecordAction)}
	}
	cats := map[string]bool{}
	for i, l := range h.Lists {
		lp := fmt.Sprintf("%s.lists[%d]", hp, i)
		if l.Category == "" {
			return &FieldError{lp + ".category", "is required"}
		}
		if l.File == "" {
			return &FieldError{lp + ".file", "is required"}
		}
		cats[l.Category] = true
	}
	if len(cats) > 64 {
		return &FieldError{hp + ".lists", fmt.Sprintf("%d risk categories, at most 64", len(cats))}
	}
	a := p.Assessment
	ap := path + ".assessment"
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"automated_coverage", a.AutomatedCoverage},
		{"min_automated_coverage", a.MinAutomatedCoverage},
		{"automated_pass", a.AutomatedPass},
		{"manual_pass", a.ManualPass},
	} {
		if r.v < 0 || r.v > 1 {
			return &FieldError{ap + "." + r.name, fmt.Sprintf("%g is not a ratio in [0, 1]", r.v)}
		}
	}
	if a.ManualSample < 0 {
		return &FieldError{ap + ".manual_sample", "must not be negative"}
	}
	if p.Diversity.MinSources < 0 {
		return &FieldError{path + ".diversity.min_sources", "must not be negative"}
	}
	return nil
}
