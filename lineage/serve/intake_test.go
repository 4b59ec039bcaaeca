package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas/openlineage"
)

const intakeToken = "s3cret-intake-token"

var (
	intakeOnce  sync.Once
	intakeW     *world
	intakeWErr  error
	intakeSrv   *Server
	intakeNames openlineage.Names
)

// intakeWorld is a world of its own (the shared one must not change) with
// a server whose intake is on.
func intakeWorld(t *testing.T) (*world, http.Handler) {
	t.Helper()
	intakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "prov-serve-intake-")
		if err != nil {
			intakeWErr = err
			return
		}
		if intakeW, intakeWErr = newWorld(dir); intakeWErr != nil {
			return
		}
		intakeNames = openlineage.NamesFor(intakeW.out.URI(""))
		intakeSrv, intakeWErr = New(Config{Ledger: intakeW.l, Output: intakeW.out, Datasets: []string{"chat"},
			Token: intakeToken, Intake: true, Names: intakeNames, MaxEvent: 4096, Logger: slog.New(slog.DiscardHandler)})
	})
	if intakeWErr != nil {
		t.Fatalf("building the intake world: %v", intakeWErr)
	}
	return intakeW, intakeSrv.Handler()
}

// runEvent returns a RunEvent of the test training job as JSON.
func runEvent(typ, at, runID string, inputs, outputs []map[string]any) string {
	if inputs == nil {
		inputs = []map[string]any{}
	}
	if outputs == nil {
		outputs = []map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"eventType": typ, "eventTime": at, "producer": "https://github.com/acme/trainer/v1",
		"schemaURL": openlineage.SpecURL + "#/$defs/RunEvent", "run": map[string]any{"runId": runID},
		"job": map[string]any{"namespace": "acme", "name": "finetune-chat"}, "inputs": inputs, "outputs": outputs})
	return string(b)
}

func postEvent(t *testing.T, h http.Handler, body string, hdr map[string]string) response {
	t.Helper()
	if hdr == nil {
		hdr = map[string]string{"Authorization": "Bearer " + intakeToken, "Content-Type": "application/json"}
	}
	return do(t, h, http.MethodPost, "/api/v1/lineage", strings.NewReader(body), hdr)
}

func authed(path string) (string, map[string]string) {
	return path, map[string]string{"Authorization": "Bearer " + intakeToken}
}

func TestIntakeRejects(t *testing.T) {
	w, h := intakeWorld(t)
	good := runEvent("START", "2026-12-01T10:00:00Z", "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c70",
		[]map[string]any{{"namespace": "prov", "name": "chat@" + w.v1.Version}}, nil)
	size := w.l.Size()
	big := runEvent("START", "2026-12-01T10:00:00Z", "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c70",
		[]map[string]any{{"namespace": "prov", "name": "chat@" + strings.Repeat("v", 5000)}}, nil)
	for _, c := range []struct {
		name   string
		body   string
		hdr    map[string]string
		status int
		reason string
	}{
		{"no token", good, map[string]string{"Content-Type": "application/json"}, 401, "bearer token"},
		{"wrong token", good, map[string]string{"Authorization": "Bearer nope", "Content-Type": "application/json"}, 401, "bearer token"},
		{"not JSON content type", good, map[string]string{"Authorization": "Bearer " + intakeToken, "Content-Type": "text/plain"}, 415, "application/json"},
		{"oversized body", big, nil, 413, "over 4096 bytes"},
		{"not JSON", "{\"eventType\": ", nil, 400, "not JSON"},
		{"schema violation", strings.Replace(good, "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c70", "run-42", 1), nil, 400, "at /run/runId"},
		{"missing eventTime", strings.Replace(good, `"eventTime"`, `"time"`, 1), nil, 400, "missing property 'eventTime'"},
		{"facet violation", strings.Replace(good, `"name":"chat@`, `"facets":{"version":{"_producer":"https://x.example","_schemaURL":"https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet","datasetVersion":7}},"name":"chat@`, 1), nil, 400, "datasetVersion"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := postEvent(t, h, c.body, c.hdr)
			var e struct {
				Error string `json:"error"`
			}
			r.decode(t, &e)
			if r.status != c.status || !strings.Contains(e.Error, c.reason) {
				t.Errorf("status %d %q, want %d naming %q", r.status, e.Error, c.status, c.reason)
			}
		})
	}
	if w.l.Size() != size {
		t.Errorf("rejected events changed the ledger: %d -> %d", size, w.l.Size())
	}
	// The intake is off on a server started without it, and cannot be
	// turned on without a token.
	sw := sharedWorld(t)
	r := postEvent(t, sw.h, good, map[string]string{"Content-Type": "application/json"})
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "--intake") {
		t.Errorf("intake off: %d %s", r.status, r.body)
	}
	if _, err := New(Config{Ledger: sw.l, Intake: true}); !errors.Is(err, ErrConfig) {
		t.Errorf("intake without a token: %v", err)
	}
}

func TestIntakeRecordsAndModels(t *testing.T) {
	w, h := intakeWorld(t)
	ver := w.v1.Version
	const run = "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c71"
	storeName := strings.TrimPrefix(w.out.URI("chat/"+ver+"/records"), "file://")
	in := []map[string]any{{"namespace": "prov", "name": "chat@" + ver}}
	out := []map[string]any{{"namespace": "s3://models", "name": "chat-7b/final"}}
	complete := runEvent("COMPLETE", "2026-12-01T12:00:00Z", run,
		[]map[string]any{{"namespace": intakeNames.StoreNamespace, "name": storeName}}, out)
	start := runEvent("START", "2026-12-01T10:00:00Z", run, in, nil)
	var res lineage.IntakeResult
	// COMPLETE first: events may arrive out of order.
	for i, c := range []struct {
		body   string
		status int
	}{{complete, 201}, {start, 201}, {start, 200}} {
		r := postEvent(t, h, c.body, nil)
		if r.status != c.status {
			t.Fatalf("event %d: %d %s", i, r.status, r.body)
		}
		r.decode(t, &res)
		if !res.Recorded || res.Duplicate != (i == 2) || len(res.Unresolved) != 0 || len(res.Inputs) != 1 || !res.Inputs[0].Resolved {
			t.Fatalf("event %d: %s", i, r.body)
		}
	}
	// The same job, run, state and time with other content conflicts.
	if r := postEvent(t, h, runEvent("START", "2026-12-01T10:00:00Z", run, in, out), nil); r.status != http.StatusConflict {
		t.Errorf("conflict: %d %s", r.status, r.body)
	}
	// An unknown version is recorded and reported unresolved.
	r := postEvent(t, h, runEvent("START", "2026-12-02T10:00:00Z", "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c72",
		[]map[string]any{{"namespace": "prov", "name": "chat@v999"}}, nil), nil)
	r.decode(t, &res)
	if r.status != 201 || len(res.Unresolved) != 1 || res.Unresolved[0] != "chat@v999" {
		t.Errorf("unknown version: %d %s", r.status, r.body)
	}
	// An event naming no prov version is answered, not recorded.
	r = postEvent(t, h, runEvent("START", "2026-12-02T10:00:00Z", "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c73",
		[]map[string]any{{"namespace": "s3://elsewhere", "name": "data"}}, nil), nil)
	r.decode(t, &res)
	if r.status != 200 || res.Recorded || res.Reason == "" {
		t.Errorf("foreign event: %d %s", r.status, r.body)
	}

	// Queries reach the model.
	p, hdr := authed("/api/v1/models")
	r = do(t, h, http.MethodGet, p, nil, hdr)
	var ml ModelList
	r.decode(t, &ml)
	if r.status != 200 || len(ml.Models) != 1 || ml.Models[0] != "chat-7b/final" {
		t.Fatalf("models: %d %s", r.status, r.body)
	}
	p, hdr = authed("/api/v1/models/" + url.PathEscape("chat-7b/final"))
	r = do(t, h, http.MethodGet, p, nil, hdr)
	var m lineage.ModelInfo
	r.decode(t, &m)
	if r.status != 200 || len(m.Runs) != 1 || m.Runs[0].State != "COMPLETE" || len(m.Versions) != 1 ||
		m.Versions[0].CertificateStatus == "" || len(m.Versions[0].Sources) == 0 {
		t.Fatalf("model: %d %s", r.status, r.body)
	}
	p, hdr = authed(fmt.Sprintf("/api/v1/datasets/chat/versions/%s/graph?depth=1", ver))
	r = do(t, h, http.MethodGet, p, nil, hdr)
	var g Graph
	r.decode(t, &g)
	found := false
	for _, e := range g.Edges {
		found = found || (e.Kind == "trained" && e.To == "model:s3://models/chat-7b/final")
	}
	if !found {
		t.Errorf("graph has no model node: %s", r.body)
	}
	p, hdr = authed("/api/v1/datasets/chat/versions/" + ver)
	r = do(t, h, http.MethodGet, p, nil, hdr)
	var vd VersionDetail
	r.decode(t, &vd)
	if len(vd.Ledger.TrainingRuns) != 1 || vd.Ledger.TrainingRuns[0].RunID != run {
		t.Errorf("version detail training runs: %+v", vd.Ledger.TrainingRuns)
	}
	// The ledger still verifies, indexes included.
	if _, err := w.l.VerifyAll(t.Context(), lineage.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

var benchRuns int

// BenchmarkIntake posts distinct RunEvents (one prov input, one output)
// through the handler: validation, the ledger append and the signed
// checkpoint that follows each append.
func BenchmarkIntake(b *testing.B) {
	t := &testing.T{}
	w, h := intakeWorld(t)
	if t.Failed() {
		b.Fatal("building the intake world")
	}
	in := []map[string]any{{"namespace": "prov", "name": "chat@" + w.v1.Version}}
	out := []map[string]any{{"namespace": "s3://models", "name": "bench-model"}}
	hdr := map[string]string{"Authorization": "Bearer " + intakeToken, "Content-Type": "application/json"}
	body := runEvent("COMPLETE", "2026-12-03T10:00:00Z", "0193a1c2-7d4e-7b6a-9c1d-000000000000", in, out)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		benchRuns++ // distinct runs across the benchmark's rounds
		ev := runEvent("COMPLETE", "2026-12-03T10:00:00Z", fmt.Sprintf("0193a1c2-7d4e-7b6a-9c1d-%012x", 1<<40+benchRuns), in, out)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/lineage", strings.NewReader(ev))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusCreated {
			b.Fatalf("event %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
