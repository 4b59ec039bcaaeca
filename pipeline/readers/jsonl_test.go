package readers

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/prov-ai/prov/schemas"
)

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var goodJSONLWant = []want{
	{line: 1, values: map[string]string{
		"id": "r1", "text": "人工智能技术的快速发展为各行各业带来了深刻变革。",
		"url": "https://news.example.cn/a/1", "licence": "CC-BY-4.0", "subject_id": "u1",
		"consent": `{"granted":true,"scope":"training"}`, "language": "zh",
	}},
	{line: 2, values: map[string]string{
		"id": "r2", "text": "Line one\nline two 中文 😀 \"quoted\"",
		"url": "https://www.example.com/a/2", "licence": "MIT",
	}},
	{line: 3, values: map[string]string{
		"id": "3", "text": "数字 id, spaced keys", "consent": `{"granted":false,"scope":["a","b"]}`,
	}},
	// line 4 is blank
	{line: 5, values: map[string]string{
		"id": "r4", "text": "CRLF line", "labels": `{"label":"safe","annotator":"a3"}`,
	}},
	{line: 6, values: map[string]string{
		"id": "r5", "text": "last line, no newline", "fetched_at": "2024-03-01T12:00:00Z",
	}},
}

func TestJSONL(t *testing.T) {
	opts := demoFields()
	tests := []struct {
		name, key string
		data      []byte
		want      []want
	}{
		{"plain", "good.jsonl", mustRead(t, "good.jsonl"), goodJSONLWant},
		{"gzip", "good.jsonl.gz", mustRead(t, "good.jsonl.gz"), goodJSONLWant},
		{"zstd", "good.jsonl.zst", mustRead(t, "good.jsonl.zst"), goodJSONLWant},
		{"gzip sniffed without extension", "good.ndjson", mustRead(t, "good.jsonl.gz"), goodJSONLWant},
		{"empty", "empty.jsonl", nil, nil},
		{"empty gzip key", "empty.jsonl.gz", nil, nil},
		{"only blank lines", "b.jsonl", []byte("\n  \n\t\r\n"), nil},
		{"mixed bad lines", "bad.jsonl", mustRead(t, "bad.jsonl"), []want{
			{line: 1, values: map[string]string{"id": "b1", "text": "good before"}},
			{line: 2, err: ErrSyntax},
			{line: 3, err: ErrNotObject},
			{line: 4, err: ErrInvalidUTF8, field: "text"},
			{line: 5, err: ErrNUL, field: "text"},
			{line: 6, err: ErrSyntax},
			{line: 7, err: ErrSyntax, field: "text"},
			{line: 8, values: map[string]string{"id": "b8", "text": "good after"}},
		}},
		{"not gzip despite .gz", "notgzip.jsonl.gz", mustRead(t, "notgzip.jsonl.gz"), []want{
			{line: 1, err: ErrCorrupt},
		}},
		{"non-object values", "n.jsonl", []byte("\"s\"\n42\nnull\ntrue\n{}\n"), []want{
			{line: 1, err: ErrNotObject}, {line: 2, err: ErrNotObject}, {line: 3, err: ErrNotObject},
			{line: 4, err: ErrNotObject}, {line: 5, values: map[string]string{}},
		}},
		{"syntax errors", "s.jsonl", []byte(strings.Join([]string{
			`{"text":"a"} x`, `{"text":"a"`, `{"text" "a"}`, `{"text":01}`, `{"text":1.}`, `{"text":tru}`,
			`{"text":"\x"}`, `{"text":"\u12g4"}`, `{text:"a"}`, `{"a":[1,]}`, `{"a":{"b"}}`, `{"text":"a"}}`,
			"{\"text\":\"tab\tinside\"}", `{"text":"ok","id":-1.5e+3,"url":true}`,
		}, "\n")), []want{
			{line: 1, err: ErrSyntax}, {line: 2, err: ErrSyntax}, {line: 3, err: ErrSyntax},
			{line: 4, err: ErrSyntax}, {line: 5, err: ErrSyntax}, {line: 6, err: ErrSyntax},
			{line: 7, err: ErrSyntax, field: "text"}, {line: 8, err: ErrSyntax, field: "text"},
			{line: 9, err: ErrSyntax}, {line: 10, err: ErrSyntax}, {line: 11, err: ErrSyntax},
			{line: 12, err: ErrSyntax}, {line: 13, err: ErrSyntax, field: "text"},
			{line: 14, values: map[string]string{"text": "ok", "id": "-1.5e+3", "url": "true"}},
		}},
		{"duplicate keys: last wins, null clears", "d.jsonl", []byte(`{"text":"a","text":"b","id":"x","id":null}`), []want{
			{line: 1, values: map[string]string{"text": "b"}},
		}},
		{"escaped key matches", "k.jsonl", []byte(`{"t\u0065xt":"escaped key"}`), []want{
			{line: 1, values: map[string]string{"text": "escaped key"}},
		}},
		{"lone surrogate becomes U+FFFD", "u.jsonl", []byte(`{"text":"a\ud800b"}`), []want{
			{line: 1, values: map[string]string{"text": "a\uFFFDb"}},
		}},
		{"too deep", "deep.jsonl", []byte(`{"text":"ok"}` + "\n" +
			`{"text":"x","extra":` + strings.Repeat("[", 600) + strings.Repeat("]", 600) + "}\n" +
			`{"text":"y","consent":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "}\n"), []want{
			{line: 1, values: map[string]string{"text": "ok"}},
			{line: 2, err: ErrTooDeep},
			{line: 3, values: map[string]string{"text": "y", "consent": strings.Repeat("[", 100) + strings.Repeat("]", 100)}},
		}},
		{"invalid UTF-8 in unmapped field is ignored", "i.jsonl", []byte("{\"text\":\"ok\",\"other\":\"\xff\"}"), []want{
			{line: 1, values: map[string]string{"text": "ok"}},
		}},
		{"invalid UTF-8 in mapped object", "o.jsonl", []byte("{\"text\":\"ok\",\"consent\":{\"a\":\"\xc3\"}}"), []want{
			{line: 1, err: ErrInvalidUTF8, field: "consent"},
		}},
		{"UTF-8 BOM on line 1", "bom.jsonl", []byte("\xef\xbb\xbf{\"text\":\"a\"}\n\xef\xbb\xbf{\"text\":\"b\"}"), []want{
			{line: 1, values: map[string]string{"text": "a"}}, {line: 2, err: ErrSyntax},
		}},
		{"NUL outside strings", "z.jsonl", []byte("{\"text\":\"a\"}\x00\n"), []want{{line: 1, err: ErrNUL}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRecords(t, readBytes(t, tt.key, tt.data, opts), tt.want)
		})
	}
}

func TestJSONLErrorMessage(t *testing.T) {
	recs := readBytes(t, "k.jsonl", mustRead(t, "bad.jsonl"), demoFields())
	got := recs[3].Err.Error()
	want := `mem://b/k.jsonl line 4: invalid UTF-8 in field "text"`
	if got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	var pe *ParseError
	if !errors.As(recs[3].Err, &pe) || pe.Offset <= int64(len("{\"id\":\"b1\"")) {
		t.Errorf("offset %d is not inside line 4", pe.Offset)
	}
}

func TestJSONLLongLines(t *testing.T) {
	big := strings.Repeat("长", 500_000) // 1.5 MB: longer than the read buffer
	huge := strings.Repeat("x", 3<<20)
	data := []byte(`{"text":"a"}` + "\n" + `{"text":"` + big + `"}` + "\n" +
		`{"text":"` + huge + `"}` + "\n" + `{"text":"b"}` + "\n" + `{"text":"` + huge + `"}`)
	opts := demoFields()
	opts.MaxLine = 2 << 20
	recs := readBytes(t, "long.jsonl", data, opts)
	checkRecords(t, recs, []want{
		{line: 1, values: map[string]string{"text": "a"}},
		{line: 2, values: map[string]string{"text": big}},
		{line: 3, err: ErrLineTooLong},
		{line: 4, values: map[string]string{"text": "b"}},
		{line: 5, err: ErrLineTooLong},
	})
	if recs[2].Size != len(huge)+len(`{"text":""}`) {
		t.Errorf("too-long record size %d, want %d", recs[2].Size, len(huge)+11)
	}
	// A small MaxLine applies to short lines too.
	opts.MaxLine = 10
	checkRecords(t, readBytes(t, "s.jsonl", []byte(`{"text":"a"}`+"\n"+`{"a":1}`), opts), []want{
		{line: 1, err: ErrLineTooLong},
		{line: 2, values: map[string]string{}},
	})
}

func TestJSONLTruncated(t *testing.T) {
	for _, key := range []string{"truncated.jsonl.gz", "truncated.jsonl.zst"} {
		t.Run(key, func(t *testing.T) {
			recs := readBytes(t, key, mustRead(t, key), demoFields())
			if len(recs) == 0 {
				t.Fatal("no records")
			}
			for i, r := range recs[:len(recs)-1] {
				if r.Err != nil || r.Line != int64(i+1) {
					t.Fatalf("record %d: line %d err %v", i, r.Line, r.Err)
				}
			}
			last := recs[len(recs)-1]
			if !errors.Is(last.Err, ErrTruncated) || last.Line != int64(len(recs)) {
				t.Errorf("last record: line %d err %v, want ErrTruncated at line %d", last.Line, last.Err, len(recs))
			}
		})
	}
	// Truncating a gzip stream mid-way keeps the complete lines before it.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := range 5000 {
		if _, err := zw.Write([]byte(`{"id":"` + strings.Repeat("x", i%50) + `","text":"第一行"}` + "\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readBytes(t, "cut.jsonl.gz", buf.Bytes()[:buf.Len()/2], demoFields())
	if len(recs) < 100 || !errors.Is(recs[len(recs)-1].Err, ErrTruncated) {
		t.Errorf("got %d records, last err %v", len(recs), recs[len(recs)-1].Err)
	}
}

func TestJSONLTransportError(t *testing.T) {
	data := bytes.Repeat([]byte(`{"text":"重复的文本"}`+"\n"), 100_000)
	for _, tc := range []struct {
		key  string
		data []byte
	}{
		{"t.jsonl", data},
		{"t.jsonl.gz", gzipBytes(t, data)},
		{"t.jsonl.zst", zstdBytes(data)},
		{"t.txt", data},
	} {
		t.Run(tc.key, func(t *testing.T) {
			m := &memObject{data: tc.data, failAt: int64(len(tc.data) / 2)}
			n := 0
			err := Read(context.Background(), m.input("mem://b/"+tc.key, tc.key), demoFields(), func(r *schemas.Record) error {
				if r.Err != nil {
					t.Fatalf("transport failure became a record: %v", r.Err)
				}
				n++
				return nil
			})
			if !errors.Is(err, errTransport) || !strings.Contains(err.Error(), "mem://b/"+tc.key) {
				t.Errorf("err %v, want transport error naming the object", err)
			}
		})
	}
}

func TestCallbackErrorStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	m := &memObject{data: mustRead(t, "many.jsonl")}
	err := Read(context.Background(), m.input("mem://b/m.jsonl", "m.jsonl"), demoFields(), func(*schemas.Record) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("err %v after %d records, want stop after 3", err, n)
	}
}

func TestContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	data := bytes.Repeat([]byte(`{"text":"a"}`+"\n"), 10_000)
	m := &memObject{data: data}
	n := 0
	err := Read(ctx, m.input("mem://b/c.jsonl", "c.jsonl"), demoFields(), func(*schemas.Record) error {
		n++
		if n == 10 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n >= 10_000 {
		t.Errorf("err %v after %d records", err, n)
	}
}

func TestRecordStringsNotReused(t *testing.T) {
	var kept []string
	m := &memObject{data: mustRead(t, "many.jsonl")}
	err := Read(context.Background(), m.input("mem://b/m.jsonl", "m.jsonl"), demoFields(), func(r *schemas.Record) error {
		kept = append(kept, r.Text())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 200 || kept[0] != "第1行 line 1" || kept[199] != "第200行 line 200" {
		t.Errorf("kept strings changed: %q ... %q", kept[0], kept[len(kept)-1])
	}
}

func TestFormatOf(t *testing.T) {
	for _, tt := range []struct{ key, declared, want string }{
		{"a/b.jsonl", "", FormatJSONL},
		{"a/b.NDJSON.gz", "", FormatJSONL},
		{"a/b.json.zst", "auto", FormatJSONL},
		{"b.jsonl.zstd", "", FormatJSONL},
		{"b.parquet", "", FormatParquet},
		{"b.feather", "", FormatArrow},
		{"b.arrows", "", FormatArrow},
		{"b.ipc", "", FormatArrow},
		{"b.arrow", "", FormatArrow},
		{"src/main.go", "", FormatText},
		{"README", "", FormatText},
		{"b.txt.gz", "", FormatText},
		{"b.txt", "JSONL", FormatJSONL},
	} {
		t.Run(tt.key, func(t *testing.T) {
			if got := FormatOf(tt.key, tt.declared); got != tt.want {
				t.Errorf("FormatOf(%q, %q) = %q, want %q", tt.key, tt.declared, got, tt.want)
			}
		})
	}
	m := &memObject{data: []byte("x")}
	in := m.input("mem://b/x", "x")
	in.Format = "csv"
	if err := Read(context.Background(), in, Options{}, func(*schemas.Record) error { return nil }); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: err %v", err)
	}
}

func TestText(t *testing.T) {
	opts := demoFields()
	opts.MaxLine = 1000
	tests := []struct {
		name, key string
		data      []byte
		want      []want
	}{
		{"source file", "hello.py", mustRead(t, "hello.py"), []want{{line: 1, values: map[string]string{"text": string(mustRead(t, "hello.py"))}}}},
		{"gzip text", "hello.py.gz", gzipBytes(t, mustRead(t, "hello.py")), []want{{line: 1, values: map[string]string{"text": string(mustRead(t, "hello.py"))}}}},
		{"binary", "binary.txt", mustRead(t, "binary.txt"), []want{{line: 1, err: ErrInvalidUTF8}}},
		{"NUL", "nul.txt", []byte("a\x00b"), []want{{line: 1, err: ErrNUL}}},
		{"too long", "big.md", bytes.Repeat([]byte("字"), 400), []want{{line: 1, err: ErrLineTooLong}}},
		{"exactly the limit", "lim.md", bytes.Repeat([]byte("a"), 1000), []want{{line: 1, values: map[string]string{"text": strings.Repeat("a", 1000)}}}},
		{"empty", "empty.txt", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkRecords(t, readBytes(t, tt.key, tt.data, opts), tt.want)
		})
	}
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdBytes(b []byte) []byte {
	zw, _ := zstd.NewWriter(nil)
	defer func() { _ = zw.Close() }()
	return zw.EncodeAll(b, nil)
}

// TestJSONLTextViewed checks the viewed text: inside the callback every
// record is what the copying reader gives (escaped and plain texts, lines
// longer than the read buffer, bad lines between), and in the poisoned mode
// the viewed bytes are overwritten once the callback returns while the
// other values stay.
func TestJSONLTextViewed(t *testing.T) {
	big := strings.Repeat("长", 500_000) // longer than the read buffer
	data := []byte(mustRead(t, "good.jsonl"))
	data = append(data, []byte("\n"+`{"text":"plain text","id":"p1","url":"https://example.com/a"}`+"\n"+
		`{"text":"esc\\n\\u957f \\"q\\"","id":"e1"}`+"\n"+`not json`+"\n"+
		`{"text":"`+big+`","id":"big"}`+"\n"+`{"id":"notext"}`+"\n"+`{"text":"","id":"empty"}`+"\n")...)
	data = append(data, mustRead(t, "many.jsonl")...)
	opts := demoFields()
	opts.MaxLine = 2 << 20
	want := readBytes(t, "v.jsonl", data, opts)
	for _, mode := range []TextMode{TextViewed, TextViewedPoisoned} {
		opts.Text = mode
		var got []schemas.Record
		var texts []string // the viewed texts, as seen after their callbacks
		m := &memObject{data: data}
		err := Read(context.Background(), m.input("mem://b/v.jsonl", "v.jsonl"), opts, func(r *schemas.Record) error {
			c := *r
			c.Values[schemas.FieldText] = strings.Clone(r.Text())
			got = append(got, c)
			texts = append(texts, r.Text())
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("mode %d: %d records, want %d", mode, len(got), len(want))
		}
		poisoned := 0
		for i := range want {
			w, g := &want[i], &got[i]
			if g.Values != w.Values || g.Has != w.Has || g.Digest != w.Digest || g.Line != w.Line ||
				(g.Err == nil) != (w.Err == nil) {
				t.Fatalf("mode %d, record %d: %+v, want %+v", mode, i, g, w)
			}
			if mode == TextViewedPoisoned && texts[i] != "" && texts[i] == strings.Repeat("#", len(texts[i])) {
				poisoned++
			}
		}
		if mode == TextViewedPoisoned && poisoned < len(want)/2 {
			t.Errorf("only %d of %d texts overwritten after their callbacks", poisoned, len(want))
		}
	}
}
