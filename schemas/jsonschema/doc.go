// Package jsonschema derives the JSON Schemas (draft 2020-12) of the YAML
// files prov reads from their Go types in package schemas, and validates YAML
// documents against them.
//
// The schemas are for editors (a `# yaml-language-server: $schema=...` line
// at the top of a file) and for CI checks outside Go; prov itself validates
// with schemas.LoadConfig, LoadPolicy, LoadSources and LoadAnnotationRules.
// Both say the same thing: every object is closed (`additionalProperties:
// false`, an unknown key is an error in prov too), fixed sets the loader
// validates are enums taken from the same Go variables, ranges the loader
// checks are minimum/maximum, and the defaults shown are the ones
// schemas.Policy.ApplyDefaults fills in.
//
// Generation walks the types by reflection over their `yaml` tags and takes
// descriptions from the doc comments of the Go source (parsed with go/ast).
// A field type with a custom YAML or text unmarshaler must be described
// explicitly here (schemas.QualityLimit: a number or a {value, gate}
// mapping; time.Time and schemas.Time: date-time or date strings);
// generation fails on one it does not know rather than guess.
//
// The generated files live beside this package and are regenerated with
//
//	go generate ./schemas/jsonschema/
//
// (which runs `go test -run TestGenerated -update`); the test fails when the
// committed files differ from what the Go types give.
//
// What the schemas cannot say (checked by prov only): unique dataset, source
// and label names, at most 64 harmful-content categories, language_sample_size
// at most sample_size, a quoted date-only string for a time.Time field (the
// schema accepts it, yaml.v3 does not), and an empty string meaning "the
// default" for enum settings (prov accepts it, the schema does not).
package jsonschema
