package legality

import (
	"errors"
	"strconv"
)

// Sentinel errors of the package; returned errors wrap them.
var (
	// ErrBadKeyword marks a keyword list line that is not a usable keyword
	// (invalid UTF-8, too long).
	ErrBadKeyword = errors.New("bad keyword")
	// ErrTooManyKeywords is returned when a keyword set would compile to an
	// automaton larger than MaxAutomatonCells.
	ErrTooManyKeywords = errors.New("keyword automaton too large")
	// ErrBadTDMRep marks a tdmrep.json file that is not a JSON array of rules.
	ErrBadTDMRep = errors.New("bad tdmrep.json")
	// ErrBadSnapshot marks an opt-out snapshot file that cannot be read.
	ErrBadSnapshot = errors.New("bad opt-out snapshot")
	// ErrCorruptState is returned by UnmarshalBinary for data that MarshalBinary
	// did not produce.
	ErrCorruptState = errors.New("corrupt legality state")
	// ErrStateType is returned when merging a state of another stage.
	ErrStateType = errors.New("state is not a legality state")
)

// ParseError is a problem at a line of a parsed file.
type ParseError struct {
	File string // name of the file, when known
	Line int    // 1-based line
	Err  error
}

func (e *ParseError) Error() string {
	if e.File != "" {
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Err.Error()
	}
	return "line " + strconv.Itoa(e.Line) + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

func itoa(n int) string { return strconv.Itoa(n) }
