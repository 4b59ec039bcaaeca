package readers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// annotator builds prov's labels object (see package stages/annotation)
// from the values an annotation map reaches, so the annotation stage sees
// one layout whatever the records look like.
type annotator struct {
	m                              *schemas.AnnotationMap
	label, annot, at, fields       []schemas.PathStep
	reviewer, decision, reviewedAt []schemas.PathStep
	fileAnnotator                  string // "$file": the object's base name
	accept, reject                 map[string]bool
}

func newAnnotator(m *schemas.AnnotationMap, key string) (*annotator, error) {
	a := &annotator{m: m, accept: map[string]bool{}, reject: map[string]bool{}}
	for _, p := range []struct {
		dst *[]schemas.PathStep
		v   string
	}{{&a.label, m.Label}, {&a.at, m.At}, {&a.fields, m.Fields}, {&a.reviewer, m.Reviewer},
		{&a.decision, m.Decision}, {&a.reviewedAt, m.ReviewedAt}} {
		if p.v == "" {
			continue // not mapped: nil
		}
		steps, err := schemas.ParsePath(p.v)
		if err != nil {
			return nil, fmt.Errorf("mapping annotation: %w", err)
		}
		if steps == nil {
			steps = []schemas.PathStep{} // "." : the entry itself
		}
		*p.dst = steps
	}
	if m.Annotator == "$file" {
		a.fileAnnotator = schemas.FileBase(key)
	} else {
		steps, err := schemas.ParsePath(m.Annotator)
		if err != nil {
			return nil, fmt.Errorf("mapping annotation: %w", err)
		}
		if steps == nil {
			steps = []schemas.PathStep{}
		}
		a.annot = steps
	}
	for _, s := range m.AcceptSpellings() {
		a.accept[strings.ToLower(s)] = true
	}
	for _, s := range m.RejectSpellings() {
		a.reject[strings.ToLower(s)] = true
	}
	return a, nil
}

// The labels object the annotation stage reads (schemas.Labels).
type outLabels struct {
	RuleVersion string      `json:"rule_version"`
	Batch       string      `json:"batch"`
	Task        string      `json:"task,omitempty"`
	Labels      []outLabel  `json:"labels"`
	Reviews     []outReview `json:"reviews,omitempty"`
}

type outLabel struct {
	Label     string            `json:"label"`
	Annotator string            `json:"annotator"`
	At        string            `json:"at,omitempty"`
	Fields    map[string]string `json:"fields,omitempty"`
}

type outReview struct {
	Reviewer string `json:"reviewer"`
	At       string `json:"at,omitempty"`
	Verdict  string `json:"verdict"`
}

// assemble builds the labels object from the raw slots (JSON arrays of the
// values each record path reached). It reports false when the record has
// none of them: the record is then unlabelled.
func (a *annotator) assemble(vals [numSlots]string) (string, bool) {
	found := false
	for s := slotLabels; s < numSlots; s++ {
		if vals[s] != "" {
			found = true
		}
	}
	if !found {
		return "", false
	}
	out := outLabels{
		RuleVersion: first(decodeSlot(vals[slotRuleVersion])),
		Batch:       first(decodeSlot(vals[slotBatch])),
		Task:        first(decodeSlot(vals[slotTask])),
		Labels:      []outLabel{},
	}
	if out.RuleVersion == "" {
		out.RuleVersion = a.m.DefaultRuleVersion
	}
	if out.Batch == "" {
		out.Batch = a.m.DefaultBatch
	}
	for _, e := range entries(decodeSlot(vals[slotLabels])) {
		annot := a.fileAnnotator
		if annot == "" {
			annot = first(evalAny(e, a.annot))
		}
		at := first(evalAny(e, a.at))
		if at == "" {
			at = a.m.DefaultAt
		}
		var fields map[string]string
		if a.fields != nil {
			for _, f := range evalAny(e, a.fields) {
				if obj, ok := f.(map[string]any); ok {
					if fields == nil {
						fields = map[string]string{}
					}
					for k, v := range obj {
						fields[k] = text(v)
					}
				}
			}
		}
		for _, l := range evalAny(e, a.label) {
			out.Labels = append(out.Labels, outLabel{Label: text(l), Annotator: annot, At: at, Fields: fields})
		}
	}
	for _, e := range entries(decodeSlot(vals[slotReviews])) {
		d := first(evalAny(e, a.decision))
		switch {
		case a.accept[strings.ToLower(d)]:
			d = schemas.ReviewAccept
		case a.reject[strings.ToLower(d)]:
			d = schemas.ReviewReject
		}
		out.Reviews = append(out.Reviews, outReview{Reviewer: first(evalAny(e, a.reviewer)),
			At: first(evalAny(e, a.reviewedAt)), Verdict: d})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", false // not reached: only strings and maps of strings
	}
	return string(b), true
}

// decodeSlot decodes a raw slot (a JSON array of values) into its values.
func decodeSlot(v string) []any {
	if v == "" {
		return nil
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.UseNumber()
	var out []any
	if dec.Decode(&out) != nil {
		return nil
	}
	return out
}

// entries flattens the values of a labels or reviews path one level: an
// array reached by the path gives its elements, anything else itself.
func entries(vs []any) []any {
	var out []any
	for _, v := range vs {
		if l, ok := v.([]any); ok {
			out = append(out, l...)
		} else if v != nil {
			out = append(out, v)
		}
	}
	return out
}

// evalAny follows steps from v and returns every value reached (nulls
// dropped). nil steps (an unmapped path) reach nothing.
func evalAny(v any, steps []schemas.PathStep) []any {
	if v == nil || steps == nil {
		return nil
	}
	if len(steps) == 0 {
		return []any{v}
	}
	st := steps[0]
	switch st.Kind {
	case schemas.StepKey:
		if m, ok := v.(map[string]any); ok {
			return evalAny(m[st.Key], steps[1:])
		}
	case schemas.StepIndex:
		if l, ok := v.([]any); ok && st.Index < len(l) {
			return evalAny(l[st.Index], steps[1:])
		}
	case schemas.StepAll:
		if l, ok := v.([]any); ok {
			var out []any
			for _, e := range l {
				out = append(out, evalAny(e, steps[1:])...)
			}
			return out
		}
	}
	return nil
}

// first returns the text of the first value, or "".
func first(vs []any) string {
	if len(vs) == 0 {
		return ""
	}
	return text(vs[0])
}

// text is a value's text as a field: strings as they are, numbers and
// booleans as JSON text, objects and arrays as compact JSON.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		if t {
			return "true"
		}
		return "false"
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}
