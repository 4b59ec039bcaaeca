package schemas

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// QualityPolicy is the `quality` section of the policy file: the settings of
// the quality metrics (stage `quality`, docs/REQUIREMENTS.md §5) and the optional
// limits on them. The zero value means defaults. A limit left out is not
// checked; a limit set is reported as a certificate rule line, and a limit
// with `gate: true` makes `prov run` exit 3 when it fails.
type QualityPolicy struct {
	// Languages are the ISO 639-1 codes the language mix reports by name;
	// other detected languages count as "other". Default: the union of the
	// registered sources' languages.
	Languages []string `yaml:"languages,omitempty" json:"languages,omitzero"`
	// NearDupThreshold is the Jaccard similarity of character 5-gram sets
	// at and above which two records are near-duplicates. Default 0.8.
	NearDupThreshold float64 `yaml:"near_dup_threshold,omitempty" json:"near_dup_threshold"`
	// SampleSize is k of the bottom-k sample of distinct records that the
	// duplicate rates, near-duplicate detection and n-gram repetition are
	// measured on. Default 16384. Figures are exact while the dataset has at
	// most this many distinct records.
	SampleSize int `yaml:"sample_size,omitempty" json:"sample_size"`
	// LanguageSampleSize is the size of the nested sub-sample on which the
	// language identifier runs for records whose script does not decide
	// their language. Default 1024 (at most sample_size).
	LanguageSampleSize int `yaml:"language_sample_size,omitempty" json:"language_sample_size"`
	// MinChars: a non-empty text with fewer characters is "too short".
	// Default 20.
	MinChars int `yaml:"min_chars,omitempty" json:"min_chars"`
	// MinLetterShare: a text whose letters are a smaller share of its
	// non-space characters is "mostly non-letters". Default 0.5.
	MinLetterShare float64 `yaml:"min_letter_share,omitempty" json:"min_letter_share"`
	// MaxDupLineShare, MaxDupParagraphShare, MaxTopBigramShare: Gopher
	// repetition thresholds (Rae et al. 2021): a text whose duplicate lines,
	// duplicate paragraphs or most frequent word 2-gram hold more than this
	// share is repetitive. Defaults 0.3, 0.3, 0.2.
	MaxDupLineShare      float64 `yaml:"max_dup_line_share,omitempty" json:"max_dup_line_share"`
	MaxDupParagraphShare float64 `yaml:"max_dup_paragraph_share,omitempty" json:"max_dup_paragraph_share"`
	MaxTopBigramShare    float64 `yaml:"max_top_bigram_share,omitempty" json:"max_top_bigram_share"`
	// MaxMalformedRate is the largest share of a version's records that may
	// be unreadable (malformed JSON, invalid UTF-8, a line over max_line, a
	// corrupt object) before the version fails its gate and `prov run`
	// exits 3 (default 0.01). A version with no readable record fails it
	// whatever the rate.
	MaxMalformedRate float64 `yaml:"max_malformed_rate,omitempty" json:"max_malformed_rate"`
	// DomainCap bounds the exact per-domain and per-label tables. Default
	// 65536. Beyond it the tables keep a hash-chosen uniform subset of keys
	// and the figures derived from them become estimates.
	DomainCap int `yaml:"domain_cap,omitempty" json:"domain_cap"`
	// Duplicates chooses what seal does with the records of an exact
	// duplicate cluster that are not kept.
	Duplicates DuplicatesPolicy `yaml:"duplicates,omitempty" json:"duplicates,omitzero"`

	// Limits (nil = not checked).
	MaxExactDupRate   *QualityLimit `yaml:"max_exact_dup_rate,omitempty" json:"max_exact_dup_rate,omitempty"`
	MaxNearDupRate    *QualityLimit `yaml:"max_near_dup_rate,omitempty" json:"max_near_dup_rate,omitempty"`
	MaxEmptyRate      *QualityLimit `yaml:"max_empty_rate,omitempty" json:"max_empty_rate,omitempty"`
	MaxShortRate      *QualityLimit `yaml:"max_short_rate,omitempty" json:"max_short_rate,omitempty"`
	MaxInvalidUTF8    *QualityLimit `yaml:"max_invalid_utf8_rate,omitempty" json:"max_invalid_utf8_rate,omitempty"`
	MaxNonLetterRate  *QualityLimit `yaml:"max_non_letter_rate,omitempty" json:"max_non_letter_rate,omitempty"`
	MaxRepetitiveRate *QualityLimit `yaml:"max_repetitive_rate,omitempty" json:"max_repetitive_rate,omitempty"`
	MaxTopSourceShare *QualityLimit `yaml:"max_top_source_share,omitempty" json:"max_top_source_share,omitempty"`
	MaxTopDomainShare *QualityLimit `yaml:"max_top_domain_share,omitempty" json:"max_top_domain_share,omitempty"`
	// MinLanguageShare maps an ISO 639-1 code to the least share of
	// admitted records in that language.
	MinLanguageShare map[string]QualityLimit `yaml:"min_language_share,omitempty" json:"min_language_share,omitempty"`
	// MinCompleteness maps a logical field name (text, url, ...) to the
	// least share of admitted records where it is present and non-empty.
	MinCompleteness map[string]QualityLimit `yaml:"min_completeness,omitempty" json:"min_completeness,omitempty"`
}

// QualityLimit is one limit on a quality metric. In YAML it is either a
// number (`max_empty_rate: 0.01`) or a mapping (`{value: 0.01, gate: true}`).
type QualityLimit struct {
	Value float64 `yaml:"value" json:"value"`
	// Gate makes a failure of this limit fail the run (exit 3).
	Gate bool `yaml:"gate,omitempty" json:"gate,omitempty"`
}

// UnmarshalYAML accepts a number or a {value, gate} mapping; unknown keys
// are errors, like everywhere else in the policy.
func (l *QualityLimit) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		var v float64
		if err := n.Decode(&v); err != nil {
			return err
		}
		*l = QualityLimit{Value: v}
		return nil
	}
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: a limit is a number or a {value, gate} mapping", n.Line)
	}
	var out QualityLimit
	hasValue := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "value":
			if err := v.Decode(&out.Value); err != nil {
				return err
			}
			hasValue = true
		case "gate":
			if err := v.Decode(&out.Gate); err != nil {
				return err
			}
		default:
			return fmt.Errorf("line %d: field %s not found in type schemas.QualityLimit", k.Line, k.Value)
		}
	}
	if !hasValue {
		return fmt.Errorf("line %d: a limit needs a value", n.Line)
	}
	*l = out
	return nil
}

// Duplicate actions (quality.duplicates.action).
const (
	DupActionNone       = "none"
	DupActionQuarantine = "quarantine"
	DupActionReject     = "reject"
)

// DupActions lists the accepted quality.duplicates.action values.
var DupActions = []string{DupActionNone, DupActionQuarantine, DupActionReject}

// DuplicatesPolicy is `quality.duplicates`.
type DuplicatesPolicy struct {
	// Action is what seal does with the non-kept members of an exact
	// duplicate cluster (same text after NFKC, case folding and white-space
	// collapsing, across all sources): none (listed only), quarantine or
	// reject, each with a CN-IM-7.4 finding. Default ("") none: a default
	// policy's digest does not change. The kept member
	// is the first in plan order (object order, then line).
	Action string `yaml:"action,omitempty" json:"action,omitempty"`
}

func (p *QualityPolicy) defaults() {

	if p.NearDupThreshold == 0 {
		p.NearDupThreshold = 0.8
	}
	if p.SampleSize == 0 {
		p.SampleSize = 16384
	}
	if p.LanguageSampleSize == 0 {
		p.LanguageSampleSize = min(1024, p.SampleSize)
	}
	if p.MinChars == 0 {
		p.MinChars = 20
	}
	if p.MinLetterShare == 0 {
		p.MinLetterShare = 0.5
	}
	if p.MaxDupLineShare == 0 {
		p.MaxDupLineShare = 0.3
	}
	if p.MaxMalformedRate == 0 {
		p.MaxMalformedRate = 0.01
	}
	if p.MaxDupParagraphShare == 0 {
		p.MaxDupParagraphShare = 0.3
	}
	if p.MaxTopBigramShare == 0 {
		p.MaxTopBigramShare = 0.2
	}
	if p.DomainCap == 0 {
		p.DomainCap = 65536
	}
}

// QualityLimitNames lists the YAML names of the scalar limits, in the fixed
// order rule lines are reported in; Limit returns each.
func (p *QualityPolicy) QualityLimitNames() []string {
	return []string{"max_exact_dup_rate", "max_near_dup_rate", "max_empty_rate", "max_short_rate",
		"max_invalid_utf8_rate", "max_non_letter_rate", "max_repetitive_rate",
		"max_top_source_share", "max_top_domain_share"}
}

// Limit returns the scalar limit with the given YAML name (nil when unset).
func (p *QualityPolicy) Limit(name string) *QualityLimit {
	switch name {
	case "max_exact_dup_rate":
		return p.MaxExactDupRate
	case "max_near_dup_rate":
		return p.MaxNearDupRate
	case "max_empty_rate":
		return p.MaxEmptyRate
	case "max_short_rate":
		return p.MaxShortRate
	case "max_invalid_utf8_rate":
		return p.MaxInvalidUTF8
	case "max_non_letter_rate":
		return p.MaxNonLetterRate
	case "max_repetitive_rate":
		return p.MaxRepetitiveRate
	case "max_top_source_share":
		return p.MaxTopSourceShare
	case "max_top_domain_share":
		return p.MaxTopDomainShare
	}
	return nil
}

func qualityValidShare(v float64) bool { return !math.IsNaN(v) && v >= 0 && v <= 1 }

func (p *QualityPolicy) validate(path string) error {
	if !qualityValidShare(p.NearDupThreshold) || p.NearDupThreshold < 0.3 {
		return &FieldError{path + ".near_dup_threshold", "must be between 0.3 and 1"}
	}
	if !qualityValidShare(p.MaxMalformedRate) {
		return &FieldError{path + ".max_malformed_rate", "must be between 0 and 1"}
	}
	if p.SampleSize < 16 || p.SampleSize > 1<<20 {
		return &FieldError{path + ".sample_size", "must be between 16 and 1048576"}
	}
	if p.LanguageSampleSize < 1 || p.LanguageSampleSize > p.SampleSize {
		return &FieldError{path + ".language_sample_size", "must be between 1 and sample_size"}
	}
	if p.MinChars < 0 {
		return &FieldError{path + ".min_chars", "must not be negative"}
	}
	if p.DomainCap < 16 {
		return &FieldError{path + ".domain_cap", "must be at least 16"}
	}
	switch p.Duplicates.Action {
	case "", DupActionNone, DupActionQuarantine, DupActionReject:
	default:
		return &FieldError{path + ".duplicates.action", "must be none, quarantine or reject"}
	}
	for name, v := range map[string]float64{
		"min_letter_share":        p.MinLetterShare,
		"max_dup_line_share":      p.MaxDupLineShare,
		"max_dup_paragraph_share": p.MaxDupParagraphShare,
		"max_top_bigram_share":    p.MaxTopBigramShare,
	} {
		if !qualityValidShare(v) {
			return &FieldError{path + "." + name, "must be a share between 0 and 1"}
		}
	}
	for i, l := range p.Languages {
		if len(l) < 2 || len(l) > 3 || strings.ToLower(l) != l {
			return &FieldError{fmt.Sprintf("%s.languages[%d]", path, i), fmt.Sprintf("%q is not a lower-case ISO 639 code", l)}
		}
	}
	for _, name := range p.QualityLimitNames() {
		if l := p.Limit(name); l != nil && !qualityValidShare(l.Value) {
			return &FieldError{path + "." + name + ".value", "must be a share between 0 and 1"}
		}
	}
	for _, k := range qualitySortedKeys(p.MinLanguageShare) {
		if !qualityValidShare(p.MinLanguageShare[k].Value) {
			return &FieldError{path + ".min_language_share." + k + ".value", "must be a share between 0 and 1"}
		}
	}
	for _, k := range qualitySortedKeys(p.MinCompleteness) {
		if _, ok := ParseField(k); !ok {
			return &FieldError{path + ".min_completeness." + k, fmt.Sprintf("unknown logical field (want one of %s)", strings.Join(FieldNames(), ", "))}
		}
		if !qualityValidShare(p.MinCompleteness[k].Value) {
			return &FieldError{path + ".min_completeness." + k + ".value", "must be a share between 0 and 1"}
		}
	}
	return nil
}

func qualitySortedKeys(m map[string]QualityLimit) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
