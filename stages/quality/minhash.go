package quality

import (
	"math"
	"math/bits"
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
	n, slot := 0, 0   // slot = n % shingleRunes
	last := uint32(1) // 1 after white space (and at the start)
	for i := range sig {
		sig[i] = math.MaxUint32
	}
	for i := 0; i < len(s); {
		c := s[i]
		var v uint64
		var space uint32
		if c < utf8.RuneSelf {
			// One table load instead of the case and white-space tests,
			// whose outcomes alternate too often to predict.
			t := minhashASCII[c]
			v, space = uint64(t&0xFF), t>>8
			i++
		} else {
			var r rune
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
			// (An overlong 3-byte form can give an ASCII rune.)
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' || (r >= utf8.RuneSelf && r < 0x3000 && unicode.IsSpace(r)) || r == 0x3000 {
				r, space = ' ', 1
			}
			v = uint64(r) + 1
		}
		// A run of white space is one space.
		if space&last != 0 {
			continue
		}
		last = space
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
		}
	}
	if n < shingleRunes {
		if n == 0 {
			return false
		}
		x := mix64(h ^ seed)
		sig[x>>57] = uint32(x) & 0xFFFFFF
	}
	densify(sig)
	return true
}

// minhashASCII maps an ASCII byte to minhash's shingle value (its rune,
// lower-cased, plus one; ' ' + 1 for the white space it folds: space, tab,
// line feed, carriage return) in the low byte, with bit 8 set for white
// space. Bytes from 0x80 up are not ASCII and never looked up.
var minhashASCII = func() (t [256]uint32) {
	for c := range uint32(utf8.RuneSelf) {
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			t[c] = 1<<8 | (' ' + 1)
		case c >= 'A' && c <= 'Z':
			t[c] = c + 'a' - 'A' + 1
		default:
			t[c] = c + 1
		}
	}
	return t
}()

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

// bandKey hashes the rows of one band (with the band's number): two bins
// per multiply-xorshift step, each step a bijection of the running hash
// for given bins, then one mix64. Only equality of keys matters (a bucket
// is the signatures with equal keys); the earlier key, a mix64 per bin,
// is kept in the tests as bandKeyRef.
func bandKey(sig *signature, band, rows int) uint64 {
	h := uint64(band+1) * 0x9E3779B97F4A7C15
	v := sig[band*rows : (band+1)*rows]
	i := 0
	for ; i+2 <= len(v); i += 2 {
		h = (h ^ (uint64(v[i]) | uint64(v[i+1])<<32)) * 0xFF51AFD7ED558CCD
		h ^= h >> 32
	}
	if i < len(v) {
		h = (h ^ uint64(v[i])) * 0xFF51AFD7ED558CCD
	}
	return mix64(h)
}

// nearDupClusters groups signatures whose LSH bands collide and whose
// estimated similarity reaches the accept floor (union-find); it returns
// for each signature the index of its cluster root (the least index of its
// cluster) and whether it has at least one confirmed partner.
//
// The candidate pairs are, for each band and each bucket of signatures
// with equal band keys taken in index order, every member paired with the
// first maxBucketCompare members before it: a huge bucket (boilerplate)
// would cost a quadratic number of comparisons, and union-find joins the
// rest transitively. The clusters are the connected components of the
// candidate pairs whose similarity reaches the floor, so the order in
// which pairs are tried does not change them; a pair already inside one
// cluster is not compared again. Buckets are found with one flat
// open-addressing table per band (reused), members visited in index order
// so that each only meets the first members of its bucket, and
// similarity stops as soon as the floor is out of reach.
func nearDupClusters(sigs []*signature, t float64) (root []int, paired []bool) {
	bands, rows := lshParams(t)
	// similarity ≥ floor ⇔ equal bins ≥ floor·numPerm: both sides are
	// exact in float64 (numPerm is a power of two).
	minEqual := int(math.Ceil(acceptFloor(t) * numPerm))
	parent := make([]int32, len(sigs))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	paired = make([]bool, len(sigs))
	n := 0
	for _, s := range sigs {
		if s != nil {
			n++
		}
	}
	size := 16
	for size < 2*n {
		size *= 2
	}
	// Every band key of a signature in one pass over it (a sample's
	// signatures outgrow the caches: band-major reads miss on each).
	// In the same pass, a fingerprint of 8 bits per bin (a quarter of the
	// signature, contiguous): bins with different fingerprints differ, so
	// a pair with too many of them is rejected without reading the
	// signatures (most candidate pairs of similar-looking documents).
	keys := make([]uint64, bands*len(sigs))
	fps := make([]fingerprint, len(sigs))
	for i, s := range sigs {
		if s != nil {
			for band := range bands {
				keys[band*len(sigs)+i] = bandKey(s, band, rows)
			}
			fps[i] = fingerprintOf(s)
		}
	}
	table := make([]bucketSlot, size)
	mask := uint64(size - 1)
	var buckets []bucket
	for band := 0; band < bands; band++ {
		clear(table)
		buckets = buckets[:0]
		bandKeys := keys[band*len(sigs) : (band+1)*len(sigs)]
		for i, s := range sigs {
			if s == nil {
				continue
			}
			k := bandKeys[i]
			var bk *bucket
			for p := mix64(k) & mask; ; p = (p + 1) & mask {
				sl := &table[p]
				if sl.id == 0 {
					buckets = append(buckets, bucket{})
					*sl = bucketSlot{key: k, id: int32(len(buckets))}
					bk = &buckets[len(buckets)-1]
					break
				}
				if sl.key == k {
					bk = &buckets[sl.id-1]
					break
				}
			}
			b := int32(i)
			rb := find(b)
			for _, a := range bk.first[:bk.n] {
				ra := find(a)
				if ra == rb {
					// Already one cluster: both ends were paired by the
					// similar pairs that joined it.
					continue
				}
				if similarFingerprint(&fps[a], &fps[b], minEqual) && similar(sigs[a], s, minEqual) {
					paired[a], paired[b] = true, true
					parent[max(ra, rb)] = min(ra, rb)
					rb = min(ra, rb)
				}
			}
			if bk.n < maxBucketCompare {
				bk.first[bk.n] = b
				bk.n++
			}
		}
	}
	root = make([]int, len(sigs))
	for i := range root {
		root[i] = int(find(int32(i)))
	}
	return root, paired
}

// bucketSlot is one band key in nearDupClusters' table: id is 1 + the
// index of its bucket, 0 for an empty slot.
type bucketSlot struct {
	key uint64
	id  int32
}

// bucket holds the first members of one LSH bucket, in index order.
type bucket struct {
	n     int32
	first [maxBucketCompare]int32
}

// similar reports whether at least minEqual bins of a and b are equal
// (similarity(a, b) ≥ minEqual/numPerm), giving up once too many differ.
func similar(a, b *signature, minEqual int) bool {
	maxDiff := numPerm - minEqual
	diff := 0
	for i := 0; i < numPerm; i += 16 {
		x, y := a[i:i+16:i+16], b[i:i+16:i+16]
		for j := 0; j < 16; j += 2 {
			// Two bins at once: the 32-bit halves of d that are not zero.
			d := (uint64(x[j]) | uint64(x[j+1])<<32) ^ (uint64(y[j]) | uint64(y[j+1])<<32)
			diff += bits.OnesCount64(((d & lowBits31) + lowBits31 | d) & highBits)
		}
		if diff > maxDiff {
			return false
		}
	}
	return true
}

// fingerprint holds 8 bits of each bin of a signature, 8 bins a word.
type fingerprint [numPerm / 8]uint64

// fingerprintOf folds each bin's low byte with its distance byte: equal
// bins give equal bytes.
func fingerprintOf(s *signature) (f fingerprint) {
	for i := range f {
		var w uint64
		for j := 7; j >= 0; j-- {
			v := s[8*i+j]
			w = w<<8 | uint64(byte(v)^byte(v>>24))
		}
		f[i] = w
	}
	return f
}

// similarFingerprint reports whether at least minEqual bytes of a and b
// are equal: a necessary condition for similar on their signatures.
func similarFingerprint(a, b *fingerprint, minEqual int) bool {
	diff := 0
	for i := range a {
		d := a[i] ^ b[i]
		diff += bits.OnesCount64(((d & lowBits7) + lowBits7 | d) & highBits8)
	}
	return diff <= numPerm-minEqual
}

// lowBits7 and highBits8 are the byte-wise versions of lowBits31 and
// highBits.
const (
	lowBits7  = 0x7F7F7F7F7F7F7F7F
	highBits8 = 0x8080808080808080
)

// lowBits31 and highBits select the low 31 and the top bit of each 32-bit
// half of a word: (d&lowBits31 + lowBits31 | d) & highBits has the top bit
// of a half set exactly when the half is not zero (the add cannot carry
// into the other half).
const (
	lowBits31 = 0x7FFFFFFF7FFFFFFF
	highBits  = 0x8000000080000000
)
