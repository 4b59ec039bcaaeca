package quality

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

func newTestStage(t testing.TB, qp schemas.QualityPolicy) *Stage {
	t.Helper()
	p := &schemas.Policy{ID: "test", Seed: 42, Quality: qp}
	p.ApplyDefaults()
	s, err := New(context.Background(), stages.Env{
		Policy: p,
		Sources: &schemas.SourceRegistry{Sources: []schemas.Source{
			{ID: "web", Channel: schemas.ChannelSelfCollected, Languages: []string{"zh", "en"}},
			{ID: "books", Channel: schemas.ChannelCommercial, Languages: []string{"en"}},
			{ID: "code", Channel: schemas.ChannelOpenSource, Modality: "code"},
		}},
		Dataset: &schemas.DatasetConfig{Name: "ds", Version: "v1",
			Fields: map[string]schemas.FieldSpec{"text": {"text"}, "id": {"id"}, "url": {"url"}, "labels": {"labels"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mkRecord(id, source, text, url string) *schemas.Record {
	r := &schemas.Record{Object: "file:///x/" + source + ".jsonl", Line: 1, Source: source}
	r.Set(schemas.FieldID, id)
	r.Set(schemas.FieldText, text)
	if url != "" {
		r.Set(schemas.FieldURL, url)
	}
	r.Digest = r.CanonicalDigest()
	return r
}

// run feeds records to one state each per group and merges the groups in
// order into a fresh state.
func run(t testing.TB, s *Stage, groups [][]*schemas.Record, verdict schemas.Verdict) *State {
	t.Helper()
	merged := s.NewState().(*State)
	var out stages.Outcome
	for _, g := range groups {
		st := s.NewState()
		for _, r := range g {
			out.Reset()
			out.Verdict = verdict
			s.Check(r, st, &out)
		}
		if err := merged.Merge(st); err != nil {
			t.Fatal(err)
		}
	}
	return merged
}

func conclude(t testing.TB, s *Stage, st *State) *stages.Conclusion {
	t.Helper()
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func metricOf(c *stages.Conclusion, name, dim string) (schemas.Metric, bool) {
	for _, m := range c.Metrics {
		if m.Metric == name && m.Dimension == dim {
			return m, true
		}
	}
	return schemas.Metric{}, false
}

func mustMetric(t *testing.T, c *stages.Conclusion, name, dim string) schemas.Metric {
	t.Helper()
	m, ok := metricOf(c, name, dim)
	if !ok {
		t.Fatalf("metric %s %s missing", name, dim)
	}
	return m
}

// vocab is 3000 pseudo-words with a Zipf-like draw in randomText, so that
// unrelated texts share few 5-grams, as real ones do.
var vocab = func() []string {
	rng := rand.New(rand.NewPCG(9, 9))
	out := strings.Fields(`the of and to in is was for on that with as by at from`)
	for len(out) < 3000 {
		b := make([]byte, 3+rng.IntN(7))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
		}
		out = append(out, string(b))
	}
	return out
}()

func randomText(rng *rand.Rand, words int) string {
	var b strings.Builder
	for i := 0; i < words; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		if rng.IntN(3) == 0 {
			b.WriteString(vocab[rng.IntN(15)]) // function words
		} else {
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		if rng.IntN(7) == 0 {
			fmt.Fprintf(&b, "%d", rng.IntN(1000))
		}
	}
	return b.String()
}

func TestScanText(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		text                      string
		chars, tokens, words      int
		invalid                   bool
		lines, dupLines, dupParas int
		han, letters              int
	}{
		{"empty", "", 0, 0, 0, false, 0, 0, 0, 0, 0},
		{"ascii", "hello world abcdefgh", 20, 2 + 2 + 2, 3, false, 1, 0, 0, 0, 18},
		{"cjk", "你好，世界", 5, 5, 0, false, 1, 0, 0, 4, 4},
		{"mixed", "AI模型 test", 9, 1 + 2 + 1, 2, false, 1, 0, 0, 2, 8},
		{"invalid", "ab\xffcd", 5, 2, 1, true, 1, 0, 0, 0, 4},
		{"dup lines", "a line\nother\na line\n\na line\nother\na line", 40, 12, 10, false, 6, 4, 1, 0, 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sc scratch
			st := scanText(tc.text, &sc)
			got := []int{st.chars, int(st.tokens), st.words, st.lines, st.dupLine, st.dupPara, st.han, st.letters}
			want := []int{tc.chars, tc.tokens, tc.words, tc.lines, tc.dupLines, tc.dupParas, tc.han, tc.letters}
			if !slices.Equal(got, want) || st.invalid != tc.invalid {
				t.Errorf("chars,tokens,words,lines,dupLines,dupParas,han,letters = %v, want %v (invalid %v)", got, want, st.invalid)
			}
		})
	}
}

// TestExactFigures checks figures on constructed data whose answers are
// known: duplicate rate, entropy, health rates, completeness, languages.
func TestExactFigures(t *testing.T) {
	s := newTestStage(t, schemas.QualityPolicy{})
	var recs []*schemas.Record
	// 40 web records (20 distinct, each twice), 20 books (distinct), 20 code
	// (10 distinct): 80 records, 50 distinct → exact-dup rate 0.375.
	for i := 0; i < 20; i++ {
		txt := fmt.Sprintf("网页文本第%d条，关于天气和交通的新闻报道。", i)
		r := mkRecord(fmt.Sprint("w", i), "web", txt, fmt.Sprintf("https://www.news%d.co.uk/a/%d", i%4, i))
		recs = append(recs, r, r)
	}
	for i := 0; i < 20; i++ {
		recs = append(recs, mkRecord(fmt.Sprint("b", i), "books", fmt.Sprintf("Chapter %d begins with a long walk along the river bank.", i), ""))
	}
	for i := 0; i < 10; i++ {
		r := mkRecord(fmt.Sprint("c", i), "code", "", "")
		recs = append(recs, r, r)
	}
	st := run(t, s, [][]*schemas.Record{recs}, schemas.Admit)
	c := conclude(t, s, st)
	for _, tc := range []struct {
		name, dim string
		want      float64
	}{
		{"records", overall, 80},
		{"records_in", overall, 80},
		{"exact_dup_rate", overall, 1 - 50.0/80},
		{"exact_dup_rate", dimSource + "web", 0.5},
		{"exact_dup_rate", dimSource + "books", 0},
		{"distinct_records", overall, 50},
		{"empty_rate", overall, 20.0 / 80},
		{"source_entropy_bits", overall, 1.5}, // shares 1/2, 1/4, 1/4
		{"top_source_share", overall, 0.5},
		{"domains", overall, 4},
		{"domain_entropy_bits", overall, 2},
		{"top_domain_share", overall, 0.25},
		{"completeness", dimField + "url", 0.5},
		{"completeness", dimField + "text", 60.0 / 80},
		{"language_share", dimLang + "zh", 0.5},
		{"language_share", dimLang + "en", 0.25},
		{"language_share", dimLang + "und", 0.25},
		{"records", dimModality + "code", 20},
		{"eu_tpl_size_bin", dimModality + "text", 0},
	} {
		t.Run(tc.name+"/"+tc.dim, func(t *testing.T) {
			m := mustMetric(t, c, tc.name, tc.dim)
			if math.Abs(m.Value-tc.want) > 1e-12 || m.Error != 0 {
				t.Errorf("%s %s = %v ± %v, want %v exactly", tc.name, tc.dim, m.Value, m.Error, tc.want)
			}
		})
	}
	var top []string
	for _, m := range c.Metrics {
		if m.Metric == "top_domain_bytes" {
			top = append(top, m.Dimension)
		}
	}
	if len(top) != 1 || !strings.HasPrefix(top[0], dimDomain+"news") || !strings.HasSuffix(top[0], ".co.uk") {
		t.Errorf("top 10%% of 4 domains should be one registrable domain under co.uk, got %v", top)
	}
}

func TestNotAdmittedOnlyCounted(t *testing.T) {
	s := newTestStage(t, schemas.QualityPolicy{})
	recs := []*schemas.Record{mkRecord("1", "web", "some text here", "")}
	st := run(t, s, [][]*schemas.Record{recs}, schemas.Reject)
	c := conclude(t, s, st)
	if m := mustMetric(t, c, "records_in", overall); m.Value != 1 {
		t.Errorf("records_in = %v", m.Value)
	}
	if m := mustMetric(t, c, "records", overall); m.Value != 0 {
		t.Errorf("records = %v, want 0 (rejected records are not measured)", m.Value)
	}
}

// editCopy edits words of base until the Jaccard similarity of 5-gram sets
// falls in [lo, hi].
func editCopy(rng *rand.Rand, base string, lo, hi float64) (string, float64) {
	words := strings.Fields(base)
	bs := shingleSet(base)
	for tries := 0; tries < 200; tries++ {
		w := slices.Clone(words)
		target := lo + rng.Float64()*(hi-lo)
		// Each replaced word destroys about 5+len shingles.
		n := 0
		for {
			i := rng.IntN(len(w))
			w[i] = vocab[rng.IntN(len(vocab))] + "x"
			n++
			cand := strings.Join(w, " ")
			j := jaccard(bs, shingleSet(cand))
			if j <= target {
				if j >= lo && j <= hi {
					return cand, j
				}
				break
			}
		}
	}
	return "", 0
}

func shingleSet(s string) map[string]bool {
	r := []rune(strings.ToLower(strings.Join(strings.Fields(s), " ")))
	m := map[string]bool{}
	for i := 0; i+shingleRunes <= len(r); i++ {
		m[string(r[i:i+shingleRunes])] = true
	}
	return m
}

func jaccard(a, b map[string]bool) float64 {
	inter := 0
	for k := range a {
		if b[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

func TestNearDupRecallPrecision(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const pairs, unrelated = 300, 600
	var sigs []*signature
	var texts []string
	for i := 0; i < pairs; i++ {
		base := randomText(rng, 150)
		cp, j := editCopy(rng, base, 0.8, 0.9)
		if cp == "" {
			t.Fatalf("could not make an edited copy at J in [0.8, 0.9]")
		}
		_ = j
		texts = append(texts, base, cp)
	}
	for i := 0; i < unrelated; i++ {
		texts = append(texts, randomText(rng, 150))
	}
	for _, x := range texts {
		var sig signature
		if !minhash(x, 7, &sig) {
			t.Fatal("no signature")
		}
		sigs = append(sigs, &sig)
	}
	root, _ := nearDupClusters(sigs, 0.8)
	tp, fp := 0, 0
	for i := 0; i < pairs; i++ {
		if root[2*i] == root[2*i+1] {
			tp++
		}
	}
	// Every co-clustered pair other than (base, copy) is a false positive.
	size := map[int]int{}
	for _, r := range root {
		size[r]++
	}
	for _, n := range size {
		fp += n * (n - 1) / 2
	}
	fp -= tp
	recall := float64(tp) / pairs
	precision := float64(tp) / float64(tp+fp)
	t.Logf("near-dup recall %.3f precision %.3f (pairs at J 0.8-0.9: %d, unrelated: %d)", recall, precision, pairs, unrelated)
	if recall < 0.9 || precision < 0.9 {
		t.Errorf("recall %.3f precision %.3f, want both >= 0.9", recall, precision)
	}
}

func corpus(rng *rand.Rand, n int) []*schemas.Record {
	var recs []*schemas.Record
	zh := []string{"天气", "新闻", "交通", "学校", "医院", "市场", "河流", "银行", "研究", "疫苗"}
	for i := 0; i < n; i++ {
		var txt, src, url string
		switch i % 4 {
		case 0:
			var b strings.Builder
			for j := 0; j < 60; j++ {
				b.WriteString(zh[rng.IntN(len(zh))])
			}
			txt, src = b.String(), "web"
			url = fmt.Sprintf("https://s%d.site%d.com/p", rng.IntN(3), rng.IntN(40))
		case 1, 2:
			txt, src = randomText(rng, 120), "books"
		default:
			txt, src = fmt.Sprintf("func f%d() {}\nfunc f%d() {}\n", i%50, i%50), "code"
		}
		r := mkRecord(fmt.Sprint(i%(n/2+1)), src, txt, url)
		if i%10 == 0 && len(recs) > 0 {
			r = recs[rng.IntN(len(recs))] // exact duplicate
		}
		if i%17 == 0 && len(recs) > 0 && recs[len(recs)-1].Source == "books" {
			cp, _ := editCopy(rng, recs[len(recs)-1].Text(), 0.8, 0.9)
			if cp != "" {
				r = mkRecord(fmt.Sprint("e", i), "books", cp, "")
			}
		}
		if i%13 == 0 {
			r.Set(schemas.FieldLabels, fmt.Sprintf(`{"labels":[{"label":"l%d"}]}`, i%3))
			r.Digest = r.CanonicalDigest()
		}
		recs = append(recs, r)
	}
	return recs
}

// TestMergeEqualsSingle checks that 1 state and 4 states merged in several
// groupings (and through MarshalBinary) give identical metrics and rules,
// both when the sample holds everything and when it is saturated.
func TestMergeEqualsSingle(t *testing.T) {
	for _, tc := range []struct {
		name string
		qp   schemas.QualityPolicy
	}{
		{"exact", schemas.QualityPolicy{}},
		{"saturated", schemas.QualityPolicy{SampleSize: 64, LanguageSampleSize: 16, DomainCap: 16}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStage(t, tc.qp)
			recs := corpus(rand.New(rand.NewPCG(3, 4)), 2000)
			single := conclude(t, s, run(t, s, [][]*schemas.Record{recs}, schemas.Admit))
			// 4 workers: round robin; 4 shards: contiguous ranges merged via bytes.
			var rr [4][]*schemas.Record
			for i, r := range recs {
				rr[i%4] = append(rr[i%4], r)
			}
			workers := conclude(t, s, run(t, s, rr[:], schemas.Admit))
			q := len(recs) / 4
			var shardStates []*State
			for i := 0; i < 4; i++ {
				st := run(t, s, [][]*schemas.Record{recs[i*q : (i+1)*q]}, schemas.Admit)
				b, err := st.MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				back := s.NewState().(*State)
				if err := back.UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
				shardStates = append(shardStates, back)
			}
			// ((3+1)+(0+2)) grouping.
			a, b := shardStates[3], shardStates[0]
			if err := a.Merge(shardStates[1]); err != nil {
				t.Fatal(err)
			}
			if err := b.Merge(shardStates[2]); err != nil {
				t.Fatal(err)
			}
			if err := a.Merge(b); err != nil {
				t.Fatal(err)
			}
			shards := conclude(t, s, a)
			for name, c := range map[string]*stages.Conclusion{"4 workers": workers, "4 shards": shards} {
				if !slices.Equal(single.Metrics, c.Metrics) {
					for i := range min(len(single.Metrics), len(c.Metrics)) {
						if single.Metrics[i] != c.Metrics[i] {
							t.Errorf("%s: first difference %+v vs %+v", name, single.Metrics[i], c.Metrics[i])
							break
						}
					}
					t.Fatalf("%s: metrics differ from the single run (%d vs %d rows)", name, len(single.Metrics), len(c.Metrics))
				}
				if fmt.Sprint(single.Rules) != fmt.Sprint(c.Rules) {
					t.Errorf("%s: rules differ:\n%v\n%v", name, single.Rules, c.Rules)
				}
			}
			if tc.name == "saturated" {
				if m := mustMetric(t, single, "exact_dup_rate", overall); m.Error == 0 {
					t.Errorf("a saturated sample must state an error, got %+v", m)
				}
			}
		})
	}
}

// TestSampledEstimatesWithinError compares the saturated-sample estimates
// with the exact figures of the same corpus.
func TestSampledEstimatesWithinError(t *testing.T) {
	recs := corpus(rand.New(rand.NewPCG(5, 6)), 6000)
	exact := newTestStage(t, schemas.QualityPolicy{LanguageSampleSize: 16384})
	small := newTestStage(t, schemas.QualityPolicy{SampleSize: 1024, LanguageSampleSize: 256})
	ce := conclude(t, exact, run(t, exact, [][]*schemas.Record{recs}, schemas.Admit))
	cs := conclude(t, small, run(t, small, [][]*schemas.Record{recs}, schemas.Admit))
	for _, tc := range []struct{ name, dim string }{
		{"exact_dup_rate", overall},
		{"distinct_records", overall},
		{"language_share", dimLang + "en"},
		{"top_bigram_rate", overall},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, s := mustMetric(t, ce, tc.name, tc.dim), mustMetric(t, cs, tc.name, tc.dim)
			if e.Error != 0 {
				t.Errorf("full sample should be exact, error %v", e.Error)
			}
			// 95 % error: allow 1.5x to keep the test stable.
			if math.Abs(e.Value-s.Value) > 1.5*s.Error+1e-9 {
				t.Errorf("estimate %v ± %v, exact %v", s.Value, s.Error, e.Value)
			}
		})
	}
}

func TestGates(t *testing.T) {
	qp := schemas.QualityPolicy{
		MaxExactDupRate:  &schemas.QualityLimit{Value: 0.1, Gate: true},
		MaxEmptyRate:     &schemas.QualityLimit{Value: 0.5},
		MinLanguageShare: map[string]schemas.QualityLimit{"en": {Value: 0.9, Gate: false}},
		MinCompleteness:  map[string]schemas.QualityLimit{"url": {Value: 0.1, Gate: true}},
	}
	s := newTestStage(t, qp)
	r := mkRecord("1", "books", "A sentence that is long enough to count as English text.", "")
	st := run(t, s, [][]*schemas.Record{{r, r, r, mkRecord("2", "web", "中文的句子也足够长，可以算作中文文本。", "")}}, schemas.Admit)
	c := conclude(t, s, st)
	want := map[string]struct {
		pass, gate bool
		rule       string
	}{
		"quality.max_exact_dup_rate":    {false, true, RuleQuality},
		"quality.max_empty_rate":        {true, false, RuleQuality},
		"quality.min_language_share.en": {false, false, RuleRepresent},
		"quality.min_completeness.url":  {false, true, RuleRepresent},
	}
	got := map[string]schemas.RuleResult{}
	for _, rr := range c.Rules {
		got[rr.Scope] = rr
	}
	for scope, w := range want {
		t.Run(scope, func(t *testing.T) {
			rr, ok := got[scope]
			if !ok {
				t.Fatalf("no rule line; rules %v", c.Rules)
			}
			if rr.Pass != w.pass || rr.Gate != w.gate || rr.RuleID != w.rule {
				t.Errorf("got %+v, want pass %v gate %v rule %s", rr, w.pass, w.gate, w.rule)
			}
		})
	}
	if got["dataset"].RuleID == "" {
		t.Errorf("summary lines missing")
	}
	var errs int
	for _, f := range c.Findings {
		if f.Severity == schemas.SeverityError {
			errs++
		}
		if f.RuleID == "" || f.Stage != Name {
			t.Errorf("finding without rule/stage: %+v", f)
		}
	}
	if len(c.Findings) != 3 || errs != 2 {
		t.Errorf("want 3 findings (2 gate errors), got %d (%d errors): %+v", len(c.Findings), errs, c.Findings)
	}
	for _, rule := range []string{RuleQuality, RuleRepresent, RuleTplSize, RuleTplDomains} {
		found := false
		for _, rr := range c.Rules {
			found = found || (rr.RuleID == rule && rr.Scope == "dataset")
		}
		if !found {
			t.Errorf("no dataset rule line for %s", rule)
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	var h hist
	for i := 1; i <= 1000; i++ {
		h[histBin(uint64(i))]++
	}
	for _, q := range []float64{0.5, 0.9, 0.99} {
		v, e := h.quantile(q)
		want := q * 1000
		if math.Abs(v-want) > e+1 {
			t.Errorf("p%v = %v ± %v, want %v", q*100, v, e, want)
		}
	}
	for x := uint64(0); x < 5000; x++ {
		lo, hi := histRange(histBin(x))
		if float64(x) < lo || float64(x) > hi {
			t.Fatalf("%d outside its bin [%v, %v]", x, lo, hi)
		}
	}
}

func TestHostAndDomain(t *testing.T) {
	for _, tc := range []struct{ url, host, domain string }{
		{"https://www.Example.co.uk:8443/x?y", "www.example.co.uk", "example.co.uk"},
		{"http://user@news.sina.com.cn/a", "news.sina.com.cn", "sina.com.cn"},
		{"https://[::1]:80/", "::1", "::1"},
		{"//blog.github.io/p", "blog.github.io", "blog.github.io"},
		{"http://10.0.0.1/", "10.0.0.1", "10.0.0.1"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			h := hostOf(tc.url)
			if h != tc.host || registrableDomain(h) != tc.domain {
				t.Errorf("got %q %q, want %q %q", h, registrableDomain(h), tc.host, tc.domain)
			}
		})
	}
}

// TestDemoPolicy loads the demo policy's quality section and builds the
// stage from it.
func TestDemoPolicy(t *testing.T) {
	p, err := schemas.LoadPolicy("../../fixtures/demo/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Quality.MaxExactDupRate == nil || !p.Quality.MaxExactDupRate.Gate {
		t.Errorf("demo policy should gate the exact-duplicate rate: %+v", p.Quality)
	}
	if _, err := New(context.Background(), stages.Env{Policy: p}); err != nil {
		t.Fatal(err)
	}
}

// TestGatesKeepConclusion checks that the stage's shared gates (sample and
// language sub-sample) only skip work: states built with them conclude as
// states built without any gate, object by object (a state each) and in
// one state, with the language sub-sample saturated.
func TestGatesKeepConclusion(t *testing.T) {
	qp := schemas.QualityPolicy{SampleSize: 64, LanguageSampleSize: 16, DomainCap: 16}
	recs := corpus(rand.New(rand.NewPCG(5, 6)), 3000)
	var objects [][]*schemas.Record
	for i := 0; i < len(recs); i += 500 {
		objects = append(objects, recs[i:i+500])
	}
	for name, groups := range map[string][][]*schemas.Record{"one state": {recs}, "a state per object": objects} {
		gated := newTestStage(t, qp)
		plain := newTestStage(t, qp)
		plain.cfg.gate, plain.cfg.langGate = nil, nil
		want := conclude(t, plain, run(t, plain, groups, schemas.Admit))
		got := conclude(t, gated, run(t, gated, groups, schemas.Admit))
		if m := mustMetric(t, want, "language_detected_sample", overall); m.Value == 0 {
			t.Fatalf("%s: no language identified: the test tests nothing", name)
		}
		if !slices.Equal(got.Metrics, want.Metrics) {
			t.Errorf("%s: metrics with the gates differ from those without:\n%v\n%v", name, got.Metrics, want.Metrics)
		}
		if fmt.Sprint(got.Rules) != fmt.Sprint(want.Rules) {
			t.Errorf("%s: rules differ:\n%v\n%v", name, got.Rules, want.Rules)
		}
	}
}
