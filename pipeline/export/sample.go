package export

import (
	"context"
	"fmt"
	"io"
	"iter"
	"sort"
	"strings"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/annotation"
	"github.com/prov-ai/prov/stages/legality"
	"github.com/prov-ai/prov/stages/pii"
	"github.com/prov-ai/prov/version"
)

// Rule IDs of the two review samples.
const (
	RuleManualAssessment = legality.RuleManualAssessment // TC260-9.2-a
	RuleLabelQuality     = "CN-IM-8.2"
)

// SampleRow is one item of a review sample. Verdict, Reviewer and Time are
// empty in the exported sample: reviewers fill them in, and the same file
// (or one with just record_digest, verdict, reviewer and time) is imported.
type SampleRow struct {
	Dataset      string `json:"dataset"`
	Version      string `json:"version"`
	RuleID       string `json:"rule_id"`
	RecordDigest string `json:"record_digest"`
	Object       string `json:"object"`
	Line         int64  `json:"line"`
	Source       string `json:"source"`
	// Annotation samples only: the item's rule version, batch, record id
	// and labels (raw JSON).
	RuleVersion string `json:"rule_version,omitempty"`
	Batch       string `json:"batch,omitempty"`
	ID          string `json:"id,omitempty"`
	Labels      string `json:"labels,omitempty"`
	// Text is the record text, re-read from the input store.
	Text     string `json:"text"`
	Verdict  string `json:"verdict"`
	Reviewer string `json:"reviewer"`
	Time     string `json:"time"`
}

// SampleOptions say where a sample is drawn from.
type SampleOptions struct {
	Input  objstore.Store  // the input store the records are re-read from
	Output objstore.Store  // the output store (findings of the version)
	Ledger *lineage.Ledger // the ledger (record lists of the version)
	Seed   uint64          // the policy seed
	N      int             // sample size (TC260-9.2-a); <= 0 means all
}

type locator struct {
	object string
	line   int64
}

// DrawSample draws the whole-corpus manual assessment sample (TC260-9.2-a)
// of a version: the records admitted into it (the admitted record lists of
// its objects in the ledger, less the records rejected when it was sealed),
// bottom-N by keyed hash of the record digest under the policy seed
// (legality.SelectAssessmentSample), each re-read from the input store with
// its text. Rows come in sample (hash) order. A record whose bytes no
// longer give the digest the ledger holds fails with ErrChangedRecord.
func DrawSample(ctx context.Context, v *Version, opts SampleOptions) ([]SampleRow, error) {
	if opts.Ledger == nil || v.Ledger == nil {
		return nil, fmt.Errorf("drawing the assessment sample of %s@%s: %w", v.Manifest.Dataset, v.Manifest.Version, ErrNoLedger)
	}
	m := v.Manifest
	rejected := map[schemas.Digest]bool{}
	if m.Outputs.Findings.Path != "" && opts.Output != nil {
		err := version.EachFinding(ctx, opts.Output, m.Dataset, m.Version, func(f *schemas.Finding) error {
			if f.Stage == "seal" && f.Verdict == schemas.Reject.String() && f.RecordDigest != "" {
				if d, err := schemas.ParseDigest(f.RecordDigest); err == nil {
					rejected[d] = true
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	cands, err := admitted(ctx, opts.Ledger, v.Ledger.Leaf, rejected)
	if err != nil {
		return nil, fmt.Errorf("drawing the assessment sample of %s@%s: %w", m.Dataset, m.Version, err)
	}
	n := opts.N
	if n <= 0 || n > len(cands) {
		n = len(cands)
	}
	keys := func(yield func(schemas.Digest) bool) {
		for d := range cands {
			if !yield(d) {
				return
			}
		}
	}
	chosen := legality.SelectAssessmentSample(iter.Seq[schemas.Digest](keys), opts.Seed, n)
	want := map[locator]schemas.Digest{}
	order := map[schemas.Digest]int{}
	for i, d := range chosen {
		want[cands[d]] = d
		order[d] = i
	}
	rows := make([]SampleRow, len(chosen))
	got := 0
	err = eachRecord(ctx, v, opts.Input, func(in schemas.InputObject) bool {
		for l := range want {
			if l.object == in.URI {
				return true
			}
		}
		return false
	}, func(in schemas.InputObject, r *schemas.Record) error {
		d, ok := want[locator{r.Object, r.Line}]
		if !ok {
			return nil
		}
		if r.Digest != d {
			return fmt.Errorf("re-reading %s: %w: digest %s, the ledger holds %s", r.Locator(), ErrChangedRecord, r.Digest, d)
		}
		rows[order[d]] = v.row(RuleManualAssessment, in, r)
		got++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if got != len(chosen) {
		return nil, fmt.Errorf("drawing the assessment sample of %s@%s: %w: %d of %d sampled records not found in their objects",
			m.Dataset, m.Version, ErrChangedRecord, len(chosen)-got, len(chosen))
	}
	return rows, nil
}

// admitted returns the records admitted into the version sealed at leaf,
// each with its first locator (object order, then line), less rejected.
func admitted(ctx context.Context, led *lineage.Ledger, sealLeaf uint64, rejected map[schemas.Digest]bool) (map[schemas.Digest]locator, error) {
	s, _, err := led.Entry(ctx, sealLeaf)
	if err != nil {
		return nil, err
	}
	ds, ok := s.Entry.(lineage.DatasetSealed)
	if !ok {
		return nil, fmt.Errorf("ledger leaf %d is a %s entry, not dataset_sealed: %w", sealLeaf, s.Entry.Kind(), lineage.ErrBadEntry)
	}
	out := map[schemas.Digest]locator{}
	for _, ol := range ds.Objects {
		os, _, err := led.Entry(ctx, ol)
		if err != nil {
			return nil, err
		}
		oi, ok := os.Entry.(lineage.ObjectIngested)
		if !ok {
			return nil, fmt.Errorf("ledger leaf %d is a %s entry, not object_ingested: %w", ol, os.Entry.Kind(), lineage.ErrBadEntry)
		}
		refs, err := led.Records(ctx, ol)
		if err != nil {
			return nil, fmt.Errorf("reading the record list of %s: %w", oi.URI, err)
		}
		for _, r := range refs {
			if !r.Verdict.Admitted() || r.Digest.IsZero() || rejected[r.Digest] {
				continue
			}
			if old, ok := out[r.Digest]; !ok || (old.object == oi.URI && r.Line < old.line) {
				out[r.Digest] = locator{oi.URI, r.Line}
			}
		}
	}
	return out, nil
}

// eachRecord re-reads the version's input objects that pick selects and
// hands every parsed record to fn.
func eachRecord(ctx context.Context, v *Version, in objstore.Store, pick func(schemas.InputObject) bool, fn func(schemas.InputObject, *schemas.Record) error) error {
	if v.Dataset == nil {
		return fmt.Errorf("re-reading %s@%s: the dataset is not in the configuration (its field map is needed)", v.Manifest.Dataset, v.Manifest.Version)
	}
	inputs := append([]schemas.InputObject(nil), v.Manifest.Inputs...)
	sort.Slice(inputs, func(i, j int) bool { return inputs[i].URI < inputs[j].URI })
	for _, obj := range inputs {
		if !pick(obj) {
			continue
		}
		key, err := v.inputKey(ctx, in, obj)
		if err != nil {
			return err
		}
		rin := readers.Input{URI: obj.URI, Key: key, Format: obj.Format, Size: obj.Size,
			Open: func(ctx context.Context, off, length int64) (io.ReadCloser, error) {
				return in.Get(ctx, key, objstore.GetOptions{Offset: off, Length: length})
			}}
		fm := v.Dataset.ObjectReadMap(v.Sources, key, obj.Source)
		opts := readers.Options{Map: &fm}
		if ic := v.Dataset.InputFor(key); ic != nil {
			opts.MaxLine = ic.MaxLine
		}
		err = readers.Read(ctx, rin, opts, func(r *schemas.Record) error {
			if r.Err != nil {
				return nil
			}
			return fn(obj, r)
		})
		if err != nil {
			return fmt.Errorf("re-reading %s: %w", obj.URI, err)
		}
	}
	return nil
}

// inputKey is the key an object of the manifest is read under: its key,
// or, when the manifest shows it masked because it held personal
// information, the input key that masks to it (the dataset's input
// prefixes are listed once and masked with v.SubjectKey).
func (v *Version) inputKey(ctx context.Context, in objstore.Store, obj schemas.InputObject) (string, error) {
	if !strings.Contains(obj.Key, "[") || v.SubjectKey == nil || v.Dataset == nil {
		return obj.Key, nil
	}
	if v.realKeys == nil {
		v.realKeys = map[string]string{}
		for _, ic := range v.Dataset.Inputs {
			for o, err := range in.List(ctx, ic.Prefix) {
				if err != nil {
					return "", fmt.Errorf("finding the input key of %s: %w", obj.URI, err)
				}
				if m, ents := pii.MaskKey(o.Key, v.SubjectKey); len(ents) > 0 {
					v.realKeys[m] = o.Key
				}
			}
		}
	}
	if k, ok := v.realKeys[obj.Key]; ok {
		return k, nil
	}
	return obj.Key, nil
}

// RedactRows replaces the personal information in the rows' text, id and
// labels by its type in brackets ("[PHONE]", "[EMAIL]", as pii.Redact
// writes it): `prov assess sample` does this unless --include-pi is given.
func RedactRows(rows []SampleRow) {
	for i := range rows {
		r := &rows[i]
		r.Text = pii.Redact(r.Text, "")
		r.ID = pii.RedactKey(r.ID)
		r.Labels = pii.RedactKey(pii.Redact(r.Labels, ""))
	}
}

func (v *Version) row(rule string, in schemas.InputObject, r *schemas.Record) SampleRow {
	src := in.Source
	if s, ok := r.Get(schemas.FieldSource); ok && s != "" {
		src = s
	}
	return SampleRow{Dataset: v.Manifest.Dataset, Version: v.Manifest.Version, RuleID: rule,
		RecordDigest: r.Digest.String(), Object: r.Object, Line: r.Line, Source: src, Text: r.Text()}
}

// RateFunc returns the spot-check rate of a rule version and whether the
// version is known (annotation.Stage.SpotCheckRate).
type RateFunc func(ruleVersion string) (float64, bool)

// AnnotationRates builds the annotation stage of the version's dataset
// from the policy (reading the roster through the input store) and returns
// its SpotCheckRate.
func AnnotationRates(ctx context.Context, v *Version, in objstore.Store) (RateFunc, error) {
	env := stages.Env{Policy: v.Policy, Sources: v.Sources, Dataset: v.Dataset,
		Open: func(ctx context.Context, key string) (io.ReadCloser, error) {
			return in.Get(ctx, key, objstore.GetOptions{})
		}}
	s, err := annotation.New(ctx, env)
	if err != nil {
		return nil, err
	}
	return s.SpotCheckRate, nil
}

// DrawAnnotationSample draws the labelling spot-check sample (CN-IM-8.2):
// every labelled item (any verdict: unreviewed items are what reviewers
// must see) of the version's objects that annotation.SpotCheckSelected
// picks at its rule version's spot-check rate (rates; default for an
// unknown rule version: defaultRate), re-read from the input store with
// its text and labels. Rows come in object and line order.
func DrawAnnotationSample(ctx context.Context, v *Version, in objstore.Store, seed uint64, rates RateFunc, defaultRate float64) ([]SampleRow, error) {
	if v.Dataset == nil || !v.mapsLabels() {
		return nil, fmt.Errorf("drawing the annotation sample of %s@%s: the dataset maps no labels field", v.Manifest.Dataset, v.Manifest.Version)
	}
	var rows []SampleRow
	err := eachRecord(ctx, v, in, func(schemas.InputObject) bool { return true }, func(obj schemas.InputObject, r *schemas.Record) error {
		raw, ok := r.Get(schemas.FieldLabels)
		if !ok {
			return nil
		}
		l, err := annotation.ParseLabels([]byte(raw))
		if err != nil {
			return nil // malformed labels are findings of the run, not review items
		}
		id, _ := r.Get(schemas.FieldID)
		rate, known := 0.0, false
		if rates != nil {
			rate, known = rates(l.RuleVersion)
		}
		if !known {
			rate = defaultRate
		}
		if !annotation.SpotCheckSelected(seed, l.RuleVersion, l.Batch, id, rate) {
			return nil
		}
		row := v.row(RuleLabelQuality, obj, r)
		row.RuleVersion, row.Batch, row.ID, row.Labels = l.RuleVersion, l.Batch, id, raw
		rows = append(rows, row)
		return nil
	})
	return rows, err
}
