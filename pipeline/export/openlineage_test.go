package export

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/prov-ai/prov/pipeline/export/exporttest"
)

func mustValidator(t testing.TB) *exporttest.Validator {
	t.Helper()
	v, err := exporttest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func toDoc(t testing.TB, x any) any {
	t.Helper()
	d, err := exporttest.Doc(x)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOpenLineageEventsValidate(t *testing.T) {
	v := mustValidator(t)
	ver := testVersion()
	events, err := OpenLineage(ver)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, ev := range events {
		types = append(types, ev.EventType)
		if err := v.ValidateEvent(toDoc(t, ev)); err != nil {
			t.Errorf("event %d (%s) does not validate: %v", i, ev.EventType, err)
		}
	}
	// ok/gate run: START+COMPLETE; failed run: START+FAIL; unfinished: START.
	if got, want := strings.Join(types, ","), "START,COMPLETE,START,FAIL,START"; got != want {
		t.Fatalf("event types %s, want %s", got, want)
	}
	complete := events[1]
	if complete.Run.RunID != events[0].Run.RunID || complete.Run.RunID == events[2].Run.RunID {
		t.Errorf("run ids: START %s COMPLETE %s other %s", events[0].Run.RunID, complete.Run.RunID, events[2].Run.RunID)
	}
	if complete.Job.Namespace != "prov" || complete.Job.Name != "prov-run/chat" {
		t.Errorf("job %+v", complete.Job)
	}
	if len(complete.Inputs) != 4 || complete.Inputs[0].Namespace != "s3://corpus" || complete.Inputs[0].Name != "web/news-01.jsonl" {
		t.Errorf("inputs %+v", complete.Inputs[0])
	}
	if complete.Inputs[2].Namespace != "file" || complete.Inputs[2].Name != "/data/vendor/books.jsonl" {
		t.Errorf("file input named %s %s", complete.Inputs[2].Namespace, complete.Inputs[2].Name)
	}
	if len(complete.Outputs) != 1 || complete.Outputs[0].Namespace != "s3://out" || complete.Outputs[0].Name != "prov/chat/v1" {
		t.Fatalf("outputs %+v", complete.Outputs)
	}
	out := complete.Outputs[0]
	dq := out.Facets["dataQualityMetrics"].(dqFacet)
	if dq.RowCount != 900 || dq.Bytes != 734000 || *dq.ColumnMetrics["url"].NullCount != 270 || *dq.ColumnMetrics["licence"].NullCount != 675 {
		t.Errorf("dataQualityMetrics %+v url %+v", dq, dq.ColumnMetrics["url"])
	}
	if ver := out.Facets["version"].(versionFacet); ver.DatasetVersion != "v1" {
		t.Errorf("version facet %+v", ver)
	}
	cert := out.Facets["prov_certificate"].(CertificateFacet)
	if cert.Status != "valid" || cert.EnvelopeSHA256 != strings.Repeat("8", 64) || cert.PredicateType == "" {
		t.Errorf("certificate facet %+v", cert)
	}
	if c := out.Facets["prov_consent"].(ConsentFacet); c.Entities["email"] != 15 || len(c.Rules) != 2 {
		t.Errorf("consent facet %+v", c)
	}
	if s := complete.Inputs[1].Facets["version"].(versionFacet); s.DatasetVersion != "3HL4kqtJlcpXroDTDmJ" {
		t.Errorf("input version facet %+v", s)
	}
	if events[3].EventType != "FAIL" || len(events[3].Outputs) != 0 {
		t.Errorf("FAIL event has outputs: %+v", events[3].Outputs)
	}
}

// TestOpenLineageValidatorRejects proves the validation can fail: each
// mutation of a valid event must be rejected.
func TestOpenLineageValidatorRejects(t *testing.T) {
	v := mustValidator(t)
	events, err := OpenLineage(testVersion())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		mut  func(ev map[string]any)
	}{
		{"runId not a uuid", func(ev map[string]any) { ev["run"].(map[string]any)["runId"] = "run-1" }},
		{"no eventTime", func(ev map[string]any) { delete(ev, "eventTime") }},
		{"bad eventType", func(ev map[string]any) { ev["eventType"] = "DONE" }},
		{"bad eventTime", func(ev map[string]any) { ev["eventTime"] = "yesterday" }},
		{"no job name", func(ev map[string]any) { delete(ev["job"].(map[string]any), "name") }},
		{"facet without _producer", func(ev map[string]any) {
			in := ev["inputs"].([]any)[0].(map[string]any)
			delete(in["facets"].(map[string]any)["schema"].(map[string]any), "_producer")
		}},
		{"version facet without datasetVersion", func(ev map[string]any) {
			in := ev["inputs"].([]any)[0].(map[string]any)
			delete(in["facets"].(map[string]any)["version"].(map[string]any), "datasetVersion")
		}},
		{"dataQualityMetrics without columnMetrics", func(ev map[string]any) {
			out := ev["outputs"].([]any)[0].(map[string]any)
			delete(out["facets"].(map[string]any)["dataQualityMetrics"].(map[string]any), "columnMetrics")
		}},
		{"rowCount not an integer", func(ev map[string]any) {
			in := ev["inputs"].([]any)[0].(map[string]any)
			in["inputFacets"].(map[string]any)["dataQualityMetrics"].(map[string]any)["rowCount"] = 1.5
		}},
		{"certificate status unknown", func(ev map[string]any) {
			out := ev["outputs"].([]any)[0].(map[string]any)
			out["facets"].(map[string]any)["prov_certificate"].(map[string]any)["status"] = "fine"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := toDoc(t, events[1])
			if err := v.ValidateEvent(doc); err != nil {
				t.Fatalf("unmutated event invalid: %v", err)
			}
			tc.mut(doc.(map[string]any))
			if err := v.ValidateEvent(doc); err == nil {
				t.Fatal("mutated event validated")
			}
		})
	}
}

func TestOpenLineageNeedsRuns(t *testing.T) {
	v := testVersion()
	v.Ledger.Runs = nil
	if _, err := OpenLineage(v); !errors.Is(err, ErrNoRuns) {
		t.Fatalf("no runs: %v", err)
	}
	v.Ledger = nil
	if _, err := OpenLineage(v); !errors.Is(err, ErrNoLedger) {
		t.Fatalf("no ledger: %v", err)
	}
}

func TestRunUUID(t *testing.T) {
	a := RunUUID("20261127T090000Z-aaaa", "chat")
	if a != RunUUID("20261127T090000Z-aaaa", "chat") {
		t.Fatal("not stable")
	}
	if a == RunUUID("20261127T090000Z-aaaa", "labels") || a == RunUUID("20261127T090000Z-aaab", "chat") {
		t.Fatal("collides across datasets or runs")
	}
	u, err := uuid.Parse(a)
	if err != nil || u.Version() != 5 || u.Variant() != uuid.RFC4122 {
		t.Fatalf("%s: version %d variant %v err %v", a, u.Version(), u.Variant(), err)
	}
}

func TestOLName(t *testing.T) {
	for _, tc := range []struct{ uri, ns, name string }{
		{"s3://bucket/a/b.jsonl", "s3://bucket", "a/b.jsonl"},
		{"s3://bucket/pre%20fix/b.jsonl", "s3://bucket", "pre fix/b.jsonl"},
		{"file:///data/x.jsonl", "file", "/data/x.jsonl"},
		{"file://nas/data/x.jsonl", "file://nas", "/data/x.jsonl"},
		{"gs://b/k", "gs://b", "k"},
		{"/plain/path", "file", "/plain/path"},
	} {
		t.Run(tc.uri, func(t *testing.T) {
			ns, name := OLName(tc.uri)
			if ns != tc.ns || name != tc.name {
				t.Fatalf("got (%s, %s), want (%s, %s)", ns, name, tc.ns, tc.name)
			}
		})
	}
}
