package legality

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// memEnv serves auxiliary objects from a map.
func memEnv(files map[string]string) (func(context.Context, string) (io.ReadCloser, error), func(context.Context, string) ([]string, error)) {
	open := func(_ context.Context, key string) (io.ReadCloser, error) {
		v, ok := files[key]
		if !ok {
			return nil, fmt.Errorf("opening %s: not found", key)
		}
		return io.NopCloser(strings.NewReader(v)), nil
	}
	list := func(_ context.Context, prefix string) ([]string, error) {
		var keys []string
		for k := range files {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		return keys, nil
	}
	return open, list
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err) // test helper on constant input
	}
	return t
}

var signalFiles = map[string]string{
	"web/_signals/news.example.com/2024-01-01/robots.txt": "User-agent: *\nDisallow: /private/\n\nUser-agent: GPTBot\nDisallow: /ai-free/\n",
	"web/_signals/news.example.com/2024-06-01/robots.txt": "User-agent: *\nDisallow: /private/\nDisallow: /later/\n",
	"web/_signals/news.example.com/2024-01-01/pages.jsonl": `{"path": "/noai.html", "headers": {"X-Robots-Tag": "noai"}}
{"path": "/hdr0.html", "headers": {"tdm-reservation": "0"}}
{"path": "/meta1.html", "headers": {"tdm-reservation": "0"}, "meta": {"tdm-reservation": "1", "tdm-policy": "https://news.example.com/p"}}
`,
	"web/_signals/news.example.com/2024-01-01/tdmrep.json":   `[{"location": "/hdr0.html", "tdm-reservation": 1}, {"location": "/reserved/", "tdm-reservation": 1}]`,
	"web/_signals/down.example.com/2024-01-01/robots.status": "503",
	"web/_signals/gone.example.com/2024-01-01/robots.status": "404",
}

func testRegistry() *schemas.SourceRegistry {
	return &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "web", Channel: schemas.ChannelSelfCollected, LegalBasis: "tdm-exception", Origin: "domestic", Languages: []string{"zh", "en"},
			Crawler: &schemas.Crawler{UserAgent: "ProvBot/1.0", From: day("2024-01-01"), To: day("2024-12-31"), Records: "web/_crawl/", Signals: "web/_signals/"}},
		{ID: "oss", Channel: schemas.ChannelOpenSource, LegalBasis: "licence", Origin: "foreign", Languages: []string{"zh"},
			Licence: "CC-BY-SA-4.0", LicenceEvidence: "https://creativecommons.org/licenses/by-sa/4.0/legalcode"},
		{ID: "oss-noevidence", Channel: schemas.ChannelOpenSource, LegalBasis: "licence", Licence: "MIT"},
		{ID: "vendor", Channel: schemas.ChannelCommercial, LegalBasis: "contract", Origin: "foreign", Languages: []string{"en"},
			Contract: &schemas.Contract{ID: "C-1", Counterparty: "P Ltd", ValidFrom: day("2023-01-01"), ValidTo: day("2024-06-30"),
				PermitsTraining: true, Commitments: []string{"lawful-source"}, ReviewedBy: "legal", ReviewedAt: day("2023-01-05")}},
		{ID: "vendor-notrain", Channel: schemas.ChannelCommercial, LegalBasis: "contract",
			Contract: &schemas.Contract{ID: "C-2", Counterparty: "Q Ltd", ValidFrom: day("2023-01-01"), ValidTo: day("2025-01-01"),
				PermitsTraining: false, Commitments: []string{"x"}, ReviewedBy: "legal", ReviewedAt: day("2023-01-05")}},
		{ID: "vendor-unreviewed", Channel: schemas.ChannelCommercial, LegalBasis: "contract",
			Contract: &schemas.Contract{ID: "C-3", Counterparty: "R Ltd", ValidFrom: day("2023-01-01"), PermitsTraining: true, Commitments: []string{"x"}}},
		{ID: "users", Channel: schemas.ChannelUserInput, LegalBasis: "consent", Origin: "domestic", Languages: []string{"zh"}, Authorisation: "consents.jsonl"},
		{ID: "synth", Channel: schemas.ChannelSynthetic, LegalBasis: "own-generation", Generator: "gen-7b"},
		{ID: "synth-nogen", Channel: schemas.ChannelSynthetic, LegalBasis: "own-generation"},
		{ID: "nobasis", Channel: schemas.ChannelSynthetic, Generator: "g"},
		{ID: "banned", Channel: schemas.ChannelSynthetic, LegalBasis: "own-generation", Generator: "g"},
	}}
}

func testPolicy() *schemas.Policy {
	p := &schemas.Policy{ID: "test", Seed: 42, Dir: "testdata/policy"}
	p.Legality.Blocklist = schemas.BlocklistPolicy{Sources: []string{"banned"}, Domains: []string{"tabloid.example.net", "example.com.cn", "com.cn"}}
	p.Legality.Harmful.Lists = []schemas.KeywordList{{Category: "violence", File: "violence.txt"}, {Category: "fraud", File: "fraud.txt"}}
	p.Legality.Harmful.SampleSize = 50
	p.ApplyDefaults()
	return p
}

func newTestStage(t testing.TB, p *schemas.Policy) *Stage {
	t.Helper()
	open, list := memEnv(signalFiles)
	s, err := New(context.Background(), stages.Env{Policy: p, Sources: testRegistry(), Open: open, List: list})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rec(source string, kv ...string) *schemas.Record {
	r := &schemas.Record{Object: "file:///corpus/" + source + ".jsonl", Line: 7, Source: source}
	for i := 0; i+1 < len(kv); i += 2 {
		f, ok := schemas.ParseField(kv[i])
		if !ok {
			panic("bad field " + kv[i]) // test helper on constant input
		}
		r.Set(f, kv[i+1])
	}
	r.Digest = r.CanonicalDigest()
	return r
}

func webRec(url, fetched string) *schemas.Record {
	return rec("web", "text", "a news story", "url", url, "fetched_at", fetched, "user_agent", "ProvBot/1.0 (+https://prov.example/bot)")
}

// TestCheckRules runs each record-level rule with a passing and a failing
// record and checks the verdict and that the finding names the rule,
// source and record.
func TestCheckRules(t *testing.T) {
	s := newTestStage(t, testPolicy())
	tests := []struct {
		name    string
		r       *schemas.Record
		verdict schemas.Verdict
		rule    string // expected finding rule ("" = no finding)
		msg     string // substring of the message
	}{
		{"7.1 pass", rec("synth", "text", "hello"), schemas.Admit, "", ""},
		{"7.1 unknown source", rec("nowhere", "text", "hello"), schemas.Reject, RuleLawfulSource, "not in the source registry"},
		{"7.1 no source", rec("", "text", "hello"), schemas.Reject, RuleLawfulSource, "no source"},
		{"7.1 no legal basis", rec("nobasis", "text", "hello"), schemas.Quarantine, RuleLawfulSource, "no legal basis"},
		{"7.1 synthetic without generator", rec("synth-nogen", "text", "hello"), schemas.Quarantine, RuleLawfulSource, "generator"},

		{"c1 pass", rec("oss", "text", "wiki"), schemas.Admit, "", ""},
		{"c1 no evidence", rec("oss-noevidence", "text", "x"), schemas.Quarantine, RuleOpenSource, "licence evidence"},

		{"c2 pass", webRec("https://news.example.com/a/1.html", "2024-03-01T10:00:00Z"), schemas.Admit, "", ""},
		{"c2 robots disallow", webRec("https://news.example.com/private/1.html", "2024-03-01T10:00:00Z"), schemas.Reject, RuleSelfCollected, "disallows"},
		{"c2 later snapshot applies", webRec("https://news.example.com/later/1.html", "2024-07-01T00:00:00Z"), schemas.Reject, RuleSelfCollected, "disallows"},
		{"c2 earlier snapshot applies", webRec("https://news.example.com/later/1.html", "2024-05-01T00:00:00Z"), schemas.Admit, "", ""},
		{"c2 robots 5xx disallows", webRec("https://down.example.com/x", "2024-03-01T00:00:00Z"), schemas.Reject, RuleSelfCollected, "disallows"},
		{"c2 robots 4xx allows", webRec("https://gone.example.com/x", "2024-03-01T00:00:00Z"), schemas.Admit, "", ""},
		{"c2 no snapshot", webRec("https://other.example.com/x", "2024-03-01T00:00:00Z"), schemas.Quarantine, RuleSelfCollected, "no robots.txt snapshot"},
		{"c2 missing ua", rec("web", "text", "x", "url", "https://news.example.com/a", "fetched_at", "2024-03-01T00:00:00Z"), schemas.Quarantine, RuleSelfCollected, "user agent"},
		{"c2 missing url", rec("web", "text", "x", "fetched_at", "2024-03-01T00:00:00Z", "user_agent", "ProvBot"), schemas.Quarantine, RuleSelfCollected, "no url"},
		{"c2 outside crawl", webRec("https://news.example.com/a/1.html", "2025-03-01T10:00:00Z"), schemas.Quarantine, RuleSelfCollected, "outside the crawl period"},

		{"eu ai group", webRec("https://news.example.com/ai-free/1.html", "2024-03-01T10:00:00Z"), schemas.Reject, RuleTDMOptOut, "GPTBot"},
		{"eu tdmrep file", webRec("https://news.example.com/reserved/1.html", "2024-03-01T10:00:00Z"), schemas.Reject, RuleTDMOptOut, "TDMRep file"},
		{"eu tdm header 0 overrides file 1", webRec("https://news.example.com/hdr0.html", "2024-03-01T10:00:00Z"), schemas.Admit, "", ""},
		{"eu tdm meta 1 overrides header 0", webRec("https://news.example.com/meta1.html", "2024-03-01T10:00:00Z"), schemas.Reject, RuleTDMOptOut, "TDMRep meta"},
		{"eu noai header", webRec("https://news.example.com/noai.html", "2024-03-01T10:00:00Z"), schemas.Reject, RuleTDMOptOut, "noai"},

		{"c3 pass", rec("vendor", "text", "book", "fetched_at", "2024-06-01T00:00:00Z"), schemas.Admit, "", ""},
		{"c3 after contract", rec("vendor", "text", "book", "fetched_at", "2024-07-15T00:00:00Z"), schemas.Reject, RuleCommercial, "outside the validity window of contract C-1"},
		{"c3 before contract", rec("vendor", "text", "book", "fetched_at", "2022-12-31"), schemas.Reject, RuleCommercial, "outside the validity window"},
		{"c3 no fetch time", rec("vendor", "text", "book"), schemas.Quarantine, RuleCommercial, "no valid fetched_at"},
		{"c3 permits_training false", rec("vendor-notrain", "text", "book", "fetched_at", "2024-06-01T00:00:00Z"), schemas.Reject, RuleCommercial, "does not permit training"},
		{"c3 no review", rec("vendor-unreviewed", "text", "book", "fetched_at", "2024-06-01T00:00:00Z"), schemas.Quarantine, RuleCommercial, "review sign-off"},

		{"c4 pass", rec("users", "text", "hi", "consent", `{"ref":"CR-1","granted":true}`), schemas.Admit, "", ""},
		{"c4 no consent", rec("users", "text", "hi"), schemas.Quarantine, RuleUserInput, "no consent"},
		{"c4 refused", rec("users", "text", "hi", "consent", "false"), schemas.Reject, RuleUserInput, "did not authorise"},
		{"c4 withdrawn", rec("users", "text", "hi", "consent", `{"ref":"CR-2","withdrawn":true}`), schemas.Reject, RuleUserInput, "did not authorise"},
		{"c4 revoked status", rec("users", "text", "hi", "consent", `{"ref":"CR-3","status":"Revoked"}`), schemas.Reject, RuleUserInput, "did not authorise"},
		{"c4 refused as a word", rec("users", "text", "hi", "consent", `{"ref":"CR-4","agreed":"no"}`), schemas.Reject, RuleUserInput, "did not authorise"},
		{"c4 training false", rec("users", "text", "hi", "consent", `{"training":false,"id":"CR-5"}`), schemas.Reject, RuleUserInput, "did not authorise"},
		{"c4 opted out", rec("users", "text", "hi", "consent", `"opted-out"`), schemas.Reject, RuleUserInput, "did not authorise"},

		{"a3 pass", rec("synth", "text", "x", "url", "https://ok.example.net/a"), schemas.Admit, "", ""},
		{"a3 blocked source", rec("banned", "text", "x"), schemas.Reject, RuleBlocklist, "blocklist"},
		{"a3 blocked domain subdomain", rec("synth", "text", "x", "url", "https://m.tabloid.example.net/a"), schemas.Reject, RuleBlocklist, "tabloid.example.net"},
		{"a3 registrable domain under public suffix", rec("synth", "text", "x", "url", "https://bbs.example.com.cn/a"), schemas.Reject, RuleBlocklist, "example.com.cn"},
		{"a3 public suffix blocks nothing", rec("synth", "text", "x", "url", "https://shop.other.com.cn/a"), schemas.Admit, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out stages.Outcome
			out.Reset()
			st := s.NewState()
			s.Check(tt.r, st, &out)
			if out.Verdict != tt.verdict {
				t.Errorf("verdict %v, want %v; findings %+v", out.Verdict, tt.verdict, out.Findings)
			}
			if tt.rule == "" {
				if len(out.Findings) != 0 {
					t.Errorf("unexpected findings %+v", out.Findings)
				}
				return
			}
			i := slices.IndexFunc(out.Findings, func(f schemas.Finding) bool {
				return f.RuleID == tt.rule && strings.Contains(f.Message, tt.msg)
			})
			if i < 0 {
				t.Fatalf("no %s finding containing %q in %+v", tt.rule, tt.msg, out.Findings)
			}
			f := out.Findings[i]
			if f.Stage != Name || f.Source != tt.r.Source || f.RecordDigest != tt.r.Digest.String() || f.Locator != tt.r.Locator() {
				t.Errorf("finding does not name stage, source and record: %+v", f)
			}
			if tt.r.Source != "" && !strings.Contains(f.Message, tt.r.Source) {
				t.Errorf("message %q does not name source %s", f.Message, tt.r.Source)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	p := testPolicy()
	p.Legality.Harmful.Lists = []schemas.KeywordList{{Category: "x", File: "missing.txt"}}
	if _, err := New(context.Background(), stages.Env{Policy: p, Sources: testRegistry()}); err == nil {
		t.Error("missing keyword list: want error")
	}
	open, _ := memEnv(nil)
	failList := func(context.Context, string) ([]string, error) { return nil, fmt.Errorf("listing: boom") }
	if _, err := New(context.Background(), stages.Env{Policy: testPolicy(), Sources: testRegistry(), Open: open, List: failList}); err == nil {
		t.Error("failing List: want error")
	}
	bad := map[string]string{"web/_signals/h.example/2024-01-01/tdmrep.json": "{"}
	open, list := memEnv(bad)
	if _, err := New(context.Background(), stages.Env{Policy: testPolicy(), Sources: testRegistry(), Open: open, List: list}); err == nil {
		t.Error("bad tdmrep.json: want error")
	}
}

// BenchmarkCheck measures the per-record cost of the whole stage on crawled
// web records (URL parse, snapshot lookup, robots/TDMRep, keyword scan,
// sampling).
func BenchmarkCheck(b *testing.B) {
	s := newTestStage(b, testPolicy())
	text := benchText(64 << 10)
	var recs []*schemas.Record
	for i := range 256 {
		r := rec("web", "text", text[i*200:i*200+2000], "url", fmt.Sprintf("https://news.example.com/a/%d.html", i),
			"fetched_at", "2024-03-01T10:00:00Z", "user_agent", "ProvBot/1.0")
		recs = append(recs, r)
	}
	st := s.NewState()
	var out stages.Outcome
	b.ReportAllocs()
	b.SetBytes(2000)
	i := 0
	for b.Loop() {
		out.Reset()
		s.Check(recs[i%len(recs)], st, &out)
		i++
	}
}

// TestDomainCache: a host read from the cache gives the same finding as
// one read afresh, whatever host shared its slot before.
func TestDomainCache(t *testing.T) {
	s := newTestStage(t, testPolicy())
	urls := []string{"https://m.tabloid.example.net/a", "https://bbs.example.com.cn/a", "https://shop.other.com.cn/a",
		"https://News.Example.org./x", "https://M.TABLOID.example.net/b", "http://[::1]/x", "https://a.b.c.d.example.com.cn/"}
	for i := range 300 {
		urls = append(urls, fmt.Sprintf("https://h%d.example.com.cn/", i), fmt.Sprintf("https://h%d.example.org/", i))
	}
	outcome := func(u string) string {
		var out stages.Outcome
		s.Check(rec("synth", "text", "x", "url", u), nil, &out)
		return fmt.Sprintf("%v %+v", out.Verdict, out.Findings)
	}
	fresh := map[string]string{}
	for _, u := range urls {
		s.domains = [256]atomic.Pointer[hostDomain]{}
		fresh[u] = outcome(u)
	}
	for range 2 {
		for _, u := range urls {
			if got := outcome(u); got != fresh[u] {
				t.Fatalf("%s: cached %s, fresh %s", u, got, fresh[u])
			}
		}
	}
	// Workers share the stage and its cache (go test -race).
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range urls {
				u := urls[(i*7+w*13)%len(urls)]
				if got := outcome(u); got != fresh[u] {
					errs <- u
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for u := range errs {
		t.Errorf("%s: concurrent reading differs from a fresh one", u)
	}
}

// TestDomainCacheSharedSlot: two hosts whose first slots are the same both
// stay cached (the second in its other slot), so alternating records of
// the two read the public-suffix list once each.
func TestDomainCacheSharedSlot(t *testing.T) {
	s := newTestStage(t, testPolicy())
	var a, b string
	first := map[uint8]string{}
	for n := 0; b == ""; n++ {
		h := fmt.Sprintf("h%d.example.org", n)
		i, j := hostSlots(h)
		if o, ok := first[i]; ok {
			if _, oj := hostSlots(o); oj != j && j != i {
				a, b = o, h
			}
		}
		first[i] = h
	}
	for range 3 {
		for _, h := range []string{a, b} {
			var out stages.Outcome
			s.Check(rec("synth", "text", "x", "url", "https://"+h+"/x"), nil, &out)
		}
	}
	ia, _ := hostSlots(a)
	_, jb := hostSlots(b)
	if d := s.domains[ia].Load(); d == nil || d.host != a {
		t.Errorf("%s is not in its first slot %d: %+v", a, ia, d)
	}
	if d := s.domains[jb].Load(); d == nil || d.host != b {
		t.Errorf("%s (first slot %d taken by %s) is not in its second slot %d: %+v", b, ia, a, jb, d)
	}
}
