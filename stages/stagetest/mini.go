// Package stagetest holds a small real stage for the tests of packages that
// run the pipeline without the production stages (certificates, prov
// serve): it is deterministic, mergeable and cheap, and exercises findings,
// verdicts, subject keys and a certificate rule line.
package stagetest

import (
	"fmt"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Mini rejects texts containing "BAD" (rule TC260-5.1-a), indexes each
// record's subject id under Key, and concludes with one gate rule line:
// the share of BAD records over n, passing at most 0.5.
type Mini struct {
	// Key is the subject-key function (stages.Env.SubjectKey).
	Key func(kind, value string) string
}

var _ stages.Stage = Mini{}

// MiniState counts records and BAD records.
type MiniState struct{ Bad, N int64 }

// Merge adds o's counts.
func (s *MiniState) Merge(o stages.State) error {
	s.Bad += o.(*MiniState).Bad
	s.N += o.(*MiniState).N
	return nil
}

// MarshalBinary encodes the counts as text.
func (s *MiniState) MarshalBinary() ([]byte, error) {
	return fmt.Appendf(nil, "%d %d", s.Bad, s.N), nil
}

// UnmarshalBinary decodes MarshalBinary's text.
func (s *MiniState) UnmarshalBinary(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%d %d", &s.Bad, &s.N)
	return err
}

// Name returns "mini".
func (Mini) Name() string { return "mini" }

// NewState returns empty counts.
func (Mini) NewState() stages.State { return &MiniState{} }

// Check counts r, records its subject key and rejects it if its text holds "BAD".
func (m Mini) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	s := st.(*MiniState)
	s.N++
	if sub, ok := r.Get(schemas.FieldSubject); ok && sub != "" {
		out.Subjects = append(out.Subjects, m.Key(schemas.IdentSubjectID, schemas.NormalizeIdentifier(schemas.IdentSubjectID, sub)))
	}
	if strings.Contains(r.Text(), "BAD") {
		s.Bad++
		out.Find(schemas.Reject, schemas.Finding{RuleID: "TC260-5.1-a", Stage: "mini", Severity: schemas.SeverityError,
			Message: "harmful keyword"})
	}
}

// Conclude adds the gate rule line with the measured ratio.
func (Mini) Conclude(st stages.State, c *stages.Conclusion) error {
	s := st.(*MiniState)
	ratio := float64(s.Bad) / float64(max(s.N, 1))
	c.Rules = append(c.Rules, schemas.RuleResult{RuleID: "TC260-5.1-a", Scope: "web", Pass: ratio <= 0.5, Figure: ratio,
		Threshold: 0.5, N: s.N, Gate: true, Detail: fmt.Sprintf("source web harmful ratio %.3f <= 0.5 over n=%d", ratio, s.N)})
	return nil
}
