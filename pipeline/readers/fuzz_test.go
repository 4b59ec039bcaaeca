package readers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/prov-ai/prov/schemas"
)

var update = flag.Bool("update", false, "rewrite the generated files in testdata/")

// TestGeneratedTestdata keeps the binary seeds in testdata/ in step with
// the writers used by the tests (go test -run GeneratedTestdata -update).
func TestGeneratedTestdata(t *testing.T) {
	rows := testRows(12, 4)
	noText := arrow.NewSchema([]arrow.Field{testSchema.Field(0), testSchema.Field(2)}, nil)
	files := map[string][]byte{
		"good.parquet":    parquetOf(t, testSchema, rows, 5),
		"good.arrow":      arrowOf(t, testSchema, rows, false),
		"good.arrows":     arrowOf(t, testSchema, rows, true),
		"notext.parquet":  parquetOf(t, noText, rows, 5),
		"columnar.jsonl":  jsonlOf(rows),
		"truncated.arrow": arrowOf(t, testSchema, rows, false)[:600],
	}
	for name, data := range files {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s missing: run go test -run GeneratedTestdata -update", path)
		}
	}
	// The stored seeds still read as the JSONL they were made from.
	ref := readBytes(t, "columnar.jsonl", mustRead(t, "columnar.jsonl"), demoFields())
	for _, name := range []string{"good.parquet", "good.arrow", "good.arrows"} {
		got := readBytes(t, name, mustRead(t, name), demoFields())
		if len(got) != len(ref) {
			t.Fatalf("%s: %d records, want %d", name, len(got), len(ref))
		}
		for i := range got {
			if got[i].Digest != ref[i].Digest {
				t.Errorf("%s row %d: digest differs from JSONL", name, i+1)
			}
		}
	}
}

// seeds adds every testdata file whose name matches one of the suffixes.
func seeds(f *testing.F, suffixes ...string) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		for _, s := range suffixes {
			if strings.HasSuffix(e.Name(), s) {
				f.Add(mustRead(f, e.Name()))
				break
			}
		}
	}
}

// fuzzRead reads data and checks the invariants every reader keeps.
func fuzzRead(t *testing.T, key string, data []byte) []schemas.Record {
	m := &memObject{data: data}
	var recs []schemas.Record
	last := int64(0)
	err := Read(context.Background(), m.input("mem://f/"+key, key), demoFields(), func(r *schemas.Record) error {
		if r.Line < 1 || r.Line <= last {
			t.Fatalf("record line %d after %d", r.Line, last)
		}
		last = r.Line
		if r.Err != nil {
			var pe *ParseError
			if !errors.As(r.Err, &pe) || pe.Line != r.Line {
				t.Fatalf("error record without a positioned ParseError: %v", r.Err)
			}
		} else {
			for f, v := range r.Values {
				if !utf8.ValidString(v) {
					t.Fatalf("field %s not valid UTF-8: %q", schemas.Field(f), v)
				}
			}
			if r.Digest != r.CanonicalDigest() {
				t.Fatal("digest is not the canonical digest")
			}
		}
		recs = append(recs, *r)
		return nil
	})
	if err != nil {
		t.Fatalf("Read returned %v for in-memory input", err)
	}
	return recs
}

func FuzzJSONL(f *testing.F) {
	seeds(f, ".jsonl", ".jsonl.gz", ".jsonl.zst")
	f.Add([]byte(`{"text":"a\u0000b","consent":{"x":[1,{"y":null}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.jsonl", data)
		checkTextViewed(t, data, recs)
		if bytes.HasPrefix(data, magicGzip) || bytes.HasPrefix(data, magicZstd) {
			return // decompressed: lines are not those of data
		}
		// Every non-blank line gives exactly one record, at its line.
		var lines [][]byte
		for i, l := range bytes.Split(data, []byte("\n")) {
			if i == bytes.Count(data, []byte("\n")) && len(l) == 0 {
				break
			}
			lines = append(lines, l)
		}
		var want []int64
		for i, l := range lines {
			if i == 0 {
				l = bytes.TrimPrefix(l, utf8BOM)
			}
			if !isBlank(trimEOL(append(l, '\n'))) {
				want = append(want, int64(i+1))
			}
		}
		if len(recs) != len(want) {
			t.Fatalf("%d records for %d non-blank lines", len(recs), len(want))
		}
		for i, r := range recs {
			if r.Line != want[i] {
				t.Fatalf("record %d at line %d, want %d", i, r.Line, want[i])
			}
			line := trimEOL(append(lines[r.Line-1], '\n'))
			if r.Line == 1 {
				line = bytes.TrimPrefix(line, utf8BOM)
			}
			checkAgainstEncodingJSON(t, r, line)
		}
	})
}

// checkTextViewed reads data again with the text viewed (and poisoned
// after each record) and compares the records, as seen inside the
// callback, with recs, read with every value copied.
func checkTextViewed(t *testing.T, data []byte, recs []schemas.Record) {
	m := &memObject{data: data}
	opts := demoFields()
	opts.Text = TextViewedPoisoned
	i := 0
	err := Read(context.Background(), m.input("mem://f/f.jsonl", "f.jsonl"), opts, func(r *schemas.Record) error {
		if i >= len(recs) {
			t.Fatalf("viewed text: more than %d records", len(recs))
		}
		w := &recs[i]
		if r.Values != w.Values || r.Has != w.Has || r.Digest != w.Digest || r.Line != w.Line || (r.Err == nil) != (w.Err == nil) {
			t.Fatalf("viewed text: record %d is %+v, copied %+v", i, r, w)
		}
		i++
		return nil
	})
	if err != nil || i != len(recs) {
		t.Fatalf("viewed text: %d records of %d, %v", i, len(recs), err)
	}
}

// checkAgainstEncodingJSON compares a record with what encoding/json makes
// of its line.
func checkAgainstEncodingJSON(t *testing.T, r schemas.Record, line []byte) {
	valid := json.Valid(line)
	switch {
	case errors.Is(r.Err, ErrSyntax) || errors.Is(r.Err, ErrNUL):
		if valid {
			t.Fatalf("line %d %q: %v, but encoding/json accepts it", r.Line, line, r.Err)
		}
		return
	case r.Err != nil:
		return
	}
	if !valid {
		t.Fatalf("line %d %q accepted, but encoding/json rejects it", r.Line, line)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		t.Fatalf("line %d: not an object for encoding/json: %v", r.Line, err)
	}
	for _, m := range r.Meta {
		if !strings.EqualFold(m.Key, "aigc") || !bytes.Contains(bytes.ToLower(line), []byte(`"aigc"`)) {
			t.Fatalf("line %d: metadata %+v without an AIGC key in the line", r.Line, m)
		}
	}
	for f, name := range demoFields().Fields {
		if name == "" {
			continue // unmapped (a key "" is no field's)
		}
		raw, ok := obj[name]
		got, has := r.Get(schemas.Field(f))
		if !ok || string(raw) == "null" {
			if has {
				t.Fatalf("line %d: field %s present (%q), encoding/json has none", r.Line, name, got)
			}
			continue
		}
		if !has {
			t.Fatalf("line %d: field %s absent, encoding/json has %s", r.Line, name, raw)
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if s != got {
				t.Fatalf("line %d: field %s = %q, encoding/json %q", r.Line, name, got, s)
			}
			continue
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil && !bytes.Equal(buf.Bytes(), []byte(got)) {
			t.Fatalf("line %d: field %s = %q, compact %q", r.Line, name, got, buf.Bytes())
		}
	}
}

func FuzzParquet(f *testing.F) {
	seeds(f, ".parquet")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "f.parquet", data)
	})
}

func FuzzArrow(f *testing.F) {
	seeds(f, ".arrow", ".arrows")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, "f.arrow", data)
		fuzzRead(t, "f.arrows", data)
	})
}

func FuzzText(f *testing.F) {
	seeds(f, ".py", ".txt")
	f.Fuzz(func(t *testing.T, data []byte) {
		recs := fuzzRead(t, "f.txt", data)
		if len(data) > 0 && len(recs) != 1 {
			t.Fatalf("%d records for a text file", len(recs))
		}
	})
}
