package pipeline

import (
	"bufio"
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/prov-ai/prov/schemas"
)

// digestSorter sorts and de-duplicates any number of digests in bounded
// memory: it keeps up to limit digests, spills sorted runs to temp files
// and merges them.
type digestSorter struct {
	dir   string
	limit int
	buf   []schemas.Digest
	runs  []string
}

func newDigestSorter(dir string, limit int) *digestSorter {
	if limit <= 0 {
		limit = 1 << 18 // 8 MiB of digests
	}
	return &digestSorter{dir: dir, limit: limit}
}

func cmpDigest(a, b schemas.Digest) int { return bytes.Compare(a[:], b[:]) }

func (s *digestSorter) add(d schemas.Digest) error {
	if s.buf == nil {
		s.buf = make([]schemas.Digest, 0, s.limit)
	}
	s.buf = append(s.buf, d)
	if len(s.buf) >= s.limit {
		return s.spill()
	}
	return nil
}

func (s *digestSorter) spill() error {
	slices.SortFunc(s.buf, cmpDigest)
	f, err := os.CreateTemp(s.dir, ".digests-*")
	if err != nil {
		return fmt.Errorf("spilling digests: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	for _, d := range s.buf {
		if _, err := bw.Write(d[:]); err != nil {
			break
		}
	}
	err = errors.Join(bw.Flush(), f.Close())
	s.runs = append(s.runs, f.Name())
	s.buf = s.buf[:0]
	if err != nil {
		return fmt.Errorf("spilling digests: %w", err)
	}
	return nil
}

type runHead struct {
	d schemas.Digest
	r *bufio.Reader
}

type runHeap []runHead

func (h runHeap) Len() int           { return len(h) }
func (h runHeap) Less(i, j int) bool { return cmpDigest(h[i].d, h[j].d) < 0 }
func (h runHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *runHeap) Push(x any)        { *h = append(*h, x.(runHead)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// each calls fn once per distinct digest in ascending order and removes the
// temp files.
func (s *digestSorter) each(fn func(schemas.Digest) error) error {
	defer s.cleanup()
	if len(s.runs) == 0 {
		slices.SortFunc(s.buf, cmpDigest)
		for i, d := range s.buf {
			if i > 0 && d == s.buf[i-1] {
				continue
			}
			if err := fn(d); err != nil {
				return err
			}
		}
		return nil
	}
	if len(s.buf) > 0 {
		if err := s.spill(); err != nil {
			return err
		}
	}
	h := &runHeap{}
	var files []*os.File
	defer func() {
		for _, f := range files {
			_ = f.Close()
		}
	}()
	for _, name := range s.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("merging digests: %w", err)
		}
		files = append(files, f)
		r := bufio.NewReaderSize(f, 64<<10)
		var d schemas.Digest
		if _, err := io.ReadFull(r, d[:]); err == nil {
			heap.Push(h, runHead{d, r})
		}
	}
	var last schemas.Digest
	first := true
	for h.Len() > 0 {
		top := (*h)[0]
		if first || top.d != last {
			if err := fn(top.d); err != nil {
				return err
			}
			last, first = top.d, false
		}
		if _, err := io.ReadFull(top.r, (*h)[0].d[:]); err != nil {
			if !errors.Is(err, io.EOF) {
				return fmt.Errorf("merging digests: %w", err)
			}
			heap.Pop(h)
			continue
		}
		heap.Fix(h, 0)
	}
	return nil
}

func (s *digestSorter) cleanup() {
	for _, r := range s.runs {
		_ = os.Remove(r)
	}
	s.runs = nil
	s.buf = nil
}
