// Package storetest is the conformance suite every objstore.Store
// implementation runs: the local directory store and the S3 store against a
// real server alike. Run it from a test:
//
//	func TestLocal(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) objstore.Store { ... a new, empty store ... })
//	}
package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prov-ai/prov/objstore"
)

// LargeSize is the size of the large-object case: above the 16 MiB S3
// part size, so S3 stores take the multipart path.
const LargeSize = objstore.PartSize + 1<<20 + 7

// Run runs every conformance case as a subtest of t. newStore must return a
// new, empty store each time it is called.
func Run(t *testing.T, newStore func(t *testing.T) objstore.Store) {
	cases := []struct {
		name string
		f    func(t *testing.T, s objstore.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Ranges", testRanges},
		{"Missing", testMissing},
		{"List", testList},
		{"ListStopEarly", testListStopEarly},
		{"IfMatch", testIfMatch},
		{"OverwriteChangesETag", testOverwrite},
		{"Delete", testDelete},
		{"Empty", testEmpty},
		{"SizeMismatch", testSizeMismatch},
		{"Large", testLarge},
		{"Cancel", testCancel},
		{"URI", testURI},
		{"Metadata", testMetadata},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.f(t, newStore(t)) })
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, s objstore.Store, key string, data []byte) objstore.Object {
	t.Helper()
	o, err := s.Put(ctxT(t), key, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if o.Key != key || o.Size != int64(len(data)) || o.ETag == "" {
		t.Fatalf("Put(%q) = %+v, want key %q, size %d and an ETag", key, o, key, len(data))
	}
	return o
}

func get(t *testing.T, s objstore.Store, key string, opts objstore.GetOptions) ([]byte, error) {
	t.Helper()
	rc, err := s.Get(ctxT(t), key, opts)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

func listAll(t *testing.T, s objstore.Store, prefix string) []objstore.Object {
	t.Helper()
	var out []objstore.Object
	for o, err := range s.List(ctxT(t), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, o)
	}
	return out
}

func testRoundTrip(t *testing.T, s objstore.Store) {
	tests := []struct{ key, data string }{
		{"a.txt", "hello"},
		{"dir/sub/rec.jsonl", `{"text":"数据合规"}` + "\n"},
		{"with space/and+plus=x.txt", "spaces"},
		{"中文/文件名.jsonl", "unicode key"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			before := time.Now().Add(-time.Hour)
			p := put(t, s, tt.key, []byte(tt.data))
			got, err := get(t, s, tt.key, objstore.GetOptions{})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if string(got) != tt.data {
				t.Errorf("Get = %q, want %q", got, tt.data)
			}
			st, err := s.Stat(ctxT(t), tt.key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if st.Key != tt.key || st.Size != int64(len(tt.data)) || st.ETag != p.ETag {
				t.Errorf("Stat = %+v, want key %q size %d ETag %q", st, tt.key, len(tt.data), p.ETag)
			}
			if st.ModTime.Before(before) || st.ModTime.After(time.Now().Add(time.Hour)) {
				t.Errorf("Stat ModTime = %v, not close to now", st.ModTime)
			}
		})
	}
}

func testRanges(t *testing.T, s objstore.Store) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte('a' + i%26)
	}
	o := put(t, s, "r.bin", data)
	tests := []struct {
		name           string
		offset, length int64
		ifMatch        string
		want           []byte
	}{
		{"whole", 0, 0, "", data},
		{"first byte", 0, 1, "", data[:1]},
		{"middle", 10, 5, "", data[10:15]},
		{"from offset", 990, 0, "", data[990:]},
		{"last byte", 999, 1, "", data[999:]},
		{"past end cut", 995, 100, "", data[995:]},
		{"at end empty", 1000, 0, "", nil},
		{"beyond end empty", 2000, 5, "", nil},
		{"suffix", -10, 0, "", data[990:]},
		{"suffix ignores length", -3, 1, "", data[997:]},
		{"suffix longer than object", -5000, 0, "", data},
		{"range with IfMatch", 100, 3, o.ETag, data[100:103]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := get(t, s, "r.bin", objstore.GetOptions{Offset: tt.offset, Length: tt.length, IfMatch: tt.ifMatch})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Get(offset %d, length %d) = %q, want %q", tt.offset, tt.length, got, tt.want)
			}
		})
	}
}

func testMissing(t *testing.T, s objstore.Store) {
	put(t, s, "dir/present", []byte("x"))
	for _, key := range []string{"absent", "dir/absent", "dir", "dir/present/deeper"} {
		t.Run(key, func(t *testing.T) {
			if _, err := s.Stat(ctxT(t), key); !errors.Is(err, objstore.ErrNotExist) {
				t.Errorf("Stat(%q) error = %v, want ErrNotExist", key, err)
			} else if !strings.Contains(err.Error(), key) {
				t.Errorf("Stat(%q) error %q does not name the key", key, err)
			}
			if _, err := get(t, s, key, objstore.GetOptions{}); !errors.Is(err, objstore.ErrNotExist) {
				t.Errorf("Get(%q) error = %v, want ErrNotExist", key, err)
			}
			if _, err := get(t, s, key, objstore.GetOptions{Offset: 5000}); !errors.Is(err, objstore.ErrNotExist) {
				t.Errorf("Get(%q, past end) error = %v, want ErrNotExist", key, err)
			}
			if err := s.Delete(ctxT(t), key); err != nil {
				t.Errorf("Delete(%q) of a missing object = %v, want nil", key, err)
			}
		})
	}
	if _, err := s.Stat(ctxT(t), "dir/present"); err != nil {
		t.Errorf("Stat(dir/present) after deleting neighbours: %v", err)
	}
}

// listKeys covers the ordering traps: '-' and '.' sort before '/', so
// "a-c" and "a.txt" come before "a/b"; multi-byte UTF-8 sorts by bytes.
var listKeys = []string{
	"a/b", "a/b/c/d.jsonl", "a-c", "a.txt", "a/b0", "a/bb", "a0",
	"b", "z/é.txt", "z/e.txt", "数据/文件.jsonl", "数据/子/a", "數", "Z",
}

func testList(t *testing.T, s objstore.Store) {
	// "a/b" cannot be both an object and a folder on a file system; keep
	// the object in S3 terms but do not require it of every store.
	keys := slices.DeleteFunc(slices.Clone(listKeys), func(k string) bool { return k == "a/b" })
	shuffled := slices.Clone(keys)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	etags := map[string]string{}
	for i, k := range shuffled {
		etags[k] = put(t, s, k, bytes.Repeat([]byte{'x'}, i+1)).ETag
	}
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", sorted},
		{"a", filter(sorted, "a")},
		{"a/", filter(sorted, "a/")},
		{"a/b", filter(sorted, "a/b")},
		{"a/b/", filter(sorted, "a/b/")},
		{"数据/", filter(sorted, "数据/")},
		{"z/", filter(sorted, "z/")},
		{"nope/", nil},
		{"a/b/c/d.jsonl", []string{"a/b/c/d.jsonl"}},
	}
	for _, tt := range tests {
		t.Run("prefix="+tt.prefix, func(t *testing.T) {
			got := listAll(t, s, tt.prefix)
			var gotKeys []string
			for _, o := range got {
				gotKeys = append(gotKeys, o.Key)
				if o.ETag != etags[o.Key] {
					t.Errorf("List ETag of %q = %q, Put gave %q", o.Key, o.ETag, etags[o.Key])
				}
				if wantSize := int64(slices.Index(shuffled, o.Key) + 1); o.Size != wantSize {
					t.Errorf("List size of %q = %d, want %d", o.Key, o.Size, wantSize)
				}
				if o.ModTime.IsZero() {
					t.Errorf("List ModTime of %q is zero", o.Key)
				}
			}
			if !slices.Equal(gotKeys, tt.want) {
				t.Errorf("List(%q) keys =\n %q\nwant\n %q", tt.prefix, gotKeys, tt.want)
			}
		})
	}
}

func filter(keys []string, prefix string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	return out
}

func testListStopEarly(t *testing.T, s objstore.Store) {
	for _, k := range []string{"k1", "k2", "k3", "k4"} {
		put(t, s, k, []byte(k))
	}
	var got []string
	for o, err := range s.List(ctxT(t), "") {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		got = append(got, o.Key)
		if len(got) == 2 {
			break
		}
	}
	if !slices.Equal(got, []string{"k1", "k2"}) {
		t.Errorf("first two keys = %q, want [k1 k2]", got)
	}
}

func testIfMatch(t *testing.T, s objstore.Store) {
	o := put(t, s, "m", []byte("version one"))
	if got, err := get(t, s, "m", objstore.GetOptions{IfMatch: o.ETag}); err != nil || string(got) != "version one" {
		t.Fatalf("Get with matching IfMatch = %q, %v", got, err)
	}
	for _, etag := range []string{"0123456789abcdef0123456789abcdef", "bogus"} {
		if _, err := get(t, s, "m", objstore.GetOptions{IfMatch: etag}); !errors.Is(err, objstore.ErrChanged) {
			t.Errorf("Get with IfMatch %q error = %v, want ErrChanged", etag, err)
		}
		if _, err := get(t, s, "m", objstore.GetOptions{IfMatch: etag, Offset: 1 << 20}); !errors.Is(err, objstore.ErrChanged) {
			t.Errorf("Get past end with IfMatch %q error = %v, want ErrChanged", etag, err)
		}
	}
	put(t, s, "m", []byte("version two"))
	if _, err := get(t, s, "m", objstore.GetOptions{IfMatch: o.ETag}); !errors.Is(err, objstore.ErrChanged) {
		t.Errorf("Get with the ETag from before an overwrite: error = %v, want ErrChanged", err)
	}
}

func testOverwrite(t *testing.T, s objstore.Store) {
	// Same size, different bytes, quick succession: the case a cheap local
	// ETag (size, mtime, inode) could miss.
	var prev string
	seen := map[string]bool{}
	for i := range 5 {
		data := []byte{'v', byte('0' + i)}
		o := put(t, s, "w", data)
		if seen[o.ETag] {
			t.Fatalf("overwrite %d kept an earlier ETag %q", i, o.ETag)
		}
		seen[o.ETag] = true
		st, err := s.Stat(ctxT(t), "w")
		if err != nil || st.ETag != o.ETag || st.ETag == prev {
			t.Fatalf("Stat after overwrite %d = %+v, %v; want ETag %q (previous %q)", i, st, err, o.ETag, prev)
		}
		got, err := get(t, s, "w", objstore.GetOptions{IfMatch: o.ETag})
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Get after overwrite %d = %q, %v; want %q", i, got, err, data)
		}
		prev = o.ETag
	}
	if n := len(listAll(t, s, "")); n != 1 {
		t.Errorf("List after overwrites has %d objects, want 1 (no temporary files)", n)
	}
}

func testDelete(t *testing.T, s objstore.Store) {
	put(t, s, "d/one", []byte("1"))
	put(t, s, "d/two", []byte("2"))
	if err := s.Delete(ctxT(t), "d/one"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Stat(ctxT(t), "d/one"); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("Stat after Delete error = %v, want ErrNotExist", err)
	}
	if err := s.Delete(ctxT(t), "d/one"); err != nil {
		t.Errorf("second Delete = %v, want nil", err)
	}
	got := listAll(t, s, "")
	if len(got) != 1 || got[0].Key != "d/two" {
		t.Errorf("List after Delete = %+v, want only d/two", got)
	}
	if err := s.Delete(ctxT(t), "d"); err != nil {
		t.Errorf("Delete of a folder-like prefix = %v, want nil", err)
	}
	if _, err := s.Stat(ctxT(t), "d/two"); err != nil {
		t.Errorf("Delete(\"d\") touched d/two: %v", err)
	}
}

func testEmpty(t *testing.T, s objstore.Store) {
	o := put(t, s, "empty", nil)
	st, err := s.Stat(ctxT(t), "empty")
	if err != nil || st.Size != 0 || st.ETag != o.ETag {
		t.Fatalf("Stat(empty) = %+v, %v", st, err)
	}
	for _, opts := range []objstore.GetOptions{{}, {Offset: 0, Length: 10}, {Offset: -4}, {Offset: 3}, {IfMatch: o.ETag}} {
		got, err := get(t, s, "empty", opts)
		if err != nil || len(got) != 0 {
			t.Errorf("Get(empty, %+v) = %q, %v; want no bytes, no error", opts, got, err)
		}
	}
	l := listAll(t, s, "")
	if len(l) != 1 || l[0].Key != "empty" || l[0].Size != 0 {
		t.Errorf("List = %+v, want the empty object", l)
	}
}

func testSizeMismatch(t *testing.T, s objstore.Store) {
	_, err := s.Put(ctxT(t), "short", strings.NewReader("12345"), 10)
	if err == nil {
		t.Fatal("Put of 5 bytes announced as 10 succeeded")
	}
	if _, err := s.Stat(ctxT(t), "short"); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("Stat after a failed Put = %v, want ErrNotExist", err)
	}
}

// onlyReader hides any Seek/WriteTo of its reader (an unknown-length stream).
type onlyReader struct{ r io.Reader }

func (r onlyReader) Read(p []byte) (int, error) { return r.r.Read(p) }

func testLarge(t *testing.T, s objstore.Store) {
	if testing.Short() {
		t.Skip("large object skipped in -short mode")
	}
	data := make([]byte, LargeSize)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(data)
	want := sha256.Sum256(data)
	for _, tt := range []struct {
		name string
		r    io.Reader
		size int64
	}{
		{"known size", bytes.NewReader(data), int64(len(data))},
		{"unknown size", onlyReader{bytes.NewReader(data)}, -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o, err := s.Put(ctxT(t), "big.bin", tt.r, tt.size)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if o.Size != int64(len(data)) {
				t.Errorf("Put size = %d, want %d", o.Size, len(data))
			}
			rc, err := s.Get(ctxT(t), "big.bin", objstore.GetOptions{IfMatch: o.ETag})
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			h := sha256.New()
			n, err := io.Copy(h, rc)
			_ = rc.Close()
			if err != nil || n != int64(len(data)) || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatalf("Get read %d bytes, err %v, sha256 match %v", n, err, bytes.Equal(h.Sum(nil), want[:]))
			}
			// A range across the first part boundary.
			off := int64(objstore.PartSize - 10)
			got, err := get(t, s, "big.bin", objstore.GetOptions{Offset: off, Length: 20})
			if err != nil || !bytes.Equal(got, data[off:off+20]) {
				t.Errorf("ranged Get across the part boundary = %x, %v", got, err)
			}
		})
	}
}

func testCancel(t *testing.T, s objstore.Store) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	put(t, s, "c.bin", data)
	done, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error = %v, want context.Canceled", op, err)
		}
		if objstore.IsRetryable(err) {
			t.Errorf("%s with a cancelled context: error %v reported retryable", op, err)
		}
	}
	_, err := s.Stat(done, "c.bin")
	check("Stat", err)
	_, err = s.Get(done, "c.bin", objstore.GetOptions{})
	check("Get", err)
	_, err = s.Put(done, "new", strings.NewReader("x"), 1)
	check("Put", err)
	for _, err := range s.List(done, "") {
		check("List", err)
		break
	}
	if _, err := s.Stat(ctxT(t), "new"); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("a cancelled Put left an object: Stat = %v", err)
	}

	// Cancelled while streaming.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rc, err := s.Get(ctx, "c.bin", objstore.GetOptions{})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer func() { _ = rc.Close() }()
	buf := make([]byte, 1024)
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatalf("first read: %v", err)
	}
	cancel()
	n, err := io.Copy(io.Discard, rc)
	if int64(len(buf))+n >= int64(len(data)) {
		t.Errorf("read the whole object (%d more bytes) after cancelling", n)
	}
	check("Read", err)
}

func testURI(t *testing.T, s objstore.Store) {
	for _, key := range []string{"a/b.jsonl", "数据/x"} {
		u := s.URI(key)
		if !strings.HasSuffix(u, "/"+key) || !strings.HasPrefix(u, "file:///") && !strings.HasPrefix(u, "s3://") {
			t.Errorf("URI(%q) = %q, want file:///.../%s or s3://.../%s", key, u, key, key)
		}
	}
}

// testMetadata: PutMeta stores user metadata that Stat returns (keys
// lower-cased), List does not show anything extra, a plain Put replacing the
// object drops it, and bad keys are refused.
func testMetadata(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	label := `{"Label":"1","ContentProducer":"ORG-001","ProduceID":"p-42"}`
	o, err := s.PutMeta(ctx, "m/a.jsonl", strings.NewReader("{}\n"), 3, map[string]string{"AIGC": label, "x-other": "v"})
	if err != nil {
		t.Fatalf("PutMeta: %v", err)
	}
	if o.Size != 3 || o.ETag == "" {
		t.Fatalf("PutMeta = %+v", o)
	}
	st, err := s.Stat(ctx, "m/a.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if st.Metadata["aigc"] != label || st.Metadata["x-other"] != "v" {
		t.Fatalf("Stat metadata = %q, want aigc and x-other", st.Metadata)
	}
	if st.ETag != o.ETag {
		t.Fatalf("Stat ETag %q, PutMeta ETag %q", st.ETag, o.ETag)
	}
	put(t, s, "m/b.jsonl", []byte("{}\n"))
	if st, err := s.Stat(ctx, "m/b.jsonl"); err != nil || len(st.Metadata) != 0 {
		t.Fatalf("Stat of an object put without metadata = %+v, %v", st.Metadata, err)
	}
	if got := listAll(t, s, "m/"); len(got) != 2 {
		t.Fatalf("List(m/) = %+v, want the two objects only", got)
	}
	put(t, s, "m/a.jsonl", []byte("{}\n"))
	if st, err := s.Stat(ctx, "m/a.jsonl"); err != nil || len(st.Metadata) != 0 {
		t.Fatalf("metadata after a plain Put replaced the object = %q, %v", st.Metadata, err)
	}
	if _, err := s.PutMeta(ctx, "m/c", strings.NewReader("x"), 1, map[string]string{"bad key": "v"}); !errors.Is(err, objstore.ErrBadMeta) {
		t.Fatalf("PutMeta with a bad key: %v, want ErrBadMeta", err)
	}
	if _, err := s.PutMeta(ctx, "m/c", strings.NewReader("x"), 1, map[string]string{"k": "中文"}); !errors.Is(err, objstore.ErrBadMeta) {
		t.Fatalf("PutMeta with a non-ASCII value: %v, want ErrBadMeta", err)
	}
	if err := s.Delete(ctx, "m/a.jsonl"); err != nil {
		t.Fatal(err)
	}
}
