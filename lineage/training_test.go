package lineage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/prov-ai/prov/schemas/openlineage"
)

const trainRun = "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c7d"

// olEvent builds and validates a RunEvent of the test training job.
func olEvent(t testing.TB, typ, at, runID string, inputs, outputs []openlineage.Dataset) *openlineage.RunEvent {
	t.Helper()
	doc := map[string]any{"eventType": typ, "eventTime": at, "producer": "https://github.com/acme/trainer/v1",
		"schemaURL": openlineage.SpecURL + "#/$defs/RunEvent", "run": map[string]any{"runId": runID},
		"job": map[string]any{"namespace": "acme", "name": "finetune"}, "inputs": nonNil(inputs), "outputs": nonNil(outputs)}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := openlineage.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

var (
	chatV1 = openlineage.Dataset{Namespace: "prov", Name: "chat@v1"}
	model  = openlineage.Dataset{Namespace: "s3://models", Name: "chat-7b"}
)

// recordTraining records a training run on chat@v1 (COMPLETE before START,
// as events may arrive) and returns the ledger's answers.
func recordTraining(t *testing.T, l *Ledger) {
	t.Helper()
	ctx := context.Background()
	names := openlineage.Names{}
	complete := olEvent(t, "COMPLETE", "2026-03-02T10:00:00.5Z", trainRun, []openlineage.Dataset{chatV1}, []openlineage.Dataset{model})
	start := olEvent(t, "START", "2026-03-02T09:00:00+01:00", trainRun, []openlineage.Dataset{chatV1}, nil)
	for i, ev := range []*openlineage.RunEvent{complete, start, complete} {
		res, err := l.RecordRunEvent(ctx, ev, names)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Recorded || res.Duplicate != (i == 2) || len(res.Unresolved) != 0 || len(res.Inputs) != 1 || !res.Inputs[0].Resolved {
			t.Fatalf("event %d: %+v", i, res)
		}
	}
}

func TestTrainingLineage(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	l := openTest(t, cfg)
	f := buildFixture(t, l)
	size0 := l.Size()
	recordTraining(t, l)
	if l.Size() != size0+2 {
		t.Fatalf("size %d, want %d: the duplicate was appended", l.Size(), size0+2)
	}
	// A different event with the same job, run, state and time conflicts.
	other := olEvent(t, "COMPLETE", "2026-03-02T10:00:00.5Z", trainRun, []openlineage.Dataset{chatV1}, nil)
	if _, err := l.RecordRunEvent(ctx, other, openlineage.Names{}); !errors.Is(err, ErrConflict) {
		t.Fatalf("conflicting event: %v", err)
	}
	// An unknown version is recorded and reported unresolved.
	const run2 = "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c7e"
	unk := olEvent(t, "START", "2026-03-03T00:00:00Z", run2, []openlineage.Dataset{{Namespace: "prov", Name: "chat@v9"}}, nil)
	res, err := l.RecordRunEvent(ctx, unk, openlineage.Names{})
	if err != nil || !res.Recorded || !slices.Equal(res.Unresolved, []string{"chat@v9"}) {
		t.Fatalf("unknown version: %+v %v", res, err)
	}
	// A run's later event naming no prov input joins the run; an event of
	// an unknown run naming none is not recorded.
	done2 := olEvent(t, "FAIL", "2026-03-03T01:00:00Z", run2, nil, []openlineage.Dataset{{Namespace: "s3://models", Name: "ckpt-9"}})
	if res, err := l.RecordRunEvent(ctx, done2, openlineage.Names{}); err != nil || !res.Recorded {
		t.Fatalf("event of a known run: %+v %v", res, err)
	}
	stray := olEvent(t, "START", "2026-03-03T00:00:00Z", "0193a1c2-7d4e-7b6a-9c1d-2f3e4a5b6c7f",
		[]openlineage.Dataset{{Namespace: "s3://elsewhere", Name: "x"}}, nil)
	if res, err := l.RecordRunEvent(ctx, stray, openlineage.Names{}); err != nil || res.Recorded || res.Reason == "" {
		t.Fatalf("stray event: %+v %v", res, err)
	}

	v, err := l.At(ctx, AsOf{})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := v.Dataset(ctx, "chat", "v1")
	if err != nil {
		t.Fatal(err)
	}
	runs := ds.Versions[0].TrainingRuns
	if len(runs) != 1 || runs[0].RunID != trainRun || runs[0].State != "COMPLETE" || runs[0].StartedAt != "2026-03-02T08:00:00Z" ||
		!slices.Equal(runs[0].Outputs, []DatasetName{{"s3://models", "chat-7b"}}) || len(runs[0].EventLeaves) != 2 {
		t.Fatalf("training runs of chat@v1: %+v", runs)
	}
	if v2, _ := v.Dataset(ctx, "chat", "v2"); len(v2.Versions[0].TrainingRuns) != 0 {
		t.Errorf("chat@v2 lists runs %+v", v2.Versions[0].TrainingRuns)
	}
	sub, err := v.Subject(ctx, f.alice)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sub.Models, []DatasetName{{"s3://models", "chat-7b"}}) {
		t.Errorf("subject models %+v", sub.Models)
	}
	im, err := v.Impact(ctx, "oss")
	if err != nil || len(im.Models) != 1 {
		t.Errorf("impact models %+v %v", im, err)
	}
	rec, err := v.Record(ctx, digest("s3://in/oss/b.jsonl#0"))
	if err != nil || len(rec.Models) != 1 {
		t.Errorf("record models %+v %v", rec, err)
	}
	m, err := v.Model(ctx, "chat-7b", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Versions) != 1 || m.Versions[0].CertificateStatus != StatusSuperseded || !slices.Equal(m.Versions[0].Sources, []string{"oss", "web"}) {
		t.Fatalf("model: %+v", m)
	}
	m9, err := v.Model(ctx, "ckpt-9", "s3://models")
	if err != nil || len(m9.Versions) != 1 || m9.Versions[0].Resolved || m9.Versions[0].CertificateStatus != "unresolved" || m9.Runs[0].State != "FAIL" {
		t.Fatalf("unresolved model: %+v %v", m9, err)
	}
	if _, err := v.Model(ctx, "chat-7b", "s3://other"); !IsNotFound(err) {
		t.Errorf("model in another namespace: %v", err)
	}
	if names, err := v.Models(ctx); err != nil || !slices.Equal(names, []string{"chat-7b", "ckpt-9"}) {
		t.Errorf("models %v %v", names, err)
	}

	// Revocation reaches the model and marks it.
	rev, err := l.WithdrawConsent(ctx, f.alice, "request", "ticket-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Models) != 1 || rev.Models[0].Name != "chat-7b" || !slices.Equal(rev.Models[0].Versions, []string{"chat@v1"}) {
		t.Fatalf("revocation models %+v", rev.Models)
	}
	v, _ = l.At(ctx, AsOf{})
	m, err = v.Model(ctx, "chat-7b", "")
	if err != nil || len(m.Marks) != 1 || m.Marks[0].Cause != rev.Leaf || m.Marks[0].CauseKind != KindConsentWithdrawn ||
		m.Versions[0].CertificateStatus != StatusSuperseded {
		t.Fatalf("model after withdrawal: %+v %v", m, err)
	}
	// Repeating the withdrawal appends nothing new.
	size := l.Size()
	if _, err := l.WithdrawConsent(ctx, f.alice, "request", "ticket-1"); err != nil || l.Size() != size {
		t.Errorf("repeat: size %d -> %d, %v", size, l.Size(), err)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := l.VerifyAll(ctx, VerifyOptions{}); err != nil || !rep.IndexesChecked {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// TestTrainingTamper: ledger verification covers training events, model
// marks and their indexes.
func TestTrainingTamper(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper func(t *testing.T, txn *badger.Txn, leaf uint64)
		what   string
	}{
		{"change the output of a training event", func(t *testing.T, txn *badger.Txn, leaf uint64) {
			b := bytes.Replace(get(t, txn, entryKey(leaf)), []byte("chat-7b"), []byte("chat-8b"), 1)
			mustSet(t, txn, entryKey(leaf), b)
		}, "tree"},
		{"delete a version → training index key", func(t *testing.T, txn *badger.Txn, leaf uint64) {
			mustDelete(t, txn, strKey(pTrainVer, "chat@v1", leaf))
		}, "index"},
		{"add a model index key", func(t *testing.T, txn *badger.Txn, leaf uint64) {
			mustSet(t, txn, strKey(pModel, "other-model", leaf), nil)
		}, "index"},
		{"delete a run index key", func(t *testing.T, txn *badger.Txn, leaf uint64) {
			mustDelete(t, txn, strKey(pTrainRun, trainRun, leaf))
		}, "index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			l, err := Open(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			buildFixture(t, l)
			recordTraining(t, l)
			leaf := l.Size() - 2 // the COMPLETE event
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := l.VerifyAll(ctx, VerifyOptions{}); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			rawDB(t, cfg, func(txn *badger.Txn) error { tc.tamper(t, txn, leaf); return nil })
			cfg.ReadOnly = true
			l = openTest(t, cfg)
			_, err = l.VerifyAll(ctx, VerifyOptions{})
			var ve *VerifyError
			if !errors.As(err, &ve) || ve.What != tc.what || ve.Index != leaf {
				t.Fatalf("verify: %v, want %s at entry %d", err, tc.what, leaf)
			}
		})
	}
}

func TestTrainingEventCheck(t *testing.T) {
	good := TrainingEvent{JobNamespace: "acme", JobName: "j", RunID: trainRun, EventType: "START",
		EventTime: "2026-03-02T08:00:00Z", Producer: "p", EventSHA256: hexSum("x")}
	if err := good.check(); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(e *TrainingEvent){
		"state":          func(e *TrainingEvent) { e.EventType = "DONE" },
		"local time":     func(e *TrainingEvent) { e.EventTime = "2026-03-02T09:00:00+01:00" },
		"unsorted":       func(e *TrainingEvent) { e.Outputs = []DatasetName{{"b", "m"}, {"a", "m"}} },
		"no run":         func(e *TrainingEvent) { e.RunID = "" },
		"nul in a name":  func(e *TrainingEvent) { e.Outputs = []DatasetName{{"a", "m\x00"}} },
		"missing sha256": func(e *TrainingEvent) { e.EventSHA256 = "" },
	} {
		e := good
		mut(&e)
		if err := e.check(); !errors.Is(err, ErrBadEntry) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
