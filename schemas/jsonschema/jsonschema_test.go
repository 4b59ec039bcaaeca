package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/prov-ai/prov/schemas"
)

var update = flag.Bool("update", false, "rewrite the generated *.schema.json files")

// TestGenerated fails when the committed schemas differ from what the Go
// types give (run `go generate ./schemas/jsonschema/` after changing them).
func TestGenerated(t *testing.T) {
	if *update {
		if err := WriteAll("..", "."); err != nil {
			t.Fatal(err)
		}
	}
	files, err := GenerateAll("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range Targets {
		t.Run(tg.File, func(t *testing.T) {
			got, err := os.ReadFile(tg.File)
			if err != nil {
				t.Fatalf("%v (generate with: go generate ./schemas/jsonschema/)", err)
			}
			if !bytes.Equal(got, files[tg.File]) {
				t.Errorf("%s is stale: run go generate ./schemas/jsonschema/", tg.File)
			}
			// Deterministic: a second run gives the same bytes.
			again, err := GenerateAll("..")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again[tg.File], files[tg.File]) {
				t.Errorf("%s: two generations differ", tg.File)
			}
		})
	}
}

func compiled(t testing.TB, file string) *jsv.Schema {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Compile(b)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// load runs prov's own loader for the document kind of a schema file.
func load(file, path string) error {
	var err error
	switch file {
	case "config.schema.json":
		_, err = schemas.LoadConfig(path)
	case "policy.schema.json":
		_, err = schemas.LoadPolicy(path)
	case "sources.schema.json":
		_, err = schemas.LoadSources(path)
	case "annotation-rules.schema.json":
		_, err = schemas.LoadAnnotationRules(path)
	default:
		err = errors.New("no loader for " + file)
	}
	return err
}

type doc struct {
	name, schema string
	data         []byte
}

// demoDocs are the demo fixtures and the files embedded in the Kubernetes
// ConfigMap.
func demoDocs(t testing.TB) []doc {
	t.Helper()
	root := filepath.Join("..", "..")
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	docs := []doc{
		{"fixtures/demo/prov.yaml", "config.schema.json", read("fixtures/demo/prov.yaml")},
		{"fixtures/demo/policy.yaml", "policy.schema.json", read("fixtures/demo/policy.yaml")},
		{"fixtures/demo/sources.yaml", "sources.schema.json", read("fixtures/demo/sources.yaml")},
	}
	rules, err := filepath.Glob(filepath.Join(root, "fixtures/demo/policy/annotation-rules-*.yaml"))
	if err != nil || len(rules) == 0 {
		t.Fatalf("no demo annotation rules: %v", err)
	}
	for _, r := range rules {
		rel, _ := filepath.Rel(root, r)
		docs = append(docs, doc{filepath.ToSlash(rel), "annotation-rules.schema.json", read(rel)})
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(read("deploy/k8s/configmap.yaml"), &cm); err != nil {
		t.Fatal(err)
	}
	for key, schema := range map[string]string{"prov.yaml": "config.schema.json", "policy.yaml": "policy.schema.json", "sources.yaml": "sources.schema.json"} {
		body, ok := cm.Data[key]
		if !ok {
			t.Fatalf("deploy/k8s/configmap.yaml has no %s", key)
		}
		docs = append(docs, doc{"deploy/k8s/configmap.yaml:" + key, schema, []byte(body)})
	}
	return docs
}

// TestDemoFilesValidate: every demo file matches its schema, and prov's
// loader accepts it too.
func TestDemoFilesValidate(t *testing.T) {
	for _, d := range demoDocs(t) {
		t.Run(d.name, func(t *testing.T) {
			if err := Validate(compiled(t, d.schema), d.name, d.data); err != nil {
				t.Errorf("schema: %v", err)
			}
			path := filepath.Join(t.TempDir(), "doc.yaml")
			if err := os.WriteFile(path, d.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := load(d.schema, path); err != nil {
				t.Errorf("loader: %v", err)
			}
		})
	}
}

// TestAgreement: prov's loader and the schema accept and reject the same
// documents: typo'd keys, bad enums, out-of-range values, both forms of a
// quality limit. Each case is a file in testdata/agree/<schema>/ whose name
// starts with ok- or bad-.
func TestAgreement(t *testing.T) {
	files, err := filepath.Glob("testdata/agree/*/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no agreement cases: %v", err)
	}
	for _, f := range files {
		schema := filepath.Base(filepath.Dir(f)) + ".schema.json"
		name := filepath.Base(f)
		wantOK := strings.HasPrefix(name, "ok-")
		if !wantOK && !strings.HasPrefix(name, "bad-") {
			t.Fatalf("%s: name must start with ok- or bad-", f)
		}
		t.Run(filepath.Base(filepath.Dir(f))+"/"+name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			serr := Validate(compiled(t, schema), f, data)
			lerr := load(schema, f)
			if wantOK {
				if serr != nil {
					t.Errorf("schema rejects: %v", serr)
				}
				if lerr != nil {
					t.Errorf("loader rejects: %v", lerr)
				}
				return
			}
			if serr == nil {
				t.Errorf("schema accepts a document prov rejects (loader: %v)", lerr)
			} else if !errors.Is(serr, ErrInvalid) {
				t.Errorf("schema error %v does not wrap ErrInvalid", serr)
			}
			if lerr == nil {
				t.Errorf("loader accepts a document the schema rejects (%v)", serr)
			} else if !errors.Is(lerr, schemas.ErrConfig) {
				t.Errorf("loader error %v does not wrap schemas.ErrConfig", lerr)
			}
		})
	}
}

// TestTypoNamesKey: the schema's message for a typo'd key names the key,
// like prov's loader does.
func TestTypoNamesKey(t *testing.T) {
	for _, tc := range []struct{ schema, yaml, key string }{
		{"config.schema.json", "version: 1\ninput: in\noutput: out\nledger: {dir: l}\npolicy: p\nsources: s\ndatasets: [{name: d, inputs: [{prefix: a/}]}]\nworkerz: 2\n", "workerz"},
		{"policy.schema.json", "id: p\nlegality:\n  harmful:\n    treshold: 0.1\n", "treshold"},
		{"sources.schema.json", "sources:\n  - id: s\n    channel: synthetic\n    generatr: g\n", "generatr"},
		{"annotation-rules.schema.json", "version: v1\ntask: functional\nlabels: [{name: a, spn: required}]\n", "spn"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			err := Validate(compiled(t, tc.schema), "doc.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("schema error %v does not name %q", err, tc.key)
			}
			path := filepath.Join(t.TempDir(), "doc.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			lerr := load(tc.schema, path)
			var ce *schemas.ConfigError
			if !errors.As(lerr, &ce) || (ce.Field != tc.key && !strings.HasSuffix(ce.Field, "."+tc.key)) || ce.Line == 0 {
				t.Errorf("loader error %v does not name field %q with a line", lerr, tc.key)
			}
		})
	}
}

// TestHintsMatchFields: every hint names a generated property, so a renamed
// YAML key cannot silently lose its constraints.
func TestHintsMatchFields(t *testing.T) {
	have := map[string]bool{}
	for _, tg := range Targets {
		b, err := Generate(tg, nil)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Defs       map[string]struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"$defs"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatal(err)
		}
		for k := range s.Properties {
			have[tg.Type.Name()+"."+k] = true
		}
		for name, d := range s.Defs {
			for k := range d.Properties {
				have[name+"."+k] = true
			}
		}
	}
	var missing []string
	for k := range hints {
		if !have[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("hints for properties that do not exist: %v", missing)
	}
}

// TestEveryObjectClosed: every object schema that is not a map says
// additionalProperties: false.
func TestEveryObjectClosed(t *testing.T) {
	for _, tg := range Targets {
		b, err := os.ReadFile(tg.File)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
		var walk func(path string, v any)
		n := 0
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				if _, ok := x["properties"]; ok {
					n++
					if x["additionalProperties"] != false {
						t.Errorf("%s %s: object with properties is not closed", tg.File, path)
					}
				}
				for k, e := range x {
					walk(path+"/"+k, e)
				}
			case []any:
				for i, e := range x {
					walk(path+"/"+string(rune('0'+i%10)), e)
				}
			}
		}
		walk("#", v)
		if n < 2 {
			t.Errorf("%s: only %d objects", tg.File, n)
		}
	}
}

// TestDefaultsFromCode: the defaults in the policy schema are the values
// ApplyDefaults fills in.
func TestDefaultsFromCode(t *testing.T) {
	b, err := os.ReadFile("policy.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Defs map[string]struct {
			Properties map[string]struct {
				Default any `json:"default"`
			} `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		def, prop string
		want      any
	}{
		{"HarmfulPolicy", "threshold", 0.05},
		{"HarmfulPolicy", "sample_size", 4000.0},
		{"LegalityPolicy", "missing_evidence", "quarantine"},
		{"LicencePolicy", "scan_bytes", float64(1 << 20)},
		{"PIIPolicy", "guardian_age", 14.0},
		{"AnnotationPolicy", "gates", []any{"agreement", "accuracy"}},
		{"AnnotationVerdicts", "unqualified", "reject"},
		{"QualityPolicy", "sample_size", 16384.0},
	} {
		t.Run(tc.def+"."+tc.prop, func(t *testing.T) {
			got := s.Defs[tc.def].Properties[tc.prop].Default
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("default %v, want %v", got, tc.want)
			}
		})
	}
}

type withUnmarshaler struct {
	L custom `yaml:"l"`
}

type custom struct{ v string }

func (c *custom) UnmarshalYAML(n *yaml.Node) error { c.v = n.Value; return nil }

type withInterface struct {
	X any `yaml:"x"`
}

type withIntKeys struct {
	M map[int]string `yaml:"m"`
}

// TestUnsupportedTypes: types the generator cannot describe are errors,
// never a guessed schema.
func TestUnsupportedTypes(t *testing.T) {
	for _, typ := range []reflect.Type{
		reflect.TypeFor[withUnmarshaler](),
		reflect.TypeFor[withInterface](),
		reflect.TypeFor[withIntKeys](),
	} {
		t.Run(typ.Name(), func(t *testing.T) {
			_, err := Generate(Target{File: "x.schema.json", Type: typ}, nil)
			if !errors.Is(err, ErrUnsupportedType) {
				t.Errorf("err = %v, want ErrUnsupportedType", err)
			}
		})
	}
}

func TestYAMLToJSON(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // JSON, or "" for an error
	}{
		{"empty", "", "null"},
		{"scalars", "a: 1\nb: 1.5\nc: true\nd: ~\ne: text\nf: \"2\"", `{"a":1,"b":1.5,"c":true,"d":null,"e":"text","f":"2"}`},
		{"timestamps stay text", "a: 2024-01-01\nb: 2024-01-01T00:00:00Z", `{"a":"2024-01-01","b":"2024-01-01T00:00:00Z"}`},
		{"alias", "a: &x [1, 2]\nb: *x", `{"a":[1,2],"b":[1,2]}`},
		{"merge", "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3", `{"base":{"x":1,"y":2},"c":{"x":1,"y":3}}`},
		{"merge list", "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: [*a, *b]}", `{"a":{"x":1},"b":{"y":2},"c":{"x":1,"y":2}}`},
		{"big int", "a: 18446744073709551615", `{"a":18446744073709551615}`},
		{"duplicate key", "a: 1\na: 2", ""},
		{"nan", "a: .nan", ""},
		{"two documents", "a: 1\n---\nb: 2", ""},
		{"bad yaml", "a: [1", ""},
		{"complex key", "? [1]\n: 2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := YAMLToJSON([]byte(tc.in))
			if tc.want == "" {
				if !errors.Is(err, ErrYAML) {
					t.Fatalf("got %v, %v; want an ErrYAML error", v, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// FuzzYAMLToJSON: any input either fails with ErrYAML or gives a value that
// encodes as JSON and validates (or not) without panicking.
func FuzzYAMLToJSON(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/agree/*/*.yaml")
	more, _ := filepath.Glob("testdata/fuzz-seeds/*.yaml")
	for _, p := range append(seeds, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := compiled(f, "policy.schema.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := YAMLToJSON(data)
		if err != nil {
			if !errors.Is(err, ErrYAML) {
				t.Fatalf("error %v does not wrap ErrYAML", err)
			}
			return
		}
		if _, err := json.Marshal(v); err != nil {
			t.Fatalf("value %#v does not encode: %v", v, err)
		}
		_ = s.Validate(v)
	})
}

func BenchmarkValidatePolicy(b *testing.B) {
	data, err := os.ReadFile("../../fixtures/demo/policy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s := compiled(b, "policy.schema.json")
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := Validate(s, "policy.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	docs, err := ParseDocs("..")
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, tg := range Targets {
		out, err := Generate(tg, docs)
		if err != nil {
			b.Fatal(err)
		}
		n += int64(len(out))
	}
	b.ReportAllocs()
	b.SetBytes(n)
	for b.Loop() {
		for _, tg := range Targets {
			if _, err := Generate(tg, docs); err != nil {
				b.Fatal(err)
			}
		}
	}
}
