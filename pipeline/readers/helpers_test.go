package readers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// demoFields is the field map of the demo's chat dataset.
func demoFields() Options {
	var o Options
	o.Fields[schemas.FieldText] = "text"
	o.Fields[schemas.FieldID] = "id"
	o.Fields[schemas.FieldURL] = "url"
	o.Fields[schemas.FieldLicence] = "license"
	o.Fields[schemas.FieldSubject] = "user_id"
	o.Fields[schemas.FieldConsent] = "consent"
	o.Fields[schemas.FieldLabels] = "labels"
	o.Fields[schemas.FieldSource] = "source"
	o.Fields[schemas.FieldFetchedAt] = "fetched_at"
	o.Fields[schemas.FieldUserAgent] = "crawler_ua"
	o.Fields[schemas.FieldLanguage] = "lang"
	return o
}

// memObject serves an in-memory object through ranged Open calls and
// counts them.
type memObject struct {
	data    []byte
	opens   int
	fetched int64 // bytes handed out
	maxOpen int64 // largest single range requested
	failAt  int64 // when > 0, reading past this offset fails
}

var errTransport = errors.New("connection reset by peer (test)")

func (m *memObject) input(uri, key string) Input {
	return Input{
		URI: uri, Key: key, Size: int64(len(m.data)),
		Open: func(_ context.Context, off, n int64) (io.ReadCloser, error) {
			m.opens++
			if off > int64(len(m.data)) {
				return nil, errors.New("range not satisfiable")
			}
			end := int64(len(m.data))
			if n > 0 && off+n < end {
				end = off + n
			}
			m.maxOpen = max(m.maxOpen, end-off)
			m.fetched += end - off
			var r io.Reader = bytes.NewReader(m.data[off:end])
			if m.failAt > 0 {
				r = &failingReader{r: r, left: m.failAt - off}
			}
			return io.NopCloser(r), nil
		},
	}
}

type failingReader struct {
	r    io.Reader
	left int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errTransport
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= int64(n)
	return n, err
}

// readAll reads an object and returns copies of its records.
func readAll(t testing.TB, in Input, opts Options) []schemas.Record {
	t.Helper()
	var out []schemas.Record
	err := Read(context.Background(), in, opts, func(r *schemas.Record) error {
		out = append(out, *r)
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%s): %v", in.URI, err)
	}
	return out
}

// readBytes reads data as an object named key.
func readBytes(t testing.TB, key string, data []byte, opts Options) []schemas.Record {
	t.Helper()
	m := &memObject{data: data}
	return readAll(t, m.input("mem://b/"+key, key), opts)
}

// want describes an expected record: either values or an error.
type want struct {
	line   int64
	err    error             // sentinel, nil for a good record
	field  string            // ParseError.Field for error records
	values map[string]string // logical field name → value; absent fields must be absent
}

func checkRecords(t *testing.T, got []schemas.Record, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, r := range got {
			t.Logf("got line %d err=%v values=%q has=%b", r.Line, r.Err, r.Values, r.Has)
		}
		t.Fatalf("got %d records, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		r := got[i]
		if r.Line != w.line {
			t.Errorf("record %d: line %d, want %d", i, r.Line, w.line)
		}
		if w.err != nil {
			var pe *ParseError
			if !errors.As(r.Err, &pe) || !errors.Is(r.Err, w.err) {
				t.Errorf("record %d (line %d): err %v, want ParseError wrapping %v", i, r.Line, r.Err, w.err)
				continue
			}
			if pe.Line != w.line || pe.Object != r.Object {
				t.Errorf("record %d: ParseError at %s line %d, want %s line %d", i, pe.Object, pe.Line, r.Object, w.line)
			}
			if pe.Field != w.field {
				t.Errorf("record %d: ParseError field %q, want %q", i, pe.Field, w.field)
			}
			if r.Has != 0 || !r.Digest.IsZero() {
				t.Errorf("record %d: error record has values %b / digest %s", i, r.Has, r.Digest)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("record %d (line %d): unexpected err %v", i, r.Line, r.Err)
			continue
		}
		for f := schemas.Field(0); f < schemas.NumFields; f++ {
			v, ok := r.Get(f)
			wv, wok := w.values[f.String()]
			if ok != wok || v != wv {
				t.Errorf("record %d (line %d) field %s = %q (present %v), want %q (present %v)", i, r.Line, f, v, ok, wv, wok)
			}
		}
		if r.Digest != r.CanonicalDigest() || r.Digest.IsZero() {
			t.Errorf("record %d: digest %s is not the canonical digest", i, r.Digest)
		}
	}
}
