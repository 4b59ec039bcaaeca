package pipeline

import "errors"

var (
	// ErrReconcile is returned when records in != admit + redact +
	// quarantine + reject for an object or a dataset.
	ErrReconcile = errors.New("verdict counts do not reconcile")
	// ErrGate is wrapped by the error of a run that finished but failed a
	// policy gate (exit code 3).
	ErrGate = errors.New("a policy gate failed")
	// ErrNoDataset is returned when --dataset names no configured dataset.
	ErrNoDataset = errors.New("no such dataset in the configuration")
	// ErrNoObjects is returned when a dataset's inputs match no object.
	ErrNoObjects = errors.New("no input objects")
	// ErrBadSegment is returned for a segment file that is incomplete or
	// corrupt (it is then re-made from the object).
	ErrBadSegment = errors.New("bad segment")
	// ErrMissingShard is returned by Seal when a shard has not finished.
	ErrMissingShard = errors.New("shard segment missing")
)
