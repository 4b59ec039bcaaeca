package jsonschema

import (
	"encoding"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/schemas"
)

//go:generate go test -run ^TestGenerated$ -update .

// BaseURI prefixes the $id of every generated schema.
const BaseURI = "https://prov.dev/schemas/"

// Target is one generated schema: the file it is written to and the Go type
// of the YAML document it describes.
type Target struct {
	// File is the schema's file name, e.g. "config.schema.json".
	File string
	// Title names the YAML file the schema is for.
	Title string
	// Type is the document's root type (a struct).
	Type reflect.Type
	// Defaults, when set, returns a document with every default applied;
	// its non-zero fields become the schema's "default" keywords.
	Defaults func() any
}

// Targets are the YAML files prov reads, in the order of docs/config.md.
var Targets = []Target{
	{File: "config.schema.json", Title: "prov run configuration (prov.yaml)", Type: reflect.TypeFor[schemas.Config]()},
	{File: "policy.schema.json", Title: "prov policy (policy.yaml)", Type: reflect.TypeFor[schemas.Policy](),
		Defaults: func() any {
			var p schemas.Policy
			p.ApplyDefaults()
			return p
		}},
	{File: "sources.schema.json", Title: "prov source registry (sources.yaml)", Type: reflect.TypeFor[schemas.SourceRegistry]()},
	{File: "annotation-rules.schema.json", Title: "prov annotation-rule file (one rule version)", Type: reflect.TypeFor[schemas.AnnotationRules]()},
}

// TargetFor returns the target whose File is name.
func TargetFor(name string) (Target, bool) {
	for _, t := range Targets {
		if t.File == name {
			return t, true
		}
	}
	return Target{}, false
}

// Generate returns the schema of t, with descriptions from docs (nil: none),
// as indented JSON with a final newline.
func Generate(t Target, docs Docs) ([]byte, error) {
	g := &generator{docs: docs, defs: map[string]*Schema{}, defaults: map[reflect.Type]reflect.Value{}}
	if t.Defaults != nil {
		g.collectDefaults(reflect.ValueOf(t.Defaults()))
	}
	root, err := g.structSchema(t.Type)
	if err != nil {
		return nil, fmt.Errorf("generating %s: %w", t.File, err)
	}
	root.Schema = "https://json-schema.org/draft/2020-12/schema"
	root.ID = BaseURI + t.File
	root.Title = t.Title
	if len(g.defs) > 0 {
		root.Defs = g.defs
	}
	b, err := encode(root)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", t.File, err)
	}
	return b, nil
}

// GenerateAll generates every target with the doc comments of the Go
// source in srcDir (the schemas package directory), keyed by file name.
func GenerateAll(srcDir string) (map[string][]byte, error) {
	docs, err := ParseDocs(srcDir)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(Targets))
	for _, t := range Targets {
		b, err := Generate(t, docs)
		if err != nil {
			return nil, err
		}
		out[t.File] = b
	}
	return out, nil
}

// WriteAll generates every target and writes it into outDir atomically, so
// an editor never reads half a schema.
func WriteAll(srcDir, outDir string) error {
	files, err := GenerateAll(srcDir)
	if err != nil {
		return err
	}
	for _, t := range Targets {
		if err := atomicfile.WriteFile(filepath.Join(outDir, t.File), files[t.File], 0o644); err != nil {
			return err
		}
	}
	return nil
}

var (
	timeType           = reflect.TypeFor[time.Time]()
	provTimeType       = reflect.TypeFor[schemas.Time]()
	qualityLimitType   = reflect.TypeFor[schemas.QualityLimit]()
	fieldSpecType      = reflect.TypeFor[schemas.FieldSpec]()
	agentListType      = reflect.TypeFor[schemas.AgentList]()
	yamlUnmarshaler    = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshaler    = reflect.TypeFor[encoding.TextUnmarshaler]()
	jsonSchemaTypeName = map[reflect.Kind]string{
		reflect.String: "string", reflect.Bool: "boolean",
		reflect.Int: "integer", reflect.Int8: "integer", reflect.Int16: "integer", reflect.Int32: "integer", reflect.Int64: "integer",
		reflect.Uint: "integer", reflect.Uint8: "integer", reflect.Uint16: "integer", reflect.Uint32: "integer", reflect.Uint64: "integer",
		reflect.Float32: "number", reflect.Float64: "number",
	}
)

type generator struct {
	docs     Docs
	defs     map[string]*Schema
	defaults map[reflect.Type]reflect.Value // a defaulted value of each struct type
}

// collectDefaults remembers the first defaulted value of every struct type
// reachable from v.
func (g *generator) collectDefaults(v reflect.Value) {
	if v.Kind() != reflect.Struct {
		return
	}
	if _, ok := g.defaults[v.Type()]; ok {
		return
	}
	g.defaults[v.Type()] = v
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).IsExported() {
			g.collectDefaults(v.Field(i))
		}
	}
}

// typeSchema describes a value of type t. Named structs become $defs
// entries and are referenced.
func (g *generator) typeSchema(t reflect.Type) (*Schema, error) {
	switch t {
	case timeType:
		return &Schema{Type: "string", AnyOf: []*Schema{{Format: "date-time"}, {Format: "date"}}}, nil
	case provTimeType:
		return &Schema{Type: "string", AnyOf: []*Schema{{Format: "date-time"}, {Format: "date"}, {Const: ""}}}, nil
	case fieldSpecType:
		path := &Schema{Type: "string", MinLength: ptr(1)}
		return &Schema{OneOf: []*Schema{path, {Type: "array", Items: &Schema{Type: "string", MinLength: ptr(1)}}},
			Examples: []any{"metadata.url", "messages[*].content", []any{"instruction", "input", "output"}, []any{}}}, nil
	case agentListType:
		return &Schema{OneOf: []*Schema{{Const: "default"}, {Type: "array", Items: &Schema{Type: "string", Pattern: `\S`}}},
			Examples: []any{"default", []any{}, []any{"GPTBot", "CCBot"}}}, nil
	case qualityLimitType:
		if _, ok := g.defs["QualityLimit"]; !ok {
			g.defs["QualityLimit"] = qualityLimitSchema(g.docs)
		}
		return &Schema{Ref: "#/$defs/QualityLimit"}, nil
	}
	if t.Kind() != reflect.Pointer && (t.Implements(yamlUnmarshaler) || reflect.PointerTo(t).Implements(yamlUnmarshaler) ||
		reflect.PointerTo(t).Implements(textUnmarshaler)) {
		return nil, fmt.Errorf("%s: %w (custom unmarshaler: add an explicit rule)", t, ErrUnsupportedType)
	}
	if name, ok := jsonSchemaTypeName[t.Kind()]; ok {
		s := &Schema{Type: name}
		if strings.HasPrefix(t.Kind().String(), "uint") {
			s.Minimum = ptr(0.0)
		}
		return s, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.typeSchema(t.Elem())
	case reflect.Slice, reflect.Array:
		items, err := g.typeSchema(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "array", Items: items}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("%s: %w (map keys must be strings)", t, ErrUnsupportedType)
		}
		vals, err := g.typeSchema(t.Elem())
		if err != nil {
			return nil, err
		}
		return &Schema{Type: "object", AdditionalProperties: vals}, nil
	case reflect.Struct:
		if t.Name() == "" {
			return nil, fmt.Errorf("anonymous struct: %w", ErrUnsupportedType)
		}
		if _, ok := g.defs[t.Name()]; !ok {
			g.defs[t.Name()] = &Schema{} // placeholder: recursion (LabelRule.children) ends here
			s, err := g.structSchema(t)
			if err != nil {
				return nil, err
			}
			g.defs[t.Name()] = s
		}
		return &Schema{Ref: "#/$defs/" + t.Name()}, nil
	}
	return nil, fmt.Errorf("%s: %w", t, ErrUnsupportedType)
}

// structSchema describes struct type t as a closed object.
func (g *generator) structSchema(t reflect.Type) (*Schema, error) {
	s := &Schema{Type: "object", Description: g.docs[t.Name()], Properties: &Props{}, AdditionalProperties: false}
	def, hasDef := g.defaults[t]
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		key, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if key == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			return nil, fmt.Errorf("%s.%s: inline fields: %w", t.Name(), f.Name, ErrUnsupportedType)
		}
		if key == "" {
			key = strings.ToLower(f.Name) // yaml.v3's default key
		}
		fs, err := g.typeSchema(f.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t.Name(), f.Name, err)
		}
		if d := g.docs.fieldDoc(t.Name(), f.Name, key); d != "" {
			fs.Description = d
		}
		if hasDef {
			if v := def.Field(i); !v.IsZero() && v.Kind() != reflect.Struct {
				if fs.Default, err = jsonValue(v.Interface()); err != nil {
					return nil, fmt.Errorf("%s.%s default: %w", t.Name(), f.Name, err)
				}
			}
		}
		for _, o := range hints[t.Name()+"."+key] {
			o(fs)
		}
		if note := timeNote[deref(f.Type)]; note != "" {
			fs.Description = strings.TrimSpace(fs.Description + "\n\n" + note)
		}
		if f.Type.Kind() == reflect.Pointer {
			fs = nullable(fs)
		}
		if fs.required {
			s.Required = append(s.Required, key)
		}
		*s.Properties = append(*s.Properties, Prop{key, fs})
	}
	return s, nil
}

// timeNote says how times are written, appended to their descriptions.
var timeNote = map[reflect.Type]string{
	timeType:     "Written as an unquoted RFC 3339 time (2024-01-01T00:00:00Z) or date (2024-01-01, midnight UTC).",
	provTimeType: "Written as an RFC 3339 time or a date (midnight UTC); empty means unset.",
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// nullable lets a pointer field be null (yaml.v3 leaves the pointer nil).
func nullable(s *Schema) *Schema {
	inner := &Schema{Ref: s.Ref, Type: s.Type}
	if s.Ref == "" {
		inner = &Schema{}
		*inner = *s
		inner.Description, inner.Default, inner.required = "", nil, false
	}
	return &Schema{Description: s.Description, Default: s.Default, AnyOf: []*Schema{inner, {Type: "null"}}, required: s.required}
}

// qualityLimitSchema describes schemas.QualityLimit, whose UnmarshalYAML
// takes a number or a {value, gate} mapping.
func qualityLimitSchema(docs Docs) *Schema {
	share := func() *Schema { return &Schema{Type: "number", Minimum: ptr(0.0), Maximum: ptr(1.0)} }
	value := share()
	value.Description = "The limit: a share between 0 and 1."
	gate := &Schema{Type: "boolean", Default: false, Description: docs.fieldDoc("QualityLimit", "Gate", "gate")}
	obj := &Schema{Type: "object", AdditionalProperties: false, Required: []string{"value"},
		Properties: &Props{{"value", value}, {"gate", gate}}}
	return &Schema{
		Description: docs["QualityLimit"],
		OneOf:       []*Schema{share(), obj},
		Examples:    []any{0.01, map[string]any{"value": 0.01, "gate": true}},
	}
}

// jsonValue turns a Go default into its JSON form (maps sorted, slices as
// arrays).
func jsonValue(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func ptr[T any](v T) *T { return &v }
