package certificate

import "errors"

// Sentinel errors; test with errors.Is.
var (
	// ErrBadEnvelope: bytes that are not a DSSE envelope as Issue writes it.
	ErrBadEnvelope = errors.New("invalid certificate envelope")
	// ErrBadProof: bytes that are not a proof.json as Issue writes it.
	ErrBadProof = errors.New("invalid certificate proof")
	// ErrBadManifest: a manifest that does not parse or does not agree with
	// the ledger entry of its version.
	ErrBadManifest = errors.New("invalid manifest")
	// ErrVerify: verification found a failing check; the error names the
	// first one (part and what differs).
	ErrVerify = errors.New("certificate verification failed")
	// ErrNoLedger: an operation needs a ledger and none was given.
	ErrNoLedger = errors.New("no ledger")
	// ErrBadRevocation: a revocation request without exactly one target or
	// without a reason.
	ErrBadRevocation = errors.New("invalid revocation request")
)
