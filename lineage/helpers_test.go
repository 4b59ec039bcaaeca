package lineage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
)

// testClock returns a clock that advances one second per call from a fixed
// start, so entry times are deterministic.
func testClock() func() time.Time {
	t := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testConfig makes keys in a temp dir and returns a ledger config.
func testConfig(t testing.TB) Config {
	t.Helper()
	dir := t.TempDir()
	priv, pub, err := GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	return Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/ledger", SigningKey: priv,
		PublicKey: pub, Logger: quiet(), Now: testClock(), GCInterval: -1}
}

func openTest(t testing.TB, cfg Config) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Error(err)
		}
	})
	return l
}

func digest(s string) schemas.Digest { return sha256.Sum256([]byte(s)) }

func hexSum(s string) string { return fmt.Sprintf("%x", sha256.Sum256([]byte(s))) }

// fixture is a small ledger: two runs of dataset "chat", objects from two
// sources, a subject with records in both versions, two certificates.
type fixture struct {
	l        *Ledger
	alice    string // subject key of alice@example.com
	objLeafs []uint64
	v1, v2   uint64 // seal leaves
	c1, c2   uint64 // certificate leaves
}

func objRecs(l *Ledger, uri string, n int, subjectEvery int) []RecordRef {
	recs := make([]RecordRef, n)
	for i := range recs {
		recs[i] = RecordRef{Digest: digest(fmt.Sprintf("%s#%d", uri, i)), Line: int64(i + 1)}
		if i%7 == 6 {
			recs[i].Verdict = schemas.Reject
		}
		if subjectEvery > 0 && i%subjectEvery == 0 {
			recs[i].Subjects = []string{l.SubjectKey("email", "alice@example.com")}
			recs[i].Verdict = schemas.Redact
		}
	}
	return recs
}

func buildFixture(t testing.TB, l *Ledger) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{l: l, alice: l.SubjectKey("email", "alice@example.com")}
	must := func(leaf uint64, _ bool, err error) uint64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return leaf
	}
	pol := hexSum("policy-1")
	seal := func(run, version, supersedes string, uris []string, srcs map[string]string) (uint64, uint64) {
		must(l.Append(ctx, RunStarted{RunID: run, Datasets: []string{"chat"}, PolicyDigest: pol}))
		var objs []uint64
		var total schemas.Counts
		for _, u := range uris {
			leaf := must(l.IngestObject(ctx, ObjectIngested{Dataset: "chat", URI: u, ETag: "e-" + u,
				Size: 100, Sources: []string{srcs[u]}, PolicyDigest: pol, RunID: run}, objRecs(l, u, 20, 5)))
			s, _, err := l.Entry(ctx, leaf)
			if err != nil {
				t.Fatal(err)
			}
			total.Merge(s.Entry.(ObjectIngested).Counts)
			objs = append(objs, leaf)
			f.objLeafs = append(f.objLeafs, leaf)
		}
		srcList := []string{}
		seen := map[string]bool{}
		for _, u := range uris {
			if !seen[srcs[u]] {
				seen[srcs[u]] = true
				srcList = append(srcList, srcs[u])
			}
		}
		sortStrings(srcList)
		sl := must(l.Append(ctx, DatasetSealed{Dataset: "chat", Version: version, Digest: hexSum(version),
			Counts: total, Objects: objs, Sources: srcList, RunIDs: []string{run}, PolicyDigest: pol, Supersedes: supersedes}))
		must(l.Append(ctx, RunFinished{RunID: run, Status: "ok", Counts: total}))
		cl := must(l.Append(ctx, CertificateIssued{Dataset: "chat", Version: version, EnvelopeSHA256: hexSum("env-" + version),
			PredicateType: "https://prov.example/certificate/v1"}))
		return sl, cl
	}
	srcs := map[string]string{"s3://in/web/a.jsonl": "web", "s3://in/oss/b.jsonl": "oss", "s3://in/web/c.jsonl": "web"}
	f.v1, f.c1 = seal("run-1", "v1", "", []string{"s3://in/web/a.jsonl", "s3://in/oss/b.jsonl"}, srcs)
	f.v2, f.c2 = seal("run-2", "v2", "v1", []string{"s3://in/web/a.jsonl", "s3://in/oss/b.jsonl", "s3://in/web/c.jsonl"}, srcs)
	return f
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
