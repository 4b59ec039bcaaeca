package legality

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Conclude turns the merged state of a dataset version into the harmful
// sample verdicts (blocking sources above the threshold), the automated
// assessment line, the diversity lines and metrics, and one line per
// record-level rule with the number of findings it raised.
func (s *Stage) Conclude(st stages.State, c *stages.Conclusion) error {
	acc, ok := st.(*state)
	if st != nil && !ok {
		return fmt.Errorf("concluding legality: %T: %w", st, ErrStateType)
	}
	if acc == nil {
		acc = newState(s.pol.Harmful.SampleSize)
	}
	metric := func(name, dim string, v float64) {
		c.Metrics = append(c.Metrics, schemas.Metric{Metric: "legality." + name, Dimension: dim, Value: v})
	}
	metric("records", "overall", float64(acc.records))

	blocked := s.concludeHarmful(acc, c, metric)
	s.concludeAssessment(acc, c, metric, blocked)
	s.concludeDiversity(acc, c, metric, blocked)

	for _, rule := range recordRules {
		n := acc.rules[rule]
		detail := fmt.Sprintf("%d findings over %d records; records failing it are held or rejected, none admitted", n, acc.records)
		c.Rules = append(c.Rules, schemas.RuleResult{
			RuleID: rule, Scope: "dataset", Pass: true, Figure: float64(n), N: acc.records, Detail: detail,
		})
		metric("findings", rule, float64(n))
	}
	return nil
}

func (s *Stage) concludeHarmful(acc *state, c *stages.Conclusion, metric func(string, string, float64)) map[string]bool {
	blocked := map[string]bool{}
	thr := s.pol.Harmful.Threshold
	if s.matcher != nil {
		var lists []string
		for _, l := range s.lists {
			lists = append(lists, fmt.Sprintf("%s:%s(%d)=sha256:%s", l.category, l.file, l.n, l.digest))
		}
		c.Findings = append(c.Findings, schemas.Finding{
			RuleID: RuleHarmful, Stage: Name, Severity: schemas.SeverityInfo, Verdict: schemas.Admit.String(),
			Message:  fmt.Sprintf("harmful-content keyword lists: %d keywords in %d categories, seed %d", s.matcher.Len(), len(s.matcher.Categories()), s.seed),
			Evidence: strings.Join(lists, " "),
		})
	}
	for _, id := range sortedKeys(acc.sources) {
		a := acc.sources[id]
		metric("source_records", id, float64(a.records))
		if s.matcher == nil {
			c.Rules = append(c.Rules, schemas.RuleResult{
				RuleID: RuleHarmful, Scope: id, Pass: false, Threshold: thr,
				Detail: fmt.Sprintf("source %s not assessed: the policy names no keyword lists (legality.harmful.lists)", id),
			})
			continue
		}
		items := a.sample.sorted()
		n := len(items)
		harmful := 0
		catCount := make([]int, len(s.matcher.Categories()))
		for _, it := range items {
			if it.harmful {
				harmful++
			}
			for i := range catCount {
				if it.cats&(1<<uint(i)) != 0 {
					catCount[i]++
				}
			}
		}
		ratio := 0.0
		if n > 0 {
			ratio = float64(harmful) / float64(n)
		}
		pass := ratio <= thr
		cmp := "<="
		if !pass {
			cmp = ">"
		}
		detail := fmt.Sprintf("source %s harmful ratio %.3f %s %g over n=%d (seed %d, %d records)", id, ratio, cmp, thr, n, s.seed, a.records)
		c.Rules = append(c.Rules, schemas.RuleResult{
			// Not a gate: a failing source is blocked, so the version holds
			// none of its records.
			RuleID: RuleHarmful, Scope: id, Pass: pass, Figure: ratio, Threshold: thr, N: int64(n), Detail: detail,
		})
		metric("harmful_ratio", id, ratio)
		metric("harmful_sample_n", id, float64(n))
		if !pass {
			blocked[id] = true
			c.Block(id, RuleHarmful)
			var cats []string
			for i, k := range catCount {
				if k > 0 {
					cats = append(cats, fmt.Sprintf("%s=%d", s.matcher.Categories()[i], k))
				}
			}
			c.Findings = append(c.Findings, schemas.Finding{
				RuleID: RuleHarmful, Stage: Name, Severity: schemas.SeverityError, Verdict: schemas.Reject.String(),
				Source:   id,
				Message:  detail + "; source blocked, all its records rejected",
				Evidence: fmt.Sprintf("harmful=%d n=%d seed=%d categories=%s", harmful, n, s.seed, strings.Join(cats, ",")),
				Figure:   ratio,
			})
		}
	}
	return blocked
}

func (s *Stage) concludeAssessment(acc *state, c *stages.Conclusion, metric func(string, string, float64), blocked map[string]bool) {
	a := s.pol.Assessment
	if s.matcher == nil {
		c.Rules = append(c.Rules, schemas.RuleResult{
			RuleID: RuleAutomatedAssessment, Scope: "dataset", Pass: false, Threshold: a.AutomatedPass,
			Detail: "automated assessment not run: the policy names no keyword lists (legality.harmful.lists)",
		})
		return
	}
	var records, scored, harmful int64
	// The assessment covers the corpus that is trained on: records of a
	// source blocked above are rejected and leave it.
	for id, sa := range acc.sources {
		if blocked[id] {
			continue
		}
		records += sa.records
		scored += sa.scored
		harmful += sa.harmful
	}
	coverage, rate := 0.0, 0.0
	if records > 0 {
		coverage = float64(scored) / float64(records)
	}
	if scored > 0 {
		rate = 1 - float64(harmful)/float64(scored)
	}
	pass := scored > 0 && coverage >= a.MinAutomatedCoverage && rate >= a.AutomatedPass
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleAutomatedAssessment, Scope: "dataset", Pass: pass, Figure: rate, Threshold: a.AutomatedPass, N: scored,
		Detail: fmt.Sprintf("automated keyword pass rate %.4f (min %g) over %d of %d records of unblocked sources, coverage %.3f (min %g)",
			rate, a.AutomatedPass, scored, records, coverage, a.MinAutomatedCoverage),
		Gate: true,
	})
	metric("automated_coverage", "overall", coverage)
	metric("automated_pass_rate", "overall", rate)
}

func (s *Stage) concludeDiversity(acc *state, c *stages.Conclusion, metric func(string, string, float64), blocked map[string]bool) {
	minSources := s.pol.Diversity.MinSources
	groups := map[string][]string{}
	groupRecords := map[string]int64{}
	origin := map[string]int64{}
	var total int64
	for _, id := range sortedKeys(acc.sources) {
		if blocked[id] {
			continue
		}
		a := acc.sources[id]
		o := "unspecified"
		if s.registry != nil {
			if src := s.registry.Lookup(id); src != nil && src.Origin != "" {
				o = src.Origin
			}
		}
		for g, n := range a.groups {
			if n == 0 {
				continue
			}
			groups[g] = append(groups[g], id)
			groupRecords[g] += n
			origin[o] += n
			total += n
		}
	}
	for _, g := range sortedKeys(groups) {
		ids := groups[g]
		slices.Sort(ids)
		lang, modality, _ := strings.Cut(g, "/")
		pass := len(ids) >= minSources
		cmp := ">="
		if !pass {
			cmp = "<"
		}
		c.Rules = append(c.Rules, schemas.RuleResult{
			RuleID: RuleDiversity, Scope: g, Pass: pass, Figure: float64(len(ids)), Threshold: float64(minSources), N: groupRecords[g],
			Detail: fmt.Sprintf("language %s modality %s: %d sources %s %d (%s) over %d records", lang, modality, len(ids), cmp, minSources, strings.Join(ids, ", "), groupRecords[g]),
		})
		metric("sources", g, float64(len(ids)))
	}
	if total == 0 {
		return
	}
	for _, o := range []string{"domestic", "foreign", "unspecified"} {
		metric("origin_share", o, float64(origin[o])/float64(total))
	}
	dom, forn := float64(origin["domestic"])/float64(total), float64(origin["foreign"])/float64(total)
	c.Rules = append(c.Rules, schemas.RuleResult{
		RuleID: RuleDiversity, Scope: "origin", Pass: origin["domestic"] > 0 && origin["foreign"] > 0, Figure: dom, N: total,
		Detail: fmt.Sprintf("domestic share %.3f, foreign share %.3f of %d kept records", dom, forn, total),
	})
}
