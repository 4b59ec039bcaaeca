package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.json")
	for _, data := range []string{"one", "two, longer"} {
		if err := WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil || string(b) != data {
			t.Fatalf("read %q, %v; want %q", b, err, data)
		}
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	assertOnly(t, dir, "a.json")
}

func TestFillErrorKeepsOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a")
	if err := WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, 0o600, func(w io.Writer) error {
		_, _ = w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("file = %q, want the old bytes", b)
	}
	assertOnly(t, dir, "a")
}

func TestCommitNewRefusesToReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	for i, want := range []error{nil, fs.ErrExist} {
		f, err := Create(p, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("secret"); err != nil {
			t.Fatal(err)
		}
		if err := f.CommitNew(); !errors.Is(err, want) || (want == nil && err != nil) {
			t.Fatalf("commit %d: %v, want %v", i, err, want)
		}
		f.Abort()
	}
	assertOnly(t, dir, "key")
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != len(names) {
		var got []string
		for _, e := range es {
			got = append(got, e.Name())
		}
		t.Fatalf("directory holds %q, want %q", got, names)
	}
	for i, e := range es {
		if e.Name() != names[i] {
			t.Fatalf("directory holds %q, want %q", e.Name(), names[i])
		}
	}
}
