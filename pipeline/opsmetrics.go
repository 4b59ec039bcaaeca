package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"

	"github.com/prov-ai/prov/schemas"
)

// opsMetrics are the operational signals of a batch run for Prometheus:
// pushed to a Pushgateway when configured, written as a node-exporter
// textfile otherwise. Stage latencies are sampled (one record in
// stageSample) so that timing costs nothing measurable on the hot path.
type opsMetrics struct {
	reg       *prometheus.Registry
	records   *prometheus.CounterVec
	bytes     *prometheus.CounterVec
	objects   *prometheus.CounterVec
	errors    *prometheus.CounterVec
	stage     *prometheus.HistogramVec
	duration  *prometheus.GaugeVec
	lastOK    *prometheus.GaugeVec
	gateFails *prometheus.GaugeVec
}

const stageSample = 64

func newOpsMetrics() *opsMetrics {
	m := &opsMetrics{
		reg: prometheus.NewRegistry(),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "prov_records_total",
			Help: "Records decided when read, by dataset and verdict (seal-time blocks and revocations are in the manifest, not here)."}, []string{"dataset", "verdict"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "prov_input_bytes_total",
			Help: "Input bytes read."}, []string{"dataset"}),
		objects: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "prov_objects_total",
			Help: "Input objects, by outcome (checked, reused, failed)."}, []string{"dataset", "outcome"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "prov_errors_total",
			Help: "Errors, by kind (retry, object, seal)."}, []string{"dataset", "kind"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "prov_stage_seconds",
			Help:    "Per-record stage latency, sampled one record in 64.",
			Buckets: prometheus.ExponentialBuckets(1e-7, 4, 12)}, []string{"stage"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "prov_run_duration_seconds",
			Help: "Wall time of the last run of a dataset."}, []string{"dataset"}),
		lastOK: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "prov_last_success_timestamp_seconds",
			Help: "Unix time of the last run that sealed a version."}, []string{"dataset"}),
		gateFails: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "prov_failed_gates",
			Help: "Policy gates failed by the last sealed version."}, []string{"dataset"}),
	}
	m.reg.MustRegister(m.records, m.bytes, m.objects, m.errors, m.stage, m.duration, m.lastOK, m.gateFails)
	return m
}

func (m *opsMetrics) countObject(dataset string, c schemas.Counts, size int64) {
	if m == nil {
		return
	}
	m.records.WithLabelValues(dataset, "admit").Add(float64(c.Admit))
	m.records.WithLabelValues(dataset, "redact").Add(float64(c.Redact))
	m.records.WithLabelValues(dataset, "quarantine").Add(float64(c.Quarantine))
	m.records.WithLabelValues(dataset, "reject").Add(float64(c.Reject))
	m.bytes.WithLabelValues(dataset).Add(float64(size))
	m.objects.WithLabelValues(dataset, "checked").Inc()
}

// publish pushes to the Pushgateway or writes the textfile, as configured.
// Pushes are grouped by the grouping labels (dataset selection and shard),
// so concurrent shard pods do not overwrite each other's metrics.
func (m *opsMetrics) publish(ctx context.Context, cfg schemas.MetricsConfig, job string, grouping map[string]string) error {
	if m == nil {
		return nil
	}
	if cfg.Pushgateway != "" {
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		p := push.New(cfg.Pushgateway, job).Gatherer(m.reg)
		for k, v := range grouping {
			p = p.Grouping(k, v)
		}
		if err := p.PushContext(ctx); err != nil {
			return fmt.Errorf("pushing metrics to %s: %w", cfg.Pushgateway, err)
		}
		return nil
	}
	if cfg.Textfile != "" {
		if err := prometheus.WriteToTextfile(cfg.Textfile, m.reg); err != nil {
			return fmt.Errorf("writing metrics textfile %s: %w", cfg.Textfile, err)
		}
	}
	return nil
}
