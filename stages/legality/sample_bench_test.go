package legality

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// BenchmarkSampleAdd offers 5000 distinct records to a fresh harmful
// sample of the default 4000 per op (one source of one 64 MB object of the
// long corpus).
func BenchmarkSampleAdd(b *testing.B) {
	items := make([]sampleItem, 5000)
	for i := range items {
		var d schemas.Digest
		binary.LittleEndian.PutUint64(d[:], uint64(i)*0x9E3779B97F4A7C15)
		items[i] = sampleItem{key: sampleKey(domainHarmful, 1, d), digest: d}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := newBottomK(4000)
		for _, it := range items {
			s.add(it)
		}
	}
}

// TestDigestSet checks the set against a map under random inserts and
// removals of digests that share their probe home (same first 8 bytes),
// so that probe runs wrap and backward shifts move members.
func TestDigestSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var s digestSet
	model := map[schemas.Digest]bool{}
	pool := make([]schemas.Digest, 300)
	for i := range pool {
		binary.LittleEndian.PutUint64(pool[i][:], uint64(rng.IntN(40))*0x9E3779B97F4A7C15+uint64(rng.IntN(3))<<60)
		pool[i][8] = byte(i)
		pool[i][9] = byte(i >> 8)
	}
	for step := range 200000 {
		d := pool[rng.IntN(len(pool))]
		if rng.IntN(3) == 0 {
			s.remove(d)
			delete(model, d)
		} else if got, want := s.insert(d), !model[d]; got != want {
			t.Fatalf("step %d: insert = %v, want %v", step, got, want)
		} else {
			model[d] = true
		}
		if s.n != len(model) {
			t.Fatalf("step %d: %d members, want %d", step, s.n, len(model))
		}
		if step%1000 == 0 {
			for _, d := range pool {
				if s.insert(d) == model[d] {
					t.Fatalf("step %d: membership of %x differs", step, d[:10])
				}
				if !model[d] {
					s.remove(d)
				}
			}
		}
	}
}

// TestBottomKMatchesMapSample: the sample equals one kept with a map of
// digests (the earlier bottomK), with repeated digests and equal keys.
func TestBottomKMatchesMapSample(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	modes := map[bool]int{}
	for trial := range 200 {
		k := 1 + rng.IntN(64)
		b := newBottomK(k)
		var ref []sampleItem
		refHas := map[schemas.Digest]bool{}
		for range rng.IntN(400) {
			var d schemas.Digest
			binary.LittleEndian.PutUint64(d[:], uint64(rng.IntN(150)))
			// A key is a function of the digest (sampleKey); half the
			// trials use one with many equal keys.
			it := sampleItem{key: uint64(d[0]) % 50, digest: d, harmful: d[0]%2 == 0}
			if trial%2 == 0 {
				it.key = sampleKey(domainHarmful, 1, d)
			}
			b.add(it)
			// The reference: keep the k least items of distinct digests,
			// the first offer of a digest that is kept winning.
			if !refHas[it.digest] {
				ref = append(ref, it)
				refHas[it.digest] = true
				slices.SortStableFunc(ref, func(x, y sampleItem) int {
					if x.less(y) {
						return -1
					}
					if y.less(x) {
						return 1
					}
					return 0
				})
				if len(ref) > k {
					delete(refHas, ref[k].digest)
					ref = ref[:k]
				}
			}
		}
		if got := b.sorted(); !slices.Equal(got, ref) {
			t.Fatalf("trial %d (k=%d, heap %v): sample %v, reference %v", trial, k, b.heap, got, ref)
		}
		modes[b.heap]++
	}
	// Both ways a sample ends: items appended (fewer than 2k offers, or
	// fewer than k distinct at 2k), and the heap of the k smallest.
	if modes[false] == 0 || modes[true] == 0 {
		t.Fatalf("trials ending appended / as a heap: %d / %d", modes[false], modes[true])
	}
}

// sortedRef is bottomK.sorted as it was: the items sorted through less.
func sortedRef(b *bottomK) []sampleItem {
	out := slices.Clone(b.items)
	slices.SortFunc(out, func(x, y sampleItem) int {
		if x.less(y) {
			return -1
		}
		if y.less(x) {
			return 1
		}
		return 0
	})
	return out
}

// TestSortedMatchesReference: a full sample of 4,000 and samples with
// many equal keys sort as the reference does.
func TestSortedMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 50 {
		k := 4000
		keys := uint64(1 << 62)
		if trial%2 == 1 {
			k, keys = 1+rng.IntN(300), uint64(1+rng.IntN(20))
		}
		b := newBottomK(k)
		for range 2 * k {
			var d schemas.Digest
			binary.LittleEndian.PutUint64(d[:], rng.Uint64())
			d[31] = byte(rng.IntN(256))
			b.add(sampleItem{key: rng.Uint64N(keys), digest: d, harmful: d[0]%2 == 0, cats: uint64(d[1])})
		}
		if got, want := b.sorted(), sortedRef(b); !slices.Equal(got, want) {
			t.Fatalf("trial %d (k=%d): sorted differs from the reference", trial, k)
		}
	}
}

// BenchmarkSorted sorts a full harmful sample of 4,000 (what encoding a
// state does per source), and the reference.
func BenchmarkSorted(b *testing.B) {
	s := newBottomK(4000)
	for i := range 5000 {
		var d schemas.Digest
		binary.LittleEndian.PutUint64(d[:], uint64(i)*0x9E3779B97F4A7C15)
		s.add(sampleItem{key: sampleKey(domainHarmful, 1, d), digest: d})
	}
	b.Run("new", func(b *testing.B) {
		for b.Loop() {
			s.sorted()
		}
	})
	b.Run("reference", func(b *testing.B) {
		for b.Loop() {
			sortedRef(s)
		}
	})
}

// TestBottomKMergeMatchesUnion: samples of parts of a stream (appended,
// heaps, decoded in order), merged in any order, give the sample of the
// whole stream.
func TestBottomKMergeMatchesUnion(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 300 {
		k := 1 + rng.IntN(40)
		var all []sampleItem
		for range rng.IntN(300) {
			var d schemas.Digest
			binary.LittleEndian.PutUint64(d[:], uint64(rng.IntN(120)))
			key := uint64(d[0]) % 30
			if trial%2 == 0 {
				key = sampleKey(domainHarmful, 1, d)
			}
			all = append(all, sampleItem{key: key, digest: d, harmful: d[0]%3 == 0, cats: uint64(d[0] % 5)})
		}
		whole := newBottomK(k)
		for _, it := range all {
			whole.add(it)
		}
		// Split into parts, each a sample; some go through setOrdered as a
		// decoded state's would.
		var parts []*bottomK
		for i := 0; i < len(all); {
			n := 1 + rng.IntN(2*k+5)
			p := newBottomK(k)
			for _, it := range all[i:min(i+n, len(all))] {
				p.add(it)
			}
			if rng.IntN(3) == 0 {
				q := newBottomK(k)
				q.setOrdered(p.sorted())
				p = q
			}
			parts = append(parts, p)
			i += n
		}
		rng.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		merged := newBottomK(k)
		for i, p := range parts {
			if i > 0 && rng.IntN(4) == 0 {
				// a target that also took records itself
				for _, it := range p.sorted() {
					merged.add(it)
				}
				continue
			}
			merged.merge(p)
		}
		if got, want := merged.sorted(), whole.sorted(); !slices.Equal(got, want) {
			t.Fatalf("trial %d (k=%d, %d parts): merged %v, whole %v", trial, k, len(parts), got, want)
		}
	}
}
