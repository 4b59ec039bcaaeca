package certificate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// ReadRecords streams the records of one input object, read as a run
// reads them (the dataset's field map and line limits), to fn. The
// certificate package does not parse inputs itself: the command layer
// injects the pipeline's reader (pipeline.RecordReader), the way stages are
// given stages.Env.Open.
type ReadRecords func(ctx context.Context, in schemas.InputObject, fn func(*schemas.Record) error) error

// Rehash is what level 3 needs: the store holding the input objects, the
// dataset's configuration and a reader of its records.
type Rehash struct {
	Input   objstore.Store
	Dataset *schemas.DatasetConfig
	Read    ReadRecords
}

// verifyRehash is level 3: every input object listed in the manifest is
// read again from the store; its sha256, every record digest, the ledger's
// record list and record root, and finally the dataset Merkle root are
// recomputed and compared.
func verifyRehash(ctx context.Context, r *Report, s *state, l *lineage.Ledger, rh *Rehash) {
	pred := s.st.Predicate
	if rh.Input == nil || rh.Dataset == nil || rh.Read == nil {
		r.fail(3, "rehash", "needs the input store and the dataset's configuration (-c CONFIG)")
		return
	}
	if rh.Dataset.Name != pred.Dataset {
		r.fail(3, "rehash", "the configuration's dataset is %s, the certificate's is %s", rh.Dataset.Name, pred.Dataset)
		return
	}
	ss, _, err := l.Entry(ctx, pred.Ledger.SealedLeaf)
	if err != nil {
		r.fail(3, "ledger", "reading the sealed version: %v", err)
		return
	}
	sealed, ok := ss.Entry.(lineage.DatasetSealed)
	if !ok {
		r.fail(3, "ledger", "leaf %d is not a dataset_sealed entry", pred.Ledger.SealedLeaf)
		return
	}
	objects := map[string]uint64{}
	entries := map[uint64]lineage.ObjectIngested{}
	for _, leaf := range sealed.Objects {
		st, _, err := l.Entry(ctx, leaf)
		if err != nil {
			r.fail(3, "ledger", "reading object entry %d: %v", leaf, err)
			return
		}
		oi, ok := st.Entry.(lineage.ObjectIngested)
		if !ok {
			r.fail(3, "ledger", "leaf %d of the version is a %s entry, not object_ingested", leaf, st.Entry.Kind())
			return
		}
		objects[oi.URI], entries[leaf] = leaf, oi
	}
	if len(objects) != len(s.m.Inputs) {
		r.fail(3, "manifest", "the manifest lists %d input objects, the ledger sealed %d", len(s.m.Inputs), len(objects))
		return
	}
	var admitted []schemas.Digest
	for _, in := range s.m.Inputs {
		if ctx.Err() != nil {
			r.fail(3, "rehash", "%v", ctx.Err())
			return
		}
		leaf, ok := objects[in.URI]
		if !ok {
			r.fail(3, "object "+in.URI, "not among the objects the ledger sealed for this version")
			return
		}
		oi := entries[leaf]
		if oi.SHA256 != in.SHA256 || oi.RecordRoot != in.RecordRoot {
			r.fail(3, "object "+in.URI, "the manifest (sha256 %s, record root %s) disagrees with ledger entry %d (sha256 %s, record root %s)",
				in.SHA256, in.RecordRoot, leaf, oi.SHA256, oi.RecordRoot)
			return
		}
		if got := rh.Input.URI(in.Key); got != in.URI {
			r.note(3, "object "+in.URI, "read as %s from the given store", got)
		}
		adm, ok := rehashObject(ctx, r, rh, in, leaf, l)
		if !ok {
			return
		}
		admitted = append(admitted, adm...)
	}
	slices.SortFunc(admitted, func(a, b schemas.Digest) int { return bytes.Compare(a[:], b[:]) })
	admitted = slices.Compact(admitted)
	mb := schemas.NewMerkleBuilder()
	for _, d := range admitted {
		if err := mb.Append(d[:]); err != nil {
			r.fail(3, "digest", "%v", err)
			return
		}
	}
	root, err := mb.Root()
	if err != nil {
		r.fail(3, "digest", "%v", err)
		return
	}
	if got := "sha256:" + root.String(); got != s.m.Digest || int64(len(admitted)) != s.m.Records {
		r.fail(3, "digest", "recomputed dataset digest %s over %d admitted records, the manifest certifies %s over %d", got, len(admitted), s.m.Digest, s.m.Records)
		return
	}
	r.ok(3, "digest", "recomputed dataset Merkle root %s over %d distinct admitted records equals the certified digest", s.m.Digest, len(admitted))
}

// rehashObject re-reads one object and returns its admitted digests.
func rehashObject(ctx context.Context, r *Report, rh *Rehash, in schemas.InputObject, leaf uint64, l *lineage.Ledger) ([]schemas.Digest, bool) {
	part := "object " + in.URI
	st := rh.Input
	// stored is the object as read from the store; in.Key, as the manifest
	// shows it, is the key its record digests were computed under.
	stored := in
	if maskedKey(in.Key) {
		k, err := resolveMaskedKey(ctx, st, in)
		if err != nil {
			r.fail(3, part, "finding the object of a masked key: %v", err)
			return nil, false
		}
		if k == "" {
			r.fail(3, part, "the key is masked (it holds personal information) and no object in the store matches its clear parts, size %d and sha256 %s: the object is missing or changed", in.Size, in.SHA256)
			return nil, false
		}
		stored.Key = k
		r.note(3, part, "the key is masked (it holds personal information): the object was found in the store by the key's clear parts, its size and sha256; its key is not shown")
	}
	if in.SHA256 == "" {
		return rehashRefused(ctx, r, rh, in, leaf, l)
	}
	rc, err := st.Get(ctx, stored.Key, objstore.GetOptions{})
	if err != nil {
		r.fail(3, part, "reading from the store: %v", scrubKey(err, stored.Key, in.Key))
		return nil, false
	}
	h := sha256.New()
	n, err := io.Copy(h, rc)
	_ = rc.Close()
	if err != nil {
		r.fail(3, part, "reading from the store: %v", scrubKey(err, stored.Key, in.Key))
		return nil, false
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != in.SHA256 || n != in.Size {
		r.fail(3, part, "the stored object has sha256 %s (%d bytes), the manifest records %s (%d bytes): the object changed", sum, n, in.SHA256, in.Size)
		return nil, false
	}
	refs, err := l.Records(ctx, leaf)
	if err != nil {
		r.fail(3, part, "reading the ledger's record list: %v", err)
		return nil, false
	}
	if root, err := lineage.RecordRefsRoot(refs); err != nil || root != in.RecordRoot {
		r.fail(3, part, "the ledger's record list (%d records) does not hash to the record root %s", len(refs), in.RecordRoot)
		return nil, false
	}
	byLine := make(map[int64]lineage.RecordRef, len(refs))
	for _, ref := range refs {
		byLine[ref.Line] = ref
	}
	var seen int
	var admitted []schemas.Digest
	var mismatch string
	err = rh.Read(ctx, stored, func(rec *schemas.Record) error {
		d := rec.LedgerDigest(in.Key)
		ref, ok := byLine[rec.Line]
		switch {
		case !ok:
			mismatch = fmt.Sprintf("line %d (digest %s) is not in the ledger's record list", rec.Line, d)
		case ref.Digest != d:
			mismatch = fmt.Sprintf("line %d recomputes to digest %s, the ledger records %s", rec.Line, d, ref.Digest)
		}
		if mismatch != "" {
			return errStop
		}
		seen++
		if ref.Verdict.Admitted() {
			admitted = append(admitted, d)
		}
		return nil
	})
	if mismatch != "" {
		r.fail(3, part, "%s", mismatch)
		return nil, false
	}
	if err != nil {
		r.fail(3, part, "reading records: %v", scrubKey(err, stored.Key, in.Key))
		return nil, false
	}
	if seen != len(refs) {
		r.fail(3, part, "%d records read, the ledger records %d", seen, len(refs))
		return nil, false
	}
	r.ok(3, part, "sha256 %s matches; %d record digests recomputed and equal the ledger's record list (root %s); %d admitted", in.SHA256, seen, in.RecordRoot, len(admitted))
	return admitted, true
}

var errStop = fmt.Errorf("stop")

// rehashRefused checks an object the run refused to read (a symbolic link
// out of the input root, to a directory or to nothing: the manifest lists
// it without a sha256, its one record quarantined): the store still refuses it, and the ledger's record
// list is that one quarantined line, by its locator digest.
func rehashRefused(ctx context.Context, r *Report, rh *Rehash, in schemas.InputObject, leaf uint64, l *lineage.Ledger) ([]schemas.Digest, bool) {
	part := "object " + in.URI
	rc, err := rh.Input.Get(ctx, in.Key, objstore.GetOptions{})
	if err == nil {
		_ = rc.Close()
		r.fail(3, part, "the run refused this object (no sha256 in the manifest), but the store now serves it: the object changed")
		return nil, false
	}
	why := objstore.RefusalOf(err)
	if why == nil {
		r.fail(3, part, "the run refused this object; reading it now fails otherwise: %v", err)
		return nil, false
	}
	refs, err := l.Records(ctx, leaf)
	if err != nil {
		r.fail(3, part, "reading the ledger's record list: %v", err)
		return nil, false
	}
	want := sha256.Sum256([]byte(schemas.Locator(in.Key, 1)))
	if len(refs) != 1 || refs[0].Line != 1 || refs[0].Digest != schemas.Digest(want) || refs[0].Verdict.Admitted() {
		r.fail(3, part, "the run refused this object, but the ledger records %d records for it, not its one quarantined line", len(refs))
		return nil, false
	}
	r.ok(3, part, "refused as the run refused it (%v); the ledger records its one quarantined line", why)
	return nil, true
}
