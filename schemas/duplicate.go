package schemas

// Duplicate kinds (Duplicate.Kind).
const (
	DupExact = "exact"
	DupNear  = "near"
)

// Duplicate is one row of duplicates.parquet: a member of a duplicate
// cluster of a dataset version. Exact clusters group the admitted records
// whose text is equal after Unicode NFKC, case folding and white-space
// collapsing, across all sources and whatever their other fields; the
// listing is complete. Near clusters group records whose estimated Jaccard
// similarity of character 5-gram sets reaches quality.near_dup_threshold
// (MinHash/LSH over the quality stage's bounded sample: complete while the
// dataset has at most quality.sample_size distinct records, a sample
// beyond); members already in one exact cluster are listed there only.
type Duplicate struct {
	// ClusterID names the cluster: "exact-" or "near-" and the first 16 hex
	// digits of its kept (exact) or reference (near) member's digest.
	ClusterID    string `parquet:"cluster_id" json:"cluster_id"`
	RecordDigest string `parquet:"record_digest" json:"record_digest"`
	Object       string `parquet:"object" json:"object"`
	Locator      string `parquet:"locator" json:"locator"`
	Source       string `parquet:"source" json:"source"`
	// Kind is "exact" or "near".
	Kind string `parquet:"kind" json:"kind"`
	// Jaccard is 1 for exact clusters; for near clusters the estimated
	// Jaccard similarity with the cluster's reference member (the first
	// row of the cluster, estimate 1).
	Jaccard float64 `parquet:"jaccard" json:"jaccard"`
	// Kept marks the member kept: the first in plan order (object order,
	// then line). quality.duplicates.action applies to the other members of
	// exact clusters.
	Kept bool `parquet:"kept" json:"kept"`
}
