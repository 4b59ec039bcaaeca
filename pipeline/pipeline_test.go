package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// testStage is a small real stage: it rejects texts containing "BAD",
// redacts texts containing "EMAIL", counts records per source in its state
// and blocks source "blocked" at conclusion.
type testStage struct{}

type countState struct{ N map[string]int64 }

func (s *countState) Merge(o stages.State) error {
	for k, v := range o.(*countState).N {
		s.N[k] += v
	}
	return nil
}
func (s *countState) MarshalBinary() ([]byte, error) { return json.Marshal(s.N) }
func (s *countState) UnmarshalBinary(b []byte) error { return json.Unmarshal(b, &s.N) }

func (testStage) Name() string           { return "test" }
func (testStage) NewState() stages.State { return &countState{N: map[string]int64{}} }
func (testStage) Check(r *schemas.Record, st stages.State, out *stages.Outcome) {
	st.(*countState).N[r.Source]++
	switch {
	case strings.Contains(r.Text(), "BAD"):
		out.Find(schemas.Reject, schemas.Finding{RuleID: "T-1", Stage: "test", Severity: schemas.SeverityError, Message: "bad word"})
	case strings.Contains(r.Text(), "EMAIL"):
		out.Find(schemas.Redact, schemas.Finding{RuleID: "T-2", Stage: "test", Severity: schemas.SeverityWarning, Message: "pi"})
		sum := sha256.Sum256([]byte(r.Values[schemas.FieldSubject]))
		out.Subjects = append(out.Subjects, hex.EncodeToString(sum[:]))
	}
}
func (testStage) Conclude(st stages.State, c *stages.Conclusion) error {
	cs := st.(*countState)
	for src, n := range cs.N {
		c.Metrics = append(c.Metrics, schemas.Metric{Metric: "test_records", Dimension: "source=" + src, Value: float64(n)})
	}
	if cs.N["blocked"] > 0 {
		c.Block("blocked", "T-BLOCK")
	}
	c.Rules = append(c.Rules, schemas.RuleResult{RuleID: "T-GATE", Scope: "dataset", Pass: true, Gate: true, Detail: "always passes"})
	return nil
}

// writeCorpus writes a small corpus of nobj objects per source.
func writeCorpus(t *testing.T, dir string) {
	t.Helper()
	files := map[string]string{}
	for i := 0; i < 6; i++ {
		var b strings.Builder
		for j := 0; j < 50; j++ {
			text := fmt.Sprintf("record %d-%d 训练数据", i, j)
			switch j % 10 {
			case 3:
				text += " BAD"
			case 5:
				text += " EMAIL"
			}
			fmt.Fprintf(&b, `{"id":"%d-%d","text":%q,"user_id":"u%d"}`+"\n", i, j, text, j%7)
		}
		if i == 2 {
			b.WriteString("{not json\n")
		}
		files[fmt.Sprintf("a/part-%02d.jsonl", i)] = b.String()
	}
	files["b/only.jsonl"] = `{"id":"b1","text":"from a blocked source"}` + "\n" + `{"id":"b2","text":"also blocked"}` + "\n"
	files["a/_aux/roster.jsonl"] = `{"not":"a record"}` + "\n"
	for k, v := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func testOptions(t *testing.T, root string) Options {
	t.Helper()
	ctx := context.Background()
	in, err := objstore.Open(ctx, "file://"+filepath.Join(root, "in"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := objstore.Open(ctx, "file://"+filepath.Join(root, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &schemas.Config{Version: 1, Work: filepath.Join(root, "work"), Datasets: []schemas.DatasetConfig{{
		Name:   "ds",
		Inputs: []schemas.InputConfig{{Prefix: "a/", Source: "src-a"}, {Prefix: "b/", Source: "blocked"}},
		Fields: map[string]schemas.FieldSpec{"subject_id": {"user_id"}},
	}}}
	pol := &schemas.Policy{ID: "test-policy"}
	pol.ApplyDefaults()
	return Options{Now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Logger: slog.New(slog.DiscardHandler), Config: cfg, Policy: pol, Sources: &schemas.SourceRegistry{}, Input: in, Output: out,
		Stages: func(context.Context, stages.Env) ([]stages.Stage, error) { return []stages.Stage{testStage{}}, nil }}
}

func newCorpus(t *testing.T) string {
	root := t.TempDir()
	writeCorpus(t, filepath.Join(root, "in"))
	return root
}

func runOK(t *testing.T, opts Options) DatasetResult {
	t.Helper()
	res, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Datasets) != 1 {
		t.Fatalf("got %d dataset results, want 1", len(res.Datasets))
	}
	return res.Datasets[0]
}

func TestRunCountsAndOutputs(t *testing.T) {
	root := newCorpus(t)
	opts := testOptions(t, root)
	d := runOK(t, opts)
	// 6 objects x 50 records + 1 bad line + 2 blocked records.
	want := schemas.Counts{In: 303, Admit: 240 - 30, Redact: 30, Quarantine: 1, Reject: 30 + 2}
	want.Admit = 300 - 30 - 30
	if d.Counts != want {
		t.Fatalf("counts = %+v, want %+v", d.Counts, want)
	}
	if !d.Counts.Reconciles() {
		t.Fatalf("counts do not reconcile: %+v", d.Counts)
	}
	mpath := filepath.Join(root, "out", "ds", d.Version, "manifest.json")
	b, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	var m schemas.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Digest != d.Digest || len(m.Inputs) != 7 || m.Records != 270 {
		t.Fatalf("manifest digest %s inputs %d records %d; want %s, 7, 270", m.Digest, len(m.Inputs), m.Records, d.Digest)
	}
	if len(m.Blocked) != 1 || m.Blocked[0].Source != "blocked" {
		t.Fatalf("blocked = %+v", m.Blocked)
	}
	for _, in := range m.Inputs {
		if len(in.SHA256) != 64 || !in.Counts.Reconciles() {
			t.Fatalf("input %s: sha256 %q counts %+v", in.URI, in.SHA256, in.Counts)
		}
	}
	rows := readFindings(t, filepath.Join(root, "out", "ds", d.Version, "findings.parquet"))
	byRule := map[string]int{}
	for _, f := range rows {
		byRule[f.RuleID]++
		if f.Version != d.Version || f.Dataset != "ds" || f.Locator == "" {
			t.Fatalf("finding missing fields: %+v", f)
		}
	}
	if byRule["T-1"] != 30 || byRule["T-2"] != 30 || byRule[RuleRead] != 1 || byRule["T-BLOCK"] != 2 {
		t.Fatalf("findings by rule = %v", byRule)
	}
	for _, f := range rows {
		if f.RuleID == RuleRead && !strings.Contains(f.Locator, "part-02.jsonl#L51") {
			t.Fatalf("read finding locator = %q, want part-02.jsonl#L51", f.Locator)
		}
	}
}

func readFindings(t *testing.T, path string) []schemas.Finding {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	rows, err := parquet.Read[schemas.Finding](f, mustSize(t, f))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func mustSize(t *testing.T, f *os.File) int64 {
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func TestDeterministicAcrossWorkersAndShards(t *testing.T) {
	base := newCorpus(t)
	o1 := testOptions(t, base)
	o1.Workers = 1
	d1 := runOK(t, o1)
	m1, _ := os.ReadFile(filepath.Join(base, "out", "ds", d1.Version, "manifest.json"))

	other := newCorpus(t)
	o4 := testOptions(t, other)
	o4.Workers = 4
	d4 := runOK(t, o4)
	m4, _ := os.ReadFile(filepath.Join(other, "out", "ds", d4.Version, "manifest.json"))
	if d1.Digest != d4.Digest || d1.Version != d4.Version {
		t.Fatalf("workers 1 vs 4: %s@%s vs %s@%s", d1.Digest, d1.Version, d4.Digest, d4.Version)
	}
	// Manifests differ only in the corpus root in URIs and in local ETags
	// (mtime-based): compare after normalising those.
	if a, b := normManifest(t, m1, base), normManifest(t, m4, other); !bytes.Equal(a, b) {
		t.Fatalf("manifests differ between 1 and 4 workers:\n%s\n%s", a, b)
	}

	for _, n := range []int{3, 4} {
		root := newCorpus(t)
		for i := 0; i < n; i++ {
			o := testOptions(t, root)
			o.Shard = Shard{i, n}
			res, err := Run(context.Background(), o)
			if err != nil {
				t.Fatalf("shard %d/%d: %v", i, n, err)
			}
			if res.Datasets[0].Shard == "" {
				t.Fatalf("shard run sealed a version")
			}
		}
		o := testOptions(t, root)
		o.SealOnly = true
		ds := runOK(t, o)
		if ds.Digest != d1.Digest || ds.Counts != d1.Counts {
			t.Fatalf("%d shards: %s %+v, single: %s %+v", n, ds.Digest, ds.Counts, d1.Digest, d1.Counts)
		}
	}
}

func normManifest(t *testing.T, b []byte, root string) []byte {
	t.Helper()
	var m schemas.Manifest
	if err := json.Unmarshal(bytes.ReplaceAll(b, []byte(root), nil), &m); err != nil {
		t.Fatal(err)
	}
	for i := range m.Inputs {
		m.Inputs[i].ETag = ""
	}
	// findings.parquet holds object URIs, which name the corpus root.
	m.Outputs.Findings.SHA256, m.Outputs.Findings.Size = "", 0
	out, _ := json.Marshal(m)
	return out
}

func TestSealRefusesMissingShard(t *testing.T) {
	root := newCorpus(t)
	o := testOptions(t, root)
	o.Shard = Shard{0, 3}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	o = testOptions(t, root)
	o.SealOnly = true
	_, err := Run(context.Background(), o)
	if !errors.Is(err, ErrMissingShard) {
		t.Fatalf("seal with missing shards: err = %v, want ErrMissingShard", err)
	}
}

func TestResumeReusesSegments(t *testing.T) {
	root := newCorpus(t)
	o := testOptions(t, root)
	d1 := runOK(t, o)
	if d1.Resumed != 0 {
		t.Fatalf("first run reused %d segments", d1.Resumed)
	}
	d2 := runOK(t, testOptions(t, root))
	if d2.Resumed != 7 || d2.Digest != d1.Digest {
		t.Fatalf("second run: resumed %d digest %s; want 7 and %s", d2.Resumed, d2.Digest, d1.Digest)
	}
	// Changing one object re-reads only that object.
	p := filepath.Join(root, "in", "a", "part-00.jsonl")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, append(b, []byte(`{"id":"new","text":"a new record"}`+"\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	d3 := runOK(t, testOptions(t, root))
	if d3.Resumed != 6 || d3.Counts.In != d1.Counts.In+1 || d3.Digest == d1.Digest {
		t.Fatalf("after change: resumed %d in %d digest %s", d3.Resumed, d3.Counts.In, d3.Digest)
	}
}

func TestDigestSorterSpills(t *testing.T) {
	s := newDigestSorter(t.TempDir(), 7)
	for i := 0; i < 100; i++ {
		var d schemas.Digest
		d[0], d[1] = byte(i*37%100), byte(i%3)
		_ = s.add(d)
		_ = s.add(d) // duplicates collapse
	}
	var got []schemas.Digest
	if err := s.each(func(d schemas.Digest) error { got = append(got, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 100 {
		t.Fatalf("got %d distinct digests, want 100", len(got))
	}
	for i := 1; i < len(got); i++ {
		if cmpDigest(got[i-1], got[i]) >= 0 {
			t.Fatalf("not strictly ascending at %d", i)
		}
	}
}

func openTestLedger(t *testing.T, root string) *lineage.Ledger {
	t.Helper()
	dir := filepath.Join(root, "keys")
	priv, pub, err := lineage.GenerateKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lineage.Open(context.Background(), lineage.Config{Dir: filepath.Join(root, "ledger"), Origin: "test/ledger",
		SigningKey: priv, PublicKey: pub, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return l
}

func countKinds(t *testing.T, l *lineage.Ledger) map[lineage.Kind]int {
	t.Helper()
	m := map[lineage.Kind]int{}
	for i := uint64(0); i < l.Size(); i++ {
		st, _, err := l.Entry(context.Background(), i)
		if err != nil {
			t.Fatal(err)
		}
		m[st.Entry.Kind()]++
	}
	return m
}

func TestLedgerIdempotentAndWithdrawal(t *testing.T) {
	root := newCorpus(t)
	l := openTestLedger(t, root)
	opts := testOptions(t, root)
	opts.Recorder = NewRecorder(l)
	d1 := runOK(t, opts)
	k1 := countKinds(t, l)
	if k1[lineage.KindObjectIngested] != 7 || k1[lineage.KindDatasetSealed] != 1 {
		t.Fatalf("after first run: %v", k1)
	}
	// An unchanged rerun appends only its run entries.
	opts = testOptions(t, root)
	opts.Recorder = NewRecorder(l)
	d2 := runOK(t, opts)
	k2 := countKinds(t, l)
	if d2.Digest != d1.Digest || k2[lineage.KindObjectIngested] != 7 || k2[lineage.KindDatasetSealed] != 1 {
		t.Fatalf("after rerun: digest %s vs %s, kinds %v", d2.Digest, d1.Digest, k2)
	}
	// Subject u5 withdraws consent: the next run rejects their records and
	// seals a new version that supersedes the first.
	sum := sha256.Sum256([]byte("u5"))
	if _, err := l.WithdrawConsent(context.Background(), hex.EncodeToString(sum[:]), "user request", "ticket-1"); err != nil {
		t.Fatal(err)
	}
	opts = testOptions(t, root)
	opts.Recorder = NewRecorder(l)
	d3 := runOK(t, opts)
	if d3.Digest == d1.Digest || d3.Counts.Reject <= d1.Counts.Reject || d3.Counts.In != d1.Counts.In {
		t.Fatalf("after withdrawal: %+v vs %+v", d3.Counts, d1.Counts)
	}
	m, _, err := version.ReadManifest(context.Background(), opts.Output, "ds", d3.Version)
	if err != nil {
		t.Fatal(err)
	}
	if m.Supersedes != d1.Version || m.RejectedAtSeal == 0 {
		t.Fatalf("manifest supersedes %q (want %q), rejected at seal %d", m.Supersedes, d1.Version, m.RejectedAtSeal)
	}
}

func TestRunWritesMetricsTextfile(t *testing.T) {
	root := newCorpus(t)
	opts := testOptions(t, root)
	opts.Config.Metrics.Textfile = filepath.Join(root, "prov.prom")
	d := runOK(t, opts)
	b, err := os.ReadFile(opts.Config.Metrics.Textfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf(`prov_records_total{dataset="ds",verdict="admit"} %d`, d.Counts.Admit+2), // blocked at seal still count as admitted when read
		`prov_objects_total{dataset="ds",outcome="checked"} 7`,
		`prov_stage_seconds_count{stage="test"}`,
		`prov_last_success_timestamp_seconds{dataset="ds"}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics textfile lacks %q:\n%s", want, b)
		}
	}
}

// Kubernetes pods share no disk: each shard has its own work directory and
// publishes segments to a shared store; seal runs with an empty work dir.
func TestShardsThroughSharedStore(t *testing.T) {
	single := runOK(t, testOptions(t, newCorpus(t)))
	root := newCorpus(t)
	shared, err := objstore.Open(context.Background(), "file://"+filepath.Join(root, "shared"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		o := testOptions(t, root)
		o.Config.Work = filepath.Join(root, fmt.Sprintf("pod-%d", i))
		o.Shared, o.Shard = shared, Shard{i, 3}
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	o := testOptions(t, root)
	o.Config.Work = filepath.Join(root, "sealer")
	o.Shared, o.SealOnly = shared, true
	d := runOK(t, o)
	if d.Digest != single.Digest || d.Counts != single.Counts {
		t.Fatalf("shared-store shards: %s %+v; single run %s %+v", d.Digest, d.Counts, single.Digest, single.Counts)
	}
	// A shard run twice republishes the same segments: seal stays correct.
	o = testOptions(t, root)
	o.Config.Work = filepath.Join(root, "pod-1-again")
	o.Shared, o.Shard = shared, Shard{1, 3}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	o = testOptions(t, root)
	o.Config.Work = filepath.Join(root, "sealer-2")
	o.Shared, o.SealOnly = shared, true
	if d2 := runOK(t, o); d2.Digest != single.Digest {
		t.Fatalf("after re-running shard 1: %s, want %s", d2.Digest, single.Digest)
	}
}

func TestSourceByPrefix(t *testing.T) {
	reg := &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "web", Prefixes: []string{"web/"}},
		{ID: "forum", Prefixes: []string{"web/forum/"}},
	}}
	for key, want := range map[string]string{
		"web/news/a.jsonl":  "web",
		"web/forum/b.jsonl": "forum",
		"other/c.jsonl":     "",
	} {
		if got := sourceByPrefix(reg, key); got != want {
			t.Errorf("sourceByPrefix(%q) = %q, want %q", key, got, want)
		}
	}
}

// The Pushgateway receives each shard's metrics under its own grouping key.
func TestPushgatewayGroupsByShard(t *testing.T) {
	paths := []string{}
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The client orders grouping labels as it likes: normalise.
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/metrics/"), "/")
		var kv []string
		for i := 0; i+1 < len(parts); i += 2 {
			kv = append(kv, parts[i]+"="+parts[i+1])
		}
		sort.Strings(kv)
		mu.Lock()
		paths = append(paths, r.Method+" "+strings.Join(kv, ","))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	root := newCorpus(t)
	for i := 0; i < 2; i++ {
		o := testOptions(t, root)
		o.Config.Metrics.Pushgateway = srv.URL
		o.Dataset, o.Shard = "ds", Shard{i, 2}
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"PUT job=prov,selection=ds,shard=0-of-2", "PUT job=prov,selection=ds,shard=1-of-2"}
	if fmt.Sprint(paths) != fmt.Sprint(want) {
		t.Fatalf("pushes %v, want %v", paths, want)
	}
}

// A killed run leaves temporary files in the work directory; the next run
// with the ledger removes them and keeps the finished segments.
func TestRunSweepsTempFilesOfKilledRuns(t *testing.T) {
	root := newCorpus(t)
	l := openTestLedger(t, root)
	opts := testOptions(t, root)
	opts.Recorder = NewRecorder(l)
	d1 := runOK(t, opts)
	work := opts.Config.Work
	segDir := filepath.Join(work, "segments", "ds")
	planted := []string{filepath.Join(segDir, ".seg-123"), filepath.Join(segDir, ".tmp-9"), filepath.Join(segDir, ".fetch-7"),
		filepath.Join(work, ".seal-42", ".parquet-1")}
	for _, p := range planted {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("left by a kill"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	opts = testOptions(t, root)
	opts.Recorder = NewRecorder(l)
	d2 := runOK(t, opts)
	if d2.Resumed != 7 || d2.Digest != d1.Digest {
		t.Fatalf("rerun: resumed %d digest %s; want 7 and %s", d2.Resumed, d2.Digest, d1.Digest)
	}
	for _, p := range append(planted, filepath.Join(work, ".seal-42")) {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still there after the rerun (err %v)", p, err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(segDir, "*.seg"))
	if len(segs) != 7 {
		t.Errorf("%d finished segments after the sweep, want 7", len(segs))
	}
}

// TestNewInputsNeverOverwriteASealedVersion: an added object whose records
// are all rejected leaves the admitted records, so the dataset digest, as
// they were; the run seals another version (its manifest lists the new
// object) and the files of the first, which a certificate may cover, stay
// byte for byte as published.
func TestNewInputsNeverOverwriteASealedVersion(t *testing.T) {
	root := newCorpus(t)
	opts := testOptions(t, root)
	d1 := runOK(t, opts)
	dir1 := filepath.Join(root, "out", "ds", d1.Version)
	before := map[string][]byte{}
	for _, f := range []string{"manifest.json", "findings.parquet", "metrics.parquet"} {
		b, err := os.ReadFile(filepath.Join(dir1, f))
		if err != nil {
			t.Fatal(err)
		}
		before[f] = b
	}
	if err := os.WriteFile(filepath.Join(root, "in", "b", "more.jsonl"), []byte(`{"id":"b3","text":"blocked as well"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d2 := runOK(t, testOptions(t, root))
	if d2.Digest != d1.Digest || d2.Counts.In != d1.Counts.In+1 {
		t.Fatalf("the added object changed the digest or was not read: %s %+v, then %s %+v", d1.Digest, d1.Counts, d2.Digest, d2.Counts)
	}
	if d2.Version == d1.Version {
		t.Fatalf("other inputs sealed the same version %s", d1.Version)
	}
	for f, b := range before {
		got, err := os.ReadFile(filepath.Join(dir1, f))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s of the first version changed (err %v)", f, err)
		}
	}
	// The same inputs again: the same version.
	if d3 := runOK(t, testOptions(t, root)); d3.Version != d2.Version {
		t.Errorf("an unchanged re-run sealed %s, the run before %s", d3.Version, d2.Version)
	}
}

// TestResealKeepsManifest: sealing a version again (a re-run of unchanged
// inputs, as after a crash between the ledger seal and the certificate)
// writes the manifest the ledger sealed, byte for byte: it supersedes the
// version sealed before it, not "nothing" because it is itself the latest.
func TestResealKeepsManifest(t *testing.T) {
	root := newCorpus(t)
	l := openTestLedger(t, root)
	run := func() DatasetResult {
		opts := testOptions(t, root)
		opts.Recorder = NewRecorder(l)
		return runOK(t, opts)
	}
	d1 := run()
	if err := os.WriteFile(filepath.Join(root, "in", "b", "more.jsonl"), []byte(`{"id":"b3","text":"blocked as well"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d2 := run()
	if d2.Version == d1.Version {
		t.Fatal("the changed inputs sealed the same version")
	}
	mpath := filepath.Join(root, "out", "ds", d2.Version, "manifest.json")
	before, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	var m schemas.Manifest
	if err := json.Unmarshal(before, &m); err != nil || m.Supersedes != d1.Version {
		t.Fatalf("manifest supersedes %q (err %v), want %s", m.Supersedes, err, d1.Version)
	}
	if d3 := run(); d3.Version != d2.Version {
		t.Fatalf("the unchanged re-run sealed %s, want %s", d3.Version, d2.Version)
	}
	after, err := os.ReadFile(mpath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("sealing %s again changed its manifest:\n%s\n%s", d2.Version, before, after)
	}
}
