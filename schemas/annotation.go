package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// AnnotationRules is one versioned annotation-rule file (CN-IM-8.1 /
// TC260-5.3-b): the rules labellers followed for one task, which records
// cite by Version. Example:
//
//	version: safety-v2
//	task: security              # functional | security
//	title: Safety labels for chat prompts
//	labels:
//	  - name: safe
//	  - name: refusal
//	    required_fields: [reason]
//	  - name: harmful
//	    required_fields: [category]
//	    allowed_values: {severity: [low, medium, high]}
//	    children:               # full name: harmful/violence
//	      - name: violence
//	        span: required      # required | optional (default) | forbidden
//	quality:                    # zero fields: the policy's defaults
//	  min_annotators: 3
//	  reviewers: 1
//	  spot_check_rate: 0.1
//	  min_accuracy: 0.95
//	  min_agreement: 0.7
type AnnotationRules struct {
	Version string `yaml:"version" json:"version"`
	// Task is functional or security; security items need 100 % review.
	Task string `yaml:"task" json:"task"`
	// Title and Description say what the rules are for (CN-IM-19).
	Title       string `yaml:"title,omitempty" json:"title,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// Labels is the taxonomy. A child's full name is "<parent>/<child>";
	// every node is a usable label and inherits its ancestors' required
	// fields and allowed values.
	Labels  []LabelRule    `yaml:"labels" json:"labels"`
	Quality AnnotationGoal `yaml:"quality,omitempty" json:"quality"`
}

// LabelRule is one label of a taxonomy and its constraints.
type LabelRule struct {
	Name string `yaml:"name" json:"name"`
	// Description is the operable definition given to labellers.
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// RequiredFields must be present and non-empty in the label's fields.
	RequiredFields []string `yaml:"required_fields,omitempty" json:"required_fields,omitempty"`
	// AllowedValues restricts the value of a field to a closed list.
	AllowedValues map[string][]string `yaml:"allowed_values,omitempty" json:"allowed_values,omitempty"`
	// Span is required, optional (default) or forbidden. A span, when
	// present, must lie inside the record text on UTF-8 boundaries.
	Span     string      `yaml:"span,omitempty" json:"span,omitempty"`
	Children []LabelRule `yaml:"children,omitempty" json:"children,omitempty"`
}

// AnnotationGoal holds a rule version's quality requirements; zero fields
// take the policy's values.
type AnnotationGoal struct {
	// MinAnnotators is the number of distinct annotators each item needs
	// (default 1).
	MinAnnotators int `yaml:"min_annotators,omitempty" json:"min_annotators,omitempty"`
	// Reviewers is the number of reviewer verdicts each item needs: 0 means
	// none required for functional tasks; security tasks need at least 1
	// whatever is set here (TC260-5.3-c).
	Reviewers     int     `yaml:"reviewers,omitempty" json:"reviewers,omitempty"`
	SpotCheckRate float64 `yaml:"spot_check_rate,omitempty" json:"spot_check_rate,omitempty"`
	MinAccuracy   float64 `yaml:"min_accuracy,omitempty" json:"min_accuracy,omitempty"`
	MinAgreement  float64 `yaml:"min_agreement,omitempty" json:"min_agreement,omitempty"`
}

// Annotation task kinds (TC260-5.3-b keeps their rules apart).
const (
	TaskFunctional = "functional"
	TaskSecurity   = "security"
)

// Span rules of a label.
const (
	SpanOptional  = "optional"
	SpanRequired  = "required"
	SpanForbidden = "forbidden"
)

// LoadAnnotationRules reads and validates an annotation-rule file; errors
// are ConfigErrors naming the file, line and field.
func LoadAnnotationRules(path string) (*AnnotationRules, error) {
	var r AnnotationRules
	if err := DecodeFile(path, &r); err != nil {
		return nil, err
	}
	if err := positioned(path, r.Validate()); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks the rule file: version and task set, label names unique
// and free of '/', known span rules, thresholds in range.
func (r *AnnotationRules) Validate() error {
	if r.Version == "" || strings.ContainsAny(r.Version, " \t/") {
		return &FieldError{"version", fmt.Sprintf("%q is not a rule version (non-empty, no spaces or '/')", r.Version)}
	}
	if r.Task != TaskFunctional && r.Task != TaskSecurity {
		return &FieldError{"task", fmt.Sprintf("%q is not functional or security", r.Task)}
	}
	if len(r.Labels) == 0 {
		return &FieldError{"labels", "at least one label is required"}
	}
	if err := validateLabels("labels", r.Labels); err != nil {
		return err
	}
	q := r.Quality
	if q.MinAnnotators < 0 {
		return &FieldError{"quality.min_annotators", "must not be negative"}
	}
	if q.Reviewers < 0 {
		return &FieldError{"quality.reviewers", "must not be negative"}
	}
	for _, f := range []struct {
		name   string
		v, min float64
	}{
		{"spot_check_rate", q.SpotCheckRate, 0},
		{"min_accuracy", q.MinAccuracy, 0},
		{"min_agreement", q.MinAgreement, -1},
	} {
		if math.IsNaN(f.v) || f.v < f.min || f.v > 1 {
			return &FieldError{"quality." + f.name, fmt.Sprintf("%v is out of range", f.v)}
		}
	}
	return nil
}

func validateLabels(path string, labels []LabelRule) error {
	seen := map[string]bool{}
	for i, l := range labels {
		p := fmt.Sprintf("%s[%d]", path, i)
		if l.Name == "" || strings.ContainsAny(l.Name, "/ \t") {
			return &FieldError{p + ".name", fmt.Sprintf("%q is not a label name (non-empty, no spaces or '/')", l.Name)}
		}
		if seen[l.Name] {
			return &FieldError{p + ".name", fmt.Sprintf("label %q is defined twice", l.Name)}
		}
		seen[l.Name] = true
		switch l.Span {
		case "", SpanOptional, SpanRequired, SpanForbidden:
		default:
			return &FieldError{p + ".span", fmt.Sprintf("%q is not required, optional or forbidden", l.Span)}
		}
		for j, f := range l.RequiredFields {
			if f == "" {
				return &FieldError{fmt.Sprintf("%s.required_fields[%d]", p, j), "field name is empty"}
			}
		}
		for f, vals := range l.AllowedValues {
			if len(vals) == 0 {
				return &FieldError{p + ".allowed_values." + f, "at least one value is required"}
			}
		}
		if err := validateLabels(p+".children", l.Children); err != nil {
			return err
		}
	}
	return nil
}

// Annotator is one roster entry (CN-IM-8.3 / TC260-5.3-a). Ids are
// pseudonymous staff ids: the roster carries no names, so findings may cite
// them. An annotator is qualified at time t for a role when the role is
// listed, Trained and ExamPassed are set and not after t, and t is not in
// [SuspendedFrom, SuspendedTo) (an open end when SuspendedTo is unset).
type Annotator struct {
	ID string `yaml:"id" json:"id"`
	// Roles: annotator, reviewer (one person may hold both, never on the
	// same item).
	Roles         []string `yaml:"roles" json:"roles"`
	Trained       Time     `yaml:"trained,omitempty" json:"trained,omitzero"`
	ExamPassed    Time     `yaml:"exam_passed,omitempty" json:"exam_passed,omitzero"`
	SuspendedFrom Time     `yaml:"suspended_from,omitempty" json:"suspended_from,omitzero"`
	SuspendedTo   Time     `yaml:"suspended_to,omitempty" json:"suspended_to,omitzero"`
}

// Roster roles.
const (
	RoleAnnotator = "annotator"
	RoleReviewer  = "reviewer"
)

// Labels is the annotation object a record carries in FieldLabels (raw
// JSON). See package stages/annotation for the format.
type Labels struct {
	RuleVersion string  `json:"rule_version"`
	Batch       string  `json:"batch"`
	Task        string  `json:"task,omitempty"`
	Labels      []Label `json:"labels"`
	// Review is the reviewer's verdict on the item, if it was reviewed or
	// spot-checked; Reviews allows several.
	Review  *Review  `json:"review,omitempty"`
	Reviews []Review `json:"reviews,omitempty"`
	// Ext holds tool-specific extras, ignored by prov.
	Ext json.RawMessage `json:"ext,omitempty"`
}

// Label is one label given by one annotator.
type Label struct {
	Label     string            `json:"label"`
	Annotator string            `json:"annotator"`
	At        Time              `json:"at"`
	Fields    map[string]string `json:"fields,omitempty"`
	// Span is [start, end) in bytes of the record text, or absent.
	Span []int `json:"span,omitempty"`
}

// Review is a reviewer's verdict on an item's labels.
type Review struct {
	Reviewer string `json:"reviewer"`
	At       Time   `json:"at"`
	// Verdict is accept or reject.
	Verdict string `json:"verdict"`
}

// SpotCheck is one reviewer verdict recorded outside the labels, e.g. by
// `prov assess import` after a seeded spot-check sample was reviewed. It is
// matched to a record by rule version, batch and record id (FieldID) and
// counts as a review of that item.
type SpotCheck struct {
	RuleVersion string `json:"rule_version"`
	Batch       string `json:"batch"`
	ID          string `json:"id"`
	Reviewer    string `json:"reviewer"`
	At          Time   `json:"at"`
	Verdict     string `json:"verdict"`
}

// Review verdicts.
const (
	ReviewAccept = "accept"
	ReviewReject = "reject"
)

// ErrBadTime is returned for a time that is neither RFC 3339 nor a date.
var ErrBadTime = errors.New("want RFC 3339 or YYYY-MM-DD")

// Time is a timestamp written as RFC 3339 or as a date (YYYY-MM-DD, taken as
// 00:00 UTC). The zero Time means unset.
type Time struct{ time.Time }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Time) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t.Time = v
		return nil
	}
	v, err := time.Parse(time.DateOnly, s)
	if err != nil {
		// The value is not quoted: it may come from untrusted labels.
		return fmt.Errorf("parsing time: %w", ErrBadTime)
	}
	t.Time = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (t Time) MarshalText() ([]byte, error) {
	if t.IsZero() {
		return []byte{}, nil
	}
	return []byte(t.Format(time.RFC3339Nano)), nil
}

// UnmarshalJSON accepts a JSON string in the forms UnmarshalText accepts,
// or null (unset). It overrides time.Time's stricter method.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && !bytes.ContainsAny(b[1:n-1], "\\\"") {
		return t.UnmarshalText(b[1 : n-1]) // the common case, without a second decoder
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("parsing time: %w", ErrBadTime)
	}
	return t.UnmarshalText([]byte(s))
}

// MarshalJSON writes the time as an RFC 3339 string ("" when unset).
func (t Time) MarshalJSON() ([]byte, error) {
	b, _ := t.MarshalText()
	return json.Marshal(string(b))
}
