package version

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// tableFindings are n findings shaped like a run's (repeated rule IDs,
// stages and objects; distinct digests, locators and evidence).
func tableFindings(n int, seed uint64) []schemas.Finding {
	r := rand.New(rand.NewPCG(seed, 7))
	rules := []string{"PIPL-13", "TC260-5.2-b1", "PROV-LICENCE", "CN-IM-7.3", "PROV-MALFORMED"}
	stagesN := []string{"pii", "licence", "legality", "quality", "annotation"}
	out := make([]schemas.Finding, n)
	for i := range out {
		var d [32]byte
		for j := range d {
			d[j] = byte(r.Uint32())
		}
		k := r.IntN(len(rules))
		out[i] = schemas.Finding{Dataset: "bench", Version: "d26bbf0cbe242ff9", RuleID: rules[k],
			RuleIDs: []string{rules[k], rules[(k+1)%len(rules)]}, Stage: stagesN[k], Severity: "high",
			Verdict: "quarantine", RecordDigest: "sha256:" + hex.EncodeToString(d[:]),
			Object: fmt.Sprintf("bench/part-%03d.jsonl", i/50000), Locator: fmt.Sprintf("bench/part-%03d.jsonl#L%d", i/50000, i%50000+1),
			Source: "web-news-2024", Message: "personal information without consent basis",
			Evidence: fmt.Sprintf("subject_keys=%x", d[:8]), Figure: float64(r.IntN(100)) / 7}
	}
	return out
}

// publishTable writes rows through a table encoding par row groups at once,
// in batches of the given sizes (cycled), and returns the file's bytes'
// sha256 and the file's store.
func publishTable(t testing.TB, rows []schemas.Finding, par int, batches []int) (string, objstore.Store) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := newTable[schemas.Finding](dir, par)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := 0, 0; i < len(rows); b++ {
		n := min(batches[b%len(batches)], len(rows)-i)
		if err := tb.Write(rows[i : i+n]...); err != nil {
			t.Fatal(err)
		}
		i += n
	}
	if tb.Rows() != int64(len(rows)) {
		t.Fatalf("Rows = %d, want %d", tb.Rows(), len(rows))
	}
	sum, _, err := tb.Publish(ctx, st, Key("bench", "v", Findings))
	if err != nil {
		t.Fatal(err)
	}
	return sum, st
}

// TestTableParallelSameBytes: row groups encoded on their own goroutines and
// copied into the file give the file a single writer gives, byte for byte,
// whatever the batches the rows arrive in (findings.parquet's sha256 is in
// the manifest), and the rows read back in order.
func TestTableParallelSameBytes(t *testing.T) {
	for _, n := range []int{0, 1, 8191, 8192, rowGroupRows, rowGroupRows + 1, 3*rowGroupRows + 12345} {
		rows := tableFindings(n, uint64(n))
		for _, batches := range [][]int{{1}, {700, 3, 9000}, {rowGroupRows + 5}} {
			if n > rowGroupRows && batches[0] == 1 {
				continue // slow; the other batchings cover it
			}
			want, _ := publishTable(t, rows, 1, batches)
			for _, par := range []int{2, 3} {
				got, st := publishTable(t, rows, par, batches)
				if got != want {
					t.Fatalf("%d rows, batches %v, %d encoders: sha256 %s, sequential %s", n, batches, par, got, want)
				}
				i := 0
				err := EachFinding(context.Background(), st, "bench", "v", func(f *schemas.Finding) error {
					if f.Locator != rows[i].Locator || f.RecordDigest != rows[i].RecordDigest {
						return fmt.Errorf("row %d: %s, want %s", i, f.Locator, rows[i].Locator)
					}
					i++
					return nil
				})
				if err != nil || i != n {
					t.Fatalf("%d rows, %d encoders: read back %d rows: %v", n, par, i, err)
				}
			}
		}
	}
}

// TestTableDiscardParallel: a table discarded with row groups still being
// encoded ends them (no goroutine waits forever, no panic).
func TestTableDiscardParallel(t *testing.T) {
	tb, err := newTable[schemas.Finding](t.TempDir(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := tb.Write(tableFindings(2*rowGroupRows+100, 1)...); err != nil {
		t.Fatal(err)
	}
	tb.Discard()
}

// BenchmarkTableFindings writes 400,000 findings (about a 512 MB short
// corpus's) and publishes the file, encoding on the caller's goroutine
// (seq) or as NewTable does with GOMAXPROCS = -cpu (auto: two row groups
// at once on two CPUs).
func BenchmarkTableFindings(b *testing.B) {
	rows := tableFindings(400_000, 1)
	for _, bc := range []struct {
		name string
		par  int
	}{{"seq", 1}, {"auto", tableEncoders()}} {
		b.Run(bc.name, func(b *testing.B) {
			sum := sha256.New()
			for b.Loop() {
				s, _ := publishTable(b, rows, bc.par, []int{1000})
				sum.Write([]byte(s))
			}
		})
	}
}
