package schemas

import (
	"fmt"
	"sort"
	"strings"
)

// PI types the pii stage detects (the keys of PIIPolicy.Actions).
var PITypes = []string{
	"CN_RESIDENT_ID", "PHONE", "EMAIL", "BANK_CARD", "IP_ADDRESS", "IBAN",
	"US_SSN", "CN_USCC", "PASSPORT", "HK_ID", "TW_ID",
}

// Consent types, weakest first (PIPL-13, PIPL-28/29, PIPL-31).
const (
	ConsentGeneral  = "general"
	ConsentSeparate = "separate"
	ConsentGuardian = "guardian"
)

// PIIPolicy is the `pii` section of the policy file (docs/REQUIREMENTS.md §3).
// The zero value means the defaults below.
type PIIPolicy struct {
	// MinScore drops detections scoring below it (default 0.5).
	MinScore float64 `yaml:"min_score,omitempty" json:"min_score"`

	// ConsentRegistry is the key (relative to the input store) or URI of
	// the consent registry: JSONL or Parquet rows of subject_id, scopes,
	// type, granted_at, withdrawn_at. Empty: no registry.
	ConsentRegistry string `yaml:"consent_registry,omitempty" json:"consent_registry,omitempty"`
	// ConsentRegistryColumns maps the registry's logical columns
	// (subject_id, scopes, type, id, granted_at, withdrawn_at) to the names
	// the file uses, for a registry exported from another system. A column
	// left out keeps its own name.
	ConsentRegistryColumns Columns `yaml:"consent_registry_columns,omitempty" json:"consent_registry_columns,omitempty"`
	// Scope is the consent scope training needs (default "training").
	Scope string `yaml:"scope,omitempty" json:"scope"`

	// Actions maps a PI type to what happens to a record holding PI of that
	// type that its consent or legal basis does not cover: admit, redact,
	// quarantine or reject. Defaults: redact for every personal type, admit
	// for CN_USCC (an organisation id, not personal).
	Actions map[string]string `yaml:"actions,omitempty" json:"actions"`

	// Sensitive lists the PI types that need separate consent (PIPL-28/29).
	// Default: CN_RESIDENT_ID, BANK_CARD, IBAN, US_SSN, PASSPORT, HK_ID,
	// TW_ID.
	Sensitive []string `yaml:"sensitive,omitempty" json:"sensitive"`

	// Markers are words that make a record about an identifiable person
	// sensitive (health, biometrics, ...), by category. Default: health and
	// biometric word lists in Chinese and English.
	Markers map[string][]string `yaml:"markers,omitempty" json:"markers"`
	// MarkerAction applies to a record with a sensitive marker and an
	// identifiable subject but no separate consent (default quarantine).
	MarkerAction string `yaml:"marker_action,omitempty" json:"marker_action"`

	// GuardianAge: a person younger than this at collection time needs
	// guardian consent (PIPL-31, default 14).
	GuardianAge int `yaml:"guardian_age,omitempty" json:"guardian_age"`
	// MinorAction applies to a minor's PI without guardian consent
	// (default quarantine).
	MinorAction string `yaml:"minor_action,omitempty" json:"minor_action"`
	// WithdrawnAction applies to a record whose subject withdrew consent
	// before the run (PIPL-15/47, default reject).
	WithdrawnAction string `yaml:"withdrawn_action,omitempty" json:"withdrawn_action"`
}

// Defaults of the pii section.
var (
	defaultPIISensitive = []string{"CN_RESIDENT_ID", "BANK_CARD", "IBAN", "US_SSN", "PASSPORT", "HK_ID", "TW_ID"}
	defaultPIIMarkers   = map[string][]string{
		"health":    {"病历", "诊断", "确诊", "病史", "处方", "住院", "艾滋病", "HIV", "抑郁症", "癌症", "diagnosis", "diagnosed", "medical record", "prescription", "hospitalised", "hospitalized"},
		"biometric": {"指纹", "人脸", "面部识别", "虹膜", "声纹", "fingerprint", "face scan", "facial recognition", "iris scan", "voiceprint"},
	}
)

func (p *PIIPolicy) defaults() {
	if p.MinScore == 0 {
		p.MinScore = 0.5
	}
	if p.Scope == "" {
		p.Scope = "training"
	}
	if p.Actions == nil {
		p.Actions = map[string]string{}
	}
	for _, t := range PITypes {
		if _, ok := p.Actions[t]; !ok {
			if t == "CN_USCC" {
				p.Actions[t] = "admit"
			} else {
				p.Actions[t] = "redact"
			}
		}
	}
	if p.Sensitive == nil {
		p.Sensitive = append([]string(nil), defaultPIISensitive...)
	}
	if p.Markers == nil {
		p.Markers = map[string][]string{}
		for k, v := range defaultPIIMarkers {
			p.Markers[k] = append([]string(nil), v...)
		}
	}
	if p.MarkerAction == "" {
		p.MarkerAction = "quarantine"
	}
	if p.GuardianAge == 0 {
		p.GuardianAge = 14
	}
	if p.MinorAction == "" {
		p.MinorAction = "quarantine"
	}
	if p.WithdrawnAction == "" {
		p.WithdrawnAction = "reject"
	}
}

func (p *PIIPolicy) validate(path string) error {
	if err := p.ConsentRegistryColumns.validate(path+".consent_registry_columns", ConsentColumns); err != nil {
		return err
	}
	if p.MinScore < 0 || p.MinScore > 1 {
		return &FieldError{path + ".min_score", fmt.Sprintf("%g is not in [0, 1]", p.MinScore)}
	}
	keys := make([]string, 0, len(p.Actions))
	for k := range p.Actions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(PITypes, k) {
			return &FieldError{path + ".actions." + k, fmt.Sprintf("unknown PI type (want one of %s)", strings.Join(PITypes, ", "))}
		}
		if _, err := ParseVerdict(p.Actions[k]); err != nil {
			return &FieldError{path + ".actions." + k, fmt.Sprintf("%q is not admit, redact, quarantine or reject", p.Actions[k])}
		}
	}
	for i, t := range p.Sensitive {
		if !contains(PITypes, t) {
			return &FieldError{fmt.Sprintf("%s.sensitive[%d]", path, i), fmt.Sprintf("unknown PI type %q", t)}
		}
	}
	for k, words := range p.Markers {
		for i, w := range words {
			if strings.TrimSpace(w) == "" {
				return &FieldError{fmt.Sprintf("%s.markers.%s[%d]", path, k, i), "is empty"}
			}
		}
	}
	for _, f := range []struct{ name, v string }{
		{"marker_action", p.MarkerAction}, {"minor_action", p.MinorAction}, {"withdrawn_action", p.WithdrawnAction},
	} {
		if _, err := ParseVerdict(f.v); err != nil {
			return &FieldError{path + "." + f.name, fmt.Sprintf("%q is not admit, redact, quarantine or reject", f.v)}
		}
	}
	if p.MinorAction == "admit" || p.MinorAction == "redact" {
		return &FieldError{path + ".minor_action", "must be quarantine or reject (PIPL-31: a minor's data without guardian consent cannot be used)"}
	}
	if p.WithdrawnAction != "reject" && p.WithdrawnAction != "quarantine" {
		return &FieldError{path + ".withdrawn_action", "must be reject or quarantine (PIPL-15/47: withdrawn consent excludes the record)"}
	}
	if p.GuardianAge < 0 || p.GuardianAge > 25 {
		return &FieldError{path + ".guardian_age", fmt.Sprintf("%d is not an age in 0..25", p.GuardianAge)}
	}
	return nil
}
