package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/pipeline/export/exporttest"
)

// demoRun runs the demo on the local fixtures and returns the config path,
// its temp dir and the run result. It uses runDemo when `prov keygen`
// exists, else writes the keys with the library and runs directly.
func demoRun(t *testing.T) (string, string, runJSON) {
	t.Helper()
	cfg, dir := demoConfig(t, "file://"+filepath.Join(repoRoot(t), "fixtures", "demo", "corpus"), "")
	if help, _, _ := prov(t, nil, "--help"); strings.Contains(help, "keygen") {
		return cfg, dir, runDemo(t, cfg, nil)
	}
	if _, _, err := lineage.GenerateKeys(filepath.Join(dir, "keys")); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("prov run: exit %d\n%s", code, stderr)
	}
	var res runJSON
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.Datasets) == 0 {
		t.Fatalf("prov run -o json: %v\n%s", err, stdout)
	}
	return cfg, dir, res
}

// manifestInputs counts the input objects of a sealed version's manifest.
func manifestInputs(t *testing.T, manifestURI string) int {
	t.Helper()
	b, err := os.ReadFile(strings.TrimPrefix(manifestURI, "file://"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Inputs []any `json:"inputs"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return len(m.Inputs)
}

func TestExportOpenLineageDemo(t *testing.T) {
	cfg, dir, res := demoRun(t)
	v, err := exporttest.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Datasets {
		t.Run(d.Name, func(t *testing.T) {
			out := filepath.Join(dir, d.Name+".openlineage.jsonl")
			if _, stderr, code := prov(t, nil, "-c", cfg, "export", "openlineage", d.Name+"@"+d.Version, "-o", out); code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			f, err := os.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = f.Close() }()
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 16<<20)
			var types []string
			for sc.Scan() {
				var ev map[string]any
				if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
					t.Fatal(err)
				}
				doc, err := exporttest.Doc(ev)
				if err != nil {
					t.Fatal(err)
				}
				if err := v.ValidateEvent(doc); err != nil {
					t.Errorf("event %d does not validate against the OpenLineage 2-0-2 schemas: %v", len(types), err)
				}
				types = append(types, ev["eventType"].(string))
				if job := ev["job"].(map[string]any); job["name"] != "prov-run/"+d.Name || job["namespace"] != "prov" {
					t.Errorf("job %v", job)
				}
				ins := ev["inputs"].([]any)
				if want := manifestInputs(t, d.Outputs.Manifest); len(ins) != want {
					t.Errorf("%d inputs, want %d objects", len(ins), want)
				}
				for _, in := range ins {
					if in.(map[string]any)["namespace"] != "file" {
						t.Errorf("local input namespace %v", in.(map[string]any)["namespace"])
					}
				}
			}
			if strings.Join(types, ",") != "START,COMPLETE" {
				t.Errorf("event types %v, want START,COMPLETE for the one run", types)
			}
		})
	}
}

func TestExportCroissantDemo(t *testing.T) {
	cfg, _, res := demoRun(t)
	d := res.Datasets[0]
	stdout, stderr, code := prov(t, nil, "-c", cfg, "export", "croissant", d.Name+"@"+d.Version)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, err := range exporttest.CheckCroissant(doc) {
		t.Error(err)
	}
	if n, want := len(doc["distribution"].([]any)), manifestInputs(t, d.Outputs.Manifest); n != 4+want {
		t.Errorf("distribution has %d files, want manifest, findings, metrics, duplicates and %d inputs", n, want)
	}
	if !strings.Contains(stdout, `"Web Scraping"`) || !strings.Contains(stdout, "ProvBot/1.0") {
		t.Errorf("the card does not describe the demo crawl")
	}
}

func TestExportSummaryDemo(t *testing.T) {
	cfg, _, res := demoRun(t)
	d := res.Datasets[0]
	md, stderr, code := prov(t, nil, "-c", cfg, "export", "summary", d.Name+"@"+d.Version, "--provider", "Example AI")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"## 1. General information", "Example AI", "### 1.3 Modalities", "## 2. List of data sources",
		"### 2.3 Data crawled and scraped", "ProvBot/1.0", "## 3. Data processing aspects", "TC260-5.1-a"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q", want)
		}
	}
	js, _, code := prov(t, nil, "-c", cfg, "export", "summary", d.Name+"@"+d.Version, "--format", "json")
	var s struct {
		General struct {
			Modalities []struct {
				Modality string `json:"modality"`
				SizeBin  string `json:"size_bin"`
			} `json:"modalities"`
		} `json:"general_information"`
		Sources struct {
			Crawled struct {
				Crawlers []any `json:"crawlers"`
			} `json:"data_crawled_and_scraped"`
		} `json:"list_of_data_sources"`
	}
	if err := json.Unmarshal([]byte(js), &s); err != nil || code != 0 {
		t.Fatalf("exit %d, %v\n%s", code, err, js)
	}
	if len(s.General.Modalities) == 0 || s.General.Modalities[0].SizeBin == "" || len(s.Sources.Crawled.Crawlers) == 0 {
		t.Errorf("summary JSON %+v", s)
	}
	if _, _, code := prov(t, nil, "-c", cfg, "export", "summary", d.Name+"@"+d.Version, "--format", "pdf"); code != exitUsage {
		t.Errorf("--format pdf: exit %d, want %d", code, exitUsage)
	}
	if _, _, code := prov(t, nil, "-c", cfg, "export", "croissant", d.Name+"@nope"); code == 0 {
		t.Error("an unknown version exported")
	}
}
