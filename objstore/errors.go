package objstore

import "errors"

// Sentinel errors. Store methods wrap them with the URI of the object and
// what was being done; test with errors.Is.
var (
	// ErrNotExist: the object (or, for List, the store root) does not exist.
	ErrNotExist = errors.New("object does not exist")
	// ErrChanged: GetOptions.IfMatch did not match the object's current ETag,
	// so the object was modified since it was listed.
	ErrChanged = errors.New("object changed since it was listed")
	// ErrBadKey: a key is empty, absolute, has "." or ".." segments, escapes
	// the store root, or names a temporary file of the local store.
	ErrBadKey = errors.New("invalid object key")
	// ErrOutsideRoot: a local store key names a symbolic link (or passes
	// through one) that resolves outside the store root; the store refuses
	// to read it, so a link planted in the input cannot pull other files of
	// the machine into a dataset.
	ErrOutsideRoot = errors.New("symbolic link leaves the store root")
	// ErrDirLink: a local store key names a symbolic link to a directory.
	// Listings never descend through one (no cycles, no key listed twice),
	// so the link is listed as an object whose reads fail with this error:
	// the pipeline reports it instead of leaving its files out unsaid.
	ErrDirLink = errors.New("symbolic link to a directory is not followed (list the directory's own prefix)")
	// ErrDanglingLink: a local store key names a symbolic link whose
	// target does not exist; listed, and refused like ErrDirLink.
	ErrDanglingLink = errors.New("symbolic link to a missing file")
	// ErrUnsupportedURI: Open was given a URI whose scheme or shape it does
	// not handle.
	ErrUnsupportedURI = errors.New("unsupported store URI")
	// ErrSizeMismatch: Put was told a size that differs from the bytes the
	// reader gave.
	ErrSizeMismatch = errors.New("object size differs from the size announced")
)

// ErrBadMeta: PutMeta was given a metadata key or value S3 cannot carry.
var ErrBadMeta = errors.New("invalid object metadata")

// RefusalOf returns the sentinel behind a local store's refusal to read a
// listed symbolic link (ErrOutsideRoot, ErrDirLink, ErrDanglingLink), or
// nil: such an object is a key with no bytes to read, and a run reports it
// as one quarantined record.
func RefusalOf(err error) error {
	for _, e := range []error{ErrOutsideRoot, ErrDirLink, ErrDanglingLink} {
		if errors.Is(err, e) {
			return e
		}
	}
	return nil
}
