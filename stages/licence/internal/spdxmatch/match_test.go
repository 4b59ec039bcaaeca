package spdxmatch

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type textsFile struct {
	Version  string `json:"version"`
	Licences []Text `json:"licences"`
}

func loadTexts(tb testing.TB) textsFile {
	tb.Helper()
	b, err := os.ReadFile("data/texts.json.gz")
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	var f textsFile
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		tb.Fatal(err)
	}
	return f
}

// TestIndexUpToDate rebuilds the index from the pinned texts and compares
// it with the embedded one: a change to the normalisation must come with
// `go generate`.
func TestIndexUpToDate(t *testing.T) {
	f := loadTexts(t)
	got := Build(f.Version, f.Licences).Encode()
	if !bytes.Equal(got, indexBin) {
		t.Fatalf("data/index.bin is stale: run go generate (see gen/main.go)")
	}
}

func wrap(s string, width int) string {
	var b strings.Builder
	for _, para := range strings.Split(s, "\n\n") {
		n := 0
		for _, w := range strings.Fields(para) {
			if n > 0 && n+len(w)+1 > width {
				b.WriteByte('\n')
				n = 0
			} else if n > 0 {
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += len(w)
		}
		b.WriteString("\n\n")
	}
	return b.String()
}

func TestMatchRewrapped(t *testing.T) {
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	f := loadTexts(t)
	n, ok := 0, 0
	for _, l := range f.Licences {
		if l.Deprecated {
			continue
		}
		n++
		text := "Copyright (c) 2024 Jane Example <jane@example.org>\n\n" + wrap(l.Text, 63)
		hits := ix.Match([]byte(text))
		want := l.ID
		if e, _ := ix.Lookup(l.ID); e.Same != "" {
			want = e.Same
		}
		if len(hits) > 0 && hits[0].ID == want {
			ok++
			continue
		}
		got := "-"
		if len(hits) > 0 {
			got = hits[0].ID
		}
		t.Logf("miss %s: got %s %+v", l.ID, got, hits)
	}
	t.Logf("%d/%d = %.3f", ok, n, float64(ok)/float64(n))
}

// BenchmarkDecode measures what the first licence match in a process
// costs beyond the match: decoding the embedded index and building its
// prefix table (start-up must stay well under 100 ms).
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ix, err := Decode(indexBin)
		if err != nil {
			b.Fatal(err)
		}
		ix.prefixStart()
	}
}

// FuzzMatch: any input tokenises and matches without panicking, every
// hit is a listed licence with a span inside the input, and Match (with
// mayMatch's bound) gives match's hits.
func FuzzMatch(f *testing.F) {
	for _, l := range loadTexts(f).Licences[:40] {
		f.Add([]byte(l.Text))
	}
	f.Add([]byte("Copyright(c) 2001\n© \xff\xfe 版权所有"))
	f.Add([]byte("reproduction and use\n© 2021 X\nrights to all parties, PROVIDED that this comment is\n// Copyright 2018 A.\nmaintained in the c"))
	ix, err := Default()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		hits := ix.Match(b)
		if want := ix.match(b); !reflect.DeepEqual(hits, want) {
			t.Fatalf("Match = %v, match gives %v", hits, want)
		}
		for _, h := range hits {
			if _, ok := ix.Lookup(h.ID); !ok || h.Start < 0 || h.End > len(b) || h.Start > h.End || h.Coverage < MinCoverage || h.Coverage > 1 {
				t.Fatalf("bad hit %+v for %d bytes", h, len(b))
			}
		}
	})
}

// FuzzDecode: corrupt index data is an error, never a panic.
func FuzzDecode(f *testing.F) {
	f.Add(indexBin[:200])
	f.Add([]byte(magic))
	f.Add([]byte(magic + "\x05hello\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ix, err := Decode(b)
		if err == nil {
			ix.Match([]byte("Permission is hereby granted, free of charge, to any person obtaining a copy"))
		}
	})
}

// BenchmarkProbe: what a long document that quotes a licence sentence
// costs per probe (512 bytes of prose around the sentence).
func BenchmarkProbe(b *testing.B) {
	ix, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	text := []byte("Large language models are trained on diverse corpora collected from many sources. 人工智能技术的快速发展为各行各业带来了深刻变革。The weather in the mountains changed quickly, so we turned back before noon. " +
		"This library is distributed in the hope that it will be useful. Our evaluation shows a consistent improvement on reading comprehension tasks. " +
		"Annotators flagged ambiguous examples for a second review. The museum reopened after a two-year renovation with a new wing for modern art.")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if ix.Probe(text, 20) {
			b.Fatal("prose passes the probe")
		}
	}
}

// TestProbe: a 512-byte stretch of a long licence passes (dense), a short
// licence that fits in the stretch passes (its own thresholds), prose that
// quotes one licence sentence does not.
func TestProbe(t *testing.T) {
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{}
	for _, l := range loadTexts(t).Licences {
		texts[l.ID] = l.Text
	}
	gpl := texts["GPL-3.0-only"]
	mid := len(gpl) / 2
	prose := "The weather in the mountains changed quickly, so we turned back before noon. Annotators flagged ambiguous examples for a second review. "
	for _, c := range []struct {
		name, text string
		want       bool
	}{
		{"GPL-3.0 stretch", gpl[mid : mid+512], true},
		{"MIT whole, in prose", prose + texts["MIT"] + prose, true},
		{"ISC whole", texts["ISC"], true},
		{"quoted sentence", prose + "This library is distributed in the hope that it will be useful. " + prose, false},
		{"prose", prose + prose, false},
	} {
		if got := ix.Probe([]byte(c.text), 20); got != c.want {
			t.Errorf("%s: Probe = %v, want %v", c.name, got, c.want)
		}
	}
}

// TestWordHashes: Probe's words are tokenise's, on every licence text of
// the list without its copyright lines (which only tokenise skips), on
// mixed prose and on texts of random runes.
func TestWordHashes(t *testing.T) {
	var texts []string
	for _, l := range loadTexts(t).Licences {
		var keep []string
		for _, line := range strings.Split(l.Text, "\n") {
			if !strings.Contains(strings.ToLower(line), "copyright") && !strings.Contains(line, "©") {
				keep = append(keep, line)
			}
		}
		texts = append(texts, strings.Join(keep, "\n"))
	}
	texts = append(texts, "人工智能技术的快速发展，为各行各业带来了深刻变革。The MIT License — Ünïcödé ÀB x y 3 ĳ ǅ İ K ß ＡＢ 한국어 日本語のテキスト a.b.c (i) iii licence")
	alphabet := []rune("aZ09 \n\t.,-'人工智©ÀßİK한の①Ⅻ\u0301x")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		rs := make([]rune, rng.IntN(40))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if s := string(rs); !strings.Contains(s, "©") {
			texts = append(texts, s)
		}
	}
	for _, s := range texts {
		var want []uint64
		for _, tk := range tokenise([]byte(s), nil) {
			want = append(want, tk.h)
		}
		if got := wordHashes([]byte(s), nil); !slices.Equal(got, want) {
			t.Fatalf("wordHashes(%q) = %v, tokenise gives %v", s, got, want)
		}
	}
}

// probeHeldFull is probeHeld's decision counting every held shingle (no
// shortKeys).
func probeHeldFull(ix *Index, held []uint32, total, dense int) bool {
	held = uniq(slices.Clone(held))
	switch {
	case len(held) >= dense:
		return true
	case len(held) < minShared:
		return false
	case 2*len(held) >= total:
		return true
	}
	counts := map[int]int{}
	for _, s := range held {
		lo, hi := ix.postings(s)
		for k := lo; k < hi; k++ {
			counts[ix.post(k)]++
		}
	}
	for l, c := range counts {
		if c >= minShared && float64(c) >= MinCoverage*float64(ix.Licences[l].Shingles) {
			return true
		}
	}
	return false
}

// TestProbeHeldShort: probeHeld, which counts only the keys of short
// licences when no other licence can pass, decides as counting every
// key does: on the held shingles of every stretch of the prober texts
// and of every SPDX text, and on sets drawn from the keys of the short
// licences (which pass) mixed with keys of long ones.
func TestProbeHeldShort(t *testing.T) {
	ix, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	ix.prefixStart()
	if len(ix.shortKeys) == 0 || !slices.IsSorted(ix.shortKeys) {
		t.Fatalf("shortKeys: %d keys, sorted %v", len(ix.shortKeys), slices.IsSorted(ix.shortKeys))
	}
	buf := new(matchBuf)
	// counted[answer]: the sets decided by the counts per licence.
	var counted [2]int
	check := func(held []uint32, total, dense int) bool {
		want := probeHeldFull(ix, held, total, dense)
		if got := ix.probeHeld(buf, slices.Clone(held), total, dense); got != want {
			t.Fatalf("probeHeld(%d held of %d, dense %d) = %v, counting every key gives %v", len(held), total, dense, got, want)
		}
		if h := len(uniq(slices.Clone(held))); h >= minShared && h < dense && 2*h < total {
			counted[b2i(want)]++
		}
		return want
	}
	var texts [][]byte
	texts = append(texts, proberTexts(t)...)
	for _, l := range loadTexts(t).Licences {
		texts = append(texts, []byte(l.Text))
	}
	stretches, passed := 0, 0
	for _, text := range texts {
		words := wordHashes(text, nil)
		for a := 0; a < len(words); a += 19 {
			for _, n := range []int{40, 100} {
				b := min(len(words), a+n)
				var held []uint32
				for i := a; i+2 < b; i++ {
					if s := shingle(words[i], words[i+1], words[i+2]); ix.holds(s) {
						held = append(held, s)
					}
				}
				for _, dense := range []int{5, 20, 40} {
					stretches++
					if check(held, max(0, b-a-2), dense) {
						passed++
					}
				}
			}
		}
	}
	// Keys of one short licence, with keys of other licences and a
	// total that keeps the share test from deciding.
	rng := rand.New(rand.NewPCG(7, 8))
	var all []uint32
	for i := 0; i < ix.nKeys(); i += 97 {
		all = append(all, ix.key(i))
	}
	drawn, drawnPass := 0, 0
	for l, lic := range ix.Licences {
		if lic.Shingles == 0 || lic.Shingles > shortShingles {
			continue
		}
		var own []uint32
		for i := 0; i < ix.nKeys(); i++ {
			lo, hi := ix.postings(ix.key(i))
			for k := lo; k < hi; k++ {
				if ix.post(k) == l {
					own = append(own, ix.key(i))
				}
			}
		}
		for r := 0; r < 40; r++ {
			rng.Shuffle(len(own), func(i, j int) { own[i], own[j] = own[j], own[i] })
			held := slices.Clone(own[:rng.IntN(len(own)+1)])
			for k := rng.IntN(8); k > 0; k-- {
				held = append(held, all[rng.IntN(len(all))])
			}
			drawn++
			if check(held, 4*len(held)+10, 20) {
				drawnPass++
			}
		}
	}
	t.Logf("%d stretches (%d pass), %d drawn sets (%d pass); decided by the counts: %d pass, %d do not",
		stretches, passed, drawn, drawnPass, counted[1], counted[0])
	if counted[0] < 100 || counted[1] < 100 {
		t.Errorf("the sets do not exercise both answers of the counts: %d pass, %d do not", counted[1], counted[0])
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
