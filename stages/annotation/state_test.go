package annotation

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// randomLabels returns n functional items with varying agreement and reviews.
func randomLabels(n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	out := make([]string, n)
	names := []string{"good", "bad"}
	for i := range out {
		l1 := names[rng.IntN(2)]
		l2 := l1
		if rng.IntN(4) == 0 {
			l2 = names[rng.IntN(2)]
		}
		v := []string{"", "accept", "reject"}[rng.IntN(3)]
		item := funcItem(l1, l2, v)
		if i%5 == 0 { // some security items in two batches
			item = fmt.Sprintf(`{"rule_version":"t-v1","batch":"b%d","labels":[{"label":"ok","annotator":"a1","at":"2024-02-01T00:00:00Z"},{"label":"%s","annotator":"a2","at":"2024-02-01T00:00:00Z"},{"label":"ok","annotator":"r2","at":"2024-02-01T00:00:00Z"}]}`,
				i%2, []string{"ok", "refusal"}[rng.IntN(2)])
		}
		out[i] = item
	}
	return out
}

func conclude(t *testing.T, s *Stage, st stages.State) []byte {
	t.Helper()
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, r := range c.Rules {
		fmt.Fprintf(&b, "%+v\n", r)
	}
	for _, m := range c.Metrics {
		fmt.Fprintf(&b, "%+v\n", m)
	}
	for _, f := range c.Findings {
		fmt.Fprintf(&b, "%+v\n", f)
	}
	return b.Bytes()
}

// TestStateMergeIsOrderFree checks that 1 worker, 3 workers merged in any
// order and a marshal round trip all give the same conclusion.
func TestStateMergeIsOrderFree(t *testing.T) {
	s := newTestStage(t, true, nil)
	labels := randomLabels(600, 3)
	one := s.NewState()
	parts := []stages.State{s.NewState(), s.NewState(), s.NewState()}
	for i, l := range labels {
		var o stages.Outcome
		o.Reset()
		s.Check(rec("text", l), one, &o)
		o.Reset()
		s.Check(rec("text", l), parts[(i*7)%3], &o)
	}
	want := conclude(t, s, one)
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		t.Run(fmt.Sprint(order), func(t *testing.T) {
			merged := s.NewState()
			for _, i := range order {
				b, err := parts[i].MarshalBinary()
				if err != nil {
					t.Fatal(err)
				}
				back := s.NewState()
				if err := back.UnmarshalBinary(b); err != nil {
					t.Fatal(err)
				}
				if err := merged.Merge(back); err != nil {
					t.Fatal(err)
				}
			}
			if got := conclude(t, s, merged); !bytes.Equal(got, want) {
				t.Fatalf("merged conclusion differs:\n%s\nwant\n%s", got, want)
			}
		})
	}
	a, _ := one.MarshalBinary()
	back := s.NewState()
	if err := back.UnmarshalBinary(a); err != nil {
		t.Fatal(err)
	}
	b, _ := back.MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatal("MarshalBinary is not stable across a round trip")
	}
}

func TestStateErrors(t *testing.T) {
	cases := []struct{ name, in string }{
		{"not json", `nope`},
		{"wrong format", `{"format":2,"state":{}}`},
		{"label count mismatch", `{"format":1,"state":{"batches":{"v\u0000b":{"version":"v","batch":"b","labels":[1],"table":{"k":2}}}}}`},
		{"pair table size", `{"format":1,"state":{"batches":{"v\u0000b":{"version":"v","batch":"b","labels":[1,2],"table":{"k":2,"pairs":{"3":[1]}}}}}}`},
		{"pairs for one rater", `{"format":1,"state":{"batches":{"v\u0000b":{"version":"v","batch":"b","labels":[1,2],"table":{"k":2,"pairs":{"1":[1,2,3,4]}}}}}}`},
		{"too many categories", `{"format":1,"state":{"batches":{"v\u0000b":{"table":{"k":99999}}}}}`},
		{"negative", `{"format":1,"state":{"batches":{"v\u0000b":{"items":-1,"labels":[],"table":{"k":0}}}}}`},
		{"null batch", `{"format":1,"state":{"batches":{"v\u0000b":null}}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st State
			if err := st.UnmarshalBinary([]byte(c.in)); !errors.Is(err, ErrState) {
				t.Fatalf("UnmarshalBinary error %v, want ErrState", err)
			}
		})
	}
	t.Run("merge other type", func(t *testing.T) {
		var st State
		if err := st.Merge(otherState{}); !errors.Is(err, ErrState) {
			t.Fatalf("Merge error %v", err)
		}
	})
	t.Run("merge different taxonomy", func(t *testing.T) {
		a := &State{Batches: map[string]*batchState{"v\x00b": {Labels: make([]int64, 2), Table: newTable(2)}}}
		b := &State{Batches: map[string]*batchState{"v\x00b": {Labels: make([]int64, 3), Table: newTable(3)}}}
		if err := a.Merge(b); !errors.Is(err, ErrState) {
			t.Fatalf("Merge error %v", err)
		}
	})
}

type otherState struct{}

func (otherState) Merge(stages.State) error          { return nil }
func (otherState) MarshalBinary() ([]byte, error)    { return nil, nil }
func (otherState) UnmarshalBinary(data []byte) error { return nil }

func FuzzStateUnmarshal(f *testing.F) {
	s := newTestStage(f, true, nil)
	st := s.NewState()
	for _, l := range randomLabels(50, 9) {
		var o stages.Outcome
		o.Reset()
		s.Check(rec("text", l), st, &o)
	}
	seed, err := st.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"format":1,"state":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var st State
		if err := st.UnmarshalBinary(data); err != nil {
			if !errors.Is(err, ErrState) {
				t.Fatalf("error %v does not wrap ErrState", err)
			}
			return
		}
		// A decoded state must survive merging, coefficients and re-encoding.
		var into State
		if err := into.Merge(&st); err != nil {
			t.Fatalf("merging a decoded state: %v", err)
		}
		for _, b := range st.Batches {
			b.Table.alpha()
			b.Table.fleiss()
			b.Table.cohen()
		}
		again, err := st.MarshalBinary()
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		var st2 State
		if err := st2.UnmarshalBinary(again); err != nil {
			t.Fatalf("decoding a re-encoded state: %v", err)
		}
	})
}

// BenchmarkAgreement accumulates 1,000,000 items x 3 annotators over 7
// categories into per-batch pair tables (100 batches, two workers' states
// merged) and computes Krippendorff's alpha and Fleiss' kappa per batch and
// pooled. SetBytes counts one byte per label.
func BenchmarkAgreement(b *testing.B) {
	const items, raters, k, batches = 1_000_000, 3, 7, 100
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]int8, items*raters)
	for i := range items {
		truth := rng.IntN(k)
		for j := range raters {
			v := truth
			if rng.IntN(5) == 0 {
				v = rng.IntN(k)
			}
			vals[i*raters+j] = int8(v)
		}
	}
	b.SetBytes(items * raters)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var workers [2][batches]table
		for w := range workers {
			for i := range workers[w] {
				workers[w][i] = newTable(k)
			}
		}
		item := make([]int, raters)
		for i := range items {
			for j := range raters {
				item[j] = int(vals[i*raters+j])
			}
			workers[i%2][i%batches].addItem(item)
		}
		pooled := newTable(k)
		for i := range batches {
			workers[0][i].merge(&workers[1][i])
			workers[0][i].alpha()
			workers[0][i].fleiss()
			pooled.merge(&workers[0][i])
		}
		if a := pooled.alpha(); !a.Defined || a.Items != items {
			b.Fatalf("alpha %+v", a)
		}
	}
	b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkCheck is the per-record cost on labelled data: parse the labels
// JSON, check rules, roster and reviews, accumulate. SetBytes counts the
// labels JSON.
func BenchmarkCheck(b *testing.B) {
	s := newTestStage(b, true, nil)
	labels := randomLabels(1000, 5)
	recs := make([]*schemas.Record, len(labels))
	var size int64
	for i, l := range labels {
		recs[i] = rec("some text", l)
		size += int64(len(l))
	}
	st := s.NewState()
	var o stages.Outcome
	b.SetBytes(size / int64(len(recs)))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		o.Reset()
		s.Check(recs[i%len(recs)], st, &o)
		i++
	}
}

// BenchmarkCheckUnlabelled is the cost on a dataset without labels.
func BenchmarkCheckUnlabelled(b *testing.B) {
	s := newTestStage(b, false, nil)
	r := rec("some text that is not labelled at all", "")
	st := s.NewState()
	var o stages.Outcome
	b.SetBytes(int64(len(r.Text())))
	b.ReportAllocs()
	for b.Loop() {
		o.Reset()
		s.Check(r, st, &o)
	}
}

// TestConcurrentCheck runs Check from several goroutines, each with its own
// State, as the pipeline's workers do (run with -race).
func TestConcurrentCheck(t *testing.T) {
	s := newTestStage(t, true, nil)
	labels := randomLabels(400, 11)
	states := make([]stages.State, 4)
	done := make(chan struct{})
	for w := range states {
		states[w] = s.NewState()
		go func() {
			defer func() { done <- struct{}{} }()
			var o stages.Outcome
			for i := w; i < len(labels); i += len(states) {
				o.Reset()
				s.Check(rec("text", labels[i]), states[w], &o)
			}
		}()
	}
	for range states {
		<-done
	}
	merged := s.NewState()
	for _, st := range states {
		if err := merged.Merge(st); err != nil {
			t.Fatal(err)
		}
	}
	if got := merged.(*State).Labelled; got != int64(len(labels)) {
		t.Fatalf("labelled %d, want %d", got, len(labels))
	}
}

// TestMalformedGate: labels that cannot be read fail the PROV-MALFORMED
// gate above quality.max_malformed_rate (default 0.01), and always when no
// record's labels could be read (an annotation map that misses its data).
func TestMalformedGate(t *testing.T) {
	good := randomLabels(200, 7)
	for _, tc := range []struct {
		name            string
		good, malformed int
		unlabelled      int
		pass            bool
		says            string
	}{
		{"clean", 200, 0, 0, true, "malformed in 0 of 200"},
		{"one in 200", 199, 1, 0, true, "(0.005) <= quality.max_malformed_rate 0.01"},
		{"five in 200", 195, 5, 0, false, "> quality.max_malformed_rate 0.01"},
		{"every label malformed", 0, 160, 0, false, "no record with readable labels"},
		{"no labels reached", 0, 0, 160, false, "no record with readable labels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStage(t, true, nil)
			st := s.NewState()
			var out stages.Outcome
			for i := range tc.good {
				out.Reset()
				s.Check(rec("text", good[i]), st, &out)
			}
			for range tc.malformed {
				out.Reset()
				s.Check(rec("text", `{"rule_versoin":"t-v1","labels":[]}`), st, &out)
			}
			for range tc.unlabelled {
				out.Reset()
				s.Check(rec("text", ""), st, &out)
			}
			var c stages.Conclusion
			if err := s.Conclude(st, &c); err != nil {
				t.Fatal(err)
			}
			var line *schemas.RuleResult
			for i := range c.Rules {
				if c.Rules[i].RuleID == schemas.RuleMalformed {
					line = &c.Rules[i]
				}
			}
			if line == nil || line.Pass != tc.pass || !line.Gate || !bytes.Contains([]byte(line.Detail), []byte(tc.says)) {
				t.Fatalf("line %+v, want pass=%v gate with %q", line, tc.pass, tc.says)
			}
		})
	}
}
