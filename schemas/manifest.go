package schemas

// ManifestSchema is the schema id written into every manifest.json.
const ManifestSchema = "https://prov.dev/schemas/manifest/v1"

// Manifest is `<dataset>/<version>/manifest.json`: what a dataset version
// is made of. It is deterministic (no run ids or write times: those are in
// the ledger), so the same inputs under the same policy and evaluation time
// give a byte-identical manifest and the certificate's subject digest is
// reproducible.
type Manifest struct {
	Schema  string `json:"schema"`
	Dataset string `json:"dataset"`
	Version string `json:"version"`
	// Digest is the RFC 6962 Merkle root over the sorted, de-duplicated
	// digests of the admitted records ("sha256:<hex>").
	Digest string `json:"digest"`
	// Records is the number of distinct admitted record digests (the leaves
	// of Digest's tree).
	Records int64          `json:"records"`
	Counts  Counts         `json:"counts"`
	Policy  ManifestPolicy `json:"policy"`
	Use     string         `json:"use"`
	// InputStore is the URI of the store the inputs were read from: the
	// findings' object and locator columns are keys relative to it
	// ("<key>#L<line>").
	InputStore string        `json:"input_store,omitempty"`
	Inputs     []InputObject `json:"inputs"`
	Sources    []SourceRef   `json:"sources"`
	// Blocked lists sources whose records were all rejected at seal, with
	// the rule that blocked them.
	Blocked []BlockedSource `json:"blocked,omitempty"`
	// RejectedAtSeal counts admitted records rejected when the version was
	// sealed: their source was blocked by a dataset-level rule, or the ledger
	// records a consent withdrawal or a source / object revocation for them.
	RejectedAtSeal int64          `json:"rejected_at_seal,omitempty"`
	Rules          []RuleResult   `json:"rules"`
	Attributions   []Attribution  `json:"attributions,omitempty"`
	Outputs        ManifestOutput `json:"outputs"`
	// Supersedes is the previous version of this dataset in the ledger, if any.
	Supersedes string `json:"supersedes,omitempty"`
	// EvaluationTime is the "now" every time-dependent decision took (RFC
	// 3339 UTC): `prov run --as-of`, evaluation_time in the config, or the
	// run's start.
	EvaluationTime string `json:"evaluation_time,omitempty"`
}

// ManifestPolicy identifies the policy a version was checked under.
type ManifestPolicy struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

// InputObject is one object read for a dataset version.
type InputObject struct {
	URI       string `json:"uri"`
	Key       string `json:"key"`
	VersionID string `json:"version_id,omitempty"`
	ETag      string `json:"etag"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Format    string `json:"format"`
	Source    string `json:"source"`
	// RecordRoot is the RFC 6962 root over this object's sorted record
	// digests (every verdict), the commitment its ledger entry holds.
	RecordRoot string `json:"record_root"`
	Counts     Counts `json:"counts"`
	// Unreadable counts the records that could not be read (quarantined
	// with a read finding); quality.max_malformed_rate bounds their share.
	Unreadable int64 `json:"unreadable,omitempty"`
}

// SourceRef is a source as it appears in a manifest and a certificate.
type SourceRef struct {
	ID         string `json:"id"`
	Channel    string `json:"channel"`
	LegalBasis string `json:"legal_basis"`
	Licence    string `json:"licence,omitempty"`
	Origin     string `json:"origin,omitempty"`
	Modality   string `json:"modality,omitempty"`
	Records    int64  `json:"records"`
	Bytes      int64  `json:"bytes"`
}

// BlockedSource is a source blocked by a dataset-level rule.
type BlockedSource struct {
	Source string `json:"source"`
	RuleID string `json:"rule_id"`
}

// Attribution is an attribution a licence requires, with how many admitted
// records need it.
type Attribution struct {
	Text    string `json:"text"`
	Records int64  `json:"records"`
}

// ManifestOutput names the files written beside the manifest.
type ManifestOutput struct {
	Findings FileRef `json:"findings"`
	Metrics  FileRef `json:"metrics"`
	// Duplicates is duplicates.parquet (schemas.Duplicate rows); absent
	// from manifests written before it existed.
	Duplicates FileRef `json:"duplicates,omitzero"`
}

// FileRef is a file of a dataset version with its digest.
type FileRef struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	Rows   int64  `json:"rows"`
}
