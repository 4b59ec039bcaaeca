package objstore_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/prov-ai/prov/objstore"
)

const benchSize = 64 << 20

// BenchmarkGet measures streaming a 64 MiB object out of each store.
func BenchmarkGet(b *testing.B) {
	data := make([]byte, benchSize)
	_, _ = rand.NewChaCha8([32]byte{7}).Read(data)
	stores := []struct {
		name string
		open func(b *testing.B) objstore.Store
	}{
		{"local", func(b *testing.B) objstore.Store { return newLocal(b) }},
		{"s3", func(b *testing.B) objstore.Store { return newS3(b, "") }},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			ctx := context.Background()
			o, err := s.Put(ctx, "bench.bin", bytes.NewReader(data), int64(len(data)))
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 256<<10)
			b.SetBytes(benchSize)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				rc, err := s.Get(ctx, "bench.bin", objstore.GetOptions{IfMatch: o.ETag})
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, rc, buf)
				_ = rc.Close()
				if err != nil || n != benchSize {
					b.Fatalf("read %d bytes: %v", n, err)
				}
			}
		})
	}
}
