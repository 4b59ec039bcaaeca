package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadOnlyAfterKill9 kills a writing run with SIGKILL after it sealed
// a version (so the ledger's write-ahead log holds entries no table does
// yet) and runs the read-only commands on the ledger it left: each works
// without a writing run having reopened the ledger first.
func TestReadOnlyAfterKill9(t *testing.T) {
	corpus := makeCorpus(t, 6, 1_000_000)
	cfg, dir := faultConfig(t, "file://"+corpus, "")
	p := startProv(t, nil, "-c", cfg, "run", "-o", "json", "--workers", "1")
	if !p.waitLog(t, 2*time.Minute, `"msg":"sealed"`) {
		t.Fatalf("the run sealed nothing:\n%s", tail(p.stderr.String(), 3000))
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Skip("the run finished before the kill")
	}
	wals, _ := filepath.Glob(filepath.Join(dir, "ledger", "db", "*.mem"))
	if len(wals) == 0 {
		t.Fatal("the killed run left no write-ahead log: the test does not exercise recovery")
	}

	stdout, stderr, code := prov(t, nil, "-c", cfg, "ledger", "verify")
	if code != 0 || !strings.Contains(stdout, "OK") {
		t.Fatalf("prov ledger verify after kill -9: exit %d\n%s\n%s", code, stdout, stderr)
	}
	noCrash(t, stderr)
	stdout, stderr, code = prov(t, nil, "-c", cfg, "lineage", "impact", "--source", "oss-wiki-zh")
	if code != 0 || !strings.Contains(stdout, "source oss-wiki-zh") {
		t.Fatalf("prov lineage impact after kill -9: exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Run("serve", func(t *testing.T) {
		base := startServe(t, []string{"PROV_SERVE_TOKEN="}, "-c", cfg, "serve", "--addr", "127.0.0.1:0")
		resp, err := http.Get(base + "api/v1/checkpoints/latest")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("prov serve after kill -9: GET checkpoints/latest = %d %s", resp.StatusCode, b)
		}
	})
	if stdout, stderr, code := prov(t, nil, "-c", cfg, "ledger", "checkpoint"); code != 0 {
		t.Fatalf("prov ledger checkpoint after kill -9: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestLedgerDamagedTable cuts a table of the ledger in half: read-only
// commands fail with exit 1 and an error naming the file, never a panic.
func TestLedgerDamagedTable(t *testing.T) {
	root := repoRoot(t)
	cfg, dir := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	runDemo(t, cfg, nil)
	ssts, _ := filepath.Glob(filepath.Join(dir, "ledger", "db", "*.sst"))
	if len(ssts) == 0 {
		t.Fatal("the run left no table")
	}
	fi, err := os.Stat(ssts[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(ssts[0], fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"ledger", "verify"}, {"lineage", "impact", "--source", "oss-wiki-zh"}, {"ledger", "checkpoint"}} {
		_, stderr, code := prov(t, nil, append([]string{"-c", cfg}, args...)...)
		if code != 1 {
			t.Errorf("prov %s on a truncated table: exit %d, want 1\n%s", strings.Join(args, " "), code, tail(stderr, 2000))
		}
		noCrash(t, stderr)
		if !strings.Contains(stderr, filepath.Base(ssts[0])) {
			t.Errorf("prov %s: error does not name %s:\n%s", strings.Join(args, " "), filepath.Base(ssts[0]), tail(stderr, 2000))
		}
	}
}

// TestCertVerifyLedgerPublicKeyOnly follows the documented Kubernetes
// layout (ledger.subject_key outside the ledger directory): an auditor
// given the ledger directory and the public key, never the subject-key
// secret, verifies a certificate against the ledger.
func TestCertVerifyLedgerPublicKeyOnly(t *testing.T) {
	root := repoRoot(t)
	cfg, dir := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	secret := filepath.Join(dir, "secrets", "subject.key")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "\nledger:\n", "\nledger:\n  subject_key: "+secret+"\n", 1))
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := prov(t, nil, "keygen", "--subject-key", secret); code != 0 {
		t.Fatalf("keygen --subject-key: %s", stderr)
	}
	r := runDemo(t, cfg, nil)
	bundle, version := certBundle(t, r, "chat-zh-en")
	// What the auditor gets: the bundle, the ledger directory, the public key.
	aud := t.TempDir()
	copyTree(t, filepath.Join(dir, "ledger"), filepath.Join(aud, "ledger"))
	if _, err := os.Stat(filepath.Join(aud, "ledger", "subject.key")); err == nil {
		t.Fatal("the ledger directory holds a subject key in the Kubernetes layout")
	}
	pub := filepath.Join(aud, "ledger.pub")
	pb, err := os.ReadFile(filepath.Join(dir, "keys", "ledger.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pb, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(secret); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := prov(t, []string{"PROV_CONFIG="}, "cert", "verify", copyBundleTo(t, bundle, nil),
		"--pubkey", pub, "--ledger", filepath.Join(aud, "ledger"))
	if code != 0 || !strings.Contains(stdout, "VERIFIED chat-zh-en@"+version) {
		t.Fatalf("cert verify --ledger with only the public key: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "[2] ledger:") || !strings.Contains(stdout, "[2] status:") {
		t.Errorf("cert verify --ledger ran no ledger check:\n%s", stdout)
	}
}

// segmentsOf returns the segment files of dataset ds below dir.
func segmentsOf(t *testing.T, dir, ds string) []string {
	t.Helper()
	var segs []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".seg") && filepath.Base(filepath.Dir(p)) == ds && filepath.Base(filepath.Dir(filepath.Dir(p))) == "segments" {
			segs = append(segs, p)
		}
		return nil
	})
	if len(segs) == 0 {
		t.Fatalf("no segments of %s below %s", ds, dir)
	}
	return segs
}

// TestSealRereadsTamperedSegmentCLI: the demo corpus is run in two shards;
// a byte of one segment is changed and `prov seal` detects it, reads the
// object again with a warning naming the segment, and seals the version an
// unsharded undisturbed run sealed. A segment overwritten with garbage is
// discarded by the next `prov run` the same way, once: the run after it
// reuses the new segment.
func TestSealRereadsTamperedSegmentCLI(t *testing.T) {
	root := repoRoot(t)
	corpus := "file://" + filepath.Join(root, "fixtures", "demo", "corpus")
	refCfg, _ := demoConfig(t, corpus, "")
	want := digests(runDemo(t, refCfg, nil))
	cfg, dir := demoConfig(t, corpus, "")
	if _, stderr, code := prov(t, nil, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	for _, s := range []string{"0/2", "1/2"} {
		if stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "--shard", s, "-o", "json"); code != 0 {
			t.Fatalf("prov run --shard %s: exit %d\n%s\n%s", s, code, stdout, tail(stderr, 3000))
		}
	}
	const ds = "chat-zh-en"
	segs := segmentsOf(t, dir, ds)
	victim := segs[len(segs)/2]
	b, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(victim, b, 0o600); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := prov(t, nil, "-c", cfg, "seal", ds, "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("prov seal over a changed segment: exit %d\n%s\n%s", code, stdout, tail(stderr, 3000))
	}
	if !strings.Contains(stderr, "discarding segment") || !strings.Contains(stderr, filepath.Base(victim)) {
		t.Fatalf("prov seal did not warn naming the changed segment %s:\n%s", filepath.Base(victim), tail(stderr, 3000))
	}
	var r runJSON
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	if got := digests(r)[ds]; got != want[ds] {
		t.Fatalf("prov seal after re-reading: digest %s, undisturbed run %s", got, want[ds])
	}

	// Garbage: the next run discards it once, the one after trusts its
	// replacement.
	if err := os.WriteFile(victim, bytes.Repeat([]byte{0xA5}, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json")
		if code != 0 && code != 3 {
			t.Fatalf("run %d over a garbage segment: exit %d\n%s", i, code, tail(stderr, 3000))
		}
		if warned := strings.Contains(stderr, "discarding segment"); warned != (i == 0) {
			t.Fatalf("run %d: discarding-segment warning = %v, want %v:\n%s", i, warned, i == 0, tail(stderr, 3000))
		}
		var r runJSON
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatal(err)
		}
		sameDigests(t, digests(r), want)
	}
}
