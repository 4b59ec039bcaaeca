package pipeline

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
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
		checkParts(t, b)
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

// refChunk is the encoding as written before the encoder remembered recent
// refs (a map lookup per ref, hex keys checked then decoded): the bytes
// must not change, or old segments would read differently.
func refChunk(c *segChunk) []byte {
	refs := map[string]uint64{}
	var b []byte
	ref := func(s string) {
		if i, ok := refs[s]; ok {
			b = binary.AppendUvarint(b, i+1)
			return
		}
		refs[s] = uint64(len(refs))
		b = appendStr(append(b, 0), s)
	}
	key := func(s string) {
		if len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" {
			b, _ = hex.AppendDecode(append(b, 1), []byte(s))
			return
		}
		b = appendStr(append(b, 0), s)
	}
	b = binary.AppendUvarint(b, uint64(len(c.Records)))
	for _, r := range c.Records {
		b = append(b, r.Digest[:]...)
		b = binary.AppendUvarint(b, uint64(r.Line))
		b = append(b, byte(r.Verdict))
		b = binary.AppendUvarint(b, uint64(r.Bytes))
		ref(r.Source)
		ref(r.Attrib)
		b = binary.AppendUvarint(b, uint64(len(r.Subjects)))
		for _, s := range r.Subjects {
			key(s)
		}
		if r.TextKey == ([16]byte{}) {
			b = append(b, 0)
		} else {
			b = append(append(b, 1), r.TextKey[:]...)
		}
	}
	b = binary.AppendUvarint(b, uint64(len(c.Findings)))
	for _, f := range c.Findings {
		for _, s := range []string{f.Dataset, f.Version, f.RuleID, f.Stage, f.Severity, f.Verdict} {
			ref(s)
		}
		key(f.RecordDigest)
		ref(f.Object)
		if n, ok := locatorLine(f.Locator, f.Object); ok {
			b = binary.AppendVarint(append(b, 1), n)
		} else {
			b = appendStr(append(b, 0), f.Locator)
		}
		ref(f.Source)
		b = appendStr(b, f.Message)
		b = appendStr(b, f.Evidence)
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(f.Figure))
	}
	return b
}

// TestChunkBytesUnchanged: one encoder reused for many chunks (as a segment
// writer does) writes each chunk as refChunk does, with refs that repeat
// near and far, more distinct strings per field than it remembers, and
// keys that are almost hex.
func TestChunkBytesUnchanged(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(prefix string, n int) string { return fmt.Sprintf("%s%d", prefix, rng.IntN(n)) }
	hexKey := func() string {
		var d [32]byte
		for i := range d {
			d[i] = byte(rng.IntN(256))
		}
		s := hex.EncodeToString(d[:])
		switch rng.IntN(8) {
		case 0:
			return strings.ToUpper(s)
		case 1:
			return s[:63] + "g"
		case 2:
			return "x" + s[1:]
		}
		return s
	}
	var enc chunkEncoder
	for chunk := range 40 {
		var c segChunk
		for i := range rng.IntN(300) {
			r := segRecord{Digest: schemas.Digest{byte(i)}, Line: int64(i), Verdict: schemas.Verdict(rng.IntN(4)), Bytes: int64(rng.IntN(5000)),
				Source: pick("src", 1+chunk%7), Attrib: pick("attr", 1+rng.IntN(20))}
			for range rng.IntN(3) {
				r.Subjects = append(r.Subjects, hexKey())
			}
			if rng.IntN(2) == 0 {
				r.TextKey[3] = byte(i)
			}
			c.Records = append(c.Records, r)
		}
		for i := range rng.IntN(400) {
			obj := pick("s3://b/part-", 3)
			f := schemas.Finding{Dataset: pick("d", 2), Version: pick("v", 2), RuleID: pick("RULE-", 1+chunk%9), Stage: pick("stage", 6),
				Severity: pick("sev", 3), Verdict: pick("verdict", 4), RecordDigest: hexKey(), Object: obj,
				Locator: schemas.Locator(obj, int64(i)), Source: pick("src", 5), Message: pick("m", 1000), Figure: float64(i)}
			if rng.IntN(5) == 0 {
				f.Locator = "elsewhere#L" + fmt.Sprint(i)
			}
			c.Findings = append(c.Findings, f)
		}
		want := refChunk(&c)
		if got := enc.appendChunk(nil, &c); !bytes.Equal(got, want) {
			t.Fatalf("chunk %d: encoding differs from the reference (%d and %d bytes)", chunk, len(got), len(want))
		}
		if got := appendChunk(nil, &c); !bytes.Equal(got, want) {
			t.Fatalf("chunk %d: appendChunk differs from the reference", chunk)
		}
		var out segChunk
		if err := decodeChunk(want, &out); err != nil {
			t.Fatalf("chunk %d: %v", chunk, err)
		}
		if len(out.Findings) != len(c.Findings) || len(out.Records) != len(c.Records) {
			t.Fatalf("chunk %d: decoded %d records, %d findings", chunk, len(out.Records), len(out.Findings))
		}
		for i := range c.Findings {
			if out.Findings[i].RecordDigest != c.Findings[i].RecordDigest {
				t.Fatalf("chunk %d finding %d: digest %q, want %q", chunk, i, out.Findings[i].RecordDigest, c.Findings[i].RecordDigest)
			}
		}
	}
}

// benchChunk is a chunk like the bench corpora's: segBatch records of one
// object with a subject key each, and a finding per record from a few
// rules.
func benchChunk() segChunk {
	var c segChunk
	obj := "file:///corpus/bench/part-003.jsonl"
	rules := []string{"PIPL-28/29", "CN-LAW-7", "Q-LANG-1", "LIC-3"}
	for i := range segBatch {
		d := schemas.Digest{byte(i), byte(i >> 8), 7}
		c.Records = append(c.Records, segRecord{Digest: d, Line: int64(i + 1), Verdict: schemas.Redact, Bytes: 1200,
			Source: "app-user-chats", Attrib: "CC-BY-4.0", Subjects: []string{schemas.Digest{byte(i), 9}.String()}})
		c.Findings = append(c.Findings, schemas.Finding{Dataset: "bench", RuleID: rules[i%len(rules)], Stage: "pii",
			Severity: "warning", Verdict: "redact", RecordDigest: d.String(), Object: obj, Locator: schemas.Locator(obj, int64(i+1)),
			Source: "app-user-chats", Message: "personal information redacted", Evidence: "type=EMAIL"})
	}
	return c
}

func BenchmarkChunkEncode(b *testing.B) {
	c := benchChunk()
	var enc chunkEncoder
	buf := enc.appendChunk(nil, &c)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		buf = enc.appendChunk(buf[:0], &c)
	}
}

func BenchmarkChunkDecode(b *testing.B) {
	for _, bc := range []struct {
		name string
		part chunkPart
	}{{"all", partAll}, {"records", partRecords}, {"recordsViewed", partRecordsViewed}, {"findings", partFindings}} {
		b.Run(bc.name, func(b *testing.B) {
			c := benchChunk()
			buf := appendChunk(nil, &c)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			var out segChunk
			cs := newChunkStrings()
			for b.Loop() {
				if err := decodeChunkPart(buf, &out, bc.part, cs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// checkParts decodes b whole and in parts: the records part equals the
// whole decode's records, the findings part its findings (and counts its
// records), and each part fails exactly when the whole decode fails in
// that part or before it.
func checkParts(t *testing.T, b []byte) {
	t.Helper()
	var all, recs, finds segChunk
	errAll := decodeChunkPart(b, &all, partAll, newChunkStrings())
	errRecs := decodeChunkPart(b, &recs, partRecords, newChunkStrings())
	errFinds := decodeChunkPart(b, &finds, partFindings, newChunkStrings())
	var viewed segChunk
	errViewed := decodeChunkPart(b, &viewed, partRecordsViewed, newChunkStrings())
	if (errViewed == nil) != (errRecs == nil) || (errRecs == nil && !reflect.DeepEqual(viewed.Records, recs.Records)) {
		t.Fatalf("records with viewed attributions differ: %v / %v", errViewed, errRecs)
	}
	if errViewed == nil {
		// what is not an attribution outlives the chunk's bytes
		kept := bytes.Clone(b)
		for i := range b {
			b[i] = '#'
		}
		for i, r := range viewed.Records {
			if r.Source != recs.Records[i].Source || !reflect.DeepEqual(r.Subjects, recs.Records[i].Subjects) {
				t.Fatalf("record %d: source or subjects changed with the chunk's bytes", i)
			}
		}
		copy(b, kept)
	}
	if (errAll == nil) != (errFinds == nil) {
		t.Fatalf("whole chunk: %v; findings part: %v", errAll, errFinds)
	}
	if errAll == nil && errRecs != nil {
		t.Fatalf("whole chunk decodes, its records do not: %v", errRecs)
	}
	if errRecs == nil && !reflect.DeepEqual(all.Records, recs.Records) && errAll == nil {
		t.Fatalf("records part differs from the whole decode")
	}
	if errAll != nil {
		return
	}
	if finds.records() != len(all.Records) || len(finds.Records) != 0 {
		t.Fatalf("findings part counted %d records (%d decoded), want %d", finds.records(), len(finds.Records), len(all.Records))
	}
	if len(all.Findings) != len(finds.Findings) {
		t.Fatalf("findings part: %d findings, want %d", len(finds.Findings), len(all.Findings))
	}
	for i := range all.Findings {
		a, f := all.Findings[i], finds.Findings[i]
		if !reflect.DeepEqual(a, f) && !(a.Figure != a.Figure && f.Figure != f.Figure) {
			t.Fatalf("finding %d: findings part %+v, whole %+v", i, f, a)
		}
	}
}

// TestChunkParts: the findings of a chunk decoded alone (records skipped,
// their refs kept as views until a finding refers to one) are those of the
// whole decode, also when a finding's ref was first written by a record
// and when the chunk's bytes are overwritten after decoding.
func TestChunkParts(t *testing.T) {
	c := sampleChunk()
	checkParts(t, appendChunk(nil, &c))
	bc := benchChunk()
	checkParts(t, appendChunk(nil, &bc))
	// a finding whose source and object were first written by a record's
	// attribution and source
	shared := segChunk{Records: []segRecord{{Line: 1, Source: "src-a", Attrib: "file:///x/a.jsonl"}, {Line: 2, Source: "file:///x/a.jsonl", Attrib: "src-a"}}, Findings: []schemas.Finding{
		{Dataset: "ds", RuleID: "R", Object: "file:///x/a.jsonl", Locator: "file:///x/a.jsonl#L1", Source: "src-a", RecordDigest: strings.Repeat("ab", 32)},
		{Dataset: "ds", RuleID: "R", Object: "file:///x/a.jsonl", Locator: "file:///x/a.jsonl#L1", Source: "src-a", RecordDigest: strings.Repeat("ab", 32), Message: "m"},
		{Dataset: "ds", RuleID: "R", Object: "file:///x/a.jsonl", Locator: "file:///x/a.jsonl#L2", Source: "src-a", RecordDigest: strings.Repeat("cd", 32)},
	}}
	b := appendChunk(nil, &shared)
	checkParts(t, b)
	var out segChunk
	if err := decodeChunkPart(b, &out, partFindings, newChunkStrings()); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = '#' // the reader reuses its buffer for the next chunk
	}
	if !reflect.DeepEqual(out.Findings, shared.Findings) || out.records() != 2 {
		t.Fatalf("findings decoded alone changed with the chunk's bytes: %+v", out.Findings)
	}
}
