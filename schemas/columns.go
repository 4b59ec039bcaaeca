package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Columns is the column (JSONL key, Parquet column, YAML key) map of a
// registry file: logical column name → the name the file uses. A logical
// column left out is read under its own name, so an empty map reads the
// files prov writes and documents; a registry exported from another system
// (annotator_id for id, evidence_ref for id, consented_on for granted_at)
// is read through a map instead of being rewritten.
type Columns map[string]string

// Logical columns of each registry file (the keys a Columns map may have).
var (
	// ConsentColumns are the columns of the consent registry
	// (pii.consent_registry).
	ConsentColumns = []string{"subject_id", "scopes", "type", "id", "granted_at", "withdrawn_at"}
	// RosterColumns are the keys of an annotator roster entry
	// (annotation.roster, schemas.Annotator).
	RosterColumns = []string{"id", "roles", "trained", "exam_passed", "suspended_from", "suspended_to"}
	// SpotCheckColumns are the keys of an imported reviewer verdict
	// (annotation.spot_checks, schemas.SpotCheck).
	SpotCheckColumns = []string{"rule_version", "batch", "id", "reviewer", "at", "verdict"}
)

// Column returns the file's name of logical column name.
func (c Columns) Column(name string) string {
	if v := c[name]; v != "" {
		return v
	}
	return name
}

// validate checks that every key is one of logical, every value a non-empty
// name, and no two logical columns read the same file column.
func (c Columns) validate(path string, logical []string) error {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(logical, k) {
			return &FieldError{path + "." + k, fmt.Sprintf("unknown column (want one of %s)", strings.Join(logical, ", "))}
		}
		if strings.TrimSpace(c[k]) == "" {
			return &FieldError{path + "." + k, "column name is empty"}
		}
	}
	seen := map[string]string{}
	for _, l := range logical {
		col := c.Column(l)
		if other, dup := seen[col]; dup {
			return &FieldError{path + "." + l, fmt.Sprintf("column %q is already read as %s", col, other)}
		}
		seen[col] = l
	}
	return nil
}

// ColumnError is a problem with one column of a registry row: an unknown
// column or a value of the wrong type. Column is the file's name, Logical
// the logical column it is read as ("" for an unknown column).
type ColumnError struct {
	Column, Logical string
	Err             error
}

func (e *ColumnError) Error() string {
	if e.Logical == "" || e.Logical == e.Column {
		return fmt.Sprintf("column %q: %v", e.Column, e.Err)
	}
	return fmt.Sprintf("column %q (%s): %v", e.Column, e.Logical, e.Err)
}

func (e *ColumnError) Unwrap() error { return e.Err }

// ErrUnknownColumn is wrapped by a ColumnError for a column the map does
// not read (a typo must not silently drop a withdrawal date).
var ErrUnknownColumn = errors.New("unknown column")

// ColumnReader decodes registry rows whose columns are named as the file
// names them into Go values whose JSON tags are the logical names.
type ColumnReader struct {
	logical []string
	byFile  map[string]string // file column → logical column
}

// Reader returns the reader of rows with the given logical columns.
func (c Columns) Reader(logical []string) *ColumnReader {
	r := &ColumnReader{logical: logical, byFile: make(map[string]string, len(logical))}
	for _, l := range logical {
		r.byFile[c.Column(l)] = l
	}
	return r
}

// DecodeJSON decodes one JSON object (a JSONL line) into dst. Every key must
// be a column of the map; each value is decoded into the field tagged with
// its logical name, so an error names the column. Trailing data is an error.
func (r *ColumnReader) DecodeJSON(line []byte, dst any) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(line, &obj); err != nil {
		return fmt.Errorf("decoding row: %w", err)
	}
	if obj == nil {
		return errors.New("decoding row: not a JSON object")
	}
	return r.decode(obj, dst)
}

// DecodeMap decodes one row already parsed (a YAML mapping) into dst, as
// DecodeJSON does.
func (r *ColumnReader) DecodeMap(row map[string]any, dst any) error {
	obj := make(map[string]json.RawMessage, len(row))
	for k, v := range row {
		b, err := json.Marshal(v)
		if err != nil {
			return &ColumnError{Column: k, Logical: r.byFile[k], Err: err}
		}
		obj[k] = b
	}
	return r.decode(obj, dst)
}

func (r *ColumnReader) decode(obj map[string]json.RawMessage, dst any) error {
	cols := make([]string, 0, len(obj))
	for k := range obj {
		cols = append(cols, k)
	}
	slices.Sort(cols)
	var one bytes.Buffer
	for _, col := range cols {
		l, ok := r.byFile[col]
		if !ok {
			want := make([]string, len(r.logical))
			for i, name := range r.logical {
				want[i] = fmt.Sprintf("%q", r.colOf(name))
			}
			return &ColumnError{Column: col, Err: fmt.Errorf("%w (want one of %s)", ErrUnknownColumn, strings.Join(want, ", "))}
		}
		one.Reset()
		key, _ := json.Marshal(l)
		one.WriteByte('{')
		one.Write(key)
		one.WriteByte(':')
		one.Write(obj[col])
		one.WriteByte('}')
		if err := json.Unmarshal(one.Bytes(), dst); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				err = fmt.Errorf("a JSON %s is not a valid value", te.Value)
			}
			return &ColumnError{Column: col, Logical: l, Err: err}
		}
	}
	return nil
}

// colOf is the file's name of logical column l.
func (r *ColumnReader) colOf(l string) string {
	for f, name := range r.byFile {
		if name == l {
			return f
		}
	}
	return l
}
