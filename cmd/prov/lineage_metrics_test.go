package main

import (
	"reflect"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

func TestMetricChanges(t *testing.T) {
	from := []schemas.Metric{
		{Metric: "records_read", Dimension: "overall", Value: 140},
		{Metric: "exact_dup_rate", Dimension: "overall", Value: 0.1},
		{Metric: "language_share", Dimension: "lang:en", Value: 0.4},
	}
	to := []schemas.Metric{
		{Metric: "records_read", Dimension: "overall", Value: 140},
		{Metric: "exact_dup_rate", Dimension: "overall", Value: 0.05},
		{Metric: "language_share", Dimension: "lang:zh", Value: 0.6},
	}
	want := []metricChange{
		{Metric: "exact_dup_rate", Dimension: "overall", From: 0.1, To: 0.05},
		{Metric: "language_share", Dimension: "lang:en", From: 0.4, To: 0},
		{Metric: "language_share", Dimension: "lang:zh", From: 0, To: 0.6},
	}
	if got := metricChanges(from, to); !reflect.DeepEqual(got, want) {
		t.Fatalf("metricChanges = %+v\nwant %+v", got, want)
	}
}
