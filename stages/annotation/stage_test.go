package annotation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

const testSecurityRules = `version: t-v1
task: security
labels:
  - name: ok
    span: forbidden
  - name: refusal
    required_fields: [reason]
    allowed_values: {severity: [low, high]}
    children:
      - name: privacy
        span: required
quality:
  min_annotators: 2
`

const testFunctionalRules = `version: f-v1
task: functional
labels:
  - name: good
  - name: bad
quality:
  spot_check_rate: 0.5
  min_agreement: 0.5
`

const testRoster = `{"id":"a1","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-02"}
{"id":"a2","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-02"}
{"id":"a3","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-06-01"}
{"id":"a4","roles":["annotator"],"trained":"2024-01-01","exam_passed":"2024-01-02","suspended_from":"2024-03-01","suspended_to":"2024-04-01"}
{"id":"r1","roles":["reviewer"],"trained":"2024-01-01","exam_passed":"2024-01-02"}
{"id":"r2","roles":["annotator","reviewer"],"trained":"2024-01-01","exam_passed":"2024-01-02"}
{"id":"r3","roles":["reviewer"],"trained":"2024-01-01","exam_passed":"2024-01-02"}
`

// newTestStage builds a stage over the test rules and roster; edit may
// change the policy section before defaults are applied.
func newTestStage(t testing.TB, mapped bool, edit func(*schemas.AnnotationPolicy)) *Stage {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"sec.yaml": testSecurityRules, "fun.yaml": testFunctionalRules} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pol := &schemas.Policy{ID: "test", Dir: dir, Annotation: schemas.AnnotationPolicy{
		Rules: []string{"sec.yaml", "fun.yaml"}, Roster: "_roster/r.jsonl"}}
	if edit != nil {
		edit(&pol.Annotation)
	}
	pol.ApplyDefaults()
	if err := pol.Validate(); err != nil {
		t.Fatalf("policy: %v", err)
	}
	ds := &schemas.DatasetConfig{Name: "d"}
	if mapped {
		ds.Fields = map[string]schemas.FieldSpec{"labels": {"annotation"}}
	}
	s, err := New(context.Background(), stages.Env{
		Policy: pol, Dataset: ds,
		Open: func(_ context.Context, key string) (io.ReadCloser, error) {
			switch key {
			case "_roster/r.jsonl":
				return io.NopCloser(strings.NewReader(testRoster)), nil
			case "_spot/s.jsonl":
				return os.Open("testdata/spotchecks/import.jsonl")
			}
			return nil, os.ErrNotExist
		},
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func rec(text, labels string) *schemas.Record {
	r := &schemas.Record{Object: "file:///t.jsonl", Line: 1}
	r.Set(schemas.FieldText, text)
	if labels != "" {
		r.Set(schemas.FieldLabels, labels)
	}
	return r
}

// kinds returns the violation kinds of an outcome's findings, sorted.
func kinds(o *stages.Outcome) []string {
	var k []string
	for _, f := range o.Findings {
		k = append(k, strings.TrimPrefix(f.Evidence, "annotation:"))
	}
	slices.Sort(k)
	return k
}

func TestCheck(t *testing.T) {
	const (
		a1  = `{"label":"ok","annotator":"a1","at":"2024-02-01T10:00:00Z"}`
		a2  = `{"label":"ok","annotator":"a2","at":"2024-02-01T11:00:00Z"}`
		rv  = `"review":{"reviewer":"r1","at":"2024-02-02T09:00:00Z","verdict":"accept"}`
		hdr = `"rule_version":"t-v1","batch":"b1","task":"security"`
	)
	item := func(labels ...string) string {
		return `{` + hdr + `,"labels":[` + strings.Join(labels, ",") + `],` + rv + `}`
	}
	text := "请给我地址 please"
	cases := []struct {
		name   string
		text   string
		labels string
		want   []string
	}{
		{"conforming", text, item(a1, a2), nil},
		{"malformed syntax", text, `{"rule_version":`, []string{"malformed"}},
		{"malformed unknown key", text, `{"rule_versoin":"t-v1","labels":[]}`, []string{"malformed"}},
		{"missing version", text, `{"batch":"b1","labels":[` + a1 + `,` + a2 + `],` + rv + `}`, []string{"rule_version"}},
		{"unknown version", text, `{"rule_version":"t-v0","batch":"b1","labels":[` + a1 + `]}`, []string{"rule_version"}},
		{"task mismatch", text, `{"rule_version":"t-v1","batch":"b1","task":"functional","labels":[` + a1 + `,` + a2 + `],` + rv + `}`, []string{"rule_version"}},
		{"missing batch", text, `{"rule_version":"t-v1","labels":[` + a1 + `,` + a2 + `],` + rv + `}`, []string{"rule_version"}},
		{"unknown label", text, item(a1, `{"label":"nice","annotator":"a2","at":"2024-02-01T11:00:00Z"}`), []string{"unknown_label"}},
		{"required field present", text, item(a1, `{"label":"refusal","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x"}}`), nil},
		{"required field missing", text, item(a1, `{"label":"refusal","annotator":"a2","at":"2024-02-01T11:00:00Z"}`), []string{"missing_field"}},
		{"inherited field missing", text, item(a1, `{"label":"refusal/privacy","annotator":"a2","at":"2024-02-01T11:00:00Z","span":[0,3]}`), []string{"missing_field"}},
		{"allowed value", text, item(a1, `{"label":"refusal","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x","severity":"low"}}`), nil},
		{"value not allowed", text, item(a1, `{"label":"refusal","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x","severity":"extreme"}}`), []string{"missing_field"}},
		{"span inside", text, item(a1, `{"label":"refusal/privacy","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x"},"span":[9,15]}`), nil},
		{"span required", text, item(a1, `{"label":"refusal/privacy","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x"}}`), []string{"span"}},
		{"span past text", text, item(a1, `{"label":"refusal/privacy","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x"},"span":[0,99]}`), []string{"span"}},
		{"span splits a character", text, item(a1, `{"label":"refusal/privacy","annotator":"a2","at":"2024-02-01T11:00:00Z","fields":{"reason":"x"},"span":[1,3]}`), []string{"span"}},
		{"span forbidden", text, item(a1, `{"label":"ok","annotator":"a2","at":"2024-02-01T11:00:00Z","span":[0,3]}`), []string{"span"}},
		{"too few annotators", text, item(a1), []string{"too_few_annotators"}},
		{"same annotator twice", text, item(a1, a1), []string{"too_few_annotators"}},
		{"exam after label", text, item(a1, `{"label":"ok","annotator":"a3","at":"2024-03-01T00:00:00Z"}`), []string{"unqualified"}},
		{"exam before label", text, item(a1, `{"label":"ok","annotator":"a3","at":"2024-07-01T00:00:00Z"}`), nil},
		{"suspended", text, item(a1, `{"label":"ok","annotator":"a4","at":"2024-03-15T00:00:00Z"}`), []string{"unqualified"}},
		{"suspension over", text, item(a1, `{"label":"ok","annotator":"a4","at":"2024-04-01T00:00:00Z"}`), nil},
		{"not in roster", text, item(a1, `{"label":"ok","annotator":"x9@example.com","at":"2024-02-01T00:00:00Z"}`), []string{"unqualified"}},
		{"no label time", text, item(a1, `{"label":"ok","annotator":"a2"}`), []string{"unqualified"}},
		{"annotator without role", text, item(a1, `{"label":"ok","annotator":"r3","at":"2024-02-01T00:00:00Z"}`), []string{"unqualified"}},
		{"reviewer without role", text, `{` + hdr + `,"labels":[` + a1 + `,` + a2 + `],"review":{"reviewer":"a3","at":"2024-07-02T00:00:00Z","verdict":"accept"}}`, []string{"unqualified"}},
		{"self review", text, `{` + hdr + `,"labels":[` + a1 + `,{"label":"ok","annotator":"r2","at":"2024-02-01T00:00:00Z"}],"review":{"reviewer":"r2","at":"2024-02-02T00:00:00Z","verdict":"accept"}}`, []string{"self_review", "unreviewed"}},
		{"self review plus independent", text, `{` + hdr + `,"labels":[` + a1 + `,{"label":"ok","annotator":"r2","at":"2024-02-01T00:00:00Z"}],"reviews":[{"reviewer":"r2","at":"2024-02-02T00:00:00Z","verdict":"accept"},{"reviewer":"r1","at":"2024-02-02T00:00:00Z","verdict":"accept"}]}`, []string{"self_review"}},
		{"security unreviewed", text, `{` + hdr + `,"labels":[` + a1 + `,` + a2 + `]}`, []string{"unreviewed"}},
		{"functional unreviewed", text, `{"rule_version":"f-v1","batch":"f1","labels":[{"label":"good","annotator":"a1","at":"2024-02-01T00:00:00Z"}]}`, nil},
		{"review rejected", text, `{` + hdr + `,"labels":[` + a1 + `,` + a2 + `],"review":{"reviewer":"r1","at":"2024-02-02T00:00:00Z","verdict":"reject"}}`, []string{"review_rejected"}},
		{"empty labels list", text, `{` + hdr + `,"labels":[],` + rv + `}`, []string{"unlabelled"}},
		{"no labels field", text, "", []string{"unlabelled"}},
	}
	s := newTestStage(t, true, nil)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var o stages.Outcome
			o.Reset()
			st := s.NewState()
			s.Check(rec(c.text, c.labels), st, &o)
			if got := kinds(&o); !slices.Equal(got, c.want) {
				t.Fatalf("kinds %v, want %v; findings %+v", got, c.want, o.Findings)
			}
			if len(c.want) == 0 && o.Verdict != schemas.Admit {
				t.Fatalf("verdict %s for a conforming item", o.Verdict)
			}
			for _, f := range o.Findings {
				if f.RuleID == "" || f.Stage != Name || f.Message == "" {
					t.Fatalf("incomplete finding %+v", f)
				}
				if strings.Contains(f.Message, "x9@example.com") {
					t.Fatalf("unrostered id in clear: %s", f.Message)
				}
			}
		})
	}
}

func TestCheckVerdictsFollowPolicy(t *testing.T) {
	labels := `{"rule_version":"t-v1","batch":"b1","labels":[{"label":"ok","annotator":"a3","at":"2024-03-01T00:00:00Z"},{"label":"ok","annotator":"a1","at":"2024-03-01T00:00:00Z"}],"review":{"reviewer":"r1","at":"2024-03-02T00:00:00Z","verdict":"accept"}}`
	for _, v := range []string{"admit", "quarantine", "reject"} {
		t.Run(v, func(t *testing.T) {
			s := newTestStage(t, true, func(p *schemas.AnnotationPolicy) { p.Verdicts.Unqualified = v })
			var o stages.Outcome
			o.Reset()
			s.Check(rec("hello", labels), s.NewState(), &o)
			if o.Verdict.String() != v || len(o.Findings) != 1 || o.Findings[0].RuleID != RuleStaff {
				t.Fatalf("verdict %s findings %+v, want %s with one %s finding", o.Verdict, o.Findings, v, RuleStaff)
			}
		})
	}
}

func TestUnlabelledDatasetIsIgnored(t *testing.T) {
	s := newTestStage(t, false, nil)
	st := s.NewState()
	var o stages.Outcome
	o.Reset()
	s.Check(rec("just text", ""), st, &o)
	if len(o.Findings) != 0 || o.Verdict != schemas.Admit {
		t.Fatalf("unlabelled record in an unlabelled dataset got %+v", o)
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Rules)+len(c.Metrics)+len(c.Findings) != 0 {
		t.Fatalf("conclusion for an unlabelled dataset: %+v", c)
	}
}

// checkAll runs labels through the stage on one state and concludes.
func checkAll(t *testing.T, s *Stage, labels []string) *stages.Conclusion {
	t.Helper()
	st := s.NewState()
	for _, l := range labels {
		var o stages.Outcome
		o.Reset()
		s.Check(rec("some text", l), st, &o)
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	return &c
}

func ruleLine(c *stages.Conclusion, rule, scope, word string) (schemas.RuleResult, bool) {
	for _, r := range c.Rules {
		if r.RuleID == rule && r.Scope == scope && strings.Contains(r.Detail, word) {
			return r, true
		}
	}
	return schemas.RuleResult{}, false
}

// funcItem is a functional item labelled good/bad by a1 and a2, optionally
// reviewed by r1 with verdict.
func funcItem(l1, l2, verdict string) string {
	s := `{"rule_version":"f-v1","batch":"f1","labels":[{"label":"` + l1 + `","annotator":"a1","at":"2024-02-01T00:00:00Z"},{"label":"` + l2 + `","annotator":"a2","at":"2024-02-01T00:00:00Z"}]`
	if verdict != "" {
		s += `,"review":{"reviewer":"r1","at":"2024-02-02T00:00:00Z","verdict":"` + verdict + `"}`
	}
	return s + "}"
}

func TestBatchLines(t *testing.T) {
	agreeing := func(n int, verdicts func(i int) string) []string {
		var out []string
		for i := range n {
			l := []string{"good", "bad"}[i%2]
			out = append(out, funcItem(l, l, verdicts(i)))
		}
		return out
	}
	all := func(v string) func(int) string { return func(int) string { return v } }
	cases := []struct {
		name   string
		edit   func(*schemas.AnnotationPolicy)
		labels []string
		rule   string
		word   string
		pass   bool
		gate   bool
	}{
		{"agreement pass", nil, agreeing(12, all("accept")), RuleQuality, "alpha", true, true},
		{"agreement fail", nil, func() []string {
			var out []string
			for i := range 12 {
				out = append(out, funcItem([]string{"good", "bad"}[i%2], []string{"bad", "good", "good"}[i%3], "accept"))
			}
			return out
		}(), RuleQuality, "alpha", false, true},
		{"agreement insufficient", nil, agreeing(3, all("accept")), RuleQuality, "not judged", true, true},
		{"cohen chosen", func(p *schemas.AnnotationPolicy) { p.Agreement = "cohen" }, agreeing(12, all("accept")), RuleQuality, "Cohen's kappa (a1,a2) 1.000", true, true},
		{"fleiss chosen", func(p *schemas.AnnotationPolicy) { p.Agreement = "fleiss" }, agreeing(12, all("accept")), RuleQuality, "Fleiss' kappa (2 raters) 1.000", true, true},
		{"not a gate", func(p *schemas.AnnotationPolicy) { p.Gates = []string{} }, agreeing(12, all("accept")), RuleQuality, "alpha", true, false},
		{"accuracy pass", nil, agreeing(12, all("accept")), RuleQuality, "accuracy", true, true},
		{"accuracy fail", nil, agreeing(12, func(i int) string { return []string{"accept", "reject"}[i%2] }), RuleQuality, "accuracy 0.500 <", false, true},
		{"accuracy wilson lower fails small sample", func(p *schemas.AnnotationPolicy) { p.AccuracyBound = "wilson-lower" },
			agreeing(12, all("accept")), RuleQuality, "Wilson lower bound 0.758 < 0.900", false, true},
		{"spot-check rate met", nil, agreeing(12, func(i int) string { return []string{"accept", ""}[i%2] }), RuleReview, "spot-check rate 0.500 >=", true, false},
		{"spot-check rate short", nil, agreeing(12, func(i int) string { return []string{"accept", "", "", ""}[i%4] }), RuleReview, "spot-check rate 0.250 <", false, false},
		{"no spot check", func(p *schemas.AnnotationPolicy) { p.Gates = []string{"spot_check"} }, agreeing(12, all("")), RuleReview, "spot-check rate 0.000 <", false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newTestStage(t, true, c.edit)
			con := checkAll(t, s, c.labels)
			r, ok := ruleLine(con, c.rule, "batch f-v1/f1", c.word)
			if !ok {
				t.Fatalf("no %s line with %q in %+v", c.rule, c.word, con.Rules)
			}
			if r.Pass != c.pass || r.Gate != c.gate {
				t.Fatalf("pass=%v gate=%v, want %v %v: %s", r.Pass, r.Gate, c.pass, c.gate, r.Detail)
			}
			found := false
			for _, f := range con.Findings {
				found = found || (f.RuleID == c.rule && f.Message == r.Detail)
			}
			if found == c.pass {
				t.Fatalf("dataset finding present=%v for pass=%v", found, c.pass)
			}
		})
	}
}

func TestSecurityCoverageLine(t *testing.T) {
	s := newTestStage(t, true, func(p *schemas.AnnotationPolicy) { p.Gates = []string{"review"} })
	item := func(review bool) string {
		l := `{"rule_version":"t-v1","batch":"b1","labels":[{"label":"ok","annotator":"a1","at":"2024-02-01T00:00:00Z"},{"label":"ok","annotator":"a2","at":"2024-02-01T00:00:00Z"}]`
		if review {
			l += `,"review":{"reviewer":"r1","at":"2024-02-02T00:00:00Z","verdict":"accept"}`
		}
		return l + "}"
	}
	full := checkAll(t, s, []string{item(true), item(true)})
	if r, ok := ruleLine(full, RuleReview, "batch t-v1/b1", "coverage 1.000"); !ok || !r.Pass || !r.Gate {
		t.Fatalf("full coverage line %+v (found %v)", r, ok)
	}
	part := checkAll(t, s, []string{item(true), item(false)})
	if r, ok := ruleLine(part, RuleReview, "batch t-v1/b1", "coverage 0.500 < 1"); !ok || r.Pass {
		t.Fatalf("partial coverage line %+v (found %v)", r, ok)
	}
	if r, ok := ruleLine(part, RuleReview, "dataset", "reviewed 1 of 2"); !ok || r.Pass || !r.Gate {
		t.Fatalf("dataset coverage line %+v (found %v)", r, ok)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("version: x\ntask: security\nlabels:\n  - name: a\n    spam: required\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dup := filepath.Join(dir, "dup.yaml")
	if err := os.WriteFile(dup, []byte(testSecurityRules), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dup2.yaml"), []byte(testSecurityRules), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		rules []string
		check func(error) bool
	}{
		{"missing file", []string{"nope.yaml"}, func(err error) bool { return errors.Is(err, ErrRules) }},
		{"unknown key", []string{"bad.yaml"}, func(err error) bool {
			var ce *schemas.ConfigError
			return errors.As(err, &ce) && ce.Line == 5
		}},
		{"duplicate version", []string{"dup.yaml", "dup2.yaml"}, func(err error) bool { return errors.Is(err, ErrRules) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pol := &schemas.Policy{ID: "t", Dir: dir, Annotation: schemas.AnnotationPolicy{Rules: c.rules}}
			pol.ApplyDefaults()
			_, err := New(context.Background(), stages.Env{Policy: pol})
			if err == nil || !c.check(err) {
				t.Fatalf("New error %v", err)
			}
		})
	}
	t.Run("roster open fails", func(t *testing.T) {
		pol := &schemas.Policy{ID: "t", Annotation: schemas.AnnotationPolicy{Roster: "r.jsonl"}}
		pol.ApplyDefaults()
		_, err := New(context.Background(), stages.Env{Policy: pol, Open: func(context.Context, string) (io.ReadCloser, error) {
			return nil, os.ErrNotExist
		}})
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("New error %v, want ErrNotExist", err)
		}
	})
}

func TestSpotCheckSelected(t *testing.T) {
	n := 0
	for i := range 10000 {
		id := "item-" + string(rune('a'+i%26)) + strings.Repeat("x", i%7) + string(rune('0'+i%10)) + string(rune(i))
		sel := SpotCheckSelected(42, "v", "b", id, 0.1)
		if sel {
			n++
		}
		if SpotCheckSelected(42, "v", "b", id, 0.1) != sel {
			t.Fatal("selection is not deterministic")
		}
	}
	if n < 900 || n > 1100 {
		t.Fatalf("selected %d of 10000 at rate 0.1", n)
	}
	if SpotCheckSelected(1, "v", "b", "x", 0) || !SpotCheckSelected(1, "v", "b", "x", 1) {
		t.Fatal("rates 0 and 1 are not none and all")
	}
}

func TestVerdictOrder(t *testing.T) {
	names := (schemas.AnnotationVerdicts{}).Names()
	if !slices.Equal(names, kindNames[:]) {
		t.Fatalf("policy verdict names %v != stage kinds %v", names, kindNames)
	}
}

func TestImportedSpotChecks(t *testing.T) {
	s := newTestStage(t, true, func(p *schemas.AnnotationPolicy) { p.SpotChecks = "_spot/s.jsonl" })
	st := s.NewState()
	got := map[string][]string{}
	for i := 1; i <= 4; i++ {
		id := fmt.Sprintf("i-%d", i)
		l1 := "a1"
		if i == 3 {
			l1 = "r2" // r2 labelled i-3 and its imported spot check is by r2
		}
		r := rec("text", `{"rule_version":"f-v1","batch":"f1","labels":[{"label":"good","annotator":"`+l1+`","at":"2024-02-01T00:00:00Z"}]}`)
		r.Set(schemas.FieldID, id)
		var o stages.Outcome
		o.Reset()
		s.Check(r, st, &o)
		got[id] = kinds(&o)
	}
	want := map[string][]string{"i-1": nil, "i-2": {"review_rejected"}, "i-3": {"self_review"}, "i-4": nil}
	for id, w := range want {
		if !slices.Equal(got[id], w) {
			t.Errorf("%s: kinds %v, want %v", id, got[id], w)
		}
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	if r, ok := ruleLine(&c, RuleReview, "batch f-v1/f1", "spot-check rate 0.500 >= 0.500 (2 of 4"); !ok || !r.Pass {
		t.Fatalf("spot-check line %+v (found %v) in %+v", r, ok, c.Rules)
	}
	if r, ok := ruleLine(&c, RuleQuality, "batch f-v1/f1", "1 of 2 reviewed items accepted"); !ok || r.Pass {
		t.Fatalf("accuracy line %+v (found %v)", r, ok)
	}
}

func TestParseSpotChecks(t *testing.T) {
	cases := []struct {
		name, in string
		n, line  int
	}{
		{"ok", `{"rule_version":"v","batch":"b","id":"i","reviewer":"r","verdict":"accept"}`, 1, 0},
		{"blank lines", "\n\n" + `{"rule_version":"v","batch":"b","id":"i","reviewer":"r","verdict":"reject"}` + "\n", 1, 0},
		{"no id", `{"rule_version":"v","batch":"b","reviewer":"r","verdict":"accept"}`, 0, 1},
		{"bad verdict", "\n" + `{"rule_version":"v","batch":"b","id":"i","reviewer":"r","verdict":"ok"}`, 0, 2},
		{"unknown key", `{"rule_version":"v","batch":"b","id":"i","reviewer":"r","verdict":"accept","x":1}`, 0, 1},
		{"syntax", `{"rule_version":`, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseSpotChecks(strings.NewReader(c.in), "s.jsonl")
			if c.line == 0 {
				if err != nil || len(got) != c.n {
					t.Fatalf("got %d checks, err %v; want %d", len(got), err, c.n)
				}
				return
			}
			var le *LineError
			if !errors.As(err, &le) || le.Line != c.line || !errors.Is(err, ErrMalformedSpotChecks) {
				t.Fatalf("error %v, want a LineError on line %d", err, c.line)
			}
		})
	}
}

func FuzzParseSpotChecks(f *testing.F) {
	files, _ := filepath.Glob("testdata/spotchecks/*.jsonl")
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checks, err := ParseSpotChecks(bytes.NewReader(data), "s.jsonl")
		if err != nil {
			if !errors.Is(err, ErrMalformedSpotChecks) {
				t.Fatalf("error %v does not wrap ErrMalformedSpotChecks", err)
			}
			return
		}
		for _, c := range checks {
			if c.ID == "" || c.Reviewer == "" || (c.Verdict != schemas.ReviewAccept && c.Verdict != schemas.ReviewReject) {
				t.Fatalf("accepted %+v", c)
			}
		}
	})
}

func TestSpotCheckRate(t *testing.T) {
	s := newTestStage(t, true, nil)
	for _, c := range []struct {
		version string
		rate    float64
		ok      bool
	}{{"f-v1", 0.5, true}, {"t-v1", 1, true}, {"nope", 0, false}} {
		if r, ok := s.SpotCheckRate(c.version); r != c.rate || ok != c.ok {
			t.Errorf("SpotCheckRate(%s) = %v, %v; want %v, %v", c.version, r, ok, c.rate, c.ok)
		}
	}
}
