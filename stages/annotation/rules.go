package annotation

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/prov-ai/prov/schemas"
)

// ruleSet is one loaded rule version with its taxonomy flattened. Category
// indexes are positions in the sorted list of full label names, so every
// worker and shard that loads the same file numbers labels the same way.
type ruleSet struct {
	rules  *schemas.AnnotationRules
	file   string
	digest schemas.Digest
	names  []string // sorted full label names
	index  map[string]int
	defs   []labelDef // by category index

	minAnnotators int
	reviewers     int // required reviewer verdicts per item
	spotRate      float64
	minAccuracy   float64
	minAgreement  float64
}

// labelDef is one label's constraints with its ancestors' folded in.
type labelDef struct {
	required []string
	allowed  map[string][]string
	span     string
}

// loadRuleSets reads the policy's rule files, resolving paths against dir.
func loadRuleSets(dir string, p *schemas.AnnotationPolicy) (map[string]*ruleSet, error) {
	sets := make(map[string]*ruleSet, len(p.Rules))
	for _, f := range p.Rules {
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading annotation rules %s: %w: %w", path, ErrRules, err)
		}
		r, err := schemas.LoadAnnotationRules(path)
		if err != nil {
			return nil, fmt.Errorf("loading annotation rules: %w", err)
		}
		if prev, ok := sets[r.Version]; ok {
			return nil, fmt.Errorf("loading annotation rules %s: %w: version %q is also defined in %s", path, ErrRules, r.Version, prev.file)
		}
		sets[r.Version] = compileRules(r, path, sha256.Sum256(data), p)
	}
	return sets, nil
}

// compileRules flattens a rule file and fills unset thresholds from p.
func compileRules(r *schemas.AnnotationRules, file string, digest schemas.Digest, p *schemas.AnnotationPolicy) *ruleSet {
	defs := map[string]labelDef{}
	var walk func(prefix string, parent labelDef, ls []schemas.LabelRule)
	walk = func(prefix string, parent labelDef, ls []schemas.LabelRule) {
		for _, l := range ls {
			name := l.Name
			if prefix != "" {
				name = prefix + "/" + l.Name
			}
			d := labelDef{
				required: append(slices.Clone(parent.required), l.RequiredFields...),
				allowed:  map[string][]string{},
				span:     l.Span,
			}
			for k, v := range parent.allowed {
				d.allowed[k] = v
			}
			for k, v := range l.AllowedValues {
				d.allowed[k] = v
			}
			if d.span == "" {
				d.span = schemas.SpanOptional
			}
			defs[name] = d
			walk(name, d, l.Children)
		}
	}
	walk("", labelDef{}, r.Labels)

	s := &ruleSet{rules: r, file: file, digest: digest, index: map[string]int{}}
	for n := range defs {
		s.names = append(s.names, n)
	}
	slices.Sort(s.names)
	s.defs = make([]labelDef, len(s.names))
	for i, n := range s.names {
		s.index[n] = i
		s.defs[i] = defs[n]
	}
	q := r.Quality
	s.minAnnotators = max(q.MinAnnotators, 1)
	s.reviewers = q.Reviewers
	if r.Task == schemas.TaskSecurity {
		s.reviewers = max(s.reviewers, 1)
	}
	s.spotRate = orDefault(q.SpotCheckRate, p.SpotCheckRate)
	s.minAccuracy = orDefault(q.MinAccuracy, p.MinAccuracy)
	s.minAgreement = orDefault(q.MinAgreement, p.MinAgreement)
	return s
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
