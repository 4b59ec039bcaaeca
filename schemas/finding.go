package schemas

import (
	"strings"
	"unicode"
)

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
	Dataset string `parquet:"dataset" json:"dataset"`
	Version string `parquet:"version" json:"version"`
	RuleID  string `parquet:"rule_id" json:"rule_id"`
	// RuleIDs are every ID of the rulebook row the finding cites (RuleID
	// first): "CN-IM-7.3" is also "PIPL-13". Filled by RuleIDs at seal.
	RuleIDs      []string `parquet:"rule_ids,list" json:"rule_ids"`
	Stage        string   `parquet:"stage" json:"stage"`
	Severity     string   `parquet:"severity" json:"severity"`
	Verdict      string   `parquet:"verdict" json:"verdict"`
	RecordDigest string   `parquet:"record_digest" json:"record_digest,omitempty"`
	Object       string   `parquet:"object" json:"object,omitempty"`
	Locator      string   `parquet:"locator" json:"locator,omitempty"`
	Source       string   `parquet:"source" json:"source,omitempty"`
	Message      string   `parquet:"message" json:"message"`
	Evidence     string   `parquet:"evidence" json:"evidence,omitempty"`
	Figure       float64  `parquet:"figure" json:"figure,omitempty"`
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

// RuleResult is one line of the certificate: a rule ID from docs/REQUIREMENTS.md,
// whether the dataset version met it, and the measured figure in words
// (e.g. "source web-2024 harmful ratio 0.012 <= 0.05 over n=4000").
type RuleResult struct {
	RuleID string `json:"rule_id"`
	// RuleIDs are every ID of the rule's rulebook row, RuleID first.
	RuleIDs   []string `json:"rule_ids,omitempty"`
	Scope     string   `json:"scope,omitempty"` // "dataset", or a source / batch id
	Pass      bool     `json:"pass"`
	Figure    float64  `json:"figure"`
	Threshold float64  `json:"threshold,omitempty"`
	N         int64    `json:"n,omitempty"`
	Detail    string   `json:"detail"`
	// Gate marks a rule whose failure makes `prov run` exit 3.
	Gate bool `json:"gate,omitempty"`
}

// alsoCited are the rulebook rows that carry two IDs (docs/REQUIREMENTS.md:
// "CN-IM-7.3 / PIPL-13"), keyed by the first, which is the one findings
// and rule lines use as rule_id.
var alsoCited = map[string]string{
	"CN-IM-7.3": "PIPL-13",
	"CN-IM-8.1": "TC260-5.3-b",
	"CN-IM-8.3": "TC260-5.3-a",
	"EU-53.1c":  "DSM-4.3",
}

// RuleIDs returns the rule ID to cite as rule_id (one ID of the rulebook)
// and every ID of its rulebook row. A row spelled with both IDs
// ("CN-IM-7.3/PIPL-13" or "CN-IM-7.3 / PIPL-13") is cited by its first;
// an ID whose article part holds a slash ("PIPL-15/47") is one ID.
func RuleIDs(id string) (string, []string) {
	id = strings.TrimSpace(id)
	if a, b, ok := strings.Cut(id, "/"); ok {
		a, b = strings.TrimSpace(a), strings.TrimSpace(b)
		if strings.Contains(b, "-") && strings.IndexFunc(b[:1], unicode.IsLetter) == 0 {
			id = a
		}
	}
	if also, ok := alsoCited[id]; ok {
		return id, []string{id, also}
	}
	return id, []string{id}
}

// CiteRules sets f's RuleID to one rulebook ID and RuleIDs to its row.
func (f *Finding) CiteRules() { f.RuleID, f.RuleIDs = RuleIDs(f.RuleID) }

// CiteRules sets r's RuleID to one rulebook ID and RuleIDs to its row.
func (r *RuleResult) CiteRules() { r.RuleID, r.RuleIDs = RuleIDs(r.RuleID) }
