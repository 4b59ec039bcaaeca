package main

import (
	"cmp"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

// maxHugeHeap bounds how much of the heap prepareHugeHeap asks the kernel to
// back with transparent huge pages; below it, 7/8 of the soft memory limit
// (168 MiB by default): the heap of a run with two workers (~190 MB of
// RSS at 512 MB of long documents) then grows mostly into huge pages, and
// the runtime's mapped memory stays under the limit.
const maxHugeHeap = 256 << 20

// madvHugepage is MADV_HUGEPAGE (linux/mman.h).
const madvHugepage = 14

// prepareHugeHeap has the kernel back the first 168 MiB (see maxHugeHeap)
// of heap a run grows into with 2 MiB transparent huge pages where the host
// allows them on request (/sys/kernel/mm/transparent_hugepage/enabled:
// madvise or always). A `prov run` touches fresh heap pages ~45,000 times
// per 512 MB checked (4 KiB each, 7–8 µs per minor fault on a
// paravirtualised VM: ~4 % of the CPU); with huge pages far fewer. The Go runtime
// no longer advises huge pages itself (Go 1.21.1+), so prov allocates that
// much heap once in 2 MiB blocks, untouched (no RSS), advises it, and frees
// it: the heap reuses those pages first. Nothing a run computes depends on it.
//
// PROV_HUGEPAGES=off or GODEBUG=disablethp=1 turns it off (hosts where
// direct compaction stalls on fragmented memory); a smaller GOMEMLIMIT
// shrinks it.
func prepareHugeHeap() { hugeHeapOnce.Do(adviseHugeHeap) }

// hugeHeapOnce: the heap's first pages are advised once per process (tests
// run the command many times in one).
var hugeHeapOnce sync.Once

func adviseHugeHeap() {
	if os.Getenv("PROV_HUGEPAGES") == "off" || strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") {
		return
	}
	lim := max(debug.SetMemoryLimit(-1), 0)
	n := uintptr(min(maxHugeHeap, lim-lim/8))
	if n < hugePage {
		return
	}
	blocks := hugeBlocks(n)
	for _, r := range blockRuns(blocks) {
		if lo, hi := hugeRange(r[0], r[1]-r[0]); hi > lo {
			// Best effort: an error (THP off, an old kernel) leaves 4 KiB pages.
			_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvHugepage)
		}
	}
	runtime.KeepAlive(blocks)
	// Free them now (blocks is dead past KeepAlive) so that the collector
	// paces the run by its real heap.
	runtime.GC()
}

// hugeBlocks allocates n bytes of heap (rounded down to huge pages) in
// blocks of one huge page, not one block of n bytes: the runtime zeroes a
// new block whole when it starts on pages the heap used before, and one
// block of n starting on free heap just below the high-water mark put all
// of it in RSS (a 302 MiB peak for a run that needs 150). A huge-page
// block is zeroed only where it reuses such pages, which are resident
// already.
func hugeBlocks(n uintptr) [][]byte {
	blocks := make([][]byte, 0, n/hugePage)
	for range n / hugePage {
		blocks = append(blocks, make([]byte, hugePage))
	}
	return blocks
}

// blockRuns returns the address ranges [lo, hi) that the blocks cover,
// adjacent blocks merged: only the blocks' own pages are advised.
func blockRuns(blocks [][]byte) [][2]uintptr {
	runs := make([][2]uintptr, 0, len(blocks))
	for _, b := range blocks {
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		runs = append(runs, [2]uintptr{p, p + uintptr(len(b))})
	}
	slices.SortFunc(runs, func(a, b [2]uintptr) int { return cmp.Compare(a[0], b[0]) })
	out := runs[:0]
	for _, r := range runs {
		if k := len(out) - 1; k >= 0 && out[k][1] == r[0] {
			out[k][1] = r[1]
			continue
		}
		out = append(out, r)
	}
	return out
}

// hugePage is the size of an x86-64 / arm64 transparent huge page.
const hugePage = 2 << 20

// hugeRange is the range [lo, hi) of whole huge pages inside the n bytes at
// p: the heap's own pages, aligned as madvise needs.
func hugeRange(p, n uintptr) (lo, hi uintptr) {
	lo = (p + hugePage - 1) &^ (hugePage - 1)
	hi = (p + n) &^ (hugePage - 1)
	if hi < lo {
		return lo, lo
	}
	return lo, hi
}
