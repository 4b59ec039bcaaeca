package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// firstRecords decodes a segment's records.
func segRecords(t *testing.T, path string) []segRecord {
	t.Helper()
	r, err := openSegment(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r.close() }()
	var recs []segRecord
	if _, err := r.eachRecords(func(c *segChunk) error {
		for _, rec := range c.Records {
			rec.Subjects = append([]string(nil), rec.Subjects...)
			recs = append(recs, rec)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

func rewrite(t *testing.T, path string, edit func(b []byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(b), 0o600); err != nil {
		t.Fatal(err)
	}
}

func at(t *testing.T, b, needle []byte) int {
	t.Helper()
	i := bytes.Index(b, needle)
	if i < 0 {
		t.Fatalf("%x not found in the segment", needle)
	}
	return i
}

// TestSealRereadsTamperedSegment changes a segment as someone with write
// access to the work directory (or the shared prefix) could: a reject
// turned into an admit, a record digest or a subject key changed by one
// byte, a segment forged with another key, garbage, a cut, an edited
// trailer. Every change is detected at seal (the run is sealed by a
// separate SealOnly run, as `prov seal` does), the object is read again
// with a warning naming the segment, the version is byte-identical to the
// undisturbed one, and the next seal trusts the new segment: no loop.
func TestSealRereadsTamperedSegment(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, seg string)
	}{
		{"verdict reject to admit", func(t *testing.T, seg string) {
			for _, r := range segRecords(t, seg) {
				if r.Verdict == schemas.Reject {
					rewrite(t, seg, func(b []byte) []byte {
						i := at(t, b, r.Digest[:]) + len(r.Digest) + len(binary.AppendUvarint(nil, uint64(r.Line)))
						if b[i] != byte(schemas.Reject) {
							t.Fatalf("byte after digest and line is %d, not the verdict", b[i])
						}
						b[i] = byte(schemas.Admit)
						return b
					})
					return
				}
			}
			t.Fatal("no rejected record in the segment")
		}},
		{"record digest", func(t *testing.T, seg string) {
			r := segRecords(t, seg)[0]
			rewrite(t, seg, func(b []byte) []byte { b[at(t, b, r.Digest[:])+7] ^= 1; return b })
		}},
		{"subject key", func(t *testing.T, seg string) {
			for _, r := range segRecords(t, seg) {
				if len(r.Subjects) > 0 {
					raw, _ := hex.DecodeString(r.Subjects[0])
					rewrite(t, seg, func(b []byte) []byte { b[at(t, b, raw)+3] ^= 0x10; return b })
					return
				}
			}
			t.Fatal("no subject key in the segment")
		}},
		{"forged with another key", func(t *testing.T, seg string) {
			hdr, tr, err := readTrailer(seg, testSegKey(t))
			if err != nil {
				t.Fatal(err)
			}
			recs := segRecords(t, seg)
			w, err := createSegment(seg, []byte("not this ledger's key"), hdr)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range recs {
				if r.Verdict == schemas.Reject {
					r.Verdict = schemas.Admit
				}
				if err := w.add(r, nil); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.finish(*tr); err != nil {
				t.Fatal(err)
			}
		}},
		{"garbage", func(t *testing.T, seg string) {
			rewrite(t, seg, func(b []byte) []byte { return bytes.Repeat([]byte("garbage!"), 100) })
		}},
		{"truncated", func(t *testing.T, seg string) {
			rewrite(t, seg, func(b []byte) []byte { return b[:len(b)-10] })
		}},
		{"trailer file", func(t *testing.T, seg string) {
			rewrite(t, seg+".trailer", func(b []byte) []byte { b[len(b)/2] ^= 1; return b })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := newCorpus(t)
			ref := runOK(t, testOptions(t, root))
			manifest := filepath.Join(root, "out", filepath.FromSlash(version.Key("ds", ref.Version, version.Manifest)))
			want, err := os.ReadFile(manifest)
			if err != nil {
				t.Fatal(err)
			}
			segs, _ := filepath.Glob(filepath.Join(root, "work", "segments", "ds", "*.seg"))
			sort.Strings(segs)
			victim := segs[2] // a/part-02.jsonl... any object with rejects and subjects
			for _, s := range segs {
				recs := segRecords(t, s)
				if len(recs) > 10 {
					victim = s
					break
				}
			}
			tc.tamper(t, victim)
			if err := os.Remove(manifest); err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				var logs logBuf
				o := testOptions(t, root)
				o.SealOnly = true
				o.Workers = 2
				o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
				d := runOK(t, o)
				warned := strings.Contains(logs.String(), "discarding segment") && strings.Contains(logs.String(), filepath.Base(victim))
				if i == 0 && !warned {
					t.Fatalf("seal over a tampered segment logged no warning naming %s:\n%s", filepath.Base(victim), logs.String())
				}
				if i == 1 && strings.Contains(logs.String(), "discarding segment") {
					t.Fatalf("the second seal discarded a segment again:\n%s", logs.String())
				}
				got, err := os.ReadFile(manifest)
				if err != nil {
					t.Fatal(err)
				}
				if d.Digest != ref.Digest || !bytes.Equal(got, want) {
					t.Fatalf("seal %d: digest %s, want %s; manifest identical: %v", i, d.Digest, ref.Digest, bytes.Equal(got, want))
				}
			}
		})
	}
}

// testSegKey is the segment key of testOptions' runs (no ledger).
func testSegKey(t *testing.T) []byte {
	t.Helper()
	root := newCorpus(t)
	o := testOptions(t, root)
	rc, err := prepare(context.Background(), &o, "r", &o.Config.Datasets[0], slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return rc.segKey
}
