package pii

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Rule IDs this stage cites (docs/REQUIREMENTS.md §3).
const (
	RuleBasis     = "CN-IM-7.3"           // PI needs consent or another lawful basis (also PIPL-13)
	RuleSensitive = "PIPL-28/29"          // sensitive PI needs separate consent
	RuleMinor     = "PIPL-31"             // under-14s need guardian consent
	RuleWithdrawn = schemas.RuleWithdrawn // withdrawn consent excludes the record
	RuleNoClearPI = "CN-IM-11"            // PI never stored in clear
)

// StageName is the stage's name in findings.
const StageName = "pii"

var _ stages.Stage = (*Stage)(nil)

// Stage is the personal-information stage. It is safe for concurrent use.
type Stage struct {
	pol       schemas.PIIPolicy
	det       Detector
	reg       Registry
	sources   *schemas.SourceRegistry
	key       func(kind, value string) string
	now       time.Time
	actions   map[string]schemas.Verdict
	sensitive map[string]bool
	markers   *wordSet          // health / biometric marker words
	markerCat map[string]string // marker word -> category
	marker    schemas.Verdict
	minor     schemas.Verdict
	withdrawn schemas.Verdict
	pool      sync.Pool // *[]Entity
}

// ErrNoSubjectKey is returned by New when the Env has no SubjectKey
// function: findings must cite PI by keyed hash.
var ErrNoSubjectKey = errors.New("pii stage needs Env.SubjectKey")

// New builds the stage from env.Policy's pii section (defaults applied when
// the policy was loaded), loading the consent registry it names once
// through env.Open.
func New(ctx context.Context, env stages.Env) (*Stage, error) {
	if env.SubjectKey == nil {
		return nil, ErrNoSubjectKey
	}
	var pol schemas.PIIPolicy
	if env.Policy != nil {
		pol = env.Policy.PII
	}
	// a policy that did not go through LoadPolicy: fill the defaults
	tmp := schemas.Policy{ID: "pii", PII: pol}
	tmp.ApplyDefaults()
	if err := tmp.Validate(); err != nil {
		return nil, fmt.Errorf("checking pii policy: %w", err)
	}
	pol = tmp.PII
	s := &Stage{
		pol:       pol,
		det:       Detector{MinScore: pol.MinScore},
		sources:   env.Sources,
		key:       env.SubjectKey,
		now:       env.Now.UTC(),
		actions:   map[string]schemas.Verdict{},
		sensitive: map[string]bool{},
	}
	if s.now.IsZero() {
		s.now = time.Now().UTC()
	}
	for t, a := range pol.Actions {
		v, err := schemas.ParseVerdict(a)
		if err != nil && a != "" {
			return nil, fmt.Errorf("building pii stage: policy pii.actions.%s: %w", t, err)
		}
		s.actions[t] = v
	}
	for _, t := range pol.Sensitive {
		s.sensitive[t] = true
	}
	cats := make([]string, 0, len(pol.Markers))
	for c := range pol.Markers {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	var words []string
	s.markerCat = map[string]string{}
	for _, c := range cats {
		for _, w := range pol.Markers[c] {
			w = strings.ToLower(strings.TrimSpace(w))
			if _, dup := s.markerCat[w]; !dup {
				s.markerCat[w] = c
				words = append(words, w)
			}
		}
	}
	s.markers = newWordSet(words)
	for _, v := range []struct {
		field, value string
		to           *schemas.Verdict
	}{{"marker_action", pol.MarkerAction, &s.marker}, {"minor_action", pol.MinorAction, &s.minor}, {"withdrawn_action", pol.WithdrawnAction, &s.withdrawn}} {
		if v.value == "" {
			continue // a policy built in code without defaults: admit
		}
		var err error
		if *v.to, err = schemas.ParseVerdict(v.value); err != nil {
			return nil, fmt.Errorf("building pii stage: policy pii.%s: %w", v.field, err)
		}
	}
	reg, err := openRegistry(ctx, env.Open, pol.ConsentRegistry, pol.Scope, pol.ConsentRegistryColumns)
	if err != nil {
		return nil, env.Policy.FieldErr("pii.consent_registry", err)
	}
	s.reg = reg
	return s, nil
}

// Name implements stages.Stage.
func (s *Stage) Name() string { return StageName }

// NewState implements stages.Stage.
func (s *Stage) NewState() stages.State { return newState() }

// basis is the consent situation of one record.
type basis struct {
	consent   Consent
	has       bool   // some consent (record or registry) is on file
	source    string // source-level PI basis
	withdrawn bool
}

func (s *Stage) basisOf(r *schemas.Record) basis {
	var b basis
	if raw, ok := r.Get(schemas.FieldConsent); ok {
		if c, ok := ParseConsent(raw, s.pol.Scope); ok || c.Training {
			b.consent, b.has = c, true
		}
	}
	if sub, ok := r.Get(schemas.FieldSubject); ok && sub != "" {
		if c, ok := s.reg[sub]; ok {
			// the registry is authoritative for withdrawal; for the level
			// the stronger of registry and record applies
			if !b.has || rank(c) >= rank(b.consent) {
				w := b.consent.Withdrawn
				b.consent = c
				if c.Withdrawn.IsZero() && !w.IsZero() {
					b.consent.Withdrawn = w
				}
			} else if !c.Withdrawn.IsZero() {
				b.consent.Withdrawn = c.Withdrawn
			}
			b.has = true
		}
	}
	if s.sources != nil && r.Source != "" {
		if src := s.sources.Lookup(r.Source); src != nil {
			b.source = src.PIBasis
		}
	}
	b.withdrawn = b.has && b.consent.withdrawnBy(s.now)
	return b
}

func rank(c Consent) int {
	if !c.Training {
		return 0
	}
	switch c.Type {
	case schemas.ConsentGuardian:
		return 3
	case schemas.ConsentSeparate:
		return 2
	}
	return 1
}

// group collects the spans of one (rule, type) in a record for a finding.
type group struct {
	rule, typ string
	verdict   schemas.Verdict
	spans     []string
	keys      []string
}

// Check implements stages.Stage.
func (s *Stage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	state, _ := st.(*State)
	text := r.Text()
	bp, _ := s.pool.Get().(*[]Entity)
	if bp == nil {
		bp = new([]Entity)
	}
	ents := s.det.Detect(text, *bp)
	defer func() { *bp = ents[:0]; s.pool.Put(bp) }()

	b := s.basisOf(r)
	sub, hasSub := r.Get(schemas.FieldSubject)
	hasSub = hasSub && sub != ""
	if hasSub {
		out.Subjects = appendUnique(out.Subjects, s.key("subject_id", sub))
	}
	collected := s.now
	if v, ok := r.Get(schemas.FieldFetchedAt); ok {
		if t, err := parseTime(v); err == nil {
			collected = t
		}
	}

	red0 := len(out.Redactions) // spans of earlier stages stay
	var rec recordStats
	rec.bytes = len(text)
	var groups []group
	personal := 0
	for _, e := range ents {
		rec.add(e.Type)
		value := Fold(text[e.Start:e.End])
		kind, norm := Normalise(e.Type, value)
		var key string
		if e.Type != TypeCNUSCC && norm != "" {
			personal++
			key = s.key(kind, norm)
			out.Subjects = appendUnique(out.Subjects, key)
		}
		rule, need, action := "", "", s.actions[e.Type]
		switch {
		case e.Type == TypeCNUSCC:
			if action == schemas.Admit {
				continue // an organisation id: reported, needs no consent
			}
			rule = RuleBasis
		case e.Type == TypeCNResidentID && s.isMinor(value, collected):
			rule, need, action = RuleMinor, schemas.ConsentGuardian, s.minor
		case s.sensitive[e.Type]:
			rule, need = RuleSensitive, schemas.ConsentSeparate
		default:
			rule, need = RuleBasis, schemas.ConsentGeneral
		}
		if need != "" && s.covered(b, need) {
			continue
		}
		if action == schemas.Redact {
			out.Redactions = append(out.Redactions, stages.Span{Start: e.Start, End: e.End, Label: e.Type})
		}
		groups = addGroup(groups, rule, e.Type, action, spanString(e.Start, e.End), key)
	}
	if (hasSub || personal > 0) && s.markers != nil && !s.covered(b, schemas.ConsentSeparate) {
		if cat := s.findMarker(text); cat != "" {
			groups = addGroup(groups, RuleSensitive, "marker:"+cat, s.marker, "", "")
		}
	}
	if b.withdrawn {
		// PIPL-15/47 overrides everything else for this record
		groups = []group{{rule: RuleWithdrawn, typ: "consent", verdict: s.withdrawn}}
		out.Redactions = out.Redactions[:red0] // this stage's spans only
		if hasSub {
			groups[0].keys = []string{s.key("subject_id", sub)}
		}
	}
	final := schemas.Admit
	for _, g := range groups {
		final = final.Max(g.verdict)
		out.Find(g.verdict, s.finding(g, b))
	}
	if state != nil {
		state.add(&rec, groups, final)
	}
}

func (s *Stage) covered(b basis, need string) bool {
	if b.withdrawn {
		return false
	}
	if b.has && b.consent.covers(need) {
		return true
	}
	return need == schemas.ConsentGeneral && b.source != ""
}

func (s *Stage) isMinor(id string, collected time.Time) bool {
	birth, ok := CNIDBirthDate(id)
	if !ok {
		return false
	}
	return ageAt(birth, collected) < s.pol.GuardianAge
}

// ageAt is the age in whole years at t of a person born on birth.
func ageAt(birth, t time.Time) int {
	age := t.Year() - birth.Year()
	if t.Month() < birth.Month() || (t.Month() == birth.Month() && t.Day() < birth.Day()) {
		age--
	}
	return age
}

// findMarker returns the category of the first sensitive marker word in
// text, or "".
func (s *Stage) findMarker(text string) string {
	if w, ok := s.markers.find(text); ok {
		return s.markerCat[w]
	}
	return ""
}

// spanString is fmt.Sprintf("%d-%d", start, end).
func spanString(start, end int) string {
	var buf [2*20 + 1]byte
	b := strconv.AppendInt(buf[:0], int64(start), 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, int64(end), 10)
	return string(b)
}

func addGroup(gs []group, rule, typ string, v schemas.Verdict, span, key string) []group {
	for i := range gs {
		if gs[i].rule == rule && gs[i].typ == typ {
			if span != "" {
				gs[i].spans = append(gs[i].spans, span)
			}
			if key != "" {
				gs[i].keys = appendUnique(gs[i].keys, key)
			}
			return gs
		}
	}
	g := group{rule: rule, typ: typ, verdict: v}
	if span != "" {
		g.spans = []string{span}
	}
	if key != "" {
		g.keys = []string{key}
	}
	return append(gs, g)
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// finding turns a group into a record-level finding. It names type,
// offsets and keyed subject hashes, never a value.
func (s *Stage) finding(g group, b basis) schemas.Finding {
	sev := schemas.SeverityWarning
	switch g.verdict {
	case schemas.Quarantine, schemas.Reject:
		sev = schemas.SeverityError
	case schemas.Admit:
		sev = schemas.SeverityInfo
	}
	have := "no consent or basis on file"
	if b.has {
		have = fmt.Sprintf("%s consent on file", b.consent.Type)
		if !b.consent.Training {
			have = fmt.Sprintf("%s consent on file not covering %s", b.consent.Type, s.pol.Scope)
		}
	} else if b.source != "" {
		have = "source-level basis only"
	}
	var msg string
	switch g.rule {
	case RuleWithdrawn:
		msg = "data subject withdrew consent before this run"
	case RuleMinor:
		msg = fmt.Sprintf("%d %s of a person under %d at collection without guardian consent (%s)", len(g.spans), g.typ, s.pol.GuardianAge, have)
	case RuleSensitive:
		if strings.HasPrefix(g.typ, "marker:") {
			msg = fmt.Sprintf("sensitive %s information about an identifiable person without separate consent (%s)", strings.TrimPrefix(g.typ, "marker:"), have)
		} else {
			msg = fmt.Sprintf("%d %s (sensitive) without separate consent (%s)", len(g.spans), g.typ, have)
		}
	default:
		msg = fmt.Sprintf("%d %s without consent or lawful basis (%s)", len(g.spans), g.typ, have)
	}
	msg += ": " + g.verdict.String()
	var ev strings.Builder
	fmt.Fprintf(&ev, "type=%s", g.typ)
	if len(g.spans) > 0 {
		fmt.Fprintf(&ev, " spans=%s", strings.Join(g.spans, ","))
	}
	if len(g.keys) > 0 {
		fmt.Fprintf(&ev, " subject_keys=%s", strings.Join(g.keys, ","))
	}
	if b.has && b.consent.ID != "" && g.rule == RuleWithdrawn {
		fmt.Fprintf(&ev, " consent_ref=%s", s.key("consent_id", b.consent.ID))
	}
	return schemas.Finding{
		RuleID:   g.rule,
		Stage:    StageName,
		Severity: sev,
		Message:  msg,
		Evidence: ev.String(),
		Figure:   float64(len(g.spans)),
	}
}
