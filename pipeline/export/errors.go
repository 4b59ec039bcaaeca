package export

import (
	"errors"
	"fmt"
)

// Sentinel errors.
var (
	// ErrNoRuns is returned when the ledger records no run for a version, so
	// there is nothing to emit OpenLineage events for.
	ErrNoRuns = errors.New("the ledger records no run for this version")
	// ErrNoLedger is returned when an operation needs the ledger and none
	// was given.
	ErrNoLedger = errors.New("no ledger")
	// ErrChangedRecord is returned when a sampled record re-read from the
	// store no longer has the digest the ledger holds for it.
	ErrChangedRecord = errors.New("record changed since it was ingested")
	// ErrBadVerdicts is wrapped by every reviewer-verdict parse error.
	ErrBadVerdicts = errors.New("malformed reviewer verdicts")
	// ErrNotInSample is returned for a verdict about a record digest the
	// sample does not hold.
	ErrNotInSample = errors.New("record is not in the sample")
	// ErrBadSample is returned for a sample file that cannot be read back.
	ErrBadSample = errors.New("malformed sample file")
	// ErrFormat is returned for an unknown output format.
	ErrFormat = errors.New("unknown format")
)

// ParseError is a reviewer-verdict or sample file error at a 1-based line
// (for CSV, the record number counting the header as line 1).
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("%s line %d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
