package quality

import (
	"encoding/binary"
	"encoding/json"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// sizes are the size figures of a group of records.
type sizes struct {
	records, bytes, chars, tokens int64
}

func (s *sizes) add(o sizes) {
	s.records += o.records
	s.bytes += o.bytes
	s.chars += o.chars
	s.tokens += o.tokens
}

// sourceStats are the figures kept per source.
type sourceStats struct {
	sizes
	dups *bottomK // exact duplicates inside the source
}

// State is the quality stage's mergeable accumulator. Every figure is an
// integer count, a bounded order-free sample or a fixed histogram, so that
// Merge in any order and grouping gives the same Conclusion.
type State struct {
	cfg *config

	recordsIn int64 // every parsed record the stage saw, whatever its verdict
	total     sizes // admitted records
	modality  map[string]*sizes
	sources   map[string]*sourceStats

	empty, short, invalid, nonLetter, repetitive int64
	lines, dupLines, paras, dupParas             int64
	words, wordChars                             int64

	// langs counts records whose language was declared or decided by
	// script; undecidedLang (key "") counts the others.
	langs map[string]int64

	present [schemas.NumFields]int64 // field present and non-empty

	withURL  int64
	domains  *capped
	labelled int64
	labels   *capped

	lengths hist // characters per admitted record

	sample   *bottomK  // distinct admitted records, with payload
	langHeap *hashHeap // nested language sub-sample bound

	sc        scratch
	keys      keyer
	hostCache map[string]string
}

var _ stages.State = (*State)(nil)

func newState(cfg *config) *State {
	return &State{
		cfg:      cfg,
		modality: map[string]*sizes{},
		sources:  map[string]*sourceStats{},
		langs:    map[string]int64{},
		domains:  newCapped(cfg.domainCap),
		labels:   newCapped(cfg.domainCap),
		sample:   newBottomKSized(cfg.sampleSize),
		langHeap: &hashHeap{k: cfg.langSampleSize},
	}
}

// add accumulates one admitted record.
func (q *State) add(r *schemas.Record) {
	cfg := q.cfg
	text := r.Values[schemas.FieldText]
	ts := scanText(text, &q.sc)
	one := sizes{1, int64(ts.bytes), int64(ts.chars), ts.tokens}
	q.total.add(one)
	mod := cfg.modalityOf(r.Source)
	m := q.modality[mod]
	if m == nil {
		m = &sizes{}
		q.modality[mod] = m
	}
	m.add(one)
	src := q.sources[r.Source]
	if src == nil {
		src = &sourceStats{dups: newBottomK(cfg.sourceSampleSize)}
		q.sources[strings.Clone(r.Source)] = src
	}
	src.add(one)

	// Text health.
	switch {
	case ts.nonSpace == 0:
		q.empty++
	case ts.chars < cfg.minChars:
		q.short++
	}
	if ts.invalid {
		q.invalid++
	}
	if ts.nonSpace > 0 && float64(ts.letters) < cfg.minLetterShare*float64(ts.nonSpace) {
		q.nonLetter++
	}
	if (ts.lineChars > 0 && float64(ts.dupLineChars) > cfg.maxDupLine*float64(ts.lineChars)) ||
		(ts.paraChars > 0 && float64(ts.dupParaChars) > cfg.maxDupPara*float64(ts.paraChars)) {
		q.repetitive++
	}
	q.lines += int64(ts.lines)
	q.dupLines += int64(ts.dupLine)
	q.paras += int64(ts.paras)
	q.dupParas += int64(ts.dupPara)
	q.words += int64(ts.words)
	q.wordChars += int64(ts.wordChars)
	q.lengths[histBin(uint64(ts.chars))]++

	// Completeness.
	for f := schemas.Field(0); f < schemas.NumFields; f++ {
		if r.Has&(1<<f) != 0 && r.Values[f] != "" {
			q.present[f]++
		}
	}

	// Language: declared, else decided by script, else sampled detection.
	lang := cfg.declaredLanguage(r)
	if lang == "" {
		lang = scriptLanguage(&ts)
	}
	if lang != "" {
		lang = cfg.reportedLanguage(lang)
	}
	q.langs[lang]++

	// Diversity of crawled content (EU template 2.3: domains of data
	// crawled and scraped): a URL of a record from a source registered
	// under another channel (an encyclopaedia dump, a licensed corpus)
	// names where its text came from, not what was crawled.
	if u := r.Values[schemas.FieldURL]; u != "" && !cfg.notCrawled[r.Source] {
		if d := q.domainOf(u); d != "" {
			q.withURL++
			q.domains.add(d, 1, int64(ts.bytes))
		}
	}
	if l := r.Values[schemas.FieldLabels]; l != "" {
		q.labelled++
		for _, name := range labelsOf(l) {
			q.labels.add(name, 1, 0)
		}
	}

	// Duplicates and the sampled figures.
	h := mix64(binary.LittleEndian.Uint64(r.Digest[:8]) ^ cfg.seed)
	src.dups.observe(h, "")
	if !cfg.gate.admits(h) {
		// Not in the dataset's bottom-k sample whatever comes next.
		q.sample.saturated = true
	} else if e := q.sample.observe(h, r.Source); e != nil {
		e.digest = r.Digest
		var sig signature
		if minhash(text, cfg.seed, &sig) {
			e.sig = &sig
		}
		e.top2 = float32(topBigramShare(text, &q.sc))
		e.undecided = lang == ""
		// The shared language gate's threshold is the k-th smallest of
		// some of the hashes the states' sub-samples admitted, never below
		// the final sub-sample's bound: every entry of the final
		// sub-sample passes both and has its language.
		if q.langHeap.admit(h) && cfg.langGate.admits(h) && e.undecided {
			e.lang = cfg.detect(text, &ts)
		}
	}
}

// domainOf returns the registrable domain of a URL's host, cached per
// worker.
func (q *State) domainOf(u string) string {
	host := hostOf(u)
	if host == "" {
		return ""
	}
	if d, ok := q.hostCache[host]; ok {
		return d
	}
	d := registrableDomain(host)
	if q.hostCache == nil || len(q.hostCache) >= 4096 {
		q.hostCache = make(map[string]string, 64)
	}
	q.hostCache[strings.Clone(host)] = d
	return d
}

// labelsOf returns the top-level label names of an annotation object:
// `{"labels":[{"label":"x"},...]}` or `{"label":"x"}`. Anything else gives
// none; the annotation stage owns label semantics.
func labelsOf(raw string) []string {
	var a struct {
		Label  json.RawMessage `json:"label"`
		Labels []struct {
			Label json.RawMessage `json:"label"`
		} `json:"labels"`
	}
	if json.Unmarshal([]byte(raw), &a) != nil {
		return nil
	}
	var out []string
	str := func(m json.RawMessage) {
		var s string
		if len(m) > 0 && json.Unmarshal(m, &s) == nil && s != "" {
			out = append(out, s)
		}
	}
	str(a.Label)
	for _, l := range a.Labels {
		str(l.Label)
	}
	return out
}

// Merge folds other (a *State of the same stage settings) into q.
func (q *State) Merge(other stages.State) error {
	o, ok := other.(*State)
	if !ok || o == nil {
		return ErrStateType
	}
	if o.cfg.sampleSize != q.cfg.sampleSize || o.sample.k != q.sample.k || o.langHeap.k != q.langHeap.k {
		return ErrStateSettings
	}
	q.recordsIn += o.recordsIn
	q.total.add(o.total)
	for k, v := range o.modality {
		m := q.modality[k]
		if m == nil {
			m = &sizes{}
			q.modality[k] = m
		}
		m.add(*v)
	}
	for k, v := range o.sources {
		s := q.sources[k]
		if s == nil {
			s = &sourceStats{dups: newBottomK(v.dups.k)}
			q.sources[k] = s
		}
		s.add(v.sizes)
		s.dups.merge(v.dups)
	}
	q.empty += o.empty
	q.short += o.short
	q.invalid += o.invalid
	q.nonLetter += o.nonLetter
	q.repetitive += o.repetitive
	q.lines += o.lines
	q.dupLines += o.dupLines
	q.paras += o.paras
	q.dupParas += o.dupParas
	q.words += o.words
	q.wordChars += o.wordChars
	for k, v := range o.langs {
		q.langs[k] += v
	}
	for i := range q.present {
		q.present[i] += o.present[i]
	}
	q.withURL += o.withURL
	q.domains.merge(o.domains)
	q.labelled += o.labelled
	q.labels.merge(o.labels)
	for i := range q.lengths {
		q.lengths[i] += o.lengths[i]
	}
	q.sample.merge(o.sample)
	q.langHeap.merge(o.langHeap)
	return nil
}
