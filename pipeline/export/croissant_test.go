package export

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/prov-ai/prov/pipeline/export/exporttest"
)

func croissantDoc(t *testing.T, v *Version) (map[string]any, string) {
	t.Helper()
	b, err := json.MarshalIndent(BuildCroissant(v), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, string(b)
}

func TestCroissantStructure(t *testing.T) {
	v := testVersion()
	doc, text := croissantDoc(t, v)
	for _, err := range exporttest.CheckCroissant(doc) {
		t.Error(err)
	}
	// manifest, findings, metrics and the 4 inputs.
	if n := len(doc["distribution"].([]any)); n != 7 {
		t.Errorf("distribution has %d files, want 7", n)
	}
	for _, want := range []string{
		`"https://spdx.org/licenses/CC-BY-SA-4.0.html"`,
		`contract C-1 with Books Ltd`,
		`"Web Scraping"`, `"Secondary Data analysis"`,
		`crawled by ProvBot/1.0 from 2024-01-01 to 2024-12-31`,
		`email 15, phone 10`,
		`Source synth blocked by TC260-5.1-a`,
		`rule not met: TC260-5.1-b [zh/text] FAIL`,
		`near_dup_rate (overall) = 0.03 is an estimate`,
		`zh 0.700`,
		`status: valid`,
		`"datePublished": "2026-11-27T09:03:00Z"`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("card lacks %s", want)
		}
	}
	// The manifest FileObject carries the manifest digest.
	fo := doc["distribution"].([]any)[0].(map[string]any)
	if fo["@id"] != "manifest.json" || fo["sha256"] != v.ManifestSHA256 || fo["contentUrl"] != "s3://out/prov/chat/v1/manifest.json" {
		t.Errorf("manifest FileObject %v", fo)
	}
	// Field columns follow the Parquet schema.
	rs := doc["recordSet"].([]any)[1].(map[string]any)
	var cols []string
	for _, f := range rs["field"].([]any) {
		fm := f.(map[string]any)
		cols = append(cols, fm["name"].(string)+":"+fm["dataType"].(string))
	}
	if got := strings.Join(cols, ","); got != "dataset:sc:Text,version:sc:Text,metric:sc:Text,dimension:sc:Text,value:sc:Float,error:sc:Float" {
		t.Errorf("metrics fields %s", got)
	}
}

func TestCroissantCheckerFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		mut  func(doc map[string]any)
	}{
		{"no sha256", func(doc map[string]any) {
			delete(doc["distribution"].([]any)[3].(map[string]any), "sha256")
		}},
		{"short sha256", func(doc map[string]any) { doc["distribution"].([]any)[1].(map[string]any)["sha256"] = "abc" }},
		{"no conformsTo", func(doc map[string]any) { delete(doc, "conformsTo") }},
		{"no RAI collection", func(doc map[string]any) { delete(doc, "rai:dataCollection") }},
		{"dangling field source", func(doc map[string]any) {
			f := doc["recordSet"].([]any)[0].(map[string]any)["field"].([]any)[0].(map[string]any)
			f["source"].(map[string]any)["fileObject"] = map[string]any{"@id": "nope.parquet"}
		}},
		{"duplicate id", func(doc map[string]any) {
			doc["distribution"].([]any)[2].(map[string]any)["@id"] = "manifest.json"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := croissantDoc(t, testVersion())
			tc.mut(doc)
			if errs := exporttest.CheckCroissant(doc); len(errs) == 0 {
				t.Fatal("checker accepted a broken card")
			}
		})
	}
}

func TestCroissantWithoutLedgerOrRegistry(t *testing.T) {
	v := testVersion()
	v.Ledger, v.Sources, v.Policy, v.Dataset, v.Metrics = nil, nil, nil, nil, nil
	doc, text := croissantDoc(t, v)
	for _, err := range exporttest.CheckCroissant(doc) {
		t.Error(err)
	}
	if strings.Contains(text, "datePublished") || !strings.Contains(text, "No certificate is recorded") {
		t.Errorf("card without ledger:\n%s", text)
	}
}

func TestSPDXURL(t *testing.T) {
	for in, want := range map[string]string{
		"MIT": "https://spdx.org/licenses/MIT.html", "Apache-2.0 OR MIT": "", "": "",
		"LicenseRef-x": "", "unspecified": "", "NOASSERTION": "",
	} {
		if got := spdxURL(in); got != want {
			t.Errorf("spdxURL(%q) = %q, want %q", in, got, want)
		}
	}
}
