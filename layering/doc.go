// Package layering holds no code: its test enforces who may import whom
// among prov's packages (docs/architecture.md), so a change that makes
// lineage depend on the pipeline, or a stage on the ledger, fails
// `make test` instead of a review.
package layering
