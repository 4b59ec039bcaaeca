//go:build !unix

package objstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io/fs"
)

// fileETag is the local store's ETag: 32 hex digits of SHA-256 over size and
// mtime (ns). Without inode numbers a same-size rewrite within the clock's
// resolution could keep the ETag; unix builds also hash inode and device.
func fileETag(fi fs.FileInfo) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[0:], uint64(fi.Size()))
	binary.BigEndian.PutUint64(b[8:], uint64(fi.ModTime().UnixNano()))
	h := sha256.Sum256(b[:])
	return hex.EncodeToString(h[:16])
}
