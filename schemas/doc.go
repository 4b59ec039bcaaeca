// Package schemas holds the Go types of every file format prov reads or
// writes: the run configuration, the policy, the source registry, records
// and verdicts, findings and metrics (with their Parquet schemas), the
// dataset manifest and the certificate predicate.
//
// The package has no behaviour beyond encoding, validation and the record
// digest: stages, the pipeline and the ledger all depend on it, and it
// depends on none of them.
package schemas
