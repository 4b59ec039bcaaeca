package objstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/prov-ai/prov/atomicfile"
)

// tempPrefix starts the name of every in-flight Put's temporary file. List
// skips such files and keys may not name them.
const tempPrefix = ".prov-tmp-"

// metaPrefix starts the name of an object's metadata sidecar: the user
// metadata of dir/name lives in dir/.prov-meta.name.json (a JSON object of
// strings). List hides sidecars; keys may not use the prefix.
const metaPrefix = ".prov-meta."

// localStore is a Store over a directory: key "a/b.jsonl" is the file
// <root>/a/b.jsonl. Directories are implicit, as on S3, but one name cannot
// be both an object and a "directory" (keys "a" and "a/b" conflict).
type localStore struct {
	root string // absolute, cleaned
}

var _ Store = (*localStore)(nil)

// openLocal returns the store rooted at dir (made absolute). dir need not
// exist yet: Put creates it; List on a missing root fails with ErrNotExist.
func openLocal(dir string) (*localStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolving store directory %q: %w", dir, err)
	}
	fi, err := os.Stat(abs)
	if err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("opening store file://%s: %w: not a directory", filepath.ToSlash(abs), ErrUnsupportedURI)
	}
	return &localStore{root: abs}, nil
}

// URI implements Store. Keys are appended as they are (not percent-encoded)
// so logs and manifests stay readable.
func (s *localStore) URI(key string) string {
	r := filepath.ToSlash(s.root)
	if r != "/" {
		r += "/"
	}
	return "file://" + r + key
}

// CheckKey reports whether key is a valid object key: non-empty, relative,
// '/'-separated, without empty, "." or ".." segments, NUL bytes, or a
// segment naming a temporary file of the local store. Errors wrap ErrBadKey.
func CheckKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty key", ErrBadKey)
	}
	if strings.IndexByte(key, 0) >= 0 {
		return fmt.Errorf("%w %q: contains a NUL byte", ErrBadKey, key)
	}
	if key[0] == '/' {
		return fmt.Errorf("%w %q: absolute (keys are relative to the store root)", ErrBadKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w %q: empty path segment", ErrBadKey, key)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w %q: %q segment would escape or alias the store root", ErrBadKey, key, seg)
		case strings.HasPrefix(seg, tempPrefix):
			return fmt.Errorf("%w %q: segments starting %q are reserved for temporary files", ErrBadKey, key, tempPrefix)
		case strings.HasPrefix(seg, metaPrefix):
			return fmt.Errorf("%w %q: segments starting %q are reserved for metadata sidecars", ErrBadKey, key, metaPrefix)
		}
	}
	return nil
}

// path maps a key to its file, after checking it.
func (s *localStore) path(key string) (string, error) {
	if err := CheckKey(key); err != nil {
		return "", err
	}
	return filepath.Join(s.root, filepath.FromSlash(key)), nil
}

// readPath is path for reading: the file must resolve, through any
// symbolic links, to a file below the store root (itself resolved, so a
// root reached through a link is fine). Errors wrap ErrOutsideRoot.
func (s *localStore) readPath(key string) (string, error) {
	p, err := s.path(key)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if fi, lerr := os.Lstat(p); lerr == nil && fi.Mode()&fs.ModeSymlink != 0 && notExist(err) {
			return "", ErrDanglingLink
		}
		return p, nil // missing or unreadable: os.Open reports it
	}
	if real == p {
		return p, nil
	}
	root, err := filepath.EvalSymlinks(s.root)
	if err != nil {
		root = s.root
	}
	if rel, err := filepath.Rel(root, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", ErrOutsideRoot
	}
	if fi, err := os.Stat(real); err == nil && fi.IsDir() {
		return "", ErrDirLink
	}
	return real, nil
}

// notExist reports errors that mean "no such object" for a file path.
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func (s *localStore) object(key string, fi fs.FileInfo) Object {
	return Object{Key: key, ETag: fileETag(fi), Size: fi.Size(), ModTime: fi.ModTime().UTC()}
}

// Stat implements Store.
func (s *localStore) Stat(ctx context.Context, key string) (Object, error) {
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("stating %s: %w", s.URI(key), err)
	}
	p, err := s.readPath(key)
	if err != nil {
		return Object{}, fmt.Errorf("stating %s: %w", s.URI(key), err)
	}
	fi, err := os.Stat(p)
	switch {
	case notExist(err), err == nil && !fi.Mode().IsRegular():
		return Object{}, fmt.Errorf("stating %s: %w", s.URI(key), ErrNotExist)
	case err != nil:
		return Object{}, fmt.Errorf("stating %s: %w", s.URI(key), err)
	}
	obj := s.object(key, fi)
	if obj.Metadata, err = readMeta(p); err != nil {
		return Object{}, fmt.Errorf("stating %s: %w", s.URI(key), err)
	}
	return obj, nil
}

// metaPath is the sidecar path of the object file p.
func metaPath(p string) string {
	return filepath.Join(filepath.Dir(p), metaPrefix+filepath.Base(p)+".json")
}

// readMeta reads the sidecar of p; none means no metadata.
func readMeta(p string) (map[string]string, error) {
	b, err := os.ReadFile(metaPath(p))
	if notExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading its metadata: %w", err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("reading its metadata %s: %w", metaPath(p), err)
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out, nil
}

// PutMeta implements Store: the sidecar is written (atomically) before the
// object, so the object never appears without its metadata.
func (s *localStore) PutMeta(ctx context.Context, key string, r io.Reader, size int64, meta map[string]string) (Object, error) {
	uri := s.URI(key)
	if err := CheckMeta(meta); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	p, err := s.path(key)
	if err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	if len(meta) > 0 {
		lower := make(map[string]string, len(meta))
		for k, v := range meta {
			lower[strings.ToLower(k)] = v
		}
		b, err := json.Marshal(lower)
		if err != nil {
			return Object{}, fmt.Errorf("writing %s: encoding its metadata: %w", uri, err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return Object{}, fmt.Errorf("writing %s: creating its directory: %w", uri, err)
		}
		if err := writeAtomic(metaPath(p), b); err != nil {
			return Object{}, fmt.Errorf("writing %s: writing its metadata: %w", uri, err)
		}
	}
	obj, err := s.put(ctx, key, r, size, len(meta) > 0)
	if err != nil {
		return Object{}, err
	}
	return obj, nil
}

// writeAtomic writes b to p through a temporary file and a rename.
func writeAtomic(p string, b []byte) error {
	f, err := atomicfile.Create(p, tempPrefix+"*")
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(b); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	return f.Commit()
}

// Get implements Store. IfMatch is checked against the file actually opened,
// so a concurrent Put (which replaces the file) cannot slip in between.
func (s *localStore) Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, error) {
	uri := s.URI(key)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening %s: %w", uri, err)
	}
	p, err := s.readPath(key)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", uri, err)
	}
	f, err := os.Open(p)
	if notExist(err) {
		return nil, fmt.Errorf("opening %s: %w", uri, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", uri, err)
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
		_ = f.Close()
		return nil, fmt.Errorf("opening %s: %w", uri, err)
	case !fi.Mode().IsRegular():
		_ = f.Close()
		return nil, fmt.Errorf("opening %s: %w", uri, ErrNotExist)
	case opts.IfMatch != "" && fileETag(fi) != opts.IfMatch:
		_ = f.Close()
		return nil, fmt.Errorf("opening %s: %w (ETag %s, expected %s)", uri, ErrChanged, fileETag(fi), opts.IfMatch)
	}
	start, n := span(fi.Size(), opts)
	return &localReader{ctx: ctx, uri: uri, r: io.NewSectionReader(f, start, n), f: f, etag: fileETag(fi)}, nil
}

// span resolves opts against an object of size bytes into a start offset
// and a byte count, following the GetOptions rules.
func span(size int64, opts GetOptions) (start, n int64) {
	if opts.Offset < 0 {
		start = max(0, size+opts.Offset)
		return start, size - start
	}
	if opts.Offset >= size {
		return size, 0
	}
	start, n = opts.Offset, size-opts.Offset
	if opts.Length > 0 && opts.Length < n {
		n = opts.Length
	}
	return start, n
}

// localReader streams a file section and stops when ctx is cancelled.
// At the end of the section it checks the open file's ETag again: a file
// written in place while it was read (same inode, new mtime or size) gives
// ErrChanged instead of EOF, so a reader never takes a mix of old and new
// bytes for a complete object. (Put replaces files, so readers of the old
// inode see the old bytes whole.)
type localReader struct {
	ctx  context.Context
	uri  string
	r    io.Reader
	f    *os.File
	etag string // at open
}

func (r *localReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("reading %s: %w", r.uri, err)
	}
	n, err := r.r.Read(p)
	if err == io.EOF {
		if fi, serr := r.f.Stat(); serr != nil {
			err = fmt.Errorf("reading %s: %w", r.uri, serr)
		} else if now := fileETag(fi); now != r.etag {
			err = fmt.Errorf("reading %s: %w while it was read (ETag %s, was %s)", r.uri, ErrChanged, now, r.etag)
		}
	} else if err != nil {
		err = fmt.Errorf("reading %s: %w", r.uri, err)
	}
	return n, err
}

func (r *localReader) Close() error { return r.f.Close() }

// Put implements Store: the bytes go to a temporary file in the target's
// directory, which is synced, renamed over the target, and the directory
// synced, so a crash leaves the old object or the new one.
func (s *localStore) Put(ctx context.Context, key string, r io.Reader, size int64) (Object, error) {
	return s.put(ctx, key, r, size, false)
}

// put writes the object; keepMeta leaves a sidecar just written by PutMeta,
// otherwise a stale one is removed once the new object is in place.
func (s *localStore) put(ctx context.Context, key string, r io.Reader, size int64, keepMeta bool) (obj Object, err error) {
	uri := s.URI(key)
	if err := ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	p, err := s.path(key)
	if err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Object{}, fmt.Errorf("writing %s: creating its directory: %w", uri, err)
	}
	f, err := atomicfile.Create(p, tempPrefix+"*")
	if err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	defer f.Abort()
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: r})
	if err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	if size >= 0 && n != size {
		return Object{}, fmt.Errorf("writing %s: %w: got %d bytes, announced %d", uri, ErrSizeMismatch, n, size)
	}
	if err = f.Chmod(0o644); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	// The renamed file keeps this inode, size and mtime, hence this ETag.
	fi, err := f.Stat()
	if err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	if fi, err = distinctETag(f.Name(), p, fi); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	if err = ctx.Err(); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	if err = f.Commit(); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	if !keepMeta {
		if err := os.Remove(metaPath(p)); err != nil && !notExist(err) {
			return Object{}, fmt.Errorf("writing %s: removing its old metadata: %w", uri, err)
		}
	}
	return s.object(key, fi), nil
}

// distinctETag makes sure the new file tmp (described by fi) will not get
// the ETag of the file it replaces at p. A freed inode is often reused at
// once and coarse file-system clocks (ext4 ticks every few ms) can repeat an
// mtime, so a quick same-size rewrite could otherwise keep its ETag. It
// moves tmp's mtime forward until the ETags differ and returns tmp's info.
func distinctETag(tmp, p string, fi fs.FileInfo) (fs.FileInfo, error) {
	old, err := os.Stat(p)
	if err != nil || fileETag(old) != fileETag(fi) {
		return fi, nil // no old file, or already a different ETag
	}
	for _, d := range []time.Duration{time.Microsecond, time.Millisecond, time.Second, 2 * time.Second} {
		t := fi.ModTime().Add(d)
		if err := os.Chtimes(tmp, t, t); err != nil {
			return nil, fmt.Errorf("moving mtime forward: %w", err)
		}
		nfi, err := os.Stat(tmp)
		if err != nil {
			return nil, err
		}
		if fileETag(nfi) != fileETag(old) {
			return nfi, nil
		}
	}
	return fi, nil
}

// ctxReader stops a copy when ctx is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// Delete implements Store.
func (s *localStore) Delete(ctx context.Context, key string) error {
	uri := s.URI(key)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deleting %s: %w", uri, err)
	}
	p, err := s.path(key)
	if err != nil {
		return fmt.Errorf("deleting %s: %w", uri, err)
	}
	fi, err := os.Lstat(p)
	if notExist(err) || (err == nil && fi.IsDir()) {
		return nil // a "directory" is not an object: nothing to delete
	}
	if err == nil {
		err = os.Remove(p)
	}
	if err != nil && !notExist(err) {
		return fmt.Errorf("deleting %s: %w", uri, err)
	}
	if err := os.Remove(metaPath(p)); err != nil && !notExist(err) {
		return fmt.Errorf("deleting %s: removing its metadata: %w", uri, err)
	}
	return nil
}

// List implements Store. It walks one directory at a time, sorting each
// directory's entries as their keys sort (a directory "a" sorts as "a/"),
// which yields keys in lexical byte order without holding the whole listing.
// Every symbolic link is listed as an object: links to files below the root
// are read normally; Get and Stat refuse links that resolve outside the root
// (ErrOutsideRoot), links to directories (ErrDirLink: a listing never
// descends through one) and dangling links (ErrDanglingLink), so the
// pipeline reports each instead of leaving it out unsaid.
func (s *localStore) List(ctx context.Context, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		uri := s.URI(prefix)
		fail := func(err error) { yield(Object{}, fmt.Errorf("listing %s: %w", uri, err)) }
		if err := ctx.Err(); err != nil {
			fail(err)
			return
		}
		dirPart, namePrefix := "", prefix
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			dirPart, namePrefix = prefix[:i], prefix[i+1:]
			if err := CheckKey(dirPart); err != nil {
				fail(err)
				return
			}
		}
		if strings.IndexByte(prefix, 0) >= 0 {
			fail(fmt.Errorf("%w %q: contains a NUL byte", ErrBadKey, prefix))
			return
		}
		if fi, err := os.Stat(s.root); err != nil || !fi.IsDir() {
			fail(fmt.Errorf("store root %s: %w", s.URI(""), ErrNotExist))
			return
		}
		keyBase := ""
		if dirPart != "" {
			keyBase = dirPart + "/"
		}
		s.walk(ctx, filepath.Join(s.root, filepath.FromSlash(dirPart)), keyBase, namePrefix, yield)
	}
}

type dirEntry struct {
	sortKey string // name, plus "/" for a directory
	name    string
	dir     bool
	info    fs.FileInfo
}

// walk yields the objects below dir whose name starts with namePrefix (only
// applied at this level) in key order. It returns false when the consumer
// stopped or an error was yielded.
func (s *localStore) walk(ctx context.Context, dir, keyBase, namePrefix string, yield func(Object, error) bool) bool {
	if err := ctx.Err(); err != nil {
		yield(Object{}, fmt.Errorf("listing %s: %w", s.URI(keyBase), err))
		return false
	}
	des, err := os.ReadDir(dir)
	if notExist(err) {
		return true // no such "directory": no keys, as on S3
	}
	if err != nil {
		yield(Object{}, fmt.Errorf("listing %s: %w", s.URI(keyBase), err))
		return false
	}
	entries := make([]dirEntry, 0, len(des))
	for _, de := range des {
		name := de.Name()
		if !strings.HasPrefix(name, namePrefix) || strings.HasPrefix(name, tempPrefix) || strings.HasPrefix(name, metaPrefix) {
			continue
		}
		switch t := de.Type(); {
		case t.IsDir():
			entries = append(entries, dirEntry{sortKey: name + "/", name: name, dir: true})
		case t&fs.ModeSymlink != 0:
			p := filepath.Join(dir, name)
			fi, err := os.Stat(p) // follows the link to its file
			if err == nil && fi.Mode().IsRegular() {
				entries = append(entries, dirEntry{sortKey: name, name: name, info: fi})
				continue
			}
			if err != nil && !notExist(err) {
				yield(Object{}, fmt.Errorf("listing %s: %w", s.URI(keyBase+name), err))
				return false
			}
			// A link to a directory or to nothing: listed as the link
			// itself, which reads refuse (ErrDirLink, ErrDanglingLink).
			li, err := os.Lstat(p)
			if notExist(err) {
				continue // deleted since ReadDir
			}
			if err != nil {
				yield(Object{}, fmt.Errorf("listing %s: %w", s.URI(keyBase+name), err))
				return false
			}
			entries = append(entries, dirEntry{sortKey: name, name: name, info: li})
		case t.IsRegular():
			fi, err := os.Stat(filepath.Join(dir, name))
			if notExist(err) {
				continue // deleted since ReadDir
			}
			if err != nil {
				yield(Object{}, fmt.Errorf("listing %s: %w", s.URI(keyBase+name), err))
				return false
			}
			if fi.Mode().IsRegular() {
				entries = append(entries, dirEntry{sortKey: name, name: name, info: fi})
			}
		}
	}
	slices.SortFunc(entries, func(a, b dirEntry) int { return cmp.Compare(a.sortKey, b.sortKey) })
	for _, e := range entries {
		if e.dir {
			if !s.walk(ctx, filepath.Join(dir, e.name), keyBase+e.name+"/", "", yield) {
				return false
			}
			continue
		}
		if !yield(s.object(keyBase+e.name, e.info), nil) {
			return false
		}
	}
	return true
}
