package quality

import (
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// fastKeyAlphabet holds runes of every fastKeyRune class and runes
// outside them (which send a text to the slow path).
var fastKeyAlphabet = []rune("aZ 09\t\n.,!?-'\"你好世界人工智能，。、：；！？（）《》「」【】〈〉ＡＺａｚ０９＄“”‘’—–‐é\u0301\u00a0\u3000…ｶ한ß①ﬁ\u212a")

// TestTextKeyFastPath: the fast path gives the same key as NFKC, case
// folding and NFKC through golang.org/x/text, on random texts from an
// alphabet of fast and slow runes and on every rune the fast path takes.
func TestTextKeyFastPath(t *testing.T) {
	var fast, slow keyer
	check := func(s string) {
		t.Helper()
		b, ok := appendFastKey(nil, s)
		if !ok {
			return
		}
		want := slow.slowKey(nil, s)
		if string(b) != string(want) {
			t.Fatalf("fast key of %q is %q, NFKC+fold gives %q", s, b, want)
		}
		k1, ok1 := fast.textKey(s)
		if k2, ok2 := slowTextKey(&slow, s); k1 != k2 || ok1 != ok2 {
			t.Fatalf("textKey(%q) differs from the slow path", s)
		}
	}
	for r := rune(0); r <= 0xFFFF; r++ {
		if _, ok := fastKeyRune(r); ok && (r < 0xD800 || r > 0xDFFF) {
			check("x" + string(r) + "Y" + string(r) + string(r))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	nFast := 0
	for range 20000 {
		n := rng.IntN(24)
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = fastKeyAlphabet[rng.IntN(len(fastKeyAlphabet))]
		}
		s := string(rs)
		if _, ok := appendFastKey(nil, s); ok {
			nFast++
		}
		check(s)
	}
	if nFast < 100 {
		t.Fatalf("only %d random texts took the fast path", nFast)
	}
}

func slowTextKey(k *keyer, s string) ([16]byte, bool) {
	b := k.slowKey(nil, s)
	var key [16]byte
	if len(b) == 0 {
		return key, false
	}
	sum := sha256.Sum256(b)
	copy(key[:], sum[:16])
	return key, true
}

// BenchmarkTextKey: the exact-duplicate key of ~2.5 KB mixed zh/en
// documents (fast path) and the same through golang.org/x/text (slow).
func BenchmarkTextKey(b *testing.B) {
	docs := mixedDocuments(512, 3)
	n := 0
	for _, d := range docs {
		n += len(d)
	}
	var k keyer
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(n))
		cpu := startCPU()
		for b.Loop() {
			for _, d := range docs {
				k.textKey(d)
			}
		}
		cpu.report(b, int64(n))
	})
	b.Run("x-text", func(b *testing.B) {
		b.SetBytes(int64(n))
		cpu := startCPU()
		for b.Loop() {
			for _, d := range docs {
				k.buf = k.slowKey(k.buf[:0], d)
				sha256.Sum256(k.buf)
			}
		}
		cpu.report(b, int64(n))
	})
}
