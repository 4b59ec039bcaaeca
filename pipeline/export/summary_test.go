package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestSummarySections(t *testing.T) {
	s := BuildSummary(testVersion(), SummaryOptions{Provider: "Example AI GmbH, ai@example.com"})
	g := s.General
	if len(g.Modalities) != 1 || g.Modalities[0].Modality != "text" || g.Modalities[0].Tokens != 210000 ||
		g.Modalities[0].SizeBin != "Less than 1 billion tokens" || g.Modalities[0].Records != 900 {
		t.Errorf("modalities %+v", g.Modalities)
	}
	if g.LatestCollection != "2024-12-31" || g.SealedAt != "2026-11-27T09:03:00Z" || g.Model != "models trained on chat@v1" {
		t.Errorf("general %+v", g)
	}
	src := s.Sources
	ids := func(l []SummarySource) string {
		var out []string
		for _, e := range l {
			out = append(out, e.ID)
		}
		return strings.Join(out, ",")
	}
	for name, got := range map[string]string{
		"public": ids(src.PublicDatasets) + "|oss-wiki", "licensed": ids(src.Licensed) + "|vendor-books",
		"crawled": ids(src.Crawled.Sources) + "|web-news", "synthetic": ids(src.Synthetic) + "|synth",
		"user": ids(src.UserData) + "|", "other": ids(src.Other) + "|",
	} {
		if a, b, _ := strings.Cut(got, "|"); a != b {
			t.Errorf("%s sources %q, want %q", name, a, b)
		}
	}
	c := src.Crawled
	if len(c.TopDomains) != 2 || c.TopDomains[0].Domain != "news.example.com" || c.TopDomains[0].Bytes != 300000 ||
		c.TopShare != 0.84 || c.Domains != 20 {
		t.Errorf("crawled %+v", c)
	}
	if len(c.Crawlers) != 1 || c.Crawlers[0].UserAgent != "ProvBot/1.0" || c.Crawlers[0].From != "2024-01-01" {
		t.Errorf("crawlers %+v", c.Crawlers)
	}
	p := s.Processing
	if len(p.OptOut.Measures) != 3 || len(p.OptOut.Figures) != 1 || !strings.Contains(p.OptOut.Figures[0], "EU-53.1c pass: 12 findings") {
		t.Errorf("opt-out %+v", p.OptOut)
	}
	ic := strings.Join(append(p.IllegalContent.Measures, p.IllegalContent.Figures...), "\n")
	for _, want := range []string{"violence (kw/violence.txt), fraud (kw/fraud.txt)", "exceeds 0.05", "n = 4000",
		"TC260-5.1-a [web-news] pass", "TC260-5.1-a [synth] FAIL", "source synth blocked by TC260-5.1-a", "manual review of 4000", "1 domains"} {
		if !strings.Contains(ic, want) {
			t.Errorf("illegal-content section lacks %q:\n%s", want, ic)
		}
	}
}

func TestSummaryMarkdownAndJSON(t *testing.T) {
	v := testVersion()
	v.Manifest.Sources[0].ID = "oss|wiki" // must not break the table
	s := BuildSummary(v, SummaryOptions{})
	var md bytes.Buffer
	if err := s.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	text := md.String()
	for _, want := range []string{
		"## 1. General information", "### 1.3 Modalities", "| text | Less than 1 billion tokens | 900 | 734000 | 210000 |",
		"## 2. List of data sources", "### 2.1 Publicly available datasets", "### 2.3 Data crawled and scraped",
		"| news.example.com | 300000 |", "Crawler `ProvBot/1.0`", "### 2.4 User data\n\nNone.",
		"## 3. Data processing aspects", "### 3.1 Respect of reservation of rights", "### 3.2 Removal of illegal content",
		`oss\|wiki`, "not stated (pass --provider)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Summary
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Sources.Crawled.TopDomains[1].Domain != "daily.example.org" || back.General.Modalities[0].SizeBin != s.General.Modalities[0].SizeBin {
		t.Errorf("JSON round trip lost data: %s", b)
	}
	for _, key := range []string{`"general_information"`, `"list_of_data_sources"`, `"data_processing"`, `"top_domains_byte_share"`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}

func TestSummaryWithoutMetrics(t *testing.T) {
	v := testVersion()
	v.Metrics, v.Policy, v.Ledger = nil, nil, nil
	s := BuildSummary(v, SummaryOptions{Model: "m-1"})
	if len(s.General.Modalities) != 1 || s.General.Modalities[0].Records != 900 || s.General.Modalities[0].Bytes != 734000 {
		t.Errorf("fallback sizes from manifest sources: %+v", s.General.Modalities)
	}
	if s.Sources.Crawled.TopDomains == nil || len(s.Sources.Crawled.TopDomains) != 0 {
		t.Errorf("top domains %+v", s.Sources.Crawled.TopDomains)
	}
	var md bytes.Buffer
	if err := s.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "m-1") {
		t.Fatalf("markdown %v\n%s", err, md.String())
	}
}

func TestSizeBins(t *testing.T) {
	for _, tc := range []struct {
		mod             string
		tokens, records int64
		want            string
	}{
		{"text", 999_999_999, 0, "Less than 1 billion tokens"},
		{"text", 1_000_000_000, 0, "1 billion to 10 trillion tokens"},
		{"text", 10_000_000_000_000, 0, "1 billion to 10 trillion tokens"},
		{"text", 10_000_000_000_001, 0, "More than 10 trillion tokens"},
		{"image", 0, 999_999, "Less than 1 million images"},
		{"image", 0, 2_000_000_000, "More than 1 billion images"},
		{"audio", 0, 5, ""},
	} {
		if got := binOf(tc.mod, tc.tokens, tc.records); got != tc.want {
			t.Errorf("binOf(%s, %d, %d) = %q, want %q", tc.mod, tc.tokens, tc.records, got, tc.want)
		}
	}
}
