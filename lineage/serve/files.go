package serve

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// RuleCount is how many findings a rule produced in a version, by verdict.
type RuleCount = version.RuleCount

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func base64ToHex(s string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(b)
}

// versionCache keeps the parsed files of a few versions: sealed versions'
// files never change, so the cache needs no invalidation.
type versionCache struct {
	mu    sync.Mutex
	order []string
	m     map[string]any
}

const cacheEntries = 64

func (c *versionCache) get(key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *versionCache) put(key string, v any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]any{}
	}
	if _, ok := c.m[key]; !ok {
		c.order = append(c.order, key)
	}
	c.m[key] = v
	for len(c.order) > cacheEntries {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}

type manifestFile struct {
	m   *schemas.Manifest
	raw []byte
}

// manifest reads a version's manifest.json from the output store.
func (s *Server) manifest(ctx context.Context, ds, ver string) (*schemas.Manifest, []byte, error) {
	key := "m\x00" + s.cfg.Output.URI(ds+"/"+ver)
	if v, ok := s.files.get(key); ok {
		mf := v.(manifestFile)
		return mf.m, mf.raw, nil
	}
	m, raw, err := version.ReadManifest(ctx, s.cfg.Output, ds, ver)
	if err != nil {
		return nil, nil, noFiles(err)
	}
	s.files.put(key, manifestFile{m, raw})
	return m, raw, nil
}

// noFiles marks a missing object as ErrNoFiles.
func noFiles(err error) error {
	if errors.Is(err, objstore.ErrNotExist) {
		return fmt.Errorf("%w: %w", ErrNoFiles, err)
	}
	return err
}

// metrics reads a version's metrics.parquet.
func (s *Server) metrics(ctx context.Context, ds, ver string) ([]schemas.Metric, error) {
	ck := "x\x00" + s.cfg.Output.URI(version.Key(ds, ver, version.Metrics))
	if v, ok := s.files.get(ck); ok {
		return v.([]schemas.Metric), nil
	}
	rows, err := version.ReadMetrics(ctx, s.cfg.Output, ds, ver)
	if err != nil {
		return nil, noFiles(err)
	}
	s.files.put(ck, rows)
	return rows, nil
}

// maxCachedFindings is the most findings of one version kept in memory;
// larger files are streamed on every request.
const maxCachedFindings = 100_000

// eachFinding calls fn with the row index and row of every finding of a
// version, from row start on, until fn returns false.
func (s *Server) eachFinding(ctx context.Context, ds, ver string, start int, fn func(i int, f *schemas.Finding) bool) error {
	ck := "f\x00" + s.cfg.Output.URI(ds+"/"+ver)
	if v, ok := s.files.get(ck); ok {
		rows := v.([]schemas.Finding)
		for i := start; i < len(rows); i++ {
			if !fn(i, &rows[i]) {
				return nil
			}
		}
		return nil
	}
	var cache []schemas.Finding
	overflow, stopped, i := false, false, 0
	errStop := errors.New("stop")
	err := version.EachFinding(ctx, s.cfg.Output, ds, ver, func(f *schemas.Finding) error {
		if !overflow {
			if len(cache) < maxCachedFindings {
				cache = append(cache, *f)
			} else {
				overflow, cache = true, nil
			}
		}
		if !stopped && i >= start && !fn(i, f) {
			stopped = true
		}
		i++
		if stopped && overflow {
			return errStop
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	if err != nil {
		return noFiles(err)
	}
	if !overflow {
		if cache == nil {
			cache = []schemas.Finding{}
		}
		s.files.put(ck, slices.Clip(cache))
	}
	return nil
}

// ruleCounts counts a version's findings by rule and stage.
func (s *Server) ruleCounts(ctx context.Context, ds, ver string) ([]RuleCount, error) {
	ck := "r\x00" + s.cfg.Output.URI(ds+"/"+ver)
	if v, ok := s.files.get(ck); ok {
		return v.([]RuleCount), nil
	}
	var counts version.RuleCounter
	err := s.eachFinding(ctx, ds, ver, 0, func(_ int, f *schemas.Finding) bool {
		counts.Add(f)
		return true
	})
	if err != nil {
		return nil, err
	}
	out := counts.Counts()
	s.files.put(ck, out)
	return out, nil
}

// FindingsPage answers GET .../findings: one page of the filtered rows.
type FindingsPage struct {
	Dataset  string            `json:"dataset"`
	Version  string            `json:"version"`
	Filters  map[string]string `json:"filters"`
	Findings []schemas.Finding `json:"findings"`
	// NextCursor fetches the next page; "" on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// findingFilters are the query parameters that filter findings, each
// matched exactly against the field of the same name.
var findingFilters = []struct {
	name  string
	field func(*schemas.Finding) string
}{
	{"rule_id", func(f *schemas.Finding) string { return f.RuleID }},
	{"stage", func(f *schemas.Finding) string { return f.Stage }},
	{"verdict", func(f *schemas.Finding) string { return f.Verdict }},
	{"source", func(f *schemas.Finding) string { return f.Source }},
	{"severity", func(f *schemas.Finding) string { return f.Severity }},
}

// Cursors are opaque to clients: "f1." and the base64 row index to resume
// from. Findings files are immutable, so a row index stays valid.
func encodeCursor(row int) string {
	return "f1." + base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprint(row)))
}

func decodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	rest, ok := strings.CutPrefix(c, "f1.")
	if ok {
		if b, err := base64.RawURLEncoding.Strict().DecodeString(rest); err == nil {
			var n int
			if _, err := fmt.Sscanf(string(b), "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == string(b) {
				return n, nil
			}
		}
	}
	return 0, badRequest("cursor %q is not one this server issued", c)
}

func (s *Server) getFindings(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := uintParam(r, "limit", DefaultFindingsLimit)
	if err != nil {
		return err
	}
	if limit == 0 || limit > MaxFindingsLimit {
		return badRequest("limit %d: want 1 to %d", limit, MaxFindingsLimit)
	}
	start, err := decodeCursor(q.Get("cursor"))
	if err != nil {
		return err
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	ds, ver := r.PathValue("dataset"), r.PathValue("version")
	if _, err := s.versionInfo(r.Context(), v, ds, ver); err != nil {
		return err
	}
	if s.cfg.Output == nil {
		return fmt.Errorf("reading findings of %s@%s: %w", ds, ver, ErrNoFiles)
	}
	page := FindingsPage{Dataset: ds, Version: ver, Filters: map[string]string{}, Findings: []schemas.Finding{}}
	for _, f := range findingFilters {
		if v := q.Get(f.name); v != "" {
			page.Filters[f.name] = v
		}
	}
	err = s.eachFinding(r.Context(), ds, ver, start, func(i int, f *schemas.Finding) bool {
		for _, ff := range findingFilters {
			if want, ok := page.Filters[ff.name]; ok && ff.field(f) != want {
				return true
			}
		}
		if uint64(len(page.Findings)) == limit {
			page.NextCursor = encodeCursor(i)
			return false
		}
		page.Findings = append(page.Findings, *f)
		return true
	})
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, page)
}

// getBundleFile serves one file of a version's certificate bundle.
func (s *Server) getBundleFile(w http.ResponseWriter, r *http.Request) error {
	ds, ver, name := r.PathValue("dataset"), r.PathValue("version"), r.PathValue("file")
	if !slices.Contains(version.BundleFiles, name) {
		return httpError{http.StatusNotFound, fmt.Errorf("%q is not a bundle file (want one of %v)", name, version.BundleFiles)}
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	if _, err := s.versionInfo(r.Context(), v, ds, ver); err != nil {
		return err
	}
	if s.cfg.Output == nil {
		return fmt.Errorf("reading %s of %s@%s: %w", name, ds, ver, ErrNoFiles)
	}
	key := version.Key(ds, ver, name)
	rc, err := s.cfg.Output.Get(r.Context(), key, objstore.GetOptions{})
	if err != nil {
		return noFiles(fmt.Errorf("reading %s: %w", s.cfg.Output.URI(key), err))
	}
	defer func() { _ = rc.Close() }()
	data, err := io.ReadAll(io.LimitReader(rc, s.cfg.MaxBundle))
	if err != nil {
		return fmt.Errorf("reading %s: %w", s.cfg.Output.URI(key), err)
	}
	ctype := "application/json"
	if name == version.PubKey {
		ctype = "application/x-pem-file"
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	s.writeBytes(w, r, http.StatusOK, ctype, data)
	return nil
}
