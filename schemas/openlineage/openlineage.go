// Package openlineage reads OpenLineage RunEvents (spec 2-0-2) that
// downstream jobs — training runs, fine-tuning jobs, data jobs — report to
// prov, and says which of their datasets name a prov dataset version.
//
// # Accepted format
//
// One RunEvent per document, JSON (RFC 8259, UTF-8). Parse validates it
// against the official OpenLineage 2-0-2 JSON Schema (OpenLineage.json,
// draft 2020-12, formats asserted: eventTime must be an RFC 3339 date-time,
// runId a UUID, producer and schemaURL URIs) and every facet it carries
// against the official facet schemas: a facet whose _schemaURL names one of
// the standard facet schemas is validated against that schema, and a
// standard facet key ("schema", "dataSource", "parent" ...) is validated
// against the facet file that defines the key. Custom facets (any other
// _schemaURL) need only the BaseFacet fields. The schemas are embedded (an
// unchanged copy of the spec, Apache-2.0, in spec/ with its LICENSE): no
// network at run time.
//
// prov also refuses empty job, input and output namespaces and names (the
// schema allows them; prov identifies runs and models by them) and NUL
// bytes in them. Errors wrap ErrInvalid and name the JSON pointer of the
// offending value.
//
// # prov dataset versions
//
// An input names a prov dataset version (Names.Version) in one of two ways:
//
//   - namespace "prov", name "DATASET@VERSION" (store-independent), or
//   - the namespace and name prov's own OpenLineage export gives the sealed
//     version (`prov export openlineage`): the output store's namespace
//     (s3://BUCKET, or "file" for a local directory) and the name
//     PREFIX/DATASET/VERSION, optionally followed by a path inside the
//     version folder (/records, /records/part-0.parquet, /manifest.json).
package openlineage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

//go:embed spec
var specFS embed.FS

// SpecURL is the $id of the OpenLineage schema events are validated against.
const SpecURL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"

const runEventRef = SpecURL + "#/$defs/RunEvent"

// Namespace is the OpenLineage dataset namespace of prov's
// store-independent dataset version names ("DATASET@VERSION").
const Namespace = "prov"

// ErrInvalid: a document that is not a valid OpenLineage 2-0-2 RunEvent.
var ErrInvalid = errors.New("invalid OpenLineage RunEvent")

// Event states (RunEvent eventType). An event without eventType is OTHER.
const (
	Start    = "START"
	Running  = "RUNNING"
	Complete = "COMPLETE"
	Abort    = "ABORT"
	Fail     = "FAIL"
	Other    = "OTHER"
)

// RunEvent is the part of a RunEvent prov keeps.
type RunEvent struct {
	// EventTime is the event's time, normalised to RFC 3339 UTC.
	EventTime string `json:"eventTime"`
	// EventType is the run state; OTHER when the event has none.
	EventType string    `json:"eventType"`
	Producer  string    `json:"producer"`
	SchemaURL string    `json:"schemaURL"`
	Run       Run       `json:"run"`
	Job       Job       `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
	// SHA256 is the hex SHA-256 of the event's canonical JSON (object keys
	// sorted, no insignificant white space): equal for the same event
	// however it was formatted.
	SHA256 string `json:"-"`
}

// Run is the run of an event.
type Run struct {
	RunID string `json:"runId"`
}

// Job is the job of an event.
type Job struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Dataset is an input or output dataset of an event.
type Dataset struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Parse validates one JSON RunEvent (see the package doc) and returns it.
// Errors wrap ErrInvalid and say where the event is wrong.
func Parse(b []byte) (*RunEvent, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("%w: empty document", ErrInvalid)
	}
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: not UTF-8", ErrInvalid)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: not JSON: %w", ErrInvalid, err)
	}
	v, err := validator()
	if err != nil {
		return nil, err
	}
	if err := v.validateEvent(doc); err != nil {
		return nil, err
	}
	canonical, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding: %w", ErrInvalid, err)
	}
	var ev RunEvent
	if err := json.Unmarshal(canonical, &ev); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	t, err := time.Parse(time.RFC3339Nano, ev.EventTime)
	if err != nil {
		return nil, fmt.Errorf("%w: /eventTime %q: %w", ErrInvalid, ev.EventTime, err)
	}
	ev.EventTime = t.UTC().Format(time.RFC3339Nano)
	if ev.EventType == "" {
		ev.EventType = Other
	}
	// The schema allows empty names; prov identifies runs and models by
	// them, so an empty one is refused with the reason.
	if ev.Job.Namespace == "" || ev.Job.Name == "" {
		return nil, fmt.Errorf("%w: at /job: namespace and name must not be empty", ErrInvalid)
	}
	for side, list := range map[string][]Dataset{"inputs": ev.Inputs, "outputs": ev.Outputs} {
		for i, d := range list {
			if d.Namespace == "" || d.Name == "" || strings.ContainsRune(d.Namespace+d.Name, 0) {
				return nil, fmt.Errorf("%w: at /%s/%d: namespace and name must be non-empty, without NUL", ErrInvalid, side, i)
			}
		}
	}
	if strings.ContainsRune(ev.Job.Namespace+ev.Job.Name, 0) {
		return nil, fmt.Errorf("%w: at /job: NUL in the namespace or name", ErrInvalid)
	}
	ev.Run.RunID = strings.ToLower(ev.Run.RunID)
	sum := sha256.Sum256(canonical)
	ev.SHA256 = hex.EncodeToString(sum[:])
	return &ev, nil
}

// Names says how the output store names prov dataset versions, as prov's
// export names them: StoreNamespace is the OpenLineage namespace of the
// output store (s3://BUCKET, or "file") and StorePrefix the name prefix of
// its root ("" or "path/" ending in a slash; a local directory's absolute
// path with its trailing slash). The zero Names recognises only the "prov"
// namespace.
type Names struct {
	StoreNamespace string
	StorePrefix    string
}

// Version returns the prov dataset version an input names (see the
// package doc); ok is false when the dataset is not a prov version name.
func (n Names) Version(d Dataset) (dataset, version string, ok bool) {
	if d.Namespace == Namespace {
		ds, ver, found := strings.Cut(d.Name, "@")
		if !found || !validPart(ds) || !validPart(ver) {
			return "", "", false
		}
		return ds, ver, true
	}
	if n.StoreNamespace == "" || d.Namespace != n.StoreNamespace {
		return "", "", false
	}
	rest, found := strings.CutPrefix(d.Name, n.StorePrefix)
	if !found {
		return "", "", false
	}
	parts := strings.Split(path.Clean("/" + rest)[1:], "/")
	if len(parts) < 2 || !validPart(parts[0]) || !validPart(parts[1]) {
		return "", "", false
	}
	return parts[0], parts[1], true
}

func validPart(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, "/@ \t\n")
}

// validatorT validates RunEvents and their facets.
type validatorT struct {
	c *jsonschema.Compiler
	// ids are the $ids of the embedded facet schemas.
	ids map[string]bool
	// roots maps a standard facet key to the facet files defining it.
	roots map[string][]string
	mu    sync.Mutex
	cache map[string]*jsonschema.Schema
}

var validator = sync.OnceValues(func() (*validatorT, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(noNetwork{})
	v := &validatorT{c: c, ids: map[string]bool{}, roots: map[string][]string{}, cache: map[string]*jsonschema.Schema{}}
	files, err := fs.Glob(specFS, "spec/facets/*.json")
	if err != nil {
		return nil, fmt.Errorf("listing embedded facet schemas: %w", err)
	}
	files = append(files, "spec/OpenLineage.json")
	for _, f := range files {
		b, err := specFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading embedded schema %s: %w", f, err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("parsing embedded schema %s: %w", f, err)
		}
		m, _ := doc.(map[string]any)
		id, _ := m["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("embedded schema %s has no $id", f)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("adding embedded schema %s: %w", f, err)
		}
		if strings.HasPrefix(f, "spec/facets/") {
			v.ids[id] = true
			props, _ := m["properties"].(map[string]any)
			for k := range props {
				v.roots[k] = append(v.roots[k], id)
			}
		}
	}
	return v, nil
})

type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, fmt.Errorf("schema %s is not embedded (no network)", url)
}

func (v *validatorT) schema(url string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if s, ok := v.cache[url]; ok {
		return s, nil
	}
	s, err := v.c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", url, err)
	}
	v.cache[url] = s
	return s, nil
}

// check validates doc against the schema at url, turning a validation
// failure into an ErrInvalid naming where.
func (v *validatorT) check(url, where string, doc any) error {
	s, err := v.schema(url)
	if err != nil {
		return err
	}
	err = s.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return fmt.Errorf("%w: %s", ErrInvalid, describe(ve, where, url))
}

// describe flattens a validation error into "at /pointer: message" parts,
// one per failing leaf keyword.
func describe(ve *jsonschema.ValidationError, where, url string) string {
	p := message.NewPrinter(language.English)
	var parts []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			loc := ""
			for _, tok := range e.InstanceLocation {
				loc += "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(tok)
			}
			parts = append(parts, fmt.Sprintf("at %s%s: %s", where, orRoot(loc), e.ErrorKind.LocalizedString(p)))
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	if len(parts) > 5 {
		parts = append(parts[:5], fmt.Sprintf("and %d more", len(parts)-5))
	}
	name := url[strings.LastIndex(url, "/")+1:]
	return fmt.Sprintf("does not validate against %s: %s", name, strings.Join(parts, "; "))
}

func orRoot(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// validateEvent checks a RunEvent, then its facets.
func (v *validatorT) validateEvent(doc any) error {
	if err := v.check(runEventRef, "", doc); err != nil {
		return err
	}
	ev, ok := doc.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: not a JSON object", ErrInvalid)
	}
	type facets struct {
		at string
		m  map[string]any
	}
	var all []facets
	collect := func(obj any, at string, keys ...string) {
		m, _ := obj.(map[string]any)
		for _, k := range keys {
			if f, ok := m[k].(map[string]any); ok {
				all = append(all, facets{at + "/" + k, f})
			}
		}
	}
	collect(ev["run"], "/run", "facets")
	collect(ev["job"], "/job", "facets")
	for _, side := range []string{"inputs", "outputs"} {
		list, _ := ev[side].([]any)
		for i, d := range list {
			collect(d, fmt.Sprintf("/%s/%d", side, i), "facets", "inputFacets", "outputFacets")
		}
	}
	for _, fs := range all {
		for name, f := range fs.m {
			fm, ok := f.(map[string]any)
			if !ok {
				continue // the RunEvent schema already rejected it
			}
			u, _ := fm["_schemaURL"].(string)
			if v.ids[strings.SplitN(u, "#", 2)[0]] {
				if _, err := v.schema(u); err != nil {
					return fmt.Errorf("%w: at %s/%s/_schemaURL: %q names no schema of the OpenLineage spec", ErrInvalid, fs.at, name, u)
				}
				if err := v.check(u, fs.at+"/"+name, f); err != nil {
					return err
				}
			}
		}
		for name := range fs.m {
			for _, id := range v.roots[name] {
				if err := v.check(id, fs.at, fs.m); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// NamesFor returns the Names of an output store from the URI of its root
// (objstore.Store.URI("")), split the way prov's OpenLineage export splits
// object URIs (the OpenLineage naming spec): s3://bucket/prefix/ →
// ("s3://bucket", "prefix/"); file:///abs/dir/ → ("file", "/abs/dir/").
func NamesFor(rootURI string) Names {
	u, err := url.Parse(rootURI)
	if err != nil || u.Scheme == "" {
		return Names{StoreNamespace: "file", StorePrefix: rootURI}
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return Names{StoreNamespace: "file://" + u.Host, StorePrefix: u.Path}
		}
		return Names{StoreNamespace: "file", StorePrefix: u.Path}
	case "s3", "s3a", "gs":
		return Names{StoreNamespace: u.Scheme + "://" + u.Host, StorePrefix: strings.TrimPrefix(u.Path, "/")}
	}
	return Names{StoreNamespace: u.Scheme + "://" + u.Host, StorePrefix: u.Path}
}

// MaxLine caps one line of a JSONL event file.
const MaxLine = 16 << 20

// LineError is an invalid line of a JSONL event file.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the line's error (wrapping ErrInvalid).
func (e *LineError) Unwrap() error { return e.Err }

// ReadJSONL reads one RunEvent per line from r (blank lines are skipped)
// and calls fn with each line number and either the parsed event or a
// *LineError saying why the line is not a valid RunEvent. A read error, a
// line over MaxLine or an error returned by fn stops it.
func ReadJSONL(r io.Reader, fn func(line int, ev *RunEvent, err error) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for n := 1; ; n++ {
		b, err := readLine(br)
		if len(bytes.TrimSpace(b)) > 0 {
			ev, perr := Parse(b)
			if perr != nil {
				perr = &LineError{Line: n, Err: perr}
			}
			if ferr := fn(n, ev, perr); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading line %d: %w", n, err)
		}
	}
}

func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > MaxLine {
			return nil, fmt.Errorf("%w: line over %d bytes", ErrInvalid, MaxLine)
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return line, err
	}
}
