package aigc

import "errors"

// Sentinel errors of the aigc stage.
var (
	// ErrImplicit is wrapped by errors parsing an AIGC metadata structure.
	ErrImplicit = errors.New("invalid AIGC label")
	// ErrState is wrapped by errors merging or decoding a dataset State.
	ErrState = errors.New("invalid aigc state")
)
