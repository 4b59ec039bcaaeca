package export

import (
	"github.com/prov-ai/prov/stages/aigc"
)

// SummarySynthetic states how much of the version is AI-generated (template
// section 2.5, docs/REQUIREMENTS.md EU-TPL-2.5): the records of sources declared
// synthetic plus the records of other sources that carry an AI-generated
// content label (GB 45438-2025), as the aigc stage measured them.
type SummarySynthetic struct {
	Share             float64        `json:"synthetic_share"`
	Records           int64          `json:"records"`
	Synthetic         int64          `json:"synthetic_records"`
	DeclaredSynthetic int64          `json:"declared_synthetic_records"`
	LabelledElsewhere int64          `json:"labelled_records_in_other_sources"`
	BySource          []SummaryShare `json:"by_source"`
	ByProducer        []SummaryShare `json:"by_producer"`
	// Statement is the certificate's EU-TPL-2.5 rule line.
	Statement string `json:"statement"`
}

// SummaryShare is the synthetic records and share of one source or producer.
type SummaryShare struct {
	Name    string  `json:"name"`
	Records int64   `json:"synthetic_records"`
	Share   float64 `json:"share"`
}

// syntheticShare reads the aigc stage's metrics and rule line; nil when the
// version has none (sealed before the stage existed).
func (v *Version) syntheticShare() *SummarySynthetic {
	share, ok := v.metric(aigc.MetricSyntheticShare, aigc.DimOverall)
	if !ok {
		return nil
	}
	s := &SummarySynthetic{Share: share, BySource: []SummaryShare{}, ByProducer: []SummaryShare{}}
	n, _ := v.metric("aigc.records", aigc.DimOverall)
	syn, _ := v.metric(aigc.MetricSyntheticRecords, aigc.DimOverall)
	dec, _ := v.metric("aigc.declared_synthetic_records", aigc.DimOverall)
	lab, _ := v.metric("aigc.labelled_other_records", aigc.DimOverall)
	s.Records, s.Synthetic, s.DeclaredSynthetic, s.LabelledElsewhere = int64(n), int64(syn), int64(dec), int64(lab)
	for _, dim := range []string{aigc.DimSource, aigc.DimProducer} {
		recs, keys := v.metricsByPrefix(aigc.MetricSyntheticRecords, dim)
		shares, _ := v.metricsByPrefix(aigc.MetricSyntheticShare, dim)
		for _, k := range keys {
			if recs[k].Value == 0 {
				continue
			}
			e := SummaryShare{Name: k, Records: int64(recs[k].Value), Share: shares[k].Value}
			if dim == aigc.DimSource {
				s.BySource = append(s.BySource, e)
			} else {
				s.ByProducer = append(s.ByProducer, e)
			}
		}
	}
	if rs := v.rules(aigc.RuleShare); len(rs) > 0 {
		s.Statement = rs[0].Detail
	}
	return s
}

// syntheticText is the one-sentence statement the Croissant card and the
// summary's Markdown give.
func (s *SummarySynthetic) text() string {
	if s.Statement != "" {
		return "AI-generated content (GB 45438-2025 labels and declared-synthetic sources): " + s.Statement
	}
	return "AI-generated content: synthetic share " + aigc.FormatShare(s.Share)
}
