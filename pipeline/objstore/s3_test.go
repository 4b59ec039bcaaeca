package objstore_test

import (
	"context"
	"testing"

	"github.com/prov-ai/prov/pipeline/objstore"
	"github.com/prov-ai/prov/pipeline/objstore/s3test"
	"github.com/prov-ai/prov/pipeline/objstore/storetest"
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
