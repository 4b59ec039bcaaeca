package readers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/prov-ai/prov/schemas"
)

var consentType = arrow.StructOf(
	arrow.Field{Name: "granted", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	arrow.Field{Name: "scope", Type: arrow.BinaryTypes.String, Nullable: true},
)

// testSchema has the demo's fields plus unmapped columns.
var testSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "text", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "url", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "license", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "user_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "consent", Type: consentType, Nullable: true},
	{Name: "labels", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
	{Name: "fetched_at", Type: &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}, Nullable: true},
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "blob", Type: arrow.BinaryTypes.Binary},
}, nil)

// testRow is one row in both columnar and JSONL form.
type testRow struct {
	id, text, url, license string
	userID                 *string
	consent                *[2]string // granted ("true"/"false"), scope
	labels                 []string   // nil: null
	fetched                time.Time
	blob                   []byte
}

func strp(s string) *string { return &s }

func testRows(n, blobSize int) []testRow {
	rng := rand.New(rand.NewPCG(1, 2))
	texts := []string{"人工智能技术的快速发展为各行各业带来了深刻变革。", "Line one\nline two \"q\" <b>&</b>", "第三行：consent withdrawn"}
	rows := make([]testRow, n)
	for i := range rows {
		r := testRow{
			id:      fmt.Sprintf("r%d", i+1),
			text:    texts[i%3],
			url:     fmt.Sprintf("https://news.example.cn/a/%d", i),
			license: []string{"CC-BY-4.0", "MIT"}[i%2],
			fetched: time.Date(2024, 3, 1, 12, 0, i, 0, time.UTC),
			blob:    make([]byte, blobSize),
		}
		for j := range r.blob {
			r.blob[j] = byte(rng.Uint32())
		}
		switch i % 3 {
		case 0:
			r.userID = strp(fmt.Sprintf("u%d", i))
			r.consent = &[2]string{"true", "training"}
			r.labels = []string{"safe", "中文标签"}
		case 2:
			r.userID = strp("u-x")
			r.consent = &[2]string{"false", "none"}
			r.labels = []string{}
		}
		rows[i] = r
	}
	return rows
}

// jsonl renders rows as JSONL with the same values.
func jsonlOf(rows []testRow) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		fmt.Fprintf(&b, `{"id":%s,"text":%s,"url":%s,"license":%s`, q(r.id), q(r.text), q(r.url), q(r.license))
		if r.userID != nil {
			fmt.Fprintf(&b, `,"user_id":%s`, q(*r.userID))
		} else {
			b.WriteString(`,"user_id":null`)
		}
		if r.consent != nil {
			fmt.Fprintf(&b, `,"consent":{"granted": %s, "scope": %s}`, r.consent[0], q(r.consent[1]))
		}
		if r.labels != nil {
			ls := make([]string, len(r.labels))
			for i, l := range r.labels {
				ls[i] = q(l)
			}
			fmt.Fprintf(&b, `,"labels":[%s]`, strings.Join(ls, ", "))
		}
		fmt.Fprintf(&b, `,"fetched_at":%s,"n":7,"blob":"ignored"}`+"\n", q(r.fetched.Format(time.RFC3339)))
	}
	return b.Bytes()
}

func q(s string) string { return string(appendQuoted(nil, s)) }

// batchOf builds one record batch of rows.
func batchOf(t testing.TB, sc *arrow.Schema, rows []testRow) arrow.RecordBatch {
	t.Helper()
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer bld.Release()
	for i, f := range sc.Fields() {
		fb := bld.Field(i)
		for _, r := range rows {
			switch f.Name {
			case "id":
				fb.(*array.StringBuilder).Append(r.id)
			case "text":
				switch b := fb.(type) {
				case *array.StringBuilder:
					b.Append(r.text)
				case *array.BinaryBuilder:
					b.Append([]byte(r.text))
				}
			case "url":
				fb.(*array.StringBuilder).Append(r.url)
			case "license":
				if err := fb.(*array.BinaryDictionaryBuilder).AppendString(r.license); err != nil {
					t.Fatal(err)
				}
			case "user_id":
				if r.userID == nil {
					fb.AppendNull()
				} else {
					fb.(*array.StringBuilder).Append(*r.userID)
				}
			case "consent":
				sb := fb.(*array.StructBuilder)
				if r.consent == nil {
					sb.AppendNull()
				} else {
					sb.Append(true)
					sb.FieldBuilder(0).(*array.BooleanBuilder).Append(r.consent[0] == "true")
					sb.FieldBuilder(1).(*array.StringBuilder).Append(r.consent[1])
				}
			case "labels":
				lb := fb.(*array.ListBuilder)
				if r.labels == nil {
					lb.AppendNull()
				} else {
					lb.Append(true)
					for _, l := range r.labels {
						lb.ValueBuilder().(*array.StringBuilder).Append(l)
					}
				}
			case "fetched_at":
				fb.(*array.TimestampBuilder).Append(arrow.Timestamp(r.fetched.Unix()))
			case "n":
				fb.(*array.Int64Builder).Append(7)
			case "blob":
				fb.(*array.BinaryBuilder).Append(r.blob)
			}
		}
	}
	return bld.NewRecordBatch()
}

// chunks splits rows into batches of size n.
func chunks(rows []testRow, n int) [][]testRow {
	var out [][]testRow
	for len(rows) > n {
		out = append(out, rows[:n])
		rows = rows[n:]
	}
	return append(out, rows)
}

func parquetOf(t testing.TB, sc *arrow.Schema, rows []testRow, rowGroup int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(sc, &buf,
		parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowGroup), parquet.WithDictionaryDefault(false)),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks(rows, 100) {
		b := batchOf(t, sc, c)
		if err := w.WriteBuffered(b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func arrowOf(t testing.TB, sc *arrow.Schema, rows []testRow, stream bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write(arrow.RecordBatch) error
		Close() error
	}
	if stream {
		w = ipc.NewWriter(&buf, ipc.WithSchema(sc))
	} else {
		fw, err := ipc.NewFileWriter(&buf, ipc.WithSchema(sc))
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	for _, c := range chunks(rows, 100) {
		b := batchOf(t, sc, c)
		if err := w.Write(b); err != nil {
			t.Fatal(err)
		}
		b.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestColumnarMatchesJSONL(t *testing.T) {
	rows := testRows(250, 16)
	opts := demoFields()
	ref := readBytes(t, "ref.jsonl", jsonlOf(rows), opts)
	if len(ref) != len(rows) {
		t.Fatalf("JSONL reference: %d records", len(ref))
	}
	// Spot-check the reference itself.
	checkRecords(t, ref[:3], []want{
		{line: 1, values: map[string]string{"id": "r1", "text": rows[0].text, "url": rows[0].url, "licence": "CC-BY-4.0",
			"subject_id": "u0", "consent": `{"granted":true,"scope":"training"}`, "labels": `["safe","中文标签"]`,
			"fetched_at": "2024-03-01T12:00:00Z"}},
		{line: 2, values: map[string]string{"id": "r2", "text": rows[1].text, "url": rows[1].url, "licence": "MIT",
			"fetched_at": "2024-03-01T12:00:01Z"}},
		{line: 3, values: map[string]string{"id": "r3", "text": rows[2].text, "url": rows[2].url, "licence": "CC-BY-4.0",
			"subject_id": "u-x", "consent": `{"granted":false,"scope":"none"}`, "labels": `[]`, "fetched_at": "2024-03-01T12:00:02Z"}},
	})
	for _, tc := range []struct {
		name, key string
		data      []byte
	}{
		{"parquet", "t.parquet", parquetOf(t, testSchema, rows, 64)},
		{"arrow file", "t.arrow", arrowOf(t, testSchema, rows, false)},
		{"arrow stream", "t.arrows", arrowOf(t, testSchema, rows, true)},
		{"arrow stream sniffed", "t.feather", arrowOf(t, testSchema, rows, true)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := readBytes(t, tc.key, tc.data, opts)
			if len(got) != len(ref) {
				t.Fatalf("got %d records, want %d", len(got), len(ref))
			}
			for i := range got {
				g, r := got[i], ref[i]
				if g.Err != nil {
					t.Fatalf("row %d: %v", i+1, g.Err)
				}
				if g.Line != int64(i+1) {
					t.Errorf("row %d: Line %d", i+1, g.Line)
				}
				if g.Values != r.Values || g.Has != r.Has || g.Digest != r.Digest {
					t.Fatalf("row %d differs from JSONL:\n got  %q %b\n want %q %b", i+1, g.Values, g.Has, r.Values, r.Has)
				}
			}
		})
	}
}

func TestColumnarBadInput(t *testing.T) {
	rows := testRows(30, 8)
	opts := demoFields()
	pq := parquetOf(t, testSchema, rows, 10)
	af := arrowOf(t, testSchema, rows, false)

	noText := arrow.NewSchema([]arrow.Field{testSchema.Field(0), testSchema.Field(2)}, nil)
	binText := arrow.NewSchema([]arrow.Field{testSchema.Field(0), {Name: "text", Type: arrow.BinaryTypes.Binary}}, nil)
	badRows := testRows(3, 0)
	badRows[1].text = "bad \xff utf8"

	corruptFooter := func(b []byte) []byte {
		c := bytes.Clone(b)
		for i := len(c) - 40; i < len(c)-8; i++ {
			c[i] ^= 0x5a
		}
		return c
	}
	tests := []struct {
		name, key string
		data      []byte
		want      []want
	}{
		{"parquet without text column", "s.parquet", parquetOf(t, noText, rows, 10), []want{{line: 1, err: ErrSchema}}},
		{"arrow without text column", "s.arrow", arrowOf(t, noText, rows, false), []want{{line: 1, err: ErrSchema}}},
		{"arrow stream without text column", "s.arrows", arrowOf(t, noText, rows, true), []want{{line: 1, err: ErrSchema}}},
		{"parquet corrupted footer", "f.parquet", corruptFooter(pq), []want{{line: 1, err: ErrCorrupt}}},
		{"parquet truncated", "tr.parquet", pq[:len(pq)/2], []want{{line: 1, err: ErrCorrupt}}},
		{"parquet garbage", "g.parquet", bytes.Repeat([]byte("PAR1 not really "), 100), []want{{line: 1, err: ErrCorrupt}}},
		{"arrow corrupted footer", "f.arrow", corruptFooter(af), []want{{line: 1, err: ErrCorrupt}}},
		{"arrow garbage", "g.arrow", []byte("ARROW1\x00\x00garbage garbage garbage ARROW1"), []want{{line: 1, err: ErrCorrupt}}},
		{"arrow stream garbage", "g.arrows", []byte("\xff\xff\xff\xff\x10\x00\x00\x00garbage"), []want{{line: 1, err: ErrCorrupt}}},
		{"invalid UTF-8 in a binary text column", "u.parquet", parquetOf(t, binText, badRows, 10), []want{
			{line: 1, values: map[string]string{"id": "r1", "text": badRows[0].text}},
			{line: 2, err: ErrInvalidUTF8, field: "text"},
			{line: 3, values: map[string]string{"id": "r3", "text": badRows[2].text}},
		}},
		{"empty parquet", "e.parquet", nil, nil},
		{"empty arrow", "e.arrow", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := readBytes(t, tt.key, tt.data, opts)
			checkRecords(t, recs, tt.want)
			for _, r := range recs {
				var pe *ParseError
				if errors.As(r.Err, &pe) && (!pe.Row || !strings.Contains(pe.Error(), " row ")) {
					t.Errorf("columnar error does not name a row: %v", pe)
				}
			}
		})
	}
}

func TestParquetRangedReads(t *testing.T) {
	rows := testRows(3000, 2048) // ~6 MB, mostly the unmapped blob column
	data := parquetOf(t, testSchema, rows, 500)
	m := &memObject{data: data}
	recs := readAll(t, m.input("mem://b/r.parquet", "r.parquet"), demoFields())
	if len(recs) != len(rows) || recs[len(recs)-1].Line != int64(len(rows)) {
		t.Fatalf("got %d records", len(recs))
	}
	if m.fetched > int64(len(data))/4 || m.maxOpen > parquetBufferSize {
		t.Errorf("fetched %d bytes (largest range %d) of a %d-byte object: mapped columns only, in ranges", m.fetched, m.maxOpen, len(data))
	}
	t.Logf("fetched %d of %d bytes in %d ranged reads", m.fetched, len(data), m.opens)
}

func TestColumnarTransportError(t *testing.T) {
	rows := testRows(3000, 2048)
	for _, tc := range []struct {
		key  string
		data []byte
	}{
		{"x.parquet", parquetOf(t, testSchema, rows, 500)},
		{"x.arrow", arrowOf(t, testSchema, rows, false)},
		{"x.arrows", arrowOf(t, testSchema, rows, true)},
	} {
		t.Run(tc.key, func(t *testing.T) {
			m := &memObject{data: tc.data, failAt: int64(len(tc.data) / 2)}
			err := Read(context.Background(), m.input("mem://b/"+tc.key, tc.key), demoFields(), func(r *schemas.Record) error {
				if r.Err != nil {
					t.Fatalf("transport failure became a record: %v", r.Err)
				}
				return nil
			})
			if !errors.Is(err, errTransport) {
				t.Errorf("err %v, want the transport error", err)
			}
		})
	}
}

func TestRangeReader(t *testing.T) {
	data := make([]byte, 200<<10)
	for i := range data {
		data[i] = byte(i * 7)
	}
	m := &memObject{data: data}
	rr := newRangeReader(context.Background(), m.input("mem://b/r", "r"))
	size := int64(len(data))
	for _, tc := range []struct {
		off     int64
		n       int
		wantN   int
		wantEOF bool
	}{
		{0, 10, 10, false},
		{5, 100, 100, false},              // served from the window
		{size - 8, 8, 8, false},           // footer: from the tail
		{size - 100, 50, 50, false},       // tail again
		{size - 4, 10, 4, true},           // short read at the end
		{size, 1, 0, true},                // past the end
		{1000, 64 << 10, 64 << 10, false}, // large: fetched exactly
	} {
		t.Run(fmt.Sprintf("%d+%d", tc.off, tc.n), func(t *testing.T) {
			p := make([]byte, tc.n)
			n, err := rr.ReadAt(p, tc.off)
			if n != tc.wantN || (err != nil) != tc.wantEOF {
				t.Fatalf("ReadAt = %d, %v; want %d, EOF %v", n, err, tc.wantN, tc.wantEOF)
			}
			if !bytes.Equal(p[:n], data[tc.off:tc.off+int64(n)]) {
				t.Fatal("wrong bytes")
			}
		})
	}
	opens := m.opens
	tail := make([]byte, 16)
	if _, err := rr.ReadAt(tail, size-16); err != nil {
		t.Fatal(err)
	}
	if m.opens != opens {
		t.Errorf("tail re-fetched: %d opens, want %d", m.opens, opens)
	}
	// Seek + Read stream the whole object.
	if _, err := rr.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := got.ReadFrom(rr); err != nil || !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("sequential read: %v, %d bytes", err, got.Len())
	}
	if _, err := rr.Seek(-1, 0); err == nil {
		t.Error("negative seek accepted")
	}
}
