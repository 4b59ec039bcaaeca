package lineage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/prov-ai/prov/schemas"
)

func TestIngestIdempotent(t *testing.T) {
	l := openTest(t, testConfig(t))
	f := buildFixture(t, l)
	ctx := context.Background()
	size := l.Size()
	// v2 re-ingested a.jsonl and b.jsonl unchanged: they must share leaves with v1.
	if len(f.objLeafs) != 5 || f.objLeafs[2] != f.objLeafs[0] || f.objLeafs[3] != f.objLeafs[1] {
		t.Fatalf("object leaves %v: unchanged objects were appended again", f.objLeafs)
	}
	uri := "s3://in/web/a.jsonl"
	leaf, appended, err := l.IngestObject(ctx, ObjectIngested{Dataset: "chat", URI: uri, ETag: "e-" + uri, Size: 100,
		Sources: []string{"web"}, PolicyDigest: hexSum("policy-1"), RunID: "run-3"}, objRecs(l, uri, 20, 5))
	if err != nil || appended || leaf != f.objLeafs[0] || l.Size() != size {
		t.Fatalf("re-ingest: leaf %d appended %v err %v size %d→%d", leaf, appended, err, size, l.Size())
	}
	// A changed verdict is a new fact.
	recs := objRecs(l, uri, 20, 5)
	recs[3].Verdict = schemas.Quarantine
	_, appended, err = l.IngestObject(ctx, ObjectIngested{Dataset: "chat", URI: uri, ETag: "e-" + uri, Size: 100,
		PolicyDigest: hexSum("policy-1")}, recs)
	if err != nil || !appended {
		t.Fatalf("changed object: appended %v err %v", appended, err)
	}
	// Same version label, other digest: conflict.
	_, _, err = l.Append(ctx, DatasetSealed{Dataset: "chat", Version: "v1", Digest: hexSum("other")})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("resealing v1 with another digest: %v, want ErrConflict", err)
	}
	// Same seal again: nothing appended.
	s, _, err := l.Entry(ctx, f.v1)
	if err != nil {
		t.Fatal(err)
	}
	leaf, appended, err = l.Append(ctx, s.Entry)
	if err != nil || appended || leaf != f.v1 {
		t.Fatalf("resealing v1: leaf %d appended %v err %v", leaf, appended, err)
	}
	if _, err := l.VerifyAll(ctx, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestIngestRejectsBadInput(t *testing.T) {
	l := openTest(t, testConfig(t))
	ctx := context.Background()
	good := ObjectIngested{Dataset: "d", URI: "file:///x", PolicyDigest: "p"}
	tests := []struct {
		name string
		e    ObjectIngested
		recs []RecordRef
	}{
		{"no uri", ObjectIngested{Dataset: "d", PolicyDigest: "p"}, nil},
		{"bad subject", good, []RecordRef{{Line: 1, Subjects: []string{"alice@example.com"}}}},
		{"negative line", good, []RecordRef{{Line: -1}}},
		{"bad verdict", good, []RecordRef{{Line: 1, Verdict: 9}}},
		{"wrong root", ObjectIngested{Dataset: "d", URI: "u", PolicyDigest: "p", RecordRoot: hexSum("x")}, []RecordRef{{Line: 1}}},
		{"wrong counts", ObjectIngested{Dataset: "d", URI: "u", PolicyDigest: "p", Counts: schemas.Counts{In: 5, Admit: 5}}, []RecordRef{{Line: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := l.IngestObject(ctx, tc.e, tc.recs); !errors.Is(err, ErrBadEntry) {
				t.Fatalf("err = %v, want ErrBadEntry", err)
			}
		})
	}
	if l.Size() != 0 {
		t.Fatalf("size %d after rejected appends", l.Size())
	}
	if _, _, err := l.Append(ctx, CertificateIssued{Dataset: "d", Version: "v", EnvelopeSHA256: hexSum("e")}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("certificate of unsealed version: %v, want ErrNotFound", err)
	}
	if _, _, err := l.Append(ctx, DatasetSealed{Dataset: "d", Version: "v", Digest: hexSum("d"), Objects: []uint64{7}}); !errors.Is(err, ErrBadRange) {
		t.Fatalf("seal with unknown object: %v, want ErrBadRange", err)
	}
}

func TestInUse(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	_, err := Open(context.Background(), cfg)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: %v, want ErrInUse", err)
	}
	ro := cfg
	ro.ReadOnly = true
	if _, err := Open(context.Background(), ro); !errors.Is(err, ErrInUse) {
		t.Fatalf("read-only open beside a writer: %v, want ErrInUse", err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	if err := l2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestReadOnly(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	buildFixture(t, l)
	if _, err := l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	size := l.Size()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.ReadOnly = true
	cfg.SigningKey = ""
	a := openTest(t, cfg)
	b := openTest(t, cfg) // readers share
	if a.Size() != size || b.Size() != size {
		t.Fatalf("read-only sizes %d %d, want %d", a.Size(), b.Size(), size)
	}
	if _, _, err := a.Append(context.Background(), RunStarted{RunID: "x"}); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append on read-only: %v", err)
	}
	if _, err := a.VerifyAll(context.Background(), VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestSubjectSecret(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	k1 := l.SubjectKey("email", "alice@example.com")
	if k1 == l.SubjectKey("phone", "alice@example.com") || len(k1) != 64 {
		t.Fatalf("subject keys must differ by kind and be 64 hex: %s", k1)
	}
	st, err := os.Stat(filepath.Join(cfg.Dir, secretFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v mode %v", err, st.Mode())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openTest(t, cfg)
	if l2.SubjectKey("email", "alice@example.com") != k1 {
		t.Fatal("subject key changed across opens")
	}
	other := openTest(t, testConfig(t))
	if other.SubjectKey("email", "alice@example.com") == k1 {
		t.Fatal("two ledgers share a subject key: the secret is not per ledger")
	}
}

// TestSubjectKeyFile: shard ledgers opened with one SubjectKeyFile compute
// equal subject keys; the file is never rewritten, and a missing file is an
// error naming it.
func TestSubjectKeyFile(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "secrets", "subject.key")
	if err := WriteSubjectKey(keyPath); err != nil {
		t.Fatal(err)
	}
	if err := WriteSubjectKey(keyPath); !errors.Is(err, ErrKeyExists) {
		t.Fatalf("second WriteSubjectKey: %v, want ErrKeyExists", err)
	}
	st, err := os.Stat(keyPath)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("subject key file: %v mode %v", err, st.Mode())
	}
	before, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for i := 0; i < 2; i++ {
		cfg := testConfig(t)
		cfg.SubjectKeyFile = keyPath
		l := openTest(t, cfg)
		keys = append(keys, l.SubjectKey("email", "alice@example.com"))
		if _, err := os.Stat(filepath.Join(cfg.Dir, secretFile)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ledger %d created its own %s (err %v)", i, secretFile, err)
		}
	}
	if keys[0] != keys[1] {
		t.Fatalf("ledgers sharing %s give different subject keys: %s vs %s", keyPath, keys[0], keys[1])
	}
	if own := openTest(t, testConfig(t)).SubjectKey("email", "alice@example.com"); own == keys[0] {
		t.Fatal("a ledger with its own secret gives the shared subject key")
	}
	after, err := os.ReadFile(keyPath)
	if err != nil || string(after) != string(before) {
		t.Fatalf("subject key file changed by Open (err %v)", err)
	}

	tests := []struct {
		name    string
		content string // "" = file absent
		want    error
	}{
		{"missing", "", ErrNoSubjectKey},
		{"not hex", "zz\n", ErrConfig},
		{"too short", "abcd\n", ErrConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "shared.key")
			if tc.content != "" {
				if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg := testConfig(t)
			cfg.SubjectKeyFile = p
			l, err := Open(context.Background(), cfg)
			if err == nil {
				_ = l.Close()
			}
			if !errors.Is(err, tc.want) || !contains(err.Error(), p) {
				t.Fatalf("Open: %v, want %v naming %s", err, tc.want, p)
			}
			if _, serr := os.Stat(p); tc.content == "" && serr == nil {
				t.Fatalf("Open created the missing %s", p)
			}
		})
	}
}

func TestNormalizeIdentifier(t *testing.T) {
	tests := []struct{ kind, in, want string }{
		{"email", " Alice@Example.COM ", "alice@example.com"},
		{"phone", "+86 138-0013-8000", "13800138000"},
		{"phone", "0086 13800138000", "13800138000"},
		{"phone", "138 0013 8000", "13800138000"},
		{"phone", "010-12345678", "01012345678"},
		{"id_number", "11010519491231002x", "11010519491231002X"},
		{"subject_id", " u-42 ", "u-42"},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.in, func(t *testing.T) {
			if got := NormalizeIdentifier(tc.kind, tc.in); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfigValid(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no dir", Config{}, "Dir"},
		{"bad origin", Config{Dir: t.TempDir(), Origin: "a b"}, "Origin"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(context.Background(), tc.cfg)
			if !errors.Is(err, ErrConfig) || !contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrConfig naming %s", err, tc.want)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestUpgradeIndex: a ledger with the layout-1 record index (no version
// key, one R key per digest) is refused read-only and rebuilt by a writable
// Open, after which VerifyAll passes and lookups work.
func TestUpgradeIndex(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	buildFixture(t, l)
	d := digest("s3://in/oss/b.jsonl#3")
	v, err := l.At(context.Background(), AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := v.Record(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rawDB(t, cfg, func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pRec}})
		var keys [][]byte
		for it.Rewind(); it.Valid(); it.Next() {
			keys = append(keys, it.Item().KeyCopy(nil))
		}
		it.Close()
		for _, k := range keys {
			mustDelete(t, txn, k)
		}
		mustSet(t, txn, append(append([]byte{pRec}, d[:]...), be64(2)...), []byte{0, 3})
		return txn.Delete(metaIndex)
	})
	ro := cfg
	ro.ReadOnly = true
	if _, err := Open(context.Background(), ro); !errors.Is(err, ErrIndexVersion) {
		t.Fatalf("read-only Open of a layout-1 ledger: %v, want ErrIndexVersion", err)
	}
	l = openTest(t, cfg)
	if _, err := l.VerifyAll(context.Background(), VerifyOptions{}); err != nil {
		t.Fatalf("after rebuild: %v", err)
	}
	if v, err = l.At(context.Background(), AsOf{}); err != nil {
		t.Fatal(err)
	}
	after, err := v.Record(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Occurrences) != len(before.Occurrences) || after.Occurrences[0] != before.Occurrences[0] {
		t.Fatalf("record after rebuild %+v, before %+v", after.Occurrences, before.Occurrences)
	}
}

// SubjectKey reuses pooled HMACs: every call, from any goroutine, must give
// HMAC-SHA-256(secret, kind 0x00 value).
func TestSubjectKeyIsHMAC(t *testing.T) {
	l := openTest(t, testConfig(t))
	want := func(kind, value string) string {
		m := hmac.New(sha256.New, l.secret)
		m.Write([]byte(kind + "\x00" + value))
		return hex.EncodeToString(m.Sum(nil))
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				kind, value := "email", fmt.Sprintf("user%d-%d@example.com", g, i%37)
				if i%3 == 0 {
					kind, value = "phone", fmt.Sprint(13800000000+i)
				}
				if got := l.SubjectKey(kind, value); got != want(kind, value) {
					t.Errorf("SubjectKey(%q, %q) = %s, want %s", kind, value, got, want(kind, value))
					return
				}
			}
		}()
	}
	wg.Wait()
}

// A run killed between badger creating a log file and sizing it leaves an
// empty *.mem or *.vlog file; the ledger must open again (TestFaultKill9 found
// this), with every entry intact.
func TestOpenAfterKillLeavesEmptyWAL(t *testing.T) {
	cfg := testConfig(t)
	l, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	buildFixture(t, l)
	size := l.Size()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(cfg.Dir, dbDir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, ro := range []bool{true, false} {
		cfg.ReadOnly = ro
		l2, err := Open(context.Background(), cfg)
		if err != nil {
			t.Fatalf("reopening (read-only %v) with an empty write-ahead log: %v", ro, err)
		}
		if l2.Size() != size {
			t.Errorf("size %d after reopening, want %d", l2.Size(), size)
		}
		if _, err := l2.VerifyAll(context.Background(), VerifyOptions{}); err != nil {
			t.Errorf("verify after reopening: %v", err)
		}
		if err := l2.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
