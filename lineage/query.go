package lineage

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/prov-ai/prov/schemas"
)

// AsOf selects the ledger state a query answers from: the first Size
// entries, or the entries appended at or before Time. The zero AsOf is the
// latest state; Size wins when both are set.
type AsOf struct {
	Size uint64
	Time time.Time
}

// ParseAsOf parses a tree size (decimal) or a time (RFC 3339, or a date
// YYYY-MM-DD meaning the end of that UTC day). "" is the latest state.
func ParseAsOf(s string) (AsOf, error) {
	if s == "" {
		return AsOf{}, nil
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		if n == 0 {
			return AsOf{}, fmt.Errorf("parsing as-of %q: tree size must be at least 1", s)
		}
		return AsOf{Size: n}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return AsOf{Time: t}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return AsOf{Time: t.Add(24*time.Hour - time.Nanosecond)}, nil
	}
	return AsOf{}, fmt.Errorf("parsing as-of %q: want a tree size, an RFC 3339 time or YYYY-MM-DD", s)
}

// View answers queries as the ledger stood at one tree size.
type View struct {
	l    *Ledger
	size uint64
}

// At returns a View of the ledger at asOf. A size beyond the ledger is
// clamped to the current size; a time before the first entry gives an
// empty view.
func (l *Ledger) At(ctx context.Context, asOf AsOf) (*View, error) {
	size := l.Size()
	switch {
	case asOf.Size > 0:
		size = min(size, asOf.Size)
	case !asOf.Time.IsZero():
		var ferr error
		err := l.db.View(func(txn *badger.Txn) error {
			size = uint64(sort.Search(int(size), func(i int) bool {
				s, err := readEntry(txn, uint64(i))
				if err != nil && ferr == nil {
					ferr = err
				}
				return err != nil || s.Time.After(asOf.Time)
			}))
			return ferr
		})
		if err != nil {
			return nil, fmt.Errorf("resolving as-of %s: %w", asOf.Time.Format(time.RFC3339), err)
		}
	}
	return &View{l: l, size: size}, nil
}

// Size is the tree size the view answers at.
func (v *View) Size() uint64 { return v.size }

// VersionRef names a dataset version and the leaf that sealed it.
type VersionRef struct {
	Dataset string `json:"dataset"`
	Version string `json:"version"`
	Leaf    uint64 `json:"leaf"`
}

// RunInfo is a run as the ledger knows it.
type RunInfo struct {
	RunID      string         `json:"run_id"`
	Started    *uint64        `json:"started_leaf,omitempty"`
	StartedAt  time.Time      `json:"started_at,omitzero"`
	Finished   *uint64        `json:"finished_leaf,omitempty"`
	FinishedAt time.Time      `json:"finished_at,omitzero"`
	Status     string         `json:"status,omitempty"`
	Counts     schemas.Counts `json:"counts"`
}

// Certificate statuses.
const (
	StatusValid      = "valid"
	StatusRevoked    = "revoked"
	StatusSuperseded = "superseded"
)

// CertInfo is a certificate and its status at the view's size. Cause is
// the leaf of the entry that revoked or superseded it (-1 when valid).
type CertInfo struct {
	Dataset        string    `json:"dataset"`
	Version        string    `json:"version"`
	Leaf           uint64    `json:"leaf"`
	Time           time.Time `json:"time"`
	EnvelopeSHA256 string    `json:"envelope_sha256"`
	PredicateType  string    `json:"predicate_type,omitempty"`
	Status         string    `json:"status"`
	Cause          int64     `json:"cause"`
	Reason         string    `json:"reason,omitempty"`
}

// VersionInfo describes one sealed dataset version.
type VersionInfo struct {
	Dataset        string         `json:"dataset"`
	Version        string         `json:"version"`
	Leaf           uint64         `json:"leaf"`
	Time           time.Time      `json:"time"`
	Digest         string         `json:"digest"`
	ManifestSHA256 string         `json:"manifest_sha256,omitempty"`
	Counts         schemas.Counts `json:"counts"`
	Objects        int            `json:"objects"`
	Sources        []string       `json:"sources"`
	PolicyID       string         `json:"policy_id,omitempty"`
	PolicyDigest   string         `json:"policy_digest,omitempty"`
	Supersedes     string         `json:"supersedes,omitempty"`
	SupersededBy   string         `json:"superseded_by,omitempty"`
	Runs           []RunInfo      `json:"runs"`
	Certificates   []CertInfo     `json:"certificates"`
	// TrainingRuns are the downstream runs (OpenLineage) that consumed the
	// version, with the models they wrote.
	TrainingRuns []TrainingRun `json:"training_runs"`
}

// DatasetInfo answers Dataset.
type DatasetInfo struct {
	Name     string        `json:"name"`
	Size     uint64        `json:"tree_size"`
	Versions []VersionInfo `json:"versions"`
}

// scanLeaves yields the big-endian leaf suffix of every key under prefix
// whose leaf is below size.
func scanLeaves(txn *badger.Txn, prefix []byte, size uint64, fn func(key []byte, leaf uint64) error) error {
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		k := it.Item().Key()
		if len(k) < len(prefix)+8 {
			continue
		}
		leaf := binary.BigEndian.Uint64(k[len(k)-8:])
		if leaf >= size {
			continue
		}
		if err := fn(k, leaf); err != nil {
			return err
		}
	}
	return nil
}

// entryCache reads entries once per query.
type entryCache struct {
	txn *badger.Txn
	m   map[uint64]Stored
}

func newCache(txn *badger.Txn) *entryCache {
	return &entryCache{txn: txn, m: map[uint64]Stored{}}
}

func (c *entryCache) get(leaf uint64) (Stored, error) {
	if s, ok := c.m[leaf]; ok {
		return s, nil
	}
	s, err := readEntry(c.txn, leaf)
	if err != nil {
		return Stored{}, err
	}
	c.m[leaf] = s
	return s, nil
}

// Dataset describes a dataset's versions (all, or the one named by
// version): runs, sources, counts, digests and certificate status.
func (v *View) Dataset(ctx context.Context, name, version string) (*DatasetInfo, error) {
	out := &DatasetInfo{Name: name, Size: v.size, Versions: []VersionInfo{}}
	err := v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		var leaves []uint64
		if err := scanLeaves(txn, strPrefix(pDS, name), v.size, func(_ []byte, leaf uint64) error {
			leaves = append(leaves, leaf)
			return nil
		}); err != nil {
			return err
		}
		certs, err := v.certs(c, leaves)
		if err != nil {
			return err
		}
		for _, leaf := range leaves {
			s, err := c.get(leaf)
			if err != nil {
				return err
			}
			ds, ok := s.Entry.(DatasetSealed)
			if !ok || (version != "" && ds.Version != version) {
				continue
			}
			vi := VersionInfo{Dataset: ds.Dataset, Version: ds.Version, Leaf: leaf, Time: s.Time,
				Digest: schemas.PrefixedDigest(ds.Digest), ManifestSHA256: ds.ManifestSHA256, Counts: ds.Counts,
				Objects: len(ds.Objects), Sources: nonNil(ds.Sources), PolicyID: ds.PolicyID,
				PolicyDigest: schemas.PrefixedDigest(ds.PolicyDigest), Supersedes: ds.Supersedes, Runs: []RunInfo{},
				Certificates: []CertInfo{}}
			if sb := supersededBy(c, leaves, ds); sb != nil {
				vi.SupersededBy = sb.Version
			}
			for _, r := range ds.RunIDs {
				ri, err := v.run(txn, c, r)
				if err != nil {
					return err
				}
				vi.Runs = append(vi.Runs, ri)
			}
			for _, ci := range certs {
				if ci.Version == ds.Version {
					vi.Certificates = append(vi.Certificates, ci)
				}
			}
			if vi.TrainingRuns, err = v.trainingRunsOf(txn, c, []string{ds.Dataset + "@" + ds.Version}); err != nil {
				return err
			}
			out.Versions = append(out.Versions, vi)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("querying dataset %s: %w", name, err)
	}
	if version != "" && len(out.Versions) == 0 {
		return nil, fmt.Errorf("querying dataset %s@%s: %w", name, version, ErrNotFound)
	}
	if len(out.Versions) == 0 {
		return nil, fmt.Errorf("querying dataset %s: %w", name, ErrNotFound)
	}
	return out, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// supersededBy finds a later sealed version of the dataset that names ds
// as the version it supersedes.
func supersededBy(c *entryCache, leaves []uint64, ds DatasetSealed) *DatasetSealed {
	for _, leaf := range leaves {
		s, err := c.get(leaf)
		if err != nil {
			continue
		}
		if n, ok := s.Entry.(DatasetSealed); ok && n.Supersedes == ds.Version && n.Version != ds.Version {
			return &n
		}
	}
	return nil
}

func (v *View) run(txn *badger.Txn, c *entryCache, id string) (RunInfo, error) {
	ri := RunInfo{RunID: id}
	err := scanLeaves(txn, strPrefix(pRun, id), v.size, func(_ []byte, leaf uint64) error {
		s, err := c.get(leaf)
		if err != nil {
			return err
		}
		switch e := s.Entry.(type) {
		case RunStarted:
			l := leaf
			ri.Started, ri.StartedAt = &l, s.Time
		case RunFinished:
			l := leaf
			ri.Finished, ri.FinishedAt, ri.Status, ri.Counts = &l, s.Time, e.Status, e.Counts
		}
		return nil
	})
	return ri, err
}

// certs returns the certificates among the dataset leaves with their
// status at the view's size.
func (v *View) certs(c *entryCache, leaves []uint64) ([]CertInfo, error) {
	var out []CertInfo
	for _, leaf := range leaves {
		s, err := c.get(leaf)
		if err != nil {
			return nil, err
		}
		ci, ok := s.Entry.(CertificateIssued)
		if !ok {
			continue
		}
		info := CertInfo{Dataset: ci.Dataset, Version: ci.Version, Leaf: leaf, Time: s.Time,
			EnvelopeSHA256: ci.EnvelopeSHA256, PredicateType: ci.PredicateType, Status: StatusValid, Cause: -1}
		for _, l2 := range leaves {
			if l2 <= leaf {
				continue
			}
			s2, err := c.get(l2)
			if err != nil {
				return nil, err
			}
			switch e := s2.Entry.(type) {
			case CertificateRevoked:
				if e.Version == ci.Version && e.EnvelopeSHA256 == ci.EnvelopeSHA256 && info.Status != StatusRevoked {
					info.Status, info.Cause, info.Reason = StatusRevoked, e.Cause, e.Reason
					if e.Cause < 0 {
						info.Cause = int64(l2)
					}
				}
			case CertificateIssued:
				if e.Version == ci.Version && info.Status == StatusValid {
					info.Status, info.Cause = StatusSuperseded, int64(l2)
				}
			case DatasetSealed:
				if e.Supersedes == ci.Version && e.Version != ci.Version && info.Status == StatusValid {
					info.Status, info.Cause = StatusSuperseded, int64(l2)
				}
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// ObjectVersion is one ingestion of an object.
type ObjectVersion struct {
	Leaf         uint64         `json:"leaf"`
	Time         time.Time      `json:"time"`
	Dataset      string         `json:"dataset"`
	VersionID    string         `json:"version_id,omitempty"`
	ETag         string         `json:"etag,omitempty"`
	SHA256       string         `json:"sha256,omitempty"`
	Size         int64          `json:"size"`
	Sources      []string       `json:"sources"`
	PolicyDigest string         `json:"policy_digest"`
	RunID        string         `json:"run_id,omitempty"`
	RecordRoot   string         `json:"record_root"`
	Counts       schemas.Counts `json:"counts"`
	Versions     []VersionRef   `json:"dataset_versions"`
}

// ObjectInfo answers Object.
type ObjectInfo struct {
	URI         string          `json:"uri"`
	Size        uint64          `json:"tree_size"`
	Ingested    []ObjectVersion `json:"ingested"`
	RevokedLeaf *uint64         `json:"revoked_leaf,omitempty"`
}

// Object lists every ingestion of the object URI and the dataset versions
// that hold it.
func (v *View) Object(ctx context.Context, uri string) (*ObjectInfo, error) {
	out := &ObjectInfo{URI: uri, Size: v.size, Ingested: []ObjectVersion{}}
	err := v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		return scanLeaves(txn, append([]byte{pObj}, uriHash(uri)...), v.size, func(_ []byte, leaf uint64) error {
			s, err := c.get(leaf)
			if err != nil {
				return err
			}
			switch e := s.Entry.(type) {
			case ObjectIngested:
				if e.URI != uri {
					return nil
				}
				vers, err := v.versionsOf(txn, c, leaf)
				if err != nil {
					return err
				}
				out.Ingested = append(out.Ingested, ObjectVersion{Leaf: leaf, Time: s.Time, Dataset: e.Dataset,
					VersionID: e.VersionID, ETag: e.ETag, SHA256: e.SHA256, Size: e.Size, Sources: nonNil(e.Sources),
					PolicyDigest: schemas.PrefixedDigest(e.PolicyDigest), RunID: e.RunID, RecordRoot: e.RecordRoot, Counts: e.Counts,
					Versions: vers})
			case ObjectRevoked:
				if e.URI == uri && out.RevokedLeaf == nil {
					l := leaf
					out.RevokedLeaf = &l
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("querying object %s: %w", uri, err)
	}
	if len(out.Ingested) == 0 && out.RevokedLeaf == nil {
		return nil, fmt.Errorf("querying object %s: %w", uri, ErrNotFound)
	}
	return out, nil
}

// versionsOf lists the sealed versions that include the object leaf.
func (v *View) versionsOf(txn *badger.Txn, c *entryCache, objLeaf uint64) ([]VersionRef, error) {
	out := []VersionRef{}
	err := scanLeaves(txn, binary.BigEndian.AppendUint64([]byte{pVer}, objLeaf), v.size, func(_ []byte, leaf uint64) error {
		s, err := c.get(leaf)
		if err != nil {
			return err
		}
		if ds, ok := s.Entry.(DatasetSealed); ok {
			out = append(out, VersionRef{Dataset: ds.Dataset, Version: ds.Version, Leaf: leaf})
		}
		return nil
	})
	return out, err
}

// Occurrence is one place a record was read.
type Occurrence struct {
	Object     string          `json:"object"`
	ObjectLeaf uint64          `json:"object_leaf"`
	Dataset    string          `json:"dataset"`
	Line       int64           `json:"line"`
	Verdict    schemas.Verdict `json:"verdict"`
}

// RecordInfo answers Record and, per record, Subject.
type RecordInfo struct {
	Digest      string       `json:"digest"`
	Occurrences []Occurrence `json:"occurrences"`
	// Versions are the dataset versions that admitted the record.
	Versions []VersionRef `json:"dataset_versions"`
	// TrainingRuns and Models: the downstream runs that consumed those
	// versions and their outputs (set by Record; Subject lists them once
	// for all the subject's records).
	TrainingRuns []TrainingRun `json:"training_runs,omitempty"`
	Models       []DatasetName `json:"models,omitempty"`
}

// Record lists where a record digest was read (object, line, verdict) and
// the dataset versions that hold it.
func (v *View) Record(ctx context.Context, d schemas.Digest) (*RecordInfo, error) {
	var out *RecordInfo
	err := v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		var err error
		if out, err = v.record(txn, c, d, nil); err != nil {
			return err
		}
		if out.TrainingRuns, err = v.trainingRunsOf(txn, c, refNames(out.Versions)); err != nil {
			return err
		}
		out.Models = ModelsOf(out.TrainingRuns)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("querying record %s: %w", d, err)
	}
	if len(out.Occurrences) == 0 {
		return nil, fmt.Errorf("querying record %s: %w", d, ErrNotFound)
	}
	return out, nil
}

// record builds a RecordInfo; only, when set, restricts it to those object
// leaves.
func (v *View) record(txn *badger.Txn, c *entryCache, d schemas.Digest, only map[uint64]bool) (*RecordInfo, error) {
	out := &RecordInfo{Digest: d.String(), Occurrences: []Occurrence{}, Versions: []VersionRef{}}
	seen := map[uint64]bool{}
	prefix := []byte{pRec, d[0]}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
	defer it.Close()
	for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
		k := it.Item().Key()
		if len(k) != recKeyLen || !recFilterHas(k, d[1]) {
			continue
		}
		objLeaf := binary.BigEndian.Uint64(k[recKeyLen-8:])
		if objLeaf >= v.size || (only != nil && !only[objLeaf]) {
			continue
		}
		var slots []byte
		err := it.Item().Value(func(val []byte) error {
			s, err := recSlots(val, d)
			slots = slices.Clone(s)
			return err
		})
		if err != nil {
			return nil, err
		}
		if len(slots) == 0 {
			continue
		}
		s, err := c.get(objLeaf)
		if err != nil {
			return nil, err
		}
		oi, ok := s.Entry.(ObjectIngested)
		if !ok {
			return nil, fmt.Errorf("%w: record index points at entry %d (%s)", ErrTampered, objLeaf, s.Entry.Kind())
		}
		admitted := false
		for ; len(slots) > 0; slots = slots[recSlot:] {
			vd := schemas.Verdict(slots[31])
			out.Occurrences = append(out.Occurrences, Occurrence{Object: oi.URI, ObjectLeaf: objLeaf,
				Dataset: oi.Dataset, Line: int64(binary.BigEndian.Uint64(slots[32:recSlot])), Verdict: vd})
			admitted = admitted || vd.Admitted()
		}
		if !admitted {
			continue
		}
		vers, err := v.versionsOf(txn, c, objLeaf)
		if err != nil {
			return nil, err
		}
		for _, vr := range vers {
			if !seen[vr.Leaf] {
				seen[vr.Leaf] = true
				out.Versions = append(out.Versions, vr)
			}
		}
	}
	slices.SortFunc(out.Versions, func(a, b VersionRef) int { return int(a.Leaf) - int(b.Leaf) })
	return out, nil
}

// SubjectInfo answers Subject.
type SubjectInfo struct {
	Subject  string       `json:"subject"`
	Records  []RecordInfo `json:"records"`
	Versions []VersionRef `json:"dataset_versions"`
	// Withdrawn lists the leaves of the subject's consent withdrawals.
	Withdrawn []uint64 `json:"consent_withdrawn"`
	// TrainingRuns are the downstream runs that consumed Versions; Models
	// their outputs: the models that hold the subject's data.
	TrainingRuns []TrainingRun `json:"training_runs"`
	Models       []DatasetName `json:"models"`
}

// Subject lists every record of a data subject (by SubjectKey) and the
// dataset versions that hold them.
func (v *View) Subject(ctx context.Context, key string) (*SubjectInfo, error) {
	raw, err := hex.DecodeString(key)
	if err != nil || len(raw) != 32 {
		return nil, fmt.Errorf("querying subject: %w: key must be 64 hex digits", ErrBadEntry)
	}
	out := &SubjectInfo{Subject: key, Records: []RecordInfo{}, Versions: []VersionRef{}, Withdrawn: []uint64{}}
	err = v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		byDigest := map[schemas.Digest]map[uint64]bool{}
		var order []schemas.Digest
		prefix := []byte{pSubj, raw[0]}
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: false})
		for it.Seek(prefix); it.ValidForPrefix(prefix); it.Next() {
			k := it.Item().Key()
			if len(k) != recKeyLen || !recFilterHas(k, raw[1]) {
				continue
			}
			leaf := binary.BigEndian.Uint64(k[recKeyLen-8:])
			if leaf >= v.size {
				continue
			}
			err := it.Item().Value(func(val []byte) error {
				ds, err := subjSlots(val, raw)
				for _, d := range ds {
					if byDigest[d] == nil {
						byDigest[d] = map[uint64]bool{}
						order = append(order, d)
					}
					byDigest[d][leaf] = true
				}
				return err
			})
			if err != nil {
				it.Close()
				return err
			}
		}
		it.Close()
		slices.SortFunc(order, func(a, b schemas.Digest) int { return bytes.Compare(a[:], b[:]) })
		seen := map[uint64]bool{}
		for _, d := range order {
			ri, err := v.record(txn, c, d, byDigest[d])
			if err != nil {
				return err
			}
			out.Records = append(out.Records, *ri)
			for _, vr := range ri.Versions {
				if !seen[vr.Leaf] {
					seen[vr.Leaf] = true
					out.Versions = append(out.Versions, vr)
				}
			}
		}
		slices.SortFunc(out.Versions, func(a, b VersionRef) int { return cmp.Compare(a.Leaf, b.Leaf) })
		if out.TrainingRuns, err = v.trainingRunsOf(txn, c, refNames(out.Versions)); err != nil {
			return err
		}
		out.Models = ModelsOf(out.TrainingRuns)
		return scanLeaves(txn, append([]byte{pWithdr}, raw...), v.size, func(_ []byte, leaf uint64) error {
			out.Withdrawn = append(out.Withdrawn, leaf)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("querying subject %s: %w", key, err)
	}
	slices.SortFunc(out.Versions, func(a, b VersionRef) int { return int(a.Leaf) - int(b.Leaf) })
	if len(out.Records) == 0 && len(out.Withdrawn) == 0 {
		return nil, fmt.Errorf("querying subject %s: %w", key, ErrNotFound)
	}
	return out, nil
}

// ObjectRef names an ingested object.
type ObjectRef struct {
	URI     string `json:"uri"`
	Leaf    uint64 `json:"leaf"`
	Dataset string `json:"dataset"`
}

// ImpactInfo answers Impact: what was built on a source.
type ImpactInfo struct {
	Source       string       `json:"source"`
	Objects      []ObjectRef  `json:"objects"`
	Versions     []VersionRef `json:"dataset_versions"`
	Certificates []CertInfo   `json:"certificates"`
	RevokedLeaf  *uint64      `json:"revoked_leaf,omitempty"`
	// TrainingRuns are the downstream runs that consumed Versions; Models
	// their outputs.
	TrainingRuns []TrainingRun `json:"training_runs"`
	Models       []DatasetName `json:"models"`
}

// Impact lists every object, dataset version and certificate built on the
// source.
func (v *View) Impact(ctx context.Context, source string) (*ImpactInfo, error) {
	out := &ImpactInfo{Source: source, Objects: []ObjectRef{}, Versions: []VersionRef{}, Certificates: []CertInfo{}}
	err := v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		seals := map[uint64]bool{}
		if err := scanLeaves(txn, strPrefix(pSrc, source), v.size, func(_ []byte, leaf uint64) error {
			s, err := c.get(leaf)
			if err != nil {
				return err
			}
			switch e := s.Entry.(type) {
			case ObjectIngested:
				out.Objects = append(out.Objects, ObjectRef{URI: e.URI, Leaf: leaf, Dataset: e.Dataset})
				vers, err := v.versionsOf(txn, c, leaf)
				if err != nil {
					return err
				}
				for _, vr := range vers {
					seals[vr.Leaf] = true
				}
			case SourceRevoked:
				if out.RevokedLeaf == nil {
					l := leaf
					out.RevokedLeaf = &l
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := scanLeaves(txn, strPrefix(pSealSrc, source), v.size, func(_ []byte, leaf uint64) error {
			seals[leaf] = true
			return nil
		}); err != nil {
			return err
		}
		vers, certs, err := v.versionsAndCerts(txn, c, seals)
		if err != nil {
			return err
		}
		out.Versions, out.Certificates = vers, certs
		if out.TrainingRuns, err = v.trainingRunsOf(txn, c, refNames(vers)); err != nil {
			return err
		}
		out.Models = ModelsOf(out.TrainingRuns)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("querying impact of source %s: %w", source, err)
	}
	if len(out.Objects) == 0 && len(out.Versions) == 0 && out.RevokedLeaf == nil {
		return nil, fmt.Errorf("querying impact of source %s: %w", source, ErrNotFound)
	}
	return out, nil
}

// versionsAndCerts resolves seal leaves to version refs and the
// certificates of those versions.
func (v *View) versionsAndCerts(txn *badger.Txn, c *entryCache, seals map[uint64]bool) ([]VersionRef, []CertInfo, error) {
	vers := []VersionRef{}
	certs := []CertInfo{}
	leaves := slices.Sorted(func(yield func(uint64) bool) {
		for l := range seals {
			if !yield(l) {
				return
			}
		}
	})
	byDataset := map[string][]uint64{}
	for _, leaf := range leaves {
		s, err := c.get(leaf)
		if err != nil {
			return nil, nil, err
		}
		ds, ok := s.Entry.(DatasetSealed)
		if !ok {
			continue
		}
		vers = append(vers, VersionRef{Dataset: ds.Dataset, Version: ds.Version, Leaf: leaf})
		dl, ok := byDataset[ds.Dataset]
		if !ok {
			if err := scanLeaves(txn, strPrefix(pDS, ds.Dataset), v.size, func(_ []byte, l uint64) error {
				dl = append(dl, l)
				return nil
			}); err != nil {
				return nil, nil, err
			}
			byDataset[ds.Dataset] = dl
		}
		all, err := v.certs(c, dl)
		if err != nil {
			return nil, nil, err
		}
		for _, ci := range all {
			if ci.Version == ds.Version {
				certs = append(certs, ci)
			}
		}
	}
	return vers, certs, nil
}

// DiffInfo answers Diff: how version To differs from version From.
type DiffInfo struct {
	Dataset        string         `json:"dataset"`
	From           VersionRef     `json:"from"`
	To             VersionRef     `json:"to"`
	FromCounts     schemas.Counts `json:"from_counts"`
	ToCounts       schemas.Counts `json:"to_counts"`
	ObjectsAdded   []string       `json:"objects_added"`
	ObjectsRemoved []string       `json:"objects_removed"`
	// ObjectsChanged are URIs in both versions through different entries
	// (new object version, ETag or policy).
	ObjectsChanged []string `json:"objects_changed"`
	// RecordsAdded / RecordsRemoved count admitted record digests in To and
	// not in From, and the reverse.
	RecordsAdded   int64 `json:"records_added"`
	RecordsRemoved int64 `json:"records_removed"`
}

// Diff compares two sealed versions of a dataset: objects added, removed
// and changed, and admitted records added and removed.
func (v *View) Diff(ctx context.Context, dataset, from, to string) (*DiffInfo, error) {
	out := &DiffInfo{Dataset: dataset, ObjectsAdded: []string{}, ObjectsRemoved: []string{}, ObjectsChanged: []string{}}
	err := v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		var a, b *DatasetSealed
		if err := scanLeaves(txn, strPrefix(pDS, dataset), v.size, func(_ []byte, leaf uint64) error {
			s, err := c.get(leaf)
			if err != nil {
				return err
			}
			if ds, ok := s.Entry.(DatasetSealed); ok {
				// Not a switch: from may equal to (a version diffed with
				// itself is empty, not missing).
				if ds.Version == from {
					a, out.From = &ds, VersionRef{dataset, from, leaf}
				}
				if ds.Version == to {
					b, out.To = &ds, VersionRef{dataset, to, leaf}
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if a == nil || b == nil {
			missing := from
			if a != nil {
				missing = to
			}
			return fmt.Errorf("version %s: %w", missing, ErrNotFound)
		}
		out.FromCounts, out.ToCounts = a.Counts, b.Counts
		ua, err := urisOf(c, a.Objects)
		if err != nil {
			return err
		}
		ub, err := urisOf(c, b.Objects)
		if err != nil {
			return err
		}
		var changed [][2]uint64
		for uri, lb := range ub {
			la, ok := ua[uri]
			switch {
			case !ok:
				out.ObjectsAdded = append(out.ObjectsAdded, uri)
				changed = append(changed, [2]uint64{noLeaf, lb})
			case la != lb:
				out.ObjectsChanged = append(out.ObjectsChanged, uri)
				changed = append(changed, [2]uint64{la, lb})
			}
		}
		for uri, la := range ua {
			if _, ok := ub[uri]; !ok {
				out.ObjectsRemoved = append(out.ObjectsRemoved, uri)
				changed = append(changed, [2]uint64{la, noLeaf})
			}
		}
		slices.Sort(out.ObjectsAdded)
		slices.Sort(out.ObjectsRemoved)
		slices.Sort(out.ObjectsChanged)
		for _, p := range changed {
			add, rem, err := diffRecords(txn, p[0], p[1])
			if err != nil {
				return err
			}
			out.RecordsAdded += add
			out.RecordsRemoved += rem
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("diffing %s@%s and %s@%s: %w", dataset, from, dataset, to, err)
	}
	return out, nil
}

const noLeaf = ^uint64(0)

func urisOf(c *entryCache, leaves []uint64) (map[string]uint64, error) {
	m := make(map[string]uint64, len(leaves))
	for _, l := range leaves {
		s, err := c.get(l)
		if err != nil {
			return nil, err
		}
		if oi, ok := s.Entry.(ObjectIngested); ok {
			m[oi.URI] = l
		}
	}
	return m, nil
}

// admittedDigests returns the sorted distinct admitted digests of an
// object leaf (noLeaf: none).
func admittedDigests(txn *badger.Txn, leaf uint64) ([]schemas.Digest, error) {
	if leaf == noLeaf {
		return nil, nil
	}
	refs, _, err := readRefs(txn, leaf, false)
	if err != nil {
		return nil, err
	}
	var out []schemas.Digest
	for i := range refs {
		if refs[i].verdict.Admitted() && (len(out) == 0 || out[len(out)-1] != refs[i].digest) {
			out = append(out, refs[i].digest)
		}
	}
	return out, nil
}

func diffRecords(txn *badger.Txn, from, to uint64) (added, removed int64, err error) {
	a, err := admittedDigests(txn, from)
	if err != nil {
		return 0, 0, err
	}
	b, err := admittedDigests(txn, to)
	if err != nil {
		return 0, 0, err
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && bytes.Compare(a[i][:], b[j][:]) < 0):
			removed++
			i++
		case i == len(a) || bytes.Compare(a[i][:], b[j][:]) > 0:
			added++
			j++
		default:
			i++
			j++
		}
	}
	return added, removed, nil
}

// CertificateStatus returns the status of the latest certificate of a
// dataset version at the view's size (ErrNotFound when none was issued).
func (v *View) CertificateStatus(ctx context.Context, dataset, version string) (CertInfo, error) {
	info, err := v.Dataset(ctx, dataset, version)
	if err != nil {
		return CertInfo{}, err
	}
	cs := info.Versions[0].Certificates
	if len(cs) == 0 {
		return CertInfo{}, fmt.Errorf("certificate of %s@%s: %w", dataset, version, ErrNotFound)
	}
	return cs[len(cs)-1], nil
}

// IsNotFound reports whether err means the queried thing is not in the
// ledger.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
