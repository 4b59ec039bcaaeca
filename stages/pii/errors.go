package pii

import "errors"

// Sentinel errors of the pii stage.
var (
	// ErrRegistry is wrapped by errors reading or parsing the consent registry.
	ErrRegistry = errors.New("invalid consent registry")
	// ErrState is wrapped by errors merging or decoding a dataset State.
	ErrState = errors.New("invalid pii state")
	// ErrInput is wrapped by errors reading `prov detect pii` input.
	ErrInput = errors.New("reading detector input")
)
