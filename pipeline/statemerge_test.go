package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
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

// seqSegment writes an (empty) segment and its trailer file with object
// i's state under key, so the merger can read it again.
func seqSegment(t *testing.T, dir string, key []byte, i int) string {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("%d.seg", i))
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeTrailerFile(path+".trailer", key, segHeader{Format: segmentFormat}, seqTrailer(t, i), sha256.Sum256(nil)); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStateMergerPlanOrder: objects finishing in any order are merged in
// plan order; too many objects waiting for an earlier one, an object
// without a trailer or a state that does not decode make it give up (seal
// then loads every state from the trailer files).
func TestStateMergerPlanOrder(t *testing.T) {
	key := []byte("segment key")
	rc := &runCtx{stages: []stages.Stage{seqStage{}}, ds: &schemas.DatasetConfig{Name: "ds"}, opts: &Options{Workers: 2}, segKey: key}
	dir := t.TempDir()
	want := []string{"o0", "o1", "o2", "o3", "o4", "o5"}
	paths := make([]string, len(want))
	for i := range paths {
		paths[i] = seqSegment(t, dir, key, i)
	}
	for _, tc := range []struct {
		name    string
		order   []int
		workers int
		bad     int  // index added with a broken trailer, -1 none
		gone    bool // trailer files removed before the merge
		ok      bool
	}{
		{"in order", []int{0, 1, 2, 3, 4, 5}, 1, -1, false, true},
		{"out of order", []int{1, 0, 3, 2, 5, 4}, 1, -1, false, true},
		{"reversed, two workers", []int{2, 1, 0, 5, 4, 3}, 2, -1, false, true},
		{"more waiting than kept: read again", []int{5, 4, 3, 2, 1, 0}, 1, -1, false, true},
		{"read again fails", []int{5, 4, 3, 2, 1, 0}, 1, -1, true, false},
		{"no trailer", []int{0, 1, 2, 3, 4, 5}, 1, 3, false, false},
		{"object missing", []int{0, 1, 2, 4, 5}, 1, -1, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc.opts.Workers = tc.workers
			ps := paths
			if tc.gone {
				ps = make([]string, len(paths))
				for i := range ps {
					ps[i] = filepath.Join(dir, "gone.seg")
				}
			}
			sm := newStateMerger(rc, len(want))
			for _, i := range tc.order {
				if i == tc.bad {
					sm.add(i, ps[i], nil)
					continue
				}
				sm.add(i, ps[i], seqTrailer(t, i))
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

// TestPremergedStatesFallBackAfterReread: the states processAll merged are
// used by seal unless seal had to read an object again (its segment was
// changed after the run checked it); then every state is loaded from the
// trailer files. Either way the version is byte-identical to a plain run's.
func TestPremergedStatesFallBackAfterReread(t *testing.T) {
	for _, tamper := range []bool{false, true} {
		t.Run(fmt.Sprint("tampered=", tamper), func(t *testing.T) {
			root := newCorpus(t)
			ref := runOK(t, testOptions(t, root))
			manifest := filepath.Join(root, "out", filepath.FromSlash(version.Key("ds", ref.Version, version.Manifest)))
			want, err := os.ReadFile(manifest)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(manifest); err != nil {
				t.Fatal(err)
			}
			var logs logBuf
			o := testOptions(t, root)
			o.Workers, o.pinned = 2, true
			o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			ctx := context.Background()
			ds := &o.Config.Datasets[0]
			rc, err := prepare(ctx, &o, "r", ds, o.Logger)
			if err != nil {
				t.Fatal(err)
			}
			rc.ops = newOpsMetrics()
			objs, err := plan(ctx, o.Input, ds, o.Sources)
			if err != nil {
				t.Fatal(err)
			}
			if n, err := rc.processAll(ctx, objs); err != nil || n != len(objs) {
				t.Fatalf("processAll: %d of %d reused, %v", n, len(objs), err)
			}
			if rc.merger == nil {
				t.Fatal("no state merger after a run that reused every segment")
			}
			var victim string
			if tamper {
				segs, _ := filepath.Glob(filepath.Join(root, "work", "segments", "ds", "*.seg"))
				sort.Strings(segs)
				for _, s := range segs {
					if recs := segRecords(t, s); len(recs) > 10 {
						victim = s
						rewrite(t, s, func(b []byte) []byte { b[at(t, b, recs[0].Digest[:])+7] ^= 1; return b })
						break
					}
				}
			}
			s, err := rc.seal(ctx, objs)
			if err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(logs.String(), "discarding segment")
			if warned != tamper || (tamper && !strings.Contains(logs.String(), filepath.Base(victim))) {
				t.Fatalf("tampered %v, warned %v:\n%s", tamper, warned, logs.String())
			}
			got, err := os.ReadFile(manifest)
			if err != nil {
				t.Fatal(err)
			}
			if s.Manifest.Digest != ref.Digest || !bytes.Equal(got, want) {
				t.Fatalf("digest %s, want %s; manifest identical: %v", s.Manifest.Digest, ref.Digest, bytes.Equal(got, want))
			}
		})
	}
}
