// Package exporttest validates exports in tests: OpenLineage events against
// the official OpenLineage 2-0-2 JSON Schemas (copied, with their Apache-2.0
// licence, into ../testdata/openlineage-2-0-2) and prov's facet schema, and
// Croissant cards against the structure consumers rely on. It loads every
// schema from local files and resolves $ref by $id: no network.
package exporttest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// dir is the pipeline/export directory, found from this file so tests run
// from any package of a clean clone.
func dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// olValidator compiles the official OpenLineage 2-0-2 schemas and every
// facet schema from testdata (resolving $ref by $id, no network), plus our
// own facet schema.
// Validator validates OpenLineage RunEvents.
type Validator struct {
	c *jsonschema.Compiler
	// roots maps a standard facet key ("schema", "dataSource" ...) to the
	// $ids of the facet files whose root schema defines that key.
	roots map[string][]string
}

// NewValidator compiles the OpenLineage 2-0-2 schemas, every facet schema
// and prov's facet schema.
func NewValidator() (*Validator, error) {
	spec := filepath.Join(dir(), "testdata", "openlineage-2-0-2")
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noNetwork{})
	v := &Validator{c: c, roots: map[string][]string{}}
	files, err := filepath.Glob(filepath.Join(spec, "facets", "*.json"))
	if err != nil || len(files) < 10 {
		return nil, fmt.Errorf("facet schemas in %s: %v (%d files)", spec, err, len(files))
	}
	files = append(files, filepath.Join(spec, "OpenLineage.json"), filepath.Join(dir(), "schemas", "prov-facets-1-0-0.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("%s has no $id", f)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("adding %s: %w", f, err)
		}
		if filepath.Base(filepath.Dir(f)) == "facets" {
			props, _ := doc.(map[string]any)["properties"].(map[string]any)
			for k := range props {
				v.roots[k] = append(v.roots[k], id)
			}
		}
	}
	return v, nil
}

type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, errors.New("no network in tests: unknown schema " + url)
}

func (v *Validator) validate(url string, doc any) error {
	sch, err := v.c.Compile(url)
	if err != nil {
		return fmt.Errorf("compiling %s: %w", url, err)
	}
	return sch.Validate(doc)
}

// Doc turns a value into the generic JSON document the validator takes.
func Doc(x any) (any, error) {
	b, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}

// ValidateEvent checks a RunEvent against the RunEvent schema, then every
// facet against the schema its _schemaURL names, and every standard facet
// map against the facet files' root schemas (which pin the facet's key).
func (v *Validator) ValidateEvent(doc any) error {
	if err := v.validate("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent", doc); err != nil {
		return err
	}
	ev := doc.(map[string]any)
	var maps []map[string]any
	collect := func(obj any, keys ...string) {
		m, _ := obj.(map[string]any)
		for _, k := range keys {
			if f, ok := m[k].(map[string]any); ok {
				maps = append(maps, f)
			}
		}
	}
	collect(ev["run"], "facets")
	collect(ev["job"], "facets")
	for _, side := range []string{"inputs", "outputs"} {
		list, _ := ev[side].([]any)
		for _, d := range list {
			collect(d, "facets", "inputFacets", "outputFacets")
		}
	}
	for _, fm := range maps {
		for name, f := range fm {
			u, _ := f.(map[string]any)["_schemaURL"].(string)
			if u == "" {
				return errors.New("facet " + name + " has no _schemaURL")
			}
			if err := v.validate(u, f); err != nil {
				return err
			}
		}
		for name := range fm {
			for _, id := range v.roots[name] {
				if err := v.validate(id, fm); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

var hex64re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// CheckCroissant checks the structure a Croissant 1.1 consumer relies on:
// the context, the required dataset keys, unique @ids, a sha256 on every
// FileObject, fields that point at a FileObject of the distribution, and
// the RAI fields.
func CheckCroissant(doc map[string]any) []error {
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
	if doc["conformsTo"] != "http://mlcommons.org/croissant/1.1" {
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
