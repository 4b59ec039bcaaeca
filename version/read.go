package version

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// MaxMetricsBytes caps the metrics.parquet ReadMetrics reads: metrics are
// a few hundred rows, so a larger file is not one prov wrote.
const MaxMetricsBytes = 64 << 20

// EachFinding streams the rows of a version's findings.parquet to fn, in
// file order, until fn returns an error (returned as is).
func EachFinding(ctx context.Context, st objstore.Store, dataset, version string, fn func(*schemas.Finding) error) error {
	return eachRow(ctx, st, Key(dataset, version, Findings), -1, 1024, fn)
}

// EachDuplicate streams the rows of a version's duplicates.parquet to fn,
// in file order, until fn returns an error (returned as is).
func EachDuplicate(ctx context.Context, st objstore.Store, dataset, version string, fn func(*schemas.Duplicate) error) error {
	return eachRow(ctx, st, Key(dataset, version, Duplicates), -1, 1024, fn)
}

// ReadMetrics reads every row of a version's metrics.parquet.
func ReadMetrics(ctx context.Context, st objstore.Store, dataset, version string) ([]schemas.Metric, error) {
	out := []schemas.Metric{}
	err := eachRow(ctx, st, Key(dataset, version, Metrics), MaxMetricsBytes, 256, func(m *schemas.Metric) error {
		out = append(out, *m)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow streams the rows of the Parquet file at key (fetched into a temp
// file; at most maxBytes when maxBytes >= 0) to fn. A parquet library panic
// becomes an error.
func eachRow[T any](ctx context.Context, st objstore.Store, key string, maxBytes int64, batch int, fn func(*T) error) (err error) {
	f, size, err := objstore.FetchTemp(ctx, st, key)
	if err != nil {
		return err
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	if maxBytes >= 0 && size > maxBytes {
		return fmt.Errorf("reading %s: over %d bytes", st.URI(key), maxBytes)
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading %s: parquet library panic: %v", st.URI(key), r)
		}
	}()
	pf, err := parquet.OpenFile(f, size)
	if err != nil {
		return fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	rd := parquet.NewGenericReader[T](pf)
	defer func() { _ = rd.Close() }()
	buf := make([]T, batch)
	for {
		n, rerr := rd.Read(buf)
		for i := 0; i < n; i++ {
			if err := fn(&buf[i]); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("reading %s: %w", st.URI(key), rerr)
		}
	}
}
