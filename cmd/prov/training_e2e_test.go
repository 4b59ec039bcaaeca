package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// olRunEvent is a training job's RunEvent (OpenLineage 2-0-2) as JSON.
func olRunEvent(t *testing.T, typ, at, runID string, inputs, outputs []map[string]any) string {
	t.Helper()
	if inputs == nil {
		inputs = []map[string]any{}
	}
	if outputs == nil {
		outputs = []map[string]any{}
	}
	b, err := json.Marshal(map[string]any{
		"eventType": typ, "eventTime": at, "producer": "https://github.com/acme/trainer/v2.1.0",
		"schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run": map[string]any{"runId": runID, "facets": map[string]any{"nominalTime": map[string]any{
			"_producer":        "https://github.com/acme/trainer/v2.1.0",
			"_schemaURL":       "https://openlineage.io/spec/facets/1-0-1/NominalTimeRunFacet.json#/$defs/NominalTimeRunFacet",
			"nominalStartTime": "2026-12-01T00:00:00Z"}}},
		"job":    map[string]any{"namespace": "acme-training", "name": "finetune-chat-assistant"},
		"inputs": inputs, "outputs": outputs})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func httpPost(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestE2ETrainingLineage: a training job reports START and COMPLETE over
// HTTP to a real `prov serve --intake` naming a demo version (once as
// prov@ and once by the name prov's own OpenLineage export gives it); then
// the subject query of a person in that version lists the model, revoking
// the person lists and marks it, `lineage model` shows the chain down to
// the sources, and the ledger verifies.
func TestE2ETrainingLineage(t *testing.T) {
	root := repoRoot(t)
	cfg, dir := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r := runDemo(t, cfg, nil)
	var chat string
	for _, d := range r.Datasets {
		if d.Name == "chat-zh-en" {
			chat = d.Version
		}
	}
	// The name prov's own export gives the version.
	exported, stderr, code := prov(t, nil, "-c", cfg, "export", "openlineage", "chat-zh-en@"+chat)
	if code != 0 {
		t.Fatalf("export openlineage: exit %d\n%s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(exported), "\n")
	var last struct {
		Outputs []struct{ Namespace, Name string } `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil || len(last.Outputs) != 1 {
		t.Fatalf("exported COMPLETE event: %v\n%s", err, lines[len(lines)-1])
	}
	asExported := map[string]any{"namespace": last.Outputs[0].Namespace, "name": last.Outputs[0].Name + "/records"}

	const token = "intake-s3cret"
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// --intake without a token is refused.
	if _, stderr, code := prov(t, []string{"PROV_SERVE_TOKEN="}, "-c", cfg, "serve", "--addr", "127.0.0.1:0", "--intake"); code != exitUsage || !strings.Contains(stderr, "bearer token") {
		t.Fatalf("--intake without a token: exit %d\n%s", code, stderr)
	}
	base, stop := launchServe(t, []string{"PROV_SERVE_TOKEN="}, "-c", cfg, "serve", "--addr", "127.0.0.1:0",
		"--token-file", tokenFile, "--intake")
	const run = "0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a2"
	model := map[string]any{"namespace": "s3://acme-models", "name": "chat-assistant-7b"}
	start := olRunEvent(t, "START", "2026-12-01T08:00:00Z", run,
		[]map[string]any{{"namespace": "prov", "name": "chat-zh-en@" + chat}}, nil)
	complete := olRunEvent(t, "COMPLETE", "2026-12-01T14:30:00Z", run, []map[string]any{asExported}, []map[string]any{model})
	// Rejected with a reason: no token, schema violation, oversized body.
	if code, body := httpPost(t, base+"api/v1/lineage", "", start); code != 401 || !strings.Contains(body, "bearer token") {
		t.Errorf("no token: %d %s", code, body)
	}
	bad := strings.Replace(start, run, "not-a-uuid", 1)
	if code, body := httpPost(t, base+"api/v1/lineage", token, bad); code != 400 || !strings.Contains(body, "/run/runId") {
		t.Errorf("schema violation: %d %s", code, body)
	}
	huge := strings.Replace(start, `"acme-training"`, `"`+strings.Repeat("x", 2<<20)+`"`, 1)
	if code, body := httpPost(t, base+"api/v1/lineage", token, huge); code != 413 || !strings.Contains(body, "over") {
		t.Errorf("oversized: %d %.200s", code, body)
	}
	// COMPLETE before START: out of order is fine; START again is a duplicate.
	for i, c := range []struct {
		body   string
		status int
	}{{complete, 201}, {start, 201}, {start, 200}} {
		code, body := httpPost(t, base+"api/v1/lineage", token, c.body)
		if code != c.status || !strings.Contains(body, `"recorded":true`) || !strings.Contains(body, `"unresolved":[]`) {
			t.Fatalf("event %d: %d %s", i, code, body)
		}
	}
	// prov's own exported events (many standard and custom facets) are
	// valid RunEvents; their inputs are raw objects, so they are answered
	// and not recorded.
	for i, ln := range lines {
		if code, body := httpPost(t, base+"api/v1/lineage", token, ln); code != 200 || !strings.Contains(body, `"recorded":false`) {
			t.Fatalf("exported event %d: %d %s", i, code, body)
		}
	}
	if code, body := httpGet(t, base+"api/v1/models/chat-assistant-7b", token); code != 200 || !strings.Contains(body, `"state":"COMPLETE"`) || !strings.Contains(body, chat) {
		t.Fatalf("model API: %d %s", code, body)
	}
	stop()

	// Queries reach the model.
	out, stderr, code := prov(t, nil, "-c", cfg, "lineage", "subject", "--email", "Lin.Wei@example.com")
	if code != 0 || !strings.Contains(out, "chat-assistant-7b") {
		t.Fatalf("lineage subject: exit %d\n%s%s", code, out, stderr)
	}
	out, _, code = prov(t, nil, "-c", cfg, "lineage", "dataset", "chat-zh-en@"+chat)
	if code != 0 || !strings.Contains(out, "trained") || !strings.Contains(out, run) {
		t.Fatalf("lineage dataset:\n%s", out)
	}
	out, stderr, code = prov(t, nil, "-c", cfg, "lineage", "model", "chat-assistant-7b", "-o", "json")
	var m struct {
		Versions []struct {
			Dataset, Version, CertificateStatus string
			Sources                             []string
		} `json:"dataset_versions"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || len(m.Versions) != 1 {
		t.Fatalf("lineage model: exit %d\n%s%s", code, out, stderr)
	}
	if v := m.Versions[0]; v.Version != chat || len(v.Sources) == 0 {
		t.Fatalf("lineage model version: %+v", v)
	}
	out, _, code = prov(t, nil, "-c", cfg, "lineage", "impact", "--source", m.Versions[0].Sources[0])
	if code != 0 || !strings.Contains(out, "chat-assistant-7b") {
		t.Fatalf("lineage impact:\n%s", out)
	}
	out, _, code = prov(t, nil, "-c", cfg, "lineage", "model", "chat-assistant-7b")
	if code != 0 || !strings.Contains(out, "chat-zh-en@"+chat) || !strings.Contains(out, "valid") ||
		!strings.Contains(out, m.Versions[0].Sources[0]) {
		t.Fatalf("lineage model table:\n%s", out)
	}

	// Revoking the person lists and marks the model.
	out, stderr, code = prov(t, nil, "-c", cfg, "revoke", "--email", "Lin.Wei@example.com", "--reason", "consent withdrawn")
	if code != 0 || !strings.Contains(out, "s3://acme-models chat-assistant-7b") || strings.Contains(strings.ToLower(out), "lin.wei") {
		t.Fatalf("revoke: exit %d\n%s%s", code, out, stderr)
	}
	out, _, code = prov(t, nil, "-c", cfg, "lineage", "model", "chat-assistant-7b")
	if code != 0 || !strings.Contains(out, "AFFECTED") || !strings.Contains(out, "revoked") {
		t.Fatalf("lineage model after the revocation:\n%s", out)
	}

	// Offline ingest: a valid event of another job, an invalid line.
	events := filepath.Join(dir, "events.jsonl")
	other := olRunEvent(t, "START", "2026-12-02T08:00:00Z", "0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a3",
		[]map[string]any{{"namespace": "prov", "name": "chat-zh-en@v0-unknown"}}, []map[string]any{{"namespace": "s3://acme-models", "name": "ckpt-x"}})
	if err := os.WriteFile(events, []byte(other+"\n{\"eventType\":\"START\"}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = prov(t, nil, "-c", cfg, "lineage", "ingest", events)
	if code != exitUsage || !strings.Contains(out, "(unresolved)") || !strings.Contains(out, "rejected: line 2") ||
		!strings.Contains(out, "missing properties 'eventTime'") || !strings.Contains(stderr, "1 of 2 events rejected") {
		t.Fatalf("lineage ingest: exit %d\n%s%s", code, out, stderr)
	}
	out, _, _ = prov(t, nil, "-c", cfg, "lineage", "ingest", events)
	if !strings.Contains(out, "already recorded") || !strings.Contains(out, "0 events appended") {
		t.Fatalf("lineage ingest again:\n%s", out)
	}

	// Verification covers the new entries and their indexes.
	out, stderr, code = prov(t, nil, "-c", cfg, "ledger", "verify", "-o", "json")
	if code != 0 || !strings.Contains(out, `"indexes_checked": true`) {
		t.Fatalf("ledger verify: exit %d\n%s%s", code, out, stderr)
	}
}
