package schemas

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// referenceDigest is the frozen canonical encoding written out plainly:
// the record digest must never depend on how CanonicalDigest feeds it to
// the hash.
func referenceDigest(r *Record) Digest {
	var b []byte
	for f := Field(0); f < NumFields; f++ {
		if r.Has&(1<<f) != 0 {
			b = binary.AppendUvarint(b, uint64(f))
			b = binary.AppendUvarint(b, uint64(len(r.Values[f])))
			b = append(b, r.Values[f]...)
		}
	}
	return sha256.Sum256(b)
}

func TestCanonicalDigestGolden(t *testing.T) {
	var r Record
	r.Set(FieldText, "hello")
	r.Set(FieldID, "x-1")
	r.Set(FieldConsent, "")
	// Pinned: changing it changes every dataset digest in every ledger.
	const want = "4dff8b945b1048135edabf05001015a0b3ee58f67297f423e70f88afcd515dd3"
	got := r.CanonicalDigest().String()
	if got != referenceDigest(&r).String() {
		t.Fatalf("digest %s differs from the reference encoding %s", got, referenceDigest(&r))
	}
	if got != want {
		t.Fatalf("digest %s, want %s", got, want)
	}
	if (&Record{}).CanonicalDigest() != sha256.Sum256(nil) {
		t.Fatal("a record without fields is not the digest of the empty encoding")
	}
}

// TestCanonicalDigestMatchesReference covers values of every length around
// the header buffer and the SHA-256 block boundaries.
func TestCanonicalDigestMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	lens := []int{0, 1, 55, 56, 63, 64, 65, 127, 128, 200, 240, 250, 255, 256, 257, 1000, 4096, 70000}
	for n := 0; n < 2000; n++ {
		var r Record
		for f := Field(0); f < NumFields; f++ {
			if rng.IntN(3) == 0 {
				continue
			}
			l := lens[rng.IntN(len(lens))]
			if rng.IntN(2) == 0 {
				l = rng.IntN(300)
			}
			v := make([]byte, l)
			for i := range v {
				v[i] = byte(rng.Uint32())
			}
			r.Set(f, string(v))
		}
		if got, want := r.CanonicalDigest(), referenceDigest(&r); got != want {
			t.Fatalf("record %d: digest %s, reference %s", n, got, want)
		}
	}
}

// TestCanonicalDigestAllocs: hashing a record allocates nothing once warm,
// whatever the mix of short and long values.
func TestCanonicalDigestAllocs(t *testing.T) {
	var r Record
	long := string(make([]byte, 5000))
	for f := Field(0); f < NumFields; f++ {
		if f%3 == 0 {
			r.Set(f, long)
		} else {
			r.Set(f, "short value of some bytes")
		}
	}
	r.CanonicalDigest()
	if n := testing.AllocsPerRun(100, func() { r.CanonicalDigest() }); n != 0 {
		t.Fatalf("%v allocations per digest", n)
	}
}
