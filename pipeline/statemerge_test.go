package pipeline

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// seqStage's state lists what it merged, in merge order, so a test sees
// the order objects were merged in.
type seqStage struct{}

type seqState struct{ S []string }

func (s *seqState) Merge(o stages.State) error {
	s.S = append(s.S, o.(*seqState).S...)
	return nil
}
func (s *seqState) MarshalBinary() ([]byte, error) { return json.Marshal(s.S) }
func (s *seqState) UnmarshalBinary(b []byte) error { return json.Unmarshal(b, &s.S) }

func (seqStage) Name() string                                         { return "seq" }
func (seqStage) NewState() stages.State                               { return &seqState{} }
func (seqStage) Check(*schemas.Record, stages.State, *stages.Outcome) {}
func (seqStage) Conclude(stages.State, *stages.Conclusion) error      { return nil }

func seqTrailer(t *testing.T, i int) *segTrailer {
	t.Helper()
	b, err := json.Marshal([]string{fmt.Sprint("o", i)})
	if err != nil {
		t.Fatal(err)
	}
	return &segTrailer{States: [][]byte{b}}
}

// TestStateMergerPlanOrder: objects finishing in any order are merged in
// plan order; too many objects waiting for an earlier one, an object
// without a trailer or a state that does not decode make it give up (seal
// then loads every state from the trailer files).
func TestStateMergerPlanOrder(t *testing.T) {
	rc := &runCtx{stages: []stages.Stage{seqStage{}}, ds: &schemas.DatasetConfig{Name: "ds"}, opts: &Options{Workers: 2}}
	want := []string{"o0", "o1", "o2", "o3", "o4", "o5"}
	for _, tc := range []struct {
		name    string
		order   []int
		workers int
		bad     int // index added with a broken trailer, -1 none
		ok      bool
	}{
		{"in order", []int{0, 1, 2, 3, 4, 5}, 1, -1, true},
		{"out of order", []int{1, 0, 3, 2, 5, 4}, 1, -1, true},
		{"reversed, two workers", []int{2, 1, 0, 5, 4, 3}, 2, -1, true},
		{"too many waiting", []int{5, 4, 3, 2, 1, 0}, 1, -1, false},
		{"no trailer", []int{0, 1, 2, 3, 4, 5}, 1, 3, false},
		{"object missing", []int{0, 1, 2, 4, 5}, 1, -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc.opts.Workers = tc.workers
			sm := newStateMerger(rc, len(want))
			for _, i := range tc.order {
				if i == tc.bad {
					sm.add(i, "seg", nil)
					continue
				}
				sm.add(i, "seg", seqTrailer(t, i))
			}
			got := sm.wait()
			if !tc.ok {
				if got != nil {
					t.Fatalf("merged %v, want nil (given up)", got[0].(*seqState).S)
				}
				return
			}
			if got == nil {
				t.Fatal("gave up")
			}
			if s := got[0].(*seqState).S; !reflect.DeepEqual(s, want) {
				t.Fatalf("merged %v, want %v", s, want)
			}
		})
	}
	t.Run("state that does not decode", func(t *testing.T) {
		sm := newStateMerger(rc, 2)
		sm.add(0, "seg", seqTrailer(t, 0))
		sm.add(1, "seg", &segTrailer{States: [][]byte{[]byte("{not json")}})
		if got := sm.wait(); got != nil {
			t.Fatal("merged a state that does not decode")
		}
	})
	t.Run("shard runs", func(t *testing.T) {
		var sm *stateMerger
		sm.add(0, "seg", seqTrailer(t, 0))
		if sm.wait() != nil {
			t.Fatal("nil merger merged")
		}
	})
}
