package quality

import (
	"cmp"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
)

// bandKeyRef is the earlier band key: a mix64 per bin.
func bandKeyRef(sig *signature, band, rows int) uint64 {
	h := uint64(band+1) * 0x9E3779B97F4A7C15
	for _, v := range sig[band*rows : (band+1)*rows] {
		h = mix64(h ^ uint64(v))
	}
	return h
}

// similarRef is the earlier similar: one comparison per bin.
func similarRef(a, b *signature, minEqual int) bool {
	maxDiff := numPerm - minEqual
	diff := 0
	for i := range a {
		if a[i] != b[i] {
			diff++
		}
	}
	return diff <= maxDiff
}

// nearDupClustersSorted is the earlier nearDupClusters (each band's
// buckets found by sorting (key, index) pairs, compared pairs remembered
// in a map, full similarity): the reference the table-driven version must
// equal exactly.
func nearDupClustersSorted(sigs []*signature, t float64) (root []int, paired []bool) {
	bands, rows := lshParams(t)
	floor := acceptFloor(t)
	parent := make([]int, len(sigs))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	paired = make([]bool, len(sigs))
	checked := map[uint64]bool{}
	type keyed struct {
		k uint64
		i int
	}
	ks := make([]keyed, 0, len(sigs))
	var ids []int
	for band := 0; band < bands; band++ {
		ks = ks[:0]
		for i, s := range sigs {
			if s != nil {
				ks = append(ks, keyed{bandKeyRef(s, band, rows), i})
			}
		}
		slices.SortFunc(ks, func(a, b keyed) int {
			if c := cmp.Compare(a.k, b.k); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		for lo := 0; lo < len(ks); {
			hi := lo + 1
			for hi < len(ks) && ks[hi].k == ks[lo].k {
				hi++
			}
			ids = ids[:0]
			for _, e := range ks[lo:hi] {
				ids = append(ids, e.i)
			}
			lo = hi
			for y := 1; y < len(ids); y++ {
				for x := 0; x < min(y, maxBucketCompare); x++ {
					a, b := ids[x], ids[y]
					if find(a) == find(b) {
						continue
					}
					pair := uint64(a)<<32 | uint64(b)
					if checked[pair] {
						continue
					}
					checked[pair] = true
					if similarity(sigs[a], sigs[b]) >= floor {
						paired[a], paired[b] = true, true
						ra, rb := find(a), find(b)
						if ra != rb {
							parent[max(ra, rb)] = min(ra, rb)
						}
					}
				}
			}
		}
	}
	root = make([]int, len(sigs))
	for i := range root {
		root[i] = find(i)
	}
	return root, paired
}

// nearDupSignatures signs mixed documents built from a small pool of
// sentences (many near and some exact duplicates, big boilerplate
// buckets), a few random texts, edited copies at J 0.6–0.95 and nil
// entries (records without a signature).
func nearDupSignatures(tb testing.TB, n int, seed uint64) []*signature {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 5))
	docs := mixedDocuments(n, seed)
	var sigs []*signature
	for i, d := range docs {
		switch {
		case i%50 == 7:
			sigs = append(sigs, nil)
			continue
		case i%10 == 3:
			d = randomText(rng, 150)
		case i%10 == 5 && i > 0:
			if cp, _ := editCopy(rng, docs[i-1], 0.6, 0.95); cp != "" {
				d = cp
			}
		case i%25 == 9 && i > 0:
			d = docs[i-1] // exact duplicate
		}
		var sig signature
		if minhash(d, seed, &sig) {
			sigs = append(sigs, &sig)
		} else {
			sigs = append(sigs, nil)
		}
	}
	return sigs
}

func TestNearDupClustersMatchesSorted(t *testing.T) {
	for _, c := range []struct {
		n    int
		seed uint64
		t    float64
	}{
		{0, 1, 0.8}, {1, 1, 0.8}, {40, 2, 0.8}, {600, 3, 0.8}, {3000, 4, 0.8},
		{600, 5, 0.5}, {600, 6, 0.9}, {1500, 7, 0.3}, {1500, 8, 0.95},
	} {
		sigs := nearDupSignatures(t, c.n, c.seed)
		root, paired := nearDupClusters(sigs, c.t)
		wantRoot, wantPaired := nearDupClustersSorted(sigs, c.t)
		if !slices.Equal(root, wantRoot) || !slices.Equal(paired, wantPaired) {
			t.Errorf("n=%d seed=%d t=%.2f: clusters differ from the sorted-bucket reference", c.n, c.seed, c.t)
		}
		clusters := 0
		for i, r := range root {
			if r == i && paired[i] {
				clusters++
			}
		}
		if c.n >= 600 && clusters == 0 {
			t.Errorf("n=%d t=%.2f: no cluster at all: the test data has no near-duplicates", c.n, c.t)
		}
	}
}

// BenchmarkNearDupClusters clusters a full default sample (16384
// signatures of ~2.5 KB mixed zh/en documents from a small sentence pool,
// the long benchmark corpus's shape) at threshold 0.8.
func BenchmarkNearDupClusters(b *testing.B) {
	sigs := nearDupSignatures(b, 16384, 9)
	b.ReportAllocs()
	for b.Loop() {
		nearDupClusters(sigs, 0.8)
	}
}

func BenchmarkNearDupClustersSorted(b *testing.B) {
	sigs := nearDupSignatures(b, 16384, 9)
	b.ReportAllocs()
	for b.Loop() {
		nearDupClustersSorted(sigs, 0.8)
	}
}

// TestSimilarMatchesReference compares similar with the per-bin count on
// pairs of random signatures that share 0–128 bins, with bins of any
// 32-bit value (top bit set, zero halves).
func TestSimilarMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	vals := []uint32{0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x01000000}
	for n := 0; n < 20000; n++ {
		var a, b signature
		for i := range a {
			if rng.IntN(4) == 0 {
				a[i] = vals[rng.IntN(len(vals))]
			} else {
				a[i] = rng.Uint32()
			}
		}
		b = a
		for range rng.IntN(numPerm + 1) {
			i := rng.IntN(numPerm)
			if rng.IntN(3) == 0 {
				b[i] = vals[rng.IntN(len(vals))]
			} else {
				b[i] ^= 1 << rng.IntN(32)
			}
		}
		for _, m := range []int{0, 1, 64, 103, 127, 128} {
			if got, want := similar(&a, &b, m), similarRef(&a, &b, m); got != want {
				t.Fatalf("similar(minEqual %d) = %v, reference %v (similarity %v)", m, got, want, similarity(&a, &b))
			}
		}
	}
}

// TestFingerprintBoundsSimilar checks that the fingerprint test never
// rejects a pair similar accepts (it counts at most as many differing bins)
// and that it counts exactly the bins whose fingerprint bytes differ.
func TestFingerprintBoundsSimilar(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for n := 0; n < 20000; n++ {
		var a signature
		for i := range a {
			a[i] = rng.Uint32()
		}
		b := a
		for range rng.IntN(numPerm + 1) {
			i := rng.IntN(numPerm)
			switch rng.IntN(3) {
			case 0:
				b[i] ^= 1 << rng.IntN(32)
			case 1:
				b[i] ^= 0x01000001 // same fingerprint byte, different bin
			default:
				b[i] = rng.Uint32()
			}
		}
		fa, fb := fingerprintOf(&a), fingerprintOf(&b)
		diff := 0
		for i := range a {
			if byte(a[i])^byte(a[i]>>24) != byte(b[i])^byte(b[i]>>24) {
				diff++
			}
		}
		for _, m := range []int{0, 1, 64, 103, 127, 128} {
			if similar(&a, &b, m) && !similarFingerprint(&fa, &fb, m) {
				t.Fatalf("minEqual %d: similar pair rejected by its fingerprints", m)
			}
			if got, want := similarFingerprint(&fa, &fb, m), diff <= numPerm-m; got != want {
				t.Fatalf("minEqual %d: similarFingerprint = %v with %d differing bytes", m, got, diff)
			}
		}
	}
}

// FuzzSimilarMatchesReference builds two signatures from the fuzzer's
// bytes (b is a with the bins the mask selects overwritten) and compares
// similar and the fingerprint test with the per-bin count at every floor.
func FuzzSimilarMatchesReference(f *testing.F) {
	f.Add([]byte("signature"), []byte{0xFF, 0, 0x80, 1}, uint64(7))
	f.Add(make([]byte, 512), make([]byte, 16), uint64(0))
	f.Fuzz(func(t *testing.T, raw, mask []byte, seed uint64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		var a, b signature
		for i := range a {
			if i*4+4 <= len(raw) {
				a[i] = binary.LittleEndian.Uint32(raw[i*4:])
			} else {
				a[i] = rng.Uint32() & 0x7FFFFFFF
			}
		}
		b = a
		for i := range b {
			if len(mask) > 0 && mask[(i/8)%len(mask)]&(1<<(i%8)) != 0 {
				b[i] = rng.Uint32()
			}
		}
		fa, fb := fingerprintOf(&a), fingerprintOf(&b)
		for m := 0; m <= numPerm; m++ {
			want := similarRef(&a, &b, m)
			if got := similar(&a, &b, m); got != want {
				t.Fatalf("similar(minEqual %d) = %v, reference %v", m, got, want)
			}
			if want && !similarFingerprint(&fa, &fb, m) {
				t.Fatalf("minEqual %d: a similar pair rejected by its fingerprints", m)
			}
		}
	})
}
