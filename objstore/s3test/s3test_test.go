package s3test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
)

// No TestMain here: Start runs a private server per test, the path other
// packages take when they do not call Main.

func TestStartPutGet(t *testing.T) {
	srv := Start(t)
	if srv.AccessKey != AccessKey || srv.SecretKey != SecretKey || srv.Region != Region || !strings.HasPrefix(srv.Endpoint, "127.0.0.1:") {
		t.Fatalf("server = %+v", srv)
	}
	b1 := srv.NewBucket(t, "My_Test/Name")
	b2 := srv.NewBucket(t, "My_Test/Name")
	if b1 == b2 || !strings.HasPrefix(b1, "my-test-name-") {
		t.Errorf("bucket names %q, %q: want unique, sanitised", b1, b2)
	}
	srv.Put(t, b1, "dir/数据.jsonl", []byte("hello"))
	ctx := context.Background()
	info, err := srv.Client().StatObject(ctx, b1, "dir/数据.jsonl", minio.StatObjectOptions{})
	if err != nil || info.Size != 5 || info.ETag == "" {
		t.Fatalf("StatObject = %+v, %v; want 5 bytes with an ETag (seeded through PUT)", info, err)
	}
	obj, err := srv.Client().GetObject(ctx, b1, "dir/数据.jsonl", minio.GetObjectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = obj.Close() }()
	if got, err := io.ReadAll(obj); err != nil || !bytes.Equal(got, []byte("hello")) {
		t.Errorf("GetObject = %q, %v", got, err)
	}
	cfg := srv.S3Config()
	if cfg.Endpoint != srv.Endpoint || !cfg.Insecure || !cfg.PathStyle || cfg.Region != Region {
		t.Errorf("S3Config = %+v", cfg)
	}
}

func TestStopOnCleanup(t *testing.T) {
	var srv *Server
	t.Run("owner", func(t *testing.T) { srv = Start(t) })
	select {
	case <-srv.done:
	default:
		t.Fatal("server still running after its test's cleanup")
	}
}

// recTB records Skipf / Fatalf instead of ending the test.
type recTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recTB) Helper()                         {}
func (r *recTB) Skipf(format string, a ...any)   { r.skipped, r.msg = true, format }
func (r *recTB) Fatalf(format string, a ...any)  { r.failed, r.msg = true, format }
func (r *recTB) Setenv(key, value string)        { r.TB.Setenv(key, value) }
func (r *recTB) Cleanup(f func())                { r.TB.Cleanup(f) }
func (r *recTB) TempDir() string                 { return r.TB.TempDir() }
func (r *recTB) Logf(format string, args ...any) {}

func TestMissingBinary(t *testing.T) {
	tests := []struct {
		name              string
		ci, require       string
		wantSkip, wantErr bool
	}{
		{"skips locally", "", "", true, false},
		{"fails in CI", "true", "", false, true},
		{"fails when required", "", "1", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("VERSITYGW", "/nonexistent/versitygw")
			t.Setenv("CI", tt.ci)
			t.Setenv("PROV_REQUIRE_S3", tt.require)
			_, err := findBinary()
			if !errors.Is(err, errNoBinary) {
				t.Fatalf("findBinary error = %v, want errNoBinary", err)
			}
			r := &recTB{TB: t}
			missing(r, err, true)
			if r.skipped != tt.wantSkip || r.failed != tt.wantErr {
				t.Errorf("skipped %v failed %v, want %v %v", r.skipped, r.failed, tt.wantSkip, tt.wantErr)
			}
			if !strings.Contains(r.msg, "install with") {
				t.Errorf("message %q lacks the install command", r.msg)
			}
		})
	}
}
