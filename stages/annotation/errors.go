package annotation

import (
	"errors"
	"fmt"
)

// Sentinel errors. Parse errors wrap one of them in a positioned type.
var (
	// ErrMalformedLabels: a record's labels field is not valid labels JSON.
	ErrMalformedLabels = errors.New("malformed labels")
	// ErrMalformedRoster: the annotator roster cannot be parsed or is invalid.
	ErrMalformedRoster = errors.New("malformed annotator roster")
	// ErrMalformedSpotChecks: the imported spot-check verdicts cannot be parsed.
	ErrMalformedSpotChecks = errors.New("malformed spot-check verdicts")
	// ErrRules: the annotation-rule files of the policy cannot be used.
	ErrRules = errors.New("unusable annotation rules")
	// ErrState: a State cannot be decoded or merged.
	ErrState = errors.New("invalid annotation state")
)

// LabelsError is a malformed labels object, positioned at the byte offset
// where decoding stopped (0 when unknown).
type LabelsError struct {
	Offset int64
	Err    error
}

func (e *LabelsError) Error() string {
	return fmt.Sprintf("labels offset %d: %v", e.Offset, e.Err)
}

// Unwrap returns the underlying error (which wraps ErrMalformedLabels).
func (e *LabelsError) Unwrap() error { return e.Err }

// LineError is a problem in a JSONL or YAML auxiliary file (the roster, the
// imported spot checks), positioned at its 1-based line.
type LineError struct {
	Name string
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.Name, e.Line, e.Err)
}

// Unwrap returns the underlying error (which wraps ErrMalformedRoster or
// ErrMalformedSpotChecks).
func (e *LineError) Unwrap() error { return e.Err }
