package legality

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKeywords(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantErr bool
	}{
		{"plain", "a\nb\n", []string{"a", "b"}, false},
		{"comments and blanks", "# x\n\n  a  \n#b\n", []string{"a"}, false},
		{"bom", "\xef\xbb\xbfalpha\nbeta", []string{"alpha", "beta"}, false},
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}, false},
		{"cjk", "恶魔果冻\n", []string{"恶魔果冻"}, false},
		{"invalid utf8", "ok\n\xff\xfe\n", nil, true},
		{"too long", strings.Repeat("x", MaxKeywordLen+1), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKeywords(strings.NewReader(tt.in))
			if tt.wantErr {
				var pe *ParseError
				if !errors.As(err, &pe) || !errors.Is(err, ErrBadKeyword) {
					t.Fatalf("err = %v, want *ParseError wrapping ErrBadKeyword", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMatcher(t *testing.T) {
	kws := []Keyword{
		{"zorblax", 0}, {"Grimwald Scheme", 1}, {"恶魔果冻", 0}, {"假药", 1}, {"假药丸", 1},
		{"he", 2}, {"she", 2}, {"hers", 2},
	}
	m, err := NewMatcher(kws, []string{"violence", "fraud", "test"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text  string
		count int
		cats  uint64
	}{
		{"nothing here at all", 0, 0},
		{"the ZORBLAX attack", 1, 1},
		{"zorblaxes are plural", 0, 0},   // word boundary at the end
		{"antizorblax", 0, 0},            // word boundary at the start
		{"zorblax,zorblax.", 2, 1},       // punctuation is a boundary
		{"a grimwald scheme plan", 1, 2}, // case-insensitive, inner space
		{"买了恶魔果冻和假药丸", 3, 3},             // CJK: 恶魔果冻, 假药, 假药丸
		{"ushers", 0, 0},                 // he/she/hers inside a word
		{"she hers he", 3, 4},
		{"", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			h := m.Scan(tt.text)
			if h.Count != tt.count || h.Categories != tt.cats {
				t.Errorf("Scan(%q) = %+v, want count %d cats %b", tt.text, h, tt.count, tt.cats)
			}
		})
	}
	if got := m.CategoryNames(3); fmt.Sprint(got) != "[violence fraud]" {
		t.Errorf("CategoryNames(3) = %v", got)
	}
}

// naiveScan is the reference the automaton must agree with.
func naiveScan(kws []Keyword, text string) Hits {
	var h Hits
	lower := func(s string) string {
		b := []byte(s)
		for i, c := range b {
			b[i] = fold(c)
		}
		return string(b)
	}
	lt := lower(text)
	for _, k := range kws {
		if k.Text == "" {
			continue
		}
		lk := lower(k.Text)
		for i := 0; i+len(lk) <= len(lt); i++ {
			if lt[i:i+len(lk)] != lk {
				continue
			}
			if isWordByte(lk[0]) && i > 0 && isWordByte(text[i-1]) {
				continue
			}
			if end := i + len(lk); isWordByte(lk[len(lk)-1]) && end < len(text) && isWordByte(text[end]) {
				continue
			}
			h.Count++
			h.Categories |= 1 << k.Category
		}
	}
	return h
}

// randomWords returns a generator of n-symbol strings over a small
// alphabet of ASCII letters of both cases, a space, a hyphen and two Han
// characters, drawn from rng.
func randomWords(rng *rand.Rand) func(n int) string {
	alphabet := []string{"a", "b", "c", "A", " ", "恶", "魔", "-"}
	return func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
}

func TestMatcherAgreesWithNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := randomWords(rng)
	for trial := range 200 {
		var kws []Keyword
		for range 1 + rng.IntN(12) {
			kws = append(kws, Keyword{word(1 + rng.IntN(4)), rng.IntN(3)})
		}
		m, err := NewMatcher(kws, []string{"x", "y", "z"})
		if err != nil {
			t.Fatal(err)
		}
		text := word(rng.IntN(40))
		if got, want := m.Scan(text), naiveScan(kws, text); got != want {
			t.Fatalf("trial %d: Scan(%q) with %v = %+v, naive %+v", trial, text, kws, got, want)
		}
	}
}

func TestMatcherTooLarge(t *testing.T) {
	defer func(old int64) { maxAutomatonCells = old }(maxAutomatonCells)
	maxAutomatonCells = 1000
	kws := []Keyword{{"abcdefghijklmnopqrstuvwxyz", 0}, {"zyxwvutsrqponmlkjihgfedcba", 0}}
	if _, err := NewMatcher(kws, []string{"x"}); !errors.Is(err, ErrTooManyKeywords) {
		t.Fatalf("err = %v, want ErrTooManyKeywords", err)
	}
	maxAutomatonCells = 10000
	if _, err := NewMatcher(kws, []string{"x"}); err != nil {
		t.Fatalf("err = %v under a sufficient cap", err)
	}
}

func FuzzParseKeywords(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "keywords"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "keywords", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "some text with zorblax and 恶魔果冻")
	}
	f.Fuzz(func(t *testing.T, list []byte, text string) {
		words, err := ParseKeywords(bytes.NewReader(list))
		if err != nil {
			return
		}
		kws := make([]Keyword, len(words))
		for i, w := range words {
			if w == "" || strings.HasPrefix(w, "#") {
				t.Fatalf("loader returned %q", w)
			}
			kws[i] = Keyword{w, i % 3}
		}
		if len(kws) > 50 {
			kws = kws[:50]
		}
		m, err := NewMatcher(kws, []string{"a", "b", "c"})
		if err != nil {
			return
		}
		if got, want := m.Scan(text), naiveScan(kws, text); got != want {
			t.Fatalf("Scan(%q) = %+v, naive %+v", text, got, want)
		}
	})
}

// benchKeywords makes n distinct keywords: 70 % ASCII pseudo-words, 30 %
// two-to-four-character CJK terms.
func benchKeywords(n int) []Keyword {
	rng := rand.New(rand.NewPCG(7, 7))
	seen := map[string]bool{}
	var out []Keyword
	for len(out) < n {
		var w string
		if rng.IntN(10) < 7 {
			b := make([]byte, 5+rng.IntN(8))
			for i := range b {
				b[i] = byte('a' + rng.IntN(26))
			}
			w = string(b)
		} else {
			r := make([]rune, 2+rng.IntN(3))
			for i := range r {
				r[i] = rune(0x4e00 + rng.IntN(3000))
			}
			w = string(r)
		}
		if !seen[w] {
			seen[w] = true
			out = append(out, Keyword{w, rng.IntN(8)})
		}
	}
	return out
}

// benchText makes size bytes of mixed English and Chinese prose-like text.
func benchText(size int) string {
	rng := rand.New(rand.NewPCG(9, 9))
	words := []string{"the", "report", "said", "market", "city", "weather", "government", "people", "announced", "new", "policy", "on", "Monday", "and", "of", "in", "to"}
	var b strings.Builder
	b.Grow(size + 64)
	for b.Len() < size {
		if rng.IntN(3) == 0 {
			for range 10 + rng.IntN(20) {
				b.WriteRune(rune(0x4e00 + rng.IntN(3000)))
			}
			b.WriteString("。")
		} else {
			for range 8 + rng.IntN(12) {
				b.WriteString(words[rng.IntN(len(words))])
				b.WriteByte(' ')
			}
			b.WriteString(". ")
		}
	}
	return b.String()
}

// BenchmarkKeywords scores text with a 10,000-keyword list on one core.
func BenchmarkKeywords(b *testing.B) {
	m, err := NewMatcher(benchKeywords(10000), []string{"a", "b", "c", "d", "e", "f", "g", "h"})
	if err != nil {
		b.Fatal(err)
	}
	text := benchText(16 << 20)
	// Records of about 4 KiB, as the stage scans them.
	var recs []string
	for i := 0; i < len(text); {
		j := min(i+4096, len(text))
		for j < len(text) && !utf8RuneStart(text[j]) {
			j++
		}
		recs = append(recs, text[i:j])
		i = j
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	var hits int
	for b.Loop() {
		for _, r := range recs {
			hits += m.Scan(r).Count
		}
	}
	b.ReportMetric(float64(m.States()), "states")
	_ = hits
}

func utf8RuneStart(c byte) bool { return c&0xC0 != 0x80 }

// TestMatcherLongTextsAgreeWithNaive covers the split walks (two halves
// from scanSplitMin, four quarters from scanSplit4Min bytes), with
// matches straddling every boundary.
func TestMatcherLongTextsAgreeWithNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	word := randomWords(rng)
	for trial := range 300 {
		var kws []Keyword
		for range 1 + rng.IntN(12) {
			kws = append(kws, Keyword{word(1 + rng.IntN(6)), rng.IntN(3)})
		}
		m, err := NewMatcher(kws, []string{"x", "y", "z"})
		if err != nil {
			t.Fatal(err)
		}
		n := []int{scanSplitMin - 1, scanSplitMin, 1000, scanSplit4Min - 1, scanSplit4Min, scanSplit4Min + 3, 5000}[trial%7]
		var b strings.Builder
		for b.Len() < n {
			b.WriteString(word(1))
		}
		text := b.String()
		if got, want := m.Scan(text), naiveScan(kws, text); got != want {
			t.Fatalf("trial %d: Scan of %d bytes with %v = %+v, naive %+v", trial, len(text), kws, got, want)
		}
	}
}
