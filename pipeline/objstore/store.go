// Package objstore is the object-storage layer: one Store interface with an
// S3 implementation (minio-go) and a local-directory implementation (the
// embedded default, file:// URIs). Both pass the same conformance suite
// (storetest).
package objstore

import (
	"context"
	"io"
	"iter"
	"time"
)

// Object describes one stored object.
type Object struct {
	Key       string    // key relative to the store root, '/'-separated
	VersionID string    // S3 version id ("" when unversioned / local)
	ETag      string    // entity tag without quotes; local: hex sha256 of content? see impl
	Size      int64     // bytes
	ModTime   time.Time // last modification
}

// GetOptions selects part of an object and guards against concurrent change.
type GetOptions struct {
	Offset int64 // first byte
	Length int64 // bytes to read; <= 0 reads to the end
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
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
}
