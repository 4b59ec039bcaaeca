package objstore_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/objstore/s3test"
	"github.com/prov-ai/prov/objstore/storetest"
)

func TestMain(m *testing.M) { s3test.Main(m) }

// newS3 opens a store on a new bucket of the shared versitygw, below prefix.
func newS3(t testing.TB, prefix string) objstore.Store {
	t.Helper()
	srv := s3test.Start(t)
	srv.SetEnv(t)
	bucket := srv.NewBucket(t, t.Name())
	s, err := objstore.Open(context.Background(), "s3://"+bucket+prefix, srv.S3Config())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestS3Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) objstore.Store { return newS3(t, "") })
}

func TestS3ConformanceWithPrefix(t *testing.T) {
	storetest.Run(t, func(t *testing.T) objstore.Store { return newS3(t, "/some/prefix/") })
}

func TestS3Multipart(t *testing.T) {
	if testing.Short() {
		t.Skip("large object skipped in -short mode")
	}
	s := newS3(t, "")
	data := bytes.Repeat([]byte("0123456789abcdef"), storetest.LargeSize/16)
	o, err := s.Put(context.Background(), "mp.bin", onlyReader{bytes.NewReader(data)}, -1)
	if err != nil {
		t.Fatal(err)
	}
	// An S3 multipart ETag is "<md5 of part md5s>-<parts>".
	if !strings.HasSuffix(o.ETag, "-2") {
		t.Errorf("ETag %q of a %d-byte object: want a two-part multipart ETag", o.ETag, len(data))
	}
}

type onlyReader struct{ r io.Reader }

func (r onlyReader) Read(p []byte) (int, error) { return r.r.Read(p) }

func TestS3Credentials(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t, "creds")
	srv.Put(t, bucket, "k", []byte("v"))
	tests := []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"prov variables", map[string]string{"PROV_S3_ACCESS_KEY": srv.AccessKey, "PROV_S3_SECRET_KEY": srv.SecretKey}, true},
		{"aws variables", map[string]string{"AWS_ACCESS_KEY_ID": srv.AccessKey, "AWS_SECRET_ACCESS_KEY": srv.SecretKey}, true},
		{"prov wins over aws", map[string]string{"PROV_S3_ACCESS_KEY": srv.AccessKey, "PROV_S3_SECRET_KEY": srv.SecretKey, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}, true},
		{"wrong secret", map[string]string{"PROV_S3_ACCESS_KEY": srv.AccessKey, "PROV_S3_SECRET_KEY": "wrong"}, false},
		{"anonymous", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"PROV_S3_ACCESS_KEY", "PROV_S3_SECRET_KEY", "PROV_S3_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} {
				t.Setenv(k, tt.env[k])
			}
			s, err := objstore.Open(context.Background(), "s3://"+bucket, srv.S3Config())
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Stat(context.Background(), "k")
			if tt.ok && err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if !tt.ok && (err == nil || objstore.IsRetryable(err) || !strings.Contains(err.Error(), "s3://"+bucket+"/k")) {
				t.Fatalf("Stat error = %v, want a fatal error naming the object", err)
			}
		})
	}
}
