package objstore_test

import (
	"context"
	"testing"

	"github.com/prov-ai/prov/pipeline/objstore"
	"github.com/prov-ai/prov/pipeline/objstore/storetest"
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
