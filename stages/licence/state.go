package licence

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Tally counts records and text bytes.
type Tally struct {
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"`
}

func (t *Tally) add(o Tally) { t.Records += o.Records; t.Bytes += o.Bytes }

// SourceTally is what the stage saw of one source.
type SourceTally struct {
	Tally
	Unaccepted  int64  `json:"unaccepted"`
	Conflicts   int64  `json:"conflicts"`
	NoLicence   int64  `json:"no_licence"`
	Reviewed    int64  `json:"reviewed"`
	WorkType    string `json:"work_type,omitempty"`
	Channel     string `json:"channel,omitempty"`
	HasLicence  bool   `json:"has_licence"`
	LicenceText string `json:"licence,omitempty"`
}

// State is the stage's mergeable accumulator: records and bytes per
// effective licence id and per use class, and the counts behind the rule
// lines. All figures are exact sums, so merge order does not matter.
type State struct {
	Licences    map[string]*Tally       `json:"licences"`
	Classes     map[string]*Tally       `json:"classes"`
	Sources     map[string]*SourceTally `json:"sources"`
	Records     int64                   `json:"records"`
	Accepted    int64                   `json:"accepted"`
	Conflicts   int64                   `json:"conflicts"`
	ARROnly     int64                   `json:"arr_only"`
	Attribution int64                   `json:"attribution"`
}

var _ stages.State = (*State)(nil)

func newState() *State {
	return &State{Licences: map[string]*Tally{}, Classes: map[string]*Tally{}, Sources: map[string]*SourceTally{}}
}

func (s *State) add(r *schemas.Record, sl *sourceLicence, eff schemas.LicenceTerms, ids []string,
	accepted, conflict, arrOnly, reviewed, attributed bool, size int) {
	one := Tally{Records: 1, Bytes: int64(size)}
	for _, id := range ids {
		t := s.Licences[id]
		if t == nil {
			t = &Tally{}
			s.Licences[id] = t
		}
		t.add(one)
	}
	c := eff.Class.String()
	if s.Classes[c] == nil {
		s.Classes[c] = &Tally{}
	}
	s.Classes[c].add(one)
	s.Records++
	b2i := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	s.Accepted += b2i(accepted)
	s.Conflicts += b2i(conflict)
	s.ARROnly += b2i(arrOnly)
	s.Attribution += b2i(attributed)
	src := r.Source
	st := s.Sources[src]
	if st == nil {
		st = &SourceTally{}
		if sl != nil {
			st.WorkType, st.Channel = sl.src.WorkType, sl.src.Channel
			st.HasLicence, st.LicenceText = sl.src.Licence != "", sl.src.Licence
		}
		s.Sources[src] = st
	}
	st.add(one)
	st.Unaccepted += b2i(!accepted)
	st.Conflicts += b2i(conflict)
	st.NoLicence += b2i(len(ids) == 1 && ids[0] == "none")
	st.Reviewed += b2i(reviewed)
}

// Merge implements stages.State.
func (s *State) Merge(other stages.State) error {
	o, ok := other.(*State)
	if !ok {
		return fmt.Errorf("merging %T: %w", other, ErrStateType)
	}
	for k, v := range o.Licences {
		if s.Licences[k] == nil {
			s.Licences[k] = &Tally{}
		}
		s.Licences[k].add(*v)
	}
	for k, v := range o.Classes {
		if s.Classes[k] == nil {
			s.Classes[k] = &Tally{}
		}
		s.Classes[k].add(*v)
	}
	for k, v := range o.Sources {
		st := s.Sources[k]
		if st == nil {
			cp := *v
			s.Sources[k] = &cp
			continue
		}
		st.add(v.Tally)
		st.Unaccepted += v.Unaccepted
		st.Conflicts += v.Conflicts
		st.NoLicence += v.NoLicence
		st.Reviewed += v.Reviewed
	}
	s.Records += o.Records
	s.Accepted += o.Accepted
	s.Conflicts += o.Conflicts
	s.ARROnly += o.ARROnly
	s.Attribution += o.Attribution
	return nil
}

// MarshalBinary implements stages.State (JSON; map keys are sorted, so equal
// states encode equally).
func (s *State) MarshalBinary() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding licence state: %w", err)
	}
	return b, nil
}

// UnmarshalBinary implements stages.State.
func (s *State) UnmarshalBinary(data []byte) error {
	n := newState()
	if err := json.Unmarshal(data, n); err != nil {
		return fmt.Errorf("decoding licence state: %w", err)
	}
	if n.Licences == nil {
		n.Licences = map[string]*Tally{}
	}
	if n.Classes == nil {
		n.Classes = map[string]*Tally{}
	}
	if n.Sources == nil {
		n.Sources = map[string]*SourceTally{}
	}
	*s = *n
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Conclude implements stages.Stage: metrics per licence and class, source
// findings (open-source source without licence, works routed to review)
// and the CN-IM-7.2 and TC260-5.2-b2 rule lines.
func (s *Stage) Conclude(st stages.State, c *stages.Conclusion) error {
	state, ok := st.(*State)
	if !ok || state == nil {
		if st != nil {
			return fmt.Errorf("concluding with %T: %w", st, ErrStateType)
		}
		state = newState()
	}
	for _, k := range sortedKeys(state.Licences) {
		t := state.Licences[k]
		c.Metrics = append(c.Metrics,
			schemas.Metric{Metric: "licence_records", Dimension: k, Value: float64(t.Records)},
			schemas.Metric{Metric: "licence_bytes", Dimension: k, Value: float64(t.Bytes)})
	}
	for _, k := range sortedKeys(state.Classes) {
		t := state.Classes[k]
		c.Metrics = append(c.Metrics,
			schemas.Metric{Metric: "licence_class_records", Dimension: k, Value: float64(t.Records)},
			schemas.Metric{Metric: "licence_class_bytes", Dimension: k, Value: float64(t.Bytes)})
	}
	c.Metrics = append(c.Metrics,
		schemas.Metric{Metric: "licence_conflicts", Dimension: "overall", Value: float64(state.Conflicts)},
		schemas.Metric{Metric: "licence_unaccepted", Dimension: "overall", Value: float64(state.Records - state.Accepted)},
		schemas.Metric{Metric: "licence_attribution_records", Dimension: "overall", Value: float64(state.Attribution)})

	var reviewNotes []string
	for _, id := range sortedKeys(state.Sources) {
		src := state.Sources[id]
		if src.Channel == schemas.ChannelOpenSource && !src.HasLicence {
			c.Findings = append(c.Findings, schemas.Finding{RuleID: RuleIP, Stage: "licence", Severity: schemas.SeverityError,
				Verdict: schemas.Admit.String(), Source: id, Figure: float64(src.Records),
				Message: fmt.Sprintf("open-source source %s has no licence expression (TC260-5.1-c1); %d of its %d records carry none themselves", id, src.NoLicence, src.Records)})
		}
		if src.Reviewed > 0 {
			reviewNotes = append(reviewNotes, fmt.Sprintf("%s (%s) %d", id, src.WorkType, src.Reviewed))
			if s.pol.OnReviewWorkType == "finding" {
				c.Findings = append(c.Findings, schemas.Finding{RuleID: RuleIPReview, Stage: "licence", Severity: schemas.SeverityWarning,
					Verdict: schemas.Admit.String(), Source: id, Figure: float64(src.Reviewed),
					Message: fmt.Sprintf("source %s holds %s works: %d records need a focused IP review", id, src.WorkType, src.Reviewed)})
			}
		}
	}

	var classes []string
	for _, k := range sortedKeys(state.Classes) {
		classes = append(classes, fmt.Sprintf("%s %d", k, state.Classes[k].Records))
	}
	share := 1.0
	if state.Records > 0 {
		share = float64(state.Accepted) / float64(state.Records)
	}
	notAccepted := state.Records - state.Accepted
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleIP, Scope: "dataset", Pass: true, Figure: share, N: state.Records,
		Detail: fmt.Sprintf("use %s accepts %s; %d/%d records accepted (%s); %d not accepted held back (%s/%s)",
			s.use, s.acceptedList(), state.Accepted, state.Records, strings.Join(classes, ", "), notAccepted,
			s.pol.OnUnaccepted, s.pol.OnUnspecified),
	})
	detail := fmt.Sprintf("%d content/licence conflicts, %d all-rights-reserved without licence over n=%d records (on_conflict %s)",
		state.Conflicts, state.ARROnly, state.Records, s.pol.OnConflict)
	if len(reviewNotes) > 0 {
		detail += "; work types routed to review: " + strings.Join(reviewNotes, ", ")
	}
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleIPReview, Scope: "dataset", Pass: state.Conflicts == 0 || s.pol.OnConflict != "admit",
		Figure: float64(state.Conflicts), N: state.Records, Detail: detail,
	})
	return nil
}

func (s *Stage) acceptedList() string {
	var out []string
	for c := schemas.ClassUnspecified; c <= schemas.ClassCommercial; c++ {
		if s.accepts(c) {
			out = append(out, c.String())
		}
	}
	return "[" + strings.Join(out, ", ") + "]"
}
