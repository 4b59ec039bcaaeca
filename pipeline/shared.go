package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/objstore"
)

// Segments of shard runs are exchanged through Options.Shared, a store all
// pods reach (Kubernetes Indexed Jobs have no shared disk). A segment is
// uploaded after it is complete locally, its trailer last: a remote segment
// is complete exactly when its trailer exists.

func (rc *runCtx) sharedKey(path string) string {
	return "segments/" + rc.ds.Name + "/" + filepath.Base(path)
}

// uploadSegment publishes a finished local segment to the shared store.
func (rc *runCtx) uploadSegment(ctx context.Context, path string) error {
	sh := rc.opts.Shared
	if sh == nil {
		return nil
	}
	for _, p := range []string{path, path + ".trailer"} {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("publishing segment %s: %w", p, err)
		}
		_, _, err = objstore.PutFile(ctx, sh, rc.sharedKey(p), f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("publishing segment: %w", err)
		}
	}
	return nil
}

// fetchSegment copies a complete segment from the shared store into the
// local work directory. It reports false when the shared store has none.
func (rc *runCtx) fetchSegment(ctx context.Context, path string) (bool, error) {
	sh := rc.opts.Shared
	if sh == nil {
		return false, nil
	}
	tkey := rc.sharedKey(path + ".trailer")
	if _, err := sh.Stat(ctx, tkey); err != nil {
		if errors.Is(err, objstore.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("looking up shared segment %s: %w", sh.URI(tkey), err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, fmt.Errorf("fetching segment: %w", err)
	}
	// Same order as a local write: trailer file first, then the segment.
	for _, p := range []string{path + ".trailer", path} {
		if err := fetchTo(ctx, sh, rc.sharedKey(p), p); err != nil {
			return false, err
		}
	}
	return true, nil
}

// fetchTo copies an object of the shared store to a local file, published
// atomically and durably.
func fetchTo(ctx context.Context, st objstore.Store, key, path string) error {
	rc, err := st.Get(ctx, key, objstore.GetOptions{})
	if err != nil {
		return fmt.Errorf("fetching %s: %w", st.URI(key), err)
	}
	defer func() { _ = rc.Close() }()
	f, err := atomicfile.Create(path, ".fetch-*")
	if err != nil {
		return fmt.Errorf("fetching %s: %w", st.URI(key), err)
	}
	defer f.Abort()
	if _, err := io.Copy(f, rc); err != nil {
		return fmt.Errorf("fetching %s: %w", st.URI(key), err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("fetching %s: %w", st.URI(key), err)
	}
	return nil
}
