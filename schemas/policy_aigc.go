package schemas

import (
	"fmt"
	"sort"
	"strings"
)

// AIGC actions: what happens to a record carrying an AI-generated-content
// label in a source that is not declared synthetic (docs/REQUIREMENTS.md §7).
const (
	AIGCAllowed    = "allowed"    // admitted, the label kept as evidence
	AIGCReport     = "report"     // admitted with a warning finding
	AIGCQuarantine = "quarantine" // held for review
	AIGCReject     = "reject"     // left out of the version
)

// AIGCActions lists the valid actions.
var AIGCActions = []string{AIGCAllowed, AIGCReport, AIGCQuarantine, AIGCReject}

// AIGCPolicy is the `aigc` section of the policy file (docs/REQUIREMENTS.md §7,
// GB 45438-2025). The zero value means the defaults below.
type AIGCPolicy struct {
	// Action applies to a labelled record of a source not declared
	// synthetic: allowed, report, quarantine or reject (default report).
	Action string `yaml:"action,omitempty" json:"action"`
	// Sources overrides Action per source id.
	Sources map[string]string `yaml:"sources,omitempty" json:"sources,omitempty"`
	// MismatchAction applies to a record of a synthetic source whose
	// implicit label names a producer other than the source's declared
	// generator (default report).
	MismatchAction string `yaml:"mismatch_action,omitempty" json:"mismatch_action"`
	// Producers lists, per declared generator, the producer names or codes
	// its labels may carry (ContentProducer); the generator's own name
	// always matches, without regard to case.
	Producers map[string][]string `yaml:"producers,omitempty" json:"producers,omitempty"`
	// ObjectMetadata reads each input object's user metadata (S3
	// x-amz-meta-aigc) for implicit labels: one metadata request per object.
	// Default true; set false to skip it.
	ObjectMetadata *bool `yaml:"object_metadata,omitempty" json:"object_metadata"`
}

func (p *AIGCPolicy) defaults() {
	if p.Action == "" {
		p.Action = AIGCReport
	}
	if p.MismatchAction == "" {
		p.MismatchAction = AIGCReport
	}
	if p.ObjectMetadata == nil {
		t := true
		p.ObjectMetadata = &t
	}
}

// ReadsObjectMetadata reports whether object user metadata is read.
func (p *AIGCPolicy) ReadsObjectMetadata() bool { return p.ObjectMetadata == nil || *p.ObjectMetadata }

// ActionFor returns the action for labelled records of a source.
func (p *AIGCPolicy) ActionFor(source string) string {
	if a, ok := p.Sources[source]; ok {
		return a
	}
	if p.Action == "" {
		return AIGCReport
	}
	return p.Action
}

func (p *AIGCPolicy) validate(path string) error {
	check := func(field, v string) error {
		if v != "" && !contains(AIGCActions, v) {
			return &FieldError{path + "." + field, fmt.Sprintf("%q is not one of %s", v, strings.Join(AIGCActions, ", "))}
		}
		return nil
	}
	if err := check("action", p.Action); err != nil {
		return err
	}
	if err := check("mismatch_action", p.MismatchAction); err != nil {
		return err
	}
	ids := make([]string, 0, len(p.Sources))
	for id := range p.Sources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := check("sources."+id, p.Sources[id]); err != nil {
			return err
		}
	}
	for g, codes := range p.Producers {
		for i, c := range codes {
			if strings.TrimSpace(c) == "" {
				return &FieldError{fmt.Sprintf("%s.producers.%s[%d]", path, g, i), "is empty"}
			}
		}
	}
	return nil
}
