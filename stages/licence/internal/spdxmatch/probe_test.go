package spdxmatch

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// proberTexts are texts whose words cross stretch ends in every way:
// ASCII words, Han characters, other scripts, a cut UTF-8 sequence, long
// words, dropped words and single letters, licence prose.
func proberTexts(t testing.TB) [][]byte {
	t.Helper()
	var texts [][]byte
	parts := []string{
		"This library is distributed in the hope that it will be useful. ",
		"人工智能技术的快速发展为各行各业带来了深刻变革。", "Größe café naïve Ünïcödé ",
		"\xe4\xb8 \xff\xfe broken ", "a b c i ii iii iv www http https ", strings.Repeat("x", 70) + " ",
		"Copyright (c) 2020 Example © 2021\n", "\n\n", "版权所有，未经许可不得转载。", "Привет мир ",
		"licence licensed organisation ", "1234 5678 ", "한국어 日本語のテキスト ",
	}
	for _, l := range loadTexts(t).Licences {
		switch l.ID {
		case "MIT", "Apache-2.0", "GPL-2.0-only", "MulanPSL-2.0", "BSD-3-Clause", "0BSD":
			parts = append(parts, l.Text)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 60; n++ {
		var b strings.Builder
		for b.Len() < 200+rng.IntN(6000) {
			p := parts[rng.IntN(len(parts))]
			if len(p) > 600 {
				k := rng.IntN(len(p) - 500)
				p = p[k : k+rng.IntN(500)]
			}
			b.WriteString(p)
		}
		texts = append(texts, []byte(b.String()))
	}
	return texts
}

// TestProberIsProbe: on every stretch, in text order and not, the
// Prober's words are wordHashes', its bound holds the stretch's held
// shingles, and its answer is Probe's.
func TestProberIsProbe(t *testing.T) {
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, text := range proberTexts(t) {
		p := ix.NewProber(text)
		pos := 0
		for k := 0; k < 200; k++ {
			if rng.IntN(10) == 0 {
				pos = rng.IntN(len(text)) // out of order
			} else {
				pos = min(len(text), pos+rng.IntN(300))
			}
			reach := 1 + rng.IntN(400)
			a, b := max(0, pos-reach), min(len(text), pos+reach)
			for _, dense := range []int{5, 20} {
				if got, want := p.Probe(a, b, dense), ix.Probe(text[a:b], dense); got != want {
					t.Fatalf("Probe(%d, %d, %d) = %v, ix.Probe gives %v on %q", a, b, dense, got, want, text[a:b])
				}
			}
			i, j := p.cover(a, b)
			if j-i < 3 {
				continue
			}
			want := wordHashes(text[a:b], nil)
			words, pre := p.stretchWords(a, b, i, j)
			if !slices.Equal(words, want) {
				t.Fatalf("words of [%d:%d] = %v, wordHashes gives %v (%q)", a, b, words, want, text[a:b])
			}
			var held []uint32
			for s := 0; s+2 < len(want); s++ {
				if sh := shingle(want[s], want[s+1], want[s+2]); ix.holds(sh) {
					held = append(held, sh)
				}
			}
			if bound := int(p.held[j-2]-p.held[i]) + 2; bound < len(held) {
				t.Fatalf("bound %d < %d held shingles in [%d:%d]", bound, len(held), a, b)
			}
			if n := int(p.held[j-2]-p.held[i]) + p.cutHeld(words, pre, j-i); n != len(held) {
				t.Fatalf("counted %d held shingles in [%d:%d], want %d", n, a, b, len(held))
			}
			got, total := p.stretchHeld(words, pre, i, j)
			slices.Sort(got)
			slices.Sort(held)
			if !slices.Equal(got, held) || total != len(want)-2 {
				t.Fatalf("held shingles of [%d:%d] = %v (of %d), want %v (of %d)", a, b, got, total, held, len(want)-2)
			}
		}
		p.Release()
	}
}

// FuzzProber: on any text, the Prober's words of a stretch are
// wordHashes' and its answers Probe's.
func FuzzProber(f *testing.F) {
	for _, text := range proberTexts(f)[:20] {
		f.Add(text, uint16(100), uint16(300))
	}
	ix, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text []byte, at, reach uint16) {
		if len(text) == 0 {
			return
		}
		p := ix.NewProber(text)
		defer p.Release()
		for pos := int(at) % len(text); pos < len(text); pos += 1 + int(reach)/2 {
			a, b := max(0, pos-int(reach)), min(len(text), pos+int(reach))
			if got, want := p.Probe(a, b, 5), ix.Probe(text[a:b], 5); got != want {
				t.Fatalf("Probe(%d, %d) = %v, ix.Probe gives %v", a, b, got, want)
			}
			if i, j := p.cover(a, b); j-i >= 3 {
				if got, _ := p.stretchWords(a, b, i, j); !slices.Equal(got, wordHashes(text[a:b], nil)) {
					t.Fatalf("words of [%d:%d] differ from wordHashes", a, b)
				}
			}
		}
	})
}

// TestDecodeRune: decodeRune is utf8.DecodeRune on every three-byte
// sequence with a lead byte E0..EF and on cut and invalid ones.
func TestDecodeRune(t *testing.T) {
	check := func(b []byte) {
		r, n := decodeRune(b, 0)
		if wr, wn := utf8.DecodeRune(b); r != wr || n != wn {
			t.Fatalf("decodeRune(% x) = %U, %d; utf8.DecodeRune gives %U, %d", b, r, n, wr, wn)
		}
	}
	for c := 0xE0; c <= 0xEF; c++ {
		for b1 := 0; b1 < 256; b1++ {
			for _, b2 := range []int{0x00, 0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF} {
				check([]byte{byte(c), byte(b1), byte(b2)})
				check([]byte{byte(c), byte(b1), byte(b2), 'x'})
			}
			check([]byte{byte(c), byte(b1)})
		}
		check([]byte{byte(c)})
	}
}
