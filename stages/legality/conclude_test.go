package legality

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	m.Run()
}

// corpus makes n records of source src, harmful of them with a keyword.
func corpus(src, lang string, n, harmful int) []*schemas.Record {
	var out []*schemas.Record
	for i := range n {
		text := fmt.Sprintf("record %d of %s about the weather", i, src)
		if i < harmful {
			text = fmt.Sprintf("record %d mentions a zorblax attack", i)
		}
		kv := []string{"text", text, "language", lang}
		if src == "users" {
			kv = append(kv, "consent", fmt.Sprintf(`{"ref":"CR-%d","granted":true}`, i))
		}
		out = append(out, rec(src, kv...))
	}
	return out
}

// run checks records split over workers in the given order and concludes.
func run(t *testing.T, s *Stage, recs []*schemas.Record, workers int) *stages.Conclusion {
	t.Helper()
	states := make([]stages.State, workers)
	for i := range states {
		states[i] = s.NewState()
	}
	var out stages.Outcome
	for i, r := range recs {
		out.Reset()
		s.Check(r, states[i%workers], &out)
	}
	// Round-trip every worker state through its binary form, as shards do.
	merged := s.NewState()
	for _, st := range states {
		b, err := st.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var back state
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if err := merged.Merge(&back); err != nil {
			t.Fatal(err)
		}
	}
	var c stages.Conclusion
	if err := s.Conclude(merged, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func findRule(c *stages.Conclusion, rule, scope string) *schemas.RuleResult {
	for i := range c.Rules {
		if c.Rules[i].RuleID == rule && c.Rules[i].Scope == scope {
			return &c.Rules[i]
		}
	}
	return nil
}

func TestHarmfulSampling(t *testing.T) {
	s := newTestStage(t, testPolicy()) // sample size 50, threshold 0.05
	var recs []*schemas.Record
	recs = append(recs, corpus("synth", "en", 200, 40)...) // 20 % harmful
	recs = append(recs, corpus("oss", "zh", 200, 2)...)    // 1 %
	c := run(t, s, recs, 1)

	bad := findRule(c, RuleHarmful, "synth")
	if bad == nil || bad.Pass || bad.N != 50 || bad.Figure <= 0.05 {
		t.Fatalf("synth rule = %+v, want failing over n=50", bad)
	}
	if !strings.Contains(bad.Detail, "source synth harmful ratio") || !strings.Contains(bad.Detail, "> 0.05 over n=50") {
		t.Errorf("detail %q", bad.Detail)
	}
	if c.Blocked["synth"] != RuleHarmful {
		t.Errorf("Blocked = %v, want synth blocked by %s", c.Blocked, RuleHarmful)
	}
	if i := slices.IndexFunc(c.Findings, func(f schemas.Finding) bool { return f.Source == "synth" && f.RuleID == RuleHarmful }); i < 0 {
		t.Errorf("no source finding for synth in %+v", c.Findings)
	}
	good := findRule(c, RuleHarmful, "oss")
	if good == nil || !good.Pass || good.N != 50 {
		t.Fatalf("oss rule = %+v, want passing over n=50", good)
	}
	if _, ok := c.Blocked["oss"]; ok {
		t.Error("oss blocked")
	}
	// Fewer records than n: all are sampled.
	c = run(t, s, corpus("users", "zh", 10, 0), 1)
	if r := findRule(c, RuleHarmful, "users"); r == nil || r.N != 10 || !r.Pass {
		t.Errorf("small source rule = %+v", r)
	}
}

// TestConclusionOrderIndependent: any worker split and order concludes
// identically.
func TestConclusionOrderIndependent(t *testing.T) {
	s := newTestStage(t, testPolicy())
	var recs []*schemas.Record
	recs = append(recs, corpus("synth", "en", 300, 30)...)
	recs = append(recs, corpus("oss", "zh", 120, 9)...)
	recs = append(recs, corpus("users", "zh", 80, 0)...)
	want := run(t, s, recs, 1)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, workers := range []int{2, 3, 7} {
		shuffled := slices.Clone(recs)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		got := run(t, s, shuffled, workers)
		if fmt.Sprint(got.Rules) != fmt.Sprint(want.Rules) || fmt.Sprint(got.Metrics) != fmt.Sprint(want.Metrics) || fmt.Sprint(got.Blocked) != fmt.Sprint(want.Blocked) {
			t.Errorf("workers=%d: conclusion differs\n got %v\nwant %v", workers, got.Rules, want.Rules)
		}
	}
}

func TestAutomatedAssessment(t *testing.T) {
	p0 := testPolicy()
	p0.Legality.Harmful.Threshold = 0.5 // keep the source unblocked
	s := newTestStage(t, p0)
	tests := []struct {
		name string
		recs []*schemas.Record
		pass bool
	}{
		{"clean", corpus("oss", "zh", 100, 1), true},
		{"harmful", corpus("oss", "zh", 100, 5), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := run(t, s, tt.recs, 2)
			r := findRule(c, RuleAutomatedAssessment, "dataset")
			if r == nil || r.Pass != tt.pass || r.N != 100 {
				t.Fatalf("rule = %+v, want pass %v over 100", r, tt.pass)
			}
		})
	}
	// Coverage below 100 %: a seeded subset is scored.
	p := testPolicy()
	p.Legality.Assessment.AutomatedCoverage = 0.3
	s2 := newTestStage(t, p)
	c := run(t, s2, corpus("oss", "zh", 1000, 0), 3)
	r := findRule(c, RuleAutomatedAssessment, "dataset")
	if r == nil || r.N < 200 || r.N > 400 || !r.Pass {
		t.Errorf("30 %% coverage rule = %+v", r)
	}
}

func TestDiversity(t *testing.T) {
	s := newTestStage(t, testPolicy())
	var recs []*schemas.Record
	recs = append(recs, corpus("oss", "zh", 20, 0)...)
	recs = append(recs, corpus("users", "zh-Hans", 20, 0)...)
	recs = append(recs, corpus("vendor", "en", 5, 0)...) // quarantined: no fetched_at
	recs = append(recs, corpus("synth", "en", 20, 0)...)
	c := run(t, s, recs, 2)
	if r := findRule(c, RuleDiversity, "zh/text"); r == nil || !r.Pass || r.Figure != 2 {
		t.Errorf("zh/text = %+v, want 2 sources passing", r)
	}
	if r := findRule(c, RuleDiversity, "en/text"); r == nil || r.Pass || r.Figure != 1 {
		t.Errorf("en/text = %+v, want 1 source failing (vendor records were held)", r)
	}
	r := findRule(c, RuleDiversity, "origin")
	if r == nil || !r.Pass || r.Figure < 0.333 || r.Figure > 0.334 {
		t.Errorf("origin = %+v, want domestic share 1/3 (users of oss, users, synth) passing", r)
	}
	// A source blocked for harmful content does not count.
	c = run(t, s, append(corpus("oss", "zh", 20, 0), corpus("users", "zh", 20, 10)...), 1)
	if r := findRule(c, RuleDiversity, "zh/text"); r == nil || r.Pass || r.Figure != 1 {
		t.Errorf("zh/text with users blocked = %+v", r)
	}
}

func TestRecordRuleLines(t *testing.T) {
	s := newTestStage(t, testPolicy())
	c := run(t, s, []*schemas.Record{rec("nowhere", "text", "x"), rec("synth", "text", "y")}, 1)
	r := findRule(c, RuleLawfulSource, "dataset")
	if r == nil || r.Figure != 1 || r.N != 2 {
		t.Errorf("CN-IM-7.1 line = %+v", r)
	}
	for _, rule := range recordRules {
		if findRule(c, rule, "dataset") == nil {
			t.Errorf("no line for %s", rule)
		}
	}
}

func TestNoKeywordLists(t *testing.T) {
	p := testPolicy()
	p.Legality.Harmful.Lists = nil
	s := newTestStage(t, p)
	c := run(t, s, corpus("oss", "zh", 10, 10), 1)
	if r := findRule(c, RuleHarmful, "oss"); r == nil || r.Pass || !strings.Contains(r.Detail, "not assessed") {
		t.Errorf("rule = %+v, want not assessed", r)
	}
	if len(c.Blocked) != 0 {
		t.Errorf("blocked %v without lists", c.Blocked)
	}
}

func TestRecordAction(t *testing.T) {
	p := testPolicy()
	p.Legality.Harmful.RecordAction = "quarantine"
	s := newTestStage(t, p)
	for _, tt := range []struct {
		text string
		want schemas.Verdict
	}{{"a zorblax here", schemas.Quarantine}, {"calm text", schemas.Admit}} {
		var out stages.Outcome
		out.Reset()
		s.Check(rec("synth", "text", tt.text), s.NewState(), &out)
		if out.Verdict != tt.want {
			t.Errorf("%q: verdict %v, want %v", tt.text, out.Verdict, tt.want)
		}
	}
}

func TestSelectAssessmentSample(t *testing.T) {
	var ds []schemas.Digest
	for i := range 500 {
		ds = append(ds, rec("x", "text", fmt.Sprint(i)).Digest)
	}
	a := SelectAssessmentSample(slices.Values(ds), 7, 40)
	rev := slices.Clone(ds)
	slices.Reverse(rev)
	b := SelectAssessmentSample(slices.Values(append(rev, ds[:100]...)), 7, 40) // other order, duplicates
	if len(a) != 40 || !slices.Equal(a, b) {
		t.Fatalf("sample depends on order: %d vs %d items", len(a), len(b))
	}
	if c := SelectAssessmentSample(slices.Values(ds), 8, 40); slices.Equal(a, c) {
		t.Error("a different seed drew the same sample")
	}
	if all := SelectAssessmentSample(slices.Values(ds[:10]), 7, 40); len(all) != 10 {
		t.Errorf("small corpus: %d items, want all 10", len(all))
	}
}

func TestStateBinary(t *testing.T) {
	s := newTestStage(t, testPolicy())
	st := s.NewState()
	var out stages.Outcome
	for _, r := range append(corpus("synth", "en", 80, 9), rec("nowhere", "text", "x")) {
		out.Reset()
		s.Check(r, st, &out)
	}
	b, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var back state
	if err := back.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	b2, _ := back.MarshalBinary()
	if !bytes.Equal(b, b2) {
		t.Error("round trip changed the encoding")
	}
	for _, bad := range [][]byte{nil, []byte("XXXX"), b[:len(b)-1], append(slices.Clone(b), 0)} {
		if err := new(state).UnmarshalBinary(bad); !errors.Is(err, ErrCorruptState) {
			t.Errorf("UnmarshalBinary(%d bytes) err = %v, want ErrCorruptState", len(bad), err)
		}
	}
	if err := st.Merge(nil); !errors.Is(err, ErrStateType) {
		t.Errorf("Merge(nil) = %v, want ErrStateType", err)
	}
}

func FuzzStateUnmarshal(f *testing.F) {
	s := newTestStage(f, testPolicy())
	st := s.NewState()
	var out stages.Outcome
	for _, r := range corpus("synth", "en", 5, 2) {
		out.Reset()
		s.Check(r, st, &out)
	}
	b, _ := st.MarshalBinary()
	f.Add(b)
	f.Add([]byte(stateMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a state
		if err := a.UnmarshalBinary(data); err != nil {
			return
		}
		enc, err := a.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var c state
		if err := c.UnmarshalBinary(enc); err != nil {
			t.Fatalf("re-decoding own encoding: %v", err)
		}
		enc2, _ := c.MarshalBinary()
		if !bytes.Equal(enc, enc2) {
			t.Fatal("encoding not canonical")
		}
	})
}
