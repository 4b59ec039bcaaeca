package schemas

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"unsafe"
)

// Field names a logical field of a record. A dataset's field map says which
// input field (JSON key or column name) holds each logical field.
type Field uint8

// The logical fields. Their numeric values are part of the record digest's
// canonical encoding: never renumber, only append.
const (
	FieldText      Field = iota // the content used for training
	FieldID                     // the record's own id in its source
	FieldURL                    // where it was fetched from (self-collected)
	FieldLicence                // SPDX expression stated for this record
	FieldSubject                // data-subject id (user id, author id)
	FieldConsent                // consent object (raw JSON) or flag
	FieldLabels                 // annotation object (raw JSON)
	FieldSource                 // source id, when the record names it
	FieldFetchedAt              // RFC 3339 fetch / collection time
	FieldUserAgent              // crawler user agent used to fetch it
	FieldLanguage               // declared language (BCP 47)
	FieldAIGC                   // implicit AIGC label (GB 45438-2025), JSON object or string
	NumFields                   // number of logical fields
)

var fieldNames = [NumFields]string{
	"text", "id", "url", "licence", "subject_id", "consent", "labels",
	"source", "fetched_at", "user_agent", "language", "aigc",
}

// String returns the field's config name (as used in a dataset's field map).
func (f Field) String() string {
	if f < NumFields {
		return fieldNames[f]
	}
	return fmt.Sprintf("field(%d)", uint8(f))
}

// ParseField returns the logical field with the given config name.
func ParseField(name string) (Field, bool) {
	for i, n := range fieldNames {
		if n == name {
			return Field(i), true
		}
	}
	return 0, false
}

// Default reports whether the field is read under its own name when a
// dataset does not map it. FieldAIGC is read only when mapped: it was added
// after datasets were sealed, and mapping it by default would change the
// digest of records that happen to hold a key named "aigc". Records' keys
// named AIGC are found anyway (Record.Meta), outside the digest.
func (f Field) Default() bool { return f != FieldAIGC }

// FieldNames lists the config names of all logical fields in digest order.
func FieldNames() []string { return fieldNames[:] }

// Digest is a SHA-256 digest.
type Digest [32]byte

// String returns the digest in lower-case hex.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is the zero digest.
func (d Digest) IsZero() bool { return d == Digest{} }

// ParseDigest parses 64 hex characters, optionally prefixed with "sha256:".
func ParseDigest(s string) (Digest, error) {
	var d Digest
	if len(s) == 71 && s[:7] == "sha256:" {
		s = s[7:]
	}
	if len(s) != 64 {
		return d, fmt.Errorf("parsing digest %q: %w", s, ErrBadDigest)
	}
	if _, err := hex.Decode(d[:], []byte(s)); err != nil {
		return d, fmt.Errorf("parsing digest %q: %w", s, ErrBadDigest)
	}
	return d, nil
}

// ErrBadDigest is returned for a digest that is not 64 hex characters.
var ErrBadDigest = errors.New("not a sha256 digest")

// Record is one training item as read from an input object. Readers fill
// Object, Line, Size, Values and Has; the pipeline sets Source and Digest.
// Values of FieldConsent and FieldLabels hold raw JSON when the input had an
// object there.
type Record struct {
	Object string // object URI, e.g. s3://bucket/key or file:///dir/key
	Line   int64  // 1-based line (JSONL, text) or 1-based row (Parquet, Arrow)
	Size   int    // bytes of the raw input this record came from
	Source string // resolved source id ("" when none could be resolved)
	Digest Digest // CanonicalDigest of Values/Has

	Values [NumFields]string
	Has    uint32 // bit f set when field f was present in the input

	// Meta holds metadata found outside the mapped fields, which is not part
	// of the digest: the value of every JSON key named AIGC at any depth of
	// the record, and the AIGC entries of the object's own metadata (Parquet
	// / Arrow key-value metadata, S3 user metadata). Readers may share one
	// slice between the records of an object: treat it as read-only.
	Meta []MetaValue

	// Err is set when the input could not be parsed into a record; such a
	// record is quarantined with Err as its reason and no stage sees it.
	Err error
}

// MetaValue is one metadata value of a record (see Record.Meta).
type MetaValue struct {
	// Where names the origin: "json" (a key of the record), "parquet" or
	// "arrow" (file key-value metadata), "s3" (object user metadata).
	Where string
	Key   string // the key as found
	Value string // a JSON string's content, else the compact JSON text
}

// Get returns the value of field f and whether it was present.
func (r *Record) Get(f Field) (string, bool) {
	return r.Values[f], r.Has&(1<<f) != 0
}

// Set stores v as field f and marks it present.
func (r *Record) Set(f Field, v string) {
	r.Values[f] = v
	r.Has |= 1 << f
}

// Text returns the record's text.
func (r *Record) Text() string { return r.Values[FieldText] }

// Locator returns "<object>#L<line>", the position findings cite.
func (r *Record) Locator() string { return Locator(r.Object, r.Line) }

// Locator formats an object URI and 1-based line/row as a locator.
func Locator(object string, line int64) string {
	var num [20]byte
	return object + "#L" + string(strconv.AppendInt(num[:0], line, 10))
}

// LedgerDigest is the digest a record is known by in findings, segments
// and the ledger: its canonical digest, or, for a record that could not be
// parsed (Err set, no canonical fields), the SHA-256 of its locator
// "<key>#L<line>" so the quarantined line can be found again. key is the
// object's key in its store, not its URI.
func (r *Record) LedgerDigest(key string) Digest {
	if r.Err != nil && r.Digest.IsZero() {
		return sha256.Sum256([]byte(Locator(key, r.Line)))
	}
	return r.Digest
}

// Reset clears r for reuse.
func (r *Record) Reset() { *r = Record{} }

// CanonicalDigest is the record digest: SHA-256 over the canonical encoding
// of the present logical fields, in field order, each as
// uvarint(field) uvarint(len(value)) value. It does not depend on the input
// format, so the same record in JSONL and Parquet has the same digest.
// The encoding is frozen: changing it changes every dataset digest.
func (r *Record) CanonicalDigest() Digest {
	h := digesters.Get().(*digester)
	h.h.Reset()
	// Headers and short values are gathered in buf; long values go to the
	// hash as they are (viewed, not copied: the hash only reads them), so
	// each byte of a record is hashed once and copied at most once.
	b := h.buf[:0]
	for f := Field(0); f < NumFields; f++ {
		if r.Has&(1<<f) == 0 {
			continue
		}
		v := r.Values[f]
		if len(b) > len(h.buf)-2*binary.MaxVarintLen64 {
			_, _ = h.h.Write(b) // keep the header inside buf
			b = b[:0]
		}
		b = binary.AppendUvarint(b, uint64(f))
		b = binary.AppendUvarint(b, uint64(len(v)))
		if len(b)+len(v) <= cap(b) {
			b = append(b, v...)
			continue
		}
		_, _ = h.h.Write(b)
		b = b[:0]
		_, _ = h.h.Write(unsafe.Slice(unsafe.StringData(v), len(v)))
	}
	_, _ = h.h.Write(b)
	d := Digest(h.h.Sum(h.sum[:0]))
	digesters.Put(h)
	return d
}

// digester is a reusable SHA-256 state and header buffer: hashing a record
// allocates nothing once warm.
type digester struct {
	h   hash.Hash
	buf [256]byte
	sum [32]byte
}

var digesters = sync.Pool{New: func() any { return &digester{h: sha256.New()} }}
