package export

import (
	"strings"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

func u64(v uint64) *uint64 { return &v }

// testVersion is a constructed sealed version: a crawled source, an
// open-source one, a vendor one and a synthetic one, with the metrics the
// stages write, two runs (one ok, one failed shard) and a certificate.
func testVersion() *Version {
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	hex64 := func(c string) string { return strings.Repeat(c, 64) }
	m := &schemas.Manifest{
		Schema: schemas.ManifestSchema, Dataset: "chat", Version: "v1",
		Digest: "sha256:" + hex64("a"), Records: 900,
		Counts: schemas.Counts{In: 1000, Admit: 880, Redact: 20, Quarantine: 60, Reject: 40},
		Policy: schemas.ManifestPolicy{ID: "p", Version: "1", Digest: "sha256:" + hex64("b")},
		Use:    "commercial",
		Inputs: []schemas.InputObject{
			{URI: "s3://corpus/web/news-01.jsonl", Key: "web/news-01.jsonl", ETag: "e1", SHA256: hex64("1"), Size: 600000, Format: "jsonl", Source: "web-news", RecordRoot: hex64("c"), Counts: schemas.Counts{In: 700, Admit: 640, Quarantine: 30, Reject: 30}},
			{URI: "s3://corpus/oss/wiki.parquet", Key: "oss/wiki.parquet", VersionID: "3HL4kqtJlcpXroDTDmJ", ETag: "e2", SHA256: hex64("2"), Size: 200000, Format: "parquet", Source: "oss-wiki", RecordRoot: hex64("d"), Counts: schemas.Counts{In: 200, Admit: 180, Redact: 20}},
			{URI: "file:///data/vendor/books.jsonl", Key: "vendor/books.jsonl", ETag: "e3", SHA256: hex64("3"), Size: 50000, Format: "jsonl", Source: "vendor-books", RecordRoot: hex64("e"), Counts: schemas.Counts{In: 60, Admit: 40, Quarantine: 20}},
			{URI: "s3://corpus/synth/d.jsonl", Key: "synth/d.jsonl", ETag: "e4", SHA256: hex64("4"), Size: 9000, Format: "jsonl", Source: "synth", RecordRoot: hex64("f"), Counts: schemas.Counts{In: 40, Admit: 20, Quarantine: 10, Reject: 10}},
		},
		Sources: []schemas.SourceRef{
			{ID: "oss-wiki", Channel: schemas.ChannelOpenSource, LegalBasis: "licence", Licence: "CC-BY-SA-4.0", Origin: "domestic", Modality: "text", Records: 200, Bytes: 190000},
			{ID: "synth", Channel: schemas.ChannelSynthetic, LegalBasis: "own-generation", Origin: "domestic", Modality: "text", Records: 20, Bytes: 4000},
			{ID: "vendor-books", Channel: schemas.ChannelCommercial, LegalBasis: "contract", Origin: "foreign", Modality: "text", Records: 40, Bytes: 40000},
			{ID: "web-news", Channel: schemas.ChannelSelfCollected, LegalBasis: "tdm-exception", Origin: "domestic", Modality: "text", Records: 640, Bytes: 500000},
		},
		Rules: []schemas.RuleResult{
			{RuleID: "TC260-5.1-a", Scope: "web-news", Pass: true, Figure: 0.012, Threshold: 0.05, N: 640, Detail: "source web-news harmful ratio 0.012 <= 0.05 over n=640"},
			{RuleID: "TC260-5.1-a", Scope: "synth", Pass: false, Figure: 0.1, Threshold: 0.05, N: 40, Detail: "source synth harmful ratio 0.100 > 0.05 over n=40"},
			{RuleID: "TC260-9.2-b", Scope: "dataset", Pass: true, Figure: 0.991, Threshold: 0.98, N: 900, Detail: "automated keyword pass rate 0.9910", Gate: true},
			{RuleID: "EU-53.1c", Scope: "dataset", Pass: true, Figure: 12, N: 1000, Detail: "12 findings over 1000 records"},
			{RuleID: "TC260-5.1-a3", Scope: "dataset", Pass: true, Figure: 3, N: 1000, Detail: "3 findings over 1000 records"},
			{RuleID: "CN-IM-7.2", Scope: "dataset", Pass: true, Figure: 0, N: 1000, Detail: "use commercial accepts [commercial]"},
			{RuleID: "CN-IM-7.3", Scope: "dataset", Pass: true, N: 1000, Detail: "no record lacked the required consent"},
			{RuleID: "CN-IM-11", Scope: "dataset", Pass: true, Figure: 25, N: 1000, Detail: "25 PI entities in 20 of 1000 records"},
			{RuleID: "TC260-5.1-b", Scope: "zh/text", Pass: false, Figure: 1, Threshold: 2, N: 700, Detail: "language zh modality text: 1 sources < 2"},
			{RuleID: "CN-IM-8.2", Scope: "batch safety-v2/b-0003", Pass: false, Figure: 0.28, Threshold: 0.667, N: 18, Detail: "Krippendorff's alpha 0.280 < 0.667", Gate: true},
		},
		Blocked: []schemas.BlockedSource{{Source: "synth", RuleID: "TC260-5.1-a"}},
		Outputs: schemas.ManifestOutput{
			Findings: schemas.FileRef{Path: "findings.parquet", SHA256: hex64("5"), Size: 9000, Rows: 100},
			Metrics:  schemas.FileRef{Path: "metrics.parquet", SHA256: hex64("6"), Size: 3000, Rows: 80},
		},
	}
	mt := func(name, dim string, v float64) schemas.Metric {
		return schemas.Metric{Dataset: "chat", Version: "v1", Metric: name, Dimension: dim, Value: v}
	}
	metrics := []schemas.Metric{
		mt("records", "overall", 900), mt("bytes", "overall", 734000), mt("tokens_est", "overall", 210000),
		mt("records", "modality:text", 900), mt("bytes", "modality:text", 734000), mt("tokens_est", "modality:text", 210000),
		mt("completeness", "field:text", 1), mt("completeness", "field:url", 0.7), mt("completeness", "field:licence", 0.25),
		mt("top_domain_bytes", "domain:news.example.com", 300000), mt("top_domain_bytes", "domain:daily.example.org", 120000),
		mt("top_domains_byte_share", "overall", 0.84), mt("domains", "overall", 20), mt("records_with_url", "overall", 640),
		mt("language_share", "lang:zh", 0.7), mt("language_share", "lang:en", 0.3),
		mt("licence_records", "CC-BY-SA-4.0", 200), mt("licence_bytes", "CC-BY-SA-4.0", 190000),
		mt("licence_class_records", "commercial", 900), mt("licence_class_bytes", "commercial", 734000),
		mt("licence_conflicts", "overall", 2),
		mt("pii_entities", "email", 15), mt("pii_entities", "phone", 10), mt("pii_record_share", "any", 0.022),
		mt("top_source_share", "overall", 0.71), mt("legality.origin_share", "domestic", 0.95), mt("legality.origin_share", "foreign", 0.05),
		{Dataset: "chat", Version: "v1", Metric: "near_dup_rate", Dimension: "overall", Value: 0.03, Error: 0.01},
	}
	reg := &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "web-news", Name: "News crawl 2024", Channel: schemas.ChannelSelfCollected, LegalBasis: "tdm-exception", Modality: "text",
			Crawler: &schemas.Crawler{UserAgent: "ProvBot/1.0", From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), Records: "web/_crawl/", Signals: "web/_signals/"}},
		{ID: "oss-wiki", Name: "Wiki dump", Channel: schemas.ChannelOpenSource, LegalBasis: "licence", Licence: "CC-BY-SA-4.0", LicenceEvidence: "https://creativecommons.org/licenses/by-sa/4.0/"},
		{ID: "vendor-books", Name: "Licensed books", Channel: schemas.ChannelCommercial, LegalBasis: "contract",
			Contract: &schemas.Contract{ID: "C-1", Counterparty: "Books Ltd", ValidFrom: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), ValidTo: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), PermitsTraining: true}},
		{ID: "synth", Name: "Synthetic dialogues", Channel: schemas.ChannelSynthetic, LegalBasis: "own-generation", Generator: "gen-model-7b"},
	}}
	pol := &schemas.Policy{ID: "p", Version: "1", Seed: 42}
	pol.Legality.Harmful.Lists = []schemas.KeywordList{{Category: "violence", File: "kw/violence.txt"}, {Category: "fraud", File: "kw/fraud.txt"}}
	pol.Legality.Blocklist.Domains = []string{"gossip.example"}
	pol.ApplyDefaults()
	ds := &schemas.DatasetConfig{Name: "chat", Fields: map[string]schemas.FieldSpec{"text": {"body"}, "id": {"id"}, "url": {"url"}, "licence": {"license"}, "consent": {"consent"}}}
	info := &lineage.VersionInfo{Dataset: "chat", Version: "v1", Leaf: 9, Time: t0.Add(3 * time.Minute), Digest: hex64("a"),
		ManifestSHA256: hex64("7"), Counts: m.Counts, Objects: 4, Sources: []string{"oss-wiki", "synth", "vendor-books", "web-news"},
		PolicyID: "p", PolicyDigest: hex64("b"),
		Runs: []lineage.RunInfo{
			{RunID: "20261127T090000Z-aaaa", Started: u64(0), StartedAt: t0, Finished: u64(8), FinishedAt: t0.Add(2 * time.Minute), Status: "gate", Counts: m.Counts},
			{RunID: "20261127T085000Z-bbbb", Started: u64(1), StartedAt: t0.Add(-10 * time.Minute), Finished: u64(2), FinishedAt: t0.Add(-9 * time.Minute), Status: "failed"},
			{RunID: "20261127T095000Z-cccc", Started: u64(10), StartedAt: t0.Add(50 * time.Minute)},
		},
		Certificates: []lineage.CertInfo{{Dataset: "chat", Version: "v1", Leaf: 10, Time: t0.Add(4 * time.Minute), EnvelopeSHA256: hex64("8"),
			PredicateType: "https://prov.dev/attestations/dataset/v1", Status: lineage.StatusValid, Cause: -1}},
	}
	return &Version{Manifest: m, ManifestSHA256: hex64("7"), ManifestSize: 4000, OutputURI: "s3://out/prov/chat/v1",
		Metrics: metrics, Sources: reg, Policy: pol, Dataset: ds, Ledger: info, LedgerOrigin: "prov.example/ledger"}
}
