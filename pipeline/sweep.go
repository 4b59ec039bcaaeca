package pipeline

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// tempPrefixes name what a run writes to the work directory before it
// renames or removes it: segments being written (.seg-), trailers and
// other atomic writes (.tmp-), segments fetched from the shared store
// (.fetch-) and seal's scratch directories (.seal-).
var tempPrefixes = []string{".seg-", ".tmp-", ".fetch-", ".seal-"}

// sweepWork removes the temporary files and directories that killed runs
// left in the work directory: at the top and in each dataset's segment
// folder. Finished segments are never touched. The caller must hold the
// ledger, whose lock keeps a second run off the same work directory.
func sweepWork(work string, log *slog.Logger) {
	dirs := []string{work}
	if ents, err := os.ReadDir(filepath.Join(work, "segments")); err == nil {
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(work, "segments", e.Name()))
			}
		}
	}
	removed := 0
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				log.Warn("sweeping the work directory", "dir", dir, "err", err)
			}
			continue
		}
		for _, e := range ents {
			if !isTemp(e.Name()) {
				continue
			}
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				log.Warn("removing a temporary file left by an interrupted run", "path", filepath.Join(dir, e.Name()), "err", err)
				continue
			}
			removed++
		}
	}
	if removed > 0 {
		log.Info("removed temporary files left by an interrupted run", "work", work, "files", removed)
	}
}

func isTemp(name string) bool {
	for _, p := range tempPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
