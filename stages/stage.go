// Package stages defines the check interface every stage implements and
// lists the stages in the order the pipeline runs them. Each stage lives in
// its own sub-package (legality, licence, pii, annotation, quality) and sees
// records one at a time; dataset-level checks aggregate through a mergeable
// State so that workers and shards combine to the same result.
//
// Stages never import the pipeline: what they need from outside (auxiliary
// objects in the store, the subject-key function, the source registry) comes
// in an Env.
package stages

import (
	"context"
	"io"
	"time"

	"github.com/prov-ai/prov/schemas"
)

// Stage is one check. Implementations must be safe for concurrent use: Check
// is called from many workers at once, each passing its own State.
type Stage interface {
	// Name is the stage's short name, used in findings ("pii", "licence" ...).
	Name() string
	// NewState returns an empty accumulator for one worker or shard. A stage
	// without dataset-level checks returns nil.
	NewState() State
	// Check examines one record that parsed (r.Err == nil) and records its
	// findings, verdict, redactions and subject keys in out. st is the
	// calling worker's own State (nil if NewState returns nil). Check never
	// retains r or out after it returns, nor any part of r's text: the
	// pipeline reads the text as a view of the reader's buffers, which the
	// next record overwrites (readers.TextViewed), so what a stage keeps of
	// it in its State must be a copy (strings.Clone); the pipeline copies
	// what out quotes of it. The pipeline's tests overwrite each text once
	// its record is done.
	Check(r *schemas.Record, st State, out *Outcome)
	// Conclude turns the merged State of a whole dataset into dataset-level
	// findings, certificate rule lines, metrics and source blocks. It is
	// called once per dataset version, after every record was checked.
	Conclude(st State, c *Conclusion) error
}

// State is a stage's mergeable dataset-level accumulator. Merging states in
// any order and grouping must give the same Conclusion (exactly for exact
// figures), so that 1 worker, N workers and N shards agree.
type State interface {
	// Merge folds other (of the same concrete type) into the receiver.
	Merge(other State) error
	// MarshalBinary / UnmarshalBinary persist a state in a shard segment.
	MarshalBinary() ([]byte, error)
	UnmarshalBinary(data []byte) error
}

// Outcome collects what the stages decided about one record. The pipeline
// resets it before each record and runs the stages in order; a stage may
// read what earlier stages wrote.
type Outcome struct {
	Verdict    schemas.Verdict
	Findings   []schemas.Finding
	Redactions []Span
	// Subjects are keyed hashes (Env.SubjectKey) of the data subjects this
	// record is about: its subject id and detected identifiers. They feed the
	// ledger's subject index; the values themselves are never kept.
	Subjects []string
	// Attribution is the attribution the record's licence requires, carried
	// into the manifest (licence stage).
	Attribution string
	// TextKey identifies the record's normalised text (quality stage: the
	// first 16 bytes of the SHA-256 of the text after Unicode NFKC, case
	// folding and white-space collapsing); zero when the record has no
	// text or was not admitted. Seal groups records by it into exact
	// duplicate clusters across all sources.
	TextKey [16]byte
}

// Reset clears o for the next record, keeping allocated capacity.
func (o *Outcome) Reset() {
	o.Verdict = schemas.Admit
	o.Findings = o.Findings[:0]
	o.Redactions = o.Redactions[:0]
	o.Subjects = o.Subjects[:0]
	o.Attribution = ""
	o.TextKey = [16]byte{}
}

// Raise sets the verdict to v if v is more severe than the current one.
func (o *Outcome) Raise(v schemas.Verdict) { o.Verdict = o.Verdict.Max(v) }

// Find appends a record-level finding with verdict v (its Verdict column)
// and raises the record's verdict to v. The pipeline fills Dataset,
// Version, RecordDigest, Object, Locator and Source; the stage sets RuleID,
// Stage, Severity, Message and Evidence.
func (o *Outcome) Find(v schemas.Verdict, f schemas.Finding) {
	f.Verdict = v.String()
	o.Raise(v)
	o.Findings = append(o.Findings, f)
}

// Span is a byte range [Start, End) of the record text to mask as
// "[Label]" in the certified copy.
type Span struct {
	Start, End int
	Label      string
}

// ContentDescriber is implemented by stages whose rule lines and
// dataset-level findings describe the content of the version (sizes,
// duplicates, language mix, lengths) rather than judge how records were
// collected. Seal concludes such a stage over the final verdicts, after
// seal-time rejections; every other stage's checks stand over the records
// as checked. Every stage's metrics are taken over the final verdicts.
type ContentDescriber interface {
	Stage
	DescribesContent()
}

// Conclusion is what a stage's Conclude adds for a dataset version.
type Conclusion struct {
	Findings []schemas.Finding
	Rules    []schemas.RuleResult
	Metrics  []schemas.Metric
	// Blocked maps source ids to the rule ID that blocks them (e.g. a source
	// above the harmful-content threshold, TC260-5.1-a): every record of a
	// blocked source is rejected when the version is sealed.
	Blocked map[string]string
	// NearDuplicates are the near-duplicate clusters a stage found (the
	// quality stage, over its bounded sample), each with at least two
	// members. Seal lists them in duplicates.parquet.
	NearDuplicates []NearDupCluster
}

// NearDupCluster is one cluster of near-duplicate records.
type NearDupCluster struct {
	Members []NearDupMember
}

// NearDupMember is a record of a near-duplicate cluster with the estimated
// Jaccard similarity of its text to the cluster's reference member (the
// first member, whose own figure is 1).
type NearDupMember struct {
	Digest  schemas.Digest
	Jaccard float64
}

// Block marks a source as blocked by rule.
func (c *Conclusion) Block(source, rule string) {
	if c.Blocked == nil {
		c.Blocked = map[string]string{}
	}
	if _, ok := c.Blocked[source]; !ok {
		c.Blocked[source] = rule
	}
}

// Env is what stages get from the pipeline when they are built.
type Env struct {
	Policy  *schemas.Policy
	Sources *schemas.SourceRegistry
	Dataset *schemas.DatasetConfig
	// Open reads an auxiliary object (consent registry, annotator roster,
	// opt-out snapshots) by key relative to the input store, or by full URI.
	Open func(ctx context.Context, key string) (io.ReadCloser, error)
	// List lists keys under a prefix of the input store.
	List func(ctx context.Context, prefix string) ([]string, error)
	// SubjectKey returns the keyed hash (HMAC-SHA-256 with the ledger's
	// secret, hex) that indexes a data subject. kind is "subject_id",
	// "email", "phone", "id_number" ...; value is normalised by the caller.
	SubjectKey func(kind, value string) string
	// Now is the run's evaluation time: every time-dependent decision
	// (consent withdrawn "before the run", collection time of a record
	// without one) takes it, never the wall clock. Zero: the time the stage
	// is built.
	Now time.Time
}
