package quality

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Rule IDs this stage reports (docs/REQUIREMENTS.md §5).
const (
	RuleQuality      = "CN-IM-7.4"
	RuleRepresent    = "EU-10.3"
	RuleTplSize      = "EU-TPL-1.3"
	RuleTplDomains   = "EU-TPL-2.3"
	z95              = 1.96 // normal quantile of the stated 95 % errors
	overall          = "overall"
	topDomainsShare  = 0.10 // EU template §2.3: top 10 % of domains
	maxListedDomains = 1000 // rows of top_domain_bytes at most
)

// Dimension prefixes of the long-format metrics.
const (
	dimSource   = "source:"
	dimModality = "modality:"
	dimLang     = "lang:"
	dimDomain   = "domain:"
	dimLabel    = "label:"
	dimField    = "field:"
)

// results is the measured figures Conclude derives from a State.
type results struct {
	c       *stages.Conclusion
	cfg     *config
	n       int64 // admitted records
	figures map[string]figure
}

// figure is a value with its stated absolute error.
type figure struct{ v, err float64 }

func (r *results) metric(name, dim string, v, err float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	r.c.Metrics = append(r.c.Metrics, schemas.Metric{
		Dataset: r.cfg.dataset, Version: r.cfg.version,
		Metric: name, Dimension: dim, Value: v, Error: err,
	})
	r.figures[name+"|"+dim] = figure{v, err}
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Conclude turns the merged state into metrics, rule lines and, for each
// failed limit, a dataset-level finding.
func (s *Stage) Conclude(st stages.State, c *stages.Conclusion) error {
	q, ok := st.(*State)
	if !ok || q == nil {
		return ErrStateType
	}
	r := &results{c: c, cfg: s.cfg, n: q.total.records, figures: map[string]figure{}}
	r.sizes(q)
	entries := q.sample.sorted()
	r.exactDups(q, entries)
	r.nearDups(q, entries)
	r.health(q, entries)
	r.languages(q, entries)
	r.diversity(q)
	r.completeness(q)
	r.limits(q)
	return nil
}

// tplBin returns the EU template size bin of a modality's volume, or "".
func tplBin(modality string, sz sizes) (int, string) {
	switch modality {
	case "text", "code":
		switch {
		case sz.tokens < 1e9:
			return 0, "less than 1 billion tokens"
		case sz.tokens <= 1e13:
			return 1, "1 billion to 10 trillion tokens"
		}
		return 2, "more than 10 trillion tokens"
	case "image":
		switch {
		case sz.records < 1e6:
			return 0, "less than 1 million images"
		case sz.records <= 1e9:
			return 1, "1 million to 1 billion images"
		}
		return 2, "more than 1 billion images"
	}
	return -1, ""
}

func (r *results) sizes(q *State) {
	r.metric("records_in", overall, float64(q.recordsIn), 0)
	r.metric("records_not_admitted", overall, float64(q.recordsIn-q.total.records), 0)
	emit := func(dim string, sz sizes) {
		r.metric("records", dim, float64(sz.records), 0)
		r.metric("bytes", dim, float64(sz.bytes), 0)
		r.metric("characters", dim, float64(sz.chars), 0)
		r.metric("tokens_est", dim, float64(sz.tokens), 0)
	}
	emit(overall, q.total)
	var parts []string
	for _, m := range sortedKeys(q.modality) {
		sz := *q.modality[m]
		emit(dimModality+m, sz)
		if bin, words := tplBin(m, sz); bin >= 0 {
			r.metric("eu_tpl_size_bin", dimModality+m, float64(bin), 0)
			parts = append(parts, fmt.Sprintf("%s: %d tokens est., %d records (%s)", m, sz.tokens, sz.records, words))
		}
	}
	for _, src := range sortedKeys(q.sources) {
		emit(dimSource+src, q.sources[src].sizes)
	}
	for _, p := range []float64{0.5, 0.9, 0.99} {
		v, e := q.lengths.quantile(p)
		r.metric(fmt.Sprintf("length_chars_p%d", int(p*100)), overall, v, e)
	}
	if len(parts) == 0 {
		parts = append(parts, "no admitted text records")
	}
	r.c.Rules = append(r.c.Rules, schemas.RuleResult{
		RuleID: RuleTplSize, Scope: "dataset", Pass: true,
		Figure: float64(q.total.tokens), N: q.total.records,
		Detail: "size per modality (tokens: CJK characters + ceil(word/4)): " + strings.Join(parts, "; "),
	})
}

// dupRate estimates 1 - distinct/records from a bottom-k sample of distinct
// digests with their exact multiplicities: exact while the sample never
// dropped a digest, else 1 - 1/mean(multiplicity) with a 95 % error from
// the multiplicities' spread (delta method).
func dupRate(b *bottomK, entries []*entry, n int64) (rate, err, distinct, distinctErr float64) {
	m := len(entries)
	if m == 0 || n == 0 {
		return 0, 0, 0, 0
	}
	if !b.saturated {
		return 1 - float64(m)/float64(n), 0, float64(m), 0
	}
	var sum float64
	for _, e := range entries {
		sum += float64(e.count)
	}
	mean := sum / float64(m)
	var ss float64
	for _, e := range entries {
		d := float64(e.count) - mean
		ss += d * d
	}
	se := 0.0
	if m > 1 {
		se = math.Sqrt(ss / float64(m-1) / float64(m))
	}
	rate = 1 - 1/mean
	err = z95 * se / (mean * mean)
	distinct = float64(n) / mean
	distinctErr = float64(n) * err
	return rate, err, distinct, distinctErr
}

func (r *results) exactDups(q *State, entries []*entry) {
	rate, err, d, de := dupRate(q.sample, entries, q.total.records)
	r.metric("exact_dup_rate", overall, rate, err)
	r.metric("distinct_records", overall, d, de)
	for _, src := range sortedKeys(q.sources) {
		s := q.sources[src]
		rate, err, _, _ := dupRate(s.dups, s.dups.sorted(), s.records)
		r.metric("exact_dup_rate", dimSource+src, rate, err)
	}
}

// nearDups measures the near-duplicate rate on the sample: the share of
// distinct records that deduplication at the Jaccard threshold would remove
// (sample size minus clusters, over sample size). When the sample holds
// every distinct record the only error is the LSH miss rate at the
// threshold; otherwise the in-sample rate is divided by the sampling rate
// (unbiased when near-duplicates come in pairs, high for larger clusters)
// and the error adds the Poisson error of the pairs found.
func (r *results) nearDups(q *State, entries []*entry) {
	sigs := make([]*signature, len(entries))
	for i, e := range entries {
		sigs[i] = e.sig
	}
	root, _ := nearDupClusters(sigs, r.cfg.nearDup)
	r.listNearDups(entries, sigs, root)
	bands, rows := lshParams(r.cfg.nearDup)
	miss := 1 - (1-math.Pow(1-math.Pow(r.cfg.nearDup, float64(rows)), float64(bands)))*0.977
	scale := 1.0
	if q.sample.saturated && len(entries) > 0 {
		_, _, d, _ := dupRate(q.sample, entries, q.total.records)
		if d > 0 {
			scale = d / float64(len(entries))
		}
	}
	type acc struct{ m, red int }
	per := map[string]*acc{}
	var all acc
	for i, e := range entries {
		a := per[e.source]
		if a == nil {
			a = &acc{}
			per[e.source] = a
		}
		a.m++
		all.m++
		if root[i] != i {
			a.red++
			all.red++
		}
	}
	est := func(a acc) (float64, float64) {
		if a.m == 0 {
			return 0, 0
		}
		v := float64(a.red) / float64(a.m)
		err := v * miss
		if scale > 1 {
			v = min(1, v*scale)
			err = v*miss + v*z95/math.Sqrt(float64(max(a.red, 1)))
		}
		return v, err
	}
	v, e := est(all)
	r.metric("near_dup_rate", overall, v, e)
	r.metric("near_dup_sample_size", overall, float64(all.m), 0)
	for _, src := range sortedKeys(per) {
		v, e := est(*per[src])
		r.metric("near_dup_rate", dimSource+src, v, e)
	}
}

// listNearDups hands the near-duplicate clusters of the sample to seal,
// in sample order: each cluster starts with its root (its member of least
// sample hash), the reference of its members' Jaccard estimates.
func (r *results) listNearDups(entries []*entry, sigs []*signature, root []int) {
	at := map[int]int{} // root index → cluster index
	var out []stages.NearDupCluster
	for i, ri := range root {
		if ri == i {
			continue
		}
		ci, ok := at[ri]
		if !ok {
			ci = len(out)
			at[ri] = ci
			out = append(out, stages.NearDupCluster{Members: []stages.NearDupMember{{Digest: entries[ri].digest, Jaccard: 1}}})
		}
		out[ci].Members = append(out[ci].Members, stages.NearDupMember{Digest: entries[i].digest, Jaccard: similarity(sigs[i], sigs[ri])})
	}
	r.c.NearDuplicates = out
}

// sampleShare is the count-weighted share of entries matching pred, with
// a 95 % binomial error when the sample is not the whole population.
func sampleShare(entries []*entry, saturated bool, pred func(*entry) bool) (float64, float64) {
	var w, hit float64
	for _, e := range entries {
		w += float64(e.count)
		if pred(e) {
			hit += float64(e.count)
		}
	}
	if w == 0 {
		return 0, 0
	}
	p := hit / w
	if !saturated {
		return p, 0
	}
	return p, z95 * math.Sqrt(p*(1-p)/float64(len(entries)))
}

func (r *results) health(q *State, entries []*entry) {
	n := q.total.records
	r.metric("empty_rate", overall, ratio(q.empty, n), 0)
	r.metric("short_rate", overall, ratio(q.short, n), 0)
	r.metric("invalid_utf8_rate", overall, ratio(q.invalid, n), 0)
	r.metric("non_letter_rate", overall, ratio(q.nonLetter, n), 0)
	r.metric("repetitive_rate", overall, ratio(q.repetitive, n), 0)
	r.metric("dup_line_fraction", overall, ratio(q.dupLines, q.lines), 0)
	r.metric("dup_paragraph_fraction", overall, ratio(q.dupParas, q.paras), 0)
	r.metric("mean_word_length", overall, ratio(q.wordChars, q.words), 0)
	t := float32(r.cfg.maxTop2)
	v, e := sampleShare(entries, q.sample.saturated, func(x *entry) bool { return x.top2 > t })
	r.metric("top_bigram_rate", overall, v, e)
}

func (r *results) languages(q *State, entries []*entry) {
	n := q.total.records
	undecided := q.langs[""]
	bound := q.langHeap.max()
	var sub []*entry
	for _, e := range entries {
		if e.h <= bound && e.undecided {
			sub = append(sub, e)
		}
	}
	counts := map[string]float64{}
	errs := map[string]float64{}
	for l, c := range q.langs {
		if l != "" {
			counts[l] += float64(c)
		}
	}
	if undecided > 0 {
		var w float64
		byLang := map[string]float64{}
		for _, e := range sub {
			w += float64(e.count)
			byLang[e.lang] += float64(e.count)
		}
		if w == 0 {
			counts[langUnknown] += float64(undecided)
			errs[langUnknown] = float64(undecided)
		}
		for l, c := range byLang {
			p := c / w
			counts[l] += p * float64(undecided)
			if q.langHeap.saturated {
				errs[l] = z95 * float64(undecided) * math.Sqrt(p*(1-p)/float64(len(sub)))
			}
		}
	}
	for _, l := range sortedKeys(counts) {
		if n > 0 {
			r.metric("language_share", dimLang+l, counts[l]/float64(n), errs[l]/float64(n))
		}
	}
	r.metric("language_detected_sample", overall, float64(len(sub)), 0)
}

// entropy is the Shannon entropy in bits of a distribution given by counts,
// and the share of its largest count.
func entropy(counts []int64) (bits, top float64) {
	var n, mx int64
	for _, c := range counts {
		n += c
		mx = max(mx, c)
	}
	if n == 0 {
		return 0, 0
	}
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / float64(n)
			bits -= p * math.Log2(p)
		}
	}
	return bits + 0, float64(mx) / float64(n)
}

func (r *results) diversity(q *State) {
	var srcCounts []int64
	for _, k := range sortedKeys(q.sources) {
		srcCounts = append(srcCounts, q.sources[k].records)
	}
	h, top := entropy(srcCounts)
	r.metric("source_entropy_bits", overall, h, 0)
	r.metric("top_source_share", overall, top, 0)
	r.metric("sources", overall, float64(len(srcCounts)), 0)

	// Domains: exact while the table holds every domain; beyond, the table
	// is a uniform sample of domains and the figures are marked with an
	// error as large as the value (no useful bound).
	sampled := q.domains.level > 0
	keys := sortedKeys(q.domains.m)
	var dc []int64
	var totalBytes int64
	for _, k := range keys {
		dc = append(dc, q.domains.m[k].records)
		totalBytes += q.domains.m[k].bytes
	}
	h, top = entropy(dc)
	unc := func(v float64) float64 {
		if sampled {
			return v
		}
		return 0
	}
	r.metric("records_with_url", overall, float64(q.withURL), 0)
	distinct := float64(len(keys)) * math.Ldexp(1, int(q.domains.level))
	distErr := 0.0
	if sampled {
		distErr = z95 * math.Sqrt(float64(len(keys))) * math.Ldexp(1, int(q.domains.level))
	}
	r.metric("domains", overall, distinct, distErr)
	r.metric("domain_entropy_bits", overall, h, unc(h))
	r.metric("top_domain_share", overall, top, unc(top))
	slices.SortFunc(keys, func(a, b string) int {
		x, y := q.domains.m[a].bytes, q.domains.m[b].bytes
		switch {
		case x > y:
			return -1
		case x < y:
			return 1
		}
		return strings.Compare(a, b)
	})
	nTop := int(math.Ceil(topDomainsShare * float64(len(keys))))
	var topBytes int64
	var names []string
	for i := 0; i < nTop; i++ {
		d := keys[i]
		topBytes += q.domains.m[d].bytes
		if i < maxListedDomains {
			r.metric("top_domain_bytes", dimDomain+d, float64(q.domains.m[d].bytes), 0)
		}
		if i < 10 {
			names = append(names, d)
		}
	}
	share := ratio(topBytes, totalBytes)
	r.metric("top_domains_byte_share", overall, share, unc(share))
	detail := fmt.Sprintf("top 10%% of %d registrable domains (%d) hold %.4f of crawled bytes", len(keys), nTop, share)
	if len(names) > 0 {
		detail += ": " + strings.Join(names, ", ")
		if nTop > len(names) {
			detail += ", ..."
		}
	}
	if sampled {
		detail += fmt.Sprintf(" (domain table sampled at rate 2^-%d: estimate)", q.domains.level)
	}
	r.c.Rules = append(r.c.Rules, schemas.RuleResult{
		RuleID: RuleTplDomains, Scope: "dataset", Pass: true,
		Figure: share, N: q.withURL, Detail: detail,
	})

	// Label balance.
	if q.labelled > 0 {
		r.metric("labelled_share", overall, ratio(q.labelled, q.total.records), 0)
		lk := sortedKeys(q.labels.m)
		var lc []int64
		var all int64
		for _, k := range lk {
			lc = append(lc, q.labels.m[k].records)
			all += q.labels.m[k].records
		}
		for _, k := range lk {
			r.metric("label_share", dimLabel+k, ratio(q.labels.m[k].records, all), 0)
		}
		h, top := entropy(lc)
		bal := 0.0
		if len(lc) > 1 {
			bal = h / math.Log2(float64(len(lc)))
		}
		r.metric("label_entropy_bits", overall, h, 0)
		r.metric("top_label_share", overall, top, 0)
		r.metric("label_balance", overall, bal, 0)
	}
}

func (r *results) completeness(q *State) {
	for _, f := range r.cfg.mapped {
		r.metric("completeness", dimField+f.String(), ratio(q.present[f], q.total.records), 0)
	}
}
