package lineage

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
)

// sampleEntries is one entry of every kind; testdata/entries holds their
// canonical encodings (regenerate with -update-entries).
func sampleEntries() []Stored {
	t := time.Date(2026, 3, 1, 8, 0, 0, 123456789, time.UTC)
	c := schemas.Counts{In: 10, Admit: 6, Redact: 1, Quarantine: 1, Reject: 2}
	es := []Entry{
		RunStarted{RunID: "run-1", Datasets: []string{"chat"}, PolicyID: "default", PolicyDigest: hexSum("p"), Shard: "0/2"},
		RunFinished{RunID: "run-1", Status: "ok", Counts: c},
		ObjectIngested{Dataset: "chat", URI: "s3://in/web/a.jsonl", VersionID: "v7", ETag: "abc", SHA256: hexSum("o"),
			Size: 1234, Sources: []string{"web"}, PolicyDigest: hexSum("p"), RunID: "run-1", RecordRoot: hexSum("r"), Records: 10, Counts: c},
		SourceAssessed{Source: "web", Dataset: "chat", Rules: []schemas.RuleResult{{RuleID: "TC260-5.1-a", Pass: true,
			Figure: 0.012, Threshold: 0.05, N: 4000, Detail: "harmful ratio 0.012 <= 0.05 over n=4000"}}},
		DatasetSealed{Dataset: "chat", Version: "v1", Digest: hexSum("d"), ManifestSHA256: hexSum("m"), Counts: c,
			Objects: []uint64{2, 5}, Sources: []string{"oss", "web"}, RunIDs: []string{"run-1"}, Supersedes: "v0"},
		CertificateIssued{Dataset: "chat", Version: "v1", EnvelopeSHA256: hexSum("e"), PredicateType: "https://prov.example/cert/v1"},
		ConsentWithdrawn{Subject: hexSum("alice"), Reason: "PIPL-15", Reference: "req-1"},
		SourceRevoked{Source: "web", Reason: "complaint <upheld> & closed"},
		ObjectRevoked{URI: "s3://in/web/a.jsonl", Reason: "takedown"},
		CertificateRevoked{Dataset: "chat", Version: "v1", EnvelopeSHA256: hexSum("e"), Cause: 7, Reason: "source revoked"},
		AssessmentImported{Dataset: "chat", RuleID: "TC260-9.2-a", SampleSHA256: hexSum("s"), VerdictsSHA256: hexSum("v"), N: 4000, Passed: 3900},
		TrainingEvent{JobNamespace: "acme", JobName: "finetune", RunID: "0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a2", EventType: "COMPLETE",
			EventTime: "2026-12-01T09:00:00.5Z", Producer: "https://example.com/trainer",
			Inputs:  []ConsumedVersion{{Dataset: "chat", Version: "v1", Namespace: "prov", Name: "chat@v1"}},
			Outputs: []DatasetName{{Namespace: "s3://models", Name: "chat-7b"}}, EventSHA256: hexSum("ev")},
		ModelAffected{Namespace: "s3://models", Name: "chat-7b", Cause: 7, Versions: []string{"chat@v1"},
			Runs: []string{"0193b5d0-1c2e-7f3a-8b4c-5d6e7f8091a2"}, Reason: "consent withdrawn"},
	}
	out := make([]Stored, len(es))
	for i, e := range es {
		out[i] = Stored{Index: uint64(i), Time: t.Add(time.Duration(i) * time.Second), Entry: e}
	}
	return out
}

func TestEntryRoundTrip(t *testing.T) {
	update := os.Getenv("UPDATE_ENTRIES") != ""
	for _, s := range sampleEntries() {
		t.Run(string(s.Entry.Kind()), func(t *testing.T) {
			b, err := EncodeEntry(s)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeEntry(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, s) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, s)
			}
			golden := filepath.Join("testdata", "entries", string(s.Entry.Kind())+".json")
			if update {
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("canonical encoding changed (frozen format!):\n got %s\nwant %s", b, want)
			}
		})
	}
}

func TestDecodeEntryRejectsNonCanonical(t *testing.T) {
	good, _ := EncodeEntry(sampleEntries()[1])
	tests := []struct {
		name string
		b    []byte
	}{
		{"whitespace", bytes.Replace(good, []byte(`,"index"`), []byte(`, "index"`), 1)},
		{"field order", bytes.Replace(good, []byte(`{"v":1,"index":1,`), []byte(`{"index":1,"v":1,`), 1)},
		{"unknown field", bytes.Replace(good, []byte(`"status":"ok"`), []byte(`"status":"ok","x":1`), 1)},
		{"unknown kind", bytes.Replace(good, []byte(`run_finished`), []byte(`run_paused`), 1)},
		{"version 2", bytes.Replace(good, []byte(`"v":1`), []byte(`"v":2`), 1)},
		{"local time", bytes.Replace(good, []byte(`Z"`), []byte(`+08:00"`), 1)},
		{"bad status", bytes.Replace(good, []byte(`"status":"ok"`), []byte(`"status":"meh"`), 1)},
		{"trailing", append(append([]byte{}, good...), '\n')},
		{"empty", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if bytes.Equal(tc.b, good) {
				t.Fatal("test case did not change the encoding")
			}
			if _, err := DecodeEntry(tc.b); err == nil {
				t.Fatalf("accepted %s", tc.b)
			}
		})
	}
}

// FuzzDecodeEntry: whatever DecodeEntry accepts re-encodes to exactly the
// same bytes and decodes to the same value.
func FuzzDecodeEntry(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "entries", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeEntry(b)
		if err != nil {
			return
		}
		again, err := EncodeEntry(s)
		if err != nil {
			t.Fatalf("decoded entry does not encode: %v", err)
		}
		if !bytes.Equal(again, b) {
			t.Fatalf("not canonical:\n in  %q\n out %q", b, again)
		}
		s2, err := DecodeEntry(again)
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("second decode differs: %v", err)
		}
	})
}

// FuzzDecodeChunk: the record-list chunk decoder never panics and what it
// accepts re-encodes to the same bytes.
func FuzzDecodeChunk(f *testing.F) {
	refs, _ := canonicalRefs([]RecordRef{{Digest: digest("a"), Line: 3, Subjects: []string{hexSum("s")}}, {Digest: digest("b"), Line: 1, Verdict: schemas.Reject}})
	f.Add(encodeChunk(nil, refs))
	f.Add([]byte{0})
	f.Fuzz(func(t *testing.T, b []byte) {
		refs, err := decodeChunk(b, nil)
		if err != nil {
			return
		}
		if again := encodeChunk(nil, refs); !bytes.Equal(again, b) {
			t.Fatalf("chunk re-encodes differently:\n in  %x\n out %x", b, again)
		}
	})
}
