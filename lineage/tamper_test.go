package lineage

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"

	"github.com/prov-ai/prov/schemas"
)

// rawDB opens the ledger's badger database directly, as an attacker with
// disk access would.
func rawDB(t *testing.T, cfg Config, fn func(txn *badger.Txn) error) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions(filepath.Join(cfg.Dir, dbDir)).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func mustSet(t *testing.T, txn *badger.Txn, k, v []byte) {
	t.Helper()
	if err := txn.Set(k, v); err != nil {
		t.Fatalf("setting %x: %v", k, err)
	}
}

func mustDelete(t *testing.T, txn *badger.Txn, k []byte) {
	t.Helper()
	if err := txn.Delete(k); err != nil {
		t.Fatalf("deleting %x: %v", k, err)
	}
}

func get(t *testing.T, txn *badger.Txn, k []byte) []byte {
	t.Helper()
	v, err := getVal(txn, k)
	if err != nil {
		t.Fatalf("reading %x: %v", k, err)
	}
	return v
}

func TestTamper(t *testing.T) {
	// Fixture leaves: 0 run-1 started, 1 a, 2 b, 3 v1 sealed, 4 run-1
	// finished, 5 v1 certificate, 6 run-2 started, 7 c, 8 v2 sealed,
	// 9 run-2 finished, 10 v2 certificate; checkpoint at 11.
	tests := []struct {
		name   string
		tamper func(t *testing.T, txn *badger.Txn, f *fixture)
		index  uint64
		what   string
	}{
		{"one byte of an entry", func(t *testing.T, txn *badger.Txn, f *fixture) {
			b := get(t, txn, entryKey(7))
			b = bytes.Replace(b, []byte("c.jsonl"), []byte("d.jsonl"), 1)
			mustSet(t, txn, entryKey(7), b)
		}, 7, "tree"},
		{"one byte breaking the encoding", func(t *testing.T, txn *badger.Txn, f *fixture) {
			b := get(t, txn, entryKey(3))
			b[len(b)-1] ^= 1
			mustSet(t, txn, entryKey(3), b)
		}, 3, "entry"},
		{"delete an entry", func(t *testing.T, txn *badger.Txn, f *fixture) {
			mustDelete(t, txn, entryKey(4))
		}, 4, "entry"},
		{"delete the last entry and lower the size", func(t *testing.T, txn *badger.Txn, f *fixture) {
			mustDelete(t, txn, entryKey(10))
			mustSet(t, txn, metaSize, be64(10))
		}, 10, "checkpoint"},
		{"swap two entries", func(t *testing.T, txn *badger.Txn, f *fixture) {
			a, b := get(t, txn, entryKey(2)), get(t, txn, entryKey(5))
			mustSet(t, txn, entryKey(2), b)
			mustSet(t, txn, entryKey(5), a)
		}, 2, "entry"},
		{"swap two entries and their leaf hashes", func(t *testing.T, txn *badger.Txn, f *fixture) {
			for _, k := range [][2][]byte{{entryKey(2), entryKey(5)},
				{nodeKey(compact.NewNodeID(0, 2)), nodeKey(compact.NewNodeID(0, 5))}} {
				a, b := get(t, txn, k[0]), get(t, txn, k[1])
				mustSet(t, txn, k[0], b)
				mustSet(t, txn, k[1], a)
			}
		}, 2, "entry"},
		{"change an entry and its leaf hash", func(t *testing.T, txn *badger.Txn, f *fixture) {
			b := bytes.Replace(get(t, txn, entryKey(7)), []byte("c.jsonl"), []byte("d.jsonl"), 1)
			mustSet(t, txn, entryKey(7), b)
			mustSet(t, txn, nodeKey(compact.NewNodeID(0, 7)), LeafHash(b))
		}, 6, "tree"},
		{"one byte of a record list", func(t *testing.T, txn *badger.Txn, f *fixture) {
			b := get(t, txn, listKey(7, 0))
			b[1] ^= 0x80
			mustSet(t, txn, listKey(7, 0), b)
		}, 7, "records"},
		{"delete a record index key", func(t *testing.T, txn *badger.Txn, f *fixture) {
			d := digest("s3://in/oss/b.jsonl#3")
			mustDelete(t, txn, findRecKey(t, txn, d, 2))
		}, 2, "index"},
		{"add a subject index key", func(t *testing.T, txn *badger.Txn, f *fixture) {
			d := digest("s3://in/web/a.jsonl#3")
			s := digest("mallory")
			var filter [recFilter]byte
			filter[s[1]/8] |= 1 << (s[1] % 8)
			mustSet(t, txn, subjKey(s[0], &filter, 1), append(s[1:], d[:]...))
		}, 1, "index"},
		{"change a verdict in the record index", func(t *testing.T, txn *badger.Txn, f *fixture) {
			d := digest("s3://in/oss/b.jsonl#3")
			k := findRecKey(t, txn, d, 2)
			v := get(t, txn, k)
			v[31] ^= 1
			mustSet(t, txn, k, v)
		}, 2, "index"},
		{"drop a digest from a subject index value", func(t *testing.T, txn *badger.Txn, f *fixture) {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pSubj}})
			it.Rewind()
			k := it.Item().KeyCopy(nil)
			it.Close()
			mustSet(t, txn, k, nil)
		}, 1, "index"},
		{"drop an object from the version index", func(t *testing.T, txn *badger.Txn, f *fixture) {
			mustDelete(t, txn, append([]byte{pVer}, append(be64(7), be64(8)...)...))
		}, 8, "index"},
		{"forge the stored checkpoint", func(t *testing.T, txn *badger.Txn, f *fixture) {
			_, k, _ := ed25519.GenerateKey(rand.Reader)
			s, _ := NewNoteSigner("prov.test/ledger", k)
			body := get(t, txn, ckptKey(11))
			n, _ := note.Sign(&note.Note{Text: string(body[:bytes.Index(body, []byte("\n\n"))+1])}, s)
			mustSet(t, txn, ckptKey(11), n)
		}, 11, "checkpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			l, err := Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			f := buildFixture(t, l)
			if l.Size() != 11 {
				t.Fatalf("fixture size %d, want 11", l.Size())
			}
			if _, err := l.Checkpoint(context.Background()); err != nil {
				t.Fatal(err)
			}
			if _, err := l.VerifyAll(context.Background(), VerifyOptions{}); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			rawDB(t, cfg, func(txn *badger.Txn) error { tc.tamper(t, txn, f); return nil })
			l = openTest(t, cfg)
			_, err = l.VerifyAll(context.Background(), VerifyOptions{})
			var ve *VerifyError
			if !errors.As(err, &ve) || !errors.Is(err, ErrTampered) {
				t.Fatalf("VerifyAll = %v, want a *VerifyError", err)
			}
			if ve.Index != tc.index || ve.What != tc.what {
				t.Fatalf("VerifyAll = %v, want entry %d (%s)", err, tc.index, tc.what)
			}
		})
	}
}

// findRecKey returns the record index key of digest d's bucket in object
// leaf.
func findRecKey(t *testing.T, txn *badger.Txn, d schemas.Digest, leaf uint64) []byte {
	t.Helper()
	prefix := []byte{pRec, d[0]}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		if k := it.Item().Key(); binary.BigEndian.Uint64(k[len(k)-8:]) == leaf {
			return it.Item().KeyCopy(nil)
		}
	}
	t.Fatalf("no record index key for %s in entry %d", d, leaf)
	return nil
}

// failAfter is a context whose Err reports cancellation from its n-th call
// on: it stops an append between its bulk writes and its commit, the state
// a killed process leaves.
type failAfter struct {
	context.Context
	n *int
}

func (f failAfter) Err() error {
	*f.n--
	if *f.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestInterruptedAppendIsUndone(t *testing.T) {
	cfg := testConfig(t)
	l, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	buildFixture(t, l)
	size := l.Size()
	uri := "s3://in/web/late.jsonl"
	e := ObjectIngested{Dataset: "chat", URI: uri, PolicyDigest: hexSum("policy-1"), Sources: []string{"web"}}
	n := 1
	if _, _, err := l.IngestObject(failAfter{context.Background(), &n}, e, objRecs(l, uri, 9000, 3)); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted ingest: %v", err)
	}
	if err := l.Close(); err != nil { // the process dies here; the bulk keys are on disk
		t.Fatal(err)
	}
	l = openTest(t, cfg)
	if l.Size() != size {
		t.Fatalf("size %d after interrupted append, want %d", l.Size(), size)
	}
	if _, err := l.VerifyAll(context.Background(), VerifyOptions{}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	leaf, appended, err := l.IngestObject(context.Background(), e, objRecs(l, uri, 9000, 3))
	if err != nil || !appended || leaf != size {
		t.Fatalf("re-ingest: leaf %d appended %v err %v", leaf, appended, err)
	}
	if _, err := l.VerifyAll(context.Background(), VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}
