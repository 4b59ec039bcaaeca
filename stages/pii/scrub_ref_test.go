package pii

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// detectKeyRef is detectKey as it was before the digit-chain test: it
// counted the digits of the key and scanned every path segment when there
// were 11 or more. Kept as the reference of TestDetectKeyMatchesReference
// and FuzzDetectKeyMatchesReference.
func detectKeyRef(key string, min float64) []Entity {
	s, off := key, []int(nil)
	if foldNeeded(key) {
		s, off = fold(key)
	}
	ents := Detector{MinScore: min}.Detect(s, nil)
	for i := range ents {
		if ents[i].Type == TypeEmail {
			ents[i].End = trimFileExt(s, ents[i].Start, ents[i].End)
		}
	}
	nd := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			nd++
		}
	}
	passport := nd >= 7 && hasPassportWordRef(s)
	if nd < 11 && !passport {
		return mapBack(resolveKey(ents), off)
	}
	for start := 0; start <= len(s); {
		end := strings.IndexByte(s[start:], '/')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		ents = keySegment(s, start, end, passport, ents)
		start = end + 1
	}
	return mapBack(resolveKey(ents), off)
}

// hasPassportWordRef is hasPassportWord as it was: one pass per word.
func hasPassportWordRef(s string) bool {
	for _, w := range []string{"passport", "huzhao"} {
		for i := 0; i+len(w) <= len(s); i++ {
			if lowerByte(s[i]) == w[0] && strings.EqualFold(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return strings.Contains(s, "护照")
}

// maskedForm is a keyed-hash form ScrubMask wrote into a message.
var maskedForm = regexp.MustCompile(`\[([A-Z_]+):[0-9a-f]{16}\]`)

// scrubCorpus returns texts to compare the scrub kernels on: the finding
// messages and evidence of the bench corpora's runs (testdata/
// scrub_messages.txt, written after scrubbing), each again with its masked
// forms replaced by identifiers of their type in several spellings, and
// every text of the detector's test sets.
func scrubCorpus(t testing.TB) []string {
	var out []string
	ids := map[string][]string{
		TypePhone:        {"13912345678", "139-1234-5678", "+86 139 1234 5678", "0086 13912345678", "u13912345678x"},
		TypeCNResidentID: {"11010519491231002X", "id11010519491231002x", "110105 19491231 002X"},
		TypeEmail:        {"zhao.liu@example.com", "zhao.liu@example.com.jsonl"},
		TypeBankCard:     {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111"},
		TypePassport:     {"E12345678 passport", "护照 G1234567"},
		"SUBJECT_ID":     {"u532780", "s-778899"},
	}
	add := func(s string) {
		out = append(out, s)
		if !maskedForm.MatchString(s) {
			return
		}
		for i := range 5 {
			out = append(out, maskedForm.ReplaceAllStringFunc(s, func(m string) string {
				v := ids[maskedForm.FindStringSubmatch(m)[1]]
				if len(v) == 0 {
					return "13912345678"
				}
				return v[i%len(v)]
			}))
		}
	}
	f, err := os.Open("testdata/scrub_messages.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		add(sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"testdata/devset.jsonl", "testdata/public.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			var x struct{ Text string }
			if json.Unmarshal([]byte(line), &x) == nil && x.Text != "" {
				add(x.Text)
			}
		}
	}
	txt, _ := filepath.Glob("testdata/bench_*.txt")
	for _, p := range txt {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Split(string(b), "\n")...)
	}
	return out
}

func TestDetectKeyMatchesReference(t *testing.T) {
	texts := scrubCorpus(t)
	n := 0
	for _, s := range texts {
		for _, min := range []float64{ScrubMinScore, DefaultMinScore} {
			got, want := detectKey(s, min), detectKeyRef(s, min)
			if len(got) != 0 {
				n++
			}
			if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
				t.Errorf("detectKey(%q, %g) = %v, reference %v", s, min, got, want)
			}
		}
		if a, b := hasPassportWord(s), hasPassportWordRef(s); a != b {
			t.Errorf("hasPassportWord(%q) = %v, reference %v", s, a, b)
		}
	}
	if n == 0 {
		t.Fatal("no text with an identifier: the comparison tests nothing")
	}
	t.Logf("%d texts, %d results with identifiers", len(texts), n)
}

func FuzzDetectKeyMatchesReference(f *testing.F) {
	for _, s := range scrubCorpus(f) {
		f.Add(s)
	}
	for _, s := range []string{"1391234 5678", "139.1234.5678", "86 139-1234-5678", "PassPort E1234567", "HUZHAO G12345678",
		"护照E1234567", "11010519491231002x", "a 139 1234 5678 b", "1-2-3-4-5-6-7-8-9-0-1", "2024-07-02T21:49:40Z 13912345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, min := range []float64{ScrubMinScore, DefaultMinScore} {
			got, want := detectKey(s, min), detectKeyRef(s, min)
			if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
				t.Fatalf("detectKey(%q, %g) = %v, reference %v", s, min, got, want)
			}
		}
		if a, b := hasPassportWord(s), hasPassportWordRef(s); a != b {
			t.Fatalf("hasPassportWord(%q) = %v, reference %v", s, a, b)
		}
	})
}

// BenchmarkScrubDetect runs the scrub detector (detectKey at
// ScrubMinScore) and its reference over the finding messages and evidence
// of the bench runs (testdata/scrub_messages.txt), in the same run.
func BenchmarkScrubDetect(b *testing.B) {
	raw, err := os.ReadFile("testdata/scrub_messages.txt")
	if err != nil {
		b.Fatal(err)
	}
	texts := strings.Split(strings.TrimSpace(string(raw)), "\n")
	n := 0
	for _, s := range texts {
		n += len(s)
	}
	for _, v := range []struct {
		name string
		f    func(string, float64) []Entity
	}{{"detectKey", detectKey}, {"reference", detectKeyRef}} {
		b.Run(v.name, func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				for _, s := range texts {
					v.f(s, ScrubMinScore)
				}
			}
		})
	}
}
