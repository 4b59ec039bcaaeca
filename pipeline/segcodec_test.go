package pipeline

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

func sampleChunk() segChunk {
	return segChunk{
		Records: []segRecord{
			{Digest: schemas.Digest{1, 2, 3}, Line: 812, Verdict: schemas.Redact, Bytes: 1024, Source: "web", Attrib: "CC-BY-4.0",
				Subjects: []string{"ab", "cd", strings.Repeat("0f", 32), strings.Repeat("0F", 32)}},
			{Digest: schemas.Digest{9}, Line: 1, Verdict: schemas.Reject, Source: "web"},
		},
		Findings: []schemas.Finding{
			{Dataset: "d", RuleID: "PIPL-28/29", Stage: "pii", Severity: "warning", Verdict: "redact",
				RecordDigest: "00ff", Object: "s3://b/k", Locator: "s3://b/k#L812", Source: "web", Message: "m", Evidence: "type=EMAIL", Figure: 0.25},
			{Dataset: "d", RuleID: "PIPL-28/29", Stage: "pii", Severity: "warning", Verdict: "redact",
				RecordDigest: strings.Repeat("a1", 32), Object: "s3://b/k", Locator: "s3://b/k#L0812", Source: "web", Message: "leading zero: kept as written"},
			{Dataset: "d", RuleID: "T", Stage: "s", Severity: "error", Verdict: "reject",
				RecordDigest: strings.Repeat("b2", 32), Object: "s3://b/k", Locator: "s3://b/k#L-3", Source: "web"},
			{Dataset: "d", RuleID: "T", Stage: "s", Severity: "error", Verdict: "reject", Object: "s3://b/other", Locator: "s3://b/k#L5"},
		},
	}
}

func TestChunkRoundTrip(t *testing.T) {
	in := sampleChunk()
	var out segChunk
	if err := decodeChunk(appendChunk(nil, &in), &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip:\n%+v\n%+v", in, out)
	}
}

// The v3 encoding must be much smaller than spelling the fields out for
// what a segment mostly holds: findings of one object with hex digests
// and locators.
func TestChunkCompact(t *testing.T) {
	var c segChunk
	plain := 0
	for i := range 1000 {
		d := schemas.Digest{byte(i), byte(i >> 8)}
		f := schemas.Finding{Dataset: "chat", RuleID: "CN-IM-7.2", Stage: "licence", Severity: "error", Verdict: "reject",
			RecordDigest: d.String(), Object: "s3://corpus/chat/part-0001.jsonl", Source: "web-crawl",
			Message: "licence CC-BY-NC-4.0 does not allow commercial training", Evidence: "licence=CC-BY-NC-4.0", Figure: 1}
		f.Locator = schemas.Locator(f.Object, int64(i+1))
		c.Findings = append(c.Findings, f)
		for _, s := range []string{f.Dataset, f.RuleID, f.Stage, f.Severity, f.Verdict, f.RecordDigest, f.Object, f.Locator, f.Source, f.Message, f.Evidence} {
			plain += 1 + len(s)
		}
		plain += 1 + 8
	}
	enc := appendChunk(nil, &c)
	var out segChunk
	if err := decodeChunk(enc, &out); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Findings, out.Findings) {
		t.Fatal("findings changed in the round trip")
	}
	t.Logf("1000 findings: %d bytes, %d spelled out", len(enc), plain)
	if len(enc)*2 > plain {
		t.Fatalf("encoded %d bytes, want at most half of %d", len(enc), plain)
	}
}

// FuzzDecodeChunk: junk never panics or allocates without bound, and what
// decodes re-encodes to the same bytes.
func FuzzDecodeChunk(f *testing.F) {
	c := sampleChunk()
	f.Add(appendChunk(nil, &c))
	f.Add(appendChunk(nil, &segChunk{}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var c segChunk
		if err := decodeChunk(b, &c); err != nil {
			return
		}
		enc := appendChunk(nil, &c)
		var again segChunk
		if err := decodeChunk(enc, &again); err != nil {
			t.Fatalf("re-encoded chunk does not decode: %v", err)
		}
		if !bytes.Equal(appendChunk(nil, &again), enc) {
			t.Fatalf("re-encoding changed the chunk")
		}
	})
}
