package annotation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Conclude implements stages.Stage: per-batch agreement and accuracy rule
// lines (CN-IM-8.2), spot-check and review coverage lines (TC260-5.3-c),
// dataset lines for rule conformance (CN-IM-8.1) and staff qualification
// (CN-IM-8.3), dataset findings for every failed line, and metrics.
func (s *Stage) Conclude(st stages.State, c *stages.Conclusion) error {
	state, ok := st.(*State)
	if !ok && st != nil {
		return fmt.Errorf("concluding annotation: %T: %w", st, ErrState)
	}
	if state == nil {
		state = &State{}
	}
	if state.Labelled == 0 && state.Kinds[kUnlabelled] == 0 {
		return nil // not a labelled dataset
	}
	start := len(c.Rules)
	s.datasetLines(state, c)
	keys := slices.Sorted(maps.Keys(state.Batches))
	pooled := map[string]int64{} // label name -> count over the dataset
	for _, key := range keys {
		b := state.Batches[key]
		rs := s.rules[b.Version]
		if rs == nil || len(rs.names) != len(b.Labels) {
			return fmt.Errorf("concluding batch %s/%s: %w: rule version not loaded or taxonomy changed", b.Version, b.Batch, ErrState)
		}
		s.batchLines(b, rs, c)
		for i, n := range b.Labels {
			if n > 0 {
				pooled[rs.names[i]] += n
			}
		}
	}
	s.datasetMetrics(state, keys, pooled, c)
	for _, r := range c.Rules[start:] {
		if !r.Pass {
			c.Findings = append(c.Findings, schemas.Finding{
				RuleID: r.RuleID, Stage: Name, Severity: schemas.SeverityError,
				Message: r.Detail, Figure: r.Figure, Evidence: "annotation:" + r.Scope,
			})
		}
	}
	return nil
}

func (s *Stage) datasetLines(st *State, c *stages.Conclusion) {
	var used []string
	seen := map[string]bool{}
	for _, b := range st.Batches {
		seen[b.Version] = true
	}
	for _, v := range s.versions {
		if seen[v] {
			rs := s.rules[v]
			used = append(used, fmt.Sprintf("%s (%s, sha256:%s)", v, rs.rules.Task, rs.digest.String()[:16]))
		}
	}
	rulesList := "none"
	if len(used) > 0 {
		rulesList = strings.Join(used, ", ")
	}
	n := st.Labelled + st.Kinds[kUnlabelled]
	conf := float64(0)
	if n > 0 {
		conf = float64(st.Conforming) / float64(n)
	}
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleRules, Scope: "dataset", Pass: st.Conforming == n, Figure: conf, Threshold: 1, N: n,
		Detail: fmt.Sprintf("annotation %d of %d records declared a known rule version and followed its taxonomy, fields, spans and annotator count; rules: %s",
			st.Conforming, n, rulesList),
	})
	c.Rules = append(c.Rules, s.malformedLine(st, n))
	staff := float64(0)
	if st.Labelled > 0 {
		staff = float64(st.StaffOK) / float64(st.Labelled)
	}
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleStaff, Scope: "dataset", Pass: st.StaffOK == st.Labelled, Figure: staff, Threshold: 1, N: st.Labelled,
		Detail: fmt.Sprintf("annotation %d of %d labelled records by qualified annotators and reviewers (%d with an unqualified person, %d self-reviewed; roster of %d)",
			st.StaffOK, st.Labelled, st.Kinds[kUnqualified], st.Kinds[kSelfReview], s.roster.Len()),
	})
	// Security review coverage over the dataset.
	var secItems, secReviewed, funcBatches, funcChecked int64
	for _, b := range st.Batches {
		if b.Task == schemas.TaskSecurity {
			secItems += b.Items
			secReviewed += b.FullyReviewed
		} else {
			funcBatches++
			if b.Reviewed > 0 {
				funcChecked++
			}
		}
	}
	cov := float64(1)
	if secItems > 0 {
		cov = float64(secReviewed) / float64(secItems)
	}
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleReview, Scope: "dataset", Pass: secReviewed == secItems && funcChecked == funcBatches,
		Figure: cov, Threshold: 1, N: secItems,
		Gate: s.policy.Gate("review") || s.policy.Gate("spot_check"),
		Detail: fmt.Sprintf("annotation security items reviewed %d of %d (%.3f); functional batches spot-checked %d of %d",
			secReviewed, secItems, cov, funcChecked, funcBatches),
	})
}

func (s *Stage) batchLines(b *batchState, rs *ruleSet, c *stages.Conclusion) {
	scope := "batch " + b.Version + "/" + b.Batch
	dim := "batch:" + b.Version + "/" + b.Batch
	metric := func(name string, v, e float64) {
		c.Metrics = append(c.Metrics, schemas.Metric{Metric: "annotation." + name, Dimension: dim, Value: v, Error: e})
	}
	metric("items", float64(b.Items), 0)
	metric("label_entropy_bits", entropy(b.Labels), 0)

	// Agreement.
	alpha, fleiss, cohen := b.Table.alpha(), b.Table.fleiss(), b.Table.cohen()
	for _, m := range []struct {
		name string
		m    measure
	}{{"krippendorff_alpha", alpha}, {"fleiss_kappa", fleiss}, {"cohen_kappa", cohen}} {
		if m.m.Defined {
			metric(m.name, m.m.Value, 0)
		}
	}
	if items := b.Table.items(); items > 0 {
		chosen, name := alpha, "Krippendorff's alpha"
		note := ""
		switch s.policy.Agreement {
		case "fleiss":
			if fleiss.Defined && fleiss.Note == "" {
				chosen, name = fleiss, fmt.Sprintf("Fleiss' kappa (%d raters)", fleiss.Raters)
			} else {
				note = "; Fleiss' kappa not defined here, Krippendorff's alpha used"
			}
		case "cohen":
			if cohen.Defined {
				chosen, name = cohen, "Cohen's kappa ("+cohen.Pair+")"
			} else {
				note = "; Cohen's kappa not defined here (" + cohen.Note + "), Krippendorff's alpha used"
			}
		}
		r := schemas.RuleResult{RuleID: RuleQuality, Scope: scope, Threshold: rs.minAgreement,
			N: chosen.Items, Gate: s.policy.Gate("agreement"), Figure: chosen.Value}
		switch {
		case items < int64(s.policy.MinAgreementItems):
			r.Pass = true
			r.Detail = fmt.Sprintf("annotation %s agreement not judged: %d items with two or more labels < %d", scope, items, s.policy.MinAgreementItems)
		case !chosen.Defined:
			r.Pass = true
			r.Detail = fmt.Sprintf("annotation %s %s undefined (%s) over n=%d items", scope, name, chosen.Note, chosen.Items)
		default:
			r.Pass = chosen.Value >= rs.minAgreement
			r.Detail = fmt.Sprintf("annotation %s %s %.3f %s %.3f over n=%d items%s",
				scope, name, chosen.Value, cmp(r.Pass), rs.minAgreement, chosen.Items, note)
		}
		c.Rules = append(c.Rules, r)
	}

	// Spot-check accuracy.
	if b.Reviewed > 0 {
		acc := float64(b.Accepted) / float64(b.Reviewed)
		lo, hi := wilson(b.Accepted, b.Reviewed)
		metric("accuracy", acc, max(acc-lo, hi-acc))
		metric("accuracy_wilson_lower", lo, 0)
		metric("accuracy_wilson_upper", hi, 0)
		fig, what := acc, "spot-check accuracy"
		if s.policy.AccuracyBound == "wilson-lower" {
			fig, what = lo, "spot-check accuracy Wilson lower bound"
		}
		pass := fig >= rs.minAccuracy
		c.Rules = append(c.Rules, schemas.RuleResult{
			RuleID: RuleQuality, Scope: scope, Pass: pass, Figure: fig, Threshold: rs.minAccuracy,
			N: b.Reviewed, Gate: s.policy.Gate("accuracy"),
			Detail: fmt.Sprintf("annotation %s %s %.3f %s %.3f (accuracy %.3f, Wilson 95%% [%.3f, %.3f], %d of %d reviewed items accepted)",
				scope, what, fig, cmp(pass), rs.minAccuracy, acc, lo, hi, b.Accepted, b.Reviewed),
		})
	}

	// Review coverage / spot-check rate.
	cov := float64(0)
	if b.Items > 0 {
		cov = float64(b.Reviewed) / float64(b.Items)
	}
	metric("review_coverage", cov, 0)
	if b.Task == schemas.TaskSecurity {
		full := float64(b.FullyReviewed) / float64(max(b.Items, 1))
		pass := b.FullyReviewed == b.Items
		c.Rules = append(c.Rules, schemas.RuleResult{
			RuleID: RuleReview, Scope: scope, Pass: pass, Figure: full, Threshold: 1, N: b.Items,
			Gate: s.policy.Gate("review"),
			Detail: fmt.Sprintf("annotation %s security review coverage %.3f %s 1 (%d of %d items with %d independent reviewer verdict(s))",
				scope, full, cmp(pass), b.FullyReviewed, b.Items, rs.reviewers),
		})
		return
	}
	pass := b.Reviewed > 0 && cov >= rs.spotRate
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleReview, Scope: scope, Pass: pass, Figure: cov, Threshold: rs.spotRate, N: b.Items,
		Gate: s.policy.Gate("spot_check"),
		Detail: fmt.Sprintf("annotation %s functional spot-check rate %.3f %s %.3f (%d of %d items reviewed)",
			scope, cov, cmp(pass), rs.spotRate, b.Reviewed, b.Items),
	})
}

func cmp(pass bool) string {
	if pass {
		return ">="
	}
	return "<"
}

// datasetMetrics pools every batch into one table over the union of label
// names (batches of different rule versions number labels differently).
func (s *Stage) datasetMetrics(st *State, keys []string, pooled map[string]int64, c *stages.Conclusion) {
	names := slices.Sorted(maps.Keys(pooled))
	for _, b := range st.Batches {
		for _, n := range s.rules[b.Version].names {
			if _, ok := pooled[n]; !ok {
				pooled[n] = 0
				names = append(names, n)
			}
		}
	}
	slices.Sort(names)
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	k := len(names)
	all := newTable(k)
	var items, reviewed, accepted int64
	for _, key := range keys {
		b := st.Batches[key]
		rs := s.rules[b.Version]
		remap := make([]int, len(rs.names))
		for i, n := range rs.names {
			remap[i] = index[n]
		}
		bk := b.Table.K
		for _, m := range sortedKeys(b.Table.Pairs) {
			if all.Pairs == nil {
				all.Pairs = map[int][]int64{}
			}
			if all.Pairs[m] == nil {
				all.Pairs[m] = make([]int64, k*k)
			}
			dst := all.Pairs[m]
			for i, v := range b.Table.Pairs[m] {
				if v != 0 {
					dst[remap[i/bk]*k+remap[i%bk]] += v
				}
			}
		}
		items += b.Items
		reviewed += b.Reviewed
		accepted += b.Accepted
	}
	metric := func(name, dim string, v, e float64) {
		c.Metrics = append(c.Metrics, schemas.Metric{Metric: "annotation." + name, Dimension: dim, Value: v, Error: e})
	}
	metric("labelled_records", "dataset", float64(st.Labelled), 0)
	metric("conforming_records", "dataset", float64(st.Conforming), 0)
	metric("items", "dataset", float64(items), 0)
	metric("batches", "dataset", float64(len(st.Batches)), 0)
	for i, n := range kindNames {
		metric("violations", "kind:"+n, float64(st.Kinds[i]), 0)
	}
	if a := all.alpha(); a.Defined {
		metric("krippendorff_alpha", "dataset", a.Value, 0)
	}
	if f := all.fleiss(); f.Defined {
		metric("fleiss_kappa", "dataset", f.Value, 0)
	}
	if reviewed > 0 {
		acc := float64(accepted) / float64(reviewed)
		lo, hi := wilson(accepted, reviewed)
		metric("accuracy", "dataset", acc, max(acc-lo, hi-acc))
		metric("accuracy_wilson_lower", "dataset", lo, 0)
		metric("accuracy_wilson_upper", "dataset", hi, 0)
	}
	counts := make([]int64, 0, len(names))
	var total int64
	for _, n := range names {
		counts = append(counts, pooled[n])
		total += pooled[n]
	}
	metric("label_entropy_bits", "dataset", entropy(counts), 0)
	if total > 0 {
		for i, n := range names {
			metric("label_count", "label:"+n, float64(counts[i]), 0)
			metric("label_share", "label:"+n, float64(counts[i])/float64(total), 0)
		}
	}
}

// malformedLine is the gate on labels that cannot be read (the labels field
// is not a labels object, or the annotation map reaches values of the wrong
// shape): more than quality.max_malformed_rate of the n records that should
// carry labels, or none whose labels could be read, fails it and `prov run`
// exits 3. A mapping that misses its data must not pass quietly with every
// item quarantined.
func (s *Stage) malformedLine(st *State, n int64) schemas.RuleResult {
	bad := st.Kinds[kMalformed]
	rate := float64(0)
	if n > 0 {
		rate = float64(bad) / float64(n)
	}
	r := schemas.RuleResult{RuleID: schemas.RuleMalformed, Scope: "labels", Figure: rate, Threshold: s.maxMalformed, N: n, Gate: true}
	readable := st.Labelled - bad
	switch {
	case readable <= 0:
		r.Detail = fmt.Sprintf("annotation no record with readable labels: %d of %d malformed, %d unlabelled (check the annotation map)", bad, n, st.Kinds[kUnlabelled])
	case rate > s.maxMalformed:
		r.Detail = fmt.Sprintf("annotation labels malformed in %d of %d records (%.4g) > quality.max_malformed_rate %g", bad, n, rate, s.maxMalformed)
	default:
		r.Pass = true
		r.Detail = fmt.Sprintf("annotation labels malformed in %d of %d records (%.4g) <= quality.max_malformed_rate %g", bad, n, rate, s.maxMalformed)
	}
	return r
}
