package pii

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// TestScrubCacheIsDetectKey checks that ScrubMask's remembered detections
// are detectKey's: every scrub corpus text (with identifiers, repeated,
// colliding in the cache's slots) three times over, from several
// goroutines, and that a caller changing the entities it got back does
// not change what the next caller gets.
func TestScrubCacheIsDetectKey(t *testing.T) {
	texts := scrubCorpus(t)
	// More texts than slots: entries are replaced while others hit.
	for i := range 2 * scrubSlots {
		texts = append(texts, fmt.Sprintf("source s%d: no robots.txt snapshot at or before 2024-07-02T21:%02d:40Z; call 1391234%04d", i, i%60, i))
	}
	kf := func(kind, value string) string { return "0123456789abcdef0123" + kind }
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 3 {
				for i := range texts {
					s := texts[(i*(g+1)+round)%len(texts)]
					want := detectKey(s, ScrubMinScore)
					got := scrubDetect(s)
					if !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
						select {
						case errs <- fmt.Sprintf("scrubDetect(%q) = %v, detectKey %v", s, got, want):
						default:
						}
						return
					}
					for j := range got {
						got[j].Start, got[j].Type = -1, "CHANGED" // the caller's copy
					}
					out, ents := ScrubMask(s, "", kf)
					if wantOut := maskSpans(s, want, "", kf); out != wantOut || !reflect.DeepEqual(ents, want) && (len(ents) != 0 || len(want) != 0) {
						select {
						case errs <- fmt.Sprintf("ScrubMask(%q) = %q %v, want %q %v", s, out, ents, wantOut, want):
						default:
						}
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	held, withEnts := 0, 0
	for i := range scrubCache {
		if e := scrubCache[i].Load(); e != nil {
			held++
			if len(e.ents) > 0 {
				withEnts++
			}
		}
	}
	if held < scrubSlots/2 || withEnts == 0 {
		t.Errorf("the cache holds %d texts (%d with identifiers): the test did not use it", held, withEnts)
	}
	long := string(make([]byte, scrubCacheMax+1)) + " 13912345678"
	if got, want := scrubDetect(long), detectKey(long, ScrubMinScore); !reflect.DeepEqual(got, want) {
		t.Errorf("long text: %v, want %v", got, want)
	}
}
