package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/prov-ai/prov/objstore/s3test"
)

// The end-to-end tests build the prov binary once and run it as a user
// would, on the demo fixtures, through the local store and a real S3
// server (versitygw), then read the outputs back with DuckDB.

var provBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "prov-e2e-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = os.RemoveAll(dir) }()
		provBin = filepath.Join(dir, "prov")
		out, err := exec.Command("go", "build", "-o", provBin, ".").CombinedOutput()
		if err != nil {
			fmt.Fprintf(os.Stderr, "building prov: %v\n%s", err, out)
			return 1
		}
		return s3test.Main(m)
	}())
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// demoConfig writes a copy of the demo configuration into a temp dir, with
// its input at input (a store URI) and output, ledger and keys in the temp
// dir. It returns the config path and the temp dir.
func demoConfig(t *testing.T, input string, extra string) (string, string) {
	t.Helper()
	return fixtureConfig(t, filepath.Join(repoRoot(t), "fixtures", "demo"), input, extra)
}

// fixtureConfig writes a copy of fix/prov.yaml into a temp dir with its
// input at input, its policy and sources read from fix, and its output,
// ledger and keys in the temp dir; extra is appended. It returns the config
// path and the temp dir.
func fixtureConfig(t *testing.T, fix, input, extra string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(fix, "prov.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "input:"):
			line = "input: " + input
		case strings.HasPrefix(line, "output:"):
			line = "output: " + filepath.Join(dir, "out")
		case strings.HasPrefix(line, "policy:"):
			line = "policy: " + filepath.Join(fix, "policy.yaml")
		case strings.HasPrefix(line, "sources:"):
			line = "sources: " + filepath.Join(fix, "sources.yaml")
		case strings.HasPrefix(line, "  dir:"):
			line = "  dir: " + filepath.Join(dir, "ledger")
		case strings.HasPrefix(line, "  signing_key:"):
			line = "  signing_key: " + filepath.Join(dir, "keys", "ledger.key")
		case strings.HasPrefix(line, "  public_key:"):
			line = "  public_key: " + filepath.Join(dir, "keys", "ledger.pub")
		}
		out = append(out, line)
	}
	path := filepath.Join(dir, "prov.yaml")
	if err := os.WriteFile(path, []byte(strings.Join(out, "\n")+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

// prov runs the binary and returns stdout, stderr and the exit code.
func prov(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(provBin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running prov %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), code
}

type runJSON struct {
	Datasets []struct {
		Name    string `json:"name"`
		Version string `json:"version"`
		Digest  string `json:"digest"`
		Counts  struct {
			In, Admit, Redact, Quarantine, Reject int64
		} `json:"counts"`
		Outputs struct {
			Manifest, Findings, Metrics, Duplicates, Certificate string
		} `json:"outputs"`
	} `json:"datasets"`
}

// runDemo runs keygen and `prov run -o json` with cfg and checks the exit
// code is 0 or 3 (the demo policy has failing gates on purpose).
func runDemo(t *testing.T, cfg string, env []string, extra ...string) runJSON {
	t.Helper()
	if _, stderr, code := prov(t, env, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("prov keygen: exit %d\n%s", code, stderr)
	}
	args := append([]string{"-c", cfg, "run", "-o", "json"}, extra...)
	stdout, stderr, code := prov(t, env, args...)
	if code != 0 && code != 3 {
		t.Fatalf("prov run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	var res runJSON
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("prov run -o json printed invalid JSON: %v\n%s", err, stdout)
	}
	if len(res.Datasets) == 0 {
		t.Fatalf("prov run printed no datasets:\n%s", stdout)
	}
	for _, d := range res.Datasets {
		c := d.Counts
		if c.In == 0 || c.In != c.Admit+c.Redact+c.Quarantine+c.Reject {
			t.Fatalf("dataset %s counts do not reconcile: %+v", d.Name, c)
		}
	}
	return res
}

func digests(r runJSON) map[string]string {
	m := map[string]string{}
	for _, d := range r.Datasets {
		m[d.Name] = d.Digest
	}
	return m
}

func TestE2EDemoLocalWorkersAgree(t *testing.T) {
	root := repoRoot(t)
	input := "file://" + filepath.Join(root, "fixtures", "demo", "corpus")
	cfg1, _ := demoConfig(t, input, "")
	r1 := runDemo(t, cfg1, nil, "--workers", "1")
	cfg4, _ := demoConfig(t, input, "")
	r4 := runDemo(t, cfg4, nil, "--workers", "4")
	if a, b := digests(r1), digests(r4); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("digests differ: workers 1 %v, workers 4 %v", a, b)
	}
	// Metrics (exact and sampled) are byte-identical too, and so are those
	// of 3 shard runs merged by prov seal.
	cfgS, _ := demoConfig(t, input, "")
	if _, stderr, code := prov(t, nil, "-c", cfgS, "keygen"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	for i := 0; i < 3; i++ {
		if _, stderr, code := prov(t, nil, "-c", cfgS, "run", "--dataset", "chat-zh-en", "--shard", fmt.Sprintf("%d/3", i)); code != 0 {
			t.Fatalf("shard %d/3: exit %d\n%s", i, code, stderr)
		}
	}
	out, stderr, code := prov(t, nil, "-c", cfgS, "seal", "chat-zh-en", "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("seal: exit %d\n%s", code, stderr)
	}
	var rs runJSON
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs.Datasets) != 1 {
		t.Fatalf("seal -o json: %v\n%s", err, out)
	}
	metricsSum := func(uri string) string {
		b, err := os.ReadFile(strings.TrimPrefix(uri, "file://"))
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%x", sha256.Sum256(b))
	}
	m := map[string]string{}
	for _, d := range r1.Datasets {
		m[d.Name] = metricsSum(d.Outputs.Metrics)
	}
	for _, d := range r4.Datasets {
		if got := metricsSum(d.Outputs.Metrics); got != m[d.Name] {
			t.Errorf("%s: metrics.parquet differs between 1 and 4 workers", d.Name)
		}
	}
	if d := rs.Datasets[0]; d.Digest != digests(r1)["chat-zh-en"] || metricsSum(d.Outputs.Metrics) != m["chat-zh-en"] {
		t.Errorf("3 shards + seal: digest %s (single run %s) or metrics.parquet differ", d.Digest, digests(r1)["chat-zh-en"])
	}
}

func TestE2EDemoS3MatchesLocal(t *testing.T) {
	root := repoRoot(t)
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t, "corpus")
	srv.PutDir(t, bucket, "", filepath.Join(root, "fixtures", "demo", "corpus"))
	env := []string{"PROV_S3_ACCESS_KEY=" + srv.AccessKey, "PROV_S3_SECRET_KEY=" + srv.SecretKey}
	s3cfg := fmt.Sprintf("\ns3:\n  endpoint: %s\n  region: %s\n  insecure: true\n  path_style: true\n", srv.Endpoint, srv.Region)
	cfgS3, _ := demoConfig(t, "s3://"+bucket, s3cfg)
	rs := runDemo(t, cfgS3, env)
	cfgL, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	rl := runDemo(t, cfgL, nil)
	if a, b := digests(rs), digests(rl); fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("digests differ: s3 %v, local %v", a, b)
	}
	for _, d := range rs.Datasets {
		if !strings.HasPrefix(d.Outputs.Manifest, "file://") {
			t.Fatalf("manifest URI %q", d.Outputs.Manifest)
		}
	}
	checkLedgerQueries(t, cfgS3, env, "s3://"+bucket, rs)
}

// checkLedgerQueries asks the ledger what a data engineer would: the
// versions of a dataset, an object's ingestions, and a known data subject.
func checkLedgerQueries(t *testing.T, cfg string, env []string, inputRoot string, r runJSON) {
	t.Helper()
	var chat string
	for _, d := range r.Datasets {
		if d.Name == "chat-zh-en" {
			chat = d.Version
		}
	}
	out, stderr, code := prov(t, env, "-c", cfg, "lineage", "dataset", "chat-zh-en", "-o", "json")
	if code != 0 || !strings.Contains(out, `"version": "`+chat+`"`) {
		t.Fatalf("lineage dataset: exit %d, version %s not listed\n%s%s", code, chat, out, stderr)
	}
	obj := inputRoot + "/users/chats-2024-09.jsonl"
	out, stderr, code = prov(t, env, "-c", cfg, "lineage", "object", obj, "-o", "json")
	if code != 0 || !strings.Contains(out, chat) {
		t.Fatalf("lineage object %s: exit %d, version %s not found\n%s%s", obj, code, chat, out, stderr)
	}
	// lin.wei@example.com is a demo user who consented: found, never stored in clear.
	out, stderr, code = prov(t, env, "-c", cfg, "lineage", "subject", "--email", "Lin.Wei@example.com", "-o", "json")
	if code != 0 || !strings.Contains(out, `"line": 5`) || !strings.Contains(out, chat) {
		t.Fatalf("lineage subject: exit %d\n%s%s", code, out, stderr)
	}
	if strings.Contains(out, "lin.wei") {
		t.Fatalf("lineage subject printed the identifier in clear:\n%s", out)
	}
}

// duckdb runs a query with the DuckDB reader from tools/duckdb.
func duckdb(t *testing.T, sql string) []map[string]any {
	t.Helper()
	dir := os.Getenv("PROV_DUCKDB")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "tools", "duckdb")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
		if os.Getenv("CI") != "" || os.Getenv("PROV_REQUIRE_S3") != "" {
			t.Fatalf("DuckDB reader not installed in %s (run make tools)", dir)
		}
		t.Skipf("DuckDB reader not installed in %s (run make tools)", dir)
	}
	cmd := exec.Command("node", filepath.Join(dir, "query.mjs"), sql)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("duckdb %q: %v\n%s", sql, err, ee.Stderr)
		}
		t.Fatalf("duckdb %q: %v", sql, err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out, &rows); err != nil {
		t.Fatalf("duckdb output: %v\n%s", err, out)
	}
	return rows
}

func TestE2EParquetReadsBackInDuckDB(t *testing.T) {
	root := repoRoot(t)
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r := runDemo(t, cfg, nil)
	d := r.Datasets[0]
	findings := strings.TrimPrefix(d.Outputs.Findings, "file://")
	metrics := strings.TrimPrefix(d.Outputs.Metrics, "file://")

	cols := duckdb(t, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('%s'))", findings))
	types := map[string]string{}
	for _, c := range cols {
		types[c["column_name"].(string)] = c["column_type"].(string)
	}
	for col, typ := range map[string]string{"rule_id": "VARCHAR", "stage": "VARCHAR", "severity": "VARCHAR",
		"verdict": "VARCHAR", "record_digest": "VARCHAR", "object": "VARCHAR", "locator": "VARCHAR",
		"message": "VARCHAR", "figure": "DOUBLE"} {
		if types[col] != typ {
			t.Errorf("findings.%s has DuckDB type %q, want %s (all: %v)", col, types[col], typ, types)
		}
	}
	n := duckdb(t, fmt.Sprintf("SELECT count(*) AS n, count(DISTINCT rule_id) AS rules FROM read_parquet('%s')", findings))
	if fmt.Sprint(n[0]["n"]) == "0" {
		t.Errorf("findings.parquet has no rows")
	}
	mrows := duckdb(t, fmt.Sprintf("SELECT value FROM read_parquet('%s') WHERE metric = 'records_read' AND dimension = 'overall'", metrics))
	if len(mrows) != 1 || fmt.Sprint(mrows[0]["value"]) != fmt.Sprint(d.Counts.In) {
		t.Errorf("metrics records_read = %v, want %d", mrows, d.Counts.In)
	}
	// duplicates.parquet: its row count agrees with the metrics of the
	// clusters it lists (one kept member per cluster).
	dups := strings.TrimPrefix(d.Outputs.Duplicates, "file://")
	drows := duckdb(t, fmt.Sprintf("SELECT count(*) - count(*) FILTER (WHERE kept) AS notkept, count(DISTINCT cluster_id) AS clusters FROM read_parquet('%s')", dups))
	want := duckdb(t, fmt.Sprintf("SELECT sum(value) FILTER (WHERE metric IN ('exact_dup_records', 'near_dup_records')) AS notkept, sum(value) FILTER (WHERE metric IN ('exact_dup_clusters', 'near_dup_clusters')) AS clusters FROM read_parquet('%s')", metrics))
	if len(drows) != 1 || len(want) != 1 || fmt.Sprint(drows[0]["notkept"]) != fmt.Sprint(want[0]["notkept"]) || fmt.Sprint(drows[0]["clusters"]) != fmt.Sprint(want[0]["clusters"]) {
		t.Errorf("duplicates.parquet %v disagrees with the duplicate metrics %v", drows, want)
	}
}
