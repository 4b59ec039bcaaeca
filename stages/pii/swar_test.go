package pii

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestInteresting checks the SWAR prefilter against the byte-class table:
// a false negative would make Detect skip an entity.
func TestInteresting(t *testing.T) {
	ref := func(x uint64) bool {
		var b [8]byte
		binary.LittleEndian.PutUint64(b[:], x)
		for _, c := range b {
			if class[c] != clNone {
				return true
			}
		}
		return false
	}
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			for _, fill := range []byte{'a', 0x00, 0xE4, 0xFF, 0x80, '/', ';', '?', 'A'} {
				var b [8]byte
				for i := range b {
					b[i] = fill
				}
				b[pos] = byte(c)
				x := binary.LittleEndian.Uint64(b[:])
				if interesting(x) != ref(x) {
					t.Fatalf("interesting(% x) = %v, want %v", b, interesting(x), ref(x))
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1 << 20 {
		x := r.Uint64()
		if interesting(x) != ref(x) {
			t.Fatalf("interesting(%#x) = %v, want %v", x, interesting(x), ref(x))
		}
	}
}
