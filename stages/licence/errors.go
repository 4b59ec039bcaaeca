package licence

import "errors"

// Errors returned by the stage.
var (
	// ErrNoPolicy is returned by New when the Env has no policy.
	ErrNoPolicy = errors.New("licence stage needs a policy")
	// ErrStateType is returned by Merge for a state of another stage.
	ErrStateType = errors.New("not a licence stage state")
)
