package lineage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"
)

// VerifyOptions tunes VerifyAll.
type VerifyOptions struct {
	// Checkpoints are signed checkpoints kept outside the ledger (e.g. from
	// a certificate's proof.json or a witness). Each must carry a valid
	// signature and match the ledger's root at its size.
	Checkpoints [][]byte
	// SkipIndexes skips rebuilding and comparing the derived indexes.
	SkipIndexes bool
}

// VerifyReport summarises a successful VerifyAll.
type VerifyReport struct {
	Size        uint64 `json:"tree_size"`
	Root        string `json:"root"`
	Records     int64  `json:"records"`
	Checkpoints int    `json:"checkpoints_verified"`
	// LatestCheckpoint is the size of the latest stored checkpoint (0: none).
	LatestCheckpoint uint64 `json:"latest_checkpoint_size"`
	External         int    `json:"external_checkpoints_verified"`
	IndexesChecked   bool   `json:"indexes_checked"`
}

type signedCkpt struct {
	c        Checkpoint
	external bool
}

// VerifyAll checks the whole ledger: every entry decodes canonically and
// sits at the index it names, every leaf hash and tree node is recomputed
// from the entry bytes, every stored and given checkpoint carries a valid
// signature and matches the recomputed root at its size, every object's
// record list matches its record root, and the derived indexes equal a
// rebuild from the entries. An inconsistency is a *VerifyError (wrapping
// ErrTampered) naming the first bad entry; a given checkpoint that is not
// validly signed wraps ErrBadCheckpoint.
func (l *Ledger) VerifyAll(ctx context.Context, opts VerifyOptions) (*VerifyReport, error) {
	if l.pub == nil {
		return nil, fmt.Errorf("verifying ledger: %w", ErrNoPublicKey)
	}
	rep := &VerifyReport{}
	var verr error
	err := l.db.View(func(txn *badger.Txn) error {
		size, err := getU64(txn, metaSize)
		if err != nil {
			return err
		}
		rep.Size = size
		ckpts, err := l.collectCheckpoints(txn, opts.Checkpoints, rep)
		if err != nil {
			return err
		}
		for _, c := range ckpts {
			if c.c.Size > size {
				verr = &VerifyError{Index: size, What: "checkpoint", Msg: fmt.Sprintf(
					"a checkpoint signed at size %d is beyond the ledger's %d entries: entries were removed", c.c.Size, size)}
				return nil
			}
		}
		objects, root, e := verifyLog(ctx, txn, size, ckpts)
		if e != nil {
			verr = e
			return nil
		}
		rep.Root = hex.EncodeToString(root)
		if opts.SkipIndexes {
			return nil
		}
		rep.IndexesChecked = true
		recs, e := verifyIndexes(ctx, txn, size, objects)
		rep.Records = recs
		verr = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("verifying ledger: %w", err)
	}
	if verr != nil {
		return rep, verr
	}
	return rep, nil
}

func (l *Ledger) collectCheckpoints(txn *badger.Txn, given [][]byte, rep *VerifyReport) ([]signedCkpt, error) {
	v, err := NewNoteVerifier(l.cfg.Origin, l.pub)
	if err != nil {
		return nil, err
	}
	var out []signedCkpt
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pCkpt}, PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		b, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, err
		}
		c, err := openCheckpoint(b, l.cfg.Origin, v)
		size := binary.BigEndian.Uint64(k[1:])
		if err != nil {
			return nil, &VerifyError{Index: size, What: "checkpoint", Msg: fmt.Sprintf("stored checkpoint at size %d: %v", size, err)}
		}
		if c.Size != size {
			return nil, &VerifyError{Index: min(size, c.Size), What: "checkpoint", Msg: fmt.Sprintf("checkpoint stored as size %d says size %d", size, c.Size)}
		}
		out = append(out, signedCkpt{c: c})
		rep.Checkpoints++
		rep.LatestCheckpoint = size
	}
	for i, b := range given {
		c, err := openCheckpoint(b, l.cfg.Origin, v)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %d given: %w", i+1, err)
		}
		out = append(out, signedCkpt{c: c, external: true})
		rep.External++
	}
	slices.SortStableFunc(out, func(a, b signedCkpt) int { return int64cmp(a.c.Size, b.c.Size) })
	return out, nil
}

func int64cmp(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func openCheckpoint(b []byte, origin string, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(trimNote(b), note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %w", ErrBadCheckpoint, err)
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("%w: origin %q, want %q", ErrBadCheckpoint, c.Origin, origin)
	}
	return c, nil
}

// verifyLog recomputes the tree from the entries and returns the object
// entries (leaf → entry) and the root.
func verifyLog(ctx context.Context, txn *badger.Txn, size uint64, ckpts []signedCkpt) (map[uint64]ObjectIngested, []byte, error) {
	objects := map[uint64]ObjectIngested{}
	rng := rangeFactory.NewEmptyRange(0)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, PrefetchValues: true, PrefetchSize: 64})
	defer it.Close()
	var prev Stored
	ci, good := 0, uint64(0)
	checkRoots := func(n uint64) *VerifyError {
		for ci < len(ckpts) && ckpts[ci].c.Size == n {
			root := hasher.EmptyRoot()
			if n > 0 {
				root, _ = rng.GetRootHash(nil)
			}
			if !bytes.Equal(root, ckpts[ci].c.Root) {
				what := "stored"
				if ckpts[ci].external {
					what = "given"
				}
				return &VerifyError{Index: good, What: "checkpoint", Msg: fmt.Sprintf(
					"entries %d..%d do not match the %s checkpoint signed at size %d", good, n-1, what, n)}
			}
			good = n
			ci++
		}
		return nil
	}
	if e := checkRoots(0); e != nil {
		return nil, nil, e
	}
	i := uint64(0)
	for it.Rewind(); it.Valid(); it.Next() {
		if i%1024 == 0 && ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		k := it.Item().Key()
		if len(k) != 9 {
			return nil, nil, &VerifyError{Index: i, What: "entry", Msg: fmt.Sprintf("malformed entry key %x", k)}
		}
		at := binary.BigEndian.Uint64(k[1:])
		if at != i {
			if at > i && i < size {
				return nil, nil, &VerifyError{Index: i, What: "entry", Msg: "entry is missing"}
			}
			return nil, nil, &VerifyError{Index: at, What: "entry", Msg: "unexpected entry key"}
		}
		if i >= size {
			return nil, nil, &VerifyError{Index: i, What: "entry", Msg: fmt.Sprintf("entry beyond the recorded tree size %d", size)}
		}
		b, err := it.Item().ValueCopy(nil)
		if err != nil {
			return nil, nil, err
		}
		s, err := DecodeEntry(b)
		if err != nil {
			return nil, nil, &VerifyError{Index: i, What: "entry", Msg: err.Error()}
		}
		if s.Index != i {
			return nil, nil, &VerifyError{Index: i, What: "entry", Msg: fmt.Sprintf("entry says it is entry %d (moved or swapped)", s.Index)}
		}
		if i > 0 && s.Time.Before(prev.Time) {
			return nil, nil, &VerifyError{Index: i, What: "entry", Msg: "time goes backwards"}
		}
		prev = s
		if oi, ok := s.Entry.(ObjectIngested); ok {
			objects[i] = oi
		}
		lh := LeafHash(b)
		var bad *VerifyError
		err = rng.Append(lh, func(id compact.NodeID, h []byte) {
			if bad != nil {
				return
			}
			stored, err := getVal(txn, nodeKey(id))
			if err != nil || !bytes.Equal(stored, h) {
				begin, _ := id.Coverage()
				msg := "leaf hash differs from the entry's bytes"
				if id.Level > 0 {
					msg = fmt.Sprintf("tree node %d/%d differs from the recomputed hash", id.Level, id.Index)
				}
				bad = &VerifyError{Index: begin, What: "tree", Msg: msg}
			}
		})
		if err != nil {
			return nil, nil, err
		}
		if bad != nil {
			return nil, nil, bad
		}
		i++
		if e := checkRoots(i); e != nil {
			return nil, nil, e
		}
	}
	if i < size {
		return nil, nil, &VerifyError{Index: i, What: "entry", Msg: fmt.Sprintf("entry is missing (tree size %d)", size)}
	}
	root := hasher.EmptyRoot()
	if size > 0 {
		root, _ = rng.GetRootHash(nil)
	}
	return objects, root, nil
}

// acc is an order-independent digest of a set of index keys.
type acc struct {
	n    int64
	a, b uint64
}

var seedA, seedB = maphash.MakeSeed(), maphash.MakeSeed()

func (x *acc) add(k, v []byte) {
	var h maphash.Hash
	h.SetSeed(seedA)
	h.Write(k)
	h.WriteByte(0xff)
	h.Write(v)
	x.a += h.Sum64()
	h.SetSeed(seedB)
	h.Write(k)
	h.WriteByte(0xff)
	h.Write(v)
	x.b += h.Sum64()
	x.n++
}

// verifyIndexes checks every object's record list against its record root
// and compares each derived index with a rebuild.
func verifyIndexes(ctx context.Context, txn *badger.Txn, size uint64, objects map[uint64]ObjectIngested) (int64, error) {
	first := noLeaf
	var firstErr error
	report := func(leaf uint64, what, msg string) {
		if leaf < first {
			first, firstErr = leaf, &VerifyError{Index: leaf, What: what, Msg: msg}
		}
	}
	// Record lists and the record / subject indexes they imply.
	want := map[uint64]*acc{}
	var records int64
	leaves := slices.Sorted(func(yield func(uint64) bool) {
		for l := range objects {
			if !yield(l) {
				return
			}
		}
	})
	for _, leaf := range leaves {
		if ctx.Err() != nil {
			return records, ctx.Err()
		}
		oi := objects[leaf]
		refs, _, err := readRefs(txn, leaf, false)
		if err != nil {
			report(leaf, "records", err.Error())
			continue
		}
		records += int64(len(refs))
		if !slices.IsSortedFunc(refs, func(a, b ref) int { return compareRefs(&a, &b) }) {
			report(leaf, "records", "record list is not sorted")
			continue
		}
		if got := hex.EncodeToString(refsRoot(refs)); got != oi.RecordRoot || int64(len(refs)) != oi.Records {
			report(leaf, "records", fmt.Sprintf("record list (%d records, root %s) does not match the entry (%d, %s)",
				len(refs), got, oi.Records, oi.RecordRoot))
			continue
		}
		a := &acc{}
		want[leaf] = a
		if err := recordKeys(refs, leaf, func(k, v []byte) error { a.add(k, v); return nil }); err != nil {
			return records, err
		}
	}
	// Stored record lists must belong to object entries.
	if err := scanLeaves(txn, []byte{pList}, noLeaf, func(k []byte, _ uint64) error {
		leaf := binary.BigEndian.Uint64(k[1:9])
		if _, ok := objects[leaf]; !ok {
			report(leaf, "records", "record list stored for an entry that is not an ingested object")
		}
		return nil
	}); err != nil {
		return records, err
	}
	got := map[uint64]*acc{}
	for _, p := range []byte{pRec, pSubj} {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{p}, PrefetchValues: p == pRec})
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) < 9 {
				report(0, "index", fmt.Sprintf("malformed index key %x", k))
				continue
			}
			leaf := binary.BigEndian.Uint64(k[len(k)-8:])
			a := got[leaf]
			if a == nil {
				a = &acc{}
				got[leaf] = a
			}
			err := it.Item().Value(func(v []byte) error { a.add(k, v); return nil })
			if err != nil {
				it.Close()
				return records, err
			}
		}
		it.Close()
	}
	for leaf, w := range want {
		if g := got[leaf]; g == nil && w.n > 0 || g != nil && *g != *w {
			report(leaf, "index", "record or subject index differs from the record list")
		}
	}
	for leaf := range got {
		if _, ok := want[leaf]; !ok {
			report(min(leaf, size), "index", "record or subject index entries for an entry that has no record list")
		}
	}
	// Per-entry indexes.
	exp := map[string][]byte{}
	expLeaf := map[string]uint64{}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pEntry}, PrefetchValues: true})
	for it.Rewind(); it.Valid(); it.Next() {
		b, err := it.Item().ValueCopy(nil)
		if err != nil {
			it.Close()
			return records, err
		}
		s, err := DecodeEntry(b)
		if err != nil {
			it.Close()
			return records, err
		}
		for _, x := range smallIndex(s) {
			exp[string(x.k)], expLeaf[string(x.k)] = x.v, s.Index
		}
		if ds, ok := s.Entry.(DatasetSealed); ok {
			for _, k := range sealKeys(ds, s.Index) {
				exp[string(k)], expLeaf[string(k)] = nil, s.Index
			}
		}
	}
	it.Close()
	for _, p := range []byte{pKey, pObj, pVer, pSrc, pDS, pRun, pSealSrc, pWithdr, pTrainRun, pTrainVer, pModel} {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{p}, PrefetchValues: true})
		for it.Rewind(); it.Valid(); it.Next() {
			k := string(it.Item().Key())
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				it.Close()
				return records, err
			}
			w, ok := exp[k]
			leaf := uint64(0)
			if len(k) >= 9 {
				leaf = binary.BigEndian.Uint64([]byte(k[len(k)-8:]))
			}
			if p == pKey && len(v) == 8 {
				leaf = binary.BigEndian.Uint64(v)
			}
			switch {
			case !ok:
				report(min(leaf, size), "index", fmt.Sprintf("index key %x is not derived from any entry", k))
			case !bytes.Equal(w, v):
				report(expLeaf[k], "index", fmt.Sprintf("index key %x has a value that differs from the rebuild", k))
			}
			delete(exp, k)
		}
		it.Close()
	}
	for k := range exp {
		report(expLeaf[k], "index", fmt.Sprintf("index key %x is missing", k))
	}
	return records, firstErr
}
