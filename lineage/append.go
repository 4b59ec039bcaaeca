package lineage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/transparency-dev/merkle/compact"

	"github.com/prov-ai/prov/schemas"
)

type kv struct{ k, v []byte }

// smallIndex returns the derived index keys of one entry that are written
// in the same transaction as the entry itself.
func smallIndex(s Stored) []kv {
	var out []kv
	if k := s.Entry.naturalKey(); k != "" {
		out = append(out, kv{append([]byte{pKey}, keyID(k)...), be64(s.Index)})
	}
	i := s.Index
	add := func(k []byte) { out = append(out, kv{k, nil}) }
	switch e := s.Entry.(type) {
	case ObjectIngested:
		add(objKey(e.URI, i))
		for _, src := range e.Sources {
			add(strKey(pSrc, src, i))
		}
		add(strKey(pDS, e.Dataset, i))
		if e.RunID != "" {
			add(strKey(pRun, e.RunID, i))
		}
	case SourceAssessed:
		add(strKey(pSrc, e.Source, i))
		add(strKey(pDS, e.Dataset, i))
		if e.RunID != "" {
			add(strKey(pRun, e.RunID, i))
		}
	case DatasetSealed:
		add(strKey(pDS, e.Dataset, i))
		for _, src := range e.Sources {
			add(strKey(pSealSrc, src, i))
		}
		for _, r := range e.RunIDs {
			add(strKey(pRun, r, i))
		}
	case CertificateIssued:
		add(strKey(pDS, e.Dataset, i))
	case CertificateRevoked:
		add(strKey(pDS, e.Dataset, i))
	case AssessmentImported:
		add(strKey(pDS, e.Dataset, i))
	case ConsentWithdrawn:
		raw, _ := hex.DecodeString(e.Subject)
		add(binary.BigEndian.AppendUint64(append([]byte{pWithdr}, raw...), i))
	case SourceRevoked:
		add(strKey(pSrc, e.Source, i))
	case ObjectRevoked:
		add(objKey(e.URI, i))
	case RunStarted:
		add(strKey(pRun, e.RunID, i))
	case RunFinished:
		add(strKey(pRun, e.RunID, i))
	case TrainingEvent:
		add(strKey(pTrainRun, e.RunID, i))
		// Inputs are sorted, so one version named twice gives adjacent
		// keys, which the compaction below drops.
		for _, in := range e.Inputs {
			add(strKey(pTrainVer, in.Dataset+"@"+in.Version, i))
		}
		for _, o := range e.Outputs {
			add(strKey(pModel, o.Name, i))
		}
	case ModelAffected:
		add(strKey(pModel, e.Name, i))
	}
	return slices.CompactFunc(out, func(a, b kv) bool { return bytes.Equal(a.k, b.k) })
}

// sealKeys are the object → dataset-version keys of a sealed version,
// written in bulk before the entry.
func sealKeys(e DatasetSealed, leaf uint64) [][]byte {
	out := make([][]byte, len(e.Objects))
	for j, o := range e.Objects {
		k := binary.BigEndian.AppendUint64([]byte{pVer}, o)
		out[j] = binary.BigEndian.AppendUint64(k, leaf)
	}
	return out
}

// Record index layout (version recIndexVersion). Keys are grouped per
// object so that an object of n records writes at most 2 × recBuckets
// index keys instead of one key per record or per subject:
//
//	R bucket(1) filter(32) be64(objLeaf) → recSlot* sorted by (digest, line)
//	S bucket(1) filter(32) be64(objLeaf) → subjSlot* sorted by (subject, digest)
//
// For R, bucket is the first byte of the record digest and filter a 256-bit
// set of the second digest bytes in the value, so a lookup reads the value
// of an object only when its bit is set (~15 % of keys for objects of
// 10,000 records). A recSlot is digest[1:] (31 bytes), verdict (1) and
// be64(line). S is the same over subject keys: bucket and filter from the
// subject's first two bytes, a subjSlot is subject[1:] (31) and a record
// digest (32). Slots are fixed width, so a lookup binary-searches the
// value; a record lookup scans the R keys of its bucket across objects, a
// subject lookup the S keys of its bucket. Version 1 had one R key per
// digest and object and one S key per (subject, digest, object); version 2
// had no filter; version 3 had one S key per (subject, object), which made
// the subject index most of an ingest's writes.
const (
	recSlot         = 40
	subjSlot        = 63
	recFilter       = 32
	recKeyLen       = 2 + recFilter + 8
	recIndexVersion = 4
)

// recKey is the record index key of a digest's bucket in object leaf with
// the filter of the value's second digest bytes.
func recKey(bucket byte, filter *[recFilter]byte, leaf uint64) []byte {
	k := make([]byte, 0, recKeyLen)
	k = append(k, pRec, bucket)
	k = append(k, filter[:]...)
	return binary.BigEndian.AppendUint64(k, leaf)
}

// recFilterHas reports whether a record index key's filter holds b.
func recFilterHas(key []byte, b byte) bool {
	return key[2+b/8]&(1<<(b%8)) != 0
}

// subjKey is the subject index key of a subject bucket in object leaf
// with the filter of the value's second subject bytes.
func subjKey(bucket byte, filter *[recFilter]byte, leaf uint64) []byte {
	k := make([]byte, 0, recKeyLen)
	k = append(k, pSubj, bucket)
	k = append(k, filter[:]...)
	return binary.BigEndian.AppendUint64(k, leaf)
}

// recordKeys returns the record and subject index keys and values of an
// object's canonical refs (sorted by digest then line), grouped as the
// layout above describes. Refs with a zero digest (unparseable input) are
// listed but not indexed.
func recordKeys(refs []ref, leaf uint64, emit func(k, v []byte) error) error {
	return indexOf(refs).emit(leaf, emit)
}

// objectIndex is an object's record and subject index values, which do not
// depend on the object's leaf: computing them is most of an ingest's CPU
// and runs in PrepareRecords, outside the ledger's lock.
type objectIndex struct {
	recs  []recGroup
	subjs []subjGroup
}

type recGroup struct {
	bucket byte
	filter [recFilter]byte
	val    []byte
}

type subjGroup struct {
	bucket byte
	filter [recFilter]byte
	val    []byte // subjSlots
}

func indexOf(refs []ref) *objectIndex {
	type pair struct {
		s [32]byte
		d schemas.Digest
	}
	np := 0
	for i := range refs {
		if !refs[i].digest.IsZero() {
			np += len(refs[i].subjects)
		}
	}
	pairs := make([]pair, 0, np)
	x := &objectIndex{}
	vbuf := make([]byte, 0, len(refs)*recSlot)
	for i := 0; i < len(refs); {
		b := refs[i].digest[0]
		j := i
		vs := len(vbuf)
		var filter [recFilter]byte
		for ; j < len(refs) && refs[j].digest[0] == b; j++ {
			r := &refs[j]
			if r.digest.IsZero() {
				continue
			}
			filter[r.digest[1]/8] |= 1 << (r.digest[1] % 8)
			vbuf = append(vbuf, r.digest[1:]...)
			vbuf = append(vbuf, byte(r.verdict))
			vbuf = binary.BigEndian.AppendUint64(vbuf, uint64(r.line))
			for _, s := range r.subjects {
				pairs = append(pairs, pair{s, r.digest})
			}
		}
		if len(vbuf) > vs {
			x.recs = append(x.recs, recGroup{bucket: b, filter: filter, val: vbuf[vs:len(vbuf):len(vbuf)]})
		}
		i = j
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := bytes.Compare(a.s[:], b.s[:]); c != 0 {
			return c
		}
		return bytes.Compare(a.d[:], b.d[:])
	})
	pairs = slices.Compact(pairs)
	sbuf := make([]byte, 0, len(pairs)*subjSlot)
	for i := 0; i < len(pairs); {
		b := pairs[i].s[0]
		vs := len(sbuf)
		var filter [recFilter]byte
		j := i
		for ; j < len(pairs) && pairs[j].s[0] == b; j++ {
			filter[pairs[j].s[1]/8] |= 1 << (pairs[j].s[1] % 8)
			sbuf = append(sbuf, pairs[j].s[1:]...)
			sbuf = append(sbuf, pairs[j].d[:]...)
		}
		x.subjs = append(x.subjs, subjGroup{bucket: b, filter: filter, val: sbuf[vs:len(sbuf):len(sbuf)]})
		i = j
	}
	return x
}

// emit calls fn with the index keys of the object at leaf and their values.
func (x *objectIndex) emit(leaf uint64, fn func(k, v []byte) error) error {
	for i := range x.recs {
		g := &x.recs[i]
		if err := fn(recKey(g.bucket, &g.filter, leaf), g.val); err != nil {
			return err
		}
	}
	for i := range x.subjs {
		g := &x.subjs[i]
		if err := fn(subjKey(g.bucket, &g.filter, leaf), g.val); err != nil {
			return err
		}
	}
	return nil
}

// recSlots returns the slots of digest d in a record index value (sorted
// recSlot-wide entries of d's bucket); ErrTampered if the value is not a
// whole number of slots.
func recSlots(val []byte, d schemas.Digest) ([]byte, error) {
	if len(val)%recSlot != 0 {
		return nil, fmt.Errorf("%w: record index value of %d bytes", ErrTampered, len(val))
	}
	n := len(val) / recSlot
	i, j := 0, n
	for i < j {
		h := int(uint(i+j) >> 1)
		if bytes.Compare(val[h*recSlot:h*recSlot+31], d[1:]) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	k := i
	for k < n && bytes.Equal(val[k*recSlot:k*recSlot+31], d[1:]) {
		k++
	}
	return val[i*recSlot : k*recSlot], nil
}

// subjSlots returns the record digests of subject s in a subject index
// value (sorted subjSlot-wide entries of s's bucket); ErrTampered if the
// value is not a whole number of slots.
func subjSlots(val []byte, s []byte) ([][32]byte, error) {
	if len(val)%subjSlot != 0 {
		return nil, fmt.Errorf("%w: subject index value of %d bytes", ErrTampered, len(val))
	}
	n := len(val) / subjSlot
	i, j := 0, n
	for i < j {
		h := int(uint(i+j) >> 1)
		if bytes.Compare(val[h*subjSlot:h*subjSlot+31], s[1:]) < 0 {
			i = h + 1
		} else {
			j = h
		}
	}
	var out [][32]byte
	for k := i; k < n && bytes.Equal(val[k*subjSlot:k*subjSlot+31], s[1:]); k++ {
		out = append(out, [32]byte(val[k*subjSlot+31:(k+1)*subjSlot]))
	}
	return out, nil
}

// IngestObject appends an ObjectIngested entry with the object's record
// references, or returns the existing leaf when the same object (dataset,
// URI, version id, ETag, SHA-256, policy digest and record root) is already
// in the ledger (appended = false). Pass every record read from the object
// with its final verdict, the unparseable ones with a zero Digest. It fills
// e.RecordRoot, e.Records and e.Counts from recs (a non-zero value that
// disagrees is an error) and sorts e.Sources. The record list is stored
// beside the entry and the record, subject, object, source, dataset and run
// indexes are updated; an append interrupted by a crash is undone at the
// next Open.
func (l *Ledger) IngestObject(ctx context.Context, e ObjectIngested, recs []RecordRef) (leaf uint64, appended bool, err error) {
	p, err := PrepareRecords(recs)
	if err != nil {
		return 0, false, fmt.Errorf("ingesting %s: %w", e.URI, err)
	}
	return l.IngestPrepared(ctx, e, p)
}

// PreparedRecords is an object's record list in the ledger's canonical
// form, with its root and counts: the CPU-heavy half of IngestObject, which
// callers may run for several objects in parallel before ingesting them in
// order with IngestPrepared.
type PreparedRecords struct {
	refs   []ref
	root   string
	counts schemas.Counts
	chunks [][]byte
	index  *objectIndex
}

// PrepareRecords validates and canonicalises recs (see IngestObject) and
// computes their record root.
func PrepareRecords(recs []RecordRef) (*PreparedRecords, error) {
	refs, err := canonicalRefs(recs)
	if err != nil {
		return nil, err
	}
	p := &PreparedRecords{refs: refs, root: hex.EncodeToString(refsRoot(refs))}
	for i := range refs {
		p.counts.Add(refs[i].verdict)
	}
	p.chunks = make([][]byte, 0, (len(refs)+recordsPerChunk-1)/recordsPerChunk)
	for i := 0; i < len(refs); i += recordsPerChunk {
		p.chunks = append(p.chunks, encodeChunk(nil, refs[i:min(i+recordsPerChunk, len(refs))]))
	}
	p.index = indexOf(refs)
	return p, nil
}

// Root is the record root (hex) an ObjectIngested entry of these records
// commits to: the same as RecordRefsRoot.
func (p *PreparedRecords) Root() string { return p.root }

// Counts are the records' verdict counts.
func (p *PreparedRecords) Counts() schemas.Counts { return p.counts }

// IngestPrepared is IngestObject for records prepared by PrepareRecords.
func (l *Ledger) IngestPrepared(ctx context.Context, e ObjectIngested, p *PreparedRecords) (leaf uint64, appended bool, err error) {
	if e.RecordRoot != "" && e.RecordRoot != p.root {
		return 0, false, fmt.Errorf("ingesting %s: %w: record_root %s does not match the records (%s)", e.URI, ErrBadEntry, e.RecordRoot, p.root)
	}
	if e.Counts != (schemas.Counts{}) && e.Counts != p.counts {
		return 0, false, fmt.Errorf("ingesting %s: %w: counts %+v do not match the records %+v", e.URI, ErrBadEntry, e.Counts, p.counts)
	}
	e.RecordRoot, e.Records, e.Counts = p.root, int64(len(p.refs)), p.counts
	e.Sources = slices.Compact(slices.Sorted(slices.Values(e.Sources)))
	if len(e.Sources) > 0 && e.Sources[0] == "" {
		e.Sources = e.Sources[1:]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	leaf, appended, err = l.appendLocked(ctx, e, func(idx uint64, set func(k, v []byte) error) error {
		for c, b := range p.chunks {
			if err := set(listKey(idx, uint32(c)), b); err != nil {
				return err
			}
		}
		return p.index.emit(idx, set)
	})
	if err != nil {
		return 0, false, fmt.Errorf("ingesting %s: %w", e.URI, err)
	}
	return leaf, appended, nil
}

// Append appends an entry of any kind but ObjectIngested (use
// IngestObject). Entries with a natural key are idempotent: appending the
// same fact again returns the existing leaf with appended = false. A
// DatasetSealed whose dataset and version are already sealed with another
// digest fails with ErrConflict; its Objects must be ObjectIngested leaves
// of the same dataset. A CertificateIssued needs its version sealed.
func (l *Ledger) Append(ctx context.Context, e Entry) (leaf uint64, appended bool, err error) {
	e = deref(e)
	if _, ok := e.(ObjectIngested); ok {
		return 0, false, fmt.Errorf("appending object_ingested: %w: use IngestObject", ErrBadEntry)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var bulk func(uint64, func(k, v []byte) error) error
	switch v := e.(type) {
	case DatasetSealed:
		if err := l.checkSealObjects(v); err != nil {
			return 0, false, err
		}
		bulk = func(idx uint64, set func(k, v []byte) error) error {
			for _, k := range sealKeys(v, idx) {
				if err := set(k, nil); err != nil {
					return err
				}
			}
			return nil
		}
	case CertificateIssued:
		if _, err := l.leafByKey(nk("sealed", v.Dataset, v.Version)); err != nil {
			return 0, false, fmt.Errorf("appending certificate of %s@%s: version not sealed: %w", v.Dataset, v.Version, err)
		}
	case CertificateRevoked:
		if v.Cause >= int64(l.size) {
			return 0, false, fmt.Errorf("appending certificate revocation: %w: cause %d", ErrBadRange, v.Cause)
		}
	case ModelAffected:
		if v.Cause >= l.size {
			return 0, false, fmt.Errorf("appending model mark: %w: cause %d", ErrBadRange, v.Cause)
		}
	}
	leaf, appended, err = l.appendLocked(ctx, e, bulk)
	if err != nil {
		return 0, false, fmt.Errorf("appending %s: %w", e.Kind(), err)
	}
	return leaf, appended, nil
}

func (l *Ledger) checkSealObjects(e DatasetSealed) error {
	return l.db.View(func(txn *badger.Txn) error {
		for _, o := range e.Objects {
			if o >= l.size {
				return fmt.Errorf("sealing %s@%s: object leaf %d: %w", e.Dataset, e.Version, o, ErrBadRange)
			}
			s, err := readEntry(txn, o)
			if err != nil {
				return fmt.Errorf("sealing %s@%s: %w", e.Dataset, e.Version, err)
			}
			oi, ok := s.Entry.(ObjectIngested)
			if !ok || oi.Dataset != e.Dataset {
				return fmt.Errorf("sealing %s@%s: %w: leaf %d is not an object of the dataset", e.Dataset, e.Version, ErrBadEntry, o)
			}
		}
		return nil
	})
}

func (l *Ledger) leafByKey(k string) (uint64, error) {
	var leaf uint64
	err := l.db.View(func(txn *badger.Txn) error {
		v, err := getVal(txn, append([]byte{pKey}, keyID(k)...))
		if err != nil {
			return err
		}
		if len(v) != 8 {
			return fmt.Errorf("reading natural key: %w", ErrTampered)
		}
		leaf = binary.BigEndian.Uint64(v)
		return nil
	})
	return leaf, err
}

// appendLocked appends e (l.mu held). bulk, when set, writes derived keys
// too many for one transaction; they go first, in a write batch, under a
// pending marker that lets Open undo them if the entry never commits.
func (l *Ledger) appendLocked(ctx context.Context, e Entry, bulk func(idx uint64, set func(k, v []byte) error) error) (uint64, bool, error) {
	if l.cfg.ReadOnly {
		return 0, false, ErrReadOnly
	}
	if l.closed {
		return 0, false, fmt.Errorf("ledger closed: %w", badger.ErrDBClosed)
	}
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	if err := e.check(); err != nil {
		return 0, false, err
	}
	if k := e.naturalKey(); k != "" {
		leaf, err := l.leafByKey(k)
		switch {
		case err == nil:
			if err := l.sameFact(leaf, e); err != nil {
				return 0, false, err
			}
			return leaf, false, nil
		case !errors.Is(err, ErrNotFound):
			return 0, false, err
		}
	}
	idx := l.size
	t := l.cfg.Now().UTC()
	if t.Before(l.lastTime) {
		t = l.lastTime
	}
	s := Stored{Index: idx, Time: t, Entry: e}
	b, err := EncodeEntry(s)
	if err != nil {
		return 0, false, err
	}
	if bulk != nil {
		pending := append(be64(idx), b...)
		if err := l.db.Update(func(txn *badger.Txn) error { return txn.Set(metaPending, pending) }); err != nil {
			return 0, false, fmt.Errorf("marking append %d pending: %w", idx, err)
		}
		wb := l.db.NewWriteBatch()
		if err := bulk(idx, wb.Set); err != nil {
			wb.Cancel()
			return 0, false, fmt.Errorf("writing indexes of entry %d: %w", idx, err)
		}
		if err := wb.Flush(); err != nil {
			return 0, false, fmt.Errorf("writing indexes of entry %d: %w", idx, err)
		}
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
	}
	rng, err := rangeFactory.NewRange(0, l.size, slices.Clone(l.rng.Hashes()))
	if err != nil {
		return 0, false, fmt.Errorf("cloning tree range: %w", err)
	}
	var nodes []kv
	if err := rng.Append(LeafHash(b), func(id compact.NodeID, h []byte) {
		nodes = append(nodes, kv{nodeKey(id), h})
	}); err != nil {
		return 0, false, fmt.Errorf("hashing entry %d: %w", idx, err)
	}
	err = l.db.Update(func(txn *badger.Txn) error {
		sets := append(nodes, kv{entryKey(idx), b}, kv{metaSize, be64(idx + 1)},
			kv{metaTime, be64(uint64(t.UnixNano()))})
		sets = append(sets, smallIndex(s)...)
		for _, x := range sets {
			if err := txn.Set(x.k, x.v); err != nil {
				return err
			}
		}
		if bulk != nil {
			return txn.Delete(metaPending)
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("committing entry %d: %w", idx, err)
	}
	l.size, l.rng, l.lastTime = idx+1, rng, t
	l.log.Debug("ledger append", "leaf", idx, "kind", e.Kind())
	select {
	case l.wrote <- struct{}{}:
	default:
	}
	return idx, true, nil
}

// sameFact checks that e, whose natural key is already at leaf, records the
// same fact; a sealed version's digest must match.
func (l *Ledger) sameFact(leaf uint64, e Entry) error {
	if te, ok := e.(TrainingEvent); ok {
		return l.sameEvent(leaf, te)
	}
	n, ok := e.(DatasetSealed)
	if !ok {
		return nil
	}
	var old Stored
	err := l.db.View(func(txn *badger.Txn) (err error) {
		old, err = readEntry(txn, leaf)
		return err
	})
	if err != nil {
		return err
	}
	if o, ok := old.Entry.(DatasetSealed); ok && o.Digest != n.Digest {
		return fmt.Errorf("sealing %s@%s with digest %s: %w: leaf %d sealed it with digest %s",
			n.Dataset, n.Version, n.Digest, ErrConflict, leaf, o.Digest)
	}
	return nil
}

// recoverPending undoes the bulk keys of an append that did not commit.
func (l *Ledger) recoverPending(txn *badger.Txn) error {
	p, err := getVal(txn, metaPending)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(p) < 8 {
		return fmt.Errorf("reading pending append: %w", ErrTampered)
	}
	idx := binary.BigEndian.Uint64(p)
	if idx < l.size {
		return txn.Delete(metaPending)
	}
	s, err := DecodeEntry(p[8:])
	if err != nil {
		return fmt.Errorf("reading pending append %d: %w", idx, err)
	}
	l.log.Warn("undoing interrupted ledger append", "leaf", idx, "kind", s.Entry.Kind())
	var keys [][]byte
	switch e := s.Entry.(type) {
	case DatasetSealed:
		keys = sealKeys(e, idx)
	case ObjectIngested:
		refs, chunkKeys, err := readRefs(txn, idx, true)
		if err != nil {
			return err
		}
		keys = chunkKeys
		if err := recordKeys(refs, idx, func(k, _ []byte) error { keys = append(keys, k); return nil }); err != nil {
			return err
		}
	}
	wb := l.db.NewWriteBatch()
	for _, k := range keys {
		if err := wb.Delete(k); err != nil {
			wb.Cancel()
			return fmt.Errorf("undoing append %d: %w", idx, err)
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("undoing append %d: %w", idx, err)
	}
	return txn.Delete(metaPending)
}

// readRefs reads the stored record list of an object leaf. With partial,
// missing trailing chunks are tolerated (crash recovery) and the chunk keys
// read are returned.
func readRefs(txn *badger.Txn, leaf uint64, partial bool) ([]ref, [][]byte, error) {
	prefix := binary.BigEndian.AppendUint64([]byte{pList}, leaf)
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 16})
	defer it.Close()
	var refs []ref
	var keys [][]byte
	want := uint32(0)
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		k := it.Item().KeyCopy(nil)
		if !partial && (len(k) != 13 || binary.BigEndian.Uint32(k[9:]) != want) {
			return nil, nil, fmt.Errorf("reading records of entry %d: %w: chunk %d missing", leaf, ErrTampered, want)
		}
		want++
		keys = append(keys, k)
		var err error
		err = it.Item().Value(func(v []byte) error {
			refs, err = decodeChunk(v, refs)
			return err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("reading records of entry %d: %w", leaf, err)
		}
	}
	return refs, keys, nil
}

// readEntry reads and decodes the entry at leaf.
func readEntry(txn *badger.Txn, leaf uint64) (Stored, error) {
	b, err := getVal(txn, entryKey(leaf))
	if err != nil {
		return Stored{}, fmt.Errorf("reading entry %d: %w", leaf, err)
	}
	s, err := DecodeEntry(b)
	if err != nil {
		return Stored{}, fmt.Errorf("reading entry %d: %w", leaf, err)
	}
	if s.Index != leaf {
		return Stored{}, fmt.Errorf("reading entry %d: %w: it says it is entry %d", leaf, ErrTampered, s.Index)
	}
	return s, nil
}
