package pipeline

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestMalformedRateGate: a version with more unreadable records than
// quality.max_malformed_rate fails its gate, and one with no readable
// record never passes, whatever the rate.
func TestMalformedRateGate(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		max        float64
		pass       bool
	}{
		{"under the limit", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{bad\n", 0.5, true},
		{"over the limit", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{bad\n", 0.01, false},
		{"nothing readable", "{bad\n[1,2\n", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "in", "a")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "x.jsonl"), []byte(tc.data), 0o644); err != nil {
				t.Fatal(err)
			}
			opts := testOptions(t, root)
			opts.Config.Datasets[0].Inputs = opts.Config.Datasets[0].Inputs[:1]
			opts.Policy.Quality.MaxMalformedRate = tc.max
			res, err := Run(context.Background(), opts)
			if tc.pass != (err == nil) || (!tc.pass && !errors.Is(err, ErrGate)) {
				t.Fatalf("Run: %v (want pass %v)", err, tc.pass)
			}
			d := res.Datasets[0]
			if !tc.pass && (len(d.Failed) != 1 || d.Failed[0].RuleID != RuleMalformed) {
				t.Fatalf("failed gates %+v, want %s", d.Failed, RuleMalformed)
			}
		})
	}
}
