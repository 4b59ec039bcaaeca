package licence

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
)

// FileResult is the outcome of DetectFiles for one file.
type FileResult struct {
	Path   string
	Result Result
	Err    error // reading the file failed
}

// fileBatch is the unit of work of DetectFiles: handing files to workers
// one at a time costs more in scheduling than matching a source file.
const fileBatch = 64

// DetectFiles runs Detect on every file named by paths, in argument order;
// a directory stands for the regular files under it, in lexical order
// (symbolic links are not followed). Files are read and matched by workers
// goroutines (GOMAXPROCS when workers < 1) and handed to emit in order.
// A file that cannot be read is reported to emit with Err set and the
// others go on; DetectFiles stops at the first error emit returns, or when
// ctx is done.
func DetectFiles(ctx context.Context, paths []string, workers int, emit func(FileResult) error) error {
	if workers < 1 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type batch struct {
		res []FileResult // Path and, for a file that could not be listed, Err
		out chan []FileResult
	}
	jobs := make(chan *batch, 2*workers)
	order := make(chan *batch, 2*workers)
	walkErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		defer close(order)
		cur := &batch{out: make(chan []FileResult, 1)}
		flush := func() bool {
			if len(cur.res) == 0 {
				return true
			}
			for _, ch := range []chan *batch{order, jobs} {
				select {
				case ch <- cur:
				case <-ctx.Done():
					return false
				}
			}
			cur = &batch{out: make(chan []FileResult, 1)}
			return true
		}
		add := func(path string, err error) bool {
			cur.res = append(cur.res, FileResult{Path: path, Err: err})
			return len(cur.res) < fileBatch || flush()
		}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil || !fi.IsDir() {
				if !add(p, err) {
					return
				}
				continue
			}
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					if !add(path, err) {
						return ctx.Err()
					}
					if d != nil && d.IsDir() {
						return fs.SkipDir
					}
					return nil
				}
				if d.Type().IsRegular() && !add(path, nil) {
					return ctx.Err()
				}
				return nil
			})
			if err != nil {
				walkErr <- fmt.Errorf("walking %s: %w", p, err)
				return
			}
		}
		flush()
	}()
	for i := 0; i < workers; i++ {
		go func() {
			// One buffer per worker: Detect keeps nothing of its input,
			// and reusing the memory spares the page faults and garbage
			// collection of one allocation per file.
			var buf []byte
			for b := range jobs {
				for k := range b.res {
					r := &b.res[k]
					if r.Err != nil {
						continue
					}
					buf, r.Err = readFile(r.Path, buf[:0])
					if r.Err == nil {
						r.Result, r.Err = detectSafe(r.Path, buf)
					}
				}
				b.out <- b.res
			}
		}()
	}
	for b := range order {
		var rs []FileResult
		select {
		case rs = <-b.out:
		case <-ctx.Done():
			return ctx.Err()
		}
		for _, r := range rs {
			if err := emit(r); err != nil {
				return err
			}
		}
	}
	select {
	case err := <-walkErr:
		return err
	default:
	}
	return ctx.Err()
}

// readFile appends the contents of the file at path to buf.
func readFile(path string, buf []byte) ([]byte, error) {
	f, err := openRead(path)
	if err != nil {
		return buf, err
	}
	defer func() { _ = f.Close() }()
	if size, err := f.Size(); err == nil && int64(cap(buf)) < size+1 {
		buf = make([]byte, 0, size+512)
	}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF || n == 0 && err == nil {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// detectSafe is Detect with a panic (a bug) turned into an error naming the
// file: it runs on a worker goroutine, where a panic would crash the
// process with the Go runtime's exit code 2 (bad usage, by prov's contract).
func detectSafe(path string, b []byte) (res Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("detecting licences in %s: internal error (a bug): %v\n%s", path, r, debug.Stack())
		}
	}()
	return Detect(b), nil
}
