package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/prov-ai/prov/schemas"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"503", minio.ErrorResponse{StatusCode: 503, Code: "ServiceUnavailable"}, true},
		{"500 wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", minio.ErrorResponse{StatusCode: 500})), true},
		{"pointer response", &minio.ErrorResponse{StatusCode: 502}, true},
		{"SlowDown", minio.ErrorResponse{StatusCode: 503, Code: "SlowDown"}, true},
		{"throttled 400", minio.ErrorResponse{StatusCode: 400, Code: "Throttling"}, true},
		{"429", minio.ErrorResponse{StatusCode: 429}, true},
		{"NoSuchKey", minio.ErrorResponse{StatusCode: 404, Code: "NoSuchKey"}, false},
		{"AccessDenied", minio.ErrorResponse{StatusCode: 403, Code: "AccessDenied"}, false},
		{"412", minio.ErrorResponse{StatusCode: 412, Code: "PreconditionFailed"}, false},
		{"conn reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"conn refused in url.Error", &url.Error{Op: "Get", URL: "http://x", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, true},
		{"broken pipe", fmt.Errorf("writing: %w", syscall.EPIPE), true},
		{"net timeout", &url.Error{Op: "Get", URL: "http://x", Err: timeoutErr{}}, true},
		{"unexpected EOF", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), true},
		{"marked transient", &transientError{errors.New("stream broke")}, true},
		{"context canceled", fmt.Errorf("x: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"canceled while transient", &transientError{fmt.Errorf("reading: %w", context.Canceled)}, false},
		{"not exist", fmt.Errorf("stating: %w", ErrNotExist), false},
		{"plain", errors.New("boom"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsRetryable(tt.err); got != tt.want {
				t.Errorf("IsRetryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	fast := backoff{attempts: 4, base: time.Microsecond, max: 10 * time.Microsecond}
	transient := minio.ErrorResponse{StatusCode: 503}
	tests := []struct {
		name      string
		failFirst int   // calls that fail before success
		failErr   error // what they fail with
		wantCalls int
		wantErr   bool
	}{
		{"succeeds at once", 0, nil, 1, false},
		{"succeeds on third", 2, transient, 3, false},
		{"gives up at cap", 100, transient, 4, true},
		{"fatal not retried", 100, errors.New("fatal"), 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			err := fast.do(context.Background(), func() error {
				calls++
				if calls <= tt.failFirst {
					return tt.failErr
				}
				return nil
			})
			if calls != tt.wantCalls || (err != nil) != tt.wantErr {
				t.Errorf("calls = %d, err = %v; want %d calls, error %v", calls, err, tt.wantCalls, tt.wantErr)
			}
		})
	}
	t.Run("stops on cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		slow := backoff{attempts: 100, base: time.Hour, max: time.Hour}
		calls := 0
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		err := slow.do(ctx, func() error { calls++; return transient })
		if calls != 1 || !errors.Is(err, context.Canceled) || IsRetryable(err) {
			t.Errorf("calls = %d, err = %v; want 1 call, context.Canceled, not retryable", calls, err)
		}
	})
	t.Run("wait is capped and jittered", func(t *testing.T) {
		b := defaultBackoff(0)
		if b.attempts != DefaultRetries {
			t.Errorf("default attempts = %d, want %d", b.attempts, DefaultRetries)
		}
		distinct := map[time.Duration]bool{}
		for i := range 64 {
			w := b.wait(i)
			if w <= 0 || w > b.max {
				t.Fatalf("wait(%d) = %v, want in (0, %v]", i, w, b.max)
			}
			distinct[w] = true
		}
		if len(distinct) < 32 {
			t.Errorf("only %d distinct waits in 64: no jitter?", len(distinct))
		}
	})
}

// fakeS3 is a scripted S3 endpoint for failure cases a real server will not
// produce on demand.
type fakeS3 struct {
	mu    sync.Mutex
	calls map[string]int // "METHOD path?list" -> count
}

func (f *fakeS3) count(r *http.Request) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := r.Method + " " + r.URL.Path
	f.calls[k]++
	return f.calls[k]
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	// A failed write surfaces at the client under test.
	_, _ = fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>scripted</Message></Error>`, code)
}

const listPage = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>%s</IsTruncated>%s<Contents><Key>%s</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified><ETag>&quot;e-%s&quot;</ETag><Size>1</Size><StorageClass>STANDARD</StorageClass></Contents></ListBucketResult>`

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.count(r)
	lastMod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Format(http.TimeFormat)
	switch {
	case r.Method == http.MethodHead && r.URL.Path == "/bkt/flaky":
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Content-Length", "5")
		w.Header().Set("Last-Modified", lastMod)
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodHead && r.URL.Path == "/bkt/down":
		w.WriteHeader(http.StatusServiceUnavailable)
	case r.Method == http.MethodHead && r.URL.Path == "/bkt/denied":
		w.WriteHeader(http.StatusForbidden)
	case r.Method == http.MethodGet && r.URL.Path == "/bkt/missing":
		s3Error(w, http.StatusNotFound, "NoSuchKey")
	case r.Method == http.MethodGet && r.URL.Path == "/bkt/changed":
		s3Error(w, http.StatusPreconditionFailed, "PreconditionFailed")
	case r.Method == http.MethodGet && r.URL.Path == "/bkt/broken":
		// Promise 1000 bytes, send 100, then drop the connection.
		w.Header().Set("ETag", `"abc"`)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(strings.Repeat("x", 100)))
		w.(http.Flusher).Flush()
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			_ = conn.Close()
		}
	case r.Method == http.MethodGet && r.URL.Path == "/bkt/" || r.URL.Path == "/bkt":
		// ListObjectsV2: page 1 ("a", truncated), then the continuation
		// fails with 503, then a fresh listing must start after "a".
		q := r.URL.Query()
		switch {
		case q.Get("continuation-token") == "tok":
			s3Error(w, http.StatusServiceUnavailable, "ServiceUnavailable")
		case q.Get("start-after") == "a":
			_, _ = fmt.Fprintf(w, listPage, "false", "", "b", "b")
		default:
			_, _ = fmt.Fprintf(w, listPage, "true", "<NextContinuationToken>tok</NextContinuationToken>", "a", "a")
		}
	default:
		s3Error(w, http.StatusBadRequest, "Unexpected")
	}
}

func newFake(t *testing.T) (*s3Store, *fakeS3) {
	t.Helper()
	f := &fakeS3{calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s, err := openS3("bkt", "", schemas.S3Config{
		Endpoint: strings.TrimPrefix(srv.URL, "http://"), Region: "us-east-1", Insecure: true, PathStyle: true,
	}, func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": "ak", "AWS_SECRET_ACCESS_KEY": "sk"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	s.retry = backoff{attempts: 4, base: time.Millisecond, max: 2 * time.Millisecond}
	return s, f
}

func TestS3Failures(t *testing.T) {
	ctx := context.Background()
	t.Run("stat retried until it succeeds", func(t *testing.T) {
		s, f := newFake(t)
		o, err := s.Stat(ctx, "flaky")
		if err != nil || o.ETag != "abc" || o.Size != 5 {
			t.Fatalf("Stat = %+v, %v", o, err)
		}
		if got := f.calls["HEAD /bkt/flaky"]; got != 3 {
			t.Errorf("HEAD calls = %d, want 3", got)
		}
	})
	t.Run("stat gives up at the cap, retryable", func(t *testing.T) {
		s, f := newFake(t)
		_, err := s.Stat(ctx, "down")
		if err == nil || !IsRetryable(err) || !strings.Contains(err.Error(), "s3://bkt/down") {
			t.Fatalf("Stat error = %v, want a retryable error naming s3://bkt/down", err)
		}
		if got := f.calls["HEAD /bkt/down"]; got != 4 {
			t.Errorf("HEAD calls = %d, want 4 (the cap)", got)
		}
	})
	t.Run("forbidden is not retried", func(t *testing.T) {
		s, f := newFake(t)
		if _, err := s.Stat(ctx, "denied"); err == nil || IsRetryable(err) {
			t.Fatalf("Stat error = %v, want a fatal error", err)
		}
		if got := f.calls["HEAD /bkt/denied"]; got != 1 {
			t.Errorf("HEAD calls = %d, want 1", got)
		}
	})
	t.Run("NoSuchKey is ErrNotExist", func(t *testing.T) {
		s, _ := newFake(t)
		if _, err := s.Get(ctx, "missing", GetOptions{}); !errors.Is(err, ErrNotExist) {
			t.Fatalf("Get error = %v, want ErrNotExist", err)
		}
	})
	t.Run("412 is ErrChanged", func(t *testing.T) {
		s, _ := newFake(t)
		if _, err := s.Get(ctx, "changed", GetOptions{IfMatch: "old"}); !errors.Is(err, ErrChanged) {
			t.Fatalf("Get error = %v, want ErrChanged", err)
		}
	})
	t.Run("broken stream is retryable", func(t *testing.T) {
		s, _ := newFake(t)
		rc, err := s.Get(ctx, "broken", GetOptions{})
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		defer func() { _ = rc.Close() }()
		n, err := io.Copy(io.Discard, rc)
		if n != 100 || err == nil || !IsRetryable(err) || !strings.Contains(err.Error(), "s3://bkt/broken") {
			t.Fatalf("read %d bytes, error %v; want 100 bytes then a retryable error naming the object", n, err)
		}
	})
	t.Run("list resumes after the last key", func(t *testing.T) {
		s, _ := newFake(t)
		var keys []string
		for o, err := range s.List(ctx, "") {
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			keys = append(keys, o.Key+"="+o.ETag)
		}
		if strings.Join(keys, ",") != "a=e-a,b=e-b" {
			t.Errorf("List = %q, want [a=e-a b=e-b] with no duplicate", keys)
		}
	})
}

func TestEnvCredentials(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		wantAK string
		wantST string
	}{
		{"prov wins", map[string]string{"PROV_S3_ACCESS_KEY": "p", "PROV_S3_SECRET_KEY": "ps", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "as"}, "p", ""},
		{"aws with token", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "as", "AWS_SESSION_TOKEN": "tok"}, "a", "tok"},
		{"anonymous", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := envCredentials(func(k string) string { return tt.env[k] }).GetWithContext(nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.AccessKeyID != tt.wantAK || v.SessionToken != tt.wantST {
				t.Errorf("credentials = %q / token %q, want %q / %q", v.AccessKeyID, v.SessionToken, tt.wantAK, tt.wantST)
			}
		})
	}
}
