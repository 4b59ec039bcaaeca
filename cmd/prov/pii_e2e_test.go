package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/pii"
)

// TestE2EPIINotInClear runs the demo and greps every output except the
// certified record copies (ledger, findings, metrics, manifest, certificate,
// logs) for each PI value of the demo chats, raw and normalised. Findings
// are also decoded from Parquet so compression cannot hide a value.
func TestE2EPIINotInClear(t *testing.T) {
	root := repoRoot(t)
	fix := filepath.Join(root, "fixtures", "demo")
	cfg, dir := demoConfig(t, "file://"+filepath.Join(fix, "corpus"), "")

	var needles []string
	f, err := os.Open(filepath.Join(fix, "corpus", "users", "chats-2024-09.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		for _, e := range pii.Detect(r.Text) {
			v := r.Text[e.Start:e.End]
			_, n := pii.Normalise(e.Type, v)
			needles = append(needles, v, n)
		}
	}
	_ = f.Close()
	if len(needles) < 10 {
		t.Fatalf("only %d PI values in the demo chats", len(needles))
	}

	if _, stderr, code := prov(t, nil, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("prov keygen: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code := prov(t, nil, "-c", cfg, "--log-level", "debug", "run", "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("prov run: exit %d\n%s", code, stderr)
	}
	var res runJSON
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	blobs := map[string][]byte{"stdout": []byte(stdout), "stderr": []byte(stderr)}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "records" {
			return fs.SkipDir // certified copies: consented PI may stay there
		}
		if d.IsDir() || strings.HasSuffix(p, ".yaml") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		blobs[p] = b
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, d := range res.Datasets {
		rows, err := parquet.ReadFile[schemas.Finding](strings.TrimPrefix(d.Outputs.Findings, "file://"))
		if err != nil {
			t.Fatalf("reading findings of %s: %v", d.Name, err)
		}
		var b bytes.Buffer
		for _, r := range rows {
			j, _ := json.Marshal(r)
			b.Write(j)
			if r.Stage == "pii" {
				rules[r.RuleID] = true
			}
		}
		blobs["decoded findings of "+d.Name] = b.Bytes()
		mrows, err := parquet.ReadFile[schemas.Metric](strings.TrimPrefix(d.Outputs.Metrics, "file://"))
		if err != nil {
			t.Fatalf("reading metrics of %s: %v", d.Name, err)
		}
		j, _ := json.Marshal(mrows)
		blobs["decoded metrics of "+d.Name] = j
	}
	for _, r := range []string{pii.RuleSensitive, pii.RuleMinor, pii.RuleWithdrawn, pii.RuleBasis} {
		if !rules[r] {
			t.Errorf("no pii finding for %s in the demo", r)
		}
	}
	for name, b := range blobs {
		for _, n := range needles {
			if len(n) >= 6 && bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds a PI value (%d bytes) in clear", name, len(n))
			}
		}
	}
}
