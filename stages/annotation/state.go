package annotation

import (
	"encoding/json"
	"fmt"

	"github.com/prov-ai/prov/stages"
)

// kind is a record-level violation kind.
type kind int

const (
	kMalformed kind = iota
	kUnlabelled
	kRuleVersion
	kUnknownLabel
	kMissingField
	kSpan
	kTooFew
	kUnqualified
	kSelfReview
	kUnreviewed
	kReviewRejected
	numKinds
)

var kindNames = [numKinds]string{
	"malformed", "unlabelled", "rule_version", "unknown_label", "missing_field",
	"span", "too_few_annotators", "unqualified", "self_review", "unreviewed",
	"review_rejected",
}

// Rule IDs (docs/REQUIREMENTS.md §4) cited by the stage. A row of the table with
// two IDs ("CN-IM-8.1 / TC260-5.3-b") is cited by its first.
const (
	RuleRules   = "CN-IM-8.1"   // versioned rules followed (also TC260-5.3-b)
	RuleQuality = "CN-IM-8.2"   // agreement and spot-check accuracy
	RuleStaff   = "CN-IM-8.3"   // trained, examined, labeller != reviewer (also TC260-5.3-a)
	RuleReview  = "TC260-5.3-c" // security 100 % reviewed, functional batches spot-checked
)

// kindRules maps each violation kind to the rule it breaks.
var kindRules = [numKinds]string{
	kMalformed:      RuleRules,
	kUnlabelled:     RuleRules,
	kRuleVersion:    RuleRules,
	kUnknownLabel:   RuleRules,
	kMissingField:   RuleRules,
	kSpan:           RuleRules,
	kTooFew:         RuleRules,
	kUnqualified:    RuleStaff,
	kSelfReview:     RuleStaff,
	kUnreviewed:     RuleReview,
	kReviewRejected: RuleQuality,
}

// State is the stage's mergeable accumulator: per-batch counts and pair
// tables, and dataset-wide violation counts. Its size grows with the number
// of batches and categories, never with the number of items.
type State struct {
	// Labelled counts records that carried a labels field.
	Labelled int64 `json:"labelled"`
	// Conforming counts labelled records without a CN-IM-8.1 violation.
	Conforming int64 `json:"conforming"`
	// StaffOK counts labelled records without a CN-IM-8.3 violation.
	StaffOK int64 `json:"staff_ok"`
	// Kinds counts records with each violation kind.
	Kinds [numKinds]int64 `json:"kinds"`
	// Batches is keyed by rule version + "\x00" + batch id.
	Batches map[string]*batchState `json:"batches,omitempty"`
}

// batchState accumulates one labelling batch under one rule version.
type batchState struct {
	Version string `json:"version"`
	Batch   string `json:"batch"`
	Task    string `json:"task"`
	Items   int64  `json:"items"`
	// Reviewed: items with at least one independent reviewer verdict (the
	// reviewer did not label the item). FullyReviewed: items with as many
	// as the rules require (at least one for security).
	Reviewed      int64 `json:"reviewed"`
	FullyReviewed int64 `json:"fully_reviewed"`
	// Accepted: reviewed items whose independent verdicts all accept.
	Accepted int64 `json:"accepted"`
	// Labels counts label entries per category.
	Labels []int64 `json:"labels"`
	Table  table   `json:"table"`
}

var _ stages.State = (*State)(nil)

func (s *State) batch(rs *ruleSet, id string) *batchState {
	key := rs.rules.Version + "\x00" + id
	b := s.Batches[key]
	if b == nil {
		if s.Batches == nil {
			s.Batches = map[string]*batchState{}
		}
		k := len(rs.names)
		b = &batchState{Version: rs.rules.Version, Batch: id, Task: rs.rules.Task,
			Labels: make([]int64, k), Table: newTable(k)}
		s.Batches[key] = b
	}
	return b
}

// Merge folds other (a *State) into s. Merging is integer addition, so the
// result does not depend on order or grouping.
func (s *State) Merge(other stages.State) error {
	o, ok := other.(*State)
	if !ok {
		return fmt.Errorf("merging %T into annotation state: %w", other, ErrState)
	}
	if o == nil {
		return nil
	}
	s.Labelled += o.Labelled
	s.Conforming += o.Conforming
	s.StaffOK += o.StaffOK
	for i := range s.Kinds {
		s.Kinds[i] += o.Kinds[i]
	}
	for key, ob := range o.Batches {
		b := s.Batches[key]
		if b == nil {
			if s.Batches == nil {
				s.Batches = map[string]*batchState{}
			}
			b = &batchState{Version: ob.Version, Batch: ob.Batch, Task: ob.Task,
				Labels: make([]int64, len(ob.Labels)), Table: newTable(ob.Table.K)}
			s.Batches[key] = b
		}
		if len(b.Labels) != len(ob.Labels) || !b.Table.merge(&ob.Table) {
			return fmt.Errorf("merging batch %s/%s: %w: taxonomies differ (%d and %d labels); were the shards run with different rule files?",
				ob.Version, ob.Batch, ErrState, len(b.Labels), len(ob.Labels))
		}
		b.Items += ob.Items
		b.Reviewed += ob.Reviewed
		b.FullyReviewed += ob.FullyReviewed
		b.Accepted += ob.Accepted
		addInto(b.Labels, ob.Labels)
	}
	return nil
}

// stateFormat versions the MarshalBinary encoding.
const stateFormat = 1

type stateWire struct {
	Format int    `json:"format"`
	State  *State `json:"state"`
}

// MarshalBinary encodes s (versioned JSON; map keys sorted, so equal states
// encode equally).
func (s *State) MarshalBinary() ([]byte, error) {
	b, err := json.Marshal(stateWire{stateFormat, s})
	if err != nil {
		return nil, fmt.Errorf("encoding annotation state: %w", err)
	}
	return b, nil
}

// UnmarshalBinary decodes a state written by MarshalBinary and checks that
// its tables are consistent.
func (s *State) UnmarshalBinary(data []byte) error {
	var w stateWire
	w.State = &State{}
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("decoding annotation state: %w: %w", ErrState, err)
	}
	if w.Format != stateFormat {
		return fmt.Errorf("decoding annotation state: %w: format %d, want %d", ErrState, w.Format, stateFormat)
	}
	if w.State == nil {
		w.State = &State{}
	}
	for key, b := range w.State.Batches {
		if err := b.valid(); err != nil {
			return fmt.Errorf("decoding annotation state batch %q: %w: %w", key, ErrState, err)
		}
	}
	*s = *w.State
	return nil
}

// maxCategories bounds a decoded taxonomy (a corrupt state must not make
// Conclude allocate without limit).
const maxCategories = 4096

func (b *batchState) valid() error {
	if b == nil {
		return fmt.Errorf("empty batch")
	}
	k := b.Table.K
	switch {
	case k < 0 || k > maxCategories:
		return fmt.Errorf("%d categories", k)
	case len(b.Labels) != k:
		return fmt.Errorf("%d label counts for %d categories", len(b.Labels), k)
	case b.Items < 0 || b.Reviewed < 0 || b.Accepted < 0 || b.FullyReviewed < 0:
		return fmt.Errorf("negative count")
	}
	for m, p := range b.Table.Pairs {
		if m < 2 || m > 1<<20 || len(p) != k*k {
			return fmt.Errorf("pair table for %d raters has %d cells", m, len(p))
		}
	}
	for key, c := range b.Table.Cohen {
		if len(c) != k*k {
			return fmt.Errorf("cohen table %q has %d cells", key, len(c))
		}
	}
	return nil
}
