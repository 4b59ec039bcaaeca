package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
)

// failingIngest is the ledger's recorder but for the ingestion of the
// object whose URI holds fail.
type failingIngest struct {
	Recorder
	fail string
}

var errIngestTest = errors.New("ledger unavailable")

func (f failingIngest) IngestObject(ctx context.Context, o ObjectDetails, recs *lineage.PreparedRecords) (uint64, error) {
	if strings.Contains(o.Object.URI, f.fail) {
		return 0, errIngestTest
	}
	return f.Recorder.IngestObject(ctx, o, recs)
}

// TestIngestFailureFailsSeal: pass 1 hands the objects to the ledger on
// another goroutine; an ingestion that fails (first, middle or last
// object) fails the run with its cause, and the version is neither sealed
// in the ledger nor published.
func TestIngestFailureFailsSeal(t *testing.T) {
	for _, fail := range []string{"part-00", "part-03", "b/only"} {
		for _, workers := range []int{1, 3} {
			root := newCorpus(t)
			l := openTestLedger(t, root)
			opts := testOptions(t, root)
			opts.Workers = workers
			opts.Recorder = failingIngest{NewRecorder(l), fail}
			_, err := Run(context.Background(), opts)
			if !errors.Is(err, errIngestTest) || !strings.Contains(err.Error(), fail) {
				t.Fatalf("fail %s, %d workers: err %v, want the ingestion error naming the object", fail, workers, err)
			}
			if k := countKinds(t, l); k[lineage.KindDatasetSealed] != 0 {
				t.Fatalf("fail %s, %d workers: the version was sealed: %v", fail, workers, k)
			}
			for o, lerr := range opts.Output.List(context.Background(), "") {
				if errors.Is(lerr, objstore.ErrNotExist) {
					break // nothing was written to the output store
				}
				if lerr != nil {
					t.Fatal(lerr)
				}
				if strings.HasSuffix(o.Key, "manifest.json") {
					t.Fatalf("fail %s, %d workers: manifest published: %s", fail, workers, o.Key)
				}
			}
		}
	}
}

// TestIngestOrderSameForWorkers: the objects' ledger entries come in plan
// order whatever the number of workers (the ingester takes them as pass 1
// folds them).
func TestIngestOrderSameForWorkers(t *testing.T) {
	var want []string
	for _, workers := range []int{1, 2, 4} {
		root := newCorpus(t)
		l := openTestLedger(t, root)
		opts := testOptions(t, root)
		opts.Workers = workers
		opts.Recorder = NewRecorder(l)
		runOK(t, opts)
		var got []string
		for i := uint64(0); i < l.Size(); i++ {
			st, _, err := l.Entry(context.Background(), i)
			if err != nil {
				t.Fatal(err)
			}
			if e, ok := st.Entry.(lineage.ObjectIngested); ok {
				got = append(got, e.URI[strings.Index(e.URI, "/in/"):]+" "+e.RecordRoot)
			}
		}
		if len(got) != 7 {
			t.Fatalf("%d workers: %d objects ingested, want 7", workers, len(got))
		}
		if want == nil {
			want = got
		} else if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%d workers: ledger order\n%s\nwant\n%s", workers, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
