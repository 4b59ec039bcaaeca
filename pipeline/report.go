package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// Report summarises a sealed dataset version from its files in the output
// store: the manifest and the findings counted by rule (`prov show`).
type Report struct {
	Manifest *schemas.Manifest
	ByRule   []RuleCount
}

// RuleCount is how many findings a rule produced, by verdict.
type RuleCount struct {
	RuleID   string           `json:"rule_id"`
	Stage    string           `json:"stage"`
	Findings int64            `json:"findings"`
	Verdicts map[string]int64 `json:"verdicts"`
}

// LoadManifest reads `<dataset>/<version>/manifest.json`.
func LoadManifest(ctx context.Context, out objstore.Store, dataset, version string) (*schemas.Manifest, []byte, error) {
	key := dataset + "/" + version + "/" + manifestFile
	rc, err := out.Get(ctx, key, objstore.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", out.URI(key), err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", out.URI(key), err)
	}
	var m schemas.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", out.URI(key), err)
	}
	return &m, b, nil
}

// LoadReport reads a version's manifest and counts its findings by rule.
func LoadReport(ctx context.Context, out objstore.Store, dataset, version string) (*Report, error) {
	m, _, err := LoadManifest(ctx, out, dataset, version)
	if err != nil {
		return nil, err
	}
	counts := map[string]*RuleCount{}
	err = EachFinding(ctx, out, dataset, version, func(f *schemas.Finding) error {
		rc := counts[f.RuleID+"\x00"+f.Stage]
		if rc == nil {
			rc = &RuleCount{RuleID: f.RuleID, Stage: f.Stage, Verdicts: map[string]int64{}}
			counts[f.RuleID+"\x00"+f.Stage] = rc
		}
		rc.Findings++
		rc.Verdicts[f.Verdict]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	r := &Report{Manifest: m}
	for _, c := range counts {
		r.ByRule = append(r.ByRule, *c)
	}
	sort.Slice(r.ByRule, func(i, j int) bool {
		if r.ByRule[i].RuleID != r.ByRule[j].RuleID {
			return r.ByRule[i].RuleID < r.ByRule[j].RuleID
		}
		return r.ByRule[i].Stage < r.ByRule[j].Stage
	})
	return r, nil
}

// EachFinding streams the rows of a version's findings.parquet.
func EachFinding(ctx context.Context, out objstore.Store, dataset, version string, fn func(*schemas.Finding) error) (err error) {
	key := dataset + "/" + version + "/" + findingsFile
	f, size, err := fetchTemp(ctx, out, key)
	if err != nil {
		return err
	}
	defer func() {
		_ = f.Close()
		_ = os.Remove(f.Name())
	}()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("reading %s: parquet library panic: %v", out.URI(key), r)
		}
	}()
	pf, err := parquet.OpenFile(f, size)
	if err != nil {
		return fmt.Errorf("reading %s: %w", out.URI(key), err)
	}
	rd := parquet.NewGenericReader[schemas.Finding](pf)
	defer func() { _ = rd.Close() }()
	buf := make([]schemas.Finding, 1024)
	for {
		n, rerr := rd.Read(buf)
		for i := 0; i < n; i++ {
			if err := fn(&buf[i]); err != nil {
				return err
			}
		}
		if errors.Is(rerr, io.EOF) {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("reading %s: %w", out.URI(key), rerr)
		}
	}
}

// fetchTemp copies an object into a local temp file.
func fetchTemp(ctx context.Context, st objstore.Store, key string) (*os.File, int64, error) {
	rc, err := st.Get(ctx, key, objstore.GetOptions{})
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	defer func() { _ = rc.Close() }()
	f, err := os.CreateTemp("", "prov-fetch-*")
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	n, err := io.Copy(f, rc)
	if err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, 0, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	return f, n, nil
}
