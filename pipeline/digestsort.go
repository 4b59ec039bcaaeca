package pipeline

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"sync"

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

// cmpDigest orders digests as bytes.Compare does, deciding on the first
// eight bytes when they differ (nearly always).
func cmpDigest(a, b schemas.Digest) int {
	if x, y := binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8]); x != y {
		if x < y {
			return -1
		}
		return 1
	}
	return bytes.Compare(a[8:], b[8:])
}

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

// sortedDistinct returns the distinct digests in ascending order when they
// all fit in memory (nothing spilled; false otherwise: use each), sorted
// in workers shares at once and merged.
func (s *digestSorter) sortedDistinct(workers int) ([]schemas.Digest, bool) {
	if len(s.runs) > 0 {
		return nil, false
	}
	buf := s.buf
	const minShare = 1 << 14
	if workers < 2 || len(buf) < 2*minShare {
		slices.SortFunc(buf, cmpDigest)
		return slices.Compact(buf), true
	}
	// two shares: sorted at once, then merged into a new slice
	mid := len(buf) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(buf[:mid], cmpDigest)
	}()
	slices.SortFunc(buf[mid:], cmpDigest)
	wg.Wait()
	out := make([]schemas.Digest, 0, len(buf))
	a, b := buf[:mid], buf[mid:]
	for len(a) > 0 || len(b) > 0 {
		var d schemas.Digest
		switch {
		case len(b) == 0 || (len(a) > 0 && cmpDigest(a[0], b[0]) <= 0):
			d, a = a[0], a[1:]
		default:
			d, b = b[0], b[1:]
		}
		if len(out) == 0 || out[len(out)-1] != d {
			out = append(out, d)
		}
	}
	s.buf = nil
	return out, true
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

// recSorter sorts any number of fixed-size byte records (compared as
// bytes) in bounded memory, like digestSorter: it keeps up to limit
// records, spills sorted runs to temp files and merges them. Equal
// records are all kept.
type recSorter struct {
	dir   string
	size  int
	limit int
	buf   []byte
	runs  []string
}

func newRecSorter(dir string, size, limit int) *recSorter {
	if limit <= 0 {
		limit = (16 << 20) / size
	}
	return &recSorter{dir: dir, size: size, limit: limit}
}

// flatRecs sorts a flat buffer of fixed-size records.
type flatRecs struct {
	b    []byte
	size int
	tmp  []byte
}

func (f *flatRecs) Len() int { return len(f.b) / f.size }
func (f *flatRecs) Less(i, j int) bool {
	return bytes.Compare(f.b[i*f.size:(i+1)*f.size], f.b[j*f.size:(j+1)*f.size]) < 0
}
func (f *flatRecs) Swap(i, j int) {
	a, b := f.b[i*f.size:(i+1)*f.size], f.b[j*f.size:(j+1)*f.size]
	copy(f.tmp, a)
	copy(a, b)
	copy(b, f.tmp)
}

// reserve makes room for n records (at most the sorter's limit) before
// they are added, instead of growing the buffer by copies.
func (s *recSorter) reserve(n int64) {
	if n > 0 && s.buf == nil {
		s.buf = make([]byte, 0, int(min(n, int64(s.limit)))*s.size)
	}
}

func (s *recSorter) add(rec []byte) error {
	s.buf = append(s.buf, rec...)
	if len(s.buf) >= s.limit*s.size {
		return s.spill()
	}
	return nil
}

// sortBuf sorts the buffered records: their first eight bytes (with the
// index) are sorted as integers, ties broken by comparing the records, and
// the records are then moved once into their places (sort.Sort over the
// flat buffer compared and swapped whole records through an interface:
// most of the duplicates pass's CPU).
func (s *recSorter) sortBuf() {
	n := len(s.buf) / s.size
	if s.size < 8 || n < 2 {
		sort.Sort(&flatRecs{b: s.buf, size: s.size, tmp: make([]byte, s.size)})
		return
	}
	type keyIdx struct {
		k uint64
		i int
	}
	ks := make([]keyIdx, n)
	for i := range ks {
		ks[i] = keyIdx{binary.BigEndian.Uint64(s.buf[i*s.size:]), i}
	}
	slices.SortFunc(ks, func(a, b keyIdx) int {
		if a.k != b.k {
			if a.k < b.k {
				return -1
			}
			return 1
		}
		return bytes.Compare(s.buf[a.i*s.size+8:(a.i+1)*s.size], s.buf[b.i*s.size+8:(b.i+1)*s.size])
	})
	out := make([]byte, len(s.buf), cap(s.buf))
	for j, k := range ks {
		copy(out[j*s.size:(j+1)*s.size], s.buf[k.i*s.size:(k.i+1)*s.size])
	}
	s.buf = out
}

func (s *recSorter) spill() error {
	s.sortBuf()
	f, err := os.CreateTemp(s.dir, ".records-*")
	if err != nil {
		return fmt.Errorf("spilling sort run: %w", err)
	}
	_, werr := f.Write(s.buf)
	err = errors.Join(werr, f.Close())
	s.runs = append(s.runs, f.Name())
	s.buf = s.buf[:0]
	if err != nil {
		return fmt.Errorf("spilling sort run: %w", err)
	}
	return nil
}

type recHead struct {
	rec []byte
	r   *bufio.Reader
}

type recHeap []recHead

func (h recHeap) Len() int           { return len(h) }
func (h recHeap) Less(i, j int) bool { return bytes.Compare(h[i].rec, h[j].rec) < 0 }
func (h recHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *recHeap) Push(x any)        { *h = append(*h, x.(recHead)) }
func (h *recHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// each calls fn with every record in ascending order (the slice is reused
// between calls) and removes the temp files.
func (s *recSorter) each(fn func(rec []byte) error) error {
	defer func() {
		for _, r := range s.runs {
			_ = os.Remove(r)
		}
		s.runs, s.buf = nil, nil
	}()
	if len(s.runs) == 0 {
		s.sortBuf()
		for i := 0; i < len(s.buf); i += s.size {
			if err := fn(s.buf[i : i+s.size]); err != nil {
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
	h := &recHeap{}
	var files []*os.File
	defer func() {
		for _, f := range files {
			_ = f.Close()
		}
	}()
	for _, name := range s.runs {
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("merging sort runs: %w", err)
		}
		files = append(files, f)
		r := bufio.NewReaderSize(f, 64<<10)
		rec := make([]byte, s.size)
		if _, err := io.ReadFull(r, rec); err == nil {
			heap.Push(h, recHead{rec, r})
		}
	}
	for h.Len() > 0 {
		if err := fn((*h)[0].rec); err != nil {
			return err
		}
		if _, err := io.ReadFull((*h)[0].r, (*h)[0].rec); err != nil {
			if !errors.Is(err, io.EOF) {
				return fmt.Errorf("merging sort runs: %w", err)
			}
			heap.Pop(h)
			continue
		}
		heap.Fix(h, 0)
	}
	return nil
}
