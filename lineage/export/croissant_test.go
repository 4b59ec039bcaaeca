package export

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

var hex64re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// checkCroissant checks the structure a Croissant 1.1 consumer relies on:
// the context, the required dataset keys, unique @ids, a sha256 on every
// FileObject, fields that point at a FileObject of the distribution, and
// the RAI fields.
func checkCroissant(doc map[string]any) []error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf(f, a...)) }
	ctx, _ := doc["@context"].(map[string]any)
	for k, want := range map[string]string{"@vocab": "http://schema.org/", "cr": "http://mlcommons.org/croissant/",
		"rai": "http://mlcommons.org/croissant/RAI/", "dct": "http://purl.org/dc/terms/", "conformsTo": "dct:conformsTo",
		"recordSet": "cr:recordSet", "field": "cr:field", "extract": "cr:extract", "fileObject": "cr:fileObject"} {
		if ctx[k] != want {
			bad("@context.%s = %v, want %s", k, ctx[k], want)
		}
	}
	if doc["@type"] != "sc:Dataset" {
		bad("@type %v", doc["@type"])
	}
	if doc["conformsTo"] != CroissantConformsTo {
		bad("conformsTo %v", doc["conformsTo"])
	}
	for _, k := range []string{"name", "description", "url", "version", "citeAs"} {
		if s, _ := doc[k].(string); s == "" {
			bad("%s missing", k)
		}
	}
	if l, _ := doc["license"].([]any); len(l) == 0 {
		bad("license missing")
	}
	ids := map[string]bool{}
	files := map[string]bool{}
	dist, _ := doc["distribution"].([]any)
	if len(dist) == 0 {
		bad("distribution empty")
	}
	for i, d := range dist {
		fo, _ := d.(map[string]any)
		id, _ := fo["@id"].(string)
		if id == "" || ids[id] {
			bad("distribution[%d] @id %q empty or repeated", i, id)
		}
		ids[id], files[id] = true, true
		if fo["@type"] != "cr:FileObject" {
			bad("%s @type %v", id, fo["@type"])
		}
		if s, _ := fo["sha256"].(string); !hex64re.MatchString(s) {
			bad("%s sha256 %q", id, s)
		}
		for _, k := range []string{"contentUrl", "encodingFormat", "contentSize", "name"} {
			if s, _ := fo[k].(string); s == "" {
				bad("%s %s missing", id, k)
			}
		}
	}
	rsets, _ := doc["recordSet"].([]any)
	if len(rsets) == 0 {
		bad("recordSet empty")
	}
	for _, r := range rsets {
		rs, _ := r.(map[string]any)
		rid, _ := rs["@id"].(string)
		if rid == "" || ids[rid] {
			bad("recordSet @id %q empty or repeated", rid)
		}
		ids[rid] = true
		fields, _ := rs["field"].([]any)
		if len(fields) == 0 {
			bad("recordSet %s has no fields", rid)
		}
		for _, f := range fields {
			fm, _ := f.(map[string]any)
			fid, _ := fm["@id"].(string)
			if !strings.HasPrefix(fid, rid+"/") || ids[fid] {
				bad("field @id %q not under %s or repeated", fid, rid)
			}
			ids[fid] = true
			if dt, _ := fm["dataType"].(string); !strings.HasPrefix(dt, "sc:") {
				bad("field %s dataType %q", fid, dt)
			}
			src, _ := fm["source"].(map[string]any)
			fo, _ := src["fileObject"].(map[string]any)
			if ref, _ := fo["@id"].(string); !files[ref] {
				bad("field %s source names %q, not a FileObject", fid, ref)
			}
			ex, _ := src["extract"].(map[string]any)
			if col, _ := ex["column"].(string); col == "" {
				bad("field %s extracts no column", fid)
			}
		}
	}
	if s, _ := doc["rai:dataCollection"].(string); s == "" {
		bad("rai:dataCollection missing")
	}
	for _, k := range []string{"rai:dataCollectionType", "rai:personalSensitiveInformation", "rai:dataLimitations",
		"rai:dataBiases", "rai:dataUseCases", "rai:dataReleaseMaintenancePlan"} {
		if l, _ := doc[k].([]any); len(l) == 0 {
			bad("%s missing", k)
		}
	}
	return errs
}

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
	for _, err := range checkCroissant(doc) {
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
			if errs := checkCroissant(doc); len(errs) == 0 {
				t.Fatal("checker accepted a broken card")
			}
		})
	}
}

func TestCroissantWithoutLedgerOrRegistry(t *testing.T) {
	v := testVersion()
	v.Ledger, v.Sources, v.Policy, v.Dataset, v.Metrics = nil, nil, nil, nil, nil
	doc, text := croissantDoc(t, v)
	for _, err := range checkCroissant(doc) {
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
