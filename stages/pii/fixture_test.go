package pii

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

const demo = "../../fixtures/demo"

// TestDemoFixtures runs the demo chat records through the stage under the
// demo policy and checks each scenario's verdict, then greps every output
// (findings, subject keys, state, conclusion) for the PI values in clear.
func TestDemoFixtures(t *testing.T) {
	pol, err := schemas.LoadPolicy(filepath.Join(demo, "policy.yaml"))
	if err != nil {
		t.Fatalf("loading demo policy: %v", err)
	}
	srcs, err := schemas.LoadSources(filepath.Join(demo, "sources.yaml"))
	if err != nil {
		t.Fatalf("loading demo sources: %v", err)
	}
	env := stages.Env{
		Policy:  pol,
		Sources: srcs,
		Open: func(_ context.Context, key string) (io.ReadCloser, error) {
			return os.Open(filepath.Join(demo, "corpus", filepath.FromSlash(key)))
		},
		SubjectKey: testKey,
	}
	s, err := New(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	s.now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

	f, err := os.Open(filepath.Join(demo, "corpus/users/chats-2024-09.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	want := map[string]struct {
		v    schemas.Verdict
		rule string
	}{
		"c-0002": {schemas.Redact, RuleSensitive},     // resident ID, general consent only
		"c-0003": {schemas.Quarantine, RuleMinor},     // a minor's ID, separate but no guardian consent
		"c-0004": {schemas.Reject, RuleWithdrawn},     // consent withdrawn in the registry
		"c-0005": {schemas.Admit, ""},                 // e-mail with general consent
		"c-0007": {schemas.Admit, ""},                 // phone with general consent
		"c-0008": {schemas.Redact, RuleSensitive},     // bank card, general consent only
		"c-0009": {schemas.Admit, ""},                 // ID with separate consent in the registry
		"c-0010": {schemas.Quarantine, RuleSensitive}, // health marker
		"c-0011": {schemas.Redact, RuleBasis},         // phone, no consent at all
		"c-0012": {schemas.Admit, ""},                 // a minor's ID with guardian consent
		"c-0025": {schemas.Admit, ""},                 // organisation id only
		"c-0001": {schemas.Admit, ""},                 // clean
	}
	st := s.NewState()
	var outputs bytes.Buffer
	var values []string
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		var r schemas.Record
		r.Object, r.Line, r.Source = "file:///demo/users/chats-2024-09.jsonl", int64(n), "app-user-chats"
		str := func(k string) string {
			var v string
			_ = json.Unmarshal(raw[k], &v)
			return v
		}
		r.Set(schemas.FieldText, str("text"))
		r.Set(schemas.FieldID, str("id"))
		r.Set(schemas.FieldSubject, str("user_id"))
		r.Set(schemas.FieldFetchedAt, str("fetched_at"))
		if c, ok := raw["consent"]; ok {
			r.Set(schemas.FieldConsent, string(c))
		}
		for _, e := range Detect(r.Text()) {
			values = append(values, r.Text()[e.Start:e.End])
		}
		var out stages.Outcome
		out.Reset()
		s.Check(&r, st, &out)
		id := str("id")
		if w, ok := want[id]; ok {
			if out.Verdict != w.v {
				t.Errorf("%s: verdict %v, want %v (%+v)", id, out.Verdict, w.v, out.Findings)
			}
			if w.rule != "" && (len(out.Findings) == 0 || out.Findings[0].RuleID != w.rule) {
				t.Errorf("%s: findings %+v, want rule %s", id, out.Findings, w.rule)
			}
		}
		for _, fd := range out.Findings {
			b, _ := json.Marshal(fd)
			outputs.Write(b)
		}
		for _, k := range out.Subjects {
			outputs.WriteString(k)
		}
	}
	if n < 40 {
		t.Errorf("%d demo records, want >= 40", n)
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	outputs.Write(b)
	b, _ = st.MarshalBinary()
	outputs.Write(b)
	if len(values) < 8 {
		t.Fatalf("only %d PI values in the demo chats", len(values))
	}
	for _, v := range values {
		if bytes.Contains(outputs.Bytes(), []byte(v)) {
			t.Errorf("PI value of %d bytes appears in clear in the stage outputs", len(v))
		}
	}
}
