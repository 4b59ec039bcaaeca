package aigc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// devItem is one text of the dev set with its expected notice span
// ([start, end) of the inserted notice; start < 0 for an unlabelled text).
type devItem struct {
	text       string
	lang, kind string
	start, end int
}

// readTSV reads lang<TAB>text lines, skipping comments; "\n" in text is a
// line break.
func readTSV(tb testing.TB, path string) [][2]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var out [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		if !ok {
			tb.Fatalf("%s: no tab in %q", path, line)
		}
		out = append(out, [2]string{lang, strings.ReplaceAll(text, `\n`, "\n")})
	}
	return out
}

// devSet builds the dev set: every base text (texts of the repository's
// other fixtures, written for other purposes) and every negative as
// unlabelled items; and, for each base text, a labelled copy with one of
// the real-world notices of testdata/labels.txt added at its start or end
// in one of the usual wrappings (brackets, own line, full stop).
func devSet(tb testing.TB) []devItem {
	tb.Helper()
	f, err := os.Open("testdata/base.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var base []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		base = append(base, r.Text)
	}
	labels := readTSV(tb, "testdata/labels.txt")
	var items []devItem
	for _, b := range base {
		items = append(items, devItem{text: b, kind: "base", start: -1})
	}
	for _, n := range readTSV(tb, "testdata/negatives.txt") {
		items = append(items, devItem{text: n[1], lang: n[0], kind: "negative-" + n[0], start: -1})
	}
	starts := []string{"%s\n", "【%s】", "[%s] ", "（%s）", "%s。", "%s: ", "(%s)\n\n"}
	ends := []string{"\n%s", "\n\n（%s）", " [%s]", "\n—— %s", "\n\n*%s*", "【%s】", "\n%s."}
	for i, b := range base {
		l := labels[i%len(labels)]
		var pre, post string
		if (i/len(labels))%2 == 0 {
			w := starts[i%len(starts)]
			k := strings.Index(w, "%s")
			pre, post = w[:k], w[k+2:]
			items = append(items, devItem{text: pre + l[1] + post + b, lang: l[0], kind: "label-start-" + l[0],
				start: len(pre), end: len(pre) + len(l[1])})
		} else {
			w := ends[i%len(ends)]
			k := strings.Index(w, "%s")
			pre, post = w[:k], w[k+2:]
			items = append(items, devItem{text: b + pre + l[1] + post, lang: l[0], kind: "label-end-" + l[0],
				start: len(b) + len(pre), end: len(b) + len(pre) + len(l[1])})
		}
	}
	return items
}

// TestAccuracy scores Explicit on the dev set: a labelled item counts as
// found when a reported label overlaps the inserted notice; any other
// reported label is a false positive. Goal: precision and recall ≥ 0.95
// overall and per language.
func TestAccuracy(t *testing.T) {
	type score struct{ tp, fp, fn int }
	scores := map[string]*score{}
	add := func(k string, tp, fp, fn int) {
		s := scores[k]
		if s == nil {
			s = &score{}
			scores[k] = s
		}
		s.tp, s.fp, s.fn = s.tp+tp, s.fp+fp, s.fn+fn
	}
	items := devSet(t)
	labelled := 0
	for _, it := range items {
		var tp, fp, fn int
		found := false
		for _, l := range Explicit(it.text, nil) {
			if it.start >= 0 && l.Start < it.end && l.End > it.start {
				found = true
				continue
			}
			fp++
			t.Logf("false positive (%s): %q in %q", it.kind, it.text[l.Start:l.End], clip(it.text))
		}
		if it.start >= 0 {
			labelled++
			if found {
				tp = 1
			} else {
				fn = 1
				t.Logf("missed (%s): %q in %q", it.kind, it.text[it.start:it.end], clip(it.text))
			}
		}
		add("all", tp, fp, fn)
		lang := it.lang
		if lang == "" || lang == "code" {
			lang = "other"
		}
		add(lang, tp, fp, fn)
	}
	t.Logf("dev set: %d items, %d labelled", len(items), labelled)
	for _, k := range []string{"all", "zh", "en", "other"} {
		s := scores[k]
		if s == nil {
			t.Fatalf("dev set has no %s items", k)
		}
		p := 1.0
		if s.tp+s.fp > 0 {
			p = float64(s.tp) / float64(s.tp+s.fp)
		}
		r := 1.0
		if s.tp+s.fn > 0 {
			r = float64(s.tp) / float64(s.tp+s.fn)
		}
		t.Logf("%-5s precision %.4f recall %.4f (tp %d fp %d fn %d)", k, p, r, s.tp, s.fp, s.fn)
		if p < 0.95 || r < 0.95 {
			t.Errorf("%s: precision %.4f / recall %.4f below 0.95", k, p, r)
		}
	}
}

func clip(s string) string {
	if len(s) > 120 {
		return fmt.Sprintf("%s…%s", s[:60], s[len(s)-60:])
	}
	return s
}
