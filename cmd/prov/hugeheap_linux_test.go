package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestHugeRange(t *testing.T) {
	for _, c := range []struct{ p, n, lo, hi uintptr }{
		{0, 4 * hugePage, 0, 4 * hugePage},
		{hugePage - 8192, 3 * hugePage, hugePage, 3 * hugePage},
		{8192, hugePage, hugePage, hugePage}, // no whole huge page inside
		{8192, hugePage - 16384, hugePage, hugePage},
	} {
		lo, hi := hugeRange(c.p, c.n)
		if lo != c.lo || hi != c.hi {
			t.Errorf("hugeRange(%#x, %#x) = [%#x, %#x), want [%#x, %#x)", c.p, c.n, lo, hi, c.lo, c.hi)
		}
		if hi > lo && (lo < c.p || hi > c.p+c.n || lo%hugePage != 0 || hi%hugePage != 0) {
			t.Errorf("hugeRange(%#x, %#x) = [%#x, %#x) leaves the block or is unaligned", c.p, c.n, lo, hi)
		}
	}
}

// vmFlagsAt returns the VmFlags of the mapping holding address a.
func vmFlagsAt(t *testing.T, a uintptr) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			lo, hi, ok := strings.Cut(f[0], "-")
			l0, e0 := strconv.ParseUint(lo, 16, 64)
			h0, e1 := strconv.ParseUint(hi, 16, 64)
			in = ok && e0 == nil && e1 == nil && uint64(a) >= l0 && uint64(a) < h0
			continue
		}
		if in && strings.HasPrefix(l, "VmFlags:") {
			return l
		}
	}
	t.Fatalf("no mapping holds %#x", a)
	return ""
}

// TestPrepareHugeHeapAdvises checks that the heap a run grows into after
// prepareHugeHeap is advised for huge pages (VmFlags "hg").
func TestPrepareHugeHeapAdvises(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("kernel without transparent huge pages")
	}
	t.Setenv("GODEBUG", "")
	t.Setenv("PROV_HUGEPAGES", "")
	adviseHugeHeap()
	// The heap reuses the freed block's pages first.
	b := make([]byte, 16<<20)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if f := vmFlagsAt(t, p+8<<20); !strings.Contains(f, " hg") {
		t.Errorf("heap at %#x after prepareHugeHeap: %s, want hg", p, f)
	}
	_ = b[len(b)-1]
}

// resident counts the bytes of b in RSS (mincore(2)).
func resident(t *testing.T, b []byte) int {
	t.Helper()
	const page = 4096
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo, hi := p&^(page-1), (p+uintptr(len(b))+page-1)&^(page-1)
	vec := make([]byte, (hi-lo)/page)
	if _, _, e := syscall.Syscall(syscall.SYS_MINCORE, lo, hi-lo, uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatalf("mincore: %v", e)
	}
	n := 0
	for _, v := range vec {
		n += int(v & 1)
	}
	return n * page
}

// TestHugeBlocksUntouched checks that the reserve stays out of RSS when
// free heap lies just below the heap's high-water mark: the runtime zeroes
// a whole new block that starts on pages used before, and one block of 256
// MiB starting there made all of it resident (CI: a 302 MiB peak for the
// bad-input run, against ~150 MiB). Only blocks reusing the freed 32 MiB
// may be resident; mincore counts the blocks' own pages, whatever else the
// process allocates meanwhile.
func TestHugeBlocksUntouched(t *testing.T) {
	// Free, touched heap at the top of the heap.
	func() {
		top := make([]byte, 32<<20)
		for i := range top {
			top[i] = 1
		}
	}()
	runtime.GC()
	runtime.GC()
	blocks := hugeBlocks(maxHugeHeap)
	if len(blocks) != maxHugeHeap/hugePage {
		t.Fatalf("%d blocks, want %d", len(blocks), maxHugeHeap/hugePage)
	}
	in := 0
	for _, b := range blocks {
		in += resident(t, b)
	}
	t.Logf("%.1f MiB of the %d MiB reserve resident", float64(in)/(1<<20), maxHugeHeap>>20)
	if in > 40<<20 {
		t.Errorf("%.1f MiB of the reserve resident, want at most the 32 MiB of reused heap", float64(in)/(1<<20))
	}
	runtime.KeepAlive(blocks)
}
