package pii

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// findRef is wordSet.find without its filters (every byte that starts a
// word tested), the reference for the filtered scan.
func (ws *wordSet) findRef(s string) (string, bool) {
	if ws == nil {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		c := lowerByte(s[i])
		if !ws.first[c] {
			continue
		}
		if isLetter(c) && i > 0 && isLetter(s[i-1]) {
			continue
		}
	words:
		for _, k := range ws.words[c] {
			if len(s)-i < len(k) {
				continue
			}
			for j := 1; j < len(k); j++ {
				if lowerByte(s[i+j]) != k[j] {
					continue words
				}
			}
			return k, true
		}
	}
	return "", false
}

// TestWordSetFindMatchesReference: find returns what the byte-by-byte
// scan returns, for the default markers, a set with one-byte words, a set
// with a word that starts with a continuation byte and one with an
// upper-case word (which never matches), on random mixed texts with
// invalid bytes.
func TestWordSetFindMatchesReference(t *testing.T) {
	sets := [][]string{
		{"病历", "诊断", "确诊", "病史", "处方", "住院", "艾滋病", "hiv", "抑郁症", "癌症", "diagnosis", "diagnosed", "medical record",
			"prescription", "hospitalised", "hospitalized", "指纹", "人脸", "面部识别", "虹膜", "声纹", "fingerprint", "face scan",
			"facial recognition", "iris scan", "voiceprint"},
		{"x", "é", "你", "好人", "a"},
		{"\x80\x81", "界", "iris"},
		{"\xe4\xbd", "\xe4"},
		{"Hiv", "hIV", "scan"},
		{"\xe4\xbd\xa0", "界x", "iris", "好人", "\x80\x81\xe4", "xé"},
		{"hiv", "a你a", "你好人", "\xe4\xbd\xa0\xe5"},
	}
	parts := []string{"病", "历", "诊", "断", "确", "住院", "人", "脸", "你", "好", "界", "。", "，", "HIV", "Diagnosis", "iris scan",
		"hotel", "x", "X", " ", "\n", "é", "a", "\xe4\xbd", "\xe4", "\x80", "\x81", "\xff", "\xe4\xbd\xa0", "\xe0\x80\x80", "\U0001F600"}
	rng := rand.New(rand.NewPCG(5, 6))
	for si, words := range sets {
		ws := newWordSet(words)
		if want := si == 0 || si >= 4; ws.tri3 != want {
			t.Fatalf("set %d: tri3 %v, want %v", si, ws.tri3, want)
		}
		found := 0
		for range 30000 {
			var b []byte
			for range rng.IntN(30) {
				b = append(b, parts[rng.IntN(len(parts))]...)
			}
			s := string(b)
			w, ok := ws.find(s)
			rw, rok := ws.findRef(s)
			if w != rw || ok != rok {
				t.Fatalf("set %d: find(%q) = %q %v, reference %q %v", si, s, w, ok, rw, rok)
			}
			if ok {
				found++
			}
		}
		if found < 1000 {
			t.Errorf("set %d: only %d texts had a word", si, found)
		}
	}
}

// FuzzWordSetFind compares find with the byte-by-byte reference for the
// default marker words and for a set of one-byte and lead-byte words, on
// arbitrary texts.
func FuzzWordSetFind(f *testing.F) {
	sets := []*wordSet{
		newWordSet([]string{"病历", "诊断", "确诊", "病史", "处方", "住院", "艾滋病", "hiv", "抑郁症", "癌症", "diagnosis", "diagnosed",
			"medical record", "prescription", "hospitalised", "hospitalized", "指纹", "人脸", "面部识别", "虹膜", "声纹", "fingerprint",
			"face scan", "facial recognition", "iris scan", "voiceprint"}),
		newWordSet([]string{"x", "é", "你", "好人", "a", "\xe4"}),
		newWordSet([]string{"\xe4\xbd\xa0", "界x", "iris", "好人", "\x80\x81\xe4", "xé", "hiv"}),
	}
	for _, s := range []string{"The patient was diagnosed with HIV last year.", "病人的病历和诊断书已经提交，住院三天。",
		"hotel face scan", "aaaaaaaax", "1234567x", "\xe4\xbd\xa0好人你", "A careful audit trail makes it possible. 人脸识别"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, ws := range sets {
			w, ok := ws.find(s)
			rw, rok := ws.findRef(s)
			if w != rw || ok != rok {
				t.Fatalf("set %d: find(%q) = %q %v, reference %q %v", i, s, w, ok, rw, rok)
			}
		}
	})
}

// BenchmarkMarkerFind scans ~2.5 KB mixed zh/en documents without a
// marker word for the default marker words (the PII stage does for every
// record with a subject id or an identifier and no separate consent).
func BenchmarkMarkerFind(b *testing.B) {
	ws := defaultMarkerSet()
	en := "A careful audit trail makes it possible to answer where each record came from. Users may withdraw their consent at any time from the settings page. The museum reopened after a two-year renovation with a new wing for modern art.\n\n"
	zh := "人工智能技术的快速发展为各行各业带来了深刻变革。这款手机的电池续航表现出色，充电速度也比上一代更快。教育公平是社会公平的重要基础，需要长期持续投入。\n\n"
	doc := strings.Repeat(en+en+zh, 4)
	if _, ok := ws.find(doc); ok {
		b.Fatal("the document holds a marker word")
	}
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		ws.find(doc)
	}
}

// defaultMarkerSet is the word set of the default policy's marker words,
// every category together.
func defaultMarkerSet() *wordSet {
	var p schemas.Policy
	p.ApplyDefaults()
	var words []string
	for _, ws := range p.PII.Markers {
		words = append(words, ws...)
	}
	return newWordSet(words)
}
