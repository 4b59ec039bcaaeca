package lineage

import (
	"bufio"
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// releaseMapped asks the kernel to reclaim this process's pages of the
// files under dir that badger has memory-mapped (tables, value log,
// write-ahead log) and returns the bytes of mappings advised.
//
// Badger writes and reads its files through shared mmaps, and every page
// it touches stays in the process's resident set until the kernel needs
// the memory: on a large ingest that is the whole ledger, hundreds of MB
// that count against a pod's RSS though they are only page cache.
// MADV_PAGEOUT reclaims clean pages now (dirty ones once written back)
// without changing what the memory holds, so it is safe even if a
// mapping was replaced after /proc/self/maps was read; a later access
// faults the page back in from the file.
func releaseMapped(dir string) (int64, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	prefix := []byte(dir + string(os.PathSeparator))
	var advised int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		// start-end perms offset dev inode path
		i := bytes.Index(line, prefix)
		if i < 0 {
			continue
		}
		fields := bytes.Fields(line[:i])
		if len(fields) < 5 {
			continue
		}
		dash := bytes.IndexByte(fields[0], '-')
		if dash < 0 {
			continue
		}
		start, err1 := strconv.ParseUint(string(fields[0][:dash]), 16, 64)
		end, err2 := strconv.ParseUint(string(fields[0][dash+1:]), 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// Only shared mappings: reclaiming a private writable page would
		// be a copy-on-write page the process owns.
		if perms := fields[1]; len(perms) < 4 || perms[3] != 's' {
			continue
		}
		if _, _, e := unix.Syscall(unix.SYS_MADVISE, uintptr(start), uintptr(end-start), unix.MADV_PAGEOUT); e == 0 {
			advised += int64(end - start)
		}
	}
	return advised, sc.Err()
}
