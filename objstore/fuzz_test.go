package objstore

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// seeds adds every line of testdata/name to f.
func seeds(f *testing.F, name string) {
	f.Helper()
	file, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	defer func() { _ = file.Close() }()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	if err := sc.Err(); err != nil {
		f.Fatal(err)
	}
}

// FuzzCheckKey checks that every key CheckKey accepts maps to a file
// strictly inside the local store's root, and to its URI.
func FuzzCheckKey(f *testing.F) {
	seeds(f, "keys.txt")
	root := f.TempDir()
	s, err := openLocal(root)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, key string) {
		p, err := s.path(key)
		if err != nil {
			return
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
			t.Fatalf("key %q maps to %q, outside root %q (rel %q, %v)", key, p, s.root, rel, err)
		}
		if filepath.ToSlash(rel) != key {
			t.Fatalf("key %q maps to %q, which is not the key itself (rel %q)", key, p, rel)
		}
		if u := s.URI(key); u != "file://"+filepath.ToSlash(s.root)+"/"+key {
			t.Fatalf("URI(%q) = %q", key, u)
		}
	})
}

// FuzzOpen checks that Open never panics and that a store it returns makes
// URIs of its own scheme.
func FuzzOpen(f *testing.F) {
	seeds(f, "uris.txt")
	f.Fuzz(func(t *testing.T, uri string) {
		if !strings.HasPrefix(uri, "s3://") && !strings.HasPrefix(uri, "file://") {
			return // bare paths would only exercise filepath.Abs
		}
		s, err := Open(context.Background(), uri, schemas.S3Config{Endpoint: "127.0.0.1:1", Insecure: true})
		if err != nil {
			return
		}
		u := s.URI("k")
		scheme, _, _ := strings.Cut(uri, "://")
		if !strings.HasPrefix(u, scheme+"://") || !strings.HasSuffix(u, "/k") {
			t.Fatalf("Open(%q).URI(k) = %q", uri, u)
		}
	})
}

// FuzzSpan checks that every GetOptions resolves to a range inside the
// object.
func FuzzSpan(f *testing.F) {
	f.Add(int64(1000), int64(10), int64(5))
	f.Add(int64(0), int64(0), int64(0))
	f.Add(int64(10), int64(-20), int64(0))
	f.Add(int64(10), int64(20), int64(5))
	f.Fuzz(func(t *testing.T, size, off, length int64) {
		if size < 0 {
			return
		}
		start, n := span(size, GetOptions{Offset: off, Length: length})
		if start < 0 || n < 0 || start > size || n > size-start {
			t.Fatalf("span(%d, off %d, len %d) = %d, %d", size, off, length, start, n)
		}
		if off >= 0 && off < size && length > 0 && n != min(length, size-off) {
			t.Fatalf("span(%d, off %d, len %d) = %d, %d: wrong length", size, off, length, start, n)
		}
	})
}
