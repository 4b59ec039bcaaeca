package pipeline

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

var randReader = rand.Reader

// Ledger is what a run records into and reads revocations from. The
// lineage ledger implements it (see LineageLedger); a nil Ledger runs
// without one.
type Ledger interface {
	// SubjectKey is the keyed hash indexing a data subject.
	SubjectKey(kind, value string) string
	RunStarted(ctx context.Context, r RunInfo) error
	RunFinished(ctx context.Context, r RunInfo) error
	// IngestObject records one object's final record list, prepared by
	// lineage.PrepareRecords; idempotent.
	IngestObject(ctx context.Context, o ObjectInfo, recs *lineage.PreparedRecords) (leaf uint64, err error)
	// Revocations returns what the ledger says must no longer be used.
	Revocations(ctx context.Context) (*Revocations, error)
	// LatestVersion returns the newest sealed version of a dataset ("" if none).
	LatestVersion(ctx context.Context, dataset string) (string, error)
	// Seal records a dataset version and publishes a signed checkpoint.
	Seal(ctx context.Context, s SealInfo) (leaf uint64, err error)
}

// RunInfo describes a run for the ledger.
type RunInfo struct {
	RunID, Dataset, PolicyID, PolicyDigest, Fingerprint, Shard string
	Workers                                                    int
	Version, Digest                                            string
	Counts                                                     schemas.Counts
}

// ObjectInfo is an object's ledger entry.
type ObjectInfo struct {
	Dataset      string
	RunID        string
	PolicyDigest string
	Object       schemas.InputObject
}

// SealInfo is a sealed dataset version for the ledger.
type SealInfo struct {
	Dataset, Version, Digest, ManifestSHA256, PolicyID, PolicyDigest, RunID, Supersedes string
	Counts                                                                              schemas.Counts
	ObjectLeaves                                                                        []uint64
	Sources                                                                             []string
}

// Revocations are the ledger's withdrawals and revocations.
type Revocations struct {
	Subjects map[string]string // subject key → reason
	Sources  map[string]string // source id → reason
	Objects  map[string]string // object URI → reason
}

// subjectKeyFunc returns the ledger's subject-key function, or for runs
// without a ledger an HMAC under a fixed test key.
func subjectKeyFunc(l Ledger) func(kind, value string) string {
	if l != nil {
		return l.SubjectKey
	}
	return func(kind, value string) string {
		m := hmac.New(sha256.New, []byte("prov-no-ledger"))
		m.Write([]byte(kind))
		m.Write([]byte{0})
		m.Write([]byte(value))
		return hex.EncodeToString(m.Sum(nil))
	}
}
