package quality

import (
	"fmt"
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// limitMetric says which metric a scalar limit checks and which rule it
// serves.
var limitMetric = map[string]struct{ metric, rule string }{
	"max_exact_dup_rate":    {"exact_dup_rate", RuleQuality},
	"max_near_dup_rate":     {"near_dup_rate", RuleQuality},
	"max_empty_rate":        {"empty_rate", RuleQuality},
	"max_short_rate":        {"short_rate", RuleQuality},
	"max_invalid_utf8_rate": {"invalid_utf8_rate", RuleQuality},
	"max_non_letter_rate":   {"non_letter_rate", RuleQuality},
	"max_repetitive_rate":   {"repetitive_rate", RuleQuality},
	"max_top_source_share":  {"top_source_share", RuleQuality},
	"max_top_domain_share":  {"top_domain_share", RuleQuality},
}

// check records one limit: a rule line (Gate as configured) and, when it
// fails, a dataset-level finding. The point estimate is compared; the
// detail states its error.
func (r *results) check(name, rule, metric, dim string, l schemas.QualityLimit, isMax bool) bool {
	f := r.figures[metric+"|"+dim]
	pass := f.v <= l.Value
	op := "<="
	if !isMax {
		pass = f.v >= l.Value
		op = ">="
	}
	if !pass {
		op = map[string]string{"<=": ">", ">=": "<"}[op]
	}
	what := metric
	if dim != overall {
		what += " " + dim
	}
	detail := fmt.Sprintf("%s %.4f", what, f.v)
	if f.err > 0 {
		detail += fmt.Sprintf(" ± %.4f", f.err)
	}
	detail += fmt.Sprintf(" %s %.4f over n=%d (quality.%s)", op, l.Value, r.n, name)
	r.c.Rules = append(r.c.Rules, schemas.RuleResult{
		RuleID: rule, Scope: "quality." + name, Pass: pass, Figure: f.v,
		Threshold: l.Value, N: r.n, Detail: detail, Gate: l.Gate,
	})
	if !pass {
		sev := schemas.SeverityWarning
		if l.Gate {
			sev = schemas.SeverityError
		}
		r.c.Findings = append(r.c.Findings, schemas.Finding{
			Dataset: r.cfg.dataset, Version: r.cfg.version, RuleID: rule, Stage: Name,
			Severity: sev, Message: "quality limit not met: " + detail, Figure: f.v,
		})
	}
	return pass
}

// limits checks every configured limit and writes the CN-IM-7.4 and
// EU-10.3 summary lines (pass when all their limits pass).
func (r *results) limits(q *State) {
	p := &r.cfg.policy
	pass := map[string]bool{RuleQuality: true, RuleRepresent: true}
	for _, name := range p.QualityLimitNames() {
		l := p.Limit(name)
		if l == nil {
			continue
		}
		lm := limitMetric[name]
		if !r.check(name, lm.rule, lm.metric, overall, *l, true) {
			pass[lm.rule] = false
		}
	}
	for _, lang := range sortedKeys(p.MinLanguageShare) {
		if !r.check("min_language_share."+lang, RuleRepresent, "language_share", dimLang+lang, p.MinLanguageShare[lang], false) {
			pass[RuleRepresent] = false
		}
	}
	for _, field := range sortedKeys(p.MinCompleteness) {
		if _, ok := r.figures["completeness|"+dimField+field]; !ok {
			// A limit on a field the dataset does not map is measured as 0.
			r.figures["completeness|"+dimField+field] = figure{}
		}
		if !r.check("min_completeness."+field, RuleRepresent, "completeness", dimField+field, p.MinCompleteness[field], false) {
			pass[RuleRepresent] = false
		}
	}

	g := func(metric string) string {
		f := r.figures[metric+"|"+overall]
		if f.err > 0 {
			return fmt.Sprintf("%s %.4f±%.4f", metric, f.v, f.err)
		}
		return fmt.Sprintf("%s %.4f", metric, f.v)
	}
	var langs []string
	for _, m := range r.c.Metrics {
		if m.Metric == "language_share" {
			langs = append(langs, fmt.Sprintf("%s %.3f", strings.TrimPrefix(m.Dimension, dimLang), m.Value))
		}
	}
	r.c.Rules = append(r.c.Rules, schemas.RuleResult{
		RuleID: RuleQuality, Scope: "dataset", Pass: pass[RuleQuality],
		Figure: r.figures["exact_dup_rate|"+overall].v, N: r.n,
		Detail: strings.Join([]string{g("exact_dup_rate"), g("near_dup_rate"), g("empty_rate"),
			g("invalid_utf8_rate"), g("repetitive_rate"), g("source_entropy_bits"),
			g("domain_entropy_bits"), "languages " + strings.Join(langs, " ")}, ", "),
	})
	var comp []string
	minComp := 1.0
	for _, f := range r.cfg.mapped {
		v := r.figures["completeness|"+dimField+f.String()].v
		minComp = min(minComp, v)
		comp = append(comp, fmt.Sprintf("%s %.3f", f, v))
	}
	r.c.Rules = append(r.c.Rules, schemas.RuleResult{
		RuleID: RuleRepresent, Scope: "dataset", Pass: pass[RuleRepresent],
		Figure: minComp, N: r.n,
		Detail: "completeness " + strings.Join(comp, ", ") + "; representation by language " + strings.Join(langs, " "),
	})
}
