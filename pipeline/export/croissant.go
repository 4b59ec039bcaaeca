package export

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/prov-ai/prov/schemas"
)

// CroissantConformsTo is the Croissant specification version cards declare.
const CroissantConformsTo = "http://mlcommons.org/croissant/1.1"

// croissantContext is the JSON-LD context of Croissant 1.1 (specification
// appendix 1).
func croissantContext() map[string]any {
	ctx := map[string]any{
		"@language": "en",
		"@vocab":    "http://schema.org/",
		"sc":        "http://schema.org/",
		"cr":        "http://mlcommons.org/croissant/",
		"rai":       "http://mlcommons.org/croissant/RAI/",
		"dct":       "http://purl.org/dc/terms/",
		"prov":      "http://www.w3.org/ns/prov#",
		"data":      map[string]string{"@id": "cr:data", "@type": "@json"},
		"dataType":  map[string]string{"@id": "cr:dataType", "@type": "@vocab"},
		"examples":  map[string]string{"@id": "cr:examples", "@type": "@json"},
	}
	for _, k := range []string{"annotation", "arrayShape", "citeAs", "column", "containedIn", "equivalentProperty",
		"excludes", "extract", "field", "fileProperty", "fileObject", "fileSet", "format", "includes", "isArray",
		"isLiveDataset", "jsonPath", "key", "md5", "parentField", "recordSet", "references", "regex", "readLines",
		"sdVersion", "separator", "source", "subField", "transform", "unArchive", "value"} {
		ctx[k] = "cr:" + k
	}
	ctx["conformsTo"] = "dct:conformsTo"
	return ctx
}

// Croissant is a Croissant 1.1 dataset card with RAI fields.
type Croissant struct {
	Context       map[string]any `json:"@context"`
	Type          string         `json:"@type"`
	Name          string         `json:"name"`
	Description   string         `json:"description"`
	ConformsTo    string         `json:"conformsTo"`
	Version       string         `json:"version"`
	DatePublished string         `json:"datePublished,omitempty"`
	License       []any          `json:"license"`
	URL           string         `json:"url"`
	IsLiveDataset bool           `json:"isLiveDataset"`
	InLanguage    []string       `json:"inLanguage,omitempty"`
	CiteAs        string         `json:"citeAs"`
	Identifier    string         `json:"identifier"`
	Distribution  []FileObject   `json:"distribution"`
	RecordSet     []RecordSet    `json:"recordSet"`

	DataCollection             string   `json:"rai:dataCollection"`
	DataCollectionType         []string `json:"rai:dataCollectionType"`
	DataCollectionTimeframe    []string `json:"rai:dataCollectionTimeframe,omitempty"`
	DataPreprocessingProtocol  []string `json:"rai:dataPreprocessingProtocol"`
	PersonalSensitiveInfo      []string `json:"rai:personalSensitiveInformation"`
	DataAnnotationProtocol     string   `json:"rai:dataAnnotationProtocol,omitempty"`
	DataAnnotationPlatform     []string `json:"rai:dataAnnotationPlatform,omitempty"`
	AnnotatorDemographics      []string `json:"rai:annotatorDemographics,omitempty"`
	DataLimitations            []string `json:"rai:dataLimitations"`
	DataBiases                 []string `json:"rai:dataBiases"`
	DataUseCases               []string `json:"rai:dataUseCases"`
	DataReleaseMaintenancePlan []string `json:"rai:dataReleaseMaintenancePlan"`
}

// FileObject is a cr:FileObject of the distribution.
type FileObject struct {
	Type           string `json:"@type"`
	ID             string `json:"@id"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	ContentURL     string `json:"contentUrl"`
	ContentSize    string `json:"contentSize"`
	EncodingFormat string `json:"encodingFormat"`
	SHA256         string `json:"sha256"`
}

// RecordSet is a cr:RecordSet over one file.
type RecordSet struct {
	Type        string  `json:"@type"`
	ID          string  `json:"@id"`
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Field       []Field `json:"field"`
}

// Field is a cr:Field read from a column of a FileObject.
type Field struct {
	Type        string      `json:"@type"`
	ID          string      `json:"@id"`
	Name        string      `json:"name"`
	Description string      `json:"description,omitempty"`
	DataType    string      `json:"dataType"`
	Source      FieldSource `json:"source"`
}

// FieldSource says where a field's values come from.
type FieldSource struct {
	FileObject map[string]string `json:"fileObject"`
	Extract    map[string]string `json:"extract"`
}

var encodingFormats = map[string]string{
	"jsonl":   "application/jsonlines",
	"parquet": "application/x-parquet",
	"arrow":   "application/vnd.apache.arrow.file",
	"text":    "text/plain",
}

// spdxURL returns the SPDX licence page of a single licence id, or "" for
// an expression or a non-SPDX value.
func spdxURL(lic string) string {
	lic = strings.TrimSpace(lic)
	if lic == "" || strings.ContainsAny(lic, " ()") || strings.EqualFold(lic, "unspecified") ||
		strings.HasPrefix(lic, "LicenseRef-") || lic == "NOASSERTION" || lic == "NONE" {
		return ""
	}
	return "https://spdx.org/licenses/" + lic + ".html"
}

// BuildCroissant returns the Croissant 1.1 card of a version.
func BuildCroissant(v *Version) *Croissant {
	m := v.Manifest
	c := &Croissant{
		Context: croissantContext(), Type: "sc:Dataset", Name: m.Dataset + "@" + m.Version,
		ConformsTo: CroissantConformsTo, Version: m.Version, URL: v.OutputURI, Identifier: m.Digest,
		Description: fmt.Sprintf("Dataset %s version %s checked by prov under policy %s %s (%s): %d distinct admitted records "+
			"(records in %d: admit %d, redact %d, quarantine %d, reject %d) from %d input objects of %d sources. "+
			"The dataset digest is the RFC 6962 Merkle root over the sorted admitted record digests.",
			m.Dataset, m.Version, m.Policy.ID, m.Policy.Version, m.Policy.Digest, m.Records, m.Counts.In, m.Counts.Admit,
			m.Counts.Redact, m.Counts.Quarantine, m.Counts.Reject, len(m.Inputs), len(m.Sources)),
		CiteAs: fmt.Sprintf("%s@%s, dataset digest %s, manifest sha256:%s", m.Dataset, m.Version, m.Digest, v.ManifestSHA256),
	}
	if t := v.sealedAt(); !t.IsZero() {
		c.DatePublished = t.UTC().Format(time.RFC3339)
	}
	if _, langs := v.metricsByPrefix("language_share", "lang:"); len(langs) > 0 {
		c.InLanguage = langs
	}
	c.License = v.croissantLicences()
	c.Distribution = v.croissantFiles()
	c.RecordSet = []RecordSet{
		parquetRecordSet("findings", m.Outputs.Findings.Path, "Findings: one row per rule a record, source or the dataset did not meet, or a fact an auditor should see; PI only by type, offsets and keyed hash.", schemas.Finding{}),
		parquetRecordSet("metrics", m.Outputs.Metrics.Path, "Metrics in long format: metric, dimension, value and the stated absolute error of estimates.", schemas.Metric{}),
	}
	v.fillRAI(c)
	return c
}

func (v *Version) croissantLicences() []any {
	var out []any
	seen := map[string]bool{}
	add := func(x string) {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	for _, s := range v.Manifest.Sources {
		if u := spdxURL(s.Licence); u != "" {
			add(u)
		}
	}
	_, lics := v.metricsByPrefix("licence_records", "")
	for _, l := range lics {
		add(spdxURL(l))
	}
	for _, s := range v.Manifest.Sources {
		if spdxURL(s.Licence) != "" {
			continue
		}
		name := fmt.Sprintf("source %s (%s): legal basis %s", s.ID, s.Channel, s.LegalBasis)
		if s.Licence != "" {
			name += ", licence " + s.Licence
		}
		if src := v.source(s.ID); src != nil && src.Contract != nil {
			k := src.Contract
			name += fmt.Sprintf(", contract %s with %s valid %s to %s, permits training %t", k.ID, k.Counterparty,
				k.ValidFrom.Format(time.DateOnly), k.ValidTo.Format(time.DateOnly), k.PermitsTraining)
		}
		out = append(out, map[string]string{"@type": "sc:CreativeWork", "name": name})
	}
	if out == nil {
		out = []any{}
	}
	return out
}

func (v *Version) croissantFiles() []FileObject {
	m := v.Manifest
	files := []FileObject{{
		Type: "cr:FileObject", ID: "manifest.json", Name: "manifest.json",
		Description: "The version's manifest (" + m.Schema + "); its sha256 is the certificate's subject digest.",
		ContentURL:  v.OutputURI + "/manifest.json", ContentSize: fmt.Sprintf("%d B", v.ManifestSize),
		EncodingFormat: "application/json", SHA256: v.ManifestSHA256,
	}}
	for _, f := range []schemas.FileRef{m.Outputs.Findings, m.Outputs.Metrics, m.Outputs.Duplicates} {
		if f.Path == "" {
			continue
		}
		files = append(files, FileObject{Type: "cr:FileObject", ID: f.Path, Name: f.Path,
			Description: fmt.Sprintf("%d rows", f.Rows), ContentURL: v.OutputURI + "/" + f.Path,
			ContentSize: fmt.Sprintf("%d B", f.Size), EncodingFormat: "application/x-parquet", SHA256: f.SHA256})
	}
	for _, in := range m.Inputs {
		enc := encodingFormats[in.Format]
		if enc == "" {
			enc = "application/octet-stream"
		}
		c := in.Counts
		files = append(files, FileObject{Type: "cr:FileObject", ID: "input/" + in.Key, Name: in.Key,
			Description: fmt.Sprintf("input object of source %s: %d records read, %d admitted, %d redacted, %d quarantined, %d rejected; record root %s",
				in.Source, c.In, c.Admit, c.Redact, c.Quarantine, c.Reject, in.RecordRoot),
			ContentURL: in.URI, ContentSize: fmt.Sprintf("%d B", in.Size), EncodingFormat: enc, SHA256: in.SHA256})
	}
	return files
}

// parquetRecordSet describes the columns of a Parquet file written from
// rows of T, read from T's parquet tags so the card follows the schema.
func parquetRecordSet(id, file, desc string, row any) RecordSet {
	rs := RecordSet{Type: "cr:RecordSet", ID: id, Name: id, Description: desc}
	t := reflect.TypeOf(row)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		col, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
		if col == "" || col == "-" {
			continue
		}
		dt := "sc:Text"
		switch f.Type.Kind() {
		case reflect.Float32, reflect.Float64:
			dt = "sc:Float"
		case reflect.Int, reflect.Int32, reflect.Int64:
			dt = "sc:Integer"
		case reflect.Bool:
			dt = "sc:Boolean"
		}
		rs.Field = append(rs.Field, Field{Type: "cr:Field", ID: id + "/" + col, Name: col, DataType: dt,
			Source: FieldSource{FileObject: map[string]string{"@id": file}, Extract: map[string]string{"column": col}}})
	}
	return rs
}

// collectionType maps a source to the RAI recommended collection types.
func collectionType(s schemas.SourceRef, src *schemas.Source) string {
	switch s.Channel {
	case schemas.ChannelSelfCollected:
		if src != nil && src.Crawler != nil && src.Crawler.UserAgent != "" {
			return "Web Scraping"
		}
		return "Manual Human Curator"
	case schemas.ChannelOpenSource, schemas.ChannelCommercial:
		return "Secondary Data analysis"
	case schemas.ChannelUserInput:
		return "User-generated content data"
	}
	return "Others"
}

// sourceDescription says how one source was acquired, from the registry.
func (v *Version) sourceDescription(s schemas.SourceRef) string {
	d := fmt.Sprintf("%s: channel %s, legal basis %s, %d admitted records (%d bytes)", s.ID, s.Channel, s.LegalBasis, s.Records, s.Bytes)
	src := v.source(s.ID)
	if src == nil {
		return d
	}
	if src.Name != "" {
		d = src.Name + " (" + d + ")"
	}
	switch {
	case src.Crawler != nil:
		d += fmt.Sprintf("; crawled by %s from %s to %s, collection records %s", src.Crawler.UserAgent,
			src.Crawler.From.Format(time.DateOnly), src.Crawler.To.Format(time.DateOnly), src.Crawler.Records)
		if src.Crawler.Signals != "" {
			d += ", opt-out evidence snapshots " + src.Crawler.Signals
		}
	case src.Contract != nil:
		d += fmt.Sprintf("; licensed under contract %s with %s (%s to %s, permits training %t)", src.Contract.ID,
			src.Contract.Counterparty, src.Contract.ValidFrom.Format(time.DateOnly), src.Contract.ValidTo.Format(time.DateOnly), src.Contract.PermitsTraining)
	case src.Licence != "":
		d += "; open licence " + src.Licence
		if src.LicenceEvidence != "" {
			d += " (evidence " + src.LicenceEvidence + ")"
		}
	case src.Generator != "":
		d += "; generated by " + src.Generator
	case src.Authorisation != "":
		d += "; user authorisation records " + src.Authorisation
	}
	return d
}

func (v *Version) fillRAI(c *Croissant) {
	m := v.Manifest
	var coll []string
	types := map[string]bool{}
	for _, s := range m.Sources {
		coll = append(coll, v.sourceDescription(s))
		types[collectionType(s, v.source(s.ID))] = true
		if src := v.source(s.ID); src != nil && src.Crawler != nil {
			c.DataCollectionTimeframe = append(c.DataCollectionTimeframe,
				src.Crawler.From.UTC().Format(time.RFC3339), src.Crawler.To.UTC().Format(time.RFC3339))
		}
	}
	if sy := v.syntheticShare(); sy != nil {
		coll = append(coll, sy.text())
	}
	c.DataCollection = strings.Join(coll, ". ")
	if c.DataCollection == "" {
		c.DataCollection = "no sources recorded"
	}
	for t := range types {
		c.DataCollectionType = append(c.DataCollectionType, t)
	}
	sort.Strings(c.DataCollectionType)
	if c.DataCollectionType == nil {
		c.DataCollectionType = []string{}
	}

	c.DataPreprocessingProtocol = []string{
		"Every record was checked by prov's stages (source legality and opt-out signals, licences, personal information and consent, annotation rules, quality) and given exactly one verdict: admit, redact (PI masked), quarantine or reject; counts reconcile per object and per dataset.",
		fmt.Sprintf("Records in %d: admitted %d, redacted %d, quarantined %d, rejected %d; %d rejected when the version was sealed (blocked or revoked sources, withdrawn consent).",
			m.Counts.In, m.Counts.Admit, m.Counts.Redact, m.Counts.Quarantine, m.Counts.Reject, m.RejectedAtSeal),
	}
	for _, b := range m.Blocked {
		c.DataPreprocessingProtocol = append(c.DataPreprocessingProtocol, fmt.Sprintf("Source %s blocked by %s: none of its records is in the version.", b.Source, b.RuleID))
	}

	pi := v.consentFacet()
	var ents []string
	for _, k := range sortedKeys(pi.Entities) {
		ents = append(ents, fmt.Sprintf("%s %d", k, pi.Entities[k]))
	}
	psi := fmt.Sprintf("Personal information detected (type and count only): %s; share of checked records with PI %.4f. PI is redacted or the record held unless a lawful basis or consent is recorded.",
		orNone(strings.Join(ents, ", ")), pi.RecordsWithPIShare)
	c.PersonalSensitiveInfo = []string{psi}
	for _, r := range pi.Rules {
		c.PersonalSensitiveInfo = append(c.PersonalSensitiveInfo, ruleText(r))
	}

	if ann := v.rules("CN-IM-8.1", "CN-IM-8.2", "CN-IM-8.3", "TC260-5.3-c"); len(ann) > 0 || v.mapsLabels() {
		var parts []string
		if v.Policy != nil && len(v.Policy.Annotation.Rules) > 0 {
			parts = append(parts, "labels follow the versioned rule files "+strings.Join(v.Policy.Annotation.Rules, ", ")+
				fmt.Sprintf(" (agreement %s >= %g, spot-check accuracy >= %g at a spot-check rate of %g, security labels 100 %% reviewed)",
					v.Policy.Annotation.Agreement, v.Policy.Annotation.MinAgreement, v.Policy.Annotation.MinAccuracy, v.Policy.Annotation.SpotCheckRate))
		}
		for _, r := range ann {
			parts = append(parts, ruleText(ruleLines([]schemas.RuleResult{r})[0]))
		}
		c.DataAnnotationProtocol = strings.Join(parts, "; ")
		c.AnnotatorDemographics = []string{"not recorded: the annotator roster holds pseudonymous ids, training and exam dates only"}
	}

	c.DataLimitations = v.limitations()
	c.DataBiases = v.biases()
	c.DataUseCases = []string{fmt.Sprintf("Training generative AI models for %s use, the use the licences were checked against.", m.Use)}
	for _, r := range v.rules("CN-IM-7.2") {
		c.DataUseCases = append(c.DataUseCases, r.Detail)
	}
	c.DataReleaseMaintenancePlan = v.maintenance()
}

func (v *Version) mapsLabels() bool {
	if v.Dataset == nil {
		return false
	}
	return v.Dataset.MapsLabels(v.Sources)
}

func (v *Version) limitations() []string {
	var out []string
	for _, r := range v.Manifest.Rules {
		if !r.Pass {
			out = append(out, "rule not met: "+ruleText(ruleLines([]schemas.RuleResult{r})[0]))
		}
	}
	if q := v.Manifest.Counts.Quarantine; q > 0 {
		out = append(out, fmt.Sprintf("%d records are held in quarantine for review and are not in this version", q))
	}
	for _, m := range v.Metrics {
		if m.Error > 0 {
			out = append(out, fmt.Sprintf("%s (%s) = %.4g is an estimate with absolute error %.2g", m.Metric, m.Dimension, m.Value, m.Error))
		}
	}
	if len(out) == 0 {
		out = append(out, "every rule line of the version passed")
	}
	return out
}

func (v *Version) biases() []string {
	var out []string
	if shares, keys := v.metricsByPrefix("language_share", "lang:"); len(keys) > 0 {
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %.3f", k, shares[k].Value))
		}
		out = append(out, "language shares of admitted records: "+strings.Join(parts, ", "))
	}
	var src []string
	for _, s := range v.Manifest.Sources {
		src = append(src, fmt.Sprintf("%s %d", s.ID, s.Records))
	}
	if len(src) > 0 {
		out = append(out, "admitted records by source: "+strings.Join(src, ", "))
	}
	if t, ok := v.metric("top_source_share", "overall"); ok {
		out = append(out, fmt.Sprintf("largest source holds %.3f of admitted records", t))
	}
	if shares, keys := v.metricsByPrefix("legality.origin_share", ""); len(keys) > 0 {
		var parts []string
		for _, k := range keys {
			parts = append(parts, fmt.Sprintf("%s %.3f", k, shares[k].Value))
		}
		out = append(out, "domestic / foreign origin shares: "+strings.Join(parts, ", "))
	}
	for _, r := range v.rules("TC260-5.1-b", "EU-10.3") {
		out = append(out, ruleText(ruleLines([]schemas.RuleResult{r})[0]))
	}
	if len(out) == 0 {
		out = append(out, "no representation metrics recorded")
	}
	return out
}

func (v *Version) maintenance() []string {
	m := v.Manifest
	out := []string{"Each run seals a new immutable version into an append-only, signed ledger" +
		orEmpty(" (origin "+v.LedgerOrigin+")", v.LedgerOrigin != "") +
		"; a complaint, revoked source or withdrawn consent produces a new version without the affected records and marks the affected certificates revoked."}
	if m.Supersedes != "" {
		out = append(out, "This version supersedes "+m.Dataset+"@"+m.Supersedes+".")
	}
	if v.Ledger != nil && v.Ledger.SupersededBy != "" {
		out = append(out, "This version is superseded by "+m.Dataset+"@"+v.Ledger.SupersededBy+".")
	}
	if c := v.latestCert(); c != nil {
		out = append(out, fmt.Sprintf("Certificate (DSSE envelope sha256:%s, predicate %s) status: %s.", c.EnvelopeSHA256, c.PredicateType, c.Status))
	} else {
		out = append(out, "No certificate is recorded for this version.")
	}
	return out
}

func ruleText(r RuleLine) string {
	mark := "pass"
	if !r.Pass {
		mark = "FAIL"
	}
	scope := ""
	if r.Scope != "" && r.Scope != "dataset" {
		scope = " [" + r.Scope + "]"
	}
	return fmt.Sprintf("%s%s %s: %s", r.RuleID, scope, mark, r.Detail)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func orEmpty(s string, ok bool) string {
	if ok {
		return s
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
