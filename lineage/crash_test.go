package lineage

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crashedCopy builds a fixture ledger and copies its directory while the
// writer still has it open, as a kill -9 would leave it: write-ahead logs
// not yet flushed to tables, no clean close. It returns the copy's config.
func crashedCopy(t *testing.T) Config {
	t.Helper()
	cfg := testConfig(t)
	l := openTest(t, cfg)
	buildFixture(t, l)
	dst := filepath.Join(t.TempDir(), "crashed")
	copyDir(t, cfg.Dir, dst)
	c := cfg
	c.Dir = dst
	return c
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestReadOnlyAfterCrash: a ledger left by a killed writer opens read-only
// (recovered under the exclusive lock) and verifies.
func TestReadOnlyAfterCrash(t *testing.T) {
	c := crashedCopy(t)
	c.ReadOnly = true
	l, err := Open(context.Background(), c)
	if err != nil {
		t.Fatalf("opening a crashed ledger read-only: %v", err)
	}
	defer func() { _ = l.Close() }()
	rep, err := l.VerifyAll(context.Background(), VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size == 0 {
		t.Fatalf("crashed ledger verified empty: %+v", rep)
	}
	if l.Size() == 0 {
		t.Fatal("recovered ledger is empty")
	}
}

// TestTruncatedTable: a table cut short is an error naming the file.
func TestTruncatedTable(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	buildFixture(t, l)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ssts, _ := filepath.Glob(filepath.Join(cfg.Dir, dbDir, "*.sst"))
	if len(ssts) == 0 {
		t.Fatal("no table written")
	}
	fi, err := os.Stat(ssts[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(ssts[0], fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{true, false} {
		c := cfg
		c.ReadOnly = ro
		l, err := Open(context.Background(), c)
		if err == nil {
			_ = l.Close()
			t.Fatalf("read-only=%v: truncated table opened", ro)
		}
		if !strings.Contains(err.Error(), filepath.Base(ssts[0])) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("read-only=%v: error %q does not name %s or wrap ErrCorrupt", ro, err, filepath.Base(ssts[0]))
		}
	}
}
