package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigError is a problem with a configuration file, positioned at the
// file, line and field it concerns.
type ConfigError struct {
	File  string
	Line  int    // 1-based; 0 when unknown
	Field string // YAML path, e.g. datasets[0].inputs[1].format
	Err   error
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, ": field %s", e.Field)
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// ErrConfig is wrapped by every ConfigError's chain for errors.Is checks.
var ErrConfig = errors.New("invalid configuration")

// LoadConfig reads, strictly decodes and validates a run configuration.
// Relative paths in it are made absolute against the file's directory.
func LoadConfig(path string) (*Config, error) {
	var c Config
	if err := DecodeFile(path, &c); err != nil {
		return nil, err
	}
	if err := positioned(path, c.Validate()); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, &ConfigError{File: path, Err: fmt.Errorf("%w: %w", ErrConfig, err)}
	}
	c.Input = resolveStoreURI(dir, c.Input)
	c.Output = resolveStoreURI(dir, c.Output)
	if c.SharedWork != "" {
		c.SharedWork = resolveStoreURI(dir, c.SharedWork)
	}
	c.File = path
	c.Policy = resolvePath(dir, c.Policy)
	c.Sources = resolvePath(dir, c.Sources)
	c.Ledger.Dir = resolvePath(dir, c.Ledger.Dir)
	c.Ledger.SigningKey = resolvePath(dir, c.Ledger.SigningKey)
	c.Ledger.PublicKey = resolvePath(dir, c.Ledger.PublicKey)
	c.Ledger.SubjectKey = resolvePath(dir, c.Ledger.SubjectKey)
	if c.Work == "" {
		c.Work = filepath.Join(filepath.Dir(c.Ledger.Dir), "work")
	} else {
		c.Work = resolvePath(dir, c.Work)
	}
	if c.Metrics.Textfile != "" {
		c.Metrics.Textfile = resolvePath(dir, c.Metrics.Textfile)
	}
	if c.Ledger.Origin == "" {
		c.Ledger.Origin = "prov.local/ledger"
	}
	return &c, nil
}

// LoadPolicy reads a policy file, applies defaults and validates it.
func LoadPolicy(path string) (*Policy, error) {
	var p Policy
	if err := DecodeFile(path, &p); err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(filepath.Dir(path))
	if err != nil {
		return nil, &ConfigError{File: path, Err: fmt.Errorf("%w: %w", ErrConfig, err)}
	}
	p.Dir = dir
	p.File = path
	p.ApplyDefaults()
	if err := positioned(path, p.Validate()); err != nil {
		return nil, err
	}
	return &p, nil
}

// LoadSources reads and validates a source registry file.
func LoadSources(path string) (*SourceRegistry, error) {
	var r SourceRegistry
	if err := DecodeFile(path, &r); err != nil {
		return nil, err
	}
	if err := positioned(path, r.Validate()); err != nil {
		return nil, err
	}
	return &r, nil
}

// Validate checks the registry: unique ids, known channels, and the fields
// every channel needs to be registered at all. Missing evidence that is a
// rule finding (not a config error) is left to the legality stage.
func (r *SourceRegistry) Validate() error {
	seen := map[string]bool{}
	for i, s := range r.Sources {
		p := fmt.Sprintf("sources[%d]", i)
		if s.ID == "" {
			return &FieldError{p + ".id", "is required"}
		}
		if seen[s.ID] {
			return &FieldError{p + ".id", fmt.Sprintf("source %q is defined twice", s.ID)}
		}
		seen[s.ID] = true
		if !contains(Channels, s.Channel) {
			return &FieldError{p + ".channel", fmt.Sprintf("%q is not one of %s", s.Channel, strings.Join(Channels, ", "))}
		}
		switch s.Origin {
		case "", "domestic", "foreign":
		default:
			return &FieldError{p + ".origin", fmt.Sprintf("%q is not domestic or foreign", s.Origin)}
		}
		if err := validateFieldLayer(p, s.Shape, s.Fields, s.Annotation); err != nil {
			return err
		}
	}
	return nil
}

// DecodeFile strictly decodes the YAML file at path into v: unknown keys,
// duplicate keys and type mismatches are ConfigErrors naming file and line.
func DecodeFile(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return &ConfigError{File: path, Err: fmt.Errorf("%w: %w", ErrConfig, err)}
	}
	return Decode(path, data, v)
}

// Decode strictly decodes YAML data (named name in errors) into v. A
// quoted date ("2024-12-31") is read as the date it obviously is: where a
// time is wanted it is that time, where a string is wanted the same text.
func Decode(name string, data []byte, v any) error {
	data = unquoteDates(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		ce := yamlError(name, data, err)
		if ce.Line == 0 && errors.Is(err, ErrBadTime) {
			ce.Line, ce.Field = badTimeAt(data, reflect.TypeOf(v))
		}
		return ce
	}
	return nil
}

// badTimeAt finds the first value of a time-typed key (by the yaml names of
// t's Time fields) that does not parse as a time: Time's own error does not
// quote the value.
func badTimeAt(data []byte, t reflect.Type) (int, string) {
	keys := map[string]bool{}
	seen := map[reflect.Type]bool{}
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if f.Type == reflect.TypeFor[Time]() && name != "" {
				keys[name] = true
			}
			collect(f.Type)
		}
	}
	collect(t)
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return 0, ""
	}
	line := 0
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if line > 0 {
				return
			}
			if n.Kind == yaml.MappingNode && i%2 == 1 && keys[n.Content[i-1].Value] && c.Kind == yaml.ScalarNode {
				var tm Time
				if tm.UnmarshalText([]byte(c.Value)) != nil {
					line = c.Line
					return
				}
			}
			walk(c)
		}
	}
	walk(&root)
	if line == 0 {
		return 0, ""
	}
	return line, pathAtLine(data, line, "")
}

var dateOnly = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// unquoteDates removes the quotes around quoted YYYY-MM-DD scalars (which
// yaml.v3 would not read as a time), keeping every line and column of the
// file: the quotes become trailing spaces.
func unquoteDates(data []byte) []byte {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return data // the decoder reports the syntax error
	}
	var lines [][]byte
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && (n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle) &&
			dateOnly.MatchString(n.Value) {
			if lines == nil {
				lines = bytes.Split(data, []byte("\n"))
			}
			if n.Line >= 1 && n.Line <= len(lines) {
				l := lines[n.Line-1]
				c := n.Column - 1
				if c >= 0 && c+len(n.Value)+2 <= len(l) && (l[c] == '"' || l[c] == '\'') && l[c+len(n.Value)+1] == l[c] {
					copy(l[c:], n.Value)
					l[c+len(n.Value)], l[c+len(n.Value)+1] = ' ', ' '
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	if lines == nil {
		return data
	}
	return bytes.Join(lines, []byte("\n"))
}

var quotedValue = regexp.MustCompile(`parsing time "([^"]*)"`)

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns yaml.v3's errors ("yaml: unmarshal errors:\n  line 5:
// field foo not found in type schemas.Config") into a ConfigError.
func yamlError(name string, data []byte, err error) *ConfigError {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	ce := &ConfigError{File: name}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		ce.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if f := strings.TrimPrefix(msg, "field "); f != msg {
			if i := strings.Index(f, " not found"); i > 0 {
				// name the key by its full path (datasets[0].feilds)
				ce.Field = pathAtLine(data, ce.Line, f[:i])
				if ce.Field == "" {
					ce.Field = f[:i]
				}
				msg = "unknown field (a typo would silently disable a check)"
			}
		}
		if ce.Field == "" {
			// A type mismatch: name the key on that line by its path.
			ce.Field = pathAtLine(data, ce.Line, "")
		}
	}
	if ce.Line == 0 {
		// Errors of a TextUnmarshaler (time.Time) carry no line: find the
		// value they quote.
		if m := quotedValue.FindStringSubmatch(msg); m != nil {
			ce.Line, ce.Field = valueAt(data, m[1])
		}
	}
	ce.Err = fmt.Errorf("%w: %s", ErrConfig, strings.TrimPrefix(msg, "yaml: "))
	return ce
}

// valueAt returns the line and YAML path of the first scalar value v.
func valueAt(data []byte, v string) (int, string) {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return 0, ""
	}
	var find func(n *yaml.Node) int
	find = func(n *yaml.Node) int {
		if n.Kind == yaml.ScalarNode && n.Value == v {
			return n.Line
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 0 {
				continue
			}
			if l := find(c); l > 0 {
				return l
			}
		}
		return 0
	}
	l := find(&root)
	if l == 0 {
		return 0, ""
	}
	return l, pathAtLine(data, l, "")
}

// pathAtLine returns the YAML path (a.b[2].c) of the key named key on line
// of data, or (key "") of the first key on it, else of a list item on it;
// "" if none.
func pathAtLine(data []byte, line int, key string) string {
	var root yaml.Node
	if line <= 0 || yaml.Unmarshal(data, &root) != nil {
		return ""
	}
	n := &root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	best, keyBest := "", ""
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Line == line && (key == k.Value || (key == "" && keyBest == "")) {
					keyBest = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Line == line && best == "" {
					best = p
				}
				walk(c, p)
			}
		}
	}
	walk(n, "")
	if keyBest != "" {
		return keyBest
	}
	return best
}

// FileFieldError is a ConfigError about what the setting field of the YAML
// file names (a key file, a list): file, the setting's line, field and err.
func FileFieldError(file, field string, err error) error {
	e := positioned(file, &FieldError{Path: field, Msg: err.Error()})
	if c, ok := e.(*ConfigError); ok {
		c.Err = fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return e
}

// positioned turns a *FieldError from Validate into a ConfigError with the
// line of that field in the file.
func positioned(path string, err error) error {
	if err == nil {
		return nil
	}
	var fe *FieldError
	if !errors.As(err, &fe) {
		return &ConfigError{File: path, Err: fmt.Errorf("%w: %w", ErrConfig, err)}
	}
	line := 0
	if data, rerr := os.ReadFile(path); rerr == nil {
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil {
			line = lineOf(&root, fe.Path)
		}
	}
	return &ConfigError{File: path, Line: line, Field: fe.Path, Err: fmt.Errorf("%w: %s", ErrConfig, fe.Msg)}
}

// lineOf finds the line of a YAML path like "a.b[2].c" in a document node,
// falling back to the deepest node found.
func lineOf(n *yaml.Node, path string) int {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, part := range splitPath(path) {
		var next *yaml.Node
		switch {
		case n.Kind == yaml.MappingNode && !strings.HasPrefix(part, "["):
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == part {
					line = n.Content[i].Line
					next = n.Content[i+1]
					break
				}
			}
		case n.Kind == yaml.SequenceNode && strings.HasPrefix(part, "["):
			idx, err := strconv.Atoi(strings.Trim(part, "[]"))
			if err == nil && idx >= 0 && idx < len(n.Content) {
				next = n.Content[idx]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

func splitPath(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, ".") {
		for seg != "" {
			i := strings.Index(seg, "[")
			switch {
			case i < 0:
				out = append(out, seg)
				seg = ""
			case i > 0:
				out = append(out, seg[:i])
				seg = seg[i:]
			default:
				j := strings.Index(seg, "]")
				if j < 0 {
					out = append(out, seg)
					seg = ""
				} else {
					out = append(out, seg[:j+1])
					seg = seg[j+1:]
				}
			}
		}
	}
	return out
}

func resolvePath(dir, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// resolveStoreURI makes relative local store paths absolute file:// URIs and
// leaves s3:// and absolute file:// URIs alone.
func resolveStoreURI(dir, u string) string {
	switch {
	case strings.HasPrefix(u, "s3://"):
		return u
	case strings.HasPrefix(u, "file://"):
		p := strings.TrimPrefix(u, "file://")
		return "file://" + resolvePath(dir, p)
	default:
		abs, err := filepath.Abs(resolvePath(dir, u))
		if err != nil {
			return "file://" + resolvePath(dir, u)
		}
		return "file://" + abs
	}
}
