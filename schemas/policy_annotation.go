package schemas

import (
	"fmt"
	"math"
	"strings"
)

// AnnotationPolicy is the `annotation` section of the policy file. It names
// the versioned annotation-rule files (CN-IM-8.1 / TC260-5.3-b), the
// annotator roster (CN-IM-8.3 / TC260-5.3-a), the quality thresholds that
// apply when a rule file does not set its own (CN-IM-8.2), the verdict for
// each record-level violation and which batch-level rules are gates.
//
// The zero value means defaults: no rule files (every labelled record is then
// a CN-IM-8.1 finding), no roster (every annotator is unqualified), the
// thresholds below, the verdicts below, and gates on agreement and accuracy.
type AnnotationPolicy struct {
	// Rules lists annotation-rule files (schemas.AnnotationRules), relative
	// to the policy file's directory. Each file is one rule version.
	Rules []string `yaml:"rules,omitempty" json:"rules,omitempty"`
	// Roster is the key (or full URI) of the annotator roster in the input
	// store: JSONL (one schemas.Annotator per line) or YAML (a list), chosen
	// by the key's extension (.jsonl / .yaml / .yml).
	Roster string `yaml:"roster,omitempty" json:"roster,omitempty"`
	// SpotChecks is the key (or full URI) of imported reviewer verdicts in
	// the input store: JSONL of schemas.SpotCheck (written by `prov assess
	// import`). Optional; verdicts inside the labels count as well.
	SpotChecks string `yaml:"spot_checks,omitempty" json:"spot_checks,omitempty"`
	// RosterColumns maps the roster's logical keys (id, roles, trained,
	// exam_passed, suspended_from, suspended_to) to the names the file uses,
	// e.g. {id: annotator_id}. A key left out keeps its own name.
	RosterColumns Columns `yaml:"roster_columns,omitempty" json:"roster_columns,omitempty"`
	// SpotCheckColumns maps the spot-check file's logical keys (rule_version,
	// batch, id, reviewer, at, verdict) to the names the file uses.
	SpotCheckColumns Columns `yaml:"spot_check_columns,omitempty" json:"spot_check_columns,omitempty"`

	// MinAgreement is the inter-annotator agreement a batch must reach
	// (default 0.667, Krippendorff's lowest level for tentative conclusions).
	MinAgreement float64 `yaml:"min_agreement,omitempty" json:"min_agreement"`
	// Agreement names the coefficient the threshold applies to: krippendorff
	// (default; nominal alpha, missing labels allowed), fleiss or cohen. When
	// the chosen one is not defined for a batch (cohen needs one rater pair,
	// fleiss a constant rater count) krippendorff is used and the rule line
	// says so.
	Agreement string `yaml:"agreement,omitempty" json:"agreement"`
	// MinAgreementItems is the number of items with at least two labels a
	// batch needs before its agreement is judged (default 10); below it the
	// rule line passes with "insufficient data".
	MinAgreementItems int `yaml:"min_agreement_items,omitempty" json:"min_agreement_items"`
	// MinAccuracy is the spot-check accuracy (share of reviewed items the
	// reviewer accepted) a batch must reach (default 0.9).
	MinAccuracy float64 `yaml:"min_accuracy,omitempty" json:"min_accuracy"`
	// AccuracyBound is what is compared with MinAccuracy: point (default, the
	// observed accuracy) or wilson-lower (the lower end of the Wilson 95 %
	// interval, stricter for small samples).
	AccuracyBound string `yaml:"accuracy_bound,omitempty" json:"accuracy_bound"`
	// SpotCheckRate is the share of a functional batch's items that must
	// carry a reviewer verdict (default 0.05). Security batches always need
	// 100 % review (TC260-5.3-c).
	SpotCheckRate float64 `yaml:"spot_check_rate,omitempty" json:"spot_check_rate"`

	// Verdicts says what happens to a record with each kind of violation.
	Verdicts AnnotationVerdicts `yaml:"verdicts,omitempty" json:"verdicts"`

	// Gates lists the batch-level rules whose failure makes `prov run` exit
	// 3: agreement, accuracy, spot_check, review. Unset: agreement and
	// accuracy; an explicit empty list: none.
	Gates []string `yaml:"gates,omitempty" json:"gates"`
}

// AnnotationVerdicts holds the verdict (admit, quarantine, reject; "" means
// the default shown) for each record-level annotation violation.
type AnnotationVerdicts struct {
	// Malformed: the labels field is not valid labels JSON (quarantine).
	Malformed string `yaml:"malformed,omitempty" json:"malformed"`
	// Unlabelled: a record of a labelled dataset has no labels (quarantine).
	Unlabelled string `yaml:"unlabelled,omitempty" json:"unlabelled"`
	// RuleVersion: missing or unknown rule version, or a task kind other
	// than the rule file's (quarantine).
	RuleVersion string `yaml:"rule_version,omitempty" json:"rule_version"`
	// UnknownLabel: a label outside the rule version's taxonomy (quarantine).
	UnknownLabel string `yaml:"unknown_label,omitempty" json:"unknown_label"`
	// MissingField: a required field missing or a field value not allowed
	// (quarantine).
	MissingField string `yaml:"missing_field,omitempty" json:"missing_field"`
	// Span: a span outside the text, on a non-UTF-8 boundary, or missing /
	// present against the label's span rule (quarantine).
	Span string `yaml:"span,omitempty" json:"span"`
	// TooFewAnnotators: fewer distinct annotators than the rule's minimum
	// (admit: reported, the item still counts).
	TooFewAnnotators string `yaml:"too_few_annotators,omitempty" json:"too_few_annotators"`
	// Unqualified: an annotator or reviewer not in the roster, without the
	// role, not trained and examined before the label time, or suspended
	// (reject).
	Unqualified string `yaml:"unqualified,omitempty" json:"unqualified"`
	// SelfReview: the reviewer also labelled the item (quarantine).
	SelfReview string `yaml:"self_review,omitempty" json:"self_review"`
	// Unreviewed: a security item without a reviewer verdict (quarantine).
	Unreviewed string `yaml:"unreviewed,omitempty" json:"unreviewed"`
	// ReviewRejected: the reviewer rejected the item's labels (quarantine).
	ReviewRejected string `yaml:"review_rejected,omitempty" json:"review_rejected"`
}

// AnnotationGates are the gate names accepted in AnnotationPolicy.Gates.
var AnnotationGates = []string{"agreement", "accuracy", "spot_check", "review"}

// AnnotationMeasures are the agreement coefficients accepted in
// AnnotationPolicy.Agreement.
var AnnotationMeasures = []string{"krippendorff", "fleiss", "cohen"}

func (p *AnnotationPolicy) defaults() {
	if p.MinAgreement == 0 {
		p.MinAgreement = 0.667
	}
	if p.Agreement == "" {
		p.Agreement = "krippendorff"
	}
	if p.MinAgreementItems == 0 {
		p.MinAgreementItems = 10
	}
	if p.MinAccuracy == 0 {
		p.MinAccuracy = 0.9
	}
	if p.AccuracyBound == "" {
		p.AccuracyBound = "point"
	}
	if p.SpotCheckRate == 0 {
		p.SpotCheckRate = 0.05
	}
	if p.Gates == nil {
		p.Gates = []string{"agreement", "accuracy"}
	}
	v := &p.Verdicts
	for _, d := range []struct {
		f   *string
		def string
	}{
		{&v.Malformed, "quarantine"},
		{&v.Unlabelled, "quarantine"},
		{&v.RuleVersion, "quarantine"},
		{&v.UnknownLabel, "quarantine"},
		{&v.MissingField, "quarantine"},
		{&v.Span, "quarantine"},
		{&v.TooFewAnnotators, "admit"},
		{&v.Unqualified, "reject"},
		{&v.SelfReview, "quarantine"},
		{&v.Unreviewed, "quarantine"},
		{&v.ReviewRejected, "quarantine"},
	} {
		if *d.f == "" {
			*d.f = d.def
		}
	}
}

func (p *AnnotationPolicy) validate(path string) error {
	if err := p.RosterColumns.validate(path+".roster_columns", RosterColumns); err != nil {
		return err
	}
	if err := p.SpotCheckColumns.validate(path+".spot_check_columns", SpotCheckColumns); err != nil {
		return err
	}
	for i, r := range p.Rules {
		if strings.TrimSpace(r) == "" {
			return &FieldError{fmt.Sprintf("%s.rules[%d]", path, i), "rule file path is empty"}
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"min_agreement", p.MinAgreement},
		{"min_accuracy", p.MinAccuracy},
		{"spot_check_rate", p.SpotCheckRate},
	} {
		if math.IsNaN(f.v) || f.v < -1 || f.v > 1 || (f.name != "min_agreement" && f.v < 0) {
			return &FieldError{path + "." + f.name, fmt.Sprintf("%v is out of range", f.v)}
		}
	}
	if !contains(AnnotationMeasures, p.Agreement) {
		return &FieldError{path + ".agreement", fmt.Sprintf("%q is not one of %s", p.Agreement, strings.Join(AnnotationMeasures, ", "))}
	}
	if p.MinAgreementItems < 0 {
		return &FieldError{path + ".min_agreement_items", "must not be negative"}
	}
	switch p.AccuracyBound {
	case "point", "wilson-lower":
	default:
		return &FieldError{path + ".accuracy_bound", fmt.Sprintf("%q is not point or wilson-lower", p.AccuracyBound)}
	}
	for i, g := range p.Gates {
		if !contains(AnnotationGates, g) {
			return &FieldError{fmt.Sprintf("%s.gates[%d]", path, i), fmt.Sprintf("%q is not one of %s", g, strings.Join(AnnotationGates, ", "))}
		}
	}
	for _, f := range p.Verdicts.fields() {
		if _, err := ParseVerdict(*f.v); err != nil || *f.v == "redact" {
			return &FieldError{path + ".verdicts." + f.name, fmt.Sprintf("%q is not admit, quarantine or reject", *f.v)}
		}
	}
	return nil
}

type namedVerdict struct {
	name string
	v    *string
}

func (v *AnnotationVerdicts) fields() []namedVerdict {
	return []namedVerdict{
		{"malformed", &v.Malformed},
		{"unlabelled", &v.Unlabelled},
		{"rule_version", &v.RuleVersion},
		{"unknown_label", &v.UnknownLabel},
		{"missing_field", &v.MissingField},
		{"span", &v.Span},
		{"too_few_annotators", &v.TooFewAnnotators},
		{"unqualified", &v.Unqualified},
		{"self_review", &v.SelfReview},
		{"unreviewed", &v.Unreviewed},
		{"review_rejected", &v.ReviewRejected},
	}
}

// Gate reports whether the named batch-level rule is a gate.
func (p *AnnotationPolicy) Gate(name string) bool { return contains(p.Gates, name) }

// Values returns the verdicts in the order malformed, unlabelled,
// rule_version, unknown_label, missing_field, span, too_few_annotators,
// unqualified, self_review, unreviewed, review_rejected (see Names).
func (v AnnotationVerdicts) Values() []string {
	fs := v.fields()
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = *f.v
	}
	return out
}

// Names returns the YAML names of the verdict settings, in Values order.
func (v AnnotationVerdicts) Names() []string {
	fs := v.fields()
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.name
	}
	return out
}
