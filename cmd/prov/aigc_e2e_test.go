package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore/s3test"
	"github.com/prov-ai/prov/schemas"
)

// aigcLabel is the (kind, origin) of one label in a finding's evidence.
type aigcLabel struct {
	Kind      string `json:"kind"`
	Where     string `json:"where"`
	Producer  string `json:"producer"`
	ProduceID string `json:"produce_id"`
	Start     int    `json:"start"`
	End       int    `json:"end"`
}

// aigcCorpus copies fixtures/aigc/corpus into a temp dir and adds a
// Parquet object whose key-value metadata carries an AIGC label (3 rows).
func aigcCorpus(t *testing.T) string {
	t.Helper()
	src := filepath.Join(repoRoot(t), "fixtures", "aigc", "corpus")
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	type row struct {
		ID   string `parquet:"id"`
		Lang string `parquet:"lang"`
		Text string `parquet:"text"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.KeyValueMetadata("AIGC",
		`{"Label":"1","ContentProducer":"PQ-GEN","ProduceID":"pq-batch-1"}`))
	rows := []row{
		{"p-01", "en", "Tide tables for the harbour are published every Monday morning."},
		{"p-02", "zh", "港口潮汐表每周一上午发布。"},
		{"p-03", "en", "The ferry timetable changes on the first of October."},
	}
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "human", "tides-2025.parquet"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// aigcConfig writes the fixture's configuration with its input at input.
func aigcConfig(t *testing.T, input, extra string) string {
	t.Helper()
	path, _ := fixtureConfig(t, filepath.Join(repoRoot(t), "fixtures", "aigc"), input, extra)
	return path
}

func readParquetRows[T any](t *testing.T, path string) []T {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("opening %s: %v", path, err)
	}
	r := parquet.NewGenericReader[T](pf)
	defer func() { _ = r.Close() }()
	rows := make([]T, r.NumRows())
	if n, err := r.Read(rows); n != len(rows) {
		t.Fatalf("reading %s: %d of %d rows: %v", path, n, len(rows), err)
	}
	return rows
}

// TestE2EAIGC runs the AI-generated-content fixture as a user would (local
// store, then a real S3 server with the label in the object's user
// metadata) and checks that every labelled record is found with its kind,
// negatives are untouched, and metrics, certificate rule line, Croissant
// card and EU summary state the same synthetic share.
func TestE2EAIGC(t *testing.T) {
	corpus := aigcCorpus(t)
	cfg := aigcConfig(t, "file://"+corpus, "")
	res := runDemo(t, cfg, nil)
	checkAIGC(t, cfg, nil, res, "file://"+corpus, "object")

	t.Run("S3", func(t *testing.T) {
		srv := s3test.Start(t)
		bucket := srv.NewBucket(t, "aigc")
		srv.PutDir(t, bucket, "", corpus)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// On S3 the whole-object label is user metadata, not a sidecar.
		if err := srv.Client().RemoveObject(ctx, bucket, "human/.prov-meta.wire-2025.jsonl.json", minio.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(corpus, "human", "wire-2025.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Client().PutObject(ctx, bucket, "human/wire-2025.jsonl", bytes.NewReader(data), int64(len(data)),
			minio.PutObjectOptions{UserMetadata: map[string]string{"aigc": `{"Label":"1","ContentProducer":"WIRE-GEN","ProduceID":"batch-2025-09"}`}}); err != nil {
			t.Fatal(err)
		}
		env := []string{"PROV_S3_ACCESS_KEY=" + srv.AccessKey, "PROV_S3_SECRET_KEY=" + srv.SecretKey}
		s3cfg := fmt.Sprintf("\ns3:\n  endpoint: %s\n  region: %s\n  insecure: true\n  path_style: true\n", srv.Endpoint, srv.Region)
		cfgS3 := aigcConfig(t, "s3://"+bucket, s3cfg)
		rs := runDemo(t, cfgS3, env)
		if rs.Datasets[0].Digest != res.Datasets[0].Digest {
			t.Errorf("S3 digest %s, local %s", rs.Datasets[0].Digest, res.Datasets[0].Digest)
		}
		checkAIGC(t, cfgS3, env, rs, "s3://"+bucket, "s3")
	})
}

func checkAIGC(t *testing.T, cfg string, env []string, res runJSON, root, objWhere string) {
	t.Helper()
	d := res.Datasets[0]
	dir := filepath.Dir(strings.TrimPrefix(d.Outputs.Manifest, "file://"))

	// Every labelled record found with its kind(s); negatives untouched.
	want := map[string][]string{
		"human/essays-2025.jsonl#L1":  {"explicit"},
		"human/essays-2025.jsonl#L2":  {"explicit"},
		"human/essays-2025.jsonl#L3":  {"implicit:json"},
		"human/essays-2025.jsonl#L4":  {"implicit:json"},
		"human/essays-2025.jsonl#L5":  {"explicit"},
		"human/essays-2025.jsonl#L6":  {"explicit", "implicit:json"},
		"human/wire-2025.jsonl#L1":    {"implicit:" + objWhere},
		"human/wire-2025.jsonl#L2":    {"implicit:" + objWhere},
		"human/tides-2025.parquet#L1": {"implicit:parquet"},
		"human/tides-2025.parquet#L2": {"implicit:parquet"},
		"human/tides-2025.parquet#L3": {"implicit:parquet"},
		"synth/qa-2025.jsonl#L1":      {"implicit:json"},
		"synth/qa-2025.jsonl#L2":      {"implicit:json"},
		"synth/qa-2025.jsonl#L3":      {"implicit:json"},
		"synth/qa-2025.jsonl#L4":      {"explicit"},
	}
	got := map[string][]string{}
	rules := map[string]map[string]string{} // locator → rule → verdict
	for _, f := range readParquetRows[schemas.Finding](t, filepath.Join(dir, "findings.parquet")) {
		if f.Stage != "aigc" || f.Locator == "" {
			continue
		}
		loc := strings.TrimPrefix(f.Locator, root+"/")
		if rules[loc] == nil {
			rules[loc] = map[string]string{}
		}
		rules[loc][f.RuleID] = f.Verdict
		if f.RuleID == "CN-LM-5.producer" {
			continue
		}
		var labels []aigcLabel
		if err := json.Unmarshal([]byte(f.Evidence), &labels); err != nil {
			t.Fatalf("%s: evidence %q: %v", loc, f.Evidence, err)
		}
		var kinds []string
		for _, l := range labels {
			k := l.Kind
			if l.Kind == "implicit" {
				k += ":" + l.Where
			}
			kinds = append(kinds, k)
			if strings.Contains(f.Evidence, "jane@") || strings.Contains(f.Evidence, "Jane") {
				t.Errorf("%s: evidence copies free text: %s", loc, f.Evidence)
			}
		}
		sort.Strings(kinds)
		got[loc] = kinds
	}
	for loc, kinds := range want {
		if fmt.Sprint(got[loc]) != fmt.Sprint(kinds) {
			t.Errorf("%s: labels %v, want %v", loc, got[loc], kinds)
		}
	}
	for loc := range got {
		if _, ok := want[loc]; !ok {
			t.Errorf("%s: labels %v on a record without any (negative touched)", loc, got[loc])
		}
	}
	// Policy: human-source records are reported (admitted), the synthetic
	// source's foreign producer is flagged, matching producers are not.
	if v := rules["human/essays-2025.jsonl#L1"]["CN-LM-10"]; v != "admit" {
		t.Errorf("human source labelled record: CN-LM-10 verdict %q, want admit (action report)", v)
	}
	if _, ok := rules["synth/qa-2025.jsonl#L3"]["CN-LM-5.producer"]; !ok {
		t.Errorf("synthetic record labelled by OTHER-GEN-CO: no CN-LM-5.producer finding")
	}
	for _, loc := range []string{"synth/qa-2025.jsonl#L1", "synth/qa-2025.jsonl#L2"} {
		if _, ok := rules[loc]["CN-LM-5.producer"]; ok {
			t.Errorf("%s: producer matches the declared generator but was flagged", loc)
		}
	}

	// The synthetic share: 6 synthetic records + 11 labelled human ones of 23.
	const wantShare = "0.7391"
	var share float64
	found := false
	for _, m := range readParquetRows[schemas.Metric](t, filepath.Join(dir, "metrics.parquet")) {
		if m.Metric == "aigc.synthetic_share" && m.Dimension == "overall" {
			share, found = m.Value, true
		}
		if m.Metric == "aigc.unlabelled_records" && m.Dimension == "source:synth-qa" && m.Value != 2 {
			t.Errorf("unlabelled records of synth-qa = %g, want 2", m.Value)
		}
	}
	if !found || fmt.Sprintf("%.4f", share) != wantShare {
		t.Fatalf("metrics: aigc.synthetic_share overall = %.4f (found %v), want %s", share, found, wantShare)
	}
	shareRE := regexp.MustCompile(`synthetic share (\d\.\d{4})`)
	stated := func(what, text string) {
		t.Helper()
		m := shareRE.FindStringSubmatch(text)
		if m == nil || m[1] != wantShare {
			t.Errorf("%s states share %v, want %s (metrics):\n%.2000s", what, m, wantShare, text)
		}
	}
	// Certificate: the signed statement's EU-TPL-2.5 line.
	raw, err := os.ReadFile(filepath.Join(dir, "certificate.dsse.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env1 struct {
		Payload []byte `json:"payload"`
	}
	if err := json.Unmarshal(raw, &env1); err != nil {
		t.Fatal(err)
	}
	var stmt struct {
		Predicate struct {
			Rules []schemas.RuleResult `json:"rules"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(env1.Payload, &stmt); err != nil {
		t.Fatal(err)
	}
	var line string
	for _, r := range stmt.Predicate.Rules {
		if r.RuleID == "EU-TPL-2.5" {
			line = r.Detail
			if fmt.Sprintf("%.4f", r.Figure) != wantShare {
				t.Errorf("certificate EU-TPL-2.5 figure %.4f, want %s", r.Figure, wantShare)
			}
		}
	}
	stated("certificate EU-TPL-2.5 line", line)
	for _, id := range []string{"CN-LM-4", "CN-LM-5", "CN-LM-10", "CN-LM-5.producer", "CN-LM-4.unlabelled"} {
		ok := false
		for _, r := range stmt.Predicate.Rules {
			ok = ok || r.RuleID == id
		}
		if !ok {
			t.Errorf("certificate has no %s line", id)
		}
	}
	// Croissant card and EU summary.
	out, stderr, code := prov(t, env, "-c", cfg, "export", "croissant", d.Name)
	if code != 0 {
		t.Fatalf("export croissant: exit %d\n%s", code, stderr)
	}
	var card map[string]any
	if err := json.Unmarshal([]byte(out), &card); err != nil {
		t.Fatal(err)
	}
	coll, _ := card["rai:dataCollection"].(string)
	stated("Croissant rai:dataCollection", coll)
	out, stderr, code = prov(t, env, "-c", cfg, "export", "summary", d.Name, "--format", "json")
	if code != 0 {
		t.Fatalf("export summary: exit %d\n%s", code, stderr)
	}
	var sum struct {
		Sources struct {
			Share *struct {
				Share     float64 `json:"synthetic_share"`
				Statement string  `json:"statement"`
			} `json:"synthetic_share"`
		} `json:"list_of_data_sources"`
	}
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Sources.Share == nil || fmt.Sprintf("%.4f", sum.Sources.Share.Share) != wantShare {
		t.Fatalf("EU summary 2.5 synthetic share = %+v, want %s", sum.Sources.Share, wantShare)
	}
	stated("EU summary 2.5 statement", sum.Sources.Share.Statement)
	md, _, code := prov(t, env, "-c", cfg, "export", "summary", d.Name)
	if code != 0 {
		t.Fatalf("export summary (md): exit %d", code)
	}
	stated("EU summary Markdown", md)
}

// TestDetectAIGCCLI runs `prov detect aigc` on the fixture: one line per
// input line, explicit offsets, implicit producer codes, no text.
func TestDetectAIGCCLI(t *testing.T) {
	path := filepath.Join(repoRoot(t), "fixtures", "aigc", "corpus", "human", "essays-2025.jsonl")
	out, stderr, code := prov(t, nil, "detect", "aigc", path)
	if code != 0 {
		t.Fatalf("detect aigc: exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 12 {
		t.Fatalf("%d output lines, want 12:\n%s", len(lines), out)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	inLines := strings.Split(strings.TrimSpace(string(src)), "\n")
	for i, l := range lines {
		var got struct {
			Line   int         `json:"line"`
			Labels []aigcLabel `json:"labels"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d: %v: %s", i+1, err, l)
		}
		if got.Line != i+1 || got.Labels == nil {
			t.Fatalf("line %d: %s", i+1, l)
		}
		var rec struct{ Text string }
		if err := json.Unmarshal([]byte(inLines[i]), &rec); err != nil {
			t.Fatal(err)
		}
		for _, lb := range got.Labels {
			if lb.Kind == "explicit" {
				notice := rec.Text[lb.Start:lb.End]
				if !strings.Contains(notice, "AI") && !strings.Contains(notice, "人工智能") {
					t.Errorf("line %d: explicit label at [%d,%d) is %q", i+1, lb.Start, lb.End, notice)
				}
			}
		}
		if i >= 6 && len(got.Labels) != 0 {
			t.Errorf("negative line %d has labels: %s", i+1, l)
		}
		if i < 6 && len(got.Labels) == 0 {
			t.Errorf("labelled line %d has none", i+1)
		}
	}
	if !strings.Contains(lines[2], `"producer":"ACME-AI-LAB","produce_id":"acme-20250901-0001"`) {
		t.Errorf("line 3: want the implicit label's codes: %s", lines[2])
	}
	if strings.Contains(out, "jane") || strings.Contains(out, "西湖") {
		t.Errorf("detect aigc printed text:\n%s", out)
	}
	// Standard input and --field.
	cmdOut, _, code := provStdin(t, `{"body":"Body text.\n【AI生成】"}`+"\n", "detect", "aigc", "--field", "body", "-")
	if code != 0 || !strings.Contains(cmdOut, `"kind":"explicit","start":14,"end":22`) {
		t.Errorf("detect aigc --field body -: exit %d, %s", code, cmdOut)
	}
}

// provStdin runs the binary with stdin and returns stdout, stderr and the
// exit code.
func provStdin(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(provBin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return stdout.String(), stderr.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running prov %v: %v", args, err)
	}
	return stdout.String(), stderr.String(), 0
}

// TestDetectAIGCFieldPath: --field takes a field path, as the readers do;
// offsets are relative to the assembled field (parts joined with "\n").
func TestDetectAIGCFieldPath(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "chat.jsonl")
	lines := `{"messages":[{"role":"user","content":"写一首诗"},{"role":"assistant","content":"春眠不觉晓。【本内容由AI生成】"}]}
{"messages":[{"role":"user","content":"What do people say about AI-generated images?"}]}
`
	if err := os.WriteFile(in, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := prov(t, nil, "detect", "aigc", "--field", "messages[*].content", in)
	if code != 0 {
		t.Fatalf("detect aigc: exit %d\n%s", code, stderr)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != 2 {
		t.Fatalf("%d output lines, want 2:\n%s", len(got), out)
	}
	var first struct {
		Labels []aigcLabel `json:"labels"`
	}
	if err := json.Unmarshal([]byte(got[0]), &first); err != nil {
		t.Fatal(err)
	}
	field := "写一首诗\n春眠不觉晓。【本内容由AI生成】"
	if len(first.Labels) != 1 || first.Labels[0].Kind != "explicit" || first.Labels[0].End <= first.Labels[0].Start ||
		first.Labels[0].End > len(field) || !strings.Contains(field[first.Labels[0].Start:first.Labels[0].End], "AI生成") {
		t.Fatalf("line 1: %s", got[0])
	}
	if !strings.Contains(got[1], `"labels":[]`) {
		t.Errorf("line 2 discusses AI and has no label: %s", got[1])
	}
	if _, _, code := prov(t, nil, "detect", "aigc", "--field", "messages[", in); code != 2 {
		t.Errorf("a malformed --field path: exit %d, want 2", code)
	}
}
