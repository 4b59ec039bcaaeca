package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
)

// TestE2EOneTruthPerVersion checks that every figure a version publishes
// (metrics, rule lines, the EU summary, Croissant) describes the records
// the version admits after seal-time decisions, against what DuckDB gives
// over findings.parquet and the manifest. The demo blocks a source at seal
// (web-forum-2024, above the harmful-content threshold) whose records were
// partly quarantined and partly admitted at check time.
func TestE2EOneTruthPerVersion(t *testing.T) {
	root := repoRoot(t)
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r := runDemo(t, cfg, nil)
	var d = r.Datasets[0]
	for _, x := range r.Datasets {
		if x.Name == "chat-zh-en" {
			d = x
		}
	}
	mb, err := os.ReadFile(strings.TrimPrefix(d.Outputs.Manifest, "file://"))
	if err != nil {
		t.Fatal(err)
	}
	var m schemas.Manifest
	if err := json.Unmarshal(mb, &m); err != nil {
		t.Fatal(err)
	}
	if m.RejectedAtSeal == 0 || len(m.Blocked) == 0 {
		t.Fatalf("the demo should reject records at seal (blocked %v, rejected at seal %d)", m.Blocked, m.RejectedAtSeal)
	}
	findings := strings.TrimPrefix(d.Outputs.Findings, "file://")
	metrics := strings.TrimPrefix(d.Outputs.Metrics, "file://")
	admitted := m.Counts.Admit + m.Counts.Redact

	// Every record of a blocked source is rejected, each with a finding
	// citing the blocking rule.
	for _, b := range m.Blocked {
		var in, rejected int64
		for _, o := range m.Inputs {
			if o.Source == b.Source {
				in += o.Counts.In
				rejected += o.Counts.Reject
			}
		}
		if in == 0 || rejected != in {
			t.Errorf("blocked source %s: %d of %d records rejected, want all", b.Source, rejected, in)
		}
		rows := duckdb(t, fmt.Sprintf("SELECT count(DISTINCT record_digest) AS n FROM read_parquet('%s') WHERE source = '%s' AND rule_id = '%s' AND verdict = 'reject' AND record_digest <> ''",
			findings, b.Source, b.RuleID))
		if got := fmt.Sprint(rows[0]["n"]); got != fmt.Sprint(in) {
			t.Errorf("blocked source %s: %s records with a %s reject finding, want %d", b.Source, got, b.RuleID, in)
		}
	}

	// Findings: one rule ID each (rule_ids holds the rulebook row), never an
	// empty verdict.
	bad := duckdb(t, fmt.Sprintf(`SELECT rule_id, verdict, rule_ids FROM read_parquet('%s')
		WHERE verdict NOT IN ('admit','redact','quarantine','reject') OR rule_ids[1] <> rule_id
		   OR regexp_matches(rule_id, '/[A-Z]') OR contains(rule_id, ' ')`, findings))
	if len(bad) > 0 {
		t.Errorf("findings with an empty verdict or more than one rule ID in rule_id: %v", bad)
	}
	pipl := duckdb(t, fmt.Sprintf("SELECT rule_ids FROM read_parquet('%s') WHERE rule_id = 'CN-IM-7.3' LIMIT 1", findings))
	if len(pipl) == 1 && !strings.Contains(fmt.Sprint(pipl[0]["rule_ids"]), "PIPL-13") {
		t.Errorf("CN-IM-7.3 finding rule_ids = %v, want it to name PIPL-13 too", pipl[0]["rule_ids"])
	}

	// Metrics over the admitted set.
	metric := func(name, dim string) string {
		rows := duckdb(t, fmt.Sprintf("SELECT value FROM read_parquet('%s') WHERE metric = '%s' AND dimension = '%s'", metrics, name, dim))
		if len(rows) != 1 {
			t.Fatalf("metric %s/%s: %d rows", name, dim, len(rows))
		}
		return fmt.Sprint(rows[0]["value"])
	}
	for name, want := range map[string]int64{
		"records/overall":                    admitted,
		"records_in/overall":                 m.Counts.In,
		"records_not_admitted/overall":       m.Counts.In - admitted,
		"records_verdict/verdict:admit":      m.Counts.Admit,
		"records_verdict/verdict:reject":     m.Counts.Reject,
		"records_verdict/verdict:redact":     m.Counts.Redact,
		"records_verdict/verdict:quarantine": m.Counts.Quarantine,
	} {
		n, dim, _ := strings.Cut(name, "/")
		if got := metric(n, dim); got != fmt.Sprint(want) {
			t.Errorf("metric %s = %s, want %d (manifest)", name, got, want)
		}
	}
	// Per source: the quality stage's records and the pipeline's admitted
	// records agree with the manifest; a blocked source has none.
	for _, s := range m.Sources {
		rows := duckdb(t, fmt.Sprintf("SELECT value FROM read_parquet('%s') WHERE metric = 'records' AND dimension = 'source:%s'", metrics, s.ID))
		got := "0"
		if len(rows) == 1 {
			got = fmt.Sprint(rows[0]["value"])
		}
		if got != fmt.Sprint(s.Records) {
			t.Errorf("metric records/source:%s = %s, manifest says %d admitted", s.ID, got, s.Records)
		}
	}

	// Rule lines: every line of the quality stage counts the admitted
	// records; the consent-withdrawal line counts every record held under
	// it (findings with its rule and a holding verdict).
	for _, rl := range m.Rules {
		if (rl.RuleID == "CN-IM-7.4" || rl.RuleID == "EU-10.3" || rl.RuleID == "EU-TPL-1.3") && rl.N != admitted {
			t.Errorf("rule line %s %s: n = %d, want the %d admitted records", rl.RuleID, rl.Scope, rl.N, admitted)
		}
		if rl.RuleID == "PIPL-15/47" && rl.Scope == "dataset" {
			rows := duckdb(t, fmt.Sprintf("SELECT count(DISTINCT record_digest) AS n FROM read_parquet('%s') WHERE rule_id = 'PIPL-15/47' AND verdict IN ('quarantine','reject') AND record_digest <> ''", findings))
			if got := fmt.Sprint(rows[0]["n"]); got != fmt.Sprint(rl.Figure) {
				t.Errorf("rule line PIPL-15/47 figure %v, findings hold %s records under it", rl.Figure, got)
			}
		}
	}

	// The EU training-content summary lists only sources with admitted
	// records, and its sizes add up to the admitted set.
	stdout, stderr, code := prov(t, nil, "-c", cfg, "export", "summary", "chat-zh-en", "--format", "json")
	if code != 0 {
		t.Fatalf("export summary: exit %d\n%s", code, stderr)
	}
	var sum struct {
		General struct {
			Modalities []struct {
				Records int64    `json:"records"`
				Sources []string `json:"sources"`
			} `json:"modalities"`
		} `json:"general_information"`
	}
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("export summary JSON: %v\n%s", err, stdout)
	}
	var sumRecs int64
	for _, md := range sum.General.Modalities {
		sumRecs += md.Records
		for _, s := range md.Sources {
			for _, b := range m.Blocked {
				if s == b.Source {
					t.Errorf("EU summary lists blocked source %s", s)
				}
			}
		}
	}
	if sumRecs != admitted {
		t.Errorf("EU summary counts %d records, the version admits %d\n%s", sumRecs, admitted, stdout)
	}
	for _, b := range m.Blocked {
		if bytes.Contains([]byte(stdout), []byte(`"id": "`+b.Source+`"`)) {
			t.Errorf("EU summary lists blocked source %s as a data source", b.Source)
		}
	}
}

// TestE2EUnchangedRunKeepsCertificate: two runs on unchanged data leave one
// certificate, byte-identical; --force issues a new one on purpose.
func TestE2EUnchangedRunKeepsCertificate(t *testing.T) {
	root := repoRoot(t)
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r1 := runDemo(t, cfg, nil)
	read := func(r runJSON) map[string][]byte {
		out := map[string][]byte{}
		for _, d := range r.Datasets {
			b, err := os.ReadFile(strings.TrimPrefix(d.Outputs.Certificate, "file://"))
			if err != nil {
				t.Fatalf("dataset %s: %v", d.Name, err)
			}
			out[d.Name+"@"+d.Version] = b
		}
		return out
	}
	c1 := read(r1)
	stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("second prov run: exit %d\n%s", code, stderr)
	}
	var r2 runJSON
	if err := json.Unmarshal([]byte(stdout), &r2); err != nil {
		t.Fatalf("prov run -o json: %v\n%s", err, stdout)
	}
	c2 := read(r2)
	for k, b := range c1 {
		if !bytes.Equal(b, c2[k]) {
			t.Errorf("%s: the second run on unchanged data changed the certificate", k)
		}
	}
	certs := func(name string) int {
		stdout, stderr, code := prov(t, nil, "-c", cfg, "lineage", "dataset", name, "-o", "json")
		if code != 0 {
			t.Fatalf("lineage dataset: exit %d\n%s", code, stderr)
		}
		return strings.Count(stdout, `"envelope_sha256"`)
	}
	if n := certs("chat-zh-en"); n != 1 {
		t.Errorf("chat-zh-en holds %d certificates after two unchanged runs, want 1", n)
	}
	if _, stderr, code := prov(t, nil, "-c", cfg, "cert", "issue", "chat-zh-en"); code != 0 {
		t.Fatalf("cert issue: exit %d\n%s", code, stderr)
	}
	if n := certs("chat-zh-en"); n != 1 {
		t.Errorf("cert issue without --force issued a new certificate (%d)", n)
	}
	// issued_at has one-second resolution and Ed25519 signatures are
	// deterministic: a certificate forced within the second of the first
	// one is the same bytes (the ledger records it once). Let the second
	// pass, as it would between a run and a user's --force.
	time.Sleep(1100 * time.Millisecond)
	if _, stderr, code := prov(t, nil, "-c", cfg, "cert", "issue", "--force", "chat-zh-en"); code != 0 {
		t.Fatalf("cert issue --force: exit %d\n%s", code, stderr)
	}
	if n := certs("chat-zh-en"); n != 2 {
		t.Errorf("cert issue --force: %d certificates, want 2", n)
	}
}
