// Package radix sorts (key, index) pairs by a 64-bit key. The sampling
// stages order their bounded samples by hash when they encode or merge a
// state; sorting the pairs, then placing the items by index, costs a
// fraction of comparing the items themselves through a less function.
package radix

// Pair is a key and the index of the item it belongs to.
type Pair struct {
	Key uint64
	I   int32
}

// Sort sorts a by key, stably (least significant byte first, eight passes
// between a and tmp, a pass skipped when every key has the same byte
// there), and returns the sorted slice: a or tmp, which must be as long
// as a.
func Sort(a, tmp []Pair) []Pair {
	for shift := uint(0); shift < 64; shift += 8 {
		var count [256]int
		for _, x := range a {
			count[byte(x.Key>>shift)]++
		}
		if len(a) == 0 || count[byte(a[0].Key>>shift)] == len(a) {
			continue
		}
		pos := 0
		for c := range count {
			pos, count[c] = pos+count[c], pos
		}
		for _, x := range a {
			d := byte(x.Key >> shift)
			tmp[count[d]] = x
			count[d]++
		}
		a, tmp = tmp, a
	}
	return a
}
