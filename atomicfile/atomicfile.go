// Package atomicfile publishes local files atomically and durably: the
// bytes go to a temporary file in the target's directory, which is synced,
// renamed over the target (or hard-linked to it, to refuse replacing one),
// and the directory synced, so after a crash a reader sees the old file or
// the whole new one, and a completed publish survives power loss. Every
// file prov publishes on a local disk (segments, shard markers, fetched
// segments, keys, exports, the local object store's objects) goes through
// it. It imports only the standard library, so every layer may use it.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a file being written that replaces Path when committed. Write to
// it as to an *os.File; then call Commit (or CommitNew) or Abort.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts a file that will be published at path. The temporary file
// is created in path's directory with a name from pattern (as for
// os.CreateTemp; "" gives ".<base>.tmp-*") and mode 0600.
func Create(path, pattern string) (*File, error) {
	if pattern == "" {
		pattern = "." + filepath.Base(path) + ".tmp-*"
	}
	f, err := os.CreateTemp(filepath.Dir(path), pattern)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Path is where Commit publishes the file.
func (f *File) Path() string { return f.path }

// Commit syncs and closes the file, renames it over Path and syncs the
// directory. On error the temporary file is removed.
func (f *File) Commit() error {
	return f.commit(func(tmp string) error { return os.Rename(tmp, f.path) })
}

// CommitNew is Commit for a file that must not replace one: it links the
// file to Path, failing with an error wrapping fs.ErrExist when Path
// exists, and removes the temporary name.
func (f *File) CommitNew() error {
	err := f.commit(func(tmp string) error { return os.Link(tmp, f.path) })
	if rerr := os.Remove(f.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("removing %s: %w", f.Name(), rerr))
	}
	return err
}

func (f *File) commit(publish func(tmp string) error) error {
	if f.done {
		return fmt.Errorf("writing %s: %w", f.path, os.ErrClosed)
	}
	f.done = true
	tmp := f.Name()
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(serr, cerr); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	if err := publish(tmp); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", f.path, err)
	}
	return SyncDir(filepath.Dir(f.path))
}

// Abort closes and removes the temporary file; after Commit it does
// nothing, so `defer f.Abort()` is safe.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// Write publishes the bytes fill writes as path with mode perm.
func Write(path string, perm fs.FileMode, fill func(io.Writer) error) error {
	f, err := Create(path, "")
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := fill(f); err != nil {
		return err
	}
	return f.Commit()
}

// WriteFile publishes data as path with mode perm.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	})
}

// SyncDir makes the renames and links in dir durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing directory %s: %w", dir, err)
	}
	return nil
}
