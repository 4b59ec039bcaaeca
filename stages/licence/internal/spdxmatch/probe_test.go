package spdxmatch

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
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
			pre, post := p.stretchCuts(a, b, i, j)
			words := slices.Clone(pre)
			for _, w := range p.words[i:j] {
				words = append(words, w.h)
			}
			words = append(words, post...)
			if !slices.Equal(words, want) {
				t.Fatalf("words of [%d:%d] = %v, wordHashes gives %v (%q)", a, b, words, want, text[a:b])
			}
			var held []uint32
			for s := 0; s+2 < len(want); s++ {
				if sh := shingle(want[s], want[s+1], want[s+2]); ix.holds(sh) {
					held = append(held, sh)
				}
			}
			if bound := p.inner(i, j) + 2; bound < len(held) {
				t.Fatalf("bound %d < %d held shingles in [%d:%d]", bound, len(held), a, b)
			}
			got, total := p.stretchHeld(pre, post, i, j)
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
				pre, post := p.stretchCuts(a, b, i, j)
				got := slices.Clone(pre)
				for _, w := range p.words[i:j] {
					got = append(got, w.h)
				}
				if got = append(got, post...); !slices.Equal(got, wordHashes(text[a:b], nil)) {
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

// mayMatchTexts are texts around Match's least count: every licence text
// of the list, whole and cut into pieces of a few words to a few
// paragraphs, with copyright lines, © lines and (c) lines put at line
// starts and inside lines (the lines the tokeniser skips, whose gaps the
// bound counts), in comment blocks, in mixed zh/en prose; the documents
// of both benchmark corpus shapes; the committed dev set files; and the
// real licence set when PROV_LICENCE_REALSET names it.
func mayMatchTexts(t *testing.T) (texts, docs []string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(11, 12))
	marks := []string{"Copyright (c) 2020 Example Corp\n", "© 2021 某某公司\n", "COPYRİGHT 1999 X\n", "copyright yyyy holder\n",
		"  Copyright © 2019, 2020 A. Person <a@example.com>\n", "// Copyright 2018 The Authors. All rights reserved.\n",
		" (c) 2022 Z ", "copyright ", "©", "\n"}
	for _, l := range loadTexts(t).Licences {
		texts = append(texts, l.Text)
		for range 6 {
			n := 20 + rng.IntN(min(len(l.Text), 1500))
			k := rng.IntN(max(1, len(l.Text)-n))
			piece := l.Text[k:min(len(l.Text), k+n)]
			texts = append(texts, piece)
			// Marks at line starts and at random bytes.
			var b strings.Builder
			for _, line := range strings.SplitAfter(piece, "\n") {
				if rng.IntN(3) == 0 {
					b.WriteString(marks[rng.IntN(len(marks))])
				}
				if rng.IntN(5) == 0 && len(line) > 2 {
					c := rng.IntN(len(line))
					line = line[:c] + marks[rng.IntN(len(marks))] + line[c:]
				}
				b.WriteString(line)
			}
			texts = append(texts, b.String(), "/*\n * "+strings.ReplaceAll(b.String(), "\n", "\n * ")+"\n */\n")
		}
	}
	texts = append(texts, func() (s []string) {
		for _, p := range proberTexts(t) {
			s = append(s, string(p))
		}
		return s
	}()...)
	for _, shape := range []corpusgen.Shape{corpusgen.ShapeShort, corpusgen.ShapeLong} {
		var buf bytes.Buffer
		if _, err := corpusgen.WriteJSONLShape(&buf, shape, 2<<20, 1); err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Lines(buf.Bytes()) {
			var r struct{ Text string }
			if err := json.Unmarshal(line, &r); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, r.Text)
		}
	}
	dirs := []string{"../../testdata/devset", "../../testdata/realset"}
	if d := os.Getenv("PROV_LICENCE_REALSET"); d != "" {
		dirs = append(dirs, d)
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if len(b) <= 1<<20 {
				texts = append(texts, string(b))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("reading the texts of %s: %v", dir, err)
		}
	}
	return texts, docs
}

// TestMayMatch: Match, which returns early when mayMatch rules a text
// out, gives match's hits on every text of mayMatchTexts; the bound
// rules out most documents of the benchmark corpora and no text that
// match finds a licence in.
func TestMayMatch(t *testing.T) {
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	texts, docs := mayMatchTexts(t)
	ruledOut, found, docsOut, gapsDecide := 0, 0, 0, 0
	for k, s := range append(texts, docs...) {
		want := ix.match([]byte(s))
		if !ix.mayMatch([]byte(s)) {
			ruledOut++
			if k >= len(texts) {
				docsOut++
			}
			if want != nil {
				t.Fatalf("mayMatch rules out a text match finds %v in: %q", want, s)
			}
		}
		if got := ix.Match([]byte(s)); !reflect.DeepEqual(got, want) {
			t.Fatalf("Match = %v, match gives %v on %q", got, want, s)
		}
		if want != nil {
			found++
			// A licence found with fewer held shingles among the
			// words than match needs: the gaps of skipped lines
			// made up the difference.
			p := ix.NewProber([]byte(s))
			p.extend(len(s))
			if p.heldCount() < minShared {
				gapsDecide++
			}
			p.Release()
		}
	}
	t.Logf("%d texts and %d corpus documents: %d ruled out (%d documents), %d with a licence found (%d with fewer held shingles than match needs)",
		len(texts), len(docs), ruledOut, docsOut, found, gapsDecide)
	if found < 2000 || docsOut < len(docs)/2 || gapsDecide == 0 {
		t.Errorf("found %d licences (%d by gaps), ruled out %d of %d documents: the texts of the test have changed",
			found, gapsDecide, docsOut, len(docs))
	}
}

// TestDistinct: distinct keeps one of each value, as uniq does, on small
// and large sets with many repeats.
func TestDistinct(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		s := make([]uint32, rng.IntN(150))
		for i := range s {
			s[i] = uint32(rng.IntN(1 + len(s)/2))
			if rng.IntN(4) == 0 {
				s[i] = rng.Uint32()
			}
		}
		want := uniq(slices.Clone(s))
		got := distinct(s)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("distinct = %v, want %v", got, want)
		}
	}
}

// TestHanNotSpecial: no character of the CJK Unified Ideographs block
// (U+4E00..U+9FFF) hashes to a varietal spelling or a dropped word, so
// the prober's Han runs skip unify.
func TestHanNotSpecial(t *testing.T) {
	for r := rune(0x4E00); r <= 0x9FFF; r++ {
		b := []byte(string(r))
		if h := fnv(b); unify(h) != h {
			t.Fatalf("%U hashes to a special word", r)
		}
		if !hanAt(b, 0) {
			t.Fatalf("hanAt misses %U", r)
		}
	}
	for _, b := range []string{"\u4dff", "\ua000", "\u3000", "\ufffd", "\xe4\xb8", "\xe4\xb8x", "\xe9\xbf\xc0", "\xe4\xb7\xbf"} {
		if hanAt([]byte(b), 0) {
			t.Fatalf("hanAt(%q) holds", b)
		}
	}
}
