package jsonschema

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	jsv "github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// YAMLToJSON converts one YAML document into the JSON value a JSON Schema
// validator sees: mappings become objects (keys as written), sequences
// arrays, and scalars take the type yaml.v3 resolves (null, bool, int,
// float, string). Timestamps stay the strings they were written as, so a
// date-time format check sees the text. Aliases and merge keys (<<) are
// expanded. Duplicate keys, non-finite floats and more than one document
// are errors wrapping ErrYAML.
func YAMLToJSON(data []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty file is a null document
		}
		return nil, fmt.Errorf("%w: %w", ErrYAML, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one document", ErrYAML)
	}
	return nodeValue(&doc, 0)
}

// maxDepth bounds nesting (and alias expansion) so a hostile document
// cannot exhaust the stack.
const maxDepth = 200

func nodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%w: line %d: nested deeper than %d", ErrYAML, n.Line, maxDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValue(n.Content[0], depth+1)
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		explicit := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				if err := merge(out, explicit, v, depth); err != nil {
					return nil, err
				}
				continue
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("%w: line %d: a mapping key must be a scalar", ErrYAML, k.Line)
			}
			if explicit[k.Value] {
				return nil, fmt.Errorf("%w: line %d: key %q already set", ErrYAML, k.Line, k.Value)
			}
			val, err := nodeValue(v, depth+1)
			if err != nil {
				return nil, err
			}
			out[k.Value] = val
			explicit[k.Value] = true
		}
		return out, nil
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil, fmt.Errorf("%w: line %d: unknown node kind %d", ErrYAML, n.Line, n.Kind)
}

// merge applies a merge key's mapping(s) to out; keys set explicitly in the
// mapping win over merged ones, as in yaml.v3.
func merge(out map[string]any, explicit map[string]bool, v *yaml.Node, depth int) error {
	srcs := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		srcs = v.Content
	}
	for _, src := range srcs {
		m, err := nodeValue(src, depth+1)
		if err != nil {
			return err
		}
		mm, ok := m.(map[string]any)
		if !ok {
			return fmt.Errorf("%w: line %d: a merge key needs a mapping", ErrYAML, v.Line)
		}
		for k, x := range mm {
			if _, set := out[k]; !set && !explicit[k] {
				out[k] = x
			}
		}
	}
	return nil
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrYAML, n.Line, err)
		}
		return b, nil
	case "!!int":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrYAML, n.Line, err)
		}
		switch x := v.(type) {
		case int, int64, uint64:
			return x, nil
		}
		// Too large for 64 bits: keep the digits, JSON numbers have no size.
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) {
			return f, nil
		}
		return nil, fmt.Errorf("%w: line %d: integer %s out of range", ErrYAML, n.Line, n.Value)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrYAML, n.Line, err)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%w: line %d: %s has no JSON form", ErrYAML, n.Line, n.Value)
		}
		return f, nil
	default: // !!str, !!timestamp, !!binary and custom tags: the text
		return n.Value, nil
	}
}

// Compile compiles a generated schema (the bytes of a *.schema.json file)
// for Validate. Formats (date-time, date) are asserted.
func Compile(schemaJSON []byte) (*jsv.Schema, error) {
	doc, err := jsv.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("reading schema: %w", err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if id == "" {
		id = "schema.json"
	}
	c := jsv.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		return nil, fmt.Errorf("adding schema %s: %w", id, err)
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compiling schema %s: %w", id, err)
	}
	return s, nil
}

// Validate checks the YAML document data (named name in errors) against a
// compiled schema. A mismatch wraps ErrInvalid and the validator's
// *jsonschema.ValidationError (its message lists every failing location).
func Validate(s *jsv.Schema, name string, data []byte) error {
	v, err := YAMLToJSON(data)
	if err != nil {
		return fmt.Errorf("validating %s: %w", name, err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("validating %s: %w: %w", name, ErrInvalid, err)
	}
	return nil
}
