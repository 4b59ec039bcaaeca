package licence

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// naiveAnchors is scanAnchors by its definition: every position, every
// anchor, in text order.
func naiveAnchors(text []byte) anchorHits {
	var h anchorHits
	var count, next [maxAnchors]int
	for i := range text {
		for k, a := range anchors {
			if i < next[k] || count[k] >= maxAnchorHits || !bytes.HasPrefix(text[i:], []byte(a.s)) {
				continue
			}
			next[k] = i + len(a.s)
			count[k]++
			h.found |= 1 << k
			for g := 0; g < numGroups; g++ {
				if a.g&(1<<g) != 0 {
					h.pos[g] = append(h.pos[g], i)
				}
			}
		}
	}
	return h
}

func checkAnchors(t *testing.T, text []byte) {
	t.Helper()
	got, want := scanAnchors(text), naiveAnchors(text)
	if got.found != want.found {
		t.Fatalf("found %b, want %b in %q", got.found, want.found, text)
	}
	for g := range got.pos {
		if !slices.Equal(got.pos[g], want.pos[g]) {
			t.Fatalf("group %d: hits %v, want %v in %q", g, got.pos[g], want.pos[g], text)
		}
	}
	if got.has(anchorSPDXTag) != bytes.Contains(text, spdxTag) || got.has(anchorCCURL) != bytes.Contains(text, []byte("creativecommons")) ||
		got.has(anchorCCZh) != bytes.Contains(text, []byte("共享")) {
		t.Fatalf("has disagrees with bytes.Contains in %q", text)
	}
}

// anchorTexts are texts with anchors at every offset of an eight-byte
// run and at the ends.
func anchorTexts() [][]byte {
	var texts [][]byte
	rng := rand.New(rand.NewPCG(5, 6))
	filler := []string{"x", " ", "中", "ab", "\n", "©", "C"}
	for n := 0; n < 300; n++ {
		var b strings.Builder
		for b.Len() < rng.IntN(200) {
			if rng.IntN(3) == 0 {
				b.WriteString(anchors[rng.IntN(len(anchors))].s)
			} else {
				b.WriteString(filler[rng.IntN(len(filler))])
			}
		}
		texts = append(texts, []byte(b.String()))
	}
	return texts
}

// TestScanAnchors: scanAnchors finds what trying every anchor at every
// position finds, on texts with anchors at every offset, on the test
// data and on a text with more hits than the cap.
func TestScanAnchors(t *testing.T) {
	for _, text := range anchorTexts() {
		checkAnchors(t, text)
	}
	checkAnchors(t, bytes.Repeat([]byte("licence CC "), 2*maxAnchorHits))
	_ = filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if text, err := os.ReadFile(path); err == nil {
				checkAnchors(t, text)
			}
		}
		return nil
	})
}

func FuzzScanAnchors(f *testing.F) {
	for _, text := range anchorTexts()[:50] {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text []byte) { checkAnchors(t, text) })
}

// TestBlockScans: hasPhraseKey and zhNoticeStartsIn, which read eight
// positions per branch, agree with a test of every position, on texts
// with key words and phrasings at every offset and at the ends.
func TestBlockScans(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var words []string
	for _, k := range phraseKeys {
		words = append(words, k.word, strings.ToUpper(k.word))
	}
	for _, row := range useNoticeTable {
		words = append(words, row.zh...)
	}
	filler := []string{"x", " ", "中", "仅", "ab", "\n", "-"}
	for n := 0; n < 2000; n++ {
		var b strings.Builder
		for b.Len() < rng.IntN(60) {
			if rng.IntN(6) == 0 {
				b.WriteString(words[rng.IntN(len(words))])
			} else {
				b.WriteString(filler[rng.IntN(len(filler))])
			}
		}
		win := []byte(b.String())
		key := false
		var at []int
		for i := range win {
			for _, pk := range phraseKeys {
				key = key || hasPrefixFold(win[i:], pk.word) && (!pk.wordStart || i == 0 || !isWordByte(win[i-1]))
			}
			at = zhNoticeAt(win, i, at)
		}
		if got := hasPhraseKey(win); got != key && !phraseKeyAlways {
			t.Fatalf("hasPhraseKey(%q) = %v, want %v", win, got, key)
		}
		if got := zhNoticeStartsIn(win, nil); !slices.Equal(got, at) {
			t.Fatalf("zhNoticeStartsIn(%q) = %v, want %v", win, got, at)
		}
	}
}

// TestZhReAny: every match of a use notice's Chinese regular expression
// holds one of its zhReAny literals (the search is skipped without one).
func TestZhReAny(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := []string{"仅", "僅", "供", "限", "用于", "用於", "学术", "學術", "科研", "研究", "教学", "學習", "学习", "参考", "，", "。", "a", " ", "只", "可"}
	for _, row := range useNoticeTable {
		if row.zhRe == nil {
			continue
		}
		if len(row.zhReAny) == 0 {
			t.Fatalf("%s: zhRe without zhReAny", row.id)
		}
		for n := 0; n < 20000; n++ {
			var b strings.Builder
			for k := rng.IntN(8); k >= 0; k-- {
				b.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			s := []byte(b.String())
			if row.zhRe.Match(s) && !containsAnyBytes(s, row.zhReAny) {
				t.Fatalf("%s: zhRe matches %q, which holds none of %q", row.id, s, row.zhReAny)
			}
		}
	}
}

// TestHasASCIIUseWordPairs: the pair lookup finds what a search for each word
// in every case finds.
func TestHasASCIIUseWordPairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	parts := append([]string{"x", " ", "中", "ACADEMIC", "ReSeArCh", "academi", "esearch", "\n"}, useWords...)
	for n := 0; n < 5000; n++ {
		var b strings.Builder
		for b.Len() < rng.IntN(60) {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		win := []byte(b.String())
		want := false
		for _, w := range useWords {
			want = want || bytes.Contains(bytes.ToLower(win), []byte(w))
		}
		if got := hasASCIIUseWord(win); got != want {
			t.Fatalf("hasASCIIUseWord(%q) = %v, want %v", win, got, want)
		}
	}
}

// TestAnchorTable: the table fits anchorHits.found and holds the anchors
// Detect asks about by name.
func TestAnchorTable(t *testing.T) {
	if len(anchors) > maxAnchors {
		t.Fatalf("%d anchors, more than %d", len(anchors), maxAnchors)
	}
	for _, k := range append([]int{anchorSPDXTag, anchorCCURL, anchorCCZh}, append(anchorsReprint[:], anchorsRightsZh[:]...)...) {
		if k < 0 {
			t.Fatal("an anchor Detect asks about by name is not in the table")
		}
	}
}

// TestRightsAnchors: every Chinese reservation notice holds one of the
// anchors rightsNotices asks about before searching for it, and the
// anchor scan finds it in the notice.
func TestRightsAnchors(t *testing.T) {
	for _, c := range []struct {
		phrases []string
		ks      []int
	}{{noReproduction, anchorsReprint[:]}, {reprintCredit, anchorsReprint[:]}, {rightsCN, anchorsRightsZh[:]}} {
		for _, s := range c.phrases {
			h := scanAnchors([]byte("前文" + s + "后文"))
			if !h.hasAny(c.ks) {
				t.Errorf("%q: none of its anchors found", s)
			}
		}
	}
}

// TestLastNewline: lastNewline is bytes.LastIndexByte(b, '\n') on random
// texts of every length up to 80 with newlines, bytes next to them in
// value and high bytes at random places.
func TestLastNewline(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	alphabet := []byte("ab \n\t\v\x0b\x8a\xff\x00\x09")
	for n := 0; n <= 80; n++ {
		for r := 0; r < 300; r++ {
			b := make([]byte, n)
			for i := range b {
				if rng.IntN(4) == 0 {
					b[i] = alphabet[rng.IntN(len(alphabet))]
				} else {
					b[i] = byte('a' + rng.IntN(26))
				}
			}
			if got, want := lastNewline(b), bytes.LastIndexByte(b, '\n'); got != want {
				t.Fatalf("lastNewline(%q) = %d, want %d", b, got, want)
			}
		}
	}
}
