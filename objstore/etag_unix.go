//go:build unix

package objstore

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io/fs"
	"syscall"
)

// fileETag is the local store's ETag: 32 hex digits of SHA-256 over size,
// mtime (ns), inode and device. Put replaces files (new inode) and in-place
// writes move mtime, so any change of content changes it, without reading.
func fileETag(fi fs.FileInfo) string {
	var b [32]byte
	binary.BigEndian.PutUint64(b[0:], uint64(fi.Size()))
	binary.BigEndian.PutUint64(b[8:], uint64(fi.ModTime().UnixNano()))
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		binary.BigEndian.PutUint64(b[16:], uint64(st.Ino))
		binary.BigEndian.PutUint64(b[24:], uint64(st.Dev))
	}
	h := sha256.Sum256(b[:])
	return hex.EncodeToString(h[:16])
}
