package lineage

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/prov-ai/prov/schemas"
)

// EncodingVersion is the version of the canonical entry encoding, written
// in every entry as "v". A new version may add kinds and fields; entries of
// older versions stay readable.
const EncodingVersion = 1

// Kind names an entry type in the canonical encoding.
type Kind string

// Entry kinds.
const (
	KindRunStarted         Kind = "run_started"
	KindRunFinished        Kind = "run_finished"
	KindObjectIngested     Kind = "object_ingested"
	KindSourceAssessed     Kind = "source_assessed"
	KindDatasetSealed      Kind = "dataset_sealed"
	KindCertificateIssued  Kind = "certificate_issued"
	KindConsentWithdrawn   Kind = "consent_withdrawn"
	KindSourceRevoked      Kind = "source_revoked"
	KindObjectRevoked      Kind = "object_revoked"
	KindCertificateRevoked Kind = "certificate_revoked"
	KindAssessmentImported Kind = "assessment_imported"
	KindTrainingEvent      Kind = "training_event"
	KindModelAffected      Kind = "model_affected"
)

// Entry is one typed ledger entry. The implementations are the structs of
// this file; the interface is closed.
type Entry interface {
	// Kind is the entry's type tag.
	Kind() Kind
	// naturalKey identifies the fact the entry records: appending an entry
	// whose natural key is already in the ledger appends nothing. "" means
	// the entry has no natural key (always appended).
	naturalKey() string
	// check validates the fields.
	check() error
}

// RunStarted opens a pipeline run.
type RunStarted struct {
	RunID        string   `json:"run_id"`
	Datasets     []string `json:"datasets,omitempty"`
	PolicyID     string   `json:"policy_id,omitempty"`
	PolicyDigest string   `json:"policy_digest,omitempty"`
	ConfigDigest string   `json:"config_digest,omitempty"`
	Shard        string   `json:"shard,omitempty"` // "I/N" for a shard run
	Version      string   `json:"prov_version,omitempty"`
}

// RunFinished closes a run. Status is "ok", "gate" (a policy gate failed)
// or "failed".
type RunFinished struct {
	RunID  string         `json:"run_id"`
	Status string         `json:"status"`
	Counts schemas.Counts `json:"counts"`
	Error  string         `json:"error,omitempty"`
}

// ObjectIngested records that one input object was read and decided.
// RecordRoot is the RFC 6962 root (hex) over the object's record references
// sorted by digest then line (RecordRefsRoot); the references are stored
// beside the entry. Records is their number. Sources are the distinct source
// ids of the object's records, sorted.
type ObjectIngested struct {
	Dataset      string         `json:"dataset"`
	URI          string         `json:"uri"`
	VersionID    string         `json:"version_id,omitempty"`
	ETag         string         `json:"etag,omitempty"`
	SHA256       string         `json:"sha256,omitempty"`
	Size         int64          `json:"size"`
	Sources      []string       `json:"sources,omitempty"`
	PolicyDigest string         `json:"policy_digest"`
	RunID        string         `json:"run_id,omitempty"`
	RecordRoot   string         `json:"record_root"`
	Records      int64          `json:"records"`
	Counts       schemas.Counts `json:"counts"`
}

// SourceAssessed records a dataset-level assessment of one source (sampled
// harmful ratio, licence evidence ...) and whether it was blocked.
type SourceAssessed struct {
	Source       string               `json:"source"`
	Dataset      string               `json:"dataset"`
	RunID        string               `json:"run_id,omitempty"`
	PolicyDigest string               `json:"policy_digest,omitempty"`
	Rules        []schemas.RuleResult `json:"rules,omitempty"`
	BlockedBy    string               `json:"blocked_by,omitempty"` // rule ID; "" = not blocked
}

// DatasetSealed records a dataset version. Digest is the dataset digest
// (hex RFC 6962 root over the sorted admitted record digests). Objects are
// the leaf indexes of the version's ObjectIngested entries, ascending.
// Supersedes names the previous version of the dataset, if any.
type DatasetSealed struct {
	Dataset        string         `json:"dataset"`
	Version        string         `json:"version"`
	Digest         string         `json:"digest"`
	ManifestSHA256 string         `json:"manifest_sha256,omitempty"`
	Counts         schemas.Counts `json:"counts"`
	Objects        []uint64       `json:"objects,omitempty"`
	Sources        []string       `json:"sources,omitempty"`
	RunIDs         []string       `json:"run_ids,omitempty"`
	PolicyID       string         `json:"policy_id,omitempty"`
	PolicyDigest   string         `json:"policy_digest,omitempty"`
	Supersedes     string         `json:"supersedes,omitempty"`
}

// CertificateIssued records a signed certificate of a dataset version.
type CertificateIssued struct {
	Dataset        string `json:"dataset"`
	Version        string `json:"version"`
	EnvelopeSHA256 string `json:"envelope_sha256"`
	ManifestSHA256 string `json:"manifest_sha256,omitempty"`
	PredicateType  string `json:"predicate_type,omitempty"`
	KeyID          string `json:"key_id,omitempty"`
}

// ConsentWithdrawn records that a data subject (by SubjectKey) withdrew
// consent (PIPL-15/47). Reference points to the request outside the ledger.
type ConsentWithdrawn struct {
	Subject   string `json:"subject"`
	Reason    string `json:"reason,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// SourceRevoked records that a source may no longer be used (complaint,
// expired contract, TC260-5.2-b3).
type SourceRevoked struct {
	Source    string `json:"source"`
	Reason    string `json:"reason,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// ObjectRevoked records that one input object may no longer be used.
type ObjectRevoked struct {
	URI       string `json:"uri"`
	Reason    string `json:"reason,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// CertificateRevoked records that a certificate no longer holds. Cause is
// the leaf index of the entry that caused it (a revocation or withdrawal),
// or -1 for a revocation with no ledger cause.
type CertificateRevoked struct {
	Dataset        string `json:"dataset"`
	Version        string `json:"version"`
	EnvelopeSHA256 string `json:"envelope_sha256"`
	Cause          int64  `json:"cause"`
	Reason         string `json:"reason,omitempty"`
}

// AssessmentImported records reviewer verdicts imported for a sample
// (TC260-9.2-a, CN-IM-8.2).
type AssessmentImported struct {
	Dataset        string `json:"dataset"`
	Version        string `json:"version,omitempty"`
	RuleID         string `json:"rule_id"`
	SampleSHA256   string `json:"sample_sha256"`
	VerdictsSHA256 string `json:"verdicts_sha256"`
	N              int64  `json:"n"`
	Passed         int64  `json:"passed"`
}

// DatasetName is a dataset as an OpenLineage event names it: a model,
// checkpoint or other output of a downstream job.
type DatasetName struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// ConsumedVersion is a prov dataset version that an input of a downstream
// job's event names, with the namespace and name the event used.
type ConsumedVersion struct {
	Dataset   string `json:"dataset"`
	Version   string `json:"version"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// TrainingEvent records an OpenLineage RunEvent of a downstream job (a
// training or fine-tuning run) that consumed prov dataset versions: the
// job, run id, event type and time, producer, the prov versions among its
// inputs and its outputs (models, checkpoints) as the job named them.
// EventSHA256 is the SHA-256 of the event's canonical JSON. EventTime is
// RFC 3339 UTC. Inputs and Outputs are sorted and unique.
type TrainingEvent struct {
	JobNamespace string            `json:"job_namespace"`
	JobName      string            `json:"job_name"`
	RunID        string            `json:"run_id"`
	EventType    string            `json:"event_type"`
	EventTime    string            `json:"event_time"`
	Producer     string            `json:"producer"`
	Inputs       []ConsumedVersion `json:"inputs,omitempty"`
	Outputs      []DatasetName     `json:"outputs,omitempty"`
	EventSHA256  string            `json:"event_sha256"`
}

// ModelAffected records that a model (an output of downstream training
// runs) was trained on dataset versions that a revocation or consent
// withdrawal affected: Cause is that entry's leaf, Versions the affected
// versions ("dataset@version") and Runs the training run ids, both sorted.
type ModelAffected struct {
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Cause     uint64   `json:"cause"`
	Versions  []string `json:"versions"`
	Runs      []string `json:"runs"`
	Reason    string   `json:"reason,omitempty"`
}

// Kind implements Entry.
func (TrainingEvent) Kind() Kind { return KindTrainingEvent }

// Kind implements Entry.
func (ModelAffected) Kind() Kind { return KindModelAffected }

// Kind implements Entry.
func (RunStarted) Kind() Kind { return KindRunStarted }

// Kind implements Entry.
func (RunFinished) Kind() Kind { return KindRunFinished }

// Kind implements Entry.
func (ObjectIngested) Kind() Kind { return KindObjectIngested }

// Kind implements Entry.
func (SourceAssessed) Kind() Kind { return KindSourceAssessed }

// Kind implements Entry.
func (DatasetSealed) Kind() Kind { return KindDatasetSealed }

// Kind implements Entry.
func (CertificateIssued) Kind() Kind { return KindCertificateIssued }

// Kind implements Entry.
func (ConsentWithdrawn) Kind() Kind { return KindConsentWithdrawn }

// Kind implements Entry.
func (SourceRevoked) Kind() Kind { return KindSourceRevoked }

// Kind implements Entry.
func (ObjectRevoked) Kind() Kind { return KindObjectRevoked }

// Kind implements Entry.
func (CertificateRevoked) Kind() Kind { return KindCertificateRevoked }

// Kind implements Entry.
func (AssessmentImported) Kind() Kind { return KindAssessmentImported }

func nk(parts ...string) string { return strings.Join(parts, "\x00") }

func (e RunStarted) naturalKey() string  { return nk("run_started", e.RunID) }
func (e RunFinished) naturalKey() string { return nk("run_finished", e.RunID, e.Status) }
func (e ObjectIngested) naturalKey() string {
	return nk("object", e.Dataset, e.URI, e.VersionID, e.ETag, e.SHA256, e.PolicyDigest, e.RecordRoot)
}
func (e SourceAssessed) naturalKey() string { return "" }
func (e DatasetSealed) naturalKey() string  { return nk("sealed", e.Dataset, e.Version) }
func (e CertificateIssued) naturalKey() string {
	return nk("cert", e.Dataset, e.Version, e.EnvelopeSHA256)
}
func (e ConsentWithdrawn) naturalKey() string { return nk("withdrawn", e.Subject, e.Reference) }
func (e SourceRevoked) naturalKey() string    { return nk("source_revoked", e.Source) }
func (e ObjectRevoked) naturalKey() string    { return nk("object_revoked", e.URI) }
func (e CertificateRevoked) naturalKey() string {
	return nk("cert_revoked", e.Dataset, e.Version, e.EnvelopeSHA256)
}
func (e AssessmentImported) naturalKey() string {
	return nk("assessment", e.Dataset, e.Version, e.RuleID, e.SampleSHA256, e.VerdictsSHA256)
}

func (e TrainingEvent) naturalKey() string {
	return nk("training", e.JobNamespace, e.JobName, e.RunID, e.EventType, e.EventTime)
}
func (e ModelAffected) naturalKey() string {
	return nk("model_affected", e.Namespace, e.Name, strconv.FormatUint(e.Cause, 10))
}

// trainingStates are the OpenLineage run states.
var trainingStates = []string{"START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER"}

func (e TrainingEvent) check() error {
	if !slices.Contains(trainingStates, e.EventType) {
		return fmt.Errorf("%w: event_type %q is not an OpenLineage run state", ErrBadEntry, e.EventType)
	}
	t, err := time.Parse(time.RFC3339Nano, e.EventTime)
	if err != nil || t.UTC().Format(time.RFC3339Nano) != e.EventTime {
		return fmt.Errorf("%w: event_time %q must be RFC 3339 UTC", ErrBadEntry, e.EventTime)
	}
	for i, in := range e.Inputs {
		if in.Dataset == "" || in.Version == "" || in.Name == "" || noNUL(in.Dataset+in.Version) != nil {
			return fmt.Errorf("%w: inputs[%d] needs dataset, version and name", ErrBadEntry, i)
		}
		if i > 0 && compareConsumed(e.Inputs[i-1], in) >= 0 {
			return fmt.Errorf("%w: inputs must be sorted and unique", ErrBadEntry)
		}
	}
	for i, o := range e.Outputs {
		if o.Name == "" || noNUL(o.Name) != nil {
			return fmt.Errorf("%w: outputs[%d] needs a name", ErrBadEntry, i)
		}
		if i > 0 && compareNames(e.Outputs[i-1], o) >= 0 {
			return fmt.Errorf("%w: outputs must be sorted and unique", ErrBadEntry)
		}
	}
	return firstErr(need("job_namespace", e.JobNamespace), need("job_name", e.JobName), need("run_id", e.RunID),
		noNUL(e.RunID), need("producer", e.Producer), needHex("event_sha256", e.EventSHA256, false))
}

func (e ModelAffected) check() error {
	return firstErr(need("name", e.Name), noNUL(e.Name), sortedUnique("versions", e.Versions), sortedUnique("runs", e.Runs))
}

func noNUL(s string) error {
	if strings.ContainsRune(s, 0) {
		return fmt.Errorf("%w: NUL byte in a name", ErrBadEntry)
	}
	return nil
}

func compareConsumed(a, b ConsumedVersion) int {
	return cmp.Or(cmp.Compare(a.Dataset, b.Dataset), cmp.Compare(a.Version, b.Version),
		cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

func compareNames(a, b DatasetName) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

func need(field, v string) error {
	if v == "" {
		return fmt.Errorf("%w: %s is required", ErrBadEntry, field)
	}
	return nil
}

func needHex(field, v string, optional bool) error {
	if v == "" && optional {
		return nil
	}
	if len(v) != 64 {
		return fmt.Errorf("%w: %s must be 64 hex digits", ErrBadEntry, field)
	}
	if _, err := hex.DecodeString(v); err != nil || strings.ToLower(v) != v {
		return fmt.Errorf("%w: %s must be 64 lower-case hex digits", ErrBadEntry, field)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func countsErr(c schemas.Counts) error {
	if !c.Reconciles() {
		return fmt.Errorf("%w: counts do not reconcile (in %d != admit %d + redact %d + quarantine %d + reject %d)",
			ErrBadEntry, c.In, c.Admit, c.Redact, c.Quarantine, c.Reject)
	}
	return nil
}

func (e RunStarted) check() error { return need("run_id", e.RunID) }
func (e RunFinished) check() error {
	switch e.Status {
	case "ok", "gate", "failed":
	default:
		return fmt.Errorf("%w: status %q is not ok, gate or failed", ErrBadEntry, e.Status)
	}
	return firstErr(need("run_id", e.RunID), countsErr(e.Counts))
}
func (e ObjectIngested) check() error {
	if e.Size < 0 || e.Records < 0 || e.Records != e.Counts.In {
		return fmt.Errorf("%w: size/records/counts.in inconsistent (%d, %d, %d)", ErrBadEntry, e.Size, e.Records, e.Counts.In)
	}
	return firstErr(need("dataset", e.Dataset), need("uri", e.URI), need("policy_digest", e.PolicyDigest),
		needHex("record_root", e.RecordRoot, false), needHex("sha256", e.SHA256, true),
		countsErr(e.Counts), sortedUnique("sources", e.Sources))
}
func (e SourceAssessed) check() error {
	return firstErr(need("source", e.Source), need("dataset", e.Dataset))
}
func (e DatasetSealed) check() error {
	for i := 1; i < len(e.Objects); i++ {
		if e.Objects[i] <= e.Objects[i-1] {
			return fmt.Errorf("%w: objects must be ascending leaf indexes", ErrBadEntry)
		}
	}
	return firstErr(need("dataset", e.Dataset), need("version", e.Version), needHex("digest", e.Digest, false),
		needHex("manifest_sha256", e.ManifestSHA256, true), countsErr(e.Counts),
		sortedUnique("sources", e.Sources), sortedUnique("run_ids", e.RunIDs))
}
func (e CertificateIssued) check() error {
	return firstErr(need("dataset", e.Dataset), need("version", e.Version),
		needHex("envelope_sha256", e.EnvelopeSHA256, false), needHex("manifest_sha256", e.ManifestSHA256, true))
}
func (e ConsentWithdrawn) check() error { return needHex("subject", e.Subject, false) }
func (e SourceRevoked) check() error    { return need("source", e.Source) }
func (e ObjectRevoked) check() error    { return need("uri", e.URI) }
func (e CertificateRevoked) check() error {
	if e.Cause < -1 {
		return fmt.Errorf("%w: cause must be a leaf index or -1", ErrBadEntry)
	}
	return firstErr(need("dataset", e.Dataset), need("version", e.Version),
		needHex("envelope_sha256", e.EnvelopeSHA256, false))
}
func (e AssessmentImported) check() error {
	if e.N < 0 || e.Passed < 0 || e.Passed > e.N {
		return fmt.Errorf("%w: passed must be within 0..n", ErrBadEntry)
	}
	return firstErr(need("dataset", e.Dataset), need("rule_id", e.RuleID),
		needHex("sample_sha256", e.SampleSHA256, false), needHex("verdicts_sha256", e.VerdictsSHA256, false))
}

func sortedUnique(field string, s []string) error {
	for i := 1; i < len(s); i++ {
		if s[i] <= s[i-1] {
			return fmt.Errorf("%w: %s must be sorted and unique", ErrBadEntry, field)
		}
	}
	return nil
}

// Stored is an entry as it stands in the ledger: its leaf index, the time
// it was appended (UTC, non-decreasing along the log) and the entry.
type Stored struct {
	Index uint64
	Time  time.Time
	Entry Entry
}

// envelope is the canonical wire form: compact JSON with the fields in this
// order, time as RFC 3339 UTC with nanoseconds, body the entry's struct.
type envelope struct {
	V     int             `json:"v"`
	Index uint64          `json:"index"`
	Time  string          `json:"time"`
	Kind  Kind            `json:"kind"`
	Body  json.RawMessage `json:"body"`
}

// EncodeEntry returns the canonical encoding of s: deterministic, one
// encoding per entry. The leaf index and time are part of it, so a moved or
// swapped entry no longer verifies.
func EncodeEntry(s Stored) ([]byte, error) {
	if s.Entry == nil {
		return nil, fmt.Errorf("encoding entry %d: %w: no entry", s.Index, ErrBadEntry)
	}
	if err := s.Entry.check(); err != nil {
		return nil, fmt.Errorf("encoding entry %d: %w", s.Index, err)
	}
	body, err := json.Marshal(s.Entry)
	if err != nil {
		return nil, fmt.Errorf("encoding entry %d: %w: %w", s.Index, ErrBadEntry, err)
	}
	b, err := json.Marshal(envelope{V: EncodingVersion, Index: s.Index,
		Time: s.Time.UTC().Format(time.RFC3339Nano), Kind: s.Entry.Kind(), Body: body})
	if err != nil {
		return nil, fmt.Errorf("encoding entry %d: %w: %w", s.Index, ErrBadEntry, err)
	}
	return b, nil
}

func newEntry(k Kind) Entry {
	switch k {
	case KindRunStarted:
		return &RunStarted{}
	case KindRunFinished:
		return &RunFinished{}
	case KindObjectIngested:
		return &ObjectIngested{}
	case KindSourceAssessed:
		return &SourceAssessed{}
	case KindDatasetSealed:
		return &DatasetSealed{}
	case KindCertificateIssued:
		return &CertificateIssued{}
	case KindConsentWithdrawn:
		return &ConsentWithdrawn{}
	case KindSourceRevoked:
		return &SourceRevoked{}
	case KindObjectRevoked:
		return &ObjectRevoked{}
	case KindCertificateRevoked:
		return &CertificateRevoked{}
	case KindAssessmentImported:
		return &AssessmentImported{}
	case KindTrainingEvent:
		return &TrainingEvent{}
	case KindModelAffected:
		return &ModelAffected{}
	}
	return nil
}

// deref turns the *T newEntry returned into the T value callers switch on.
func deref(e Entry) Entry {
	switch v := e.(type) {
	case *RunStarted:
		return *v
	case *RunFinished:
		return *v
	case *ObjectIngested:
		return *v
	case *SourceAssessed:
		return *v
	case *DatasetSealed:
		return *v
	case *CertificateIssued:
		return *v
	case *ConsentWithdrawn:
		return *v
	case *SourceRevoked:
		return *v
	case *ObjectRevoked:
		return *v
	case *CertificateRevoked:
		return *v
	case *AssessmentImported:
		return *v
	case *TrainingEvent:
		return *v
	case *ModelAffected:
		return *v
	}
	return e
}

func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("trailing data")
	}
	return nil
}

// DecodeEntry parses canonical entry bytes. It accepts exactly the bytes
// EncodeEntry produces: anything else (unknown fields or kinds, other field
// order, whitespace, non-UTC time, invalid fields) wraps ErrBadEntry.
// Entry values are returned by value (ObjectIngested, not *ObjectIngested).
func DecodeEntry(b []byte) (Stored, error) {
	var env envelope
	if err := strictUnmarshal(b, &env); err != nil {
		return Stored{}, fmt.Errorf("decoding entry: %w: %w", ErrBadEntry, err)
	}
	if env.V != EncodingVersion {
		return Stored{}, fmt.Errorf("decoding entry: %w: encoding version %d", ErrBadEntry, env.V)
	}
	e := newEntry(env.Kind)
	if e == nil {
		return Stored{}, fmt.Errorf("decoding entry: %w: unknown kind %q", ErrBadEntry, env.Kind)
	}
	if err := strictUnmarshal(env.Body, e); err != nil {
		return Stored{}, fmt.Errorf("decoding entry %d: %w: %w", env.Index, ErrBadEntry, err)
	}
	t, err := time.Parse(time.RFC3339Nano, env.Time)
	if err != nil {
		return Stored{}, fmt.Errorf("decoding entry %d: %w: %w", env.Index, ErrBadEntry, err)
	}
	s := Stored{Index: env.Index, Time: t.UTC(), Entry: deref(e)}
	again, err := EncodeEntry(s)
	if err != nil {
		return Stored{}, fmt.Errorf("decoding entry %d: %w", env.Index, err)
	}
	if !bytes.Equal(again, b) {
		return Stored{}, fmt.Errorf("decoding entry %d: %w: not in canonical form", env.Index, ErrBadEntry)
	}
	return s, nil
}

var hasher = rfc6962.DefaultHasher

// LeafHash is the RFC 6962 leaf hash of canonical entry bytes:
// SHA-256(0x00 || canonical).
func LeafHash(canonical []byte) []byte { return hasher.HashLeaf(canonical) }

// keyID hashes a natural key for the idempotency index.
func keyID(k string) []byte {
	s := sha256.Sum256([]byte(k))
	return s[:]
}
