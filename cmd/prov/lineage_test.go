package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// runProv runs the CLI in-process and returns stdout and the error.
func runProv(t *testing.T, args ...string) (string, error) {
	t.Helper()
	flags = globals{}
	root := newRoot()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs(append([]string{"--log-level", "error"}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

// squash collapses runs of blanks (tabwriter padding) into one space.
func squash(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Join(strings.Fields(line), " "))
	}
	return b.String()
}

func sum(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

// ledgerConfig writes a configuration whose ledger lives in a temp dir,
// makes its keys with `prov keygen` and fills the ledger through the API:
// dataset chat v1 (objects a, b) and v2 (a, b, c), each certified; the
// subject alice@example.com has records in every object.
func ledgerConfig(t *testing.T) (cfgPath, ledgerDir string) {
	t.Helper()
	dir := t.TempDir()
	cfgPath = filepath.Join(dir, "prov.yaml")
	yaml := `version: 1
input: ./in
output: ./out
ledger:
  dir: ./ledger
  origin: prov.test/cli
  signing_key: ./keys/ledger.key
  public_key: ./keys/ledger.pub
policy: ./policy.yaml
sources: ./sources.yaml
datasets:
  - name: chat
    inputs:
      - prefix: web/
`
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runProv(t, "-c", cfgPath, "keygen")
	if err != nil || !strings.Contains(out, "BEGIN PUBLIC KEY") {
		t.Fatalf("keygen: %v\n%s", err, out)
	}
	// A second keygen keeps the pair (exit 0) and prints the same public key.
	again, err := runProv(t, "-c", cfgPath, "keygen")
	if err != nil || again != out {
		t.Fatalf("second keygen must keep the key pair: %v\n%s", err, again)
	}
	// Half a pair is not kept: keygen refuses to overwrite the other half.
	half := filepath.Join(t.TempDir(), "k")
	if _, err := runProv(t, "keygen", "--out", half); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(half, "ledger.pub")); err != nil {
		t.Fatal(err)
	}
	if _, err := runProv(t, "keygen", "--out", half); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("keygen over half a pair: exit %d (%v), want %d", exitCode(err), err, exitUsage)
	}
	st, err := os.Stat(filepath.Join(dir, "keys", "ledger.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", st.Mode(), err)
	}
	ledgerDir = filepath.Join(dir, "ledger")
	ctx := context.Background()
	l, err := lineage.Open(ctx, lineage.Config{Dir: ledgerDir, Origin: "prov.test/cli",
		SigningKey: filepath.Join(dir, "keys", "ledger.key"), PublicKey: filepath.Join(dir, "keys", "ledger.pub")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	}()
	alice := l.SubjectKey("email", "alice@example.com")
	phone := l.SubjectKey("phone", "13800138000")
	ingest := func(uri, src string) uint64 {
		var recs []lineage.RecordRef
		for i := range 10 {
			r := lineage.RecordRef{Digest: sha256.Sum256([]byte(uri + fmt.Sprint(i))), Line: int64(i + 1)}
			if i == 0 {
				r.Subjects, r.Verdict = []string{alice, phone}, schemas.Redact
			}
			if i == 9 {
				r.Verdict = schemas.Reject
			}
			recs = append(recs, r)
		}
		leaf, _, err := l.IngestObject(ctx, lineage.ObjectIngested{Dataset: "chat", URI: uri, ETag: "etag-" + uri,
			Size: 1000, Sources: []string{src}, PolicyDigest: sum("policy")}, recs)
		if err != nil {
			t.Fatal(err)
		}
		return leaf
	}
	for _, v := range []struct {
		version string
		objs    []string
	}{{"v1", []string{"s3://in/web/a.jsonl", "s3://in/oss/b.jsonl"}}, {"v2", []string{"s3://in/web/a.jsonl", "s3://in/oss/b.jsonl", "s3://in/web/c.jsonl"}}} {
		run := "run-" + v.version
		if _, _, err := l.Append(ctx, lineage.RunStarted{RunID: run}); err != nil {
			t.Fatal(err)
		}
		var leaves []uint64
		var c schemas.Counts
		for _, o := range v.objs {
			src := "web"
			if strings.Contains(o, "oss") {
				src = "oss"
			}
			leaves = append(leaves, ingest(o, src))
			c.Merge(schemas.Counts{In: 10, Admit: 8, Redact: 1, Reject: 1})
		}
		sup := ""
		if v.version == "v2" {
			sup = "v1"
		}
		if _, _, err := l.Append(ctx, lineage.DatasetSealed{Dataset: "chat", Version: v.version, Digest: sum(v.version),
			Counts: c, Objects: leaves, Sources: []string{"oss", "web"}, RunIDs: []string{run}, Supersedes: sup}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Append(ctx, lineage.RunFinished{RunID: run, Status: "ok", Counts: c}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Append(ctx, lineage.CertificateIssued{Dataset: "chat", Version: v.version, EnvelopeSHA256: sum("env" + v.version)}); err != nil {
			t.Fatal(err)
		}
	}
	return cfgPath, ledgerDir
}

func TestLineageCLI(t *testing.T) {
	cfg, _ := ledgerConfig(t)
	rec := sum("s3://in/web/c.jsonl" + "3")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"dataset", []string{"lineage", "dataset", "chat"}, []string{"chat@v1", "chat@v2", "superseded by\tv2", "run-v2 ok", "valid (leaf"}},
		{"dataset version", []string{"lineage", "dataset", "chat@v1"}, []string{"chat@v1", "superseded (leaf"}},
		{"object", []string{"lineage", "object", "s3://in/web/a.jsonl"}, []string{"chat@v1, chat@v2"}},
		{"record", []string{"lineage", "record", "sha256:" + rec}, []string{"s3://in/web/c.jsonl#L4", "admit", "chat@v2"}},
		{"subject email", []string{"lineage", "subject", "--email", "Alice@Example.com"}, []string{"3 records in chat@v1, chat@v2", "redact"}},
		{"subject phone", []string{"lineage", "subject", "--phone", "+86 138 0013 8000"}, []string{"3 records"}},
		{"impact", []string{"lineage", "impact", "--source", "oss"}, []string{"1 objects, 2 dataset versions, 2 certificates"}},
		{"diff", []string{"lineage", "diff", "chat@v1", "chat@v2"}, []string{"+9  -0 admitted", "+ object  s3://in/web/c.jsonl"}},
		{"as of", []string{"lineage", "dataset", "chat", "--as-of", "5"}, []string{"chat@v1", "certificate  none"}},
		{"checkpoint", []string{"ledger", "checkpoint"}, []string{"prov.test/cli\n11\n", "— prov.test/cli "}},
		{"verify", []string{"ledger", "verify"}, []string{"11 entries", "indexes: rebuilt and equal"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runProv(t, append([]string{"-c", cfg}, tc.args...)...)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(squash(out), squash(w)) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		out, err := runProv(t, "-c", cfg, "lineage", "record", rec, "-o", "json")
		if err != nil {
			t.Fatal(err)
		}
		var r lineage.RecordInfo
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Digest != rec || len(r.Versions) != 1 {
			t.Fatalf("json %+v %v\n%s", r, err, out)
		}
	})
	t.Run("usage errors", func(t *testing.T) {
		for _, args := range [][]string{
			{"lineage", "subject"},
			{"lineage", "subject", "--email", "a@b", "--phone", "1"},
			{"lineage", "record", "xyz"},
			{"lineage", "diff", "chat@v1", "other@v2"},
			{"lineage", "dataset", "chat", "--as-of", "yesterday"},
			{"lineage", "dataset", "chat", "-o", "yaml"},
		} {
			if _, err := runProv(t, append([]string{"-c", cfg}, args...)...); exitCode(err) != exitUsage {
				t.Errorf("%v: exit %d (%v), want %d", args, exitCode(err), err, exitUsage)
			}
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, err := runProv(t, "-c", cfg, "lineage", "object", "s3://nowhere")
		if err == nil || !lineage.IsNotFound(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLedgerVerifyCLINamesTheBadEntry(t *testing.T) {
	cfg, dir := ledgerConfig(t)
	ckpt := filepath.Join(t.TempDir(), "checkpoint.txt")
	out, err := runProv(t, "-c", cfg, "ledger", "checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ckpt, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runProv(t, "-c", cfg, "ledger", "verify", "--checkpoint", ckpt); err != nil {
		t.Fatalf("verify intact ledger: %v\n%s", err, out)
	}
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(dir, "db")).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(txn *badger.Txn) error {
		k := append([]byte{'E'}, 0, 0, 0, 0, 0, 0, 0, 7)
		it, err := txn.Get(k)
		if err != nil {
			return err
		}
		v, _ := it.ValueCopy(nil)
		v = bytes.Replace(v, []byte("s3://in/web/"), []byte("s3://in/wEb/"), 1)
		return txn.Set(k, v)
	})
	err = errors.Join(err, db.Close())
	if err != nil {
		t.Fatal(err)
	}
	_, err = runProv(t, "-c", cfg, "ledger", "verify", "--checkpoint", ckpt)
	if err == nil || !strings.Contains(err.Error(), "first bad entry 7") || exitCode(err) == exitOK {
		t.Fatalf("verify of a tampered ledger: %v", err)
	}
}
