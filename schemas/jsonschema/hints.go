package jsonschema

import (
	"reflect"
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// opt adds what reflection cannot see to one property's schema: whether
// the loader requires it, the fixed sets and ranges its Validate checks, a
// default the loader (not ApplyDefaults) fills in, a description where the
// Go field has no doc comment, and the rule ID it serves.
type opt func(*Schema)

func required(s *Schema) { s.required = true }

func nonEmpty(s *Schema) { s.MinLength = ptr(1) }

// notBlank: the loader rejects empty or white-space-only strings.
func notBlank(s *Schema) { s.Pattern = `\S` }

func enum[T any](vals ...T) opt {
	return func(s *Schema) {
		s.Enum = nil
		for _, v := range vals {
			s.Enum = append(s.Enum, v)
		}
	}
}

func constant(v any) opt { return func(s *Schema) { s.Const = v } }

func pattern(p string) opt { return func(s *Schema) { s.Pattern = p } }

func minimum(v float64) opt { return func(s *Schema) { s.Minimum = ptr(v) } }

func between(lo, hi float64) opt {
	return func(s *Schema) { s.Minimum, s.Maximum = ptr(lo), ptr(hi) }
}

func minItems(n int) opt { return func(s *Schema) { s.MinItems = ptr(n) } }

func dflt(v any) opt { return func(s *Schema) { s.Default = v } }

func examples(v ...any) opt { return func(s *Schema) { s.Examples = v } }

// desc sets the description when the Go field has no doc comment.
func desc(d string) opt {
	return func(s *Schema) {
		if s.Description == "" {
			s.Description = d
		}
	}
}

// override replaces the field's doc comment (a section label such as
// "open_source" above a group of fields, or a heading shared by several).
func override(d string) opt { return func(s *Schema) { s.Description = d } }

// rule appends the rule IDs a setting serves to its description.
func rule(ids string) opt {
	return func(s *Schema) {
		if s.Description != "" {
			s.Description += "\n\n"
		}
		s.Description += "Rule: " + ids + "."
	}
}

// items applies opts to the schema of an array's elements.
func items(opts ...opt) opt {
	return func(s *Schema) {
		for _, o := range opts {
			o(s.Items)
		}
	}
}

// values applies opts to the schema of a map's values.
func values(opts ...opt) opt {
	return func(s *Schema) {
		v := s.AdditionalProperties.(*Schema)
		for _, o := range opts {
			o(v)
		}
	}
}

// keys restricts a map's keys to a fixed set.
func keys(names ...string) opt {
	return func(s *Schema) { s.PropertyNames = &Schema{Enum: anySlice(names)} }
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// Fixed sets, from the same variables the loader validates against where
// package schemas exports them.
var (
	verdicts           = []string{"admit", "redact", "quarantine", "reject"}
	uses               = []string{schemas.UseCommercial, schemas.UseNonCommercial, schemas.UseAcademic}
	useClasses         = append(append([]string(nil), schemas.UseClassNames()...), "academic")
	workTypes          = []string{"literary", "artistic", "scientific", "code", "other"}
	annotationVerdicts = []string{"admit", "quarantine", "reject"}
	// noSlashSpace is what Validate allows in dataset names and versions.
	noSlashAtSpace = `^[^/@ \t]+$`
)

// hints are keyed "GoType.yaml_key".
var hints = map[string][]opt{
	// prov.yaml
	"Config.version":            {required, constant(1), desc("Format version of this file; must be 1.")},
	"Config.input":              {required, nonEmpty, examples("./corpus", "file:///data/corpora", "s3://training-corpora", "s3://bucket/prefix")},
	"Config.output":             {required, nonEmpty, examples("../out/datasets", "s3://prov-datasets")},
	"Config.ledger":             {required},
	"Config.policy":             {required, nonEmpty},
	"Config.sources":            {required, nonEmpty},
	"Config.workers":            {minimum(0)},
	"Config.datasets":           {required, minItems(1), desc("The datasets this configuration builds; at least one.")},
	"S3Config.region":           {desc("Region sent in signed requests, e.g. us-east-1.")},
	"S3Config.retries":          {dflt(5)},
	"LedgerConfig.dir":          {required, nonEmpty, desc("Directory of the badger ledger (created on first use).")},
	"LedgerConfig.origin":       {dflt("prov.local/ledger")},
	"MetricsConfig.pushgateway": {desc("Prometheus Pushgateway URL the run pushes its metrics to at the end.")},
	"MetricsConfig.textfile":    {desc("File the run writes its metrics to in the Prometheus text format (node_exporter textfile collector).")},
	"DatasetConfig.name":        {required, pattern(noSlashAtSpace), desc("Dataset name: non-empty, no '/', '@' or white space; unique in the file.")},
	"DatasetConfig.version":     {pattern(`^[^/@ \t]*$`)},
	"DatasetConfig.inputs":      {required, minItems(1), desc("The objects of the input store that make the dataset.")},
	"DatasetConfig.fields":      {keys(schemas.FieldNames()...)},
	"DatasetConfig.shape":       {enum(schemas.ShapeNames()...)},
	"InputConfig.fields":        {keys(schemas.FieldNames()...)},
	"InputConfig.shape":         {enum(schemas.ShapeNames()...)},
	"DatasetConfig.use":         {enum(uses...), dflt(schemas.UseCommercial), rule("CN-IM-7.2")},
	"InputConfig.prefix":        {desc("Key prefix in the input store; every object below it is read (keys with a path segment starting with '_' or '.' are not data)."), examples("web/news/", "labels/")},
	"InputConfig.format":        {enum(schemas.Formats...), dflt("auto")},
	"InputConfig.max_line":      {minimum(0), dflt(16 << 20)},
	"Source.fields":             {keys(schemas.FieldNames()...)},
	"Source.shape":              {enum(schemas.ShapeNames()...)},

	// policy.yaml
	"Policy.id":         {required, nonEmpty, desc("Policy id, cited in certificates.")},
	"Policy.version":    {desc("Policy version label, cited in certificates. Quote it (\"2026.10\") so YAML does not read a number.")},
	"Policy.legality":   {desc("Source legality (stage legality, docs/REQUIREMENTS.md §1).")},
	"Policy.licence":    {desc("IP licences (stage licence, docs/REQUIREMENTS.md §2).")},
	"Policy.pii":        {desc("Personal information and consent (stage pii, docs/REQUIREMENTS.md §3).")},
	"Policy.annotation": {desc("Annotation-rule conformance (stage annotation, docs/REQUIREMENTS.md §4).")},
	"Policy.quality":    {desc("Quality metrics and their limits (stage quality, docs/REQUIREMENTS.md §5).")},

	"LegalityPolicy.ai_agents":                {rule("EU-53.1c, DSM-4.3")},
	"LegalityPolicy.missing_evidence":         {enum("quarantine", "reject"), rule("CN-IM-7.1, TC260-5.1-c1..c4")},
	"BlocklistPolicy.sources":                 {items(nonEmpty)},
	"BlocklistPolicy.domains":                 {items(pattern(`^[^/:@ \t]+$`))},
	"LegalityPolicy.blocklist":                {rule("TC260-5.1-a3")},
	"LegalityPolicy.harmful":                  {rule("TC260-5.1-a")},
	"LegalityPolicy.assessment":               {rule("TC260-9.2-a, TC260-9.2-b")},
	"LegalityPolicy.diversity":                {rule("TC260-5.1-b")},
	"HarmfulPolicy.threshold":                 {between(0, 1)},
	"HarmfulPolicy.sample_size":               {minimum(0)},
	"HarmfulPolicy.min_hits":                  {minimum(0)},
	"HarmfulPolicy.record_action":             {enum("none", "quarantine", "reject")},
	"KeywordList.category":                    {required, nonEmpty},
	"KeywordList.file":                        {required, nonEmpty},
	"AssessmentPolicy.automated_coverage":     {between(0, 1)},
	"AssessmentPolicy.min_automated_coverage": {between(0, 1)},
	"AssessmentPolicy.automated_pass":         {between(0, 1)},
	"AssessmentPolicy.manual_sample":          {minimum(0)},
	"AssessmentPolicy.manual_pass":            {between(0, 1)},
	"DiversityPolicy.min_sources":             {minimum(0)},

	"LicencePolicy.accept":              {keys(uses...), values(items(enum(useClasses...))), rule("CN-IM-7.2")},
	"LicencePolicy.on_unaccepted":       {enum("reject", "quarantine"), rule("CN-IM-7.2")},
	"LicencePolicy.on_unspecified":      {enum("reject", "quarantine"), rule("CN-IM-7.2")},
	"LicencePolicy.on_conflict":         {enum("reject", "quarantine", "admit"), rule("TC260-5.2-b2")},
	"LicencePolicy.review_work_types":   {items(enum(workTypes...)), rule("TC260-5.2-b2")},
	"LicencePolicy.on_review_work_type": {enum("finding", "quarantine"), rule("TC260-5.2-b2")},
	"LicencePolicy.basis_channels":      {items(enum(schemas.Channels...))},
	"LicencePolicy.classes":             {values(enum(useClasses...)), examples(map[string]any{"LicenseRef-ImageNet": "academic-only"})},
	"LicencePolicy.scan_bytes":          {minimum(0)},
	"LicencePolicy.no_derivatives":      {enum(useClasses...), rule("CN-IM-7.2")},

	"PIIPolicy.min_score":                {between(0, 1)},
	"PIIPolicy.consent_registry":         {rule("CN-IM-7.3, PIPL-13, PIPL-15/47")},
	"PIIPolicy.consent_registry_columns": {keys(schemas.ConsentColumns...), values(notBlank), rule("CN-IM-7.3, PIPL-13, PIPL-15/47")},
	"PIIPolicy.actions":                  {keys(schemas.PITypes...), values(enum(verdicts...)), rule("CN-IM-7.3, PIPL-13")},
	"PIIPolicy.sensitive":                {items(enum(schemas.PITypes...)), rule("PIPL-28/29")},
	"PIIPolicy.markers":                  {values(items(notBlank)), rule("PIPL-28/29")},
	"PIIPolicy.marker_action":            {enum(verdicts...), rule("PIPL-28/29")},
	"PIIPolicy.guardian_age":             {between(0, 25), rule("PIPL-31")},
	"PIIPolicy.minor_action":             {enum("quarantine", "reject"), rule("PIPL-31")},
	"PIIPolicy.withdrawn_action":         {enum("reject", "quarantine"), rule(schemas.RuleWithdrawn)},

	"AnnotationPolicy.rules":               {items(notBlank), rule("CN-IM-8.1, TC260-5.3-b")},
	"AnnotationPolicy.roster":              {rule("CN-IM-8.3, TC260-5.3-a")},
	"AnnotationPolicy.spot_checks":         {rule("TC260-5.3-c, CN-IM-8.2")},
	"AnnotationPolicy.roster_columns":      {keys(schemas.RosterColumns...), values(notBlank), rule("CN-IM-8.3, TC260-5.3-a")},
	"AnnotationPolicy.spot_check_columns":  {keys(schemas.SpotCheckColumns...), values(notBlank), rule("TC260-5.3-c, CN-IM-8.2")},
	"AnnotationPolicy.min_agreement":       {between(-1, 1), rule("CN-IM-8.2")},
	"AnnotationPolicy.agreement":           {enum(schemas.AnnotationMeasures...), rule("CN-IM-8.2")},
	"AnnotationPolicy.min_agreement_items": {minimum(0), rule("CN-IM-8.2")},
	"AnnotationPolicy.min_accuracy":        {between(0, 1), rule("CN-IM-8.2")},
	"AnnotationPolicy.accuracy_bound":      {enum("point", "wilson-lower"), rule("CN-IM-8.2")},
	"AnnotationPolicy.spot_check_rate":     {between(0, 1), rule("TC260-5.3-c")},
	"AnnotationPolicy.gates":               {items(enum(schemas.AnnotationGates...))},

	"QualityPolicy.languages":               {items(pattern(`^[a-z]{2,3}$`))},
	"QualityPolicy.near_dup_threshold":      {between(0.3, 1)},
	"QualityPolicy.sample_size":             {between(16, 1<<20)},
	"QualityPolicy.language_sample_size":    {between(1, 1<<20)},
	"QualityPolicy.min_chars":               {minimum(0)},
	"QualityPolicy.min_letter_share":        {between(0, 1)},
	"QualityPolicy.max_dup_line_share":      {between(0, 1)},
	"QualityPolicy.max_dup_paragraph_share": {between(0, 1), desc("Gopher repetition threshold: a text whose duplicate paragraphs hold more than this share of it is repetitive.")},
	"QualityPolicy.max_top_bigram_share":    {between(0, 1), desc("Gopher repetition threshold: a text whose most frequent word 2-gram holds more than this share is repetitive.")},
	"QualityPolicy.domain_cap":              {minimum(16)},
	"QualityPolicy.duplicates":              {desc("What seal does with exact duplicates (same text after NFKC, case folding and white-space collapsing, across all sources); every cluster is listed in duplicates.parquet.")},
	"DuplicatesPolicy.action":               {enum(schemas.DupActions...), desc("Action on the non-kept members of an exact-duplicate cluster (the kept member is the first in object order, then line): none lists them only; quarantine or reject sets their verdict, each with a finding."), rule("CN-IM-7.4")},
	"QualityPolicy.max_exact_dup_rate":      {limitDesc("exact_dup_rate", "share of records that are exact duplicates"), rule("CN-IM-7.4")},
	"QualityPolicy.max_near_dup_rate":       {limitDesc("near_dup_rate", "share of distinct records that near-duplicate removal would drop"), rule("CN-IM-7.4")},
	"QualityPolicy.max_empty_rate":          {limitDesc("empty_rate", "share of records with an empty text"), rule("CN-IM-7.4")},
	"QualityPolicy.max_short_rate":          {limitDesc("short_rate", "share of non-empty texts shorter than min_chars"), rule("CN-IM-7.4")},
	"QualityPolicy.max_invalid_utf8_rate":   {limitDesc("invalid_utf8_rate", "share of texts that are not valid UTF-8"), rule("CN-IM-7.4")},
	"QualityPolicy.max_non_letter_rate":     {limitDesc("non_letter_rate", "share of texts below min_letter_share letters"), rule("CN-IM-7.4")},
	"QualityPolicy.max_repetitive_rate":     {limitDesc("repetitive_rate", "share of texts over a Gopher repetition threshold"), rule("CN-IM-7.4")},
	"QualityPolicy.max_top_source_share":    {limitDesc("top_source_share", "share of records from the largest source"), rule("CN-IM-7.4")},
	"QualityPolicy.max_top_domain_share":    {limitDesc("top_domain_share", "share of bytes from the largest registrable domain"), rule("CN-IM-7.4")},
	"QualityPolicy.min_language_share":      {rule("EU-10.3")},
	"QualityPolicy.min_completeness":        {keys(schemas.FieldNames()...), rule("EU-10.3")},

	// sources.yaml
	"Source.id":                 {required, nonEmpty, desc("Source id, unique in the registry; records, inputs and findings cite it.")},
	"Source.name":               {desc("Human-readable name.")},
	"Source.channel":            {required, enum(schemas.Channels...), desc("Acquisition channel; it decides which evidence the source needs."), rule("CN-IM-7.1, TC260-5.1-c1..c4")},
	"Source.legal_basis":        {desc("Legal basis of the acquisition; a source without one holds its records with legality.missing_evidence."), examples("licence", "contract", "consent", "tdm-exception", "own-generation", "own-work", "public-interest"), rule("CN-IM-7.1")},
	"Source.origin":             {enum("domestic", "foreign"), rule("TC260-5.1-b")},
	"Source.languages":          {desc("Languages of the source (ISO 639-1); the default language list of the quality stage.")},
	"Source.modality":           {desc("Modality: text (default), code, image, audio or video; diversity is counted per (language, modality)."), examples("text", "code", "image", "audio", "video")},
	"Source.work_type":          {desc("Kind of work; literary, artistic and scientific works are routed to IP review (licence.review_work_types)."), examples(anySlice(workTypes)...)},
	"Source.licence":            {override("SPDX licence expression of an open_source source."), examples("CC-BY-SA-4.0", "MIT", "Apache-2.0 OR MIT"), rule("TC260-5.1-c1, CN-IM-7.2")},
	"Source.licence_evidence":   {override("URI or sha256 of the licence file (open_source)."), rule("TC260-5.1-c1")},
	"Source.crawler":            {override("Collection record of a self_collected source."), rule("TC260-5.1-c2")},
	"Source.contract":           {override("Contract behind a commercial source."), rule("TC260-5.1-c3")},
	"Source.authorisation":      {override("Reference to the user-authorisation records (user_input)."), rule("TC260-5.1-c4")},
	"Source.generator":          {override("Generator model id (synthetic)."), rule("CN-IM-7.1")},
	"Crawler.user_agent":        {desc("User agent the crawler sent; robots.txt groups are matched against it and records' user_agent must equal it.")},
	"Crawler.from":              {desc("Start of the crawl window.")},
	"Crawler.to":                {desc("End of the crawl window.")},
	"Contract.id":               {desc("Contract reference.")},
	"Contract.counterparty":     {desc("The supplier.")},
	"Contract.valid_from":       {desc("Start of the contract's validity; records fetched outside [valid_from, valid_to] are rejected.")},
	"Contract.valid_to":         {desc("End of the contract's validity.")},
	"Contract.permits_training": {desc("Whether the contract permits training use; false rejects the source's records.")},
	"Contract.reviewed_by":      {desc("Who reviewed the contract (sign-off).")},
	"Contract.reviewed_at":      {desc("When it was reviewed.")},

	"SourceRegistry.sources": {desc("Every registered source.")},

	// annotation rule files
	"AnnotationRules.title":          {desc("What the rules are for (CN-IM-19).")},
	"AnnotationRules.description":    {desc("The instructions given to labellers (CN-IM-19).")},
	"AnnotationRules.version":        {required, pattern(`^[^ \t/]+$`), desc("Rule version that labels cite as rule_version: non-empty, no spaces or '/'.")},
	"AnnotationRules.task":           {required, enum(schemas.TaskFunctional, schemas.TaskSecurity), rule("TC260-5.3-b, TC260-5.3-c")},
	"AnnotationRules.labels":         {required, minItems(1)},
	"AnnotationRules.quality":        {desc("Quality requirements of this rule version; unset fields take the policy's annotation section.")},
	"LabelRule.name":                 {required, pattern(`^[^/ \t]+$`), desc("Label name: non-empty, no spaces or '/', unique among its siblings.")},
	"LabelRule.required_fields":      {items(nonEmpty)},
	"LabelRule.allowed_values":       {values(minItems(1))},
	"LabelRule.span":                 {enum(schemas.SpanRequired, schemas.SpanOptional, schemas.SpanForbidden), dflt(schemas.SpanOptional)},
	"LabelRule.children":             {desc("Child labels; a child's full name is \"<parent>/<child>\".")},
	"AnnotationGoal.min_annotators":  {minimum(0), rule("CN-IM-8.2")},
	"AnnotationGoal.reviewers":       {minimum(0), rule("TC260-5.3-c")},
	"AnnotationGoal.spot_check_rate": {between(0, 1), desc("Share of a functional batch's items that must carry a reviewer verdict."), rule("TC260-5.3-c")},
	"AnnotationGoal.min_accuracy":    {between(0, 1), desc("Spot-check accuracy a batch must reach."), rule("CN-IM-8.2")},
	"AnnotationGoal.min_agreement":   {between(-1, 1), desc("Inter-annotator agreement a batch must reach."), rule("CN-IM-8.2")},
}

// limitDesc describes a scalar quality limit on one metric.
func limitDesc(metric, what string) opt {
	return override("Upper limit on " + metric + " (" + what + "), checked on the admitted records. Left out: not checked.")
}

func init() {
	// Every record-level annotation violation takes admit, quarantine or
	// reject (redact makes no sense for labels).
	t := reflect.TypeFor[schemas.AnnotationVerdicts]()
	for i := 0; i < t.NumField(); i++ {
		key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		hints["AnnotationVerdicts."+key] = append(hints["AnnotationVerdicts."+key], enum(annotationVerdicts...))
	}
	hints["AnnotationPolicy.verdicts"] = append(hints["AnnotationPolicy.verdicts"], rule("CN-IM-8.1, CN-IM-8.2, CN-IM-8.3, TC260-5.3-a..c"))
}
