package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/quality"
)

// duckQuery runs sql through the DuckDB reader of tools/duckdb
// (PROV_DUCKDB) and returns its rows; it skips when the reader is not
// installed.
func duckQuery(t *testing.T, sql string) []map[string]any {
	t.Helper()
	dir := os.Getenv("PROV_DUCKDB")
	if dir == "" {
		dir = filepath.Join("..", "tools", "duckdb")
	}
	// absolute: the command runs in dir and is given query.mjs's path
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api")); err != nil {
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

// nearText is a long text; variant v changes one word of it.
func nearText(v int) string {
	words := strings.Fields(strings.Repeat("the quick brown fox jumps over the lazy dog while a curious cat watches from the garden wall ", 6))
	words[40] = fmt.Sprintf("variant%d", v)
	return strings.Join(words, " ")
}

// writeDupCorpus writes two sources: src-a and src-b hold the same three
// texts under other ids and URLs, spelled with other case, white space and
// compatibility forms; src-a also holds two near duplicates.
func writeDupCorpus(t *testing.T, dir string) {
	t.Helper()
	var a, b strings.Builder
	for i := 0; i < 20; i++ {
		h := sha256.Sum256([]byte{byte(i)})
		fmt.Fprintf(&a, `{"id":"a%d","url":"https://a.example/%d","text":%q}`+"\n", i, i, "unique "+hex.EncodeToString(h[:]))
	}
	planted := []string{"Hello World, this is a planted duplicate", "Second planted text\tabout data", "数据 训练 样本 三"}
	spelt := []string{"  hello   WORLD, this is a planted duplicate ", "ＳＥＣＯＮＤ planted text about\n data", "数据 训练\u3000样本 三"}
	for i, p := range planted {
		fmt.Fprintf(&a, `{"id":"pa%d","url":"https://a.example/p%d","text":%q}`+"\n", i, i, p)
		fmt.Fprintf(&b, `{"id":"pb%d","url":"https://b.example/x/%d","text":%q}`+"\n", i, i, spelt[i])
	}
	fmt.Fprintf(&a, `{"id":"n1","text":%q}`+"\n", nearText(1))
	fmt.Fprintf(&a, `{"id":"n2","text":%q}`+"\n", nearText(2))
	for k, v := range map[string]string{"a/part-00.jsonl": a.String(), "b/part-00.jsonl": b.String()} {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func dupOptions(t *testing.T, root string, action string) Options {
	opts := testOptions(t, root)
	opts.Config.Datasets[0].Inputs = []schemas.InputConfig{{Prefix: "a/", Source: "src-a"}, {Prefix: "b/", Source: "src-b"}}
	opts.Config.Datasets[0].Fields = map[string]schemas.FieldSpec{"url": {"url"}}
	opts.Policy.Quality.Duplicates.Action = action
	opts.Stages = func(ctx context.Context, env stages.Env) ([]stages.Stage, error) {
		q, err := quality.New(ctx, env)
		if err != nil {
			return nil, err
		}
		return []stages.Stage{q}, nil
	}
	return opts
}

func TestDuplicatesListedAcrossSources(t *testing.T) {
	root := t.TempDir()
	writeDupCorpus(t, filepath.Join(root, "in"))
	opts := dupOptions(t, root, "")
	res := runOK(t, opts)
	path := strings.TrimPrefix(res.Outputs.Duplicates, "file://")
	rows := duckQuery(t, fmt.Sprintf(`SELECT cluster_id, source, kind, jaccard, kept, locator FROM read_parquet('%s') ORDER BY kind, cluster_id, kept DESC, source`, path))
	var exact, near []map[string]any
	for _, r := range rows {
		if r["kind"] == "exact" {
			exact = append(exact, r)
		} else {
			near = append(near, r)
		}
	}
	if len(exact) != 6 {
		t.Fatalf("exact rows = %v, want 3 clusters of 2", exact)
	}
	for i := 0; i < 6; i += 2 {
		k, o := exact[i], exact[i+1]
		if k["cluster_id"] != o["cluster_id"] || k["kept"] != true || o["kept"] != false ||
			k["source"] != "src-a" || o["source"] != "src-b" || k["jaccard"] != 1.0 {
			t.Errorf("exact cluster rows %v / %v: want the src-a record kept and the src-b one listed", k, o)
		}
	}
	if len(near) != 2 || near[0]["cluster_id"] != near[1]["cluster_id"] {
		t.Fatalf("near rows = %v, want one cluster of 2", near)
	}
	for _, r := range near {
		j, _ := r["jaccard"].(float64)
		if j < 0.7 || j > 1 {
			t.Errorf("near row %v: Jaccard estimate %v out of range", r, j)
		}
	}
	m := map[string]float64{}
	for _, x := range readMetrics(t, res) {
		m[x.Metric+"|"+x.Dimension] = x.Value
	}
	if m["exact_dup_clusters|overall"] != 3 || m["exact_dup_records|overall"] != 3 || m["near_dup_clusters|overall"] != 1 || m["dup_records_acted_on|action:none"] != 0 {
		t.Errorf("duplicate metrics = %v", m)
	}
	if res.Counts.Admit != res.Counts.In {
		t.Errorf("action none changed verdicts: %+v", res.Counts)
	}
}

func readMetrics(t *testing.T, res DatasetResult) []schemas.Metric {
	t.Helper()
	rows := duckQuery(t, fmt.Sprintf(`SELECT metric, dimension, value FROM read_parquet('%s')`, strings.TrimPrefix(res.Outputs.Metrics, "file://")))
	var out []schemas.Metric
	for _, r := range rows {
		v, _ := r["value"].(float64)
		out = append(out, schemas.Metric{Metric: r["metric"].(string), Dimension: r["dimension"].(string), Value: v})
	}
	return out
}

func TestDuplicateActionRejects(t *testing.T) {
	root := t.TempDir()
	writeDupCorpus(t, filepath.Join(root, "in"))
	res := runOK(t, dupOptions(t, root, schemas.DupActionReject))
	if res.Counts.Reject != 3 {
		t.Fatalf("counts = %+v, want the 3 non-kept duplicates rejected", res.Counts)
	}
	var acted []string
	for _, f := range readFindings(t, strings.TrimPrefix(res.Outputs.Findings, "file://")) {
		if f.RuleID == RuleDuplicate && f.RecordDigest != "" {
			if f.Verdict != "reject" || f.Source != "src-b" {
				t.Errorf("duplicate finding %+v: want verdict reject on a src-b record", f)
			}
			acted = append(acted, f.Locator)
		}
	}
	if len(acted) != 3 {
		t.Fatalf("duplicate findings at %v, want 3", acted)
	}
	m := map[string]float64{}
	for _, x := range readMetrics(t, res) {
		m[x.Metric+"|"+x.Dimension] = x.Value
	}
	if m["dup_records_acted_on|action:reject"] != 3 {
		t.Errorf("dup_records_acted_on = %v", m)
	}
}

func TestDuplicatesSameForWorkers(t *testing.T) {
	var files []string
	for _, w := range []int{1, 4} {
		root := t.TempDir()
		writeDupCorpus(t, filepath.Join(root, "in"))
		// More objects so that workers interleave.
		for i := 1; i < 6; i++ {
			b, err := os.ReadFile(filepath.Join(root, "in", "b", "part-00.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(root, "in", "b", fmt.Sprintf("part-%02d.jsonl", i)), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		opts := dupOptions(t, root, schemas.DupActionQuarantine)
		opts.Workers = w
		res := runOK(t, opts)
		rows := duckQuery(t, fmt.Sprintf(`SELECT * FROM read_parquet('%s')`, strings.TrimPrefix(res.Outputs.Duplicates, "file://")))
		b, err := json.Marshal(rows)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, strings.ReplaceAll(string(b), root, "ROOT"))
		if res.Counts.Quarantine != 3*6 || len(rows) != 3*7+2 {
			t.Errorf("workers %d: counts %+v, %d rows; want 18 quarantined, 23 rows", w, res.Counts, len(rows))
		}
	}
	if files[0] != files[1] {
		t.Fatal("duplicates.parquet differs between 1 and 4 workers")
	}
}
