package export

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// Producer is the OpenLineage producer URI and the Croissant / summary
// generator name.
const Producer = "https://github.com/prov-ai/prov"

// Version is everything the exports read about one sealed dataset version.
// Load fills it from the output store and the ledger; tests construct it.
type Version struct {
	Manifest *schemas.Manifest
	// ManifestSHA256 is the hex sha256 of manifest.json as stored (the
	// certificate's subject digest).
	ManifestSHA256 string
	ManifestSize   int64
	// OutputURI is the URI of the version's folder in the output store,
	// without a trailing slash (s3://bucket/prefix/<dataset>/<version>).
	OutputURI string
	// Metrics are the rows of metrics.parquet.
	Metrics []schemas.Metric
	// Sources is the source registry (for licences, crawlers, contracts).
	// Optional.
	Sources *schemas.SourceRegistry
	// Policy is the policy the exports cite thresholds from. Optional.
	Policy *schemas.Policy
	// Dataset is the dataset's configuration (field map). Optional.
	Dataset *schemas.DatasetConfig
	// Ledger is what the ledger says about the version (seal time, runs,
	// certificates). Optional: OpenLineage needs it, the others do without.
	Ledger *lineage.VersionInfo
	// LedgerOrigin is the ledger's origin line, cited by the Croissant card.
	LedgerOrigin string
	// SubjectKey is the ledger's subject-key function (nil without a ledger
	// holding its secret). Re-reading an object whose key held personal
	// information (the manifest shows it masked, pii.Mask) needs it to find
	// the real key in the input store.
	SubjectKey func(kind, value string) string
	realKeys   map[string]string // masked key → key, filled on first need
}

// LoadOptions are where Load reads from.
type LoadOptions struct {
	Output  objstore.Store          // required
	Ledger  *lineage.Ledger         // optional
	Policy  *schemas.Policy         // optional
	Sources *schemas.SourceRegistry // optional
	Config  *schemas.Config         // optional; gives the dataset's field map
}

// Load reads a sealed version: its manifest and metrics from the output
// store and, when a ledger is given, its ledger record. An empty version
// means the latest version the ledger knows.
func Load(ctx context.Context, opts LoadOptions, dataset, ver string) (*Version, error) {
	var info *lineage.VersionInfo
	if opts.Ledger != nil {
		view, err := opts.Ledger.At(ctx, lineage.AsOf{})
		if err != nil {
			return nil, err
		}
		di, err := view.Dataset(ctx, dataset, ver)
		if err != nil {
			return nil, err
		}
		vi := di.Versions[len(di.Versions)-1]
		info, ver = &vi, vi.Version
	}
	if ver == "" {
		return nil, fmt.Errorf("loading %s: %w: name a version (NAME@VERSION)", dataset, ErrNoLedger)
	}
	m, raw, err := version.ReadManifest(ctx, opts.Output, dataset, ver)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	v := &Version{
		Manifest: m, ManifestSHA256: hex.EncodeToString(sum[:]), ManifestSize: int64(len(raw)),
		OutputURI: strings.TrimSuffix(opts.Output.URI(dataset+"/"+ver), "/"),
		Sources:   opts.Sources, Policy: opts.Policy, Ledger: info,
	}
	if info != nil && info.ManifestSHA256 != "" && strings.TrimPrefix(info.ManifestSHA256, "sha256:") != v.ManifestSHA256 {
		return nil, fmt.Errorf("loading %s@%s: manifest sha256 %s differs from the ledger's %s: %w",
			dataset, ver, v.ManifestSHA256, info.ManifestSHA256, lineage.ErrTampered)
	}
	if opts.Ledger != nil {
		v.LedgerOrigin = opts.Ledger.Origin()
	}
	if opts.Config != nil {
		for i := range opts.Config.Datasets {
			if opts.Config.Datasets[i].Name == dataset {
				v.Dataset = &opts.Config.Datasets[i]
			}
		}
	}
	if m.Outputs.Metrics.Path != "" {
		if v.Metrics, err = version.ReadMetrics(ctx, opts.Output, dataset, ver); err != nil {
			return nil, err
		}
	}
	if l := opts.Ledger; l != nil {
		if _, err := l.KeySubject("subject_id", "probe"); err == nil {
			v.SubjectKey = l.SubjectKey
		}
	}
	return v, nil
}

// metric returns the value of a metric at a dimension and whether it exists.
func (v *Version) metric(name, dim string) (float64, bool) {
	for _, m := range v.Metrics {
		if m.Metric == name && m.Dimension == dim {
			return m.Value, true
		}
	}
	return 0, false
}

// metricsByPrefix returns the metrics called name whose dimension starts
// with prefix, keyed by the rest of the dimension, and the keys sorted.
func (v *Version) metricsByPrefix(name, prefix string) (map[string]schemas.Metric, []string) {
	out := map[string]schemas.Metric{}
	var keys []string
	for _, m := range v.Metrics {
		if m.Metric != name || !strings.HasPrefix(m.Dimension, prefix) {
			continue
		}
		k := strings.TrimPrefix(m.Dimension, prefix)
		if _, ok := out[k]; !ok {
			keys = append(keys, k)
		}
		out[k] = m
	}
	sort.Strings(keys)
	return out, keys
}

// rules returns the manifest's rule lines whose ID is one of ids.
func (v *Version) rules(ids ...string) []schemas.RuleResult {
	var out []schemas.RuleResult
	for _, r := range v.Manifest.Rules {
		for _, id := range ids {
			if r.RuleID == id {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// source returns the registry entry of a source id, or nil.
func (v *Version) source(id string) *schemas.Source {
	if v.Sources == nil {
		return nil
	}
	return v.Sources.Lookup(id)
}

// sealedAt is the seal time from the ledger (zero when unknown).
func (v *Version) sealedAt() time.Time {
	if v.Ledger == nil {
		return time.Time{}
	}
	return v.Ledger.Time
}

// latestCert is the most recent certificate of the version, or nil.
func (v *Version) latestCert() *lineage.CertInfo {
	if v.Ledger == nil || len(v.Ledger.Certificates) == 0 {
		return nil
	}
	return &v.Ledger.Certificates[len(v.Ledger.Certificates)-1]
}

// mappedFields lists the logical fields the dataset maps, with the input
// field name holding each (all logical fields under their own names when
// the dataset configuration is unknown).
func (v *Version) mappedFields() []mappedField {
	var out []mappedField
	if v.Dataset == nil || len(v.Dataset.Fields) == 0 {
		for f := schemas.Field(0); f < schemas.NumFields; f++ {
			if f.Default() {
				out = append(out, mappedField{f, f.String()})
			}
		}
		return out
	}
	for f := schemas.Field(0); f < schemas.NumFields; f++ {
		if in, ok := v.Dataset.Fields[f.String()]; ok {
			out = append(out, mappedField{f, strings.Join(in, ", ")})
		}
	}
	return out
}

type mappedField struct {
	field schemas.Field
	input string
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
