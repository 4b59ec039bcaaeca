package pii

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// State is the pii stage's dataset accumulator: PI counts per type and
// record counts per decision and reason. All fields are sums, so merging is
// order-independent and exact.
type State struct {
	Records     int64            `json:"records"`
	Bytes       int64            `json:"bytes"`
	WithPI      int64            `json:"with_pi"`
	Entities    map[string]int64 `json:"entities"`     // PI type -> entities
	RecordsWith map[string]int64 `json:"records_with"` // PI type -> records holding it
	// Decisions counts records by "<verdict>|<rule>" for every rule that
	// acted on them (a record may count under several rules).
	Decisions map[string]int64 `json:"decisions"`
	// Final counts records by the pii stage's own verdict.
	Final map[string]int64 `json:"final"`
}

var _ stages.State = (*State)(nil)

func newState() *State {
	return &State{Entities: map[string]int64{}, RecordsWith: map[string]int64{}, Decisions: map[string]int64{}, Final: map[string]int64{}}
}

// recordStats are the per-record counts before they enter the State.
type recordStats struct {
	bytes int
	types [16]struct {
		typ string
		n   int64
	}
	nt int
}

func (r *recordStats) add(typ string) {
	for i := 0; i < r.nt; i++ {
		if r.types[i].typ == typ {
			r.types[i].n++
			return
		}
	}
	if r.nt < len(r.types) {
		r.types[r.nt].typ = typ
		r.types[r.nt].n = 1
		r.nt++
	}
}

func (st *State) add(r *recordStats, groups []group, final schemas.Verdict) {
	st.Records++
	st.Bytes += int64(r.bytes)
	if r.nt > 0 {
		st.WithPI++
	}
	for i := 0; i < r.nt; i++ {
		st.Entities[r.types[i].typ] += r.types[i].n
		st.RecordsWith[r.types[i].typ]++
	}
	for i, g := range groups {
		dup := false
		for _, h := range groups[:i] {
			if h.verdict == g.verdict && h.rule == g.rule {
				dup = true
				break
			}
		}
		if !dup {
			st.Decisions[decisionKey(g.verdict, g.rule)]++
		}
	}
	st.Final[final.String()]++
}

// decisionKeys holds the Decisions keys "<verdict>|<rule>" of the rules
// the stage cites, so that counting a record builds no string.
var decisionKeys = func() map[string][]string {
	m := map[string][]string{}
	for _, rule := range []string{RuleBasis, RuleSensitive, RuleMinor, RuleWithdrawn, RuleNoClearPI} {
		for v := schemas.Admit; v <= schemas.Reject; v++ {
			m[rule] = append(m[rule], v.String()+"|"+rule)
		}
	}
	return m
}()

// decisionKey is v.String() + "|" + rule.
func decisionKey(v schemas.Verdict, rule string) string {
	if ks := decisionKeys[rule]; int(v) < len(ks) {
		return ks[v]
	}
	return v.String() + "|" + rule
}

// Merge implements stages.State.
func (st *State) Merge(other stages.State) error {
	o, ok := other.(*State)
	if !ok {
		return fmt.Errorf("merging %T into pii state: %w", other, ErrState)
	}
	st.Records += o.Records
	st.Bytes += o.Bytes
	st.WithPI += o.WithPI
	for _, m := range []struct{ dst, src map[string]int64 }{
		{st.Entities, o.Entities}, {st.RecordsWith, o.RecordsWith}, {st.Decisions, o.Decisions}, {st.Final, o.Final},
	} {
		for k, v := range m.src {
			m.dst[k] += v
		}
	}
	return nil
}

// MarshalBinary implements stages.State (JSON; map keys are sorted, so the
// encoding is deterministic).
func (st *State) MarshalBinary() ([]byte, error) { return json.Marshal(st) }

// UnmarshalBinary implements stages.State.
func (st *State) UnmarshalBinary(data []byte) error {
	n := newState()
	if err := json.Unmarshal(data, n); err != nil {
		return fmt.Errorf("decoding pii state: %w: %w", ErrState, err)
	}
	for _, m := range []*map[string]int64{&n.Entities, &n.RecordsWith, &n.Decisions, &n.Final} {
		if *m == nil {
			*m = map[string]int64{}
		}
	}
	*st = *n
	return nil
}

// Conclude implements stages.Stage: PI density per type (entities per MB of
// text and share of records), records redacted / quarantined / rejected per
// rule, and the certificate lines of docs/REQUIREMENTS.md §3.
func (s *Stage) Conclude(st stages.State, c *stages.Conclusion) error {
	state, ok := st.(*State)
	if !ok || state == nil {
		return fmt.Errorf("concluding pii: %w: got %T", ErrState, st)
	}
	mb := float64(state.Bytes) / 1e6
	types := sortedKeys(state.Entities)
	for _, t := range types {
		density := 0.0
		if mb > 0 {
			density = float64(state.Entities[t]) / mb
		}
		share := 0.0
		if state.Records > 0 {
			share = float64(state.RecordsWith[t]) / float64(state.Records)
		}
		c.Metrics = append(c.Metrics,
			schemas.Metric{Metric: "pii_entities_per_mb", Dimension: t, Value: density},
			schemas.Metric{Metric: "pii_record_share", Dimension: t, Value: share},
			schemas.Metric{Metric: "pii_entities", Dimension: t, Value: float64(state.Entities[t])},
		)
	}
	withShare := 0.0
	if state.Records > 0 {
		withShare = float64(state.WithPI) / float64(state.Records)
	}
	c.Metrics = append(c.Metrics, schemas.Metric{Metric: "pii_record_share", Dimension: "any", Value: withShare})
	for _, k := range sortedKeys(state.Decisions) {
		verdict, rule, _ := strings.Cut(k, "|")
		c.Metrics = append(c.Metrics, schemas.Metric{Metric: "pii_records_" + verdictPast(verdict), Dimension: rule, Value: float64(state.Decisions[k])})
	}

	total := int64(0)
	for _, v := range state.Entities {
		total += v
	}
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleNoClearPI, Scope: "dataset", Pass: true, N: state.Records, Figure: float64(total),
		Detail: fmt.Sprintf("%d PI entities in %d of %d records; no PI stored in clear: findings, metrics, logs and ledger cite PI by type, byte offsets and HMAC subject key only", total, state.WithPI, state.Records),
	})
	for _, rule := range []string{RuleBasis, RuleSensitive, RuleMinor, RuleWithdrawn} {
		var parts []string
		admitted, held := int64(0), int64(0)
		for _, v := range []string{"admit", "redact", "quarantine", "reject"} {
			n := state.Decisions[v+"|"+rule]
			switch v {
			case "admit":
				admitted = n
			case "quarantine", "reject":
				held += n
			}
			if n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, verdictPast(v)))
			}
		}
		detail := "no record lacked the required consent"
		if len(parts) > 0 {
			detail = "records lacking the required consent: " + strings.Join(parts, ", ")
		}
		if admitted > 0 {
			detail += fmt.Sprintf("; %d admitted unmasked by policy", admitted)
		}
		c.Rules = append(c.Rules, schemas.RuleResult{
			// The figure counts the records held (quarantined or rejected)
			// under the rule; the line fails when a record lacking the
			// consent was admitted unmasked.
			RuleID: rule, Scope: "dataset", Pass: admitted == 0, Figure: float64(held), N: state.Records, Detail: detail,
		})
	}
	return nil
}

func verdictPast(v string) string {
	switch v {
	case "admit":
		return "admitted"
	case "redact":
		return "redacted"
	case "quarantine":
		return "quarantined"
	}
	return "rejected"
}

func sortedKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
