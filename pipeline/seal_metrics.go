package pipeline

import (
	"context"
	"sort"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// The metrics step of seal: metrics.parquet holds the run's own figures
// and the stages' metrics, sorted by metric and dimension.

// writeMetrics publishes the version's metrics.parquet and returns its
// rows and file reference.
func (rc *runCtx) writeMetrics(ctx context.Context, out objstore.Store, f *foldedRecords, concl *stages.Conclusion, ver, tmpDir string) ([]schemas.Metric, schemas.FileRef, error) {
	metrics := rc.pipelineMetrics(f.total, f.srcRecs, f.inputs)
	metrics = append(metrics, concl.Metrics...)
	for i := range metrics {
		metrics[i].Dataset, metrics[i].Version = rc.ds.Name, ver
	}
	sort.SliceStable(metrics, func(i, j int) bool {
		if metrics[i].Metric != metrics[j].Metric {
			return metrics[i].Metric < metrics[j].Metric
		}
		return metrics[i].Dimension < metrics[j].Dimension
	})
	mf, err := version.NewTable[schemas.Metric](tmpDir)
	if err != nil {
		return nil, schemas.FileRef{}, err
	}
	if err := mf.Write(metrics...); err != nil {
		mf.Discard()
		return nil, schemas.FileRef{}, err
	}
	sum, size, err := mf.Publish(ctx, out, version.Key(rc.ds.Name, ver, version.Metrics))
	if err != nil {
		return nil, schemas.FileRef{}, err
	}
	return metrics, schemas.FileRef{Path: version.Metrics, SHA256: sum, Size: size, Rows: int64(len(metrics))}, nil
}

// pipelineMetrics are the run's own figures: every record read (parsed or
// not), verdict counts, objects, input bytes and admitted records and bytes
// per source. (The quality stage's records_in counts parsed records only.)
func (rc *runCtx) pipelineMetrics(total schemas.Counts, srcs map[string]*schemas.SourceRef, inputs []schemas.InputObject) []schemas.Metric {
	m := []schemas.Metric{
		{Metric: "records_read", Dimension: "overall", Value: float64(total.In)},
		{Metric: "records_verdict", Dimension: "verdict:admit", Value: float64(total.Admit)},
		{Metric: "records_verdict", Dimension: "verdict:redact", Value: float64(total.Redact)},
		{Metric: "records_verdict", Dimension: "verdict:quarantine", Value: float64(total.Quarantine)},
		{Metric: "records_verdict", Dimension: "verdict:reject", Value: float64(total.Reject)},
		{Metric: "objects", Dimension: "overall", Value: float64(len(inputs))},
	}
	var bytesIn int64
	for _, in := range inputs {
		bytesIn += in.Size
	}
	m = append(m, schemas.Metric{Metric: "input_bytes", Dimension: "overall", Value: float64(bytesIn)})
	for id, s := range srcs {
		m = append(m,
			schemas.Metric{Metric: "source_admitted_records", Dimension: "source:" + id, Value: float64(s.Records)},
			schemas.Metric{Metric: "source_admitted_bytes", Dimension: "source:" + id, Value: float64(s.Bytes)})
	}
	return m
}
