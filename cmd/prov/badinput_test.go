package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/objstore/s3test"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// The bad-input corpus (testdata/bad/ at the repository root) holds one
// small file per kind of malformed input prov must survive. It is written
// by writeBadCorpus; regenerate it with
//
//	go test ./cmd/prov -run TestBadCorpusGenerated -update-bad
//
// The 200 MB single line is generated at test time, never committed.

var updateBad = flag.Bool("update-bad", false, "rewrite testdata/bad from writeBadCorpus")

// badCase is what one object of the bad corpus must give: its record count,
// how many records are quarantined by the read rule, and a phrase every
// such finding's message names (besides the object and the line).
type badCase struct {
	in, quarantine int64
	reason         string
	lines          []int64 // lines (rows) of the quarantined records
}

// badExpect maps each key of testdata/bad to its expected outcome.
var badExpect = map[string]badCase{
	"truncated.jsonl.gz":                       {in: 15, quarantine: 1, reason: "truncated input", lines: []int64{15}},
	"truncated.jsonl.zst":                      {in: 1105, quarantine: 1, reason: "truncated input", lines: []int64{1105}},
	"invalid-utf8.jsonl":                       {in: 3, quarantine: 1, reason: "invalid UTF-8", lines: []int64{2}},
	"nul-bytes.jsonl":                          {in: 3, quarantine: 2, reason: "NUL byte", lines: []int64{2, 3}},
	"deep-nesting.jsonl":                       {in: 3, quarantine: 2, reason: "nested too deeply", lines: []int64{2, 3}},
	"corrupt-footer.parquet":                   {in: 1, quarantine: 1, reason: "corrupt input", lines: []int64{1}},
	"empty.jsonl":                              {in: 0},
	"unicode/数据 ünïcødé ✓.jsonl":               {in: 2, quarantine: 1, reason: "invalid JSON", lines: []int64{2}},
	"dots/v1..v2.jsonl":                        {in: 1},
	"gzip-bomb.jsonl.gz":                       {in: 3, quarantine: 1, reason: "line too long", lines: []int64{2}},
	"huge-window.jsonl.zst":                    {in: 1, quarantine: 1, reason: "window", lines: []int64{1}},
	"corrupt.arrow":                            {in: 1, quarantine: 1, reason: "corrupt input", lines: []int64{1}},
	"binary.jsonl":                             {in: 8, quarantine: 8, reason: "invalid JSON", lines: []int64{1, 2, 3, 4, 5, 6, 7, 8}},
	"ctrl/esc\x1b[31mred\ttab\x7f\u0085.jsonl": {in: 1},
}

// good is a line every stage admits or at least reads (the verdict of good
// lines is the policy's business; these tests only count the read rule).
func good(i int) string {
	return fmt.Sprintf(`{"text":"Line %d of the bad-input corpus: a plain sentence about weather and museums."}`, i) + "\n"
}

// writeBadCorpus writes the committed bad-input corpus into dir.
func writeBadCorpus(dir string) error {
	files := map[string][]byte{}

	// Truncated compressed JSONL: three complete lines, then the stream is
	// cut inside the fourth (and the compressed trailer is lost).
	var pb strings.Builder
	for i := 1; i <= 40; i++ {
		pb.WriteString(good(i))
	}
	plain := pb.String()
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write([]byte(plain))
	_ = zw.Close()
	files["truncated.jsonl.gz"] = gz.Bytes()[:gz.Len()*2/3]
	// zstd decodes whole blocks: 2000 lines in 32 KiB blocks leave several
	// complete blocks before the cut.
	pb.Reset()
	for i := 1; i <= 2000; i++ {
		pb.WriteString(good(i))
	}
	var zs bytes.Buffer
	ze, err := zstd.NewWriter(&zs, zstd.WithEncoderConcurrency(1), zstd.WithEncoderCRC(true), zstd.WithWindowSize(1<<15))
	if err != nil {
		return err
	}
	_, _ = ze.Write([]byte(pb.String()))
	_ = ze.Close()
	files["truncated.jsonl.zst"] = zs.Bytes()[:zs.Len()*2/3]

	files["invalid-utf8.jsonl"] = []byte(good(1) + "{\"text\":\"caf\xe9 au lait \xff\xfe\"}\n" + good(3))
	// A raw NUL inside a string and one between tokens.
	files["nul-bytes.jsonl"] = []byte(good(1) + "{\"text\":\"a\x00b\"}\n" + "{\"text\":\"ok\"}\x00\n")
	deepArr := `{"text":"deep","meta":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}\n"
	deepObj := `{"text":"deep","meta":` + strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000) + "}\n"
	files["deep-nesting.jsonl"] = []byte(good(1) + deepArr + deepObj)

	// A Parquet file whose footer (the Thrift file metadata before the
	// length and the closing magic) is overwritten with garbage.
	type row struct {
		Text string `parquet:"text"`
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []row{{"one"}, {"two"}, {"three"}}); err != nil {
		return err
	}
	b := pq.Bytes()
	n := len(b)
	flen := int(uint32(b[n-8]) | uint32(b[n-7])<<8 | uint32(b[n-6])<<16 | uint32(b[n-5])<<24)
	for i := n - 8 - flen; i < n-8; i++ {
		b[i] = 0xA5
	}
	files["corrupt-footer.parquet"] = b

	// A gzip bomb: 128 KiB on disk, 128 MiB of one JSON string once
	// inflated (ratio ~1000). It must stream: the line is quarantined as
	// too long, memory stays bounded, the next line is read.
	var bomb bytes.Buffer
	bw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	_, _ = bw.Write([]byte(good(1) + `{"text":"`))
	zeros := bytes.Repeat([]byte("0"), 1<<20)
	for range 128 {
		_, _ = bw.Write(zeros)
	}
	_, _ = bw.Write([]byte("\"}\n" + good(3)))
	_ = bw.Close()
	files["gzip-bomb.jsonl.gz"] = bomb.Bytes()

	// A zstd frame whose header asks for a 2 GiB window (the decoder
	// allows 128 MiB): refused before any buffer of that size exists.
	var zh bytes.Buffer
	zw2, err := zstd.NewWriter(&zh, zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(1<<20), zstd.WithSingleSegment(false))
	if err != nil {
		return err
	}
	_, _ = zw2.Write([]byte(good(1) + good(2)))
	_ = zw2.Close()
	zb := zh.Bytes()
	// Frame header: magic (4), descriptor (1), then the window descriptor
	// (exponent in the high 5 bits, window = 1 << (10 + exponent)).
	if zb[4]&0x20 != 0 {
		return errors.New("zstd writer set the single-segment flag: no window descriptor to enlarge")
	}
	zb[5] = 21 << 3 // 2 GiB
	files["huge-window.jsonl.zst"] = zb

	// An Arrow IPC file whose footer (the flatbuffer holding the schema
	// and the batch offsets) is overwritten, its length and the closing
	// magic kept.
	arrowFile, err := os.ReadFile(filepath.Join(filepath.Dir(dir), "..", "pipeline", "readers", "testdata", "good.arrow"))
	if err != nil {
		return err
	}
	an := len(arrowFile)
	alen := int(uint32(arrowFile[an-10]) | uint32(arrowFile[an-9])<<8 | uint32(arrowFile[an-8])<<16 | uint32(arrowFile[an-7])<<24)
	for i := an - 10 - alen; i < an-10; i++ {
		arrowFile[i] = 0xA5
	}
	files["corrupt.arrow"] = arrowFile

	// Binary content (a PNG header, then pseudo-random bytes with a few
	// newlines) under a .jsonl name.
	bin := []byte("\x89PNG\r\n\x1a\n")
	x := uint32(2463534242)
	for i := 0; i < 3000; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		c := byte(x)
		if (c == '\n' || c == 0) && i%500 != 0 {
			c = 0xff
		}
		if i%500 == 499 {
			c = '\n'
		}
		bin = append(bin, c)
	}
	files["binary.jsonl"] = bin

	// Control characters in a key: ESC (a terminal colour sequence), TAB,
	// DEL and a C1 control. Terminal output must show them escaped.
	files["ctrl/esc\x1b[31mred\ttab\x7f\u0085.jsonl"] = []byte(good(1))

	files["empty.jsonl"] = nil
	files["unicode/数据 ünïcødé ✓.jsonl"] = []byte(`{"text":"键名含有 Unicode 与空格的对象。"}` + "\n" + `{"text": 未加引号}` + "\n")
	files["dots/v1..v2.jsonl"] = []byte(good(1))

	for k, v := range files {
		p := filepath.Join(dir, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, v, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func badCorpusDir(t *testing.T) string {
	return filepath.Join(repoRoot(t), "testdata", "bad")
}

// TestBadCorpusGenerated checks every file of testdata/bad is there (and
// rewrites them with -update-bad).
func TestBadCorpusGenerated(t *testing.T) {
	dir := badCorpusDir(t)
	if *updateBad {
		if err := writeBadCorpus(dir); err != nil {
			t.Fatal(err)
		}
	}
	for k := range badExpect {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(k))); err != nil {
			t.Errorf("bad corpus file %s: %v (regenerate with -update-bad)", k, err)
		}
	}
}

const badSources = `sources:
  - id: bad-input
    name: Bad-input test corpus
    channel: open_source
    legal_basis: licence
    origin: domestic
    languages: [zh, en]
    modality: text
    licence: CC-BY-4.0
    licence_evidence: https://creativecommons.org/licenses/by/4.0/legalcode
`

// badConfig writes a config for one dataset "bad" reading input (a store
// URI) below prefix, with text mapped from "text", outputs in a temp dir.
func badConfig(t *testing.T, input, prefix, extra string) (cfg, dir string) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sources.yaml"), []byte(badSources), 0o644); err != nil {
		t.Fatal(err)
	}
	y := fmt.Sprintf(`version: 1
input: %s
output: %s
ledger:
  dir: %s
  origin: prov.test/bad-input
  signing_key: %s
  public_key: %s
policy: %s
sources: %s
workers: 2
datasets:
  - name: bad
    inputs:
      - prefix: %q
        source: bad-input
    fields:
      text: text
%s`, input, filepath.Join(dir, "out"), filepath.Join(dir, "ledger"), filepath.Join(dir, "keys", "ledger.key"),
		filepath.Join(dir, "keys", "ledger.pub"), filepath.Join(repoRoot(t), "fixtures", "demo", "policy.yaml"),
		filepath.Join(dir, "sources.yaml"), prefix, extra)
	cfg = filepath.Join(dir, "prov.yaml")
	if err := os.WriteFile(cfg, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg, dir
}

// copyAux copies the auxiliary objects the demo policy reads from the input
// store (consent registry, annotator roster) into the corpus root.
func copyAux(t *testing.T, corpus string) {
	t.Helper()
	demo := filepath.Join(repoRoot(t), "fixtures", "demo", "corpus")
	copyTree(t, filepath.Join(demo, "consent-registry"), filepath.Join(corpus, "consent-registry"))
	copyTree(t, filepath.Join(demo, "labels", "_roster"), filepath.Join(corpus, "labels", "_roster"))
}

// copyTree copies the regular files below src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		q := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(q), 0o755); err != nil {
			return err
		}
		return os.WriteFile(q, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copying %s: %v", src, err)
	}
}

// writeHugeLine writes a JSONL object whose second line is one string of
// size bytes (a 200 MB single line), streamed so the test stays small.
func writeHugeLine(t *testing.T, path string, size int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Error(err)
		}
	}()
	chunk := bytes.Repeat([]byte("abcdefghij"), 1<<16)
	w := func(b []byte) {
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	w([]byte(good(1)))
	w([]byte(`{"text":"`))
	for left := size; left > 0; {
		n := min(left, int64(len(chunk)))
		w(chunk[:n])
		left -= n
	}
	w([]byte("\"}\n"))
	w([]byte(good(3)))
}

// runBad runs `prov run -o json` and returns the one dataset's result with
// the process's peak RSS in bytes.
func runBad(t *testing.T, cfg string, env []string) (runJSON, int64, string) {
	t.Helper()
	if _, stderr, code := prov(t, env, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("prov keygen: exit %d\n%s", code, stderr)
	}
	cmd := exec.Command(provBin, "-c", cfg, "run", "-o", "json")
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("running prov: %v", err)
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 3 {
		t.Fatalf("prov run on the bad corpus: exit %d (want 0 or 3: no crash)\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), tail(stderr.String(), 4000))
	}
	var res runJSON
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || len(res.Datasets) != 1 {
		t.Fatalf("prov run -o json: %v\n%s", err, stdout.String())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return res, rss, stderr.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// checkBad reads the sealed version back (manifest and findings) and checks
// each object against want (keys relative to bad/): record counts reconcile per object and in
// total, and every unreadable record is quarantined by the read rule with a
// message naming the object URI, the line and the reason.
func checkBad(t *testing.T, dir string, res runJSON, want map[string]badCase) {
	t.Helper()
	ctx := context.Background()
	d := res.Datasets[0]
	c := d.Counts
	if c.In != c.Admit+c.Redact+c.Quarantine+c.Reject {
		t.Fatalf("dataset counts do not reconcile: %+v", c)
	}
	out, err := objstore.Open(ctx, filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := version.ReadManifest(ctx, out, d.Name, d.Version)
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]schemas.InputObject{}
	var sum int64
	for _, in := range m.Inputs {
		byKey[in.Key] = in
		ic := in.Counts
		if ic.In != ic.Admit+ic.Redact+ic.Quarantine+ic.Reject {
			t.Errorf("object %s counts do not reconcile: %+v", in.Key, ic)
		}
		sum += ic.In
	}
	if sum != c.In {
		t.Errorf("objects hold %d records, dataset says %d", sum, c.In)
	}
	type readFinding struct {
		line int64
		msg  string
	}
	reads := map[string][]readFinding{} // object URI → read findings
	err = version.EachFinding(ctx, out, d.Name, d.Version, func(f *schemas.Finding) error {
		if f.RuleID != pipeline.RuleRead {
			return nil
		}
		if f.Verdict != schemas.Quarantine.String() {
			t.Errorf("read finding %q has verdict %s, want quarantine", f.Message, f.Verdict)
		}
		var line int64
		if _, err := fmt.Sscanf(f.Locator[strings.LastIndexByte(f.Locator, '#')+1:], "L%d", &line); err != nil {
			// Locators are "<uri>#L<line>" or similar; fall back to the message.
			line = -1
		}
		reads[f.Object] = append(reads[f.Object], readFinding{line, f.Message})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key, w := range want {
		t.Run(key, func(t *testing.T) {
			in, ok := byKey["bad/"+key]
			if !ok {
				t.Fatalf("object %q is not in the manifest (inputs: %d)", key, len(m.Inputs))
			}
			if in.Counts.In != w.in {
				t.Errorf("records in = %d, want %d (%+v)", in.Counts.In, w.in, in.Counts)
			}
			fs := reads[in.Key] // findings name objects by store key
			if int64(len(fs)) != w.quarantine {
				t.Fatalf("%d read findings, want %d: %+v", len(fs), w.quarantine, fs)
			}
			if in.Counts.Quarantine < w.quarantine {
				t.Errorf("quarantine = %d, want >= %d", in.Counts.Quarantine, w.quarantine)
			}
			for i, f := range fs {
				t.Logf("quarantined: %s", f.msg)
				line := fmt.Sprintf(" line %d: ", w.lines[i])
				if strings.HasSuffix(key, ".parquet") || strings.HasSuffix(key, ".arrow") {
					line = fmt.Sprintf(" row %d: ", w.lines[i])
				}
				if !strings.Contains(f.msg, in.URI+line) {
					t.Errorf("finding %q does not name the object and %q", f.msg, strings.TrimSpace(line))
				}
				if !strings.Contains(f.msg, w.reason) {
					t.Errorf("finding %q does not give the reason %q", f.msg, w.reason)
				}
			}
		})
	}
}

// TestBadInputLocal runs the CLI over the bad corpus plus a 200 MB single
// line through the local store: no crash, every bad record quarantined with
// a reason naming object and line, counts reconcile, peak RSS bounded.
func TestBadInputLocal(t *testing.T) {
	corpus := filepath.Join(t.TempDir(), "corpus")
	copyTree(t, badCorpusDir(t), filepath.Join(corpus, "bad"))
	copyAux(t, corpus)
	const huge = 200 << 20
	writeHugeLine(t, filepath.Join(corpus, "bad", "huge", "line-200mb.jsonl"), huge)
	// A symbolic link out of the input root (git cannot carry it into a
	// copy of the corpus, so it is made here): refused with a finding,
	// never read.
	outside := filepath.Join(filepath.Dir(corpus), "outside-secret.jsonl")
	const secret = "outside-the-root-6b1f2e"
	if err := os.WriteFile(outside, []byte(`{"text":"`+secret+`"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(corpus, "bad", "link-out.jsonl")); err != nil {
		t.Fatal(err)
	}
	// A link to a directory (never descended through: its files would be
	// listed twice, and links can loop) and a dangling link: listed,
	// refused with a finding each, so nothing is left out unsaid.
	if err := os.Symlink(filepath.Join(corpus, "bad", "huge"), filepath.Join(corpus, "bad", "link-dir")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(corpus, "gone.jsonl"), filepath.Join(corpus, "bad", "link-dangling.jsonl")); err != nil {
		t.Fatal(err)
	}
	cfg, dir := badConfig(t, "file://"+corpus, "bad/", "")
	res, rss, stderr := runBad(t, cfg, nil)
	want := map[string]badCase{}
	for k, v := range badExpect {
		want[k] = v
	}
	want["huge/line-200mb.jsonl"] = badCase{in: 3, quarantine: 1, reason: "line too long", lines: []int64{2}}
	want["link-out.jsonl"] = badCase{in: 1, quarantine: 1, reason: objstore.ErrOutsideRoot.Error(), lines: []int64{1}}
	want["link-dir"] = badCase{in: 1, quarantine: 1, reason: objstore.ErrDirLink.Error(), lines: []int64{1}}
	want["link-dangling.jsonl"] = badCase{in: 1, quarantine: 1, reason: objstore.ErrDanglingLink.Error(), lines: []int64{1}}
	checkBad(t, dir, res, want)
	if strings.Contains(stderr, secret) || grepTree(t, filepath.Join(dir, "out"), secret) != "" {
		t.Errorf("the file behind the link out of the root was read")
	}
	// Control characters in a key reach the terminal escaped.
	stdout, errOut, code := prov(t, nil, "-c", cfg, "lineage", "impact", "--source", "bad-input")
	if code != 0 {
		t.Fatalf("prov lineage impact: exit %d\n%s", code, errOut)
	}
	if strings.ContainsAny(stdout, "\x1b\x7f\u0085") {
		t.Errorf("prov lineage impact printed raw control characters:\n%q", stdout)
	}
	if !strings.Contains(stdout, `esc\x1b[31mred\ttab\x7f\u0085.jsonl`) {
		t.Errorf("prov lineage impact does not show the key with control characters escaped:\n%s", stdout)
	}
	// ... in every other output too, text or JSON, logs included; and
	// level 3 re-reads the version, the refused link included.
	d := res.Datasets[0]
	rf := d.Name + "@" + d.Version
	cmds := [][]string{{"show", rf}, {"show", rf, "-o", "json"}, {"lineage", "dataset", rf}, {"lineage", "dataset", rf, "-o", "json"},
		{"lineage", "impact", "--source", "bad-input", "-o", "json"}, {"export", "openlineage", rf}, {"export", "croissant", rf},
		{"export", "summary", rf}, {"assess", "sample", rf}, {"assess", "sample", rf, "--format", "csv"}}
	if d.Outputs.Certificate != "" {
		bundle := filepath.Dir(strings.TrimPrefix(d.Outputs.Certificate, "file://"))
		cmds = append(cmds, []string{"cert", "verify", bundle, "--rehash"}, []string{"cert", "verify", bundle, "--rehash", "-o", "json"})
	}
	for _, args := range cmds {
		stdout, stderr, code := prov(t, nil, append([]string{"-c", cfg, "--log-level", "debug"}, args...)...)
		if code != 0 {
			t.Errorf("prov %s: exit %d\n%s\n%s", strings.Join(args, " "), code, tail(stdout, 2000), tail(stderr, 2000))
		}
		if i := strings.IndexAny(stdout+stderr, "\x1b\x7f\u0085\r"); i >= 0 {
			t.Errorf("prov %s printed a raw control character: %q", strings.Join(args, " "), (stdout + stderr)[max(0, i-80):i+8])
		}
	}
	if d.Outputs.Certificate == "" {
		t.Error("no certificate for the bad corpus: level 3 over it is not exercised")
	}
	t.Logf("peak RSS %.1f MiB with a %d MiB single line", float64(rss)/(1<<20), huge>>20)
	if rss <= 0 {
		t.Fatal("no rusage for the prov process")
	}
	if rss >= 300<<20 {
		t.Errorf("peak RSS %.1f MiB, want < 300 MiB", float64(rss)/(1<<20))
	}
}

// TestBadInputDotDotKeys checks keys that try to leave the store root. The
// local store cannot hold a literal ".." segment (the file system resolves
// it), so it rejects such keys and prefixes with ErrBadKey, and a dataset
// whose input prefix climbs out of the root fails with a usage-level error
// naming the prefix instead of reading outside.
func TestBadInputDotDotKeys(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "secret.jsonl"), []byte(good(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(root, "store")
	copyTree(t, badCorpusDir(t), filepath.Join(inner, "bad"))
	copyAux(t, inner)
	st, err := objstore.Open(ctx, inner, schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"../secret.jsonl", "bad/../../secret.jsonl", "bad/./empty.jsonl", "/etc/passwd", "bad/..", ".."} {
		t.Run(key, func(t *testing.T) {
			_, err := st.Get(ctx, key, objstore.GetOptions{})
			if !errors.Is(err, objstore.ErrBadKey) {
				t.Fatalf("Get(%q) = %v, want ErrBadKey", key, err)
			}
			if _, err := st.Stat(ctx, key); !errors.Is(err, objstore.ErrBadKey) {
				t.Fatalf("Stat(%q) = %v, want ErrBadKey", key, err)
			}
		})
	}
	cfg, _ := badConfig(t, "file://"+inner, "../", "")
	if _, stderr, code := prov(t, nil, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json")
	if code == 0 || code == 3 {
		t.Fatalf("prov run with input prefix ../ succeeded (exit %d):\n%s", code, stdout)
	}
	if strings.Contains(stdout+stderr, "secret.jsonl") {
		t.Fatalf("prov run read outside the store root:\n%s\n%s", stdout, stderr)
	}
	if !strings.Contains(stderr, "..") || !strings.Contains(stderr, objstore.ErrBadKey.Error()) {
		t.Errorf("error does not name the bad prefix and %q:\n%s", objstore.ErrBadKey, tail(stderr, 2000))
	}
}

// TestBadInputS3 uploads the bad corpus to a real S3 server (versitygw),
// plus keys holding "../" and unicode, and runs the CLI over it.
func TestBadInputS3(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t, "bad-input")
	// Keys with control characters cannot round-trip through this server:
	// an XML 1.0 listing cannot carry ESC or DEL, and versitygw lists the
	// key with U+FFFD in their place, which then does not exist. The local
	// store run covers them.
	corpus := filepath.Join(t.TempDir(), "bad")
	copyTree(t, badCorpusDir(t), corpus)
	if err := os.RemoveAll(filepath.Join(corpus, "ctrl")); err != nil {
		t.Fatal(err)
	}
	srv.PutDir(t, bucket, "bad/", corpus)
	demo := filepath.Join(repoRoot(t), "fixtures", "demo", "corpus")
	srv.PutDir(t, bucket, "consent-registry/", filepath.Join(demo, "consent-registry"))
	srv.PutDir(t, bucket, "labels/_roster/", filepath.Join(demo, "labels", "_roster"))
	// A key with a "../" segment: S3 keys are opaque strings, but the
	// server's file-system backend resolves them. See the test's log and
	// docs/operations.md for what happens.
	dotKey := "bad/dotdot/../escaped.jsonl"
	srv.Put(t, bucket, dotKey, []byte(good(1)+"{broken\n"))
	env := []string{"PROV_S3_ACCESS_KEY=" + srv.AccessKey, "PROV_S3_SECRET_KEY=" + srv.SecretKey}
	s3cfg := fmt.Sprintf("s3:\n  endpoint: %s\n  region: %s\n  insecure: true\n  path_style: true\n", srv.Endpoint, srv.Region)
	cfg, dir := badConfig(t, "s3://"+bucket, "bad/", s3cfg)
	res, _, _ := runBad(t, cfg, env)
	want := map[string]badCase{}
	for k, v := range badExpect {
		if !strings.HasPrefix(k, "ctrl/") {
			want[k] = v
		}
	}
	// versitygw stores "bad/dotdot/../escaped.jsonl" as the file
	// bad/escaped.jsonl and lists it under that key: the ".." never reaches
	// prov, and the object is read once, under its resolved key.
	want["escaped.jsonl"] = badCase{in: 2, quarantine: 1, reason: "invalid JSON", lines: []int64{2}}
	checkBad(t, dir, res, want)
}

// grepTree returns the first file below dir that contains needle, or "".
func grepTree(t *testing.T, dir, needle string) string {
	t.Helper()
	found := ""
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || found != "" || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte(needle)) {
			found = p
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}
