package schemas

// Rule IDs (docs/REQUIREMENTS.md) that more than one package applies. A rule
// only one stage applies is defined beside that stage.
const (
	// RuleWithdrawn: a data subject's withdrawn consent excludes their
	// records (PIPL-15/47). The pii stage applies it to what the consent
	// registry and the record say before the run; seal applies it to the
	// ledger's withdrawals.
	RuleWithdrawn = "PIPL-15/47"

	// RuleMalformed: unreadable input fails loudly (quality.max_malformed_rate,
	// a gate). The seal applies it to unreadable records; the annotation stage
	// to labelled records whose labels cannot be read.
	RuleMalformed = "PROV-MALFORMED"
)
