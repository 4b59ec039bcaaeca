package quality

import (
	"cmp"
	"math"
	"slices"
	"unicode"
	"unicode/utf8"
)

// numPerm is the signature length: 128 one-permutation-hashing bins.
const numPerm = 128

// signature is a MinHash signature. Each bin holds (distance << 24) | the
// low 24 bits of the bin's minimum hash; distance is 0 for a bin that
// received a shingle and the rotation distance for a densified empty bin.
type signature [numPerm]uint32

const shingleRunes = 5

// maxBucketCompare caps the comparisons of one record inside an LSH bucket.
const maxBucketCompare = 8

// rollBase is the rolling hash's base; rollBase5 = rollBase^5 (mod 2^64)
// removes the rune leaving the window.
const rollBase uint64 = 0x100000001B3

var rollBase5 = func() uint64 {
	b := uint64(1)
	for range shingleRunes {
		b *= rollBase
	}
	return b
}()

// mix64 is the splitmix64 finaliser: a cheap bijective 64-bit mixer.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return x
}

// minhash computes the one-permutation-hashing MinHash signature (Li, Owen,
// Zhang 2012) of the character 5-grams of s, after lower-casing and folding
// runs of white space into one space, with rotation densification
// (Shrivastava and Li 2014) for empty bins. One hash per shingle instead of
// 128 keeps a signature at a few microseconds per KiB. Shingles are hashed
// by a rolling polynomial over runes, mixed with seed. A text shorter than
// five characters is one shingle; an empty text has no signature (ok false).
func minhash(s string, seed uint64, sig *signature) bool {
	var win [shingleRunes]uint64
	var h uint64
	n, slot := 0, 0 // slot = n % shingleRunes
	lastSpace := true
	for i := range sig {
		sig[i] = math.MaxUint32
	}
	any := false
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		if c < utf8.RuneSelf {
			r = rune(c)
			if c >= 'A' && c <= 'Z' {
				r += 'a' - 'A'
			}
			i++
		} else {
			if c&0xF0 == 0xE0 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
				// Any 3-byte form: equal bytes give equal shingles, which is
				// all a signature needs.
				r = rune(c&0x0F)<<12 | rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F)
				i += 3
			} else {
				var size int
				r, size = utf8.DecodeRuneInString(s[i:])
				i += size
			}
			if r < 0x3000 || r > 0xFFEF { // CJK has no case
				r = unicode.ToLower(r)
			}
		}
		space := r == ' ' || r == '\t' || r == '\n' || r == '\r' || (r >= utf8.RuneSelf && r < 0x3000 && unicode.IsSpace(r)) || r == 0x3000
		if space {
			if lastSpace {
				continue
			}
			r = ' '
		}
		lastSpace = space
		v := uint64(r) + 1
		h = h*rollBase + v - win[slot]*rollBase5
		win[slot] = v
		if slot++; slot == shingleRunes {
			slot = 0
		}
		n++
		if n >= shingleRunes {
			x := mix64(h ^ seed)
			bin := x >> 57
			// Branch-free: which bins a text lowers is unpredictable.
			sig[bin] = min(sig[bin], uint32(x)&0xFFFFFF)
			any = true
		}
	}
	if !any {
		if n == 0 {
			return false
		}
		x := mix64(h ^ seed)
		sig[x>>57] = uint32(x) & 0xFFFFFF
	}
	densify(sig)
	return true
}

// densify fills each empty bin from the next non-empty bin to its right
// (circularly), tagged with the distance so that borrowed values only match
// values borrowed over the same distance.
func densify(sig *signature) {
	for i := range sig {
		if sig[i] != math.MaxUint32 {
			continue
		}
		for d := 1; d < numPerm; d++ {
			j := (i + d) % numPerm
			if v := sig[j]; v != math.MaxUint32 && v>>24 == 0 {
				sig[i] = uint32(d)<<24 | v
				break
			}
		}
	}
}

// similarity estimates the Jaccard similarity of the shingle sets behind
// two signatures: the share of equal bins.
func similarity(a, b *signature) float64 {
	eq := 0
	for i := range a {
		if a[i] == b[i] {
			eq++
		}
	}
	return float64(eq) / numPerm
}

// lshParams picks the band layout for threshold t: the most rows per band
// (fewest false candidates) whose S-curve still makes a pair at exactly t a
// candidate with probability ≥ 0.9. For t = 0.8 that is 16 bands of 8 rows
// (P = 0.947 at 0.8, 0.61 at 0.7).
func lshParams(t float64) (bands, rows int) {
	bands, rows = numPerm, 1
	for r := 1; r <= numPerm; r++ {
		b := numPerm / r
		if 1-math.Pow(1-math.Pow(t, float64(r)), float64(b)) >= 0.9 {
			bands, rows = b, r
		}
	}
	return bands, rows
}

// acceptFloor is the least estimated similarity that confirms a candidate
// pair: t minus two standard errors of the estimate at t, so that a pair at
// exactly the threshold is confirmed with probability ≈ 0.98 (recall is
// favoured; unrelated texts sit near 0 and are never confirmed).
func acceptFloor(t float64) float64 {
	return t - 2*math.Sqrt(t*(1-t)/numPerm)
}

func bandKey(sig *signature, band, rows int) uint64 {
	h := uint64(band+1) * 0x9E3779B97F4A7C15
	for _, v := range sig[band*rows : (band+1)*rows] {
		h = mix64(h ^ uint64(v))
	}
	return h
}

// nearDupClusters groups signatures whose LSH bands collide and whose
// estimated similarity reaches the accept floor (union-find); it returns
// for each signature the index of its cluster root and whether it has at
// least one confirmed partner.
func nearDupClusters(sigs []*signature, t float64) (root []int, paired []bool) {
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
	// checked holds the pairs compared, a<<32|b (uint64 keys take the
	// map's fast path; there are far fewer than 1<<32 signatures).
	checked := map[uint64]bool{}
	// Each band's buckets are the runs of equal keys once the (key,
	// index) pairs are sorted: no map of slices per band.
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
				ks = append(ks, keyed{bandKey(s, band, rows), i})
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
			// A huge bucket (boilerplate) would cost a quadratic number of
			// comparisons: each member is compared with the first few only,
			// and union-find joins the rest transitively.
			for y := 1; y < len(ids); y++ {
				for x := 0; x < min(y, maxBucketCompare); x++ {
					a, b := ids[x], ids[y]
					if find(a) == find(b) {
						// Already one cluster: both ends were paired by
						// the similar pairs that joined it.
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
