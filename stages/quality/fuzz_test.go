package quality

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

var update = flag.Bool("update", false, "rewrite testdata/*.state")

// seedStates are the encoded states kept in testdata/ as fuzz seeds and
// golden files: an empty state, a small one, a saturated one.
func seedStates(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	for _, c := range []struct {
		name string
		n    int
	}{{"empty", 0}, {"small", 12}, {"saturated", 200}} {
		name := c.name
		// A stage per state: the stage's sample gate remembers what it
		// saw, so states built on one stage would depend on their order.
		s := newTestStage(t, schemas.QualityPolicy{SampleSize: 32, LanguageSampleSize: 8, DomainCap: 16})
		st := run(t, s, [][]*schemas.Record{corpus(rand.New(rand.NewPCG(7, 8)), c.n)}, schemas.Admit)
		b, err := st.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		out[name] = b
	}
	return out
}

func TestStateGolden(t *testing.T) {
	for name, b := range seedStates(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("testdata", name+".state")
			if *update {
				if err := os.WriteFile(path, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(b, want) {
				t.Errorf("encoding of %s changed: bump the format version in stateMagic and run -update", name)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	s := newTestStage(t, schemas.QualityPolicy{SampleSize: 32, LanguageSampleSize: 8, DomainCap: 16})
	for name, b := range seedStates(t) {
		t.Run(name, func(t *testing.T) {
			st := s.NewState().(*State)
			if err := st.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			again, err := st.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, again) {
				t.Error("MarshalBinary(UnmarshalBinary(b)) != b")
			}
		})
	}
	t.Run("wrong settings", func(t *testing.T) {
		other := newTestStage(t, schemas.QualityPolicy{SampleSize: 64})
		if err := other.NewState().UnmarshalBinary(seedStates(t)["small"]); err == nil {
			t.Error("a state of another sample size must not decode")
		}
	})
}

// FuzzUnmarshalState feeds junk to UnmarshalBinary: it must fail cleanly or
// decode to a state that re-encodes, merges and concludes without panics.
func FuzzUnmarshalState(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.state"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(stateMagic))
	s := newTestStage(f, schemas.QualityPolicy{SampleSize: 32, LanguageSampleSize: 8, DomainCap: 16})
	f.Fuzz(func(t *testing.T, data []byte) {
		st := s.NewState().(*State)
		if err := st.UnmarshalBinary(data); err != nil {
			return
		}
		if _, err := st.MarshalBinary(); err != nil {
			t.Fatal(err)
		}
		m := s.NewState().(*State)
		if err := m.Merge(st); err != nil {
			t.Fatal(err)
		}
		conclude(t, s, m)
	})
}

// FuzzScanText checks the text pass on arbitrary bytes against simple
// invariants.
func FuzzScanText(f *testing.F) {
	for _, s := range []string{"", "a\n\nb", "你好 world\n", "\xff\xfe", "line\nline\n\nline\nline"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var sc scratch
		st := scanText(s, &sc)
		if st.chars > len(s) || st.letters > st.nonSpace || st.nonSpace > st.chars ||
			st.dupLine > st.lines || st.dupPara > st.paras || st.tokens < 0 {
			t.Fatalf("inconsistent stats %+v for %q", st, s)
		}
		var sig signature
		minhash(s, 1, &sig)
		_ = topBigramShare(s, &sc)
	})
}

// TestSizeHintBoundsEncoding: MarshalBinary's buffer, sized by sizeHint,
// never has to grow (seed states and a state of long documents with
// labels and long source names).
func TestSizeHintBoundsEncoding(t *testing.T) {
	s := newTestStage(t, schemas.QualityPolicy{SampleSize: 32, LanguageSampleSize: 8, DomainCap: 16})
	for name, b := range seedStates(t) {
		st := s.NewState().(*State)
		if err := st.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if h := st.sizeHint(); len(b) > h {
			t.Errorf("%s: %d bytes encoded, hint %d", name, len(b), h)
		}
	}
	big := newTestStage(t, schemas.QualityPolicy{})
	st := big.NewState().(*State)
	recs, _ := longRecords(3000)
	var out stages.Outcome
	for i, r := range recs {
		r.Source = strings.Repeat("s", 1+i%300)
		r.Set(schemas.FieldLabels, `{"label":"`+strings.Repeat("l", i%50)+`"}`)
		out.Reset()
		big.Check(r, st, &out)
	}
	b, err := st.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if h := st.sizeHint(); len(b) > h || len(b) < h/4 {
		t.Errorf("%d bytes encoded, hint %d", len(b), h)
	}
}
