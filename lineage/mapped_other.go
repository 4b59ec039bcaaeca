//go:build !linux

package lineage

// releaseMapped is a no-op where MADV_PAGEOUT is not available: the
// kernel reclaims the ledger's mapped pages when it needs the memory.
func releaseMapped(string) (int64, error) { return 0, nil }
