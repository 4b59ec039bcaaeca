package export

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/prov-ai/prov/schemas"
)

// SummaryTemplate names the template BuildSummary fills.
const SummaryTemplate = "EU AI Act Art. 53(1)(d): Template for the Public Summary of Training Content (Commission, C(2025) 5235), sections 1-3"

// Size bins of the template's section 1.3, per modality. Text and image bins
// are the template's; the audio and video bins are as we read the template
// and could not be checked against its text (see SizeBins).
var sizeBins = map[string][]string{
	"text":  {"Less than 1 billion tokens", "1 billion to 10 trillion tokens", "More than 10 trillion tokens"},
	"image": {"Less than 1 million images", "1 million to 1 billion images", "More than 1 billion images"},
	"audio": {"Less than 10,000 hours", "10,000 to 10 million hours", "More than 10 million hours"},
	"video": {"Less than 10,000 hours", "10,000 to 1 million hours", "More than 1 million hours"},
}

// SummaryOptions are the facts of section 1 that prov does not know.
type SummaryOptions struct {
	// Provider is the provider's name and contact details.
	Provider string
	// Model is the versioned model name the dataset trains; default
	// "models trained on <dataset>@<version>".
	Model string
}

// Summary is the public summary of training content, sections 1-3. Markdown
// and JSON are both rendered from it.
type Summary struct {
	Template   string            `json:"template"`
	Dataset    string            `json:"dataset"`
	Version    string            `json:"version"`
	Digest     string            `json:"dataset_digest"`
	General    SummaryGeneral    `json:"general_information"`
	Sources    SummarySources    `json:"list_of_data_sources"`
	Processing SummaryProcessing `json:"data_processing"`
}

// SummaryGeneral is section 1.
type SummaryGeneral struct {
	Provider   string            `json:"provider"`
	Model      string            `json:"model"`
	SealedAt   string            `json:"sealed_at,omitempty"`
	Modalities []SummaryModality `json:"modalities"`
	// LatestCollection is the latest date of data collection the source
	// registry records (crawl ends), if any.
	LatestCollection string   `json:"latest_data_collection,omitempty"`
	Notes            []string `json:"notes,omitempty"`
}

// SummaryModality is one row of the table of section 1.3.
type SummaryModality struct {
	Modality string   `json:"modality"`
	Records  int64    `json:"records"`
	Bytes    int64    `json:"bytes"`
	Tokens   int64    `json:"tokens_estimated,omitempty"`
	SizeBin  string   `json:"size_bin"`
	Bins     []string `json:"bins"`
	Sources  []string `json:"sources"`
}

// SummarySources is section 2, by acquisition channel.
type SummarySources struct {
	PublicDatasets []SummarySource `json:"publicly_available_datasets"`
	Licensed       []SummarySource `json:"private_datasets_licensed_from_third_parties"`
	Crawled        SummaryCrawled  `json:"data_crawled_and_scraped"`
	UserData       []SummarySource `json:"user_data"`
	Synthetic      []SummarySource `json:"synthetic_data"`
	// SyntheticShare is section 2.5's statement of AI-generated content in
	// the version (declared-synthetic sources and labelled records).
	SyntheticShare *SummarySynthetic `json:"synthetic_share,omitempty"`
	Other          []SummarySource   `json:"other"`
}

// SummarySource is one source of section 2.
type SummarySource struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	LegalBasis  string `json:"legal_basis"`
	Licence     string `json:"licence,omitempty"`
	Records     int64  `json:"records"`
	Bytes       int64  `json:"bytes"`
	Description string `json:"description"`
}

// SummaryCrawled is section 2.3: crawled sources, crawlers, periods and the
// top 10 % of domains by content size.
type SummaryCrawled struct {
	Sources  []SummarySource  `json:"sources"`
	Crawlers []SummaryCrawler `json:"crawlers"`
	// Domains is the number of registrable domains crawled content came from.
	Domains int64 `json:"domains"`
	// TopDomains are the top 10 % of those domains by admitted bytes.
	TopDomains []SummaryDomain `json:"top_domains"`
	// TopShare is the share of crawled bytes the top domains hold.
	TopShare float64 `json:"top_domains_byte_share"`
	Note     string  `json:"note,omitempty"`
}

// SummaryCrawler is one crawler of section 2.3.
type SummaryCrawler struct {
	Source    string `json:"source"`
	UserAgent string `json:"user_agent"`
	From      string `json:"from"`
	To        string `json:"to"`
}

// SummaryDomain is a crawled domain and its admitted bytes.
type SummaryDomain struct {
	Domain string `json:"domain"`
	Bytes  int64  `json:"bytes"`
}

// SummaryProcessing is section 3.
type SummaryProcessing struct {
	OptOut         SummaryMeasures `json:"tdm_opt_out"`
	IllegalContent SummaryMeasures `json:"illegal_content_removal"`
}

// SummaryMeasures are the measures of one part of section 3 and the
// figures that show they were applied.
type SummaryMeasures struct {
	Measures []string `json:"measures"`
	Figures  []string `json:"figures"`
}

// BuildSummary fills the template from the version.
func BuildSummary(v *Version, opts SummaryOptions) *Summary {
	m := v.Manifest
	s := &Summary{Template: SummaryTemplate, Dataset: m.Dataset, Version: m.Version, Digest: m.Digest}
	g := &s.General
	g.Provider = opts.Provider
	if g.Provider == "" {
		g.Provider = "not stated (pass --provider)"
	}
	g.Model = opts.Model
	if g.Model == "" {
		g.Model = fmt.Sprintf("models trained on %s@%s", m.Dataset, m.Version)
	}
	if t := v.sealedAt(); !t.IsZero() {
		g.SealedAt = t.UTC().Format(time.RFC3339)
	}
	g.Modalities = v.modalities()
	g.Notes = append(g.Notes, "Sizes count the admitted records of this dataset version after processing; tokens are estimated (CJK characters + ceil(words / 4)).",
		"Code is counted with text (the template has no code modality). The audio and video bins are as we read the template; prov measures no durations, so those modalities have no bin.")

	var latest time.Time
	var unused []string
	for _, ref := range m.Sources {
		if ref.Records == 0 {
			// Nothing of this source is in the version (blocked, revoked
			// or every record held back): it is not training content.
			unused = append(unused, ref.ID)
			continue
		}
		src := v.source(ref.ID)
		e := SummarySource{ID: ref.ID, LegalBasis: ref.LegalBasis, Licence: ref.Licence, Records: ref.Records, Bytes: ref.Bytes,
			Description: v.sourceDescription(ref)}
		if src != nil {
			e.Name = src.Name
		}
		ss := &s.Sources
		switch ref.Channel {
		case schemas.ChannelOpenSource:
			ss.PublicDatasets = append(ss.PublicDatasets, e)
		case schemas.ChannelCommercial:
			ss.Licensed = append(ss.Licensed, e)
		case schemas.ChannelSelfCollected:
			ss.Crawled.Sources = append(ss.Crawled.Sources, e)
			if src != nil && src.Crawler != nil {
				c := src.Crawler
				ss.Crawled.Crawlers = append(ss.Crawled.Crawlers, SummaryCrawler{Source: ref.ID, UserAgent: c.UserAgent,
					From: c.From.Format(time.DateOnly), To: c.To.Format(time.DateOnly)})
				if c.To.After(latest) {
					latest = c.To
				}
			}
		case schemas.ChannelUserInput:
			ss.UserData = append(ss.UserData, e)
		case schemas.ChannelSynthetic:
			ss.Synthetic = append(ss.Synthetic, e)
		default:
			ss.Other = append(ss.Other, e)
		}
	}
	if !latest.IsZero() {
		g.LatestCollection = latest.Format(time.DateOnly)
	}
	if len(unused) > 0 {
		g.Notes = append(g.Notes, "Sources read but with no admitted record in this version (blocked, revoked or every record held back), not listed: "+strings.Join(unused, ", ")+".")
	}
	v.crawledDomains(&s.Sources.Crawled)
	s.Sources.SyntheticShare = v.syntheticShare()
	s.Processing = v.processing()
	return s
}

// binOf returns the template bin of a size for a modality, or "".
func binOf(modality string, tokens, records int64) string {
	switch modality {
	case "text":
		switch {
		case tokens < 1e9:
			return sizeBins["text"][0]
		case tokens <= 1e13:
			return sizeBins["text"][1]
		}
		return sizeBins["text"][2]
	case "image":
		switch {
		case records < 1e6:
			return sizeBins["image"][0]
		case records <= 1e9:
			return sizeBins["image"][1]
		}
		return sizeBins["image"][2]
	}
	return ""
}

// modalities builds the section 1.3 rows from the quality metrics per
// modality, else from the manifest's sources.
func (v *Version) modalities() []SummaryModality {
	rows := map[string]*SummaryModality{}
	get := func(mod string) *SummaryModality {
		if mod == "code" || mod == "" {
			mod = "text"
		}
		if rows[mod] == nil {
			rows[mod] = &SummaryModality{Modality: mod, Bins: sizeBins[mod], Sources: []string{}}
			if rows[mod].Bins == nil {
				rows[mod].Bins = []string{}
			}
		}
		return rows[mod]
	}
	recs, keys := v.metricsByPrefix("records", "modality:")
	byts, _ := v.metricsByPrefix("bytes", "modality:")
	toks, _ := v.metricsByPrefix("tokens_est", "modality:")
	for _, k := range keys {
		r := get(k)
		r.Records += int64(recs[k].Value)
		r.Bytes += int64(byts[k].Value)
		r.Tokens += int64(toks[k].Value)
	}
	for _, s := range v.Manifest.Sources {
		if s.Records == 0 {
			continue
		}
		r := get(s.Modality)
		if len(keys) == 0 {
			r.Records += s.Records
			r.Bytes += s.Bytes
		}
		r.Sources = append(r.Sources, s.ID)
	}
	out := make([]SummaryModality, 0, len(rows))
	for _, k := range sortedKeys(rows) {
		r := rows[k]
		r.SizeBin = binOf(r.Modality, r.Tokens, r.Records)
		if r.SizeBin == "" {
			r.SizeBin = "not measured"
		}
		out = append(out, *r)
	}
	return out
}

func (v *Version) crawledDomains(c *SummaryCrawled) {
	if n, ok := v.metric("domains", "overall"); ok {
		c.Domains = int64(n)
	}
	if s, ok := v.metric("top_domains_byte_share", "overall"); ok {
		c.TopShare = s
	}
	doms, _ := v.metricsByPrefix("top_domain_bytes", "domain:")
	for d, m := range doms {
		c.TopDomains = append(c.TopDomains, SummaryDomain{Domain: d, Bytes: int64(m.Value)})
	}
	sort.Slice(c.TopDomains, func(i, j int) bool {
		if c.TopDomains[i].Bytes != c.TopDomains[j].Bytes {
			return c.TopDomains[i].Bytes > c.TopDomains[j].Bytes
		}
		return c.TopDomains[i].Domain < c.TopDomains[j].Domain
	})
	if c.TopDomains == nil {
		c.TopDomains = []SummaryDomain{}
	}
	if rs := v.rules("EU-TPL-2.3"); len(rs) > 0 {
		c.Note = rs[0].Detail
	}
	if c.Crawlers == nil {
		c.Crawlers = []SummaryCrawler{}
	}
}

func (v *Version) processing() SummaryProcessing {
	var p SummaryProcessing
	o := &p.OptOut
	agents := "the AI crawler user agents of the policy"
	if v.Policy != nil && len(v.Policy.Legality.AIAgents) > 0 {
		agents = strings.Join(v.Policy.Legality.AIAgents, ", ")
	}
	o.Measures = []string{
		"robots.txt: the snapshot taken at crawl time is evaluated for the crawler's user agent and for AI crawler groups (" + agents + "); a disallowed URL is a reservation of rights and the record is rejected.",
		"TDMRep (W3C TDM Reservation Protocol): /.well-known/tdmrep.json, the tdm-reservation header and HTML meta, later layers overriding earlier ones; tdm-reservation: 1 rejects the record.",
		"noai / noimageai in robots meta tags and X-Robots-Tag headers reject the record.",
	}
	for _, r := range v.rules("EU-53.1c", "TC260-5.1-c2") {
		o.Figures = append(o.Figures, ruleText(ruleLines([]schemas.RuleResult{r})[0]))
	}
	ic := &p.IllegalContent
	if v.Policy != nil {
		h := v.Policy.Legality.Harmful
		var lists []string
		for _, l := range h.Lists {
			lists = append(lists, l.Category+" ("+l.File+")")
		}
		ic.Measures = append(ic.Measures, fmt.Sprintf("Each source is sampled (seeded, n = %d records or all) and scored with keyword lists per risk category: %s; a source whose harmful ratio exceeds %g is blocked and none of its records is used.",
			h.SampleSize, orNone(strings.Join(lists, ", ")), h.Threshold))
		a := v.Policy.Legality.Assessment
		ic.Measures = append(ic.Measures, fmt.Sprintf("An automated keyword pass covers %g of the corpus (at least %g) and must pass %g of records; a manual review of %d randomly sampled records must pass %g.",
			a.AutomatedCoverage, a.MinAutomatedCoverage, a.AutomatedPass, a.ManualSample, a.ManualPass))
		if b := v.Policy.Legality.Blocklist; len(b.Sources)+len(b.Domains) > 0 {
			ic.Measures = append(ic.Measures, fmt.Sprintf("Blocklist: %d sources and %d domains whose records are rejected.", len(b.Sources), len(b.Domains)))
		}
	} else {
		ic.Measures = append(ic.Measures, "Seeded per-source harmful-content sampling with keyword lists; sources above the threshold are blocked.")
	}
	for _, r := range v.rules("TC260-5.1-a", "TC260-5.1-a3", "TC260-9.2-b", "TC260-9.2-a") {
		ic.Figures = append(ic.Figures, ruleText(ruleLines([]schemas.RuleResult{r})[0]))
	}
	for _, b := range v.Manifest.Blocked {
		ic.Figures = append(ic.Figures, fmt.Sprintf("source %s blocked by %s", b.Source, b.RuleID))
	}
	if o.Figures == nil {
		o.Figures = []string{}
	}
	if ic.Figures == nil {
		ic.Figures = []string{}
	}
	return p
}

// WriteMarkdown renders the summary as Markdown, in the template's order.
func (s *Summary) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	p("# Public summary of training content: %s@%s\n\n", md(s.Dataset), md(s.Version))
	p("_%s. Generated by prov from the sealed dataset version %s._\n\n", md(s.Template), md(s.Digest))
	p("## 1. General information\n\n### 1.1 Provider identification\n\n%s\n\n", md(s.General.Provider))
	p("### 1.2 Model identification\n\n%s\n\n", md(s.General.Model))
	if s.General.SealedAt != "" {
		p("Dataset version sealed: %s\n\n", s.General.SealedAt)
	}
	p("### 1.3 Modalities, overall training data size and other characteristics\n\n")
	p("| Modality | Training data size | Records | Bytes | Tokens (est.) | Sources |\n|---|---|---|---|---|---|\n")
	for _, m := range s.General.Modalities {
		p("| %s | %s | %d | %d | %d | %s |\n", md(m.Modality), md(m.SizeBin), m.Records, m.Bytes, m.Tokens, md(strings.Join(m.Sources, ", ")))
	}
	p("\n")
	for _, m := range s.General.Modalities {
		if len(m.Bins) > 0 {
			p("- %s bins: %s\n", md(m.Modality), md(strings.Join(m.Bins, " / ")))
		}
	}
	if s.General.LatestCollection != "" {
		p("- Latest date of data collection: %s\n", s.General.LatestCollection)
	}
	for _, n := range s.General.Notes {
		p("- %s\n", md(n))
	}
	p("\n## 2. List of data sources\n\n")
	list := func(title string, src []SummarySource) {
		p("### %s\n\n", title)
		if len(src) == 0 {
			p("None.\n\n")
			return
		}
		for _, e := range src {
			p("- %s\n", md(e.Description))
		}
		p("\n")
	}
	list("2.1 Publicly available datasets", s.Sources.PublicDatasets)
	list("2.2 Private non-publicly available datasets obtained from third parties (licensed)", s.Sources.Licensed)
	c := s.Sources.Crawled
	list("2.3 Data crawled and scraped from online sources", c.Sources)
	for _, cr := range c.Crawlers {
		p("- Crawler `%s` (source %s), collection period %s to %s\n", md(cr.UserAgent), md(cr.Source), cr.From, cr.To)
	}
	p("- Registrable domains: %d; the top 10 %% by content size hold %.4f of crawled bytes:\n\n", c.Domains, c.TopShare)
	if len(c.TopDomains) > 0 {
		p("| Domain | Bytes |\n|---|---|\n")
		for _, d := range c.TopDomains {
			p("| %s | %d |\n", md(d.Domain), d.Bytes)
		}
		p("\n")
	}
	if c.Note != "" {
		p("%s\n\n", md(c.Note))
	}
	list("2.4 User data", s.Sources.UserData)
	list("2.5 Synthetic data", s.Sources.Synthetic)
	if sy := s.Sources.SyntheticShare; sy != nil {
		p("%s\n\n", md(sy.text()))
		if len(sy.BySource) > 0 || len(sy.ByProducer) > 0 {
			p("| Source or producer | Synthetic records | Share of all records |\n|---|---|---|\n")
			for _, e := range sy.BySource {
				p("| source %s | %d | %.4f |\n", md(e.Name), e.Records, e.Share)
			}
			for _, e := range sy.ByProducer {
				p("| producer %s | %d | %.4f |\n", md(e.Name), e.Records, e.Share)
			}
			p("\n")
		}
	}
	list("2.6 Other sources of data", s.Sources.Other)
	p("## 3. Data processing aspects\n\n")
	meas := func(title string, m SummaryMeasures) {
		p("### %s\n\n", title)
		for _, x := range m.Measures {
			p("- %s\n", md(x))
		}
		if len(m.Figures) > 0 {
			p("\nFigures for this version:\n\n")
			for _, x := range m.Figures {
				p("- %s\n", md(x))
			}
		}
		p("\n")
	}
	meas("3.1 Respect of reservation of rights from the text and data mining exception (opt-out)", s.Processing.OptOut)
	meas("3.2 Removal of illegal content", s.Processing.IllegalContent)
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("writing summary: %w", err)
	}
	return nil
}

// md escapes the characters that would break a Markdown table or list.
func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
