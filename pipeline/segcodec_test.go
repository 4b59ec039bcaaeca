package pipeline

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

func sampleChunk() segChunk {
	return segChunk{
		Records: []segRecord{
			{Digest: schemas.Digest{1, 2, 3}, Line: 812, Verdict: schemas.Redact, Bytes: 1024, Source: "web", Attrib: "CC-BY-4.0", Subjects: []string{"ab", "cd"}},
			{Digest: schemas.Digest{9}, Line: 1, Verdict: schemas.Reject, Source: "web"},
		},
		Findings: []schemas.Finding{{Dataset: "d", RuleID: "PIPL-28/29", Stage: "pii", Severity: "warning", Verdict: "redact",
			RecordDigest: "00ff", Object: "s3://b/k", Locator: "s3://b/k#L812", Source: "web", Message: "m", Evidence: "type=EMAIL", Figure: 0.25}},
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
