package readers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/prov-ai/prov/schemas"
)

func mapOpts(fields map[string]schemas.FieldSpec, ann *schemas.AnnotationMap) Options {
	var m schemas.FieldMap
	for k, v := range fields {
		f, _ := schemas.ParseField(k)
		m.Fields[f] = v
	}
	m.Annotation = ann
	return Options{Map: &m}
}

func TestFieldPathsJSONL(t *testing.T) {
	data := []byte(`{"id":"c1","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"mail a\"b@example.com"},{"role":"assistant","content":""}],"metadata":{"url":"https://x.example/p","n":3,"tags":["a","b"]},"instruction":"Do it","input":"","output":"Done"}
{"id":"c2","messages":[],"metadata":null}
{"id":"c3","messages":"not an array","metadata":{"url":null}}
`)
	opts := mapOpts(map[string]schemas.FieldSpec{
		"text":       {"messages[*].content"},
		"id":         {"id"},
		"url":        {"metadata.url"},
		"licence":    {"messages[1].role"},
		"language":   {"metadata.tags"},
		"user_agent": {"metadata.n"},
		"source":     {"instruction", "input", "output"},
	}, nil)
	got := readBytes(t, "c.jsonl", data, opts)
	checkRecords(t, got, []want{
		{line: 1, values: map[string]string{"text": "be brief\nmail a\"b@example.com", "id": "c1",
			"url": "https://x.example/p", "licence": "user", "language": `["a","b"]`, "user_agent": "3",
			"source": "Do it\nDone"}},
		{line: 2, values: map[string]string{"id": "c2"}},
		{line: 3, values: map[string]string{"id": "c3"}},
	})
	// A present but empty single value stays present.
	got = readBytes(t, "e.jsonl", []byte(`{"m":{"t":""}}`+"\n"), mapOpts(map[string]schemas.FieldSpec{"text": {"m.t"}}, nil))
	if v, ok := got[0].Get(schemas.FieldText); !ok || v != "" {
		t.Fatalf("empty nested text: got %q, %v", v, ok)
	}
	// Syntax errors are still found outside the mapped paths.
	got = readBytes(t, "bad.jsonl", []byte(`{"m":{"t":"x"},"z":[1,}`+"\n"), mapOpts(map[string]schemas.FieldSpec{"text": {"m.t"}}, nil))
	if got[0].Err == nil || !errors.Is(got[0].Err, ErrSyntax) {
		t.Fatalf("want a syntax error record, got %+v", got[0])
	}
}

func TestAnnotationMapJSONL(t *testing.T) {
	line := `{"instruction":"Q","response":"A","batch_id":"b1","task":"security","rule_version":"safety-v2",` +
		`"labels":[{"annotator_id":"ann-01","label":"safe","labelled_at":"2024-05-01"},{"annotator_id":"ann-02","label":"harmful","labelled_at":"2024-05-02T10:00:00Z","extra":{"category":"x"}}],` +
		`"reviews":[{"reviewer_id":"rev-01","decision":"Approved"},{"reviewer_id":"rev-02","decision":"nope"}]}` + "\n" +
		`{"instruction":"Q2","response":"A2"}` + "\n"
	ann := &schemas.AnnotationMap{Labels: "labels", Label: "label", Annotator: "annotator_id", At: "labelled_at",
		Fields: "extra", Reviews: "reviews", Reviewer: "reviewer_id", Decision: "decision",
		Batch: "batch_id", Task: "task", RuleVersion: "rule_version"}
	opts := mapOpts(map[string]schemas.FieldSpec{"text": {"instruction", "response"}}, ann)
	got := readBytes(t, "l.jsonl", []byte(line), opts)
	if len(got) != 2 || got[0].Err != nil {
		t.Fatalf("records: %+v", got)
	}
	v, ok := got[0].Get(schemas.FieldLabels)
	if !ok {
		t.Fatal("labels not assembled")
	}
	var l schemas.Labels
	if err := json.Unmarshal([]byte(v), &l); err != nil {
		t.Fatalf("assembled labels %s: %v", v, err)
	}
	if l.RuleVersion != "safety-v2" || l.Batch != "b1" || l.Task != "security" || len(l.Labels) != 2 ||
		l.Labels[1].Annotator != "ann-02" || l.Labels[1].Fields["category"] != "x" || l.Labels[0].At.IsZero() ||
		len(l.Reviews) != 2 || l.Reviews[0].Verdict != "accept" || l.Reviews[1].Verdict != "nope" {
		t.Fatalf("assembled labels: %s", v)
	}
	if got[0].Text() != "Q\nA" {
		t.Fatalf("text %q", got[0].Text())
	}
	if _, ok := got[1].Get(schemas.FieldLabels); ok {
		t.Fatal("a record without annotation got labels")
	}
}

// nestedSchema is a Hugging Face style chat table: an id, a list of
// message structs and a metadata struct.
func nestedSchema() *arrow.Schema {
	msg := arrow.StructOf(arrow.Field{Name: "role", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "content", Type: arrow.BinaryTypes.String, Nullable: true})
	return arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "messages", Type: arrow.ListOf(msg), Nullable: true},
		{Name: "metadata", Type: arrow.StructOf(arrow.Field{Name: "url", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	}, nil)
}

// nestedParquet writes rows {id, messages: [[role, content]...], url}.
func nestedParquet(t testing.TB, rows [][]string) []byte {
	t.Helper()
	sc := nestedSchema()
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for _, r := range rows {
		b.Field(0).(*array.StringBuilder).Append(r[0])
		lb := b.Field(1).(*array.ListBuilder)
		lb.Append(true)
		sb := lb.ValueBuilder().(*array.StructBuilder)
		for i := 2; i+1 < len(r); i += 2 {
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).Append(r[i])
			sb.FieldBuilder(1).(*array.StringBuilder).Append(r[i+1])
		}
		mb := b.Field(2).(*array.StructBuilder)
		mb.Append(true)
		mb.FieldBuilder(0).(*array.StringBuilder).Append(r[1])
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(sc, &buf, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFieldPathsParquetNested(t *testing.T) {
	data := nestedParquet(t, [][]string{
		{"p1", "https://a.example/1", "user", "call 13812345678", "assistant", "ok"},
		{"p2", "https://a.example/2"},
	})
	opts := mapOpts(map[string]schemas.FieldSpec{
		"text":    {"messages[*].content"},
		"id":      {"id"},
		"url":     {"metadata.url"},
		"licence": {"messages[0].role"},
	}, nil)
	got := readBytes(t, "chat.parquet", data, opts)
	checkRecords(t, got, []want{
		{line: 1, values: map[string]string{"text": "call 13812345678\nok", "id": "p1", "url": "https://a.example/1", "licence": "user"}},
		{line: 2, values: map[string]string{"id": "p2", "url": "https://a.example/2"}},
	})
	// The same records in JSONL give the same digests.
	jl := []byte(`{"id":"p1","messages":[{"role":"user","content":"call 13812345678"},{"role":"assistant","content":"ok"}],"metadata":{"url":"https://a.example/1"}}
{"id":"p2","messages":[],"metadata":{"url":"https://a.example/2"}}
`)
	got2 := readBytes(t, "chat.jsonl", jl, opts)
	for i := range got {
		if got[i].Digest != got2[i].Digest {
			t.Errorf("row %d: parquet digest %s != jsonl digest %s", i+1, got[i].Digest, got2[i].Digest)
		}
	}
}

func TestBadPathIsAnError(t *testing.T) {
	opts := mapOpts(map[string]schemas.FieldSpec{"text": {"a[x]"}}, nil)
	m := &memObject{data: []byte("{}\n")}
	err := Read(t.Context(), m.input("mem://b/x.jsonl", "x.jsonl"), opts, func(*schemas.Record) error { return nil })
	if !errors.Is(err, schemas.ErrBadPath) {
		t.Fatalf("got %v, want ErrBadPath", err)
	}
}

// nestedCorpus rewrites the benchmark corpus as chat records with nested
// metadata: {"id", "messages": [{"role", "content"} x2], "metadata":
// {"url", "license"}, "consent"}.
func nestedCorpus() []byte {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(benchCorpus()))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var r map[string]any
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		txt, _ := r["text"].(string)
		half := len(txt) / 2
		for half > 0 && half < len(txt) && txt[half]&0xc0 == 0x80 {
			half++
		}
		n := map[string]any{
			"id": r["id"],
			"messages": []map[string]any{{"role": "user", "content": txt[:half]},
				{"role": "assistant", "content": txt[half:]}},
			"metadata": map[string]any{"url": r["url"], "license": r["license"], "lang": r["lang"]},
			"consent":  r["consent"],
		}
		b, _ := json.Marshal(n)
		out.Write(b)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

func BenchmarkJSONLNested(b *testing.B) {
	data := nestedCorpus()
	opts := mapOpts(map[string]schemas.FieldSpec{
		"text":    {"messages[*].content"},
		"id":      {"id"},
		"url":     {"metadata.url"},
		"licence": {"metadata.license"},
		"consent": {"consent"},
	}, nil)
	benchRead(b, "nested.jsonl", data, len(data), opts)
}

// TestInvalidUTF8AfterASCII: a string whose invalid byte follows a run of
// ASCII (the scanner validates only the non-ASCII runs it meets), or sits
// in the 1-byte tail, or after an escape, is still an invalid-UTF-8 record,
// with top-level keys and with nested paths; valid non-ASCII text is kept.
func TestInvalidUTF8AfterASCII(t *testing.T) {
	top := mapOpts(map[string]schemas.FieldSpec{"text": {"text"}}, nil)
	nested := mapOpts(map[string]schemas.FieldSpec{"text": {"messages[*].content"}}, nil)
	for _, s := range []string{"abcdefghijklmnop\xff", "abc\xff", "abcdefgh\\nij\xc3", "\xe4\xb8", "0123456789abcdef\x80qrstuvwx"} {
		top1 := readBytes(t, "t.jsonl", []byte(`{"text":"`+s+`"}`), top)
		nest1 := readBytes(t, "n.jsonl", []byte(`{"messages":[{"content":"ok"},{"content":"`+s+`"}]}`), nested)
		checkRecords(t, top1, []want{{line: 1, err: ErrInvalidUTF8, field: "text"}})
		checkRecords(t, nest1, []want{{line: 1, err: ErrInvalidUTF8, field: "text"}})
	}
	for _, s := range []string{"abcdefghijklmnop", "中文字符和English混合的文本", "tail é"} {
		checkRecords(t, readBytes(t, "t.jsonl", []byte(`{"text":"`+s+`"}`), top), []want{{line: 1, values: map[string]string{"text": s}}})
		checkRecords(t, readBytes(t, "n.jsonl", []byte(`{"messages":[{"content":"`+s+`"}]}`), nested), []want{{line: 1, values: map[string]string{"text": s}}})
	}
}
