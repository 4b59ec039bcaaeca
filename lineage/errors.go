package lineage

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of them where it
// applies; test with errors.Is.
var (
	// ErrInUse: another process holds the ledger directory.
	ErrInUse = errors.New("ledger is in use by another process")
	// ErrNotFound: no such entry, object, record, dataset or checkpoint.
	ErrNotFound = errors.New("not found")
	// ErrReadOnly: a write on a ledger opened read-only.
	ErrReadOnly = errors.New("ledger is open read-only")
	// ErrNoSigningKey: a checkpoint was asked for without a signing key.
	ErrNoSigningKey = errors.New("no signing key configured")
	// ErrNoPublicKey: verification needs a public key and none is configured.
	ErrNoPublicKey = errors.New("no public key configured")
	// ErrConflict: an entry reuses a natural key with different content
	// (e.g. a dataset version label sealed twice with different digests).
	ErrConflict = errors.New("conflicting ledger entry")
	// ErrBadEntry: bytes that are not a canonical ledger entry, or an entry
	// whose fields are invalid.
	ErrBadEntry = errors.New("invalid ledger entry")
	// ErrBadKey: a key file that is not the expected PEM Ed25519 key.
	ErrBadKey = errors.New("invalid key file")
	// ErrKeyExists: keygen refuses to overwrite an existing key file.
	ErrKeyExists = errors.New("key file already exists")
	// ErrBadCheckpoint: a checkpoint that does not parse, is not signed by
	// the ledger key or names another origin.
	ErrBadCheckpoint = errors.New("invalid checkpoint")
	// ErrTampered: verification found the ledger inconsistent; the error is
	// a *VerifyError naming the first bad entry.
	ErrTampered = errors.New("ledger verification failed")
	// ErrBadRange: a leaf index or tree size outside the ledger.
	ErrBadRange = errors.New("index or tree size out of range")
	// ErrNoSubjectKey: the configured subject-key file does not exist.
	ErrNoSubjectKey = errors.New("subject key file missing")
	// ErrIndexVersion: a read-only Open of a ledger whose record index has
	// an older layout; one writable Open rebuilds it.
	ErrIndexVersion = errors.New("ledger record index has an older layout")
	// ErrCorrupt: the ledger database cannot be opened because one of its
	// files is damaged (a truncated or overwritten table); the message
	// names the file when badger does.
	ErrCorrupt = errors.New("ledger database damaged")
	// ErrConfig: an invalid Config; the message names the field.
	ErrConfig = errors.New("invalid ledger config")
)

// VerifyError locates the first inconsistency VerifyAll found. Index is the
// leaf index of the first bad entry (for a checkpoint mismatch that cannot
// be narrowed further, the first leaf of the range that the checkpoint
// disagrees with).
type VerifyError struct {
	Index uint64
	// What is the part that failed: "entry", "tree", "records", "index",
	// "checkpoint" or "meta".
	What string
	Msg  string
}

func (e *VerifyError) Error() string {
	return fmt.Sprintf("entry %d: %s: %s", e.Index, e.What, e.Msg)
}

// Unwrap makes errors.Is(err, ErrTampered) true.
func (e *VerifyError) Unwrap() error { return ErrTampered }
