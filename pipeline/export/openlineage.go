package export

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/prov-ai/prov/schemas"
)

// OpenLineage schema and facet URLs (spec 2-0-2; the facet versions are the
// ones in the spec release the events are validated against).
const (
	OLSchemaURL          = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	olSchemaFacet        = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	olDatasourceFacet    = "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet"
	olVersionFacet       = "https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet"
	olDQInputFacet       = "https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet"
	olDQDatasetFacet     = "https://openlineage.io/spec/facets/1-0-0/DataQualityMetricsDatasetFacet.json#/$defs/DataQualityMetricsDatasetFacet"
	olOutputStatsFacet   = "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
	olJobTypeFacet       = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
	provFacetsSchema     = "https://github.com/prov-ai/prov/blob/main/pipeline/export/schemas/prov-facets-1-0-0.json"
	provLicenceFacetURL  = provFacetsSchema + "#/$defs/LicenceDatasetFacet"
	provConsentFacetURL  = provFacetsSchema + "#/$defs/ConsentDatasetFacet"
	provCertFacetURL     = provFacetsSchema + "#/$defs/CertificateDatasetFacet"
	provRunFacetURL      = provFacetsSchema + "#/$defs/RunRunFacet"
	olJobNamespace       = "prov"
	olJobPrefix          = "prov-run/"
	olRunNamespaceSource = Producer + "/run/"
)

// RunEvent is an OpenLineage 2-0-2 RunEvent.
type RunEvent struct {
	EventTime string      `json:"eventTime"`
	EventType string      `json:"eventType"`
	Producer  string      `json:"producer"`
	SchemaURL string      `json:"schemaURL"`
	Run       OLRun       `json:"run"`
	Job       OLJob       `json:"job"`
	Inputs    []OLDataset `json:"inputs"`
	Outputs   []OLDataset `json:"outputs"`
}

// OLRun is the run of an event.
type OLRun struct {
	RunID  string         `json:"runId"`
	Facets map[string]any `json:"facets,omitempty"`
}

// OLJob is the job of an event.
type OLJob struct {
	Namespace string         `json:"namespace"`
	Name      string         `json:"name"`
	Facets    map[string]any `json:"facets,omitempty"`
}

// OLDataset is an input or output dataset of an event.
type OLDataset struct {
	Namespace    string         `json:"namespace"`
	Name         string         `json:"name"`
	Facets       map[string]any `json:"facets,omitempty"`
	InputFacets  map[string]any `json:"inputFacets,omitempty"`
	OutputFacets map[string]any `json:"outputFacets,omitempty"`
}

// base is the _producer / _schemaURL pair every facet carries.
type base struct {
	Producer  string `json:"_producer"`
	SchemaURL string `json:"_schemaURL"`
}

func facet(schemaURL string) base { return base{Producer: Producer, SchemaURL: schemaURL} }

type schemaField struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Ordinal     int    `json:"ordinal_position,omitempty"`
}

type schemaFacet struct {
	base
	Fields []schemaField `json:"fields"`
}

type datasourceFacet struct {
	base
	Name string `json:"name"`
	URI  string `json:"uri"`
}

type versionFacet struct {
	base
	DatasetVersion string `json:"datasetVersion"`
}

type columnMetric struct {
	NullCount *int64   `json:"nullCount,omitempty"`
	Count     *float64 `json:"count,omitempty"`
}

type dqFacet struct {
	base
	RowCount      int64                   `json:"rowCount"`
	Bytes         int64                   `json:"bytes"`
	FileCount     int64                   `json:"fileCount"`
	ColumnMetrics map[string]columnMetric `json:"columnMetrics"`
}

type outputStatsFacet struct {
	base
	RowCount  int64 `json:"rowCount"`
	Size      int64 `json:"size"`
	FileCount int64 `json:"fileCount"`
}

// LicenceFacet is prov's licence facet: on an input, its source's licence
// and acquisition channel; on the output, the licence mix of the admitted
// records and the intended use.
type LicenceFacet struct {
	base
	Source       string         `json:"source,omitempty"`
	Channel      string         `json:"channel,omitempty"`
	LegalBasis   string         `json:"legalBasis,omitempty"`
	Licence      string         `json:"licence,omitempty"`
	Use          string         `json:"use,omitempty"`
	Licences     []LicenceShare `json:"licences,omitempty"`
	Classes      []LicenceShare `json:"classes,omitempty"`
	Conflicts    *int64         `json:"conflicts,omitempty"`
	Attributions int            `json:"attributions,omitempty"`
	Rules        []RuleLine     `json:"rules,omitempty"`
}

// LicenceShare is the admitted records and bytes under one licence or class.
type LicenceShare struct {
	Name    string `json:"name"`
	Records int64  `json:"records"`
	Bytes   int64  `json:"bytes"`
}

// RuleLine is a rule line of the manifest as the facets cite it.
type RuleLine struct {
	RuleID string  `json:"ruleId"`
	Scope  string  `json:"scope,omitempty"`
	Pass   bool    `json:"pass"`
	Figure float64 `json:"figure"`
	Detail string  `json:"detail"`
}

// ConsentFacet is prov's personal-information facet: PI found by type
// (counts only, never values), the share of records with PI and the consent
// rule lines.
type ConsentFacet struct {
	base
	RecordsWithPIShare float64          `json:"recordsWithPIShare"`
	Entities           map[string]int64 `json:"entities"`
	Rules              []RuleLine       `json:"rules"`
}

// CertificateFacet is prov's certificate facet: the latest certificate of
// the version and its status in the ledger.
type CertificateFacet struct {
	base
	Status         string `json:"status"`
	EnvelopeSHA256 string `json:"envelopeSha256,omitempty"`
	PredicateType  string `json:"predicateType,omitempty"`
	LedgerLeaf     *int64 `json:"ledgerLeaf,omitempty"`
	IssuedAt       string `json:"issuedAt,omitempty"`
	ManifestSHA256 string `json:"manifestSha256"`
	DatasetDigest  string `json:"datasetDigest"`
}

// RunFacet is prov's run facet: our run id, the ledger status and counts.
type RunFacet struct {
	base
	RunID  string         `json:"runId"`
	Status string         `json:"status"`
	Counts schemas.Counts `json:"counts"`
}

// RunUUID derives the OpenLineage runId of one of our runs for a dataset:
// a name-based (version 5, SHA-1) UUID, so the same run always maps to the
// same runId and runs sealing several datasets give one runId per job.
func RunUUID(runID, dataset string) string {
	ns := uuid.NewSHA1(uuid.NameSpaceURL, []byte(olRunNamespaceSource))
	return uuid.NewSHA1(ns, []byte(dataset+"\x00"+runID)).String()
}

// OLName splits an object URI into an OpenLineage dataset namespace and
// name per the naming spec: s3://bucket/key → ("s3://bucket", "key");
// file:///abs/path → ("file", "/abs/path"); other schemes → scheme://host
// and the path.
func OLName(uri string) (namespace, name string) {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" {
		return "file", uri
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return "file://" + u.Host, u.Path
		}
		return "file", u.Path
	case "s3", "s3a", "gs":
		return u.Scheme + "://" + u.Host, strings.TrimPrefix(u.Path, "/")
	}
	return u.Scheme + "://" + u.Host, u.Path
}

func dataSource(ns string) datasourceFacet {
	uri := ns
	if ns == "file" {
		uri = "file:///"
	}
	return datasourceFacet{base: facet(olDatasourceFacet), Name: ns, URI: uri}
}

func ruleLines(rs []schemas.RuleResult) []RuleLine {
	out := make([]RuleLine, 0, len(rs))
	for _, r := range rs {
		out = append(out, RuleLine{RuleID: r.RuleID, Scope: r.Scope, Pass: r.Pass, Figure: finite(r.Figure), Detail: r.Detail})
	}
	return out
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// inputSchema is the schema facet of an input object: the input fields the
// dataset maps, each described by the logical field it feeds.
func (v *Version) inputSchema() schemaFacet {
	s := schemaFacet{base: facet(olSchemaFacet)}
	for i, mf := range v.mappedFields() {
		s.Fields = append(s.Fields, schemaField{Name: mf.input, Type: fieldType(mf.field),
			Description: "prov logical field " + mf.field.String(), Ordinal: i + 1})
	}
	return s
}

// outputSchema is the schema facet of the version: the logical fields.
func (v *Version) outputSchema() schemaFacet {
	s := schemaFacet{base: facet(olSchemaFacet)}
	for i, mf := range v.mappedFields() {
		s.Fields = append(s.Fields, schemaField{Name: mf.field.String(), Type: fieldType(mf.field),
			Description: "mapped from input field " + mf.input, Ordinal: i + 1})
	}
	return s
}

func fieldType(f schemas.Field) string {
	switch f {
	case schemas.FieldConsent, schemas.FieldLabels:
		return "json"
	case schemas.FieldFetchedAt:
		return "timestamp"
	}
	return "string"
}

func (v *Version) inputDataset(in schemas.InputObject) OLDataset {
	ns, name := OLName(in.URI)
	ver := in.VersionID
	if ver == "" {
		ver = "sha256:" + in.SHA256
	}
	d := OLDataset{Namespace: ns, Name: name, Facets: map[string]any{
		"schema":     v.inputSchema(),
		"dataSource": dataSource(ns),
		"version":    versionFacet{base: facet(olVersionFacet), DatasetVersion: ver},
	}}
	lf := LicenceFacet{base: facet(provLicenceFacetURL), Source: in.Source}
	for _, s := range v.Manifest.Sources {
		if s.ID == in.Source {
			lf.Channel, lf.LegalBasis, lf.Licence = s.Channel, s.LegalBasis, s.Licence
		}
	}
	d.Facets["prov_licence"] = lf
	d.InputFacets = map[string]any{"dataQualityMetrics": dqFacet{
		base: facet(olDQInputFacet), RowCount: in.Counts.In, Bytes: in.Size, FileCount: 1,
		ColumnMetrics: map[string]columnMetric{},
	}}
	return d
}

func (v *Version) outputDataset() OLDataset {
	m := v.Manifest
	ns, name := OLName(v.OutputURI)
	d := OLDataset{Namespace: ns, Name: name, Facets: map[string]any{
		"schema":     v.outputSchema(),
		"dataSource": dataSource(ns),
		"version":    versionFacet{base: facet(olVersionFacet), DatasetVersion: m.Version},
	}}
	// Row count: admitted records as the quality stage counted them, else
	// the distinct admitted digests of the manifest.
	rows := m.Records
	if r, ok := v.metric("records", "overall"); ok {
		rows = int64(r)
	}
	var bytes int64
	if b, ok := v.metric("bytes", "overall"); ok {
		bytes = int64(b)
	} else {
		for _, s := range m.Sources {
			bytes += s.Bytes
		}
	}
	cols := map[string]columnMetric{}
	comp, keys := v.metricsByPrefix("completeness", "field:")
	for _, k := range keys {
		share := comp[k].Value
		nulls := int64(math.Round((1 - share) * float64(rows)))
		present := float64(rows - nulls)
		cols[k] = columnMetric{NullCount: &nulls, Count: &present}
	}
	d.Facets["dataQualityMetrics"] = dqFacet{base: facet(olDQDatasetFacet), RowCount: rows, Bytes: bytes,
		FileCount: int64(len(m.Inputs)), ColumnMetrics: cols}
	d.Facets["prov_licence"] = v.licenceFacet()
	d.Facets["prov_consent"] = v.consentFacet()
	d.Facets["prov_certificate"] = v.certificateFacet()
	out := m.Outputs
	d.OutputFacets = map[string]any{"outputStatistics": outputStatsFacet{base: facet(olOutputStatsFacet),
		RowCount: m.Records, Size: v.ManifestSize + out.Findings.Size + out.Metrics.Size, FileCount: 3}}
	return d
}

func (v *Version) licenceFacet() LicenceFacet {
	f := LicenceFacet{base: facet(provLicenceFacetURL), Use: v.Manifest.Use, Attributions: len(v.Manifest.Attributions)}
	recs, keys := v.metricsByPrefix("licence_records", "")
	byts, _ := v.metricsByPrefix("licence_bytes", "")
	for _, k := range keys {
		f.Licences = append(f.Licences, LicenceShare{Name: k, Records: int64(recs[k].Value), Bytes: int64(byts[k].Value)})
	}
	crecs, ckeys := v.metricsByPrefix("licence_class_records", "")
	cbyts, _ := v.metricsByPrefix("licence_class_bytes", "")
	for _, k := range ckeys {
		f.Classes = append(f.Classes, LicenceShare{Name: k, Records: int64(crecs[k].Value), Bytes: int64(cbyts[k].Value)})
	}
	if c, ok := v.metric("licence_conflicts", "overall"); ok {
		n := int64(c)
		f.Conflicts = &n
	}
	f.Rules = ruleLines(v.rules("CN-IM-7.2", "TC260-5.2-b2", "TC260-5.1-c1"))
	return f
}

// piRules are the consent and personal-information rule IDs (docs/REQUIREMENTS.md §3).
var piRules = []string{"CN-IM-7.3", "PIPL-28/29", "PIPL-31", schemas.RuleWithdrawn, "CN-IM-11", "TC260-5.1-c4"}

func (v *Version) consentFacet() ConsentFacet {
	f := ConsentFacet{base: facet(provConsentFacetURL), Entities: map[string]int64{}, Rules: ruleLines(v.rules(piRules...))}
	if s, ok := v.metric("pii_record_share", "any"); ok {
		f.RecordsWithPIShare = finite(s)
	}
	ents, keys := v.metricsByPrefix("pii_entities", "")
	for _, k := range keys {
		f.Entities[k] = int64(ents[k].Value)
	}
	return f
}

func (v *Version) certificateFacet() CertificateFacet {
	f := CertificateFacet{base: facet(provCertFacetURL), Status: "none",
		ManifestSHA256: v.ManifestSHA256, DatasetDigest: v.Manifest.Digest}
	if c := v.latestCert(); c != nil {
		leaf := int64(c.Leaf)
		f.Status, f.EnvelopeSHA256, f.PredicateType, f.LedgerLeaf = c.Status, c.EnvelopeSHA256, c.PredicateType, &leaf
		f.IssuedAt = c.Time.UTC().Format(time.RFC3339Nano)
	}
	return f
}

// OpenLineage returns the RunEvents of a version: for each run the ledger
// records for it, in ledger order, a START event (at the run's start, with
// the inputs) and, when the run finished, a COMPLETE event (status ok or
// gate, with inputs and the output version) or a FAIL event (status
// failed). It needs v.Ledger; ErrNoRuns when it lists no run.
func OpenLineage(v *Version) ([]RunEvent, error) {
	if v.Ledger == nil {
		return nil, fmt.Errorf("exporting OpenLineage events of %s@%s: %w", v.Manifest.Dataset, v.Manifest.Version, ErrNoLedger)
	}
	if len(v.Ledger.Runs) == 0 {
		return nil, fmt.Errorf("exporting OpenLineage events of %s@%s: %w", v.Manifest.Dataset, v.Manifest.Version, ErrNoRuns)
	}
	m := v.Manifest
	inputs := make([]OLDataset, 0, len(m.Inputs))
	for _, in := range m.Inputs {
		inputs = append(inputs, v.inputDataset(in))
	}
	job := OLJob{Namespace: olJobNamespace, Name: olJobPrefix + m.Dataset, Facets: map[string]any{
		"jobType": struct {
			base
			ProcessingType string `json:"processingType"`
			Integration    string `json:"integration"`
			JobType        string `json:"jobType"`
		}{facet(olJobTypeFacet), "BATCH", "PROV", "JOB"},
	}}
	var out []RunEvent
	for _, r := range v.Ledger.Runs {
		run := OLRun{RunID: RunUUID(r.RunID, m.Dataset), Facets: map[string]any{
			"prov_run": RunFacet{base: facet(provRunFacetURL), RunID: r.RunID, Status: r.Status, Counts: r.Counts},
		}}
		start := r.StartedAt
		if start.IsZero() {
			start = r.FinishedAt
		}
		if !start.IsZero() {
			out = append(out, RunEvent{EventTime: olTime(start), EventType: "START", Producer: Producer,
				SchemaURL: OLSchemaURL, Run: run, Job: job, Inputs: inputs, Outputs: []OLDataset{}})
		}
		if r.Finished == nil {
			continue
		}
		ev := RunEvent{EventTime: olTime(r.FinishedAt), EventType: "COMPLETE", Producer: Producer,
			SchemaURL: OLSchemaURL, Run: run, Job: job, Inputs: inputs, Outputs: []OLDataset{v.outputDataset()}}
		if r.Status == "failed" {
			ev.EventType, ev.Outputs = "FAIL", []OLDataset{}
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("exporting OpenLineage events of %s@%s: %w", m.Dataset, m.Version, ErrNoRuns)
	}
	return out, nil
}

func olTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// WriteJSONL writes one JSON document per line.
func WriteJSONL[T any](w io.Writer, docs []T) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for i := range docs {
		if err := enc.Encode(docs[i]); err != nil {
			return fmt.Errorf("encoding JSON line %d: %w", i+1, err)
		}
	}
	return nil
}
