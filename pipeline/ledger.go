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

// Recorder is what a run records into and reads revocations from: the
// lineage ledger seen from the pipeline (NewRecorder); a nil Recorder runs
// without a ledger.
type Recorder interface {
	// SubjectKey is the keyed hash indexing a data subject.
	SubjectKey(kind, value string) string
	RunStarted(ctx context.Context, r RunDetails) error
	RunFinished(ctx context.Context, r RunDetails) error
	// IngestObject records one object's final record list, prepared by
	// lineage.PrepareRecords; idempotent.
	IngestObject(ctx context.Context, o ObjectDetails, recs *lineage.PreparedRecords) (leaf uint64, err error)
	// Revocations returns what the ledger says must no longer be used.
	Revocations(ctx context.Context) (*Revocations, error)
	// VersionBefore returns the version of a dataset sealed last before
	// version ("" if none): the newest sealed one while version is not
	// sealed yet, else the one sealed just before it.
	VersionBefore(ctx context.Context, dataset, version string) (string, error)
	// SealedManifest returns the manifest sha256 (hex) a dataset version
	// is sealed with, "" when the ledger does not hold it.
	SealedManifest(ctx context.Context, dataset, version string) (string, error)
	// Seal records a dataset version and publishes a signed checkpoint.
	Seal(ctx context.Context, s SealDetails) (leaf uint64, err error)
}

// RunDetails is what a run tells the recorder about itself.
type RunDetails struct {
	RunID, Dataset, PolicyID, PolicyDigest, Fingerprint, Shard string
	Workers                                                    int
	Version, Digest                                            string
	Counts                                                     schemas.Counts
}

// ObjectDetails is what the recorder needs to record one ingested object.
type ObjectDetails struct {
	Dataset      string
	RunID        string
	PolicyDigest string
	Object       schemas.InputObject
}

// SealDetails is what the recorder needs to record a sealed version.
type SealDetails struct {
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
func subjectKeyFunc(l Recorder) func(kind, value string) string {
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
