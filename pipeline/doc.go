// Package pipeline runs prov: it plans the input objects of each dataset,
// fans them out to workers that stream their records through the stages,
// keeps each object's results in a segment file (the unit of resume and of
// sharding), and seals the dataset version: merges stage states, applies
// dataset-level blocks and ledger revocations, reconciles counts, computes
// the RFC 6962 dataset digest over the sorted admitted record digests,
// writes manifest.json, findings.parquet and metrics.parquet atomically,
// and records it all in the ledger.
//
// Determinism: the dataset digest, counts, findings and exact metrics depend
// only on the inputs, the policy and the ledger's revocations, never on the
// worker count, the shard split or interruptions.
package pipeline
