package quality

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/abadojack/whatlanggo"
)

// langSample is a small labelled zh/en/fr/de/es/ja sample used to choose
// the language identifier (see the package doc): short and medium texts, as
// the stage only looks at a bounded prefix. testdata/langchoice.tsv holds,
// per text, its language and the answer of github.com/pemistahl/lingua-go
// v1.4.0 (the alternative considered; recorded once, so the tests do not
// download its 124 MB of models): lang TAB lingua TAB text.
var langSample, langSampleErr = loadLangSample("testdata/langchoice.tsv")

type langRow struct{ lang, lingua, text string }

func loadLangSample(path string) ([]langRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []langRow
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if strings.HasPrefix(sc.Text(), "#") || sc.Text() == "" {
			continue
		}
		parts := strings.SplitN(sc.Text(), "\t", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("%s:%d: want lang TAB lingua TAB text", path, line)
		}
		out = append(out, langRow{parts[0], parts[1], parts[2]})
	}
	return out, sc.Err()
}

func whatlangCode(text string) string {
	l := whatlanggo.DetectLang(text)
	return l.Iso6391()
}

// TestLanguageIdentifierChoice: whatlanggo is at least as accurate on the
// labelled sample as lingua-go's recorded answers.
func TestLanguageIdentifierChoice(t *testing.T) {
	if langSampleErr != nil {
		t.Fatal(langSampleErr)
	}
	sample := langSample
	ours, theirs := 0, 0
	for _, s := range sample {
		if got := whatlangCode(s.text); got == s.lang {
			ours++
		} else {
			t.Logf("whatlanggo: want %s got %s: %.30s", s.lang, got, s.text)
		}
		if s.lingua == s.lang {
			theirs++
		}
	}
	t.Logf("accuracy: whatlanggo %d/%d, lingua-go (recorded) %d/%d", ours, len(sample), theirs, len(sample))
	if len(sample) < 20 || ours < theirs {
		t.Fatalf("whatlanggo %d/%d is below lingua-go's %d on the sample", ours, len(sample), theirs)
	}
}

func BenchmarkWhatlanggo(b *testing.B) {
	sample := langSample
	b.ReportAllocs()
	n := 0
	for _, s := range sample {
		n += len(s.text)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range sample {
			whatlangCode(s.text)
		}
	}
}
