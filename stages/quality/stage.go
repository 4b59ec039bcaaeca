package quality

import (
	"context"
	"fmt"
	"slices"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Name is the stage name used in findings.
const Name = "quality"

// config is the resolved, read-only setting of a Stage, shared by its
// states.
type config struct {
	policy           schemas.QualityPolicy
	seed             uint64
	dataset, version string

	sampleSize, sourceSampleSize, langSampleSize int
	domainCap, minChars                          int
	minLetterShare, maxDupLine, maxDupPara       float64
	maxTop2, nearDup                             float64

	languages  map[string]bool // reported by name; empty: all
	model      *trigramModel   // the language identifier's candidate profiles
	modalities map[string]string
	// notCrawled are the registered sources whose channel is not
	// self-collected: their URLs do not count as crawled domains.
	notCrawled map[string]bool
	mapped     []schemas.Field // logical fields the dataset maps
	gate       *sampleGate     // shared by this stage's states; nil in decoded states
	// langGate is gate for the nested language sub-sample: a record whose
	// hash is above the langSampleSize-th smallest any state has put in
	// its sample cannot be in the final sub-sample, so its language need
	// not be identified. Nil in decoded states.
	langGate *sampleGate
}

// modalityOf returns the registered modality of a source ("text" when the
// source or its modality is unknown).
func (c *config) modalityOf(source string) string {
	if m, ok := c.modalities[source]; ok {
		return m
	}
	return "text"
}

// Stage measures the quality metrics of a dataset version (docs/REQUIREMENTS.md
// §5). It never changes a record's verdict; its output is the metrics, the
// rule lines and, for failed limits, dataset-level findings.
type Stage struct {
	cfg *config
}

var (
	_ stages.Stage            = (*Stage)(nil)
	_ stages.ContentDescriber = (*Stage)(nil)
)

// New builds the quality stage from the policy's quality section (defaults
// when env.Policy is nil), the source registry (modalities, languages) and
// the dataset config (which fields are mapped, name and version label).
func New(ctx context.Context, env stages.Env) (*Stage, error) {
	var p schemas.Policy
	if env.Policy != nil {
		p = *env.Policy
	}
	p.ApplyDefaults()
	if env.Policy != nil {
		if err := p.Validate(); err != nil {
			return nil, fmt.Errorf("building quality stage: %w", err)
		}
	}
	qp := p.Quality
	cfg := &config{
		policy:           qp,
		seed:             mix64(p.Seed ^ 0x7175616c69747900), // "quality": the sample key
		sampleSize:       qp.SampleSize,
		sourceSampleSize: min(qp.SampleSize, 4096),
		langSampleSize:   qp.LanguageSampleSize,
		domainCap:        qp.DomainCap,
		minChars:         qp.MinChars,
		minLetterShare:   qp.MinLetterShare,
		maxDupLine:       qp.MaxDupLineShare,
		maxDupPara:       qp.MaxDupParagraphShare,
		maxTop2:          qp.MaxTopBigramShare,
		nearDup:          qp.NearDupThreshold,
		languages:        map[string]bool{},
		modalities:       map[string]string{},
		notCrawled:       map[string]bool{},
	}
	for _, l := range qp.Languages {
		cfg.languages[l] = true
	}
	if env.Sources != nil {
		for _, s := range env.Sources.Sources {
			if s.Modality != "" {
				cfg.modalities[s.ID] = s.Modality
			}
			if s.Channel != "" && s.Channel != schemas.ChannelSelfCollected {
				cfg.notCrawled[s.ID] = true
			}
			if qp.Languages == nil { // [] means none, not the registry's
				for _, l := range s.Languages {
					cfg.languages[l] = true
				}
			}
		}
	}
	cfg.model = detectModel(cfg.languages)
	if env.Dataset != nil {
		cfg.dataset, cfg.version = env.Dataset.Name, env.Dataset.Version
		cfg.mapped = env.Dataset.MappedFields(env.Sources)
	}
	if len(cfg.mapped) == 0 {
		for f := schemas.Field(0); f < schemas.NumFields; f++ {
			if f.Default() {
				cfg.mapped = append(cfg.mapped, f)
			}
		}
	}
	// A field with a completeness limit is measured whether or not the
	// configuration names it (text is read under its own name by default).
	for name := range qp.MinCompleteness {
		if f, ok := schemas.ParseField(name); ok && !slices.Contains(cfg.mapped, f) {
			cfg.mapped = append(cfg.mapped, f)
		}
	}
	slices.Sort(cfg.mapped)
	cfg.gate = newSampleGate(cfg.sampleSize)
	cfg.langGate = newSampleGate(cfg.langSampleSize)
	return &Stage{cfg: cfg}, nil
}

// Name returns "quality".
func (s *Stage) Name() string { return Name }

// DescribesContent marks the quality figures as describing the version's
// admitted content: seal concludes this stage over the final verdicts.
func (s *Stage) DescribesContent() {}

// NewState returns an empty accumulator for one worker or shard.
func (s *Stage) NewState() stages.State { return newState(s.cfg) }

// Check counts every record in records_in and measures the admitted ones
// (out.Verdict.Admitted(): quality runs last). It adds no findings and
// never changes the verdict; it sets out.TextKey of an admitted record
// with a text, which seal groups into exact-duplicate clusters.
func (s *Stage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	q, ok := st.(*State)
	if !ok || q == nil {
		return
	}
	q.recordsIn++
	if !out.Verdict.Admitted() {
		return
	}
	q.add(r)
	if k, ok := q.keys.textKey(r.Values[schemas.FieldText]); ok {
		out.TextKey = k
	}
}
