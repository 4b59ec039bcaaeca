package main

import (
	"os"
	"strconv"
	"strings"
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
