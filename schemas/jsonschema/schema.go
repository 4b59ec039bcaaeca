package jsonschema

import (
	"bytes"
	"encoding/json"
)

// Schema is one JSON Schema node, with the keywords the generator uses in
// the order they are written.
type Schema struct {
	Schema      string `json:"$schema,omitempty"`
	ID          string `json:"$id,omitempty"`
	Ref         string `json:"$ref,omitempty"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	// Type is a type name or a list of them.
	Type   any    `json:"type,omitempty"`
	Format string `json:"format,omitempty"`
	Const  any    `json:"const,omitempty"`
	Enum   []any  `json:"enum,omitempty"`
	// Default is the value prov uses when the key is absent.
	Default     any      `json:"default,omitempty"`
	Minimum     *float64 `json:"minimum,omitempty"`
	Maximum     *float64 `json:"maximum,omitempty"`
	MinLength   *int     `json:"minLength,omitempty"`
	Pattern     string   `json:"pattern,omitempty"`
	MinItems    *int     `json:"minItems,omitempty"`
	UniqueItems bool     `json:"uniqueItems,omitempty"`
	Items       *Schema  `json:"items,omitempty"`
	Properties  *Props   `json:"properties,omitempty"`
	Required    []string `json:"required,omitempty"`
	// AdditionalProperties is false (a closed object) or a *Schema (a map).
	AdditionalProperties any                `json:"additionalProperties,omitempty"`
	PropertyNames        *Schema            `json:"propertyNames,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	Examples             []any              `json:"examples,omitempty"`
	Defs                 map[string]*Schema `json:"$defs,omitempty"`

	required bool // the property holding this schema is required
}

// Prop is one named property.
type Prop struct {
	Name   string
	Schema *Schema
}

// Props are an object's properties in declaration order (JSON objects in
// encoding/json come out sorted, which would scatter related settings).
type Props []Prop

// MarshalJSON writes the properties as a JSON object in their order.
func (p Props) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, pr := range p {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := marshal(pr.Name)
		if err != nil {
			return nil, err
		}
		v, err := marshal(pr.Schema)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal encodes v without HTML escaping ("<dataset>" stays readable).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// encode writes s indented by two spaces, with a final newline.
func encode(s *Schema) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
