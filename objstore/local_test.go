package objstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/objstore/storetest"
	"github.com/prov-ai/prov/schemas"
)

func newLocal(t testing.TB) objstore.Store {
	t.Helper()
	s, err := objstore.Open(context.Background(), t.TempDir(), schemas.S3Config{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestLocalConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) objstore.Store { return newLocal(t) })
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"a/b/c.jsonl", true},
		{"数据/文件.jsonl", true},
		{".hidden", true},
		{"a/..b", true},
		{"", false},
		{"/etc/passwd", false},
		{"../x", false},
		{"a/../../x", false},
		{"a/..", false},
		{"./a", false},
		{"a//b", false},
		{"a/", false},
		{"a\x00b", false},
		{".prov-tmp-123", false},
		{"d/.prov-tmp-x/y", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			err := objstore.CheckKey(tt.key)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
			}
			if err != nil && !errors.Is(err, objstore.ErrBadKey) {
				t.Errorf("CheckKey(%q) error %v does not wrap ErrBadKey", tt.key, err)
			}
		})
	}
}

func TestLocalRejectsEscapes(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	if err := os.WriteFile(filepath.Join(parent, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := objstore.Open(context.Background(), root, schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range []string{"../secret", "/" + filepath.ToSlash(filepath.Join(parent, "secret")), "a/../../secret"} {
		t.Run(key, func(t *testing.T) {
			if _, err := s.Stat(ctx, key); !errors.Is(err, objstore.ErrBadKey) {
				t.Errorf("Stat: %v, want ErrBadKey", err)
			}
			if _, err := s.Get(ctx, key, objstore.GetOptions{}); !errors.Is(err, objstore.ErrBadKey) {
				t.Errorf("Get: %v, want ErrBadKey", err)
			}
			if _, err := s.Put(ctx, key, strings.NewReader("x"), 1); !errors.Is(err, objstore.ErrBadKey) {
				t.Errorf("Put: %v, want ErrBadKey", err)
			}
			if err := s.Delete(ctx, key); !errors.Is(err, objstore.ErrBadKey) {
				t.Errorf("Delete: %v, want ErrBadKey", err)
			}
		})
	}
	for o, err := range s.List(ctx, "../") {
		if !errors.Is(err, objstore.ErrBadKey) {
			t.Errorf("List(../) = %+v, %v; want ErrBadKey", o, err)
		}
		break
	}
	if b, err := os.ReadFile(filepath.Join(parent, "secret")); err != nil || string(b) != "s" {
		t.Errorf("file outside the root changed: %q, %v", b, err)
	}
}

func TestLocalListSkipsTempListsLinks(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/x", "1")
	write("a/.prov-tmp-123456", "in flight")
	write("outside/y", "2")
	if err := os.Symlink(filepath.Join(dir, "outside"), filepath.Join(dir, "a", "dirlink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a", "x"), filepath.Join(dir, "a", "filelink")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "nowhere"), filepath.Join(dir, "a", "dangling")); err != nil {
		t.Fatal(err)
	}
	s, err := objstore.Open(context.Background(), "file://"+filepath.ToSlash(dir), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "a", "sub"), filepath.Join(dir, "a", "innerdirlink")); err != nil {
		t.Fatal(err)
	}
	away := t.TempDir() // out of the store root
	if err := os.Symlink(away, filepath.Join(dir, "a", "outdirlink")); err != nil {
		t.Fatal(err)
	}
	write("a/sub/z", "3")
	var keys []string
	for o, err := range s.List(context.Background(), "a/") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	// Every link is listed (the listing never descends through a link to
	// a directory: a/innerdirlink/z is not a key); reads refuse those with
	// no file below the root behind them.
	if want := []string{"a/dangling", "a/dirlink", "a/filelink", "a/innerdirlink", "a/outdirlink", "a/sub/z", "a/x"}; !slices.Equal(keys, want) {
		t.Errorf("List = %q, want %q", keys, want)
	}
	ctx := context.Background()
	for key, want := range map[string]error{"a/dangling": objstore.ErrDanglingLink, "a/dirlink": objstore.ErrDirLink, "a/innerdirlink": objstore.ErrDirLink, "a/outdirlink": objstore.ErrOutsideRoot, "a/filelink": nil} {
		rc, err := s.Get(ctx, key, objstore.GetOptions{})
		if err == nil {
			_ = rc.Close()
		}
		if !errors.Is(err, want) || objstore.RefusalOf(err) != want {
			t.Errorf("Get(%s) = %v, want %v", key, err, want)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, want) {
			t.Errorf("Stat(%s) = %v, want %v", key, err, want)
		}
	}
}

func TestLocalListMissingRoot(t *testing.T) {
	s, err := objstore.Open(context.Background(), filepath.Join(t.TempDir(), "nope"), schemas.S3Config{})
	if err != nil {
		t.Fatalf("Open of a missing directory: %v (Put creates it)", err)
	}
	for _, err := range s.List(context.Background(), "") {
		if !errors.Is(err, objstore.ErrNotExist) || !strings.Contains(err.Error(), "nope") {
			t.Errorf("List error = %v, want ErrNotExist naming the root", err)
		}
		return
	}
	t.Error("List of a missing root yielded nothing, want an error")
}

func TestLocalKeyConflict(t *testing.T) {
	s := newLocal(t)
	ctx := context.Background()
	if _, err := s.Put(ctx, "a", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "a/b", strings.NewReader("y"), 1); err == nil {
		t.Error(`Put("a/b") over the object "a" succeeded; want an error (a file cannot be a directory)`)
	}
	if got, err := s.Stat(ctx, "a"); err != nil || got.Size != 1 {
		t.Errorf("Stat(a) after the conflict = %+v, %v", got, err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		uri     string
		wantURI string // URI("k"); "" = Open must fail with ErrUnsupportedURI
	}{
		{"file://" + dir, "file://" + dir + "/k"},
		{"file://localhost" + dir, "file://" + dir + "/k"},
		{dir, "file://" + dir + "/k"},
		{dir + "/", "file://" + dir + "/k"},
		{"s3://bucket", "s3://bucket/k"},
		{"s3://bucket/", "s3://bucket/k"},
		{"s3://bucket/pre/fix", "s3://bucket/pre/fix/k"},
		{"s3://bucket//pre/", "s3://bucket/pre/k"},
		{"", ""},
		{"file://host/dir", ""},
		{"file://rel", ""},
		{"s3://", ""},
		{"s3://UPPER", ""},
		{"s3://a", ""},
		{"gs://bucket", ""},
		{"http://example.com/x", ""},
		{file, ""},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			s, err := objstore.Open(context.Background(), tt.uri, schemas.S3Config{Endpoint: "127.0.0.1:1", Insecure: true})
			if tt.wantURI == "" {
				if !errors.Is(err, objstore.ErrUnsupportedURI) {
					t.Fatalf("Open(%q) = %v, want ErrUnsupportedURI", tt.uri, err)
				}
				if tt.uri != "" && !strings.Contains(err.Error(), strings.TrimSuffix(tt.uri, "/")) {
					t.Errorf("error %q does not name the URI", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tt.uri, err)
			}
			if got := s.URI("k"); got != tt.wantURI {
				t.Errorf("URI(k) = %q, want %q", got, tt.wantURI)
			}
		})
	}
}

func TestOpenRelative(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := objstore.Open(context.Background(), "sub/dir", schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := "file://" + filepath.ToSlash(filepath.Join(dir, "sub", "dir")) + "/k"
	if got := s.URI("k"); got != want {
		t.Errorf("URI(k) = %q, want %q", got, want)
	}
}
