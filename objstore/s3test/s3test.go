// Package s3test runs a real S3 server, versitygw (Apache-2.0), for tests:
// Start launches `versitygw ... posix DIR` on a free 127.0.0.1 port with
// fixed test credentials, waits until it answers ListBuckets, and stops it
// (and removes its directory) when the test ends.
//
// The binary is found from $VERSITYGW, else <repo>/.tools/bin/versitygw,
// else PATH. Without it the test is skipped, or fails when CI or
// PROV_REQUIRE_S3 is set; install it with InstallCommand.
//
// To share one server across a test binary (faster), call Main from
// TestMain; Start then returns that server:
//
//	func TestMain(m *testing.M) { s3test.Main(m) }
//
// Seed objects through Put (an S3 PUT): versitygw reports empty ETags for
// files copied into its directory behind its back.
package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/prov-ai/prov/schemas"
)

// Fixed test credentials and region of every server started here.
const (
	AccessKey = "testaccess"
	SecretKey = "testsecret123"
	Region    = "us-east-1"
)

// InstallCommand installs the versitygw version the tests are written for.
const InstallCommand = "scripts/versitygw.sh install  (= GOBIN=<repo>/.tools/bin go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)"

// ReadyTimeout bounds the wait for a started server to answer.
const ReadyTimeout = 10 * time.Second

// Server is a running versitygw.
type Server struct {
	Endpoint  string // host:port, plain HTTP
	AccessKey string
	SecretKey string
	Region    string
	Dir       string // the posix backend's directory (do not write into it)

	cmd    *exec.Cmd
	stderr *tailBuffer
	done   chan struct{} // closed when the process has exited
	client *minio.Client
}

var (
	shared     bool // set by Main
	sharedOnce sync.Once
	sharedSrv  *Server
	sharedErr  error
	sharedSkip bool
	bucketSeq  atomic.Int64
)

// Main runs the tests of m with one server shared by every Start call and
// stops it afterwards. Call it from TestMain; it returns m.Run's code, which
// the testing package passes on as the exit status when TestMain returns.
func Main(m *testing.M) int {
	shared = true
	code := m.Run()
	if sharedSrv != nil {
		sharedSrv.stop()
		_ = os.RemoveAll(sharedSrv.Dir)
	}
	return code
}

// Start returns a running server: the shared one when Main is in use,
// otherwise a new one stopped by t.Cleanup. It skips t (or fails it under
// CI / PROV_REQUIRE_S3) when the binary is missing, and fails t when the
// server does not come up.
func Start(t testing.TB) *Server {
	t.Helper()
	if shared {
		sharedOnce.Do(func() {
			bin, err := findBinary()
			if err != nil {
				sharedErr, sharedSkip = err, true
				return
			}
			dir, err := os.MkdirTemp("", "versitygw-")
			if err != nil {
				sharedErr = fmt.Errorf("creating server directory: %w", err)
				return
			}
			sharedSrv, sharedErr = launch(bin, dir)
			if sharedErr != nil {
				_ = os.RemoveAll(dir)
			}
		})
		if sharedErr != nil {
			missing(t, sharedErr, sharedSkip)
		}
		return sharedSrv
	}
	bin, err := findBinary()
	if err != nil {
		missing(t, err, true)
	}
	dir := t.TempDir()
	srv, err := launch(bin, dir)
	if err != nil {
		t.Fatalf("starting versitygw: %v", err)
	}
	t.Cleanup(srv.stop) // runs before TempDir's removal (cleanups are LIFO)
	return srv
}

// missing ends t for a server that cannot start: skip when the binary is
// simply absent and S3 is not required, fail otherwise.
func missing(t testing.TB, err error, absent bool) {
	t.Helper()
	switch {
	case absent && os.Getenv("CI") == "" && os.Getenv("PROV_REQUIRE_S3") == "":
		t.Skipf("S3 tests skipped: %v; install with: %s", err, InstallCommand)
	case absent:
		t.Fatalf("S3 tests required (CI or PROV_REQUIRE_S3 set): %v; install with: %s", err, InstallCommand)
	default:
		t.Fatalf("starting versitygw: %v", err)
	}
}

// errNoBinary: versitygw was not found.
var errNoBinary = errors.New("versitygw binary not found")

// findBinary looks in $VERSITYGW, <repo>/.tools/bin, then PATH.
func findBinary() (string, error) {
	if p := os.Getenv("VERSITYGW"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: VERSITYGW=%s: %w", errNoBinary, p, err)
		}
		return p, nil
	}
	if root, ok := repoRoot(); ok {
		p := filepath.Join(root, ".tools", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("versitygw")
	if err != nil {
		return "", fmt.Errorf("%w in $VERSITYGW, <repo>/.tools/bin or PATH", errNoBinary)
	}
	return p, nil
}

// repoRoot finds the directory holding go.mod above the working directory
// (a test's working directory is its package directory).
func repoRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// launch starts bin on a free port serving dir and waits until it answers.
// A port taken between probing and binding makes the process exit; launch
// then tries another port.
func launch(bin, dir string) (*Server, error) {
	var lastErr error
	for range 3 {
		srv, err := launchOnce(bin, dir)
		if err == nil {
			return srv, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func launchOnce(bin, dir string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	srv := &Server{
		Endpoint:  fmt.Sprintf("127.0.0.1:%d", port),
		AccessKey: AccessKey,
		SecretKey: SecretKey,
		Region:    Region,
		Dir:       dir,
		stderr:    &tailBuffer{max: 8 << 10},
		done:      make(chan struct{}),
	}
	srv.cmd = exec.Command(bin, "--access", AccessKey, "--secret", SecretKey,
		"--port", srv.Endpoint, "--region", Region, "--quiet", "posix", dir)
	srv.cmd.Stdout = srv.stderr
	srv.cmd.Stderr = srv.stderr
	if err := srv.cmd.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	go func() {
		_ = srv.cmd.Wait()
		close(srv.done)
	}()
	srv.client, err = minio.New(srv.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(AccessKey, SecretKey, ""),
		Region:       Region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
	if err != nil {
		srv.stop()
		return nil, fmt.Errorf("creating S3 client: %w", err)
	}
	deadline := time.Now().Add(ReadyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := srv.client.ListBuckets(ctx)
		cancel()
		if err == nil {
			return srv, nil
		}
		select {
		case <-srv.done:
			return nil, fmt.Errorf("versitygw exited before answering (%v); its output:\n%s", srv.cmd.ProcessState, srv.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			srv.stop()
			return nil, fmt.Errorf("versitygw at %s not ready after %s: %w; its output:\n%s", srv.Endpoint, ReadyTimeout, err, srv.stderr)
		}
	}
}

// freePort asks the kernel for an unused loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	return port, nil
}

// stop kills the process and waits for it to exit.
func (s *Server) stop() {
	if s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Client returns an S3 client for the server (path-style, plain HTTP).
func (s *Server) Client() *minio.Client { return s.client }

// S3Config returns the settings prov needs to reach the server. The
// credentials go in the environment: see SetEnv.
func (s *Server) S3Config() schemas.S3Config {
	return schemas.S3Config{Endpoint: s.Endpoint, Region: s.Region, Insecure: true, PathStyle: true}
}

// SetEnv sets PROV_S3_ACCESS_KEY / PROV_S3_SECRET_KEY for the test (not
// usable with t.Parallel, like t.Setenv).
func (s *Server) SetEnv(t testing.TB) {
	t.Helper()
	t.Setenv("PROV_S3_ACCESS_KEY", s.AccessKey)
	t.Setenv("PROV_S3_SECRET_KEY", s.SecretKey)
}

var notBucketChar = regexp.MustCompile(`[^a-z0-9-]+`)

// NewBucket creates a bucket named after name (lower-cased, made valid and
// unique with a numeric suffix) and returns its name.
func (s *Server) NewBucket(t testing.TB, name string) string {
	t.Helper()
	base := strings.Trim(notBucketChar.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	if base == "" {
		base = "bucket"
	}
	bucket := fmt.Sprintf("%s-%d", base, bucketSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.client.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: s.Region}); err != nil {
		t.Fatalf("creating bucket %s: %v", bucket, err)
	}
	return bucket
}

// Put stores data under bucket/key through an S3 PUT.
func (s *Server) Put(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := s.client.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{}); err != nil {
		t.Fatalf("putting s3://%s/%s: %v", bucket, key, err)
	}
}

// PutDir uploads every regular file below dir to bucket, keyed by its path
// relative to dir (with prefix prepended), through S3 PUTs.
func (s *Server) PutDir(t testing.TB, bucket, prefix, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s.Put(t, bucket, prefix+filepath.ToSlash(rel), data)
		return nil
	})
	if err != nil {
		t.Fatalf("uploading %s: %v", dir, err)
	}
}

// tailBuffer keeps the last max bytes written to it, safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	if len(b.b) > b.max {
		b.b = append(b.b[:0], b.b[len(b.b)-b.max:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}
