package schemas

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// FieldSpec says where one logical field lives in an input record: one
// field path, or several whose values are concatenated. In YAML it is a
// string (one path) or a list of strings:
//
//	text: messages[*].content
//	text: [instruction, input, output]
//
// A path is dotted keys (metadata.url), with an index ([0]) or a wildcard
// ([*]) after any key or at the start (relative paths in annotation maps):
// messages[0].content, annotations[*].result[*].value.choices[*]. The value
// of a field is the text of every value its paths reach, in order (paths in
// list order, array elements in array order); when there are several, the
// non-empty ones are joined with one "\n". Strings are taken unescaped,
// numbers and booleans as their JSON text, objects and arrays as compact
// JSON, null as absent. A field none of whose paths reach a value is absent.
type FieldSpec []string

// UnmarshalYAML accepts a string or a list of strings.
func (s *FieldSpec) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*s = nil
			return nil
		}
		*s = FieldSpec{n.Value}
		return nil
	case yaml.SequenceNode:
		var l []string
		if err := n.Decode(&l); err != nil {
			return err
		}
		*s = FieldSpec(l)
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: cannot unmarshal %s into a field path (want a string or a list of strings)", n.Line, kindName(n))}}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return "`" + n.Value + "`"
}

// Single reports whether s is one plain top-level key (no dots, brackets).
func (s FieldSpec) Single() (string, bool) {
	if len(s) != 1 || strings.ContainsAny(s[0], ".[]") || s[0] == "" {
		return "", false
	}
	return s[0], true
}

// Validate checks every path of s. An empty list is valid: the field is
// not read (a dataset whose records carry a `labels` key that is not an
// annotation says `labels: []`).
func (s FieldSpec) Validate() error {
	for _, p := range s {
		if p == "" {
			return errors.New("field path is empty")
		}
		if _, err := ParsePath(p); err != nil {
			return err
		}
	}
	return nil
}

// StepKind is the kind of one path step.
type StepKind uint8

// Path step kinds.
const (
	StepKey   StepKind = iota // an object key (or struct field / column)
	StepIndex                 // an array element by position
	StepAll                   // every array element ([*])
)

// PathStep is one step of a parsed field path.
type PathStep struct {
	Kind  StepKind
	Key   string
	Index int
}

// ErrBadPath is wrapped by errors about a malformed field path.
var ErrBadPath = errors.New("malformed field path")

// ParsePath parses a field path (see FieldSpec). "" and "." are the empty
// path: the value itself.
func ParsePath(p string) ([]PathStep, error) {
	if p == "" || p == "." {
		return nil, nil
	}
	var steps []PathStep
	i := 0
	for i < len(p) {
		switch c := p[i]; c {
		case '[':
			j := strings.IndexByte(p[i:], ']')
			if j < 0 {
				return nil, fmt.Errorf("%w %q: '[' without ']'", ErrBadPath, p)
			}
			in := p[i+1 : i+j]
			if in == "*" {
				steps = append(steps, PathStep{Kind: StepAll})
			} else {
				n, err := strconv.Atoi(in)
				if err != nil || n < 0 {
					return nil, fmt.Errorf("%w %q: [%s] is not an index or [*]", ErrBadPath, p, in)
				}
				steps = append(steps, PathStep{Kind: StepIndex, Index: n})
			}
			i += j + 1
			if i < len(p) && p[i] == '.' {
				i++
				if i == len(p) {
					return nil, fmt.Errorf("%w %q: ends with '.'", ErrBadPath, p)
				}
			}
		case '.', ']':
			return nil, fmt.Errorf("%w %q: unexpected %q at %d", ErrBadPath, p, c, i)
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' && p[j] != ']' {
				j++
			}
			steps = append(steps, PathStep{Kind: StepKey, Key: p[i:j]})
			i = j
			if i < len(p) && p[i] == '.' {
				i++
				if i == len(p) {
					return nil, fmt.Errorf("%w %q: ends with '.'", ErrBadPath, p)
				}
			}
		}
	}
	return steps, nil
}

// AnnotationMap says where the parts of an item's annotation live when the
// record does not carry prov's labels object (see package stages/annotation)
// under one field. Paths of Labels, Reviews, Batch, Task and RuleVersion
// start at the record; the others are relative to one label entry or one
// review entry. Unset keys are not mapped; a preset (Shape) or an outer
// level fills them. Example, for records like
//
//	{"labels": [{"annotator_id": "a1", "label": "safe", "labelled_at": "2024-05-01"}],
//	 "reviews": [{"reviewer_id": "r1", "decision": "approved"}],
//	 "batch_id": "b7", "task": "security", "rule_version": "safety-v2"}
//
// the map is {labels: labels, annotator: annotator_id, label: label, at:
// labelled_at, reviews: reviews, reviewer: reviewer_id, decision: decision,
// batch: batch_id, task: task, rule_version: rule_version}.
type AnnotationMap struct {
	// Labels is the path of the label entries: an array (each element one
	// entry), a wildcard path (each value one entry) or one object.
	Labels string `yaml:"labels,omitempty" json:"labels,omitempty"`
	// Label is the label name within an entry; a path that reaches several
	// values gives one label each (Label Studio's result[*].value.choices[*]).
	Label string `yaml:"label,omitempty" json:"label,omitempty"`
	// Annotator is the annotator id within an entry; "$file" takes the base
	// name of the object (per-annotator export files).
	Annotator string `yaml:"annotator,omitempty" json:"annotator,omitempty"`
	// At is the label time within an entry (RFC 3339 or a date).
	At string `yaml:"at,omitempty" json:"at,omitempty"`
	// Fields is an object of label fields within an entry (checked against
	// the rule's required fields and allowed values).
	Fields string `yaml:"fields,omitempty" json:"fields,omitempty"`
	// Reviews is the path of the review entries (array, wildcard or object).
	Reviews string `yaml:"reviews,omitempty" json:"reviews,omitempty"`
	// Reviewer, Decision and ReviewedAt are relative to a review entry.
	Reviewer   string `yaml:"reviewer,omitempty" json:"reviewer,omitempty"`
	Decision   string `yaml:"decision,omitempty" json:"decision,omitempty"`
	ReviewedAt string `yaml:"reviewed_at,omitempty" json:"reviewed_at,omitempty"`
	// Accept and Reject list the decision spellings that mean accept and
	// reject (compared case-insensitively). Default: accept, accepted,
	// approve, approved, ok, pass, passed, yes, true / reject, rejected,
	// deny, denied, fail, failed, no, false.
	Accept []string `yaml:"accept,omitempty" json:"accept,omitempty"`
	Reject []string `yaml:"reject,omitempty" json:"reject,omitempty"`
	// Batch, Task and RuleVersion are paths from the record.
	Batch       string `yaml:"batch,omitempty" json:"batch,omitempty"`
	Task        string `yaml:"task,omitempty" json:"task,omitempty"`
	RuleVersion string `yaml:"rule_version,omitempty" json:"rule_version,omitempty"`
	// Defaults for items that do not say: the rule version, task and batch
	// given here apply when the record has none (e.g. an export made for
	// one rule version).
	DefaultRuleVersion string `yaml:"default_rule_version,omitempty" json:"default_rule_version,omitempty"`
	DefaultBatch       string `yaml:"default_batch,omitempty" json:"default_batch,omitempty"`
	// DefaultAt is the label time (RFC 3339 or a date) of entries that have
	// none: exports such as doccano's carry no label times, and an
	// annotator's qualification can only be checked at a time.
	DefaultAt string `yaml:"default_at,omitempty" json:"default_at,omitempty"`
}

// Default decision spellings of AnnotationMap.
var (
	DefaultAccept = []string{"accept", "accepted", "approve", "approved", "ok", "pass", "passed", "yes", "true"}
	DefaultReject = []string{"reject", "rejected", "deny", "denied", "fail", "failed", "no", "false"}
)

// IsZero reports whether no key is set.
func (a *AnnotationMap) IsZero() bool {
	return a == nil || (a.Labels == "" && a.Reviews == "" && a.Batch == "" && a.Task == "" && a.RuleVersion == "" &&
		a.Label == "" && a.Annotator == "" && a.At == "" && a.Fields == "" && a.Reviewer == "" && a.Decision == "" &&
		a.ReviewedAt == "" && a.Accept == nil && a.Reject == nil && a.DefaultRuleVersion == "" && a.DefaultBatch == "" &&
		a.DefaultAt == "")
}

// overlay sets every key o sets.
func (a *AnnotationMap) overlay(o *AnnotationMap) {
	if o == nil {
		return
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&a.Labels, o.Labels)
	set(&a.Label, o.Label)
	set(&a.Annotator, o.Annotator)
	set(&a.At, o.At)
	set(&a.Fields, o.Fields)
	set(&a.Reviews, o.Reviews)
	set(&a.Reviewer, o.Reviewer)
	set(&a.Decision, o.Decision)
	set(&a.ReviewedAt, o.ReviewedAt)
	set(&a.Batch, o.Batch)
	set(&a.Task, o.Task)
	set(&a.RuleVersion, o.RuleVersion)
	set(&a.DefaultRuleVersion, o.DefaultRuleVersion)
	set(&a.DefaultBatch, o.DefaultBatch)
	set(&a.DefaultAt, o.DefaultAt)
	if o.Accept != nil {
		a.Accept = o.Accept
	}
	if o.Reject != nil {
		a.Reject = o.Reject
	}
}

// Validate checks every path of a.
func (a *AnnotationMap) Validate() error {
	if a == nil {
		return nil
	}
	for _, p := range []struct{ name, v string }{
		{"labels", a.Labels}, {"label", a.Label}, {"at", a.At}, {"fields", a.Fields},
		{"reviews", a.Reviews}, {"reviewer", a.Reviewer}, {"decision", a.Decision}, {"reviewed_at", a.ReviewedAt},
		{"batch", a.Batch}, {"task", a.Task}, {"rule_version", a.RuleVersion},
	} {
		if _, err := ParsePath(p.v); err != nil {
			return &FieldError{p.name, err.Error()}
		}
	}
	if a.Annotator != "$file" {
		if _, err := ParsePath(a.Annotator); err != nil {
			return &FieldError{"annotator", err.Error()}
		}
	}
	if a.DefaultAt != "" {
		var t Time
		if err := t.UnmarshalText([]byte(a.DefaultAt)); err != nil {
			return &FieldError{"default_at", fmt.Sprintf("%q is not a time: %v", a.DefaultAt, err)}
		}
	}
	if a.Labels != "" && (a.Label == "" || a.Annotator == "") {
		return &FieldError{"labels", "a label map needs label and annotator too"}
	}
	if a.Reviews != "" && (a.Reviewer == "" || a.Decision == "") {
		return &FieldError{"reviews", "a review map needs reviewer and decision too"}
	}
	return nil
}

// AcceptSpellings and RejectSpellings return the decision spellings in use.
func (a *AnnotationMap) AcceptSpellings() []string {
	if a.Accept != nil {
		return a.Accept
	}
	return DefaultAccept
}

// RejectSpellings: see AcceptSpellings.
func (a *AnnotationMap) RejectSpellings() []string {
	if a.Reject != nil {
		return a.Reject
	}
	return DefaultReject
}

// Shape is a named preset: a documented field map (and annotation map) for
// a common record layout. A user's fields and annotation keys override it
// key by key.
type Shape struct {
	Name        string
	Description string
	Fields      map[string]FieldSpec
	Annotation  *AnnotationMap
}

// Shapes are the presets accepted in datasets[].shape, inputs[].shape and
// sources[].shape. docs/config.md lists them; keep the two in step.
var Shapes = []Shape{
	{Name: "openai-chat", Description: "OpenAI chat fine-tuning JSONL: {messages: [{role, content}]}",
		Fields: map[string]FieldSpec{"text": {"messages[*].content"}}},
	{Name: "sharegpt", Description: "ShareGPT conversations: {id, conversations: [{from, value}]}",
		Fields: map[string]FieldSpec{"text": {"conversations[*].value"}}},
	{Name: "alpaca", Description: "Alpaca instruction tuning: {instruction, input, output}",
		Fields: map[string]FieldSpec{"text": {"instruction", "input", "output"}}},
	{Name: "dolma", Description: "Dolma / FineWeb / RedPajama documents: {id, text, added, created, metadata: {url}} or {text, id, url, date}",
		Fields: map[string]FieldSpec{"url": {"metadata.url", "url"}, "fetched_at": {"added", "date"}}},
	{Name: "label-studio", Description: "Label Studio JSON export: {id, data: {text}, annotations: [{completed_by, created_at, result: [{value: {choices}}]}]}",
		Fields: map[string]FieldSpec{"text": {"data.text"}},
		Annotation: &AnnotationMap{Labels: "annotations[*]", Label: "result[*].value.choices[*]",
			Annotator: "completed_by", At: "created_at", Batch: "project"}},
	{Name: "doccano", Description: "doccano JSONL export (text classification), one file per annotator: {id, text, label: [...]}",
		Fields:     map[string]FieldSpec{"text": {"text"}},
		Annotation: &AnnotationMap{Labels: "label[*]", Label: ".", Annotator: "$file"}},
}

// ShapeByName returns the preset with the given name.
func ShapeByName(name string) (*Shape, bool) {
	for i := range Shapes {
		if Shapes[i].Name == name {
			return &Shapes[i], true
		}
	}
	return nil, false
}

// ShapeNames lists the preset names.
func ShapeNames() []string {
	out := make([]string, len(Shapes))
	for i, s := range Shapes {
		out[i] = s.Name
	}
	return out
}

// FieldMap is how to read the records of one object: a FieldSpec per
// logical field (nil: not mapped) and, when set, the annotation map that
// builds the labels field.
type FieldMap struct {
	Fields     [NumFields]FieldSpec
	Annotation *AnnotationMap
}

// TopLevel returns a FieldMap of plain top-level names ("" = not mapped).
func TopLevel(names [NumFields]string) FieldMap {
	var m FieldMap
	for f, n := range names {
		if n != "" {
			m.Fields[f] = FieldSpec{n}
		}
	}
	return m
}

// Maps reports whether field f is mapped (for labels: also by an
// annotation map).
func (m *FieldMap) Maps(f Field) bool {
	if f == FieldLabels && !m.Annotation.IsZero() {
		return true
	}
	return len(m.Fields[f]) > 0
}

// layer is one level of the field map: a shape and explicit keys.
type layer struct {
	shape      string
	fields     map[string]FieldSpec
	annotation *AnnotationMap
}

func (m *FieldMap) apply(l layer) {
	if s, ok := ShapeByName(l.shape); ok {
		m.overlay(s.Fields, s.Annotation)
	}
	m.overlay(l.fields, l.annotation)
}

func (m *FieldMap) overlay(fields map[string]FieldSpec, ann *AnnotationMap) {
	for k, v := range fields {
		if f, ok := ParseField(k); ok {
			m.Fields[f] = v
		}
	}
	if !ann.IsZero() {
		if m.Annotation == nil {
			m.Annotation = &AnnotationMap{}
		} else {
			cp := *m.Annotation
			m.Annotation = &cp
		}
		m.Annotation.overlay(ann)
	}
}

// ReadMap returns the field map for objects of input in (nil: the dataset's
// own) whose source is src (nil: none): each logical field maps to its own
// name, then the dataset's shape and fields, the source's shape and fields,
// the input's shape and fields override it key by key.
func (d *DatasetConfig) ReadMap(in *InputConfig, src *Source) FieldMap {
	var m FieldMap
	for f := Field(0); f < NumFields; f++ {
		if f.Default() {
			m.Fields[f] = FieldSpec{f.String()}
		}
	}
	m.apply(layer{d.Shape, d.Fields, d.Annotation})
	if src != nil {
		m.apply(layer{src.Shape, src.Fields, src.Annotation})
	}
	if in != nil {
		m.apply(layer{in.Shape, in.Fields, in.Annotation})
	}
	return m
}

// InputFor returns the first input of d whose prefix holds key (the
// planner's rule: the first input that lists an object wins), or nil.
func (d *DatasetConfig) InputFor(key string) *InputConfig {
	for i := range d.Inputs {
		if strings.HasPrefix(key, d.Inputs[i].Prefix) {
			return &d.Inputs[i]
		}
	}
	return nil
}

// ObjectReadMap is the field map of the object at key with resolved source
// id src (as the planner resolves it): the read map of its input and source.
func (d *DatasetConfig) ObjectReadMap(reg *SourceRegistry, key, src string) FieldMap {
	var s *Source
	if reg != nil && src != "" {
		s = reg.Lookup(src)
	}
	return d.ReadMap(d.InputFor(key), s)
}

// MapsLabels reports whether any level of the dataset maps the labels
// field for some of its objects (the dataset is then labelled).
func (d *DatasetConfig) MapsLabels(reg *SourceRegistry) bool {
	all, srcs := d.LabelledSources(reg)
	return all || len(srcs) > 0
}

// LabelledSources says which records of the dataset must carry labels (a
// record without them is a finding): all of them when the dataset's own
// shape, fields or annotation map names labels; otherwise those whose
// source's field map does (the source's registry entry, or an input that
// names the source or whose prefix overlaps the source's prefixes). So a
// dataset that spans a labelled source and unlabelled ones (a chat source,
// web documents) expects labels from the labelled source only.
func (d *DatasetConfig) LabelledSources(reg *SourceRegistry) (all bool, srcs map[string]bool) {
	if len(d.Fields[FieldLabels.String()]) > 0 {
		return true, nil
	}
	hasAnn := func(shape string, fields map[string]FieldSpec, ann *AnnotationMap) bool {
		if len(fields[FieldLabels.String()]) > 0 || !ann.IsZero() {
			return true
		}
		s, ok := ShapeByName(shape)
		return ok && !s.Annotation.IsZero()
	}
	if hasAnn(d.Shape, nil, d.Annotation) {
		return true, nil
	}
	srcs = map[string]bool{}
	overlaps := func(in *InputConfig, s *Source) bool {
		for _, p := range s.Prefixes {
			if strings.HasPrefix(p, in.Prefix) || strings.HasPrefix(in.Prefix, p) {
				return true
			}
		}
		return false
	}
	for i := range d.Inputs {
		in := &d.Inputs[i]
		inAnn := hasAnn(in.Shape, in.Fields, in.Annotation)
		if in.Source != "" {
			s := (*Source)(nil)
			if reg != nil {
				s = reg.Lookup(in.Source)
			}
			if inAnn || (s != nil && hasAnn(s.Shape, s.Fields, s.Annotation)) {
				srcs[in.Source] = true
			}
			continue
		}
		if reg == nil {
			if inAnn {
				return true, nil
			}
			continue
		}
		found := false
		for j := range reg.Sources {
			s := &reg.Sources[j]
			if overlaps(in, s) && (inAnn || hasAnn(s.Shape, s.Fields, s.Annotation)) {
				srcs[s.ID], found = true, true
			}
		}
		if inAnn && !found {
			// the input's records name their sources themselves: expect
			// labels from all of them
			return true, nil
		}
	}
	return false, srcs
}

// MappedFields returns the logical fields the dataset's configuration
// names for its records, in field order: the keys of the field maps and
// shapes of the dataset, of its inputs and of the registry sources they
// read (the source an input names or, when it names none, each source
// whose prefixes overlap the input's), labels when an annotation map builds
// them; a key mapped to [] (not read) counts only where another layer maps
// it. A dataset none of whose layers names a field reads every logical
// field under its own name: then all of them. The quality stage reports
// the completeness of these.
func (d *DatasetConfig) MappedFields(reg *SourceRegistry) []Field {
	var seen [NumFields]bool
	any := false
	layer := func(shape string, fields map[string]FieldSpec, ann *AnnotationMap) {
		if sh, ok := ShapeByName(shape); ok {
			any = true
			for k, v := range sh.Fields {
				if f, ok := ParseField(k); ok && len(v) > 0 {
					seen[f] = true
				}
			}
			if !sh.Annotation.IsZero() {
				seen[FieldLabels] = true
			}
		}
		for k, v := range fields {
			any = true
			if f, ok := ParseField(k); ok && len(v) > 0 {
				seen[f] = true
			}
		}
		if !ann.IsZero() {
			any = true
			seen[FieldLabels] = true
		}
	}
	layer(d.Shape, d.Fields, d.Annotation)
	for i := range d.Inputs {
		in := &d.Inputs[i]
		layer(in.Shape, in.Fields, in.Annotation)
		if reg == nil {
			continue
		}
		if in.Source != "" {
			if s := reg.Lookup(in.Source); s != nil {
				layer(s.Shape, s.Fields, s.Annotation)
			}
			continue
		}
		for j := range reg.Sources {
			s := &reg.Sources[j]
			for _, p := range s.Prefixes {
				if strings.HasPrefix(p, in.Prefix) || strings.HasPrefix(in.Prefix, p) {
					layer(s.Shape, s.Fields, s.Annotation)
					break
				}
			}
		}
	}
	var out []Field
	for f := Field(0); f < NumFields; f++ {
		if seen[f] || (!any && f.Default()) {
			out = append(out, f)
		}
	}
	return out
}

// validateFieldLayer checks one level's shape, fields and annotation map;
// p is the YAML path of the level (e.g. "datasets[0]").
func validateFieldLayer(p, shape string, fields map[string]FieldSpec, ann *AnnotationMap) error {
	if shape != "" {
		if _, ok := ShapeByName(shape); !ok {
			return &FieldError{p + ".shape", fmt.Sprintf("%q is not one of %s", shape, strings.Join(ShapeNames(), ", "))}
		}
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := ParseField(k); !ok {
			return &FieldError{p + ".fields." + k, fmt.Sprintf("unknown logical field (want one of %s)", strings.Join(FieldNames(), ", "))}
		}
		if err := fields[k].Validate(); err != nil {
			return &FieldError{p + ".fields." + k, err.Error()}
		}
	}
	if err := ann.Validate(); err != nil {
		var fe *FieldError
		if errors.As(err, &fe) {
			return &FieldError{p + ".annotation." + fe.Path, fe.Msg}
		}
		return &FieldError{p + ".annotation", err.Error()}
	}
	return nil
}

// FileBase is the base name of an object key without its extensions
// (annotators/ann-03.jsonl.gz → ann-03), the annotator of "$file" maps.
func FileBase(key string) string {
	b := path.Base(key)
	if i := strings.IndexByte(b, '.'); i > 0 {
		b = b[:i]
	}
	return b
}
