package licence

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

const demo = "../../fixtures/demo"

// TestDemoFixtures runs the stage over the demo's licence fixtures under
// the demo policy: the encyclopedia dump is CC-BY-SA-4.0 except one record
// quoting a CC-BY-NC blog (rejected for commercial use, and a conflict),
// and in the code directory the GPL-headed file conflicts with an MIT
// source.
func TestDemoFixtures(t *testing.T) {
	pol, err := schemas.LoadPolicy(filepath.Join(demo, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	srcs := &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "oss-wiki-zh", Channel: schemas.ChannelOpenSource, Licence: "CC-BY-SA-4.0"},
		{ID: "code-mit", Channel: schemas.ChannelOpenSource, Licence: "MIT", Modality: "code"},
	}}
	s, err := New(context.Background(), stages.Env{Policy: pol, Sources: srcs, Dataset: &schemas.DatasetConfig{Name: "chat-zh-en", Use: "commercial"}})
	if err != nil {
		t.Fatal(err)
	}
	var counts schemas.Counts
	st := s.NewState()
	f, err := os.Open(filepath.Join(demo, "corpus/oss/wiki-zh-2024.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	line := int64(0)
	for sc.Scan() {
		line++
		var v map[string]string
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %d: %v", line, err)
		}
		r := &schemas.Record{Object: "oss/wiki-zh-2024.jsonl", Line: line, Source: "oss-wiki-zh"}
		r.Set(schemas.FieldText, v["text"])
		r.Set(schemas.FieldID, v["id"])
		r.Set(schemas.FieldURL, v["url"])
		if l, ok := v["license"]; ok {
			r.Set(schemas.FieldLicence, l)
		}
		var out stages.Outcome
		out.Reset()
		s.Check(r, st, &out)
		counts.Add(out.Verdict)
		if out.Verdict == schemas.Admit && out.Attribution == "" {
			t.Errorf("line %d admitted without attribution", line)
		}
	}
	if counts.In < 25 || counts.Reject != 1 || counts.Admit != counts.In-1 {
		t.Errorf("wiki-zh verdicts %+v, want exactly one reject", counts)
	}
	var c stages.Conclusion
	if err := s.Conclude(st, &c); err != nil {
		t.Fatal(err)
	}
	if c.Rules[1].Figure != 1 {
		t.Errorf("TC260-5.2-b2 conflicts = %v, want 1", c.Rules[1].Figure)
	}

	files, _ := filepath.Glob(filepath.Join(demo, "corpus/code/*"))
	conflicts := 0
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		r := &schemas.Record{Object: name, Line: 1, Source: "code-mit"}
		r.Set(schemas.FieldText, string(b))
		var out stages.Outcome
		out.Reset()
		s.Check(r, nil, &out)
		if out.Verdict != schemas.Admit {
			conflicts++
			if filepath.Base(name) != "ringbuf.c" {
				t.Errorf("%s: verdict %s %+v", name, out.Verdict, out.Findings)
			}
		}
	}
	if conflicts != 1 {
		t.Errorf("code conflicts %d, want 1 (ringbuf.c)", conflicts)
	}
}
