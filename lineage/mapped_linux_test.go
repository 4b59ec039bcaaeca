package lineage

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// mappedRSS sums the resident bytes of this process's mappings of files
// under dir, from /proc/self/smaps.
func mappedRSS(t *testing.T, dir string) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	in := false
	prefix := []byte(dir + string(os.PathSeparator))
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		f := bytes.Fields(line)
		if len(f) >= 5 && bytes.IndexByte(f[0], '-') > 0 && !bytes.HasSuffix(f[0], []byte(":")) {
			in = bytes.Contains(line, prefix)
			continue
		}
		if in && len(f) >= 2 && string(f[0]) == "Rss:" {
			kb, err := strconv.ParseInt(string(f[1]), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			total += kb << 10
		}
	}
	return total
}

// The ledger's memory-mapped files must not stay in the process's RSS:
// after an ingest of tens of MB, releaseMapped hands the pages back to the
// page cache, and the ledger still reads and verifies.
func TestReleaseMapped(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests ~40 MB")
	}
	// The ledger's own release loop must not run between the
	// measurements.
	old := releaseEvery
	releaseEvery = time.Hour
	t.Cleanup(func() { releaseEvery = old })
	ctx := context.Background()
	cfg := testConfig(t)
	l := openTest(t, cfg)
	dir := filepath.Join(cfg.Dir, dbDir)
	subj := l.SubjectKey("email", "bob@example.com")
	var leaves []uint64
	for o := range 12 {
		uri := fmt.Sprintf("s3://in/big/%02d.jsonl", o)
		recs := objRecs(l, uri, 40000, 0)
		for i := range recs {
			if i%3 == 0 {
				recs[i].Subjects = []string{subj}
			}
		}
		leaf, _, err := l.IngestObject(ctx, ObjectIngested{Dataset: "big", URI: uri, ETag: "e", Size: 1,
			PolicyDigest: hexSum("p"), RunID: "run-1"}, recs)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, leaf)
	}
	// Dirty pages are reclaimed once written back: write them now.
	syscall.Sync()
	before := mappedRSS(t, dir)
	if before < 8<<20 {
		t.Fatalf("only %d bytes of the ledger resident before release: the test ingests too little to tell", before)
	}
	advised, err := releaseMapped(dir)
	if err != nil {
		t.Fatal(err)
	}
	after := mappedRSS(t, dir)
	t.Logf("ledger mappings: %d MB advised, resident %.1f MB before, %.1f MB after", advised>>20, float64(before)/(1<<20), float64(after)/(1<<20))
	if after > before/10 {
		t.Fatalf("resident ledger pages %d bytes after release, %d before: want at most a tenth", after, before)
	}
	recs, err := l.Records(ctx, leaves[7])
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 40000 {
		t.Fatalf("object 7: %d records after release, want 40000", len(recs))
	}
	rep, err := l.VerifyAll(ctx, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 12*40000 {
		t.Fatalf("verify after release counted %d records, want %d", rep.Records, 12*40000)
	}
}
