package quality

import "errors"

// Sentinel errors of the quality stage.
var (
	// ErrStateType is returned by Merge for a State of another stage.
	ErrStateType = errors.New("merging quality state: not a quality state")
	// ErrStateSettings is returned by Merge for states built with different
	// sample sizes (different policies): they cannot be merged exactly.
	ErrStateSettings = errors.New("merging quality state: built with different sample settings")
	// ErrCorruptState is returned by UnmarshalBinary for data that is not a
	// quality state of this format version.
	ErrCorruptState = errors.New("decoding quality state: corrupt or foreign data")
	// ErrNoPolicy is returned by New without a policy in the Env.
	ErrNoPolicy = errors.New("building quality stage: no policy")
)
