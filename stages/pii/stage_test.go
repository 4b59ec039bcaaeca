package pii

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

func testKey(kind, value string) string {
	m := hmac.New(sha256.New, []byte("test-secret"))
	m.Write([]byte(kind + "\x00" + value))
	return hex.EncodeToString(m.Sum(nil))
}

const registryJSONL = `{"subject_id":"u-sep","scopes":["training"],"type":"separate","granted_at":"2024-01-01T00:00:00Z"}
{"subject_id":"u-gone","scopes":["training"],"type":"general","granted_at":"2024-01-01T00:00:00Z","withdrawn_at":"2024-10-01T00:00:00Z"}
{"subject_id":"u-later","scopes":["training"],"type":"general","granted_at":"2024-01-01T00:00:00Z","withdrawn_at":"2099-01-01T00:00:00Z"}
{"subject_id":"u-kid","scopes":["training"],"type":"guardian","granted_at":"2024-01-01T00:00:00Z"}
`

func newTestStage(t *testing.T, edit func(*schemas.PIIPolicy)) *Stage {
	t.Helper()
	pol := &schemas.Policy{ID: "test"}
	pol.PII.ConsentRegistry = "consent-registry/consents.jsonl"
	if edit != nil {
		edit(&pol.PII)
	}
	pol.ApplyDefaults()
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	env := stages.Env{
		Policy: pol,
		Sources: &schemas.SourceRegistry{Sources: []schemas.Source{
			{ID: "public-forum", Channel: schemas.ChannelSelfCollected, PIBasis: "public-disclosure"},
			{ID: "chats", Channel: schemas.ChannelUserInput},
		}},
		Open: func(_ context.Context, key string) (io.ReadCloser, error) {
			if key != "consent-registry/consents.jsonl" {
				return nil, errors.New("no such object")
			}
			return io.NopCloser(strings.NewReader(registryJSONL)), nil
		},
		SubjectKey: testKey,
	}
	s, err := New(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	s.now = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return s
}

type rec struct {
	text, subject, consent, source, fetched string
}

func (r rec) record() *schemas.Record {
	var x schemas.Record
	x.Object = "file:///corpus/users/chats.jsonl"
	x.Line = 1
	x.Source = r.source
	if x.Source == "" {
		x.Source = "chats"
	}
	x.Set(schemas.FieldText, r.text)
	if r.subject != "" {
		x.Set(schemas.FieldSubject, r.subject)
	}
	if r.consent != "" {
		x.Set(schemas.FieldConsent, r.consent)
	}
	if r.fetched != "" {
		x.Set(schemas.FieldFetchedAt, r.fetched)
	}
	return &x
}

const (
	adultID = "11010519491231002X"
	childID = "110101201503070015" // born 2015-03-07; check digit computed below
)

func validChildID(t *testing.T) string {
	t.Helper()
	base := childID[:17]
	for _, c := range "0123456789X" {
		if cnID(base + string(c)) {
			return base + string(c)
		}
	}
	t.Fatal("no check digit")
	return ""
}

func TestStageRules(t *testing.T) {
	kid := validChildID(t)
	tests := []struct {
		name     string
		edit     func(*schemas.PIIPolicy)
		rec      rec
		verdict  schemas.Verdict
		rule     string // "" = no finding expected
		redacted string // label of the expected redaction
	}{
		{"basis: email with general consent", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: `{"training":true,"type":"general"}`}, schemas.Admit, "", ""},
		{"basis: bare true consent", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: "true"}, schemas.Admit, "", ""},
		{"basis: email without consent", nil, rec{text: "邮箱 zs@example.cn", subject: "u1"}, schemas.Redact, RuleBasis, TypeEmail},
		{"basis: consent not covering training", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: `{"training":false}`}, schemas.Redact, RuleBasis, TypeEmail},
		{"basis: granted false (another system's spelling)", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: `{"granted":false,"scope":"training","at":"2024-09-22T06:09:57Z"}`}, schemas.Redact, RuleBasis, TypeEmail},
		{"basis: granted for another scope", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: `{"granted":true,"scope":"analytics"}`}, schemas.Redact, RuleBasis, TypeEmail},
		{"basis: granted for training among others", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: `{"granted":true,"scope":"training,analytics"}`}, schemas.Admit, "", ""},
		{"basis: an object prov reads nothing from", nil, rec{text: "邮箱 zs@example.cn", subject: "u1", consent: `{"ok":1}`}, schemas.Redact, RuleBasis, TypeEmail},
		{"basis: source-level basis", nil, rec{text: "邮箱 zs@example.cn", source: "public-forum"}, schemas.Admit, "", ""},
		{"basis: policy rejects", func(p *schemas.PIIPolicy) { p.Actions = map[string]string{"EMAIL": "reject"} }, rec{text: "邮箱 zs@example.cn"}, schemas.Reject, RuleBasis, ""},
		{"sensitive: id with separate consent", nil, rec{text: "身份证" + adultID, subject: "u1", consent: `{"training":true,"type":"separate"}`}, schemas.Admit, "", ""},
		{"sensitive: id with separate consent in registry", nil, rec{text: "身份证" + adultID, subject: "u-sep", consent: "true"}, schemas.Admit, "", ""},
		{"sensitive: id with general consent", nil, rec{text: "身份证" + adultID, subject: "u1", consent: "true"}, schemas.Redact, RuleSensitive, TypeCNResidentID},
		{"sensitive: source basis is not enough", nil, rec{text: "身份证" + adultID, source: "public-forum"}, schemas.Redact, RuleSensitive, TypeCNResidentID},
		{"sensitive: policy quarantines", func(p *schemas.PIIPolicy) { p.Actions = map[string]string{"CN_RESIDENT_ID": "quarantine"} }, rec{text: "身份证" + adultID, subject: "u1", consent: "true"}, schemas.Quarantine, RuleSensitive, ""},
		{"sensitive: health marker without separate consent", nil, rec{text: "我上周确诊了肺炎", subject: "u1", consent: "true"}, schemas.Quarantine, RuleSensitive, ""},
		{"sensitive: health marker with separate consent", nil, rec{text: "我上周确诊了肺炎", subject: "u1", consent: `{"training":true,"type":"separate"}`}, schemas.Admit, "", ""},
		{"sensitive: English marker, any case", nil, rec{text: "I was Diagnosed with flu", subject: "u1", consent: "true"}, schemas.Quarantine, RuleSensitive, ""},
		{"sensitive: marker inside a word does not count", nil, rec{text: "it stays undiagnosed", subject: "u1", consent: "true"}, schemas.Admit, "", ""},
		{"minor: child id without guardian consent", nil, rec{text: "孩子身份证" + kid, subject: "u1", consent: `{"training":true,"type":"separate"}`, fetched: "2024-09-01T00:00:00Z"}, schemas.Quarantine, RuleMinor, ""},
		{"minor: child id with guardian consent", nil, rec{text: "孩子身份证" + kid, subject: "u-kid", fetched: "2024-09-01T00:00:00Z"}, schemas.Admit, "", ""},
		{"minor: adult at collection", nil, rec{text: "身份证" + kid, subject: "u1", consent: `{"training":true,"type":"separate"}`, fetched: "2030-09-01T00:00:00Z"}, schemas.Admit, "", ""},
		{"withdrawn: registry withdrawal before run", nil, rec{text: "今天天气不错", subject: "u-gone", consent: "true"}, schemas.Reject, RuleWithdrawn, ""},
		{"withdrawn: record withdrawal before run", nil, rec{text: "hello", subject: "u1", consent: `{"training":true,"withdrawn_at":"2024-12-01T00:00:00Z"}`}, schemas.Reject, RuleWithdrawn, ""},
		{"withdrawn: revoked status without a date", nil, rec{text: "hello", subject: "u1", consent: `{"status":"revoked","purposes":["training"]}`}, schemas.Reject, RuleWithdrawn, ""},
		{"withdrawn: scheduled after run", nil, rec{text: "hello zs@example.cn", subject: "u-later"}, schemas.Admit, "", ""},
		{"uscc is not personal", nil, rec{text: "信用代码91350100M000100Y43"}, schemas.Admit, "", ""},
		{"clean record", nil, rec{text: "今天天气不错，我们去公园吧。"}, schemas.Admit, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStage(t, tc.edit)
			st := s.NewState()
			var out stages.Outcome
			out.Reset()
			r := tc.rec.record()
			s.Check(r, st, &out)
			if out.Verdict != tc.verdict {
				t.Fatalf("verdict %v, want %v (findings %+v)", out.Verdict, tc.verdict, out.Findings)
			}
			if tc.rule == "" && len(out.Findings) != 0 {
				t.Fatalf("unexpected findings %+v", out.Findings)
			}
			if tc.rule != "" {
				if len(out.Findings) == 0 || out.Findings[0].RuleID != tc.rule {
					t.Fatalf("findings %+v, want rule %s", out.Findings, tc.rule)
				}
				f := out.Findings[0]
				if f.Stage != StageName || f.Verdict != tc.verdict.String() || f.Message == "" {
					t.Errorf("finding %+v", f)
				}
			}
			if tc.redacted != "" {
				if len(out.Redactions) != 1 || out.Redactions[0].Label != tc.redacted {
					t.Fatalf("redactions %+v, want one %s", out.Redactions, tc.redacted)
				}
				sp := out.Redactions[0]
				if _, n := Normalise(tc.redacted, r.Text()[sp.Start:sp.End]); n == "" {
					t.Errorf("redaction %+v does not cover the value", sp)
				}
			} else if len(out.Redactions) != 0 {
				t.Errorf("unexpected redactions %+v", out.Redactions)
			}
			assertNoClearPI(t, r.Text(), out, st)
		})
	}
}

// assertNoClearPI fails if any detected value of text (or the digits of
// it) appears in the findings, subjects or state.
func assertNoClearPI(t *testing.T, text string, out stages.Outcome, st stages.State) {
	t.Helper()
	var blob bytes.Buffer
	for _, f := range out.Findings {
		blob.WriteString(f.Message + "\n" + f.Evidence + "\n")
	}
	for _, s := range out.Subjects {
		blob.WriteString(s + "\n")
	}
	if st != nil {
		b, err := st.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		blob.Write(b)
	}
	for _, e := range Detect(text) {
		v := text[e.Start:e.End]
		_, n := Normalise(e.Type, v)
		for _, needle := range []string{v, n} {
			if len(needle) >= 6 && bytes.Contains(blob.Bytes(), []byte(needle)) {
				t.Fatalf("%s value found in clear in outputs", e.Type)
			}
		}
	}
}

func TestStageSubjects(t *testing.T) {
	s := newTestStage(t, nil)
	var out stages.Outcome
	out.Reset()
	s.Check(rec{text: "电话13812345678，信用代码91350100M000100Y43", subject: "u1", consent: "true"}.record(), nil, &out)
	want := []string{testKey("subject_id", "u1"), testKey("phone", "13812345678")}
	if len(out.Subjects) != len(want) {
		t.Fatalf("subjects %v, want %v", out.Subjects, want)
	}
	for i := range want {
		if out.Subjects[i] != want[i] {
			t.Errorf("subject %d = %s, want %s", i, out.Subjects[i], want[i])
		}
	}
}

func TestStateMergeConclude(t *testing.T) {
	s := newTestStage(t, nil)
	recs := []rec{
		{text: "邮箱 zs@example.cn", subject: "u1"},
		{text: "身份证" + adultID, subject: "u1", consent: "true"},
		{text: "hello", subject: "u-gone"},
		{text: "clean"},
	}
	one := s.NewState()
	a, b := s.NewState(), s.NewState()
	for i, r := range recs {
		var out stages.Outcome
		out.Reset()
		s.Check(r.record(), one, &out)
		out.Reset()
		if i%2 == 0 {
			s.Check(r.record(), a, &out)
		} else {
			s.Check(r.record(), b, &out)
		}
	}
	data, err := b.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	b2 := s.NewState()
	if err := b2.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if err := a.Merge(b2); err != nil {
		t.Fatal(err)
	}
	x, _ := one.MarshalBinary()
	y, _ := a.MarshalBinary()
	if !bytes.Equal(x, y) {
		t.Fatalf("merged state %s != single state %s", y, x)
	}
	var c stages.Conclusion
	if err := s.Conclude(a, &c); err != nil {
		t.Fatal(err)
	}
	rules := map[string]schemas.RuleResult{}
	for _, r := range c.Rules {
		rules[r.RuleID] = r
	}
	for _, id := range []string{RuleNoClearPI, RuleBasis, RuleSensitive, RuleMinor, RuleWithdrawn} {
		r, ok := rules[id]
		if !ok || !r.Pass || r.Detail == "" {
			t.Errorf("rule %s = %+v", id, r)
		}
	}
	if !strings.Contains(rules[RuleWithdrawn].Detail, "1 rejected") || !strings.Contains(rules[RuleSensitive].Detail, "1 redacted") {
		t.Errorf("details %q / %q", rules[RuleWithdrawn].Detail, rules[RuleSensitive].Detail)
	}
	metrics := map[string]float64{}
	for _, m := range c.Metrics {
		metrics[m.Metric+"/"+m.Dimension] = m.Value
	}
	if got := metrics["pii_record_share/EMAIL"]; got != 0.25 {
		t.Errorf("EMAIL record share %v, want 0.25", got)
	}
	if got := metrics["pii_records_redacted/"+RuleBasis]; got != 1 {
		t.Errorf("redacted for basis %v, want 1", got)
	}
	if metrics["pii_entities_per_mb/CN_RESIDENT_ID"] <= 0 {
		t.Error("no ID density")
	}
	if err := a.Merge(nil); !errors.Is(err, ErrState) {
		t.Errorf("Merge(nil) = %v", err)
	}
	if err := a.UnmarshalBinary([]byte("{")); !errors.Is(err, ErrState) {
		t.Errorf("UnmarshalBinary(bad) = %v", err)
	}
}

func TestStageAdmitByPolicyFailsRule(t *testing.T) {
	s := newTestStage(t, func(p *schemas.PIIPolicy) { p.Actions = map[string]string{"EMAIL": "admit"} })
	st := s.NewState()
	var out stages.Outcome
	out.Reset()
	s.Check(rec{text: "mail zs@example.cn"}.record(), st, &out)
	if out.Verdict != schemas.Admit || len(out.Findings) != 1 || out.Findings[0].Severity != schemas.SeverityInfo {
		t.Fatalf("outcome %+v", out)
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	for _, r := range c.Rules {
		if r.RuleID == RuleBasis && r.Pass {
			t.Errorf("rule %s passed with PI admitted without basis: %+v", r.RuleID, r)
		}
	}
}

func TestLoadRegistry(t *testing.T) {
	reg, err := LoadRegistry(strings.NewReader(registryJSONL), "r.jsonl", "training")
	if err != nil {
		t.Fatal(err)
	}
	if c := reg["u-sep"]; !c.covers(schemas.ConsentSeparate) {
		t.Errorf("u-sep = %+v", c)
	}
	if c := reg["u-gone"]; c.Withdrawn.IsZero() {
		t.Errorf("u-gone = %+v", c)
	}
	for _, bad := range []string{`{"subject_id":""}`, `{"subject_id":"a","typo":1}`, `{"subject_id":"a","type":"blanket","scopes":["training"]}`, `not json`} {
		t.Run(bad, func(t *testing.T) {
			if _, err := LoadRegistry(strings.NewReader(bad), "r.jsonl", "training"); !errors.Is(err, ErrRegistry) {
				t.Errorf("LoadRegistry(%q) = %v, want ErrRegistry", bad, err)
			}
		})
	}
	// the latest event wins for a subject
	two := `{"subject_id":"a","scopes":["training"],"type":"general","granted_at":"2024-01-01T00:00:00Z","withdrawn_at":"2024-02-01T00:00:00Z"}
{"subject_id":"a","scopes":["training"],"type":"separate","granted_at":"2024-03-01T00:00:00Z"}`
	reg, err = LoadRegistry(strings.NewReader(two), "r.jsonl", "training")
	if err != nil {
		t.Fatal(err)
	}
	if c := reg["a"]; !c.Withdrawn.IsZero() || c.Type != "separate" {
		t.Errorf("a = %+v, want the later separate grant", c)
	}
}

func TestLoadRegistryParquet(t *testing.T) {
	var buf bytes.Buffer
	rows := []registryRow{
		{SubjectID: "p1", Scopes: []string{"training"}, Type: "separate", GrantedAt: "2024-01-01T00:00:00Z"},
		{SubjectID: "p2", Scopes: []string{"analytics"}, Type: "general"},
		{SubjectID: "p3", Scopes: []string{"training"}, Type: "general", WithdrawnAt: "2024-05-01T00:00:00Z"},
	}
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	reg, err := LoadRegistry(&buf, "r.parquet", "training")
	if err != nil {
		t.Fatal(err)
	}
	if !reg["p1"].covers(schemas.ConsentSeparate) || reg["p2"].Training || reg["p3"].Withdrawn.IsZero() {
		t.Errorf("registry %+v", reg)
	}
	if _, err := LoadRegistry(strings.NewReader("PAR1garbage"), "bad.parquet", "training"); !errors.Is(err, ErrRegistry) {
		t.Errorf("bad parquet: %v", err)
	}
}

func TestParseConsent(t *testing.T) {
	tests := []struct {
		raw      string
		training bool
		typ      string
		ok       bool
	}{
		{"true", true, "general", true},
		{"false", false, "", true},
		{`{"training":true,"type":"separate","id":"c-1"}`, true, "separate", true},
		{`{"scopes":["training","ads"],"type":"guardian"}`, true, "guardian", true},
		{`{"scopes":["ads"]}`, false, "general", true},
		{`{"training":true,"type":"blanket"}`, false, "blanket", false},
		{`{"training":true,"withdrawn_at":"yesterday"}`, true, "general", false},
		{`[1,2]`, false, "", false},
		// other systems' spellings: refusal flags, scope strings, statuses
		{`{"granted":false,"scope":"training","at":"2024-09-22T06:09:57Z"}`, false, "general", true},
		{`{"granted":true,"scope":"training","at":"2024-09-22T06:09:57Z"}`, true, "general", true},
		{`{"granted":true,"scope":"analytics"}`, false, "general", true},
		{`{"granted":true,"scope":"training,analytics"}`, true, "general", true},
		{`{"granted":true,"scope":"none"}`, false, "general", true},
		{`{"training":true,"scopes":["ads"]}`, false, "general", true},
		{`{"given":"no","type":"separate"}`, false, "separate", true},
		{`{"Authorised":false}`, false, "general", true},
		{`{"status":"Opted-Out"}`, false, "general", true},
		{`{"status":"granted","purposes":["training"]}`, true, "general", true},
		{`{"status":"maybe"}`, false, "general", false},
		{`{"agreed":"perhaps"}`, false, "general", false},
		{`{"foo":"bar"}`, false, "", false},
		{`{}`, false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			c, ok := ParseConsent(tc.raw, "training")
			if c.Training != tc.training || c.Type != tc.typ || ok != tc.ok {
				t.Errorf("ParseConsent(%s) = %+v, %v", tc.raw, c, ok)
			}
		})
	}
}

// TestParseConsentWithdrawnFlag: withdrawn or revoked true, or a
// withdrawal status, without a date is a withdrawal long ago.
func TestParseConsentWithdrawnFlag(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, raw := range []string{`{"training":true,"withdrawn":true}`, `{"revoked":"yes"}`, `{"state":"Revoked"}`, `{"status":"withdrawn","purpose":"training"}`} {
		c, ok := ParseConsent(raw, "training")
		if !ok || !c.withdrawnBy(now) {
			t.Errorf("ParseConsent(%s) = %+v, %v: want a withdrawal", raw, c, ok)
		}
	}
	c, _ := ParseConsent(`{"training":true,"withdrawn":false}`, "training")
	if c.withdrawnBy(now) || !c.Training {
		t.Errorf("withdrawn false = %+v", c)
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(context.Background(), stages.Env{}); !errors.Is(err, ErrNoSubjectKey) {
		t.Errorf("New without SubjectKey = %v", err)
	}
	pol := &schemas.Policy{ID: "x"}
	pol.PII.ConsentRegistry = "missing.jsonl"
	env := stages.Env{Policy: pol, SubjectKey: testKey, Open: func(context.Context, string) (io.ReadCloser, error) {
		return nil, errors.New("no such object")
	}}
	if _, err := New(context.Background(), env); err == nil {
		t.Error("New with a missing registry succeeded")
	}
}

func TestPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*schemas.PIIPolicy)
		path string
	}{
		{"unknown type", func(p *schemas.PIIPolicy) { p.Actions = map[string]string{"BANKCARD": "redact"} }, "pii.actions.BANKCARD"},
		{"bad action", func(p *schemas.PIIPolicy) { p.Actions = map[string]string{"BANK_CARD": "mask"} }, "pii.actions.BANK_CARD"},
		{"bad sensitive", func(p *schemas.PIIPolicy) { p.Sensitive = []string{"EMAIL", "DNA"} }, "pii.sensitive[1]"},
		{"minor admitted", func(p *schemas.PIIPolicy) { p.MinorAction = "admit" }, "pii.minor_action"},
		{"withdrawn admitted", func(p *schemas.PIIPolicy) { p.WithdrawnAction = "redact" }, "pii.withdrawn_action"},
		{"score", func(p *schemas.PIIPolicy) { p.MinScore = 2 }, "pii.min_score"},
		{"ok", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &schemas.Policy{ID: "x"}
			if tc.edit != nil {
				tc.edit(&p.PII)
			}
			p.ApplyDefaults()
			err := p.Validate()
			if tc.path == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *schemas.FieldError
			if !errors.As(err, &fe) || fe.Path != tc.path {
				t.Fatalf("Validate() = %v, want FieldError at %s", err, tc.path)
			}
		})
	}
}

func FuzzParseConsent(f *testing.F) {
	for _, s := range []string{"true", `{"training":true,"type":"separate"}`, `{"withdrawn_at":"2024-01-01"}`, "[]"} {
		f.Add(s)
	}
	for _, s := range consentRefValues {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, ok := ParseConsent(raw, "training")
		if c.Training && rank(c) == 0 {
			t.Fatalf("training consent with rank 0: %+v", c)
		}
		if rc, rok := parseConsentRef(raw, "training"); c != rc || ok != rok {
			t.Fatalf("ParseConsent(%q) = %+v %v, reference %+v %v", raw, c, ok, rc, rok)
		}
	})
}

// parseConsentRef is ParseConsent as it was: every value lower-cased
// whole before the comparison with the literal forms.
func parseConsentRef(raw, scope string) (c Consent, ok bool) {
	raw = strings.TrimSpace(raw)
	switch strings.ToLower(raw) {
	case "true", `"true"`, "yes", `"yes"`, "1":
		return Consent{Training: true, Type: schemas.ConsentGeneral}, true
	case "false", `"false"`, "no", `"no"`, "0", "", "null":
		return Consent{}, raw != ""
	}
	o, err := schemas.ReadConsentObject(raw)
	if err != nil || !o.Known() {
		return Consent{}, false
	}
	return consentOf(o, scope)
}

var consentRefValues = []string{"TRUE", ` "Yes" `, "\"FALSE\"", "No", "NULL", "0", "1", "", " ", "truE\u0130", "\u212Aes",
	"nul\u212A", "\u0130", "yes\xff", "\"no\" ", `{"granted":true,"scope":"training","at":"2024-07-30T05:46:39Z"}`,
	`{"Granted":TRUE}`, `{"training":false,"type":"SEPARATE"}`, "\ttrue\n", "true1", "falsey"}

func TestParseConsentMatchesReference(t *testing.T) {
	for _, raw := range consentRefValues {
		c, ok := ParseConsent(raw, "training")
		if rc, rok := parseConsentRef(raw, "training"); c != rc || ok != rok {
			t.Errorf("ParseConsent(%q) = %+v %v, reference %+v %v", raw, c, ok, rc, rok)
		}
	}
}

func FuzzLoadRegistry(f *testing.F) {
	f.Add(registryJSONL)
	f.Add("PAR1")
	f.Fuzz(func(t *testing.T, data string) {
		reg, err := LoadRegistry(strings.NewReader(data), "fuzz", "training")
		if err == nil && reg == nil {
			t.Fatal("nil registry without error")
		}
	})
}

func TestLoadPolicyPIIErrors(t *testing.T) {
	tests := []struct {
		name, yaml, field string
		line              int
	}{
		{"bad action", "id: p\npii:\n  actions:\n    BANK_CARD: mask\n", "pii.actions.BANK_CARD", 4},
		{"typo key", "id: p\npii:\n  consent_registy: x.jsonl\n", "pii.consent_registy", 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := t.TempDir() + "/policy.yaml"
			if err := os.WriteFile(p, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := schemas.LoadPolicy(p)
			var ce *schemas.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || ce.Line != tc.line {
				t.Fatalf("LoadPolicy = %v (%+v), want field %s line %d", err, ce, tc.field, tc.line)
			}
		})
	}
}
