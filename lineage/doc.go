// Package lineage is prov's lineage ledger: an append-only, tamper-evident
// log of typed entries kept in badger, hashed as an RFC 6962 Merkle tree and
// published through signed checkpoints (C2SP signed notes, Ed25519).
//
// # Contract
//
//   - Every entry (run started/finished, object ingested, source assessed,
//     dataset sealed, certificate issued, consent withdrawn, source / object /
//     certificate revoked, assessment imported, training event, model
//     affected) has one canonical encoding
//     (EncodeEntry; versioned JSON, see entry.go) and is leaf Index of the
//     tree. LeafHash(canonical) is its RFC 6962 leaf hash.
//   - Record-level lineage needs no leaf per record: an ObjectIngested entry
//     commits to RecordRoot, the RFC 6962 root over the object's sorted
//     record references (digest, verdict, line, subject keys); the reference
//     list is stored beside the entry in chunks.
//   - Indexes (record → object+line, subject → records, object → entries and
//     dataset versions, source → objects, dataset → versions, run → entries,
//     revocations) are derived data: VerifyAll rebuilds them from the entries
//     and record lists and compares. The record and subject indexes are
//     grouped per object (one key per digest-prefix bucket and per
//     subject), so ingest writes a few hundred keys per object, not one
//     per record (BENCHMARKS.md).
//   - Writes are idempotent on each entry's natural key (for ObjectIngested:
//     dataset, URI, version id, ETag, SHA-256, policy digest and record root),
//     so an unchanged object re-run under the same policy appends nothing and
//     a killed run can simply be run again.
//   - Data subjects are indexed by SubjectKey, a keyed hash (HMAC-SHA-256
//     with a per-ledger secret): the ledger never holds an identifier in
//     clear.
//   - One process at a time: a second Open of the same directory fails with
//     an error wrapping ErrInUse.
//   - Downstream training: RecordRunEvent records an OpenLineage RunEvent
//     of a training job that read prov dataset versions as a TrainingEvent
//     (idempotent on job, run, state and event time); revocations append a
//     ModelAffected entry per model trained on an affected version.
//
// Queries (Dataset, Object, Record, Subject, Impact, Diff, CertificateStatus,
// TrainingRuns, Model, Models) take an AsOf (tree size or time; zero means
// latest) and answer as the ledger stood at that size: every index key
// carries the leaf it came from. Dataset, Record, Subject and Impact list the
// training runs that consumed the versions they name and their models.
package lineage
