package schemas

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
)

// Policy is the policy file: which rules apply and with which thresholds.
// Thresholds from docs/REQUIREMENTS.md are defaults of these settings (applied by
// each section's Defaults), never constants in the stages. Each stage owns
// one section, defined in policy_<stage>.go.
type Policy struct {
	ID      string `yaml:"id" json:"id"`
	Version string `yaml:"version" json:"version"`
	// Seed drives every reproducible sample (harmful-content sampling,
	// spot checks, assessment samples).
	Seed uint64 `yaml:"seed,omitempty" json:"seed"`

	Legality   LegalityPolicy   `yaml:"legality,omitempty" json:"legality"`
	Licence    LicencePolicy    `yaml:"licence,omitempty" json:"licence"`
	PII        PIIPolicy        `yaml:"pii,omitempty" json:"pii"`
	Annotation AnnotationPolicy `yaml:"annotation,omitempty" json:"annotation"`
	Quality    QualityPolicy    `yaml:"quality,omitempty" json:"quality"`
	AIGC       AIGCPolicy       `yaml:"aigc,omitempty" json:"aigc"`

	// Dir is the directory of the policy file; relative paths inside the
	// policy (keyword lists, annotation rules) resolve against it.
	Dir string `yaml:"-" json:"-"`
	// File is the policy file's path (set by LoadPolicy; "" otherwise).
	File string `yaml:"-" json:"-"`
}

// FieldErr turns a problem with what a policy setting names (a keyword
// list, rule file, roster or registry that is missing or malformed) into a
// ConfigError naming the policy file, the setting's line and field. A
// transient error (one whose chain says Retryable) and errors of a policy
// not loaded from a file are returned as they are.
func (p *Policy) FieldErr(field string, err error) error {
	if err == nil || p == nil || p.File == "" {
		return err
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) && r.Retryable() {
		return err
	}
	var ce *ConfigError
	if errors.As(err, &ce) && ce.File != p.File {
		// A referenced YAML file's own error (an annotation-rule file): it
		// names its own file and line; say which setting named it.
		return &ConfigError{File: ce.File, Line: ce.Line, Field: ce.Field,
			Err: fmt.Errorf("%w (named by %s field %s)", ce.Err, p.File, field)}
	}
	return FileFieldError(p.File, field, err)
}

// Validate checks p after defaults were applied.
func (p *Policy) Validate() error {
	if p.ID == "" {
		return &FieldError{"id", "is required"}
	}
	for _, s := range p.sections() {
		if err := s.section.validate(s.key); err != nil {
			return err
		}
	}
	return nil
}

// ApplyDefaults fills every unset threshold with its docs/REQUIREMENTS.md default.
func (p *Policy) ApplyDefaults() {
	for _, s := range p.sections() {
		s.section.defaults()
	}
}

// policySection is one stage's section of the policy.
type policySection interface {
	// defaults fills every unset setting with its default.
	defaults()
	// validate checks the section (defaults applied); path is its key.
	validate(path string) error
}

// sections lists the stages' sections with their keys, in the order they
// are validated: the one place a new stage's section is wired in (its
// type, defaults and validation live in policy_<stage>.go; the JSON Schema
// generator's editor hints for it in jsonschema/hints.go).
func (p *Policy) sections() []struct {
	key     string
	section policySection
} {
	return []struct {
		key     string
		section policySection
	}{
		{"legality", &p.Legality},
		{"licence", &p.Licence},
		{"pii", &p.PII},
		{"annotation", &p.Annotation},
		{"quality", &p.Quality},
		{"aigc", &p.AIGC},
	}
}

// Digest is the sha256 of the policy's canonical JSON (defaults applied), so
// formatting changes of the file do not change it but any setting does.
func (p *Policy) Digest() (Digest, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return Digest{}, fmt.Errorf("encoding policy %q: %w", p.ID, err)
	}
	return sha256.Sum256(b), nil
}
