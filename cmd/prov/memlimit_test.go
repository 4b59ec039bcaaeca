package main

import (
	"runtime/debug"
	"testing"
)

func TestSetRunMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	for _, c := range []struct {
		env     string
		workers int
		want    int64
	}{
		{"", 1, defaultMemoryLimit},
		{"", 2, 320 << 20},
		{"", 4, 576 << 20},
		{"", 64, maxRunMemoryLimit},
		{"100MiB", 2, defaultMemoryLimit}, // GOMEMLIMIT decides
	} {
		t.Setenv("GOMEMLIMIT", c.env)
		debug.SetMemoryLimit(defaultMemoryLimit)
		setRunMemoryLimit(c.workers)
		if got := debug.SetMemoryLimit(-1); got != c.want {
			t.Errorf("GOMEMLIMIT=%q, %d workers: limit %d MiB, want %d MiB", c.env, c.workers, got>>20, c.want>>20)
		}
	}
}
