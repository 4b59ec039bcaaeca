package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// TestE2EAsOfPinsRun: `prov run --as-of` fixes "now" for every
// time-dependent decision. Two runs of the demo with the same --as-of, in
// fresh ledgers and outputs, give identical digests, counts and findings,
// and their manifests state the evaluation time; an evaluation time before
// a consent withdrawal gives another verdict, so the pinned time (not the
// wall clock) is what decides. (pipeline's TestAsOfPinsEveryTimeDecision
// runs the same demo with wall clocks months apart.)
func TestE2EAsOfPinsRun(t *testing.T) {
	input := "file://" + filepath.Join(repoRoot(t), "fixtures", "demo", "corpus")
	// The runs share the subject-key secret (as shard pods and reruns of
	// one deployment do), so the keyed subject hashes in findings agree.
	subjectKey := filepath.Join(t.TempDir(), "subject.key")
	if _, stderr, code := prov(t, nil, "keygen", "--subject-key", subjectKey); code != 0 {
		t.Fatalf("keygen --subject-key: exit %d\n%s", code, stderr)
	}
	run := func(asOf string) runJSON {
		cfg, _ := demoConfig(t, input, "")
		b, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := strings.Replace(string(b), "\n  dir: ", "\n  subject_key: "+subjectKey+"\n  dir: ", 1)
		if err := os.WriteFile(cfg, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		return runDemo(t, cfg, nil, "--as-of", asOf)
	}
	a, b := run("2024-12-31"), run("2024-12-31T00:00:00Z")
	before := run("2024-10-01") // u1003 withdrew consent on 2024-10-15
	for i, da := range a.Datasets {
		db := b.Datasets[i]
		if da.Digest != db.Digest || da.Version != db.Version || da.Counts != db.Counts {
			t.Errorf("%s: pinned runs differ: %s %s %+v vs %s %s %+v", da.Name, da.Digest, da.Version, da.Counts, db.Digest, db.Version, db.Counts)
		}
		fa := readParquetRows[schemas.Finding](t, strings.TrimPrefix(da.Outputs.Findings, "file://"))
		fb := readParquetRows[schemas.Finding](t, strings.TrimPrefix(db.Outputs.Findings, "file://"))
		if !reflect.DeepEqual(fa, fb) {
			for j := range fa {
				if j < len(fb) && !reflect.DeepEqual(fa[j], fb[j]) {
					t.Logf("%+v\n%+v", fa[j], fb[j])
					break
				}
			}
			t.Errorf("%s: pinned runs give different findings (%d vs %d rows)", da.Name, len(fa), len(fb))
		}
		mb, err := os.ReadFile(strings.TrimPrefix(da.Outputs.Manifest, "file://"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			EvaluationTime string `json:"evaluation_time"`
		}
		if err := json.Unmarshal(mb, &m); err != nil || m.EvaluationTime != "2024-12-31T00:00:00Z" {
			t.Errorf("%s: manifest evaluation_time %q (%v), want 2024-12-31T00:00:00Z", da.Name, m.EvaluationTime, err)
		}
		if da.Name == "chat-zh-en" && before.Datasets[i].Counts == da.Counts {
			t.Errorf("chat-zh-en: --as-of before the withdrawal gives the same counts %+v: the evaluation time decides nothing", da.Counts)
		}
	}
}
