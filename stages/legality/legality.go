package legality

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Rule IDs this stage cites (docs/REQUIREMENTS.md §1).
const (
	RuleLawfulSource        = "CN-IM-7.1"
	RuleHarmful             = "TC260-5.1-a"
	RuleBlocklist           = "TC260-5.1-a3"
	RuleDiversity           = "TC260-5.1-b"
	RuleOpenSource          = "TC260-5.1-c1"
	RuleSelfCollected       = "TC260-5.1-c2"
	RuleCommercial          = "TC260-5.1-c3"
	RuleUserInput           = "TC260-5.1-c4"
	RuleTDMOptOut           = "EU-53.1c" // with DSM Directive Art. 4(3)
	RuleManualAssessment    = "TC260-9.2-a"
	RuleAutomatedAssessment = "TC260-9.2-b"
)

// recordRules are the rules decided record by record; Conclude reports
// how many findings each raised.
var recordRules = []string{
	RuleLawfulSource, RuleBlocklist, RuleOpenSource, RuleSelfCollected,
	RuleCommercial, RuleUserInput, RuleTDMOptOut,
}

// Name is the stage name used in findings.
const Name = "legality"

// Stage is the source-legality stage. Build it with New; it is safe for
// concurrent use.
type Stage struct {
	pol      schemas.LegalityPolicy
	seed     uint64
	missing  schemas.Verdict
	action   schemas.Verdict // verdict for a harmful record; Admit = none
	sources  map[string]*sourceInfo
	registry *schemas.SourceRegistry
	blocked  map[string]bool // blocked domains, lower-case
	matcher  *Matcher
	lists    []listInfo
	aiTokens []string // productToken of each pol.AIAgents
	// uaToken caches {ua, productToken(ua)} of the last user agent seen:
	// records of a crawl repeat one.
	uaToken atomic.Pointer[[2]string]
	// domains caches checkDomain's reading of recent hosts: a host may
	// sit in either of two slots chosen by a hash of it (hostSlots), so
	// two frequent hosts that share one slot do not evict each other on
	// every record (the bench corpus's www.example.com and
	// forum.example.net did). Records of a crawl come from few hosts, and
	// the public-suffix lookup costs more than the rest of the check.
	domains [256]atomic.Pointer[hostDomain]
}

// hostDomain is a host, its registrable domain and the blocked domain it
// is under ("" for none).
type hostDomain struct{ host, etld1, blocked string }

var _ stages.Stage = (*Stage)(nil)

type sourceInfo struct {
	src      *schemas.Source
	blocked  bool
	problems []problem // source-level findings every record of it gets
	signals  *signalIndex
	crawled  bool   // self-collected web crawl: per-record url/UA/signals
	modality string // "text" by default
	lang     string // the source's only language, or ""
	// groupKeys maps a normalised language of the source (and "und") to
	// its diversity group key lang + "/" + modality, built once.
	groupKeys map[string]string
}

type problem struct {
	rule    string
	verdict schemas.Verdict
	msg     string
}

type listInfo struct {
	category, file, digest string
	n                      int
}

// New builds the stage from the policy's legality section and the source
// registry. It reads the keyword lists (paths relative to the policy file)
// and, for every self-collected source with crawler.signals, the opt-out
// snapshots under that prefix of the input store, once.
func New(ctx context.Context, env stages.Env) (*Stage, error) {
	tmp := schemas.Policy{}
	dir := ""
	if env.Policy != nil {
		tmp.Legality = env.Policy.Legality
		tmp.Seed = env.Policy.Seed
		dir = env.Policy.Dir
	}
	tmp.ApplyDefaults()
	s := &Stage{
		pol:      tmp.Legality,
		seed:     tmp.Seed,
		sources:  map[string]*sourceInfo{},
		registry: env.Sources,
		blocked:  map[string]bool{},
	}
	for _, a := range s.pol.AIAgents {
		s.aiTokens = append(s.aiTokens, productToken(a))
	}
	var err error
	if s.missing, err = schemas.ParseVerdict(s.pol.MissingEvidence); err != nil {
		return nil, fmt.Errorf("building legality stage: %w", err)
	}
	if s.pol.Harmful.RecordAction != "none" {
		if s.action, err = schemas.ParseVerdict(s.pol.Harmful.RecordAction); err != nil {
			return nil, fmt.Errorf("building legality stage: %w", err)
		}
	}
	for _, d := range s.pol.Blocklist.Domains {
		d = strings.Trim(strings.ToLower(d), ".")
		if ps, _ := publicsuffix.PublicSuffix(d); ps == d {
			slog.Warn("blocklist domain is a public suffix and matches no registrable domain", "domain", d)
		}
		s.blocked[d] = true
	}
	if err := s.loadKeywords(dir); err != nil {
		err = env.Policy.FieldErr("legality.harmful.lists", err)
		return nil, err
	}
	if env.Sources == nil {
		return s, nil
	}
	blockedSrc := map[string]bool{}
	for _, id := range s.pol.Blocklist.Sources {
		blockedSrc[id] = true
	}
	indexes := map[string]*signalIndex{}
	for i := range env.Sources.Sources {
		src := &env.Sources.Sources[i]
		info := &sourceInfo{src: src, blocked: blockedSrc[src.ID], modality: src.Modality}
		if info.modality == "" {
			info.modality = "text"
		}
		if len(src.Languages) == 1 {
			info.lang = normLang(src.Languages[0])
		}
		info.groupKeys = map[string]string{"und": "und/" + info.modality}
		for _, l := range src.Languages {
			if l = normLang(l); l != "" {
				info.groupKeys[l] = l + "/" + info.modality
			}
		}
		info.problems = sourceProblems(src, s.missing)
		if c := src.Crawler; src.Channel == schemas.ChannelSelfCollected && c != nil && c.UserAgent != "" {
			info.crawled = true
			if c.Signals != "" {
				prefix := strings.TrimSuffix(c.Signals, "/") + "/"
				ix := indexes[prefix]
				if ix == nil {
					if ix, err = loadSignals(ctx, env, prefix); err != nil {
						return nil, fmt.Errorf("loading opt-out snapshots of source %s: %w", src.ID, err)
					}
					indexes[prefix] = ix
					slog.Info("loaded opt-out snapshots", "source", src.ID, "prefix", prefix, "hosts", len(ix.hosts))
				}
				info.signals = ix
			}
		}
		s.sources[src.ID] = info
	}
	return s, nil
}

func (s *Stage) loadKeywords(dir string) error {
	lists := s.pol.Harmful.Lists
	if len(lists) == 0 {
		return nil
	}
	var cats []string
	catIdx := map[string]int{}
	var kws []Keyword
	for _, l := range lists {
		path := l.File
		if !filepath.IsAbs(path) && dir != "" {
			path = filepath.Join(dir, path)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("reading keyword list %s: %w", path, err)
		}
		words, err := ParseKeywords(strings.NewReader(string(data)))
		if err != nil {
			if pe, ok := err.(*ParseError); ok {
				pe.File = path
			}
			return fmt.Errorf("loading keyword list %s: %w", path, err)
		}
		ci, ok := catIdx[l.Category]
		if !ok {
			ci = len(cats)
			catIdx[l.Category] = ci
			cats = append(cats, l.Category)
		}
		for _, w := range words {
			kws = append(kws, Keyword{Text: w, Category: ci})
		}
		sum := sha256.Sum256(data)
		s.lists = append(s.lists, listInfo{category: l.Category, file: l.File, digest: hex.EncodeToString(sum[:]), n: len(words)})
	}
	m, err := NewMatcher(kws, cats)
	if err != nil {
		return fmt.Errorf("compiling keyword lists: %w", err)
	}
	s.matcher = m
	slog.Info("compiled harmful-content keyword lists", "matcher", m.String())
	return nil
}

// sourceProblems lists what a registered source lacks for its channel.
func sourceProblems(src *schemas.Source, missing schemas.Verdict) []problem {
	var ps []problem
	add := func(rule string, v schemas.Verdict, format string, args ...any) {
		ps = append(ps, problem{rule, v, fmt.Sprintf("source %s: ", src.ID) + fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(src.LegalBasis) == "" {
		add(RuleLawfulSource, missing, "no legal basis registered")
	}
	switch src.Channel {
	case schemas.ChannelOpenSource:
		if src.Licence == "" {
			add(RuleOpenSource, missing, "open-source corpus without a licence expression")
		}
		if src.LicenceEvidence == "" {
			add(RuleOpenSource, missing, "open-source corpus without licence evidence (URI or file digest)")
		}
	case schemas.ChannelSelfCollected:
		c := src.Crawler
		switch {
		case c == nil:
			add(RuleSelfCollected, missing, "self-collected corpus without a collection record (crawler)")
		case c.Records == "":
			add(RuleSelfCollected, missing, "self-collected corpus without the location of its collection records")
		case c.UserAgent != "" && c.Signals == "":
			add(RuleSelfCollected, missing, "web crawl without opt-out snapshots (crawler.signals)")
		}
	case schemas.ChannelCommercial:
		c := src.Contract
		if c == nil || c.ID == "" {
			add(RuleCommercial, missing, "commercial corpus without a contract id")
			break
		}
		if c.Counterparty == "" {
			add(RuleCommercial, missing, "contract %s names no counterparty", c.ID)
		}
		if c.ValidFrom.IsZero() && c.ValidTo.IsZero() {
			add(RuleCommercial, missing, "contract %s has no validity window", c.ID)
		}
		if !c.PermitsTraining {
			add(RuleCommercial, schemas.Reject, "contract %s does not permit training", c.ID)
		}
		if len(c.Commitments) == 0 {
			add(RuleCommercial, missing, "contract %s records no supplier commitments on source, quality and safety", c.ID)
		}
		if c.ReviewedBy == "" || c.ReviewedAt.IsZero() {
			add(RuleCommercial, missing, "contract %s has no review sign-off", c.ID)
		}
	case schemas.ChannelUserInput:
		if src.Authorisation == "" {
			add(RuleUserInput, missing, "user-input corpus without a reference to its user-authorisation records")
		}
	case schemas.ChannelSynthetic:
		if src.Generator == "" {
			add(RuleLawfulSource, missing, "synthetic corpus without a generator model")
		}
	}
	return ps
}

// Name returns "legality".
func (s *Stage) Name() string { return Name }

// NewState returns an empty accumulator.
func (s *Stage) NewState() stages.State { return newState(s.pol.Harmful.SampleSize) }

// checker carries one record through Check.
type checker struct {
	s     *Stage
	r     *schemas.Record
	out   *stages.Outcome
	acc   *state
	src   string
	worst schemas.Verdict
}

func (c *checker) find(rule string, v schemas.Verdict, msg, evidence string) {
	sev := schemas.SeverityWarning
	if v == schemas.Reject {
		sev = schemas.SeverityError
	}
	c.out.Find(v, schemas.Finding{
		RuleID: rule, Stage: Name, Severity: sev,
		RecordDigest: digestOf(c.r).String(), Object: c.r.Object, Locator: c.r.Locator(),
		Source: c.src, Message: msg, Evidence: evidence,
	})
	c.worst = c.worst.Max(v)
	if c.acc != nil {
		c.acc.rules[rule]++
	}
}

// Check judges one record.
func (s *Stage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	acc, _ := st.(*state)
	c := &checker{s: s, r: r, out: out, acc: acc, src: r.Source}
	if acc != nil {
		acc.records++
	}
	info := s.sources[r.Source]
	if info == nil {
		if r.Source == "" {
			c.find(RuleLawfulSource, schemas.Reject, "record maps to no source (no source field and no source for its input)", "")
		} else {
			c.find(RuleLawfulSource, schemas.Reject, fmt.Sprintf("source %s is not in the source registry", r.Source), "source="+r.Source)
		}
		return
	}
	if info.blocked {
		c.find(RuleBlocklist, schemas.Reject, fmt.Sprintf("source %s is on the policy blocklist", r.Source), "legality.blocklist.sources")
	}
	for _, p := range info.problems {
		c.find(p.rule, p.verdict, p.msg, "")
	}
	var u *url.URL
	if raw, ok := r.Get(schemas.FieldURL); ok && raw != "" {
		if pu, err := parseURL(raw); err == nil && pu.Host != "" {
			u = pu
			s.checkDomain(c, pu)
		}
	}
	switch info.src.Channel {
	case schemas.ChannelSelfCollected:
		if info.crawled {
			s.checkCrawl(c, info, u)
		}
	case schemas.ChannelCommercial:
		s.checkContract(c, info)
	case schemas.ChannelUserInput:
		s.checkConsent(c, info)
	}
	s.score(c, info)
}

func (s *Stage) checkDomain(c *checker, u *url.URL) {
	if len(s.blocked) == 0 {
		return
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	i, j := hostSlots(host)
	a, b := &s.domains[i], &s.domains[j]
	d := a.Load()
	if d == nil || d.host != host {
		if d = b.Load(); d == nil || d.host != host {
			d = s.hostDomain(strings.Clone(host))
			// The first slot unless it is taken and the second is free.
			if a.Load() != nil && b.Load() == nil {
				b.Store(d)
			} else {
				a.Store(d)
			}
		}
	}
	if d.blocked != "" {
		c.find(RuleBlocklist, schemas.Reject,
			fmt.Sprintf("source %s: url host %s is under blocked domain %s", c.src, host, d.blocked),
			fmt.Sprintf("host=%s registrable=%s blocked=%s", host, d.etld1, d.blocked))
	}
}

// hostDomain reads a lower-case host: its registrable domain and the
// blocked domain it is under, walking from the host up to its registrable
// domain; never above it, so a public suffix on the blocklist ("com.cn")
// blocks nothing.
func (s *Stage) hostDomain(host string) *hostDomain {
	d := &hostDomain{host: host}
	etld1, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		etld1 = host
	}
	d.etld1 = etld1
	for h := host; ; {
		if s.blocked[h] {
			d.blocked = h
			return d
		}
		if h == etld1 {
			return d
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			return d
		}
		h = h[i+1:]
	}
}

// hostSlots picks a host's two slots in Stage.domains: two bytes of the
// FNV-1a hash of its bytes, mixed.
func hostSlots(host string) (uint8, uint8) {
	h := uint32(2166136261)
	for i := 0; i < len(host); i++ {
		h = (h ^ uint32(host[i])) * 16777619
	}
	h ^= h >> 15
	h *= 0x2C1B3C6D
	h ^= h >> 12
	return uint8(h), uint8(h >> 8)
}

// parseTime reads a fetched_at value: RFC 3339, or a bare date (UTC).
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (s *Stage) checkCrawl(c *checker, info *sourceInfo, u *url.URL) {
	crawler := info.src.Crawler
	raw, hasURL := c.r.Get(schemas.FieldURL)
	switch {
	case !hasURL || raw == "":
		c.find(RuleSelfCollected, s.missing, fmt.Sprintf("source %s: crawled record has no url", c.src), "")
	case u == nil || (u.Scheme != "http" && u.Scheme != "https"):
		c.find(RuleSelfCollected, s.missing, fmt.Sprintf("source %s: crawled record url is not an absolute http(s) URL", c.src), "")
		u = nil
	}
	fetchedRaw, _ := c.r.Get(schemas.FieldFetchedAt)
	fetched, okTime := parseTime(fetchedRaw)
	if !okTime {
		c.find(RuleSelfCollected, s.missing, fmt.Sprintf("source %s: crawled record has no valid fetched_at", c.src), "")
	} else if (!crawler.From.IsZero() && fetched.Before(crawler.From)) || (!crawler.To.IsZero() && fetched.After(crawler.To)) {
		c.find(RuleSelfCollected, s.missing,
			fmt.Sprintf("source %s: record fetched at %s, outside the crawl period %s..%s of its collection record", c.src, fetched.Format(time.RFC3339), fmtTime(crawler.From), fmtTime(crawler.To)), "")
	}
	ua, hasUA := c.r.Get(schemas.FieldUserAgent)
	if !hasUA || strings.TrimSpace(ua) == "" {
		c.find(RuleSelfCollected, s.missing, fmt.Sprintf("source %s: crawled record has no crawler user agent", c.src), "")
		ua = crawler.UserAgent
	}
	if u == nil || !okTime || info.signals == nil {
		return
	}
	s.checkOptOut(c, info, u, fetched, ua)
}

// productToken is productToken(ua), cached for the last ua.
func (s *Stage) productToken(ua string) string {
	if p := s.uaToken.Load(); p != nil && p[0] == ua {
		return p[1]
	}
	tok := productToken(ua)
	s.uaToken.Store(&[2]string{strings.Clone(ua), tok})
	return tok
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func (s *Stage) checkOptOut(c *checker, info *sourceInfo, u *url.URL, fetched time.Time, ua string) {
	host := strings.ToLower(u.Hostname())
	path := urlPath(u)
	npath := normalisePath(path, false) // path is never "" (urlPath)
	uaTok := s.productToken(ua)
	ix := info.signals
	snap := ix.robotsAt(host, fetched)
	if snap == nil {
		c.find(RuleSelfCollected, s.missing,
			fmt.Sprintf("source %s: no robots.txt snapshot of %s at or before the fetch time %s", c.src, host, fetched.Format(time.RFC3339)),
			"signals="+ix.prefix+host+"/")
	} else {
		d := snap.robots.decideToken(uaTok, npath)
		if !d.Allowed {
			c.find(RuleSelfCollected, schemas.Reject,
				fmt.Sprintf("source %s: robots.txt of %s disallows this URL for %s", c.src, host, uaTok),
				fmt.Sprintf("snapshot=%s%s/%s group=%s rule=%q", ix.prefix, host, snap.name, d.Group, d.Rule))
		}
		var agents, rules []string
		for i, a := range s.pol.AIAgents {
			tok := s.aiTokens[i]
			if !snap.robots.hasGroupToken(tok) {
				continue
			}
			if ad := snap.robots.decideToken(tok, npath); !ad.Allowed {
				agents = append(agents, a)
				rules = append(rules, fmt.Sprintf("%s:%q", tok, ad.Rule))
			}
		}
		if len(agents) > 0 {
			c.find(RuleTDMOptOut, schemas.Reject,
				fmt.Sprintf("source %s: robots.txt of %s reserves this URL from AI crawlers %s (TDM opt-out, DSM Art. 4(3))", c.src, host, strings.Join(agents, ", ")),
				fmt.Sprintf("snapshot=%s%s/%s %s", ix.prefix, host, snap.name, strings.Join(rules, " ")))
		}
	}
	file := TDMSignal{Reservation: TDMUnset}
	fileAt := ""
	if ts := ix.tdmAt(host, fetched); ts != nil {
		file = TDMFileSignal(ts.tdm, path)
		fileAt = ts.name
	}
	page, ps := ix.pageAt(host, path, fetched)
	header := layerSignal(page.Headers, "header")
	meta := layerSignal(page.Meta, "meta")
	if res := ResolveTDM(file, header, meta); res.Reservation == TDMReserved {
		at := fileAt
		if res.Layer != "file" && ps != nil {
			at = ps.name
		}
		ev := fmt.Sprintf("layer=%s snapshot=%s%s/%s", res.Layer, ix.prefix, host, at)
		if res.Policy != "" {
			ev += " tdm-policy=" + res.Policy
		}
		c.find(RuleTDMOptOut, schemas.Reject,
			fmt.Sprintf("source %s: TDM rights reserved for this URL of %s by TDMRep %s (tdm-reservation: 1)", c.src, host, res.Layer), ev)
	}
	if ps != nil {
		for _, l := range []struct{ name, value string }{{"X-Robots-Tag", page.Headers["x-robots-tag"]}, {"robots meta", page.Meta["robots"]}} {
			noai, noimageai := NoAI(l.value, ua)
			if noai || noimageai && info.modality == "image" {
				c.find(RuleTDMOptOut, schemas.Reject,
					fmt.Sprintf("source %s: %s of this URL of %s says noai", c.src, l.name, host),
					fmt.Sprintf("snapshot=%s%s/%s %s=%q", ix.prefix, host, ps.name, l.name, l.value))
				break
			}
		}
	}
}

func layerSignal(m map[string]string, layer string) TDMSignal {
	v, ok := m["tdm-reservation"]
	if !ok {
		return TDMSignal{Reservation: TDMUnset}
	}
	sig := TDMSignal{Reservation: ParseTDMValue(v), Policy: m["tdm-policy"], Layer: layer}
	if sig.Reservation == TDMUnset {
		sig.Layer = ""
	}
	return sig
}

func (s *Stage) checkContract(c *checker, info *sourceInfo) {
	ct := info.src.Contract
	if ct == nil || ct.ID == "" {
		return
	}
	raw, _ := c.r.Get(schemas.FieldFetchedAt)
	t, ok := parseTime(raw)
	if !ok {
		c.find(RuleCommercial, s.missing,
			fmt.Sprintf("source %s: record has no valid fetched_at, so it cannot be checked against contract %s", c.src, ct.ID), "")
		return
	}
	if (!ct.ValidFrom.IsZero() && t.Before(ct.ValidFrom)) || (!ct.ValidTo.IsZero() && t.After(ct.ValidTo)) {
		c.find(RuleCommercial, schemas.Reject,
			fmt.Sprintf("source %s: record collected at %s, outside the validity window of contract %s", c.src, t.UTC().Format(time.RFC3339), ct.ID),
			fmt.Sprintf("contract=%s valid_from=%s valid_to=%s", ct.ID, fmtTime(ct.ValidFrom), fmtTime(ct.ValidTo)))
	}
}

func (s *Stage) checkConsent(c *checker, info *sourceInfo) {
	raw, ok := c.r.Get(schemas.FieldConsent)
	v := strings.TrimSpace(raw)
	if !ok || v == "" || v == "null" || v == "{}" {
		c.find(RuleUserInput, s.missing, fmt.Sprintf("source %s: user-input record has no consent/authorisation reference", c.src), "")
		return
	}
	refused := false
	switch schemas.ConsentStatus(strings.Trim(v, `"`)) {
	case schemas.StatusRefused, schemas.StatusWithdrawn:
		refused = true // false, no, refused, withdrawn, revoked, ...
	}
	if v == "0" {
		refused = true
	}
	if strings.HasPrefix(v, "{") {
		// an object prov cannot read says nothing here (the PII stage
		// treats it as no consent)
		o, err := schemas.ReadConsentObject(v)
		refused = refused || (err == nil && o.Refused())
	}
	if refused {
		c.find(RuleUserInput, schemas.Reject, fmt.Sprintf("source %s: the user did not authorise (or withdrew) use of this input", c.src), "")
	}
}

// score runs the automated keyword pass and feeds the harmful sample and
// the diversity counts.
func (s *Stage) score(c *checker, info *sourceInfo) {
	var hits Hits
	if s.matcher != nil {
		hits = s.matcher.Scan(c.r.Text())
	}
	harmful := s.matcher != nil && hits.Count >= s.pol.Harmful.MinHits
	if harmful && s.action != schemas.Admit {
		c.find(RuleHarmful, s.action,
			fmt.Sprintf("source %s: record matched %d harmful-content keywords", c.src, hits.Count),
			"categories="+strings.Join(s.matcher.CategoryNames(hits.Categories), ","))
	}
	if c.acc == nil {
		return
	}
	a := c.acc.source(c.src)
	a.records++
	d := digestOf(c.r)
	if s.matcher != nil {
		if inCoverage(s.seed, d, s.pol.Assessment.AutomatedCoverage) {
			a.scored++
			if harmful {
				a.harmful++
			}
		}
		a.sample.add(sampleItem{key: sampleKey(domainHarmful, s.seed, d), digest: d, harmful: harmful, cats: hits.Categories})
	}
	if c.worst.Admitted() {
		lang := info.lang
		if l, ok := c.r.Get(schemas.FieldLanguage); ok && l != "" {
			lang = normLang(l)
		}
		if lang == "" {
			lang = info.langByScript(c.r.Text())
		}
		if key, ok := info.groupKeys[lang]; ok {
			a.groups[key]++
		} else {
			a.groups[lang+"/"+info.modality]++
		}
	}
}

// normLang reduces a BCP 47 tag to its lower-case primary language subtag.
func normLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}
