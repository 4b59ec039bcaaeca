package quality

import (
	"cmp"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBottomKMatchesSorted feeds random hashes (with repeats) to bottomK
// one by one and through merges, and compares the kept hashes, counts and
// the saturated flag with the k smallest distinct hashes found by sorting.
func TestBottomKMatchesSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 2, 16, 100} {
		for _, n := range []int{0, 1, k - 1, k, k + 1, 5 * k, 50 * k} {
			var hs []uint64
			count := map[uint64]int64{}
			for range n {
				h := rng.Uint64N(uint64(3*n + 1))
				hs = append(hs, h)
				count[h]++
			}
			distinct := slices.Sorted(func(yield func(uint64) bool) {
				for h := range count {
					if !yield(h) {
						return
					}
				}
			})
			want := distinct[:min(k, len(distinct))]
			one := newBottomK(k)
			for _, h := range hs {
				one.observe(h, "s")
			}
			parts := []*bottomK{newBottomK(k), newBottomK(k), newBottomK(k)}
			for i, h := range hs {
				parts[i%3].observe(h, "s")
			}
			merged := newBottomK(k)
			for _, p := range parts {
				merged.merge(p)
			}
			for name, b := range map[string]*bottomK{"observed": one, "merged": merged} {
				var got []uint64
				for _, e := range b.sorted() {
					got = append(got, e.h)
					if e.count != count[e.h] {
						t.Errorf("k=%d n=%d %s: count of %d = %d, want %d", k, n, name, e.h, e.count, count[e.h])
					}
				}
				if !slices.Equal(got, want) {
					t.Fatalf("k=%d n=%d %s: kept %v, want %v", k, n, name, got, want)
				}
				if len(b.h) != len(b.m) {
					t.Fatalf("k=%d n=%d %s: heap %d entries, map %d", k, n, name, len(b.h), len(b.m))
				}
				if sat := len(distinct) > k; b.saturated != sat && name == "observed" {
					t.Errorf("k=%d n=%d: saturated %v, want %v", k, n, b.saturated, sat)
				}
				for i := 1; i < len(b.h); i++ {
					if b.h[(i-1)/2].h < b.h[i].h {
						t.Fatalf("k=%d n=%d %s: not a max-heap at %d", k, n, name, i)
					}
				}
			}
		}
	}
}

// TestSortedByHash: sorted returns the entries in increasing hash order,
// for samples of hashes that are random, share their low or high bytes, or
// are few.
func TestSortedByHash(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 40 {
		b := newBottomK(1 + rng.IntN(3000))
		for range rng.IntN(4000) {
			h := rng.Uint64()
			switch trial % 4 {
			case 1:
				h &= 0xFFFF // high bytes all zero
			case 2:
				h |= 0xFFFFFFFFFFFF0000 // only the low bytes differ
			case 3:
				h = uint64(rng.IntN(50)) << 56
			}
			b.observe(h, "s")
		}
		got := b.sorted()
		want := make([]*entry, 0, len(b.m))
		for _, e := range b.m {
			want = append(want, e)
		}
		slices.SortFunc(want, func(x, y *entry) int { return cmp.Compare(x.h, y.h) })
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: %d entries not in hash order", trial, len(got))
		}
	}
}

// TestSignatureEncoding: putSignature writes each bin little-endian and
// getSignature reads it back, on this machine's path and on the portable
// one.
func TestSignatureEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var sig signature
	for i := range sig {
		sig[i] = rng.Uint32()
	}
	for _, native := range []bool{nativeLittle, false} {
		old := nativeLittle
		nativeLittle = native
		out := make([]byte, 4*numPerm+3)
		putSignature(out, &sig)
		for i, v := range sig {
			if got := binary.LittleEndian.Uint32(out[4*i:]); got != v {
				t.Fatalf("native %v: bin %d encoded as %#x, want %#x", native, i, got, v)
			}
		}
		var back signature
		getSignature(&back, out)
		nativeLittle = old
		if back != sig {
			t.Fatalf("native %v: signature read back differs", native)
		}
	}
}
