package version

import (
	"cmp"
	"context"
	"slices"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// Report summarises a sealed version from its files: the manifest and the
// findings counted by rule (`prov show`).
type Report struct {
	Manifest *schemas.Manifest
	ByRule   []RuleCount
}

// RuleCount is how many findings a rule produced, by verdict.
type RuleCount struct {
	RuleID   string           `json:"rule_id"`
	Stage    string           `json:"stage"`
	Findings int64            `json:"findings"`
	Verdicts map[string]int64 `json:"verdicts"`
}

// RuleCounter counts findings by rule and stage. The zero value is ready.
type RuleCounter struct {
	m map[string]*RuleCount
}

// Add counts one finding.
func (c *RuleCounter) Add(f *schemas.Finding) {
	if c.m == nil {
		c.m = map[string]*RuleCount{}
	}
	k := f.RuleID + "\x00" + f.Stage
	rc := c.m[k]
	if rc == nil {
		rc = &RuleCount{RuleID: f.RuleID, Stage: f.Stage, Verdicts: map[string]int64{}}
		c.m[k] = rc
	}
	rc.Findings++
	rc.Verdicts[f.Verdict]++
}

// Counts returns the counts sorted by rule, then stage (never nil).
func (c *RuleCounter) Counts() []RuleCount {
	out := make([]RuleCount, 0, len(c.m))
	for _, rc := range c.m {
		out = append(out, *rc)
	}
	slices.SortFunc(out, func(a, b RuleCount) int {
		return cmp.Or(cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.Stage, b.Stage))
	})
	return out
}

// LoadReport reads a version's manifest, checks the files it binds
// (CheckFiles: an error naming a swapped or changed file wraps
// ErrFileDiffers) and counts its findings by rule.
func LoadReport(ctx context.Context, st objstore.Store, dataset, version string) (*Report, error) {
	m, _, err := ReadManifest(ctx, st, dataset, version)
	if err != nil {
		return nil, err
	}
	// The findings are summarised only if they are the ones the manifest
	// (and so the certificate) binds.
	if err := CheckFiles(ctx, st, m); err != nil {
		return nil, err
	}
	var c RuleCounter
	err = EachFinding(ctx, st, dataset, version, func(f *schemas.Finding) error {
		c.Add(f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &Report{Manifest: m}
	if counts := c.Counts(); len(counts) > 0 {
		r.ByRule = counts
	}
	return r, nil
}
