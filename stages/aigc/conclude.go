package aigc

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Metric names and dimensions of the stage (metrics.parquet).
const (
	MetricSyntheticShare   = "aigc.synthetic_share"
	MetricSyntheticRecords = "aigc.synthetic_records"
	DimOverall             = "overall"
	DimSource              = "source:"
	DimProducer            = "producer:"
)

// Share is the synthetic share of a dataset version as the stage computed
// it: the records of declared-synthetic sources plus the labelled records
// of other sources, over every record checked.
type Share struct {
	Records   int64
	Synthetic int64
	Declared  int64 // records of declared-synthetic sources
	Labelled  int64 // labelled records of other sources
}

// Value is Synthetic / Records (0 for an empty version).
func (s Share) Value() float64 { return ratio(s.Synthetic, s.Records) }

// FormatShare renders a share the way the certificate, the Croissant card
// and the EU summary state it (4 decimals).
func FormatShare(v float64) string { return fmt.Sprintf("%.4f", v) }

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Conclude reports the labels found, the synthetic share by source and
// producer, and the policy's rule lines.
func (s *Stage) Conclude(st stages.State, c *stages.Conclusion) error {
	acc, ok := st.(*state)
	if st != nil && !ok {
		return fmt.Errorf("concluding aigc: %T: %w", st, ErrState)
	}
	if acc == nil {
		acc = newState()
	}
	metric := func(name, dim string, v float64) {
		c.Metrics = append(c.Metrics, schemas.Metric{Metric: "aigc." + name, Dimension: dim, Value: v})
	}
	var tot sourceAcc
	tot.where, tot.producers = map[string]int64{}, map[string]int64{}
	var share Share
	var humanLines []schemas.RuleResult
	for _, id := range sortedKeys(acc.sources) {
		a := acc.sources[id]
		src := s.source(id)
		tot.records += a.records
		tot.labelled += a.labelled
		tot.explicit += a.explicit
		tot.implicit += a.implicit
		tot.zh += a.zh
		tot.en += a.en
		tot.synthetic += a.synthetic
		for k, n := range a.where {
			tot.where[k] += n
		}
		for _, p := range sortedKeys(a.producers) {
			tot.producers[p] += a.producers[p]
		}
		dim := DimSource + id
		metric("records", dim, float64(a.records))
		metric("labelled_records", dim, float64(a.labelled))
		metric("explicit_records", dim, float64(a.explicit))
		metric("implicit_records", dim, float64(a.implicit))
		metric("synthetic_records", dim, float64(a.synthetic))
		metric("synthetic_share", dim, ratio(a.synthetic, a.records))
		if src.synthetic {
			share.Declared += a.records
			unl := a.records - a.labelled
			metric("unlabelled_records", dim, float64(unl))
			metric("producer_mismatch_records", dim, float64(a.mismatch))
			gen := src.generator
			if gen == "" {
				gen = "(none declared)"
			}
			c.Rules = append(c.Rules, schemas.RuleResult{
				RuleID: RuleUnlabelled, Scope: id, Pass: true, Figure: float64(unl), N: a.records,
				Detail: fmt.Sprintf("source %s declared synthetic (generator %s): %d of %d records carry no AI-generated-content label; %d explicit, %d implicit",
					id, gen, unl, a.records, a.explicit, a.implicit),
			})
			c.Rules = append(c.Rules, schemas.RuleResult{
				RuleID: RuleProducer, Scope: id, Pass: a.mismatch == 0, Figure: float64(a.mismatch), N: a.implicit,
				Detail: fmt.Sprintf("source %s: %d of %d records with an implicit label name a producer other than the declared generator %s (action %s); producers: %s",
					id, a.mismatch, a.implicit, gen, s.pol.MismatchAction, producerList(a.producers)),
			})
		} else {
			share.Labelled += a.labelled
			if a.labelled > 0 {
				humanLines = append(humanLines, schemas.RuleResult{
					RuleID: RuleHuman, Scope: id, Pass: src.action != schemas.AIGCReport, Figure: float64(a.labelled), N: a.records,
					Detail: fmt.Sprintf("source %s is not declared synthetic but %d of %d records carry AI-generated-content labels (%d explicit, %d implicit); action %s",
						id, a.labelled, a.records, a.explicit, a.implicit, src.action),
				})
			}
		}
	}
	share.Records = tot.records
	share.Synthetic = share.Declared + share.Labelled

	metric("records", DimOverall, float64(tot.records))
	metric("labelled_records", DimOverall, float64(tot.labelled))
	metric("explicit_records", DimOverall, float64(tot.explicit))
	metric("implicit_records", DimOverall, float64(tot.implicit))
	metric("synthetic_records", DimOverall, float64(share.Synthetic))
	metric("synthetic_share", DimOverall, share.Value())
	metric("declared_synthetic_records", DimOverall, float64(share.Declared))
	metric("labelled_other_records", DimOverall, float64(share.Labelled))
	for _, p := range sortedKeys(tot.producers) {
		metric("synthetic_records", DimProducer+p, float64(tot.producers[p]))
		metric("synthetic_share", DimProducer+p, ratio(tot.producers[p], tot.records))
	}

	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleExplicit, Scope: "dataset", Pass: true, Figure: float64(tot.explicit), N: tot.records,
		Detail: fmt.Sprintf("explicit AI-generated-content labels in %d of %d records (%d zh, %d en notices)", tot.explicit, tot.records, tot.zh, tot.en),
	})
	var where []string
	for _, k := range sortedKeys(tot.where) {
		where = append(where, fmt.Sprintf("%s %d", k, tot.where[k]))
	}
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleImplicit, Scope: "dataset", Pass: true, Figure: float64(tot.implicit), N: tot.records,
		Detail: fmt.Sprintf("implicit AI-generated-content labels in %d of %d records (by origin: %s)", tot.implicit, tot.records, orNone(strings.Join(where, ", "))),
	})
	if len(humanLines) == 0 {
		c.Rules = append(c.Rules, schemas.RuleResult{
			RuleID: RuleHuman, Scope: "dataset", Pass: true, N: tot.records,
			Detail: "no AI-generated-content label in any source not declared synthetic",
		})
	}
	c.Rules = append(c.Rules, humanLines...)
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleShare, Scope: "dataset", Pass: true, Figure: share.Value(), N: share.Records,
		Detail: ShareDetail(share, producerList(tot.producers)),
	})
	return nil
}

// ShareDetail is the EU-TPL-2.5 rule line's wording.
func ShareDetail(sh Share, producers string) string {
	return fmt.Sprintf("synthetic share %s: %d of %d records (%d in declared-synthetic sources, %d labelled AI-generated in other sources); by producer: %s",
		FormatShare(sh.Value()), sh.Synthetic, sh.Records, sh.Declared, sh.Labelled, producers)
}

// producerList renders "name n, name n" by descending count.
func producerList(m map[string]int64) string {
	keys := sortedKeys(m)
	sort.SliceStable(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return orNone(strings.Join(parts, ", "))
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
