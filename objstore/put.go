package objstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// PutFile hashes a local file and puts its bytes at key; it returns the
// file's hex sha256 and size.
func PutFile(ctx context.Context, st Store, key string, f *os.File) (string, int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("rewinding %s: %w", f.Name(), err)
	}
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("hashing %s: %w", f.Name(), err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, fmt.Errorf("rewinding %s: %w", f.Name(), err)
	}
	if _, err := st.Put(ctx, key, f, size); err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", st.URI(key), err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// PutBytes puts data at key and returns its hex sha256.
func PutBytes(ctx context.Context, st Store, key string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	if _, err := st.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
		return "", fmt.Errorf("writing %s: %w", st.URI(key), err)
	}
	return hex.EncodeToString(sum[:]), nil
}

// FetchTemp copies an object into a new local temp file (in the system's
// temp directory) and returns it open, with its size. The caller closes and
// removes it.
func FetchTemp(ctx context.Context, st Store, key string) (*os.File, int64, error) {
	rc, err := st.Get(ctx, key, GetOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	defer func() { _ = rc.Close() }()
	f, err := os.CreateTemp("", "prov-fetch-*")
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	n, err := io.Copy(f, rc)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, 0, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	return f, n, nil
}
