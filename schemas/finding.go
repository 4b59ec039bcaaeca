package schemas

// Severity of a finding.
const (
	SeverityInfo    = "info"
	SeverityWarning = "warning"
	SeverityError   = "error"
)

// Finding is one row of findings.parquet: a rule that a record (or, with an
// empty RecordDigest, a source or the whole dataset) did not meet, or a fact
// an auditor should see. Message and Evidence never hold personal
// information in clear: PI is cited by type, byte offsets and keyed hash.
type Finding struct {
	Dataset      string  `parquet:"dataset" json:"dataset"`
	Version      string  `parquet:"version" json:"version"`
	RuleID       string  `parquet:"rule_id" json:"rule_id"`
	Stage        string  `parquet:"stage" json:"stage"`
	Severity     string  `parquet:"severity" json:"severity"`
	Verdict      string  `parquet:"verdict" json:"verdict"`
	RecordDigest string  `parquet:"record_digest" json:"record_digest,omitempty"`
	Object       string  `parquet:"object" json:"object,omitempty"`
	Locator      string  `parquet:"locator" json:"locator,omitempty"`
	Source       string  `parquet:"source" json:"source,omitempty"`
	Message      string  `parquet:"message" json:"message"`
	Evidence     string  `parquet:"evidence" json:"evidence,omitempty"`
	Figure       float64 `parquet:"figure" json:"figure,omitempty"`
}

// Metric is one row of metrics.parquet, in long format. Dimension qualifies
// the metric (a source id, a language, "overall"); Error is the stated
// absolute error of an estimate (0 for exact figures).
type Metric struct {
	Dataset   string  `parquet:"dataset" json:"dataset"`
	Version   string  `parquet:"version" json:"version"`
	Metric    string  `parquet:"metric" json:"metric"`
	Dimension string  `parquet:"dimension" json:"dimension"`
	Value     float64 `parquet:"value" json:"value"`
	Error     float64 `parquet:"error" json:"error"`
}

// RuleResult is one line of the certificate: a rule ID from REQUIREMENTS.md,
// whether the dataset version met it, and the measured figure in words
// (e.g. "source web-2024 harmful ratio 0.012 <= 0.05 over n=4000").
type RuleResult struct {
	RuleID    string  `json:"rule_id"`
	Scope     string  `json:"scope,omitempty"` // "dataset", or a source / batch id
	Pass      bool    `json:"pass"`
	Figure    float64 `json:"figure"`
	Threshold float64 `json:"threshold,omitempty"`
	N         int64   `json:"n,omitempty"`
	Detail    string  `json:"detail"`
	// Gate marks a rule whose failure makes `prov run` exit 3.
	Gate bool `json:"gate,omitempty"`
}
