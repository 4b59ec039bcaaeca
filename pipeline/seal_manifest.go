package pipeline

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// The manifest step of seal: the manifest binds the version's digest,
// counts, inputs, sources, rule lines and the findings and metrics files.

// writeManifest builds the version's manifest from the folded records,
// the conclusion and the published files, and publishes it; it returns the
// manifest, its exact bytes and their sha256.
func (rc *runCtx) writeManifest(ctx context.Context, out objstore.Store, f *foldedRecords, concl *stages.Conclusion, ver, supersedes string,
	findings, metrics, duplicates schemas.FileRef) (*schemas.Manifest, []byte, string, error) {
	total := f.total
	rules := heldAtSeal(append([]schemas.RuleResult(nil), concl.Rules...), f.held)
	rules = append(rules, schemas.RuleResult{RuleID: RuleReconcile, Scope: "dataset", Pass: true, Figure: float64(total.In), N: total.In,
		Detail: fmt.Sprintf("records in %d = admit %d + redact %d + quarantine %d + reject %d", total.In, total.Admit, total.Redact, total.Quarantine, total.Reject)})
	rules = append(rules, rc.malformedRule(f))
	for i := range rules {
		rules[i].CiteRules()
	}
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].RuleID != rules[j].RuleID {
			return rules[i].RuleID < rules[j].RuleID
		}
		return rules[i].Scope < rules[j].Scope
	})
	m := &schemas.Manifest{
		Schema: schemas.ManifestSchema, Dataset: rc.ds.Name, Version: ver,
		Digest: "sha256:" + f.digest.String(), Records: f.distinct, Counts: total,
		Policy: schemas.ManifestPolicy{ID: rc.opts.Policy.ID, Version: rc.opts.Policy.Version, Digest: schemas.PrefixedDigest(rc.policyDigest())},
		Use:    useOf(rc.ds), InputStore: rc.opts.Input.URI(""), Inputs: f.inputs, Sources: rc.sourceRefs(f.srcRecs, f.inputs),
		Blocked: blockedList(concl.Blocked), RejectedAtSeal: f.withdrawn, Rules: rules,
		Attributions: attributionList(f.attrib),
		Outputs:      schemas.ManifestOutput{Findings: findings, Metrics: metrics, Duplicates: duplicates},
		Supersedes:   supersedes,
	}
	if rc.opts.pinned {
		// The "now" of every time-dependent decision (--as-of or
		// evaluation_time). An unpinned run decides as of its start, which
		// its run entry in the ledger records; stating it here would make
		// the manifest (and the certificate's subject) differ on every
		// re-run of unchanged data, and a version sealed once could not be
		// certified again from another output store.
		m.EvaluationTime = rc.opts.Now.UTC().Format(time.RFC3339)
	}
	mb, msha, err := version.WriteManifest(ctx, out, version.Prefix(rc.ds.Name, ver), m)
	if err != nil {
		return nil, nil, "", err
	}
	return m, mb, msha, nil
}

// supersedes is the dataset's version sealed before ver in the ledger ("" for
// the first, or without a ledger).
func (rc *runCtx) supersedes(ctx context.Context, ver string) (string, error) {
	if rc.opts.Recorder == nil {
		return "", nil
	}
	// the version sealed before this one, not the latest: a re-run that
	// seals this version again (after a crash between the ledger seal and
	// the certificate) must write the manifest the ledger sealed
	prev, err := rc.opts.Recorder.VersionBefore(ctx, rc.ds.Name, ver)
	if err != nil {
		return "", fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
	}
	return prev, nil
}

// RuleMalformed is the rule line of the malformed-rate gate.
const RuleMalformed = schemas.RuleMalformed

// malformedRule is the gate on unreadable input: more than
// quality.max_malformed_rate of the records unreadable, or no readable
// record at all, fails it (and `prov run` exits 3).
func (rc *runCtx) malformedRule(f *foldedRecords) schemas.RuleResult {
	var bad int64
	for _, in := range f.inputs {
		bad += in.Unreadable
	}
	max := rc.opts.Policy.Quality.MaxMalformedRate
	in := f.total.In
	rate := 0.0
	if in > 0 {
		rate = float64(bad) / float64(in)
	}
	r := schemas.RuleResult{RuleID: RuleMalformed, Scope: "dataset", Figure: rate, Threshold: max, N: in, Gate: true}
	switch {
	case in-bad <= 0:
		r.Detail = fmt.Sprintf("no readable record: %d of %d records unreadable", bad, in)
	case rate > max:
		r.Detail = fmt.Sprintf("unreadable records %d of %d (%.4g) > quality.max_malformed_rate %g", bad, in, rate, max)
	default:
		r.Pass = true
		r.Detail = fmt.Sprintf("unreadable records %d of %d (%.4g) <= quality.max_malformed_rate %g", bad, in, rate, max)
	}
	return r
}

func useOf(ds *schemas.DatasetConfig) string {
	if ds.Use == "" {
		return "commercial"
	}
	return ds.Use
}

func (rc *runCtx) sourceRefs(recs map[string]*schemas.SourceRef, inputs []schemas.InputObject) []schemas.SourceRef {
	ids := map[string]bool{}
	for _, in := range inputs {
		if in.Source != "" {
			ids[in.Source] = true
		}
	}
	for id := range recs {
		ids[id] = true
	}
	var out []schemas.SourceRef
	for id := range ids {
		ref := schemas.SourceRef{ID: id}
		if r := recs[id]; r != nil {
			ref.Records, ref.Bytes = r.Records, r.Bytes
		}
		if s := rc.opts.Sources.Lookup(id); s != nil {
			ref.Channel, ref.LegalBasis, ref.Licence, ref.Origin, ref.Modality = s.Channel, s.LegalBasis, s.Licence, s.Origin, s.Modality
			if ref.Modality == "" {
				ref.Modality = "text"
			}
		} else {
			ref.Channel = "unregistered"
		}
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func blockedList(m map[string]string) []schemas.BlockedSource {
	var out []schemas.BlockedSource
	for s, r := range m {
		out = append(out, schemas.BlockedSource{Source: s, RuleID: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func attributionList(m map[string]int64) []schemas.Attribution {
	var out []schemas.Attribution
	for t, n := range m {
		out = append(out, schemas.Attribution{Text: t, Records: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out
}

// heldAtSeal adds the records seal rejected to the rule lines of the rules
// it rejected them under (a consent withdrawal, a revocation): a rule
// line's figure counts every record held under the rule, at check time and
// at seal. A rule with no line yet gets one.
func heldAtSeal(rules []schemas.RuleResult, held map[string]int64) []schemas.RuleResult {
	ids := make([]string, 0, len(held))
	for id := range held {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if id != RuleWithdrawn && id != RuleRevoked {
			continue // a blocked source's rule line states its own figure
		}
		n := held[id]
		found := false
		for i := range rules {
			if rules[i].RuleID == id && rules[i].Scope == "dataset" {
				rules[i].Figure += float64(n)
				rules[i].Detail += fmt.Sprintf("; %d record(s) rejected at seal", n)
				found = true
				break
			}
		}
		if !found {
			rules = append(rules, schemas.RuleResult{RuleID: id, Scope: "dataset", Pass: true, Figure: float64(n),
				Detail: fmt.Sprintf("%d record(s) rejected at seal under this rule", n)})
		}
	}
	return rules
}
