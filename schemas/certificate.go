package schemas

import _ "embed" // CertificateJSONSchema

// In-toto and DSSE constants of a dataset certificate.
const (
	// CertificatePredicateType is the versioned predicate-type URI of a
	// dataset certificate (the in-toto Statement's predicateType, and the
	// value given to `cosign verify-blob-attestation --type`). A change to
	// the predicate that is not purely additive needs a new version.
	CertificatePredicateType = "https://prov.dev/attestations/dataset-certificate/v1"
	// InTotoStatementType is the in-toto Statement v1 type URI.
	InTotoStatementType = "https://in-toto.io/Statement/v1"
	// InTotoPayloadType is the DSSE payload type of an in-toto Statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
	// CertificateIssuer names the tool in every predicate.
	CertificateIssuer = "prov"
)

// CertificateJSONSchema is the JSON Schema (draft 2020-12) of
// CertificatePredicate, kept beside the Go types in
// certificate.schema.json.
//
//go:embed certificate.schema.json
var CertificateJSONSchema []byte

// Statement is the in-toto Statement v1 a certificate signs. Its only
// subject is the version's manifest.json (name "<dataset>@<version>",
// digest {"sha256": hex of the exact manifest bytes}).
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []StatementSubject   `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     CertificatePredicate `json:"predicate"`
}

// StatementSubject is an in-toto resource descriptor: a name and its
// digests by algorithm.
type StatementSubject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// CertificatePredicate is what prov attests about one sealed dataset
// version. Every figure is copied from the manifest or the ledger; the
// encoding is deterministic (struct field order, sorted lists) so that only
// IssuedAt differs between two issuances of the same version.
type CertificatePredicate struct {
	Issuer  string `json:"issuer"`
	Dataset string `json:"dataset"`
	Version string `json:"version"`
	// Digest is the dataset Merkle root: RFC 6962 root over the sorted,
	// distinct digests of the admitted records ("sha256:<hex>").
	Digest  string `json:"digest"`
	Records int64  `json:"records"`
	// Use is the intended use the licences were checked against.
	Use    string         `json:"use"`
	Policy ManifestPolicy `json:"policy"`
	// RunIDs are the pipeline runs that produced the version.
	RunIDs []string `json:"run_ids"`
	Counts Counts   `json:"counts"`
	// RejectedAtSeal counts records rejected when the version was sealed
	// (blocked sources, consent withdrawals, revocations).
	RejectedAtSeal int64               `json:"rejected_at_seal"`
	Inputs         CertificateInputs   `json:"inputs"`
	Sources        []CertificateSource `json:"sources"`
	Blocked        []BlockedSource     `json:"blocked"`
	// Rules is every rule line of the manifest, in manifest order.
	Rules   []CertificateRule  `json:"rules"`
	Outputs CertificateOutputs `json:"outputs"`
	Ledger  CertificateLedger  `json:"ledger"`
	// Supersedes is the earlier version of the dataset this one replaces.
	Supersedes string `json:"supersedes,omitempty"`
	// IssuedAt is the signing time (RFC 3339 UTC).
	IssuedAt string `json:"issued_at"`
	// EvaluationTime is the manifest's: the "now" of every time-dependent
	// decision of the run.
	EvaluationTime string `json:"evaluation_time,omitempty"`
}

// CertificateInputs summarises the input objects listed in the manifest.
type CertificateInputs struct {
	Objects int   `json:"objects"`
	Bytes   int64 `json:"bytes"`
}

// CertificateSource is a source of the version with its acquisition
// channel, legal basis and licence class.
type CertificateSource struct {
	ID         string `json:"id"`
	Channel    string `json:"channel"`
	LegalBasis string `json:"legal_basis"`
	// Licence is the source's SPDX expression ("" when it has none, e.g.
	// a contract or consent basis).
	Licence string `json:"licence,omitempty"`
	// LicenceClass is the use class the licence resolves to under the
	// policy (commercial, non-commercial, academic-only, unspecified); ""
	// when the source has no licence expression.
	LicenceClass string `json:"licence_class,omitempty"`
	// LicenceFlags are the licence's conditions: A attribution, S
	// share-alike, N no-derivatives, R use-restricted, "-" none.
	LicenceFlags string `json:"licence_flags,omitempty"`
	Origin       string `json:"origin,omitempty"`
	Modality     string `json:"modality,omitempty"`
	Records      int64  `json:"records"`
	Bytes        int64  `json:"bytes"`
}

// Rule results in a certificate.
const (
	RulePass = "pass"
	RuleFail = "fail"
)

// CertificateRule is one rule line: a rule ID from docs/REQUIREMENTS.md (or a
// PROV-* accounting rule), its scope, the result and the measured figure.
type CertificateRule struct {
	RuleID    string  `json:"rule_id"`
	Scope     string  `json:"scope"`
	Result    string  `json:"result"`
	Figure    float64 `json:"figure"`
	Threshold float64 `json:"threshold,omitempty"`
	N         int64   `json:"n,omitempty"`
	Detail    string  `json:"detail"`
	Gate      bool    `json:"gate,omitempty"`
}

// CertificateOutputs are the files of the version with their digests.
type CertificateOutputs struct {
	Findings FileRef `json:"findings"`
	Metrics  FileRef `json:"metrics"`
}

// CertificateLedger locates the version in the ledger.
type CertificateLedger struct {
	// Origin is the ledger's checkpoint origin (log identity).
	Origin string `json:"origin"`
	// SealedLeaf is the leaf index of the version's DatasetSealed entry.
	SealedLeaf uint64 `json:"sealed_leaf"`
	// KeyID is the DSSE key id (SHA256 fingerprint) of the signing key.
	KeyID string `json:"key_id"`
}
