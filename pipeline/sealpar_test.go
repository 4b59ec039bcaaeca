package pipeline

import (
	"context"
	"strings"
	"testing"
)

// TestInOrderPanicIsError: a panic while preparing one item of the seal
// (a bug in a stage's state) fails the seal with an error naming it, not a
// crash of the process (the Go runtime's exit code 2 means bad usage here).
func TestInOrderPanicIsError(t *testing.T) {
	var folded []int
	err := inOrder(context.Background(), 5, 2, func(_ context.Context, i int) (int, error) {
		if i == 3 {
			panic("boom")
		}
		return i * 10, nil
	}, func(v int) error {
		folded = append(folded, v)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "preparing item 3: internal error (a bug): boom") {
		t.Fatalf("err = %v", err)
	}
	if len(folded) != 3 || folded[2] != 20 {
		t.Fatalf("folded %v before the failing item, want [0 10 20]", folded)
	}
}
