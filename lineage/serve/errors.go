package serve

import "errors"

// Sentinel errors; test with errors.Is.
var (
	// ErrConfig: an invalid Config; the message names the field.
	ErrConfig = errors.New("invalid serve config")
	// ErrNotLoopback: a listen address off the loopback interface without a
	// bearer token.
	ErrNotLoopback = errors.New("refusing to serve off loopback without a bearer token")
	// ErrBadRequest: a malformed query parameter, path value or body
	// (HTTP 400).
	ErrBadRequest = errors.New("bad request")
	// ErrUnauthorized: a missing or wrong bearer token (HTTP 401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNoFiles: the output store holds no files for a sealed version
	// (HTTP 404 on the endpoints that need them).
	ErrNoFiles = errors.New("version files not found in the output store")
)
