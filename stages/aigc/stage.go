package aigc

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Rule IDs this stage cites (docs/REQUIREMENTS.md §7).
const (
	RuleExplicit   = "CN-LM-4"            // explicit label found (evidence)
	RuleImplicit   = "CN-LM-5"            // implicit label found (evidence)
	RuleHuman      = "CN-LM-10"           // labelled record in a source not declared synthetic
	RuleProducer   = "CN-LM-5.producer"   // synthetic source: label producer vs declared generator
	RuleUnlabelled = "CN-LM-4.unlabelled" // synthetic source: records without any label
	RuleShare      = "EU-TPL-2.5"         // synthetic share of the version
)

// Name is the stage name used in findings.
const Name = "aigc"

// Stage finds AI-generated-content labels (GB 45438-2025) in records and
// applies the policy's aigc section. Build it with New; it is safe for
// concurrent use.
type Stage struct {
	pol      schemas.AIGCPolicy
	sources  map[string]*sourceInfo
	unknown  *sourceInfo // records of no registered source
	mismatch schemas.Verdict
}

var _ stages.Stage = (*Stage)(nil)

type sourceInfo struct {
	synthetic bool
	generator string
	action    string
	verdict   schemas.Verdict
	producers map[string]bool // lower-case producer codes matching the generator
}

// New builds the stage from the policy's aigc section and the source
// registry (which sources are declared synthetic, by which generator).
func New(_ context.Context, env stages.Env) (*Stage, error) {
	var pol schemas.AIGCPolicy
	if env.Policy != nil {
		pol = env.Policy.AIGC
	}
	tmp := schemas.Policy{AIGC: pol}
	tmp.ApplyDefaults()
	pol = tmp.AIGC
	s := &Stage{pol: pol, sources: map[string]*sourceInfo{}}
	var err error
	if s.mismatch, err = actionVerdict(pol.MismatchAction); err != nil {
		return nil, fmt.Errorf("building aigc stage: mismatch_action: %w", err)
	}
	if s.unknown, err = s.newSource("", false, ""); err != nil {
		return nil, err
	}
	if env.Sources != nil {
		for i := range env.Sources.Sources {
			src := &env.Sources.Sources[i]
			info, err := s.newSource(src.ID, src.Channel == schemas.ChannelSynthetic, src.Generator)
			if err != nil {
				return nil, err
			}
			s.sources[src.ID] = info
		}
	}
	return s, nil
}

func (s *Stage) newSource(id string, synthetic bool, generator string) (*sourceInfo, error) {
	info := &sourceInfo{synthetic: synthetic, generator: generator, action: s.pol.ActionFor(id),
		producers: map[string]bool{}}
	var err error
	if info.verdict, err = actionVerdict(info.action); err != nil {
		return nil, fmt.Errorf("building aigc stage: source %s: %w", id, err)
	}
	if generator != "" {
		info.producers[strings.ToLower(generator)] = true
		for _, p := range s.pol.Producers[generator] {
			info.producers[strings.ToLower(strings.TrimSpace(p))] = true
		}
	}
	return info, nil
}

// actionVerdict maps an aigc action to the verdict of a labelled record.
func actionVerdict(a string) (schemas.Verdict, error) {
	switch a {
	case schemas.AIGCAllowed, schemas.AIGCReport, "":
		return schemas.Admit, nil
	case schemas.AIGCQuarantine:
		return schemas.Quarantine, nil
	case schemas.AIGCReject:
		return schemas.Reject, nil
	}
	return schemas.Admit, fmt.Errorf("%q is not one of %s", a, strings.Join(schemas.AIGCActions, ", "))
}

// source returns what the stage knows of a source; a record of no
// registered source is treated as not declared synthetic, with the default
// action.
func (s *Stage) source(id string) *sourceInfo {
	if info := s.sources[id]; info != nil {
		return info
	}
	return s.unknown
}

// Name returns "aigc".
func (s *Stage) Name() string { return Name }

// NewState returns an empty accumulator.
func (s *Stage) NewState() stages.State { return newState() }

// Labels returns every label of a record: explicit notices in its text,
// implicit structures in its mapped aigc field and in Record.Meta (AIGC
// keys of the record, the object's metadata). A value under an AIGC key
// that is not a label structure is ignored.
func Labels(r *schemas.Record, dst []Label) []Label {
	if t, ok := r.Get(schemas.FieldText); ok {
		dst = Explicit(t, dst)
	}
	if v, ok := r.Get(schemas.FieldAIGC); ok && v != "" {
		if l, err := ParseImplicit("field", v); err == nil {
			dst = append(dst, l)
		}
	}
	for _, m := range r.Meta {
		if l, err := ParseImplicit(m.Where, m.Value); err == nil {
			dst = append(dst, l)
		}
	}
	return dst
}

// Check finds the record's labels, counts them and applies the policy.
func (s *Stage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	var buf [4]Label
	labels := Labels(r, buf[:0])
	acc, _ := st.(*state)
	src := s.source(r.Source)
	var a *sourceAcc
	if acc != nil {
		id := r.Source
		if id == "" {
			id = "(none)" // no source resolved: counted, never blank in a metric's dimension
		}
		a = acc.source(id)
		a.records++
	}
	if len(labels) == 0 {
		if a != nil && src.synthetic {
			a.synthetic++
			a.addProducer(producerOf(src, ""))
		}
		return
	}
	var explicit, implicit bool
	producer := ""
	mismatch := ""
	for _, l := range labels {
		switch l.Kind {
		case KindExplicit:
			explicit = true
			if a != nil {
				if l.Lang == "zh" {
					a.zh++
				} else {
					a.en++
				}
			}
		case KindImplicit:
			implicit = true
			if a != nil {
				a.where[l.Where]++
			}
			if l.Producer != "" && producer == "" {
				producer = l.Producer
			}
			if src.synthetic && src.generator != "" && l.Producer != "" && !src.producers[strings.ToLower(l.Producer)] && mismatch == "" {
				mismatch = l.Producer
			}
		}
	}
	if a != nil {
		a.labelled++
		a.synthetic++
		if explicit {
			a.explicit++
		}
		if implicit {
			a.implicit++
		}
		if mismatch != "" {
			a.mismatch++
		}
		a.addProducer(producerOf(src, producer))
	}
	ev := evidence(labels)
	rule := RuleExplicit
	if implicit {
		rule = RuleImplicit
	}
	kinds := kindsOf(explicit, implicit)
	if !src.synthetic {
		sev := schemas.SeverityWarning
		switch src.action {
		case schemas.AIGCAllowed:
			sev = schemas.SeverityInfo
		case schemas.AIGCQuarantine, schemas.AIGCReject:
			sev = schemas.SeverityError
		}
		out.Find(src.verdict, schemas.Finding{RuleID: RuleHuman, Stage: Name, Severity: sev,
			Message:  fmt.Sprintf("record carries %s AI-generated-content label(s) but its source is not declared synthetic; action %s", kinds, src.action),
			Evidence: ev})
		return
	}
	out.Find(schemas.Admit, schemas.Finding{RuleID: rule, Stage: Name, Severity: schemas.SeverityInfo,
		Message: fmt.Sprintf("record of a declared-synthetic source carries %s AI-generated-content label(s)", kinds), Evidence: ev})
	if mismatch != "" {
		sev := schemas.SeverityWarning
		if s.mismatch != schemas.Admit {
			sev = schemas.SeverityError
		}
		if s.pol.MismatchAction == schemas.AIGCAllowed {
			sev = schemas.SeverityInfo
		}
		out.Find(s.mismatch, schemas.Finding{RuleID: RuleProducer, Stage: Name, Severity: sev,
			Message:  fmt.Sprintf("implicit label names producer %q, not the declared generator %q; action %s", mismatch, src.generator, s.pol.MismatchAction),
			Evidence: ev})
	}
}

func kindsOf(explicit, implicit bool) string {
	switch {
	case explicit && implicit:
		return "explicit and implicit"
	case explicit:
		return KindExplicit
	}
	return KindImplicit
}

// producerOf names who generated a synthetic record: the label's producer,
// else the source's declared generator, else "unknown".
func producerOf(src *sourceInfo, labelProducer string) string {
	switch {
	case labelProducer != "":
		return labelProducer
	case src.generator != "":
		return src.generator
	}
	return "unknown"
}

// evidence is the compact JSON list of a record's labels: kinds, offsets,
// codes; never text.
func evidence(labels []Label) string {
	// A copy: marshalling labels itself would move Check's label buffer
	// to the heap for every record, labelled or not.
	b, err := json.Marshal(slices.Clone(labels))
	if err != nil {
		return ""
	}
	return string(b)
}
