package annotation

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Name is the stage's name in findings.
const Name = "annotation"

// Stage is the annotation-rule conformance check. It is safe for concurrent
// use: after New it only reads its rules and roster.
type Stage struct {
	policy     *schemas.AnnotationPolicy
	rules      map[string]*ruleSet
	versions   []string // sorted rule versions
	roster     *Roster
	spot       map[string][]schemas.Review // imported verdicts by spotKey
	mapped     bool                        // every record of the dataset must carry labels
	labelled   map[string]bool             // else: sources whose records must carry labels
	subjectKey func(kind, value string) string
	verdicts   [numKinds]schemas.Verdict
	// maxMalformed is quality.max_malformed_rate: the gate on labels that
	// cannot be read (schemas.RuleMalformed).
	maxMalformed float64
}

var _ stages.Stage = (*Stage)(nil)

// New builds the stage from the policy's annotation section: it loads the
// rule files (relative to the policy's directory) and reads the roster once
// through env.Open. A dataset that does not map the labels field needs
// neither: New then returns a stage that ignores unlabelled records.
func New(ctx context.Context, env stages.Env) (*Stage, error) {
	var pol schemas.AnnotationPolicy
	dir := ""
	if env.Policy != nil {
		pol = env.Policy.Annotation
		dir = env.Policy.Dir
	}
	if pol.MinAgreement == 0 && pol.Agreement == "" {
		// A policy not loaded through schemas.LoadPolicy: apply defaults.
		p := schemas.Policy{ID: "annotation-defaults", Annotation: pol}
		p.ApplyDefaults()
		pol = p.Annotation
	}
	s := &Stage{policy: &pol, subjectKey: env.SubjectKey, maxMalformed: 0.01}
	if env.Policy != nil && env.Policy.Quality.MaxMalformedRate > 0 {
		s.maxMalformed = env.Policy.Quality.MaxMalformedRate
	}
	if env.Dataset != nil {
		s.mapped, s.labelled = env.Dataset.LabelledSources(env.Sources)
	}
	vs := pol.Verdicts.Values()
	for i, v := range vs {
		pv, err := schemas.ParseVerdict(v)
		if err != nil {
			return nil, fmt.Errorf("parsing annotation.verdicts.%s: %w", kindNames[i], err)
		}
		s.verdicts[i] = pv
	}
	var err error
	if s.rules, err = loadRuleSets(dir, &pol); err != nil {
		return nil, env.Policy.FieldErr("annotation.rules", err)
	}
	for v := range s.rules {
		s.versions = append(s.versions, v)
	}
	slices.Sort(s.versions)
	if pol.Roster != "" {
		err := readAux(ctx, env, pol.Roster, func(r io.Reader) (err error) {
			s.roster, err = ParseRosterColumns(r, pol.Roster, pol.RosterColumns)
			return err
		})
		if err != nil {
			return nil, env.Policy.FieldErr("annotation.roster", fmt.Errorf("reading annotator roster: %w", err))
		}
	}
	if pol.SpotChecks != "" {
		err := readAux(ctx, env, pol.SpotChecks, func(r io.Reader) error {
			checks, err := ParseSpotChecksColumns(r, pol.SpotChecks, pol.SpotCheckColumns)
			s.spot = make(map[string][]schemas.Review, len(checks))
			for _, c := range checks {
				k := spotKey(c.RuleVersion, c.Batch, c.ID)
				s.spot[k] = append(s.spot[k], schemas.Review{Reviewer: c.Reviewer, At: c.At, Verdict: c.Verdict})
			}
			return err
		})
		if err != nil {
			return nil, env.Policy.FieldErr("annotation.spot_checks", fmt.Errorf("reading spot-check verdicts: %w", err))
		}
	}
	slog.Debug("annotation stage ready", "rule_versions", s.versions, "roster", pol.Roster,
		"annotators", s.roster.Len(), "spot_checks", len(s.spot), "labels_mapped", s.mapped || len(s.labelled) > 0)
	return s, nil
}

// readAux opens an auxiliary object through env.Open and parses it.
func readAux(ctx context.Context, env stages.Env, key string, parse func(io.Reader) error) error {
	if env.Open == nil {
		return fmt.Errorf("opening %s: %w: no store to read it from", key, ErrRules)
	}
	rc, err := env.Open(ctx, key)
	if err != nil {
		return fmt.Errorf("opening %s: %w", key, err)
	}
	err = parse(rc)
	if cerr := rc.Close(); err == nil && cerr != nil {
		return fmt.Errorf("closing %s: %w", key, cerr)
	}
	return err
}

// Name implements stages.Stage.
func (s *Stage) Name() string { return Name }

// NewState implements stages.Stage.
func (s *Stage) NewState() stages.State { return &State{} }

// check collects one record's findings, one per violation kind.
type check struct {
	s        *Stage
	out      *stages.Outcome
	labelled bool // counted in State.Labelled
	seen     [numKinds]bool
	msgs     [numKinds][]string
}

func (c *check) add(k kind, msg string) {
	c.seen[k] = true
	if len(c.msgs[k]) < 4 && !slices.Contains(c.msgs[k], msg) {
		c.msgs[k] = append(c.msgs[k], msg)
	}
}

func (c *check) flush(st *State) {
	rules, staff := true, true
	for k := kind(0); k < numKinds; k++ {
		if !c.seen[k] {
			continue
		}
		if st != nil {
			st.Kinds[k]++
		}
		switch kindRules[k] {
		case RuleRules:
			rules = false
		case RuleStaff:
			staff = false
		}
		v := c.s.verdicts[k]
		sev := schemas.SeverityWarning
		if v >= schemas.Quarantine {
			sev = schemas.SeverityError
		}
		c.out.Find(v, schemas.Finding{
			RuleID:   kindRules[k],
			Stage:    Name,
			Severity: sev,
			Message:  strings.Join(c.msgs[k], "; "),
			Evidence: "annotation:" + kindNames[k],
		})
	}
	if st != nil && c.labelled {
		if rules {
			st.Conforming++
		}
		if staff {
			st.StaffOK++
		}
	}
}

// Check implements stages.Stage.
func (s *Stage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	raw, has := r.Get(schemas.FieldLabels)
	if !has && !s.mapped && !s.labelled[r.Source] {
		return
	}
	state, _ := st.(*State)
	c := check{s: s, out: out}
	defer c.flush(state)
	if !has || raw == "" || raw == "null" {
		c.add(kUnlabelled, "record has no labels in a labelled dataset")
		return
	}
	c.labelled = true
	if state != nil {
		state.Labelled++
	}
	l, err := ParseLabels([]byte(raw))
	if err != nil {
		c.add(kMalformed, err.Error())
		return
	}
	rs := s.rules[l.RuleVersion]
	switch {
	case l.RuleVersion == "":
		c.add(kRuleVersion, "labels declare no rule_version")
		return
	case rs == nil:
		c.add(kRuleVersion, fmt.Sprintf("rule version is not in the policy (known: %s)", strings.Join(s.versions, ", ")))
		return
	}
	if l.Task != "" && l.Task != rs.rules.Task {
		c.add(kRuleVersion, fmt.Sprintf("task %s does not match rule version %s (task %s)", taskName(l.Task), rs.rules.Version, rs.rules.Task))
	}
	if l.Batch == "" {
		c.add(kRuleVersion, "labels declare no batch")
	}
	if id, ok := r.Get(schemas.FieldID); ok && len(s.spot) > 0 {
		l.Reviews = append(l.Reviews, s.spot[spotKey(l.RuleVersion, l.Batch, id)]...)
	}
	var b *batchState
	if state != nil {
		b = state.batch(rs, l.Batch)
		b.Items++
	}
	if len(l.Labels) == 0 {
		c.add(kUnlabelled, "labels object has no labels")
	}

	text := r.Text()
	var annotators []string // distinct, in order of first label
	var values []int        // each annotator's first known label
	for i := range l.Labels {
		lb := &l.Labels[i]
		if ok, why := s.roster.Qualified(lb.Annotator, schemas.RoleAnnotator, lb.At.Time); !ok {
			c.add(kUnqualified, fmt.Sprintf("annotator %s %s", s.cite(lb.Annotator), why))
		}
		first := !slices.Contains(annotators, lb.Annotator)
		if first {
			annotators = append(annotators, lb.Annotator)
		}
		idx, known := rs.index[lb.Label]
		if !known {
			c.add(kUnknownLabel, fmt.Sprintf("label %s is not in the %s taxonomy", labelName(lb.Label), rs.rules.Version))
			continue
		}
		if b != nil {
			b.Labels[idx]++
		}
		if first {
			values = append(values, idx)
		}
		d := &rs.defs[idx]
		for _, f := range d.required {
			if strings.TrimSpace(lb.Fields[f]) == "" {
				c.add(kMissingField, fmt.Sprintf("label %s needs field %s", lb.Label, f))
			}
		}
		for f, allowed := range d.allowed {
			if v, ok := lb.Fields[f]; ok && !slices.Contains(allowed, v) {
				c.add(kMissingField, fmt.Sprintf("label %s field %s has a value outside %s", lb.Label, f, strings.Join(allowed, "|")))
			}
		}
		switch {
		case lb.Span == nil && d.span == schemas.SpanRequired:
			c.add(kSpan, fmt.Sprintf("label %s needs a span", lb.Label))
		case lb.Span != nil && d.span == schemas.SpanForbidden:
			c.add(kSpan, fmt.Sprintf("label %s must not have a span", lb.Label))
		case lb.Span != nil:
			if msg := spanProblem(text, lb.Span[0], lb.Span[1]); msg != "" {
				c.add(kSpan, fmt.Sprintf("label %s span [%d,%d) %s", lb.Label, lb.Span[0], lb.Span[1], msg))
			}
		}
	}
	if len(annotators) < rs.minAnnotators && len(l.Labels) > 0 {
		c.add(kTooFew, fmt.Sprintf("%d annotator(s), rule version %s needs %d", len(annotators), rs.rules.Version, rs.minAnnotators))
	}

	independent, accepted := 0, true
	for _, rv := range l.Reviews {
		if ok, why := s.roster.Qualified(rv.Reviewer, schemas.RoleReviewer, rv.At.Time); !ok {
			c.add(kUnqualified, fmt.Sprintf("reviewer %s %s", s.cite(rv.Reviewer), why))
		}
		if slices.Contains(annotators, rv.Reviewer) {
			c.add(kSelfReview, fmt.Sprintf("reviewer %s also labelled this item", s.cite(rv.Reviewer)))
			continue
		}
		independent++
		if rv.Verdict == schemas.ReviewReject {
			accepted = false
			c.add(kReviewRejected, fmt.Sprintf("reviewer %s rejected the labels", s.cite(rv.Reviewer)))
		}
	}
	if independent < rs.reviewers {
		c.add(kUnreviewed, fmt.Sprintf("%s item has %d independent reviewer verdict(s), rule version %s needs %d",
			rs.rules.Task, independent, rs.rules.Version, rs.reviewers))
	}
	if b == nil {
		return
	}
	if independent > 0 {
		b.Reviewed++
		if accepted {
			b.Accepted++
		}
	}
	if independent >= max(rs.reviewers, 1) {
		b.FullyReviewed++
	}
	b.Table.addItem(values)
	if len(values) == 2 {
		b.Table.addPair(annotators[0], annotators[1], values[0], values[1])
	}
}

// cite names an annotator in a finding: roster ids are pseudonyms; an id not
// in the roster may be anything (an e-mail address) and is cited by keyed
// hash only.
func (s *Stage) cite(id string) string {
	if s.roster.Known(id) {
		return id
	}
	if s.subjectKey != nil {
		k := s.subjectKey("annotator", id)
		if len(k) > 16 {
			k = k[:16]
		}
		return "(unrostered, key " + k + ")"
	}
	return "(unrostered)"
}

// labelName quotes a label name from the data only when it is short and
// plain; anything else may be free text.
func labelName(s string) string {
	if len(s) > 64 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == '@' }) {
		return fmt.Sprintf("(%d bytes)", len(s))
	}
	return fmt.Sprintf("%q", s)
}

func taskName(s string) string {
	if s == schemas.TaskFunctional || s == schemas.TaskSecurity {
		return s
	}
	return labelName(s)
}

// spanProblem says what is wrong with span [start, end) of text, or "".
func spanProblem(text string, start, end int) string {
	switch {
	case end > len(text):
		return fmt.Sprintf("ends past the text (%d bytes)", len(text))
	case start == end:
		return "is empty"
	case start < len(text) && !utf8.RuneStart(text[start]):
		return "starts inside a UTF-8 character"
	case end < len(text) && !utf8.RuneStart(text[end]):
		return "ends inside a UTF-8 character"
	}
	return ""
}

// SpotCheckSelected reports whether item id of a batch belongs to the
// seeded spot-check sample drawn at rate (CN-IM-8.2). The choice depends
// only on seed, rule version, batch and id, so `prov assess sample
// --annotations` draws the same sample on every run, worker and shard.
func SpotCheckSelected(seed uint64, version, batch, id string, rate float64) bool {
	if rate <= 0 {
		return false
	}
	if rate >= 1 {
		return true
	}
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(version))
	h.Write([]byte{0})
	h.Write([]byte(batch))
	h.Write([]byte{0})
	h.Write([]byte(id))
	sum := h.Sum(nil)
	u := binary.BigEndian.Uint64(sum[:8]) >> 11 // 53 bits
	return float64(u)/float64(1<<53) < rate
}

// SpotCheckRate returns the spot-check rate that applies to items of a rule
// version (the rule file's, else the policy's) and whether the version is
// known; `prov assess sample --annotations` passes it to SpotCheckSelected.
func (s *Stage) SpotCheckRate(version string) (float64, bool) {
	rs := s.rules[version]
	if rs == nil {
		return 0, false
	}
	if rs.rules.Task == schemas.TaskSecurity {
		return 1, true // every security item is reviewed (TC260-5.3-c)
	}
	return rs.spotRate, true
}
