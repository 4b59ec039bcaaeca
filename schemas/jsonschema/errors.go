package jsonschema

import "errors"

// ErrUnsupportedType is returned when generation meets a Go type it cannot
// describe (a custom unmarshaler it has no explicit rule for, an interface,
// a map with non-string keys, ...).
var ErrUnsupportedType = errors.New("type has no JSON Schema rule")

// ErrInvalid is wrapped by every validation failure of a document.
var ErrInvalid = errors.New("document does not match its JSON Schema")

// ErrYAML is wrapped when a document cannot be read as YAML, or holds
// something JSON cannot (duplicate keys, non-finite numbers).
var ErrYAML = errors.New("reading YAML document")
