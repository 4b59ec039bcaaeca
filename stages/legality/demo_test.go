package legality

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

const demoDir = "../../fixtures/demo"

// demoRecords reads a demo JSONL file with the chat-zh-en field map.
func demoRecords(t *testing.T, key, source string) []*schemas.Record {
	t.Helper()
	fieldMap := map[string]schemas.Field{
		"text": schemas.FieldText, "id": schemas.FieldID, "url": schemas.FieldURL, "fetched_at": schemas.FieldFetchedAt,
		"crawler_ua": schemas.FieldUserAgent, "lang": schemas.FieldLanguage, "consent": schemas.FieldConsent, "source": schemas.FieldSource,
	}
	f, err := os.Open(filepath.Join(demoDir, "corpus", key))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out []*schemas.Record
	sc := bufio.NewScanner(f)
	for line := int64(1); sc.Scan(); line++ {
		var m map[string]string
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("%s:%d: %v", key, line, err)
		}
		r := &schemas.Record{Object: "file:///demo/" + key, Line: line, Source: source}
		for k, v := range m {
			if fld, ok := fieldMap[k]; ok {
				r.Set(fld, v)
			}
		}
		r.Digest = r.CanonicalDigest()
		out = append(out, r)
	}
	return out
}

func dirEnv(root string) (func(context.Context, string) (io.ReadCloser, error), func(context.Context, string) ([]string, error)) {
	open := func(_ context.Context, key string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(root, filepath.FromSlash(key)))
	}
	list := func(_ context.Context, prefix string) ([]string, error) {
		var keys []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
			return nil
		})
		return keys, err
	}
	return open, list
}

// TestDemoFixtures checks that the demo corpus shows each legality case.
func TestDemoFixtures(t *testing.T) {
	pol, err := schemas.LoadPolicy(filepath.Join(demoDir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := schemas.LoadSources(filepath.Join(demoDir, "sources.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	open, list := dirEnv(filepath.Join(demoDir, "corpus"))
	s, err := New(context.Background(), stages.Env{Policy: pol, Sources: reg, Open: open, List: list})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*schemas.Record
	recs = append(recs, demoRecords(t, "web/news/news-2024.jsonl", "web-news-2024")...)
	recs = append(recs, demoRecords(t, "web/forum/forum-2024.jsonl", "web-forum-2024")...)
	recs = append(recs, demoRecords(t, "vendor/books-2024.jsonl", "vendor-books")...)
	recs = append(recs, demoRecords(t, "synth/dialogues-v1.jsonl", "synth-dialogues")...)
	want := map[string]string{ // record id → "verdict rule"
		"n-001": "admit", "n-002": "admit", "n-005": "admit", "n-006": "admit", "n-012": "admit",
		"n-003": "reject " + RuleSelfCollected, // robots.txt Disallow: /private/
		"n-004": "reject " + RuleTDMOptOut,     // GPTBot/CCBot/Google-Extended group
		"n-010": "reject " + RuleTDMOptOut,     // tdmrep.json reserves /features/*
		"n-011": "admit",                       // header tdm-reservation: 0 overrides the file
		"n-013": "reject " + RuleTDMOptOut,     // HTML meta tdm-reservation: 1
		"n-014": "reject " + RuleTDMOptOut,     // X-Robots-Tag: noai
		"n-015": "reject " + RuleBlocklist,     // m.gossip.example under gossip.example
		"n-016": "reject " + RuleBlocklist,
		"v-001": "admit", "v-004": "admit",
		"v-005": "reject " + RuleCommercial, // after the contract's valid_to 2024-06-30
		"v-007": "reject " + RuleCommercial,
		"s-001": "admit",
	}
	st := s.NewState()
	var out stages.Outcome
	for _, r := range recs {
		out.Reset()
		s.Check(r, st, &out)
		id := r.Values[schemas.FieldID]
		w, ok := want[id]
		if !ok {
			if strings.HasPrefix(id, "f-") && out.Verdict != schemas.Admit {
				t.Errorf("forum record %s: %v %+v", id, out.Verdict, out.Findings)
			}
			continue
		}
		got := out.Verdict.String()
		if len(out.Findings) > 0 {
			got += " " + out.Findings[0].RuleID
		}
		if got != w {
			t.Errorf("%s: got %q, want %q (%+v)", id, got, w, out.Findings)
		}
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	if c.Blocked["web-forum-2024"] != RuleHarmful || len(c.Blocked) != 1 {
		t.Errorf("Blocked = %v, want only web-forum-2024", c.Blocked)
	}
	if r := findRule(&c, RuleAutomatedAssessment, "dataset"); r == nil || !r.Pass {
		t.Errorf("automated assessment = %+v, want pass once the forum is blocked", r)
	}
	for _, r := range c.Rules {
		t.Logf("%s [%s] pass=%v %s", r.RuleID, r.Scope, r.Pass, r.Detail)
	}
	if r := findRule(&c, RuleHarmful, "web-forum-2024"); r == nil || !strings.Contains(r.Detail, fmt.Sprintf("over n=%d", 40)) {
		t.Errorf("forum rule = %+v", r)
	}
}
