// Package objstore is the object-storage layer: one Store interface with an
// S3 implementation (minio-go) and a local-directory implementation (the
// embedded default, file:// URIs). Both pass the same conformance suite
// (storetest); the S3 one runs against a real server (versitygw, see s3test).
//
// Open picks the implementation from a URI:
//
//	file:///abs/dir, /abs/dir, rel/dir   local directory
//	s3://bucket[/prefix]                 S3 (endpoint etc. from schemas.S3Config)
//
// Keys are '/'-separated and relative to the store root. S3 credentials come
// from the environment only: PROV_S3_ACCESS_KEY / PROV_S3_SECRET_KEY, else
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); with none
// set, requests are anonymous.
package objstore

import (
	"context"
	"io"
	"iter"
	"time"
)

// Object describes one stored object.
type Object struct {
	Key string // key relative to the store root, '/'-separated
	// VersionID is the S3 version id from Stat ("" when unversioned, from
	// List on S3, and always for the local store).
	VersionID string
	// ETag changes whenever the content changes; compare it, never parse it.
	// S3: the server's entity tag without quotes. Local: 32 hex digits of
	// SHA-256 over (size, mtime ns, inode, device) of the file: cheap (no
	// read), and changed by every write through Put (a new inode) or in place
	// (a new mtime). Two copies of the same bytes have different local ETags.
	ETag    string
	Size    int64     // bytes
	ModTime time.Time // last modification
	// Metadata is the object's user metadata (S3 x-amz-meta-* headers),
	// keys lower-cased without the x-amz-meta- prefix. Stat fills it (nil
	// when there is none); List and Put leave it nil.
	Metadata map[string]string
}

// GetOptions selects part of an object and guards against concurrent change.
type GetOptions struct {
	// Offset is the first byte to read. A negative Offset reads the last
	// -Offset bytes (a suffix range, the whole object if it is shorter) and
	// Length is ignored. An Offset at or past the end gives an empty stream.
	Offset int64
	// Length is the number of bytes to read; <= 0 reads to the end. A range
	// past the end is cut at the end.
	Length int64
	// IfMatch, when set, makes Get fail with ErrChanged unless the object's
	// current ETag equals it (an object modified during a run is detected,
	// never mixed).
	IfMatch string
}

// Store is an object store rooted at a bucket/prefix or a directory.
//
// Errors: a missing object gives an error wrapping ErrNotExist; an IfMatch
// mismatch wraps ErrChanged; an error for which IsRetryable reports true may
// succeed when tried again (implementations already retry transient errors
// a capped number of times with jittered backoff before returning).
type Store interface {
	// URI returns the absolute URI of key (s3://bucket/prefix/key or
	// file:///abs/dir/key).
	URI(key string) string
	// List yields the objects whose key starts with prefix, in lexical key
	// order, recursively.
	List(ctx context.Context, prefix string) iter.Seq2[Object, error]
	// Stat describes one object.
	Stat(ctx context.Context, key string) (Object, error)
	// Get streams an object or a byte range of it.
	Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, error)
	// Put stores size bytes from r under key atomically: readers see the
	// old object or the whole new one, never a part. size < 0 means unknown.
	Put(ctx context.Context, key string, r io.Reader, size int64) (Object, error)
	// PutMeta is Put that also stores user metadata with the object, as
	// Stat returns it (keys: ASCII letters, digits, '-' and '_', matched
	// without regard to case; values: printable ASCII, since S3 carries
	// them in HTTP headers). The local store keeps them in a sidecar file
	// hidden from List. Replacing an object replaces its metadata.
	PutMeta(ctx context.Context, key string, r io.Reader, size int64, meta map[string]string) (Object, error)
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}
