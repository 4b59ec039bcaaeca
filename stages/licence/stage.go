package licence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Rule IDs this stage cites (docs/REQUIREMENTS.md §2).
const (
	RuleIP       = "CN-IM-7.2"
	RuleIPReview = "TC260-5.2-b2"
)

var _ stages.Stage = (*Stage)(nil)

// Stage is the licence check. Build it with New; it is safe for concurrent
// use.
type Stage struct {
	pol       schemas.LicencePolicy
	use       string
	accept    [4]bool
	overrides map[string]schemas.UseClass
	sources   map[string]*sourceLicence
	review    map[string]bool
	basis     map[string]bool // channels whose basis is not a licence
	// The policy's verdicts, parsed once.
	onUnaccepted, onUnspecified, onConflict schemas.Verdict
	exprs                                   sync.Map // record licence string -> *parsedLicence
	nExprs                                  int64
	mu                                      sync.Mutex
}

type parsedLicence struct {
	expr *schemas.LicenceExpr
	err  error
	// choice is expr resolved under the stage's accepted classes and
	// overrides, which are fixed once New returns; set when err is nil.
	choice schemas.LicenceChoice
	// label names the licence in messages ("record licence MIT"), or
	// errKind the kind of its error: made once per licence.
	label, errKind string
}

type sourceLicence struct {
	src *schemas.Source
	parsedLicence
	label string // "source <id> licence <expr>", when expr parsed
}

// New builds the stage for env.Dataset under env.Policy's licence section.
func New(ctx context.Context, env stages.Env) (*Stage, error) {
	if env.Policy == nil {
		return nil, ErrNoPolicy
	}
	s := &Stage{pol: env.Policy.Licence, use: schemas.UseCommercial, sources: map[string]*sourceLicence{}, review: map[string]bool{}, basis: map[string]bool{}}
	// A policy built in code may skip ApplyDefaults: fill the same defaults.
	if s.pol.OnUnaccepted == "" || s.pol.Accept == nil || s.pol.ScanBytes == 0 {
		p := schemas.Policy{ID: "licence-defaults", Licence: s.pol}
		p.ApplyDefaults()
		s.pol = p.Licence
	}
	for _, v := range []struct {
		field string
		value string
		to    *schemas.Verdict
	}{{"on_unaccepted", s.pol.OnUnaccepted, &s.onUnaccepted}, {"on_unspecified", s.pol.OnUnspecified, &s.onUnspecified},
		{"on_conflict", s.pol.OnConflict, &s.onConflict}} {
		if v.value == "" {
			continue // a policy built in code without defaults: admit
		}
		var err error
		if *v.to, err = schemas.ParseVerdict(v.value); err != nil {
			return nil, fmt.Errorf("building licence stage: policy licence.%s: %w", v.field, err)
		}
	}
	if env.Dataset != nil && env.Dataset.Use != "" {
		s.use = env.Dataset.Use
	}
	for _, c := range s.pol.AcceptedClasses(s.use) {
		s.accept[c] = true
	}
	s.overrides = s.pol.ClassOverrides()
	for _, w := range s.pol.ReviewWorkTypes {
		s.review[w] = true
	}
	for _, c := range s.pol.BasisChannels {
		s.basis[c] = true
	}
	if env.Sources != nil {
		for i := range env.Sources.Sources {
			src := &env.Sources.Sources[i]
			sl := &sourceLicence{src: src}
			if src.Licence != "" {
				sl.expr, sl.err = schemas.ParseLicenceExpression(src.Licence)
				if sl.err == nil {
					sl.choice = sl.expr.Resolve(s.accepts, s.overrides)
					sl.label = "source " + src.ID + " licence " + sl.expr.String()
				}
			}
			s.sources[src.ID] = sl
		}
	}
	return s, nil
}

// Name implements stages.Stage.
func (s *Stage) Name() string { return "licence" }

// NewState implements stages.Stage.
func (s *Stage) NewState() stages.State { return newState() }

func (s *Stage) accepts(c schemas.UseClass) bool { return int(c) < len(s.accept) && s.accept[c] }

const maxCachedExprs = 1 << 14

// parse parses a record licence, memoised: records repeat a few licences.
func (s *Stage) parse(lic string) *parsedLicence {
	if v, ok := s.exprs.Load(lic); ok {
		return v.(*parsedLicence)
	}
	e, err := schemas.ParseLicenceExpression(lic)
	if err != nil {
		// Debian short names (GPL-2+, Expat, BSD-3-clause ...) are common
		// in corpora built from distribution packages.
		if d, derr := DebianLicence(lic); derr == nil {
			e, err = schemas.ParseLicenceExpression(d)
		}
	}
	p := &parsedLicence{expr: e, err: err}
	if err == nil {
		p.choice = e.Resolve(s.accepts, s.overrides)
		p.label = "record licence " + e.String()
	} else {
		p.errKind = parseErrorKind(err)
	}
	s.mu.Lock()
	if s.nExprs < maxCachedExprs {
		s.exprs.Store(lic, p)
		s.nExprs++
	}
	s.mu.Unlock()
	return p
}

func (s *Stage) finding(rule, severity, msg, evidence string) schemas.Finding {
	return schemas.Finding{RuleID: rule, Stage: "licence", Severity: severity, Message: msg, Evidence: evidence}
}

// Check implements stages.Stage.
func (s *Stage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	state, _ := st.(*State)
	text := r.Text()
	if len(text) > s.pol.ScanBytes {
		text = text[:s.pol.ScanBytes]
	}
	// Detect only reads its input: view the string's bytes without a copy.
	det := Detect(unsafe.Slice(unsafe.StringData(text), len(text)))

	// Declared licences: the record's AND its source's.
	var declared schemas.LicenceTerms
	var declaredIDs []string
	var labels [2]string // the record's and the source's
	declaredStr := labels[:0]
	hasDeclared := false
	addDeclared := func(c schemas.LicenceChoice, label string) {
		if hasDeclared {
			declared = declared.And(c.LicenceTerms)
		} else {
			declared, hasDeclared = c.LicenceTerms, true
		}
		if len(declaredIDs) == 0 && len(c.IDs) <= 1 {
			// One id as it is (clipped: an append copies it).
			declaredIDs = slices.Clip(c.IDs)
		} else {
			declaredIDs = mergeIDs(declaredIDs, c.IDs)
		}
		declaredStr = append(declaredStr, label)
	}
	if lic, ok := r.Get(schemas.FieldLicence); ok && strings.TrimSpace(lic) != "" {
		p := s.parse(lic)
		if p.err != nil {
			// The evidence names the kind of error, never the field's
			// value, which may hold anything (a name, an address).
			out.Find(schemas.Admit, s.finding(RuleIP, schemas.SeverityWarning,
				"record licence is not a valid SPDX expression; treated as unspecified", "record licence: "+p.errKind))
			addDeclared(schemas.LicenceChoice{IDs: []string{"LicenseRef-Invalid"}}, "record licence (invalid)")
		} else {
			addDeclared(p.choice, p.label)
		}
	}
	sl := s.sources[r.Source]
	if sl != nil && sl.src.Licence != "" {
		if sl.err != nil {
			addDeclared(schemas.LicenceChoice{IDs: []string{"LicenseRef-Invalid"}}, "source licence (invalid)")
		} else {
			addDeclared(sl.choice, sl.label)
		}
	}

	// Licence evidence in the content.
	eff := declared
	effIDs := declaredIDs
	conflict := false
	if det.HasLicence() || det.Has(RefNoReproduction) {
		var content schemas.LicenceTerms
		var contentIDs []string
		first := true
		var ev []string
		for _, m := range det.Licences {
			if isNoticeRef(m.SPDX) && m.SPDX != RefNoReproduction {
				continue
			}
			var c schemas.LicenceChoice
			if e, err := schemas.ParseLicenceExpression(m.SPDX); err == nil {
				c = e.Resolve(s.accepts, s.overrides)
			} else {
				c = schemas.LicenceChoice{IDs: []string{m.SPDX}}
			}
			if first {
				content, first = c.LicenceTerms, false
			} else {
				content = content.And(c.LicenceTerms)
			}
			contentIDs = mergeIDs(contentIDs, c.IDs)
			ev = append(ev, m.Evidence+":"+m.SPDX)
		}
		if hasDeclared {
			combined := declared.And(content)
			if combined.Class < declared.Class || combined.ShareAlike != declared.ShareAlike ||
				combined.NoDerivatives != declared.NoDerivatives || combined.UseRestricted != declared.UseRestricted {
				conflict = true
				out.Find(s.onConflict, s.finding(RuleIPReview, schemas.SeverityWarning,
					fmt.Sprintf("content carries licence evidence more restrictive than the declared licence (%s): %s",
						strings.Join(declaredStr, ", "), strings.Join(contentIDs, ", ")),
					strings.Join(ev, "; ")))
			}
			eff = combined
		} else {
			eff = content
			hasDeclared = true
		}
		effIDs = mergeIDs(effIDs, contentIDs)
	}
	// An all-rights-reserved notice with no grant inside a record declared
	// under a licence contradicts that licence (TC260-5.2-b2).
	if hasDeclared && !conflict && declared.Class != schemas.ClassUnspecified && det.ReservesRights() && !det.Has(RefNoReproduction) {
		conflict = true
		out.Find(s.onConflict, s.finding(RuleIPReview, schemas.SeverityWarning,
			fmt.Sprintf("content carries an all-rights-reserved notice and no licence grant, but is declared under %s",
				strings.Join(declaredStr, ", ")),
			evidenceOf(det)))
	}
	arrOnly := false
	if !hasDeclared {
		eff = schemas.LicenceTerms{Class: schemas.ClassUnspecified}
		if det.Has(RefAllRightsReserved) || det.Has(RefReprintWithCredit) {
			arrOnly = true
			effIDs = arrIDs
			out.Find(s.onUnspecified, s.finding(RuleIPReview, schemas.SeverityWarning,
				"all-rights-reserved notice and no licence: use needs the right holder's permission", evidenceOf(det)))
		} else {
			effIDs = noneIDs
		}
	}

	// Does the intended use accept the effective class? A source whose
	// right to train rests on a contract, consent, own generation or the
	// TDM exception needs no licence when nothing in the record claims one.
	accepted := s.accepts(eff.Class) ||
		(eff.Class == schemas.ClassUnspecified && effIDs[0] == "none" && sl != nil && s.basis[sl.src.Channel])
	if !accepted {
		verdict := s.onUnaccepted
		msg := "effective licence " + strings.Join(effIDs, " AND ") + " is " + eff.Class.String() + ", not accepted for " + s.use + " use"
		if eff.Class == schemas.ClassUnspecified {
			verdict = s.onUnspecified
			if effIDs[0] == "none" {
				msg = "no licence: neither the record, its source nor its content states one (unspecified, not accepted for " + s.use + " use)"
				if sl != nil && sl.src.Channel == schemas.ChannelOpenSource {
					msg += "; open-source sources must hold their licence (TC260-5.1-c1)"
				}
			}
		}
		out.Find(verdict, s.finding(RuleIP, schemas.SeverityError, msg, eff.Flags()))
	}

	// Literary, artistic and scientific works are routed to review.
	reviewed := false
	if sl != nil && s.review[sl.src.WorkType] {
		reviewed = true
		if s.pol.OnReviewWorkType == "quarantine" {
			out.Find(schemas.Quarantine, s.finding(RuleIPReview, schemas.SeverityWarning,
				fmt.Sprintf("source %s holds %s works: routed to IP review", sl.src.ID, sl.src.WorkType), sl.src.WorkType))
		}
	}

	if eff.Attribution && accepted {
		out.Attribution = attribution(r, sl, effIDs)
	}
	if state != nil {
		state.add(r, sl, eff, effIDs, accepted, conflict, arrOnly, reviewed, out.Attribution != "", len(r.Values[schemas.FieldText]))
	}
}

// The effective ids of records with no licence (never appended to: len
// is cap).
var (
	noneIDs = []string{"none"}
	arrIDs  = []string{RefAllRightsReserved}
)

// parseErrorKind names the kind of a licence parse error without the
// input it quotes.
func parseErrorKind(err error) string {
	switch {
	case errors.Is(err, schemas.ErrUnknownLicence):
		return "unknown licence id"
	case errors.Is(err, schemas.ErrLicenceSyntax):
		return "malformed licence expression"
	}
	return "invalid licence expression"
}

func evidenceOf(det Result) string {
	var ev []string
	for _, m := range det.Licences {
		ev = append(ev, m.Evidence+":"+m.SPDX)
	}
	return strings.Join(ev, "; ")
}

// attribution is the credit line a trainer must keep for the record.
func attribution(r *schemas.Record, sl *sourceLicence, ids []string) string {
	var b strings.Builder
	n := 64
	for _, id := range ids {
		n += len(id) + 5
	}
	if sl != nil {
		n += len(sl.src.Name) + len(sl.src.ID) + len(sl.src.LicenceEvidence)
	}
	u, hasURL := r.Get(schemas.FieldURL)
	id, hasID := "", false
	if !hasURL || u == "" {
		id, hasID = r.Get(schemas.FieldID)
	}
	b.Grow(n + len(u) + len(id))
	// Each piece written as it is (no concatenated temporaries).
	for i, x := range ids {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.WriteString(x)
	}
	if sl != nil {
		b.WriteString("; source: ")
		if sl.src.Name != "" {
			b.WriteString(sl.src.Name)
			b.WriteString(" (")
			b.WriteString(sl.src.ID)
			b.WriteString(")")
		} else {
			b.WriteString(sl.src.ID)
		}
		if sl.src.LicenceEvidence != "" {
			b.WriteString("; licence: ")
			b.WriteString(sl.src.LicenceEvidence)
		}
	}
	if hasURL && u != "" {
		b.WriteString("; from: ")
		b.WriteString(u)
	} else if hasID && id != "" {
		b.WriteString("; item: ")
		b.WriteString(id)
	}
	return b.String()
}

func mergeIDs(a, b []string) []string {
	out := a
	for _, id := range b {
		dup := false
		for _, x := range out {
			if x == id {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, id)
		}
	}
	return out
}
