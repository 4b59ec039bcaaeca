package serve

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// view resolves the request's as_of parameter.
func (s *Server) view(r *http.Request) (*lineage.View, error) {
	return s.viewAt(r.Context(), r.URL.Query().Get("as_of"))
}

func (s *Server) viewAt(ctx context.Context, asOf string) (*lineage.View, error) {
	a, err := lineage.ParseAsOf(asOf)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return s.cfg.Ledger.At(ctx, a)
}

// uintParam parses an optional unsigned query parameter.
func uintParam(r *http.Request, name string, def uint64) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, badRequest("parameter %s=%q: want an unsigned integer", name, v)
	}
	return n, nil
}

// DatasetSummary is one dataset of the list: its versions, newest last.
type DatasetSummary struct {
	Name     string           `json:"name"`
	Versions []VersionSummary `json:"versions"`
}

// VersionSummary is a version in the dataset list.
type VersionSummary struct {
	Version      string            `json:"version"`
	Leaf         uint64            `json:"leaf"`
	Time         time.Time         `json:"time"`
	Digest       string            `json:"digest"`
	Counts       schemas.Counts    `json:"counts"`
	Objects      int               `json:"objects"`
	Sources      []string          `json:"sources"`
	SupersededBy string            `json:"superseded_by,omitempty"`
	Certificate  *lineage.CertInfo `json:"certificate"`
}

// DatasetList answers GET /api/v1/datasets.
type DatasetList struct {
	TreeSize uint64           `json:"tree_size"`
	Datasets []DatasetSummary `json:"datasets"`
}

func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	out := DatasetList{TreeSize: v.Size(), Datasets: []DatasetSummary{}}
	for _, name := range s.cfg.Datasets {
		ds := DatasetSummary{Name: name, Versions: []VersionSummary{}}
		info, err := s.dataset(r.Context(), v, name, "")
		if err != nil && !lineage.IsNotFound(err) {
			return err
		}
		if info != nil {
			for _, vi := range info.Versions {
				vs := VersionSummary{Version: vi.Version, Leaf: vi.Leaf, Time: vi.Time, Digest: vi.Digest,
					Counts: vi.Counts, Objects: vi.Objects, Sources: vi.Sources, SupersededBy: vi.SupersededBy}
				if n := len(vi.Certificates); n > 0 {
					c := vi.Certificates[n-1]
					vs.Certificate = &c
				}
				ds.Versions = append(ds.Versions, vs)
			}
		}
		out.Datasets = append(out.Datasets, ds)
	}
	return s.writeJSON(w, r, out)
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	info, err := s.dataset(r.Context(), v, r.PathValue("dataset"), "")
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, info)
}

// RunSummary is a run and the versions of the dataset it contributed to.
type RunSummary struct {
	lineage.RunInfo
	Versions []string `json:"versions"`
}

func (s *Server) getRuns(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	name := r.PathValue("dataset")
	info, err := s.dataset(r.Context(), v, name, "")
	if err != nil {
		return err
	}
	byID := map[string]*RunSummary{}
	var order []string
	for _, vi := range info.Versions {
		for _, ri := range vi.Runs {
			rs := byID[ri.RunID]
			if rs == nil {
				rs = &RunSummary{RunInfo: ri, Versions: []string{}}
				byID[ri.RunID] = rs
				order = append(order, ri.RunID)
			}
			rs.Versions = append(rs.Versions, vi.Version)
		}
	}
	runs := make([]RunSummary, 0, len(order))
	for _, id := range order {
		runs = append(runs, *byID[id])
	}
	return s.writeJSON(w, r, map[string]any{"dataset": name, "tree_size": v.Size(), "runs": runs})
}

func (s *Server) getDiff(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if from == "" || to == "" {
		return badRequest("from and to (two versions of the dataset) are required")
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	d, err := v.Diff(r.Context(), r.PathValue("dataset"), from, to)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, d)
}

// versionInfo returns the ledger's description of one version (shared:
// callers must not modify it).
func (s *Server) versionInfo(ctx context.Context, v *lineage.View, dataset, version string) (*lineage.VersionInfo, error) {
	info, err := s.dataset(ctx, v, dataset, version)
	if err != nil {
		return nil, err
	}
	return &info.Versions[0], nil
}

// VersionDetail answers GET .../versions/{version}: the ledger's view of the
// version and, when the output store holds them, its files.
type VersionDetail struct {
	TreeSize uint64              `json:"tree_size"`
	Ledger   lineage.VersionInfo `json:"ledger"`
	// Manifest is the version's manifest.json (nil when the output store
	// does not hold it; FilesError says why).
	Manifest *schemas.Manifest `json:"manifest"`
	// ManifestMatchesLedger: sha256 of manifest.json equals the digest the
	// ledger's dataset_sealed entry records.
	ManifestMatchesLedger bool              `json:"manifest_matches_ledger"`
	Rules                 []RuleCount       `json:"finding_counts"`
	Metrics               []schemas.Metric  `json:"metrics"`
	Bundle                map[string]string `json:"bundle,omitempty"`
	FilesError            string            `json:"files_error,omitempty"`
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	ds, ver := r.PathValue("dataset"), r.PathValue("version")
	vi, err := s.versionInfo(r.Context(), v, ds, ver)
	if err != nil {
		return err
	}
	out := VersionDetail{TreeSize: v.Size(), Ledger: *vi, Rules: []RuleCount{}, Metrics: []schemas.Metric{}}
	if ferr := s.versionFiles(r.Context(), ds, ver, &out); ferr != nil {
		if st, _ := statusOf(ferr); st >= 500 {
			s.cfg.Logger.WarnContext(r.Context(), "reading version files", "dataset", ds, "version", ver, "err", ferr)
		}
		out.FilesError = ferr.Error()
	}
	return s.writeJSON(w, r, out)
}

// versionFiles fills the parts of out read from the output store.
func (s *Server) versionFiles(ctx context.Context, ds, ver string, out *VersionDetail) error {
	if s.cfg.Output == nil {
		return fmt.Errorf("reading %s@%s: %w: no output store configured", ds, ver, ErrNoFiles)
	}
	m, raw, err := s.manifest(ctx, ds, ver)
	if err != nil {
		return err
	}
	out.Manifest = m
	out.ManifestMatchesLedger = sha256Hex(raw) == out.Ledger.ManifestSHA256
	if out.Rules, err = s.ruleCounts(ctx, ds, ver); err != nil {
		return err
	}
	if out.Metrics, err = s.metrics(ctx, ds, ver); err != nil {
		return err
	}
	out.Bundle = map[string]string{}
	for _, f := range version.BundleFiles {
		if _, err := s.cfg.Output.Stat(ctx, ds+"/"+ver+"/"+f); err == nil {
			out.Bundle[f] = "/api/v1/datasets/" + ds + "/versions/" + ver + "/bundle/" + f
		}
	}
	return nil
}

func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	ds, ver := r.PathValue("dataset"), r.PathValue("version")
	if _, err := s.versionInfo(r.Context(), v, ds, ver); err != nil {
		return err
	}
	if s.cfg.Output == nil {
		return fmt.Errorf("reading metrics of %s@%s: %w", ds, ver, ErrNoFiles)
	}
	ms, err := s.metrics(r.Context(), ds, ver)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, map[string]any{"dataset": ds, "version": ver, "metrics": ms})
}

// CertificateDetail answers GET .../certificate.
type CertificateDetail struct {
	TreeSize uint64 `json:"tree_size"`
	// Latest is the latest certificate of the version with its status.
	Latest lineage.CertInfo `json:"latest"`
	// All lists every certificate of the version, oldest first.
	All []lineage.CertInfo `json:"all"`
	// Bundle maps the bundle's file names to their download paths (files
	// present in the output store only).
	Bundle map[string]string `json:"bundle"`
}

func (s *Server) getCertificate(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	ds, ver := r.PathValue("dataset"), r.PathValue("version")
	vi, err := s.versionInfo(r.Context(), v, ds, ver)
	if err != nil {
		return err
	}
	if len(vi.Certificates) == 0 {
		return fmt.Errorf("certificate of %s@%s: %w", ds, ver, lineage.ErrNotFound)
	}
	out := CertificateDetail{TreeSize: v.Size(), Latest: vi.Certificates[len(vi.Certificates)-1],
		All: vi.Certificates, Bundle: map[string]string{}}
	if s.cfg.Output != nil {
		for _, f := range version.BundleFiles {
			if _, err := s.cfg.Output.Stat(r.Context(), ds+"/"+ver+"/"+f); err == nil {
				out.Bundle[f] = "/api/v1/datasets/" + ds + "/versions/" + ver + "/bundle/" + f
			}
		}
	}
	return s.writeJSON(w, r, out)
}

func (s *Server) getObject(w http.ResponseWriter, r *http.Request) error {
	uri := r.URL.Query().Get("uri")
	if uri == "" {
		return badRequest("uri is required")
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	o, err := v.Object(r.Context(), uri)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, o)
}

func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) error {
	d, err := schemas.ParseDigest(r.PathValue("digest"))
	if err != nil {
		return badRequest("%v", err)
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	rec, err := v.Record(r.Context(), d)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, rec)
}

// SubjectRequest is the body of POST /api/v1/subjects. Kind is email,
// phone, id_number or subject_id; Value is the identifier in clear, which
// the server normalises and hashes and never stores, logs or echoes.
type SubjectRequest struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
	AsOf  string `json:"as_of,omitempty"`
}

// subjectKinds are the identifier kinds a subject lookup accepts.
var subjectKinds = []string{"email", "phone", "id_number", "subject_id"}

func (s *Server) postSubject(w http.ResponseWriter, r *http.Request) error {
	var req SubjectRequest
	if err := s.decodeBody(w, r, &req); err != nil {
		return err
	}
	if !slices.Contains(subjectKinds, req.Kind) {
		return badRequest("kind %q: want one of %s", req.Kind, strings.Join(subjectKinds, ", "))
	}
	norm := lineage.NormalizeIdentifier(req.Kind, req.Value)
	if norm == "" {
		return badRequest("value is empty")
	}
	asOf := req.AsOf
	if asOf == "" {
		asOf = r.URL.Query().Get("as_of")
	}
	v, err := s.viewAt(r.Context(), asOf)
	if err != nil {
		return err
	}
	key, err := s.cfg.Ledger.KeySubject(req.Kind, norm)
	if err != nil {
		return err
	}
	info, err := v.Subject(r.Context(), key)
	if err != nil {
		// The error text names the key, never the identifier.
		return err
	}
	return s.writeJSON(w, r, map[string]any{"kind": req.Kind, "tree_size": v.Size(), "subject": info})
}

// decodeBody strictly decodes a JSON body of at most MaxBody bytes.
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return httpError{http.StatusUnsupportedMediaType, fmt.Errorf("%w: Content-Type %q: want application/json", ErrBadRequest, ct)}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("decoding the JSON body: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("decoding the JSON body: trailing data")
	}
	return nil
}

func (s *Server) getImpact(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	im, err := s.impact(r.Context(), v, r.PathValue("source"))
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, im)
}

// EntryDetail answers GET /api/v1/entries/{leaf}.
type EntryDetail struct {
	Leaf      uint64          `json:"leaf"`
	Time      time.Time       `json:"time"`
	Kind      lineage.Kind    `json:"kind"`
	Entry     any             `json:"entry"`
	Canonical json.RawMessage `json:"canonical"`
	LeafHash  string          `json:"leaf_hash"`
}

func (s *Server) getEntry(w http.ResponseWriter, r *http.Request) error {
	leaf, err := strconv.ParseUint(r.PathValue("leaf"), 10, 64)
	if err != nil {
		return badRequest("leaf %q: want an unsigned integer", r.PathValue("leaf"))
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	if leaf >= v.Size() {
		return fmt.Errorf("entry %d at tree size %d: %w", leaf, v.Size(), lineage.ErrNotFound)
	}
	st, canonical, err := s.cfg.Ledger.Entry(r.Context(), leaf)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, EntryDetail{Leaf: leaf, Time: st.Time, Kind: st.Entry.Kind(), Entry: st.Entry,
		Canonical: canonical, LeafHash: hex.EncodeToString(lineage.LeafHash(canonical))})
}

// CheckpointInfo is one signed checkpoint.
type CheckpointInfo struct {
	Origin string `json:"origin"`
	Size   uint64 `json:"tree_size"`
	Root   string `json:"root"`
	// Verified: the signature was checked with the ledger's public key.
	Verified bool   `json:"verified"`
	Note     string `json:"note"`
}

// checkpointInfo parses a signed note, verifying it when the ledger has a
// public key.
func (s *Server) checkpointInfo(signed []byte) (CheckpointInfo, error) {
	l := s.cfg.Ledger
	if pub := l.PublicKey(); pub != nil {
		c, err := lineage.VerifyCheckpoint(signed, l.Origin(), pub)
		if err != nil {
			return CheckpointInfo{}, err
		}
		return CheckpointInfo{Origin: c.Origin, Size: c.Size, Root: hex.EncodeToString(c.Root), Verified: true, Note: string(signed)}, nil
	}
	lines := strings.SplitN(string(signed), "\n", 4)
	if len(lines) < 4 {
		return CheckpointInfo{}, fmt.Errorf("parsing checkpoint: %w", lineage.ErrBadCheckpoint)
	}
	n, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return CheckpointInfo{}, fmt.Errorf("parsing checkpoint size: %w", lineage.ErrBadCheckpoint)
	}
	return CheckpointInfo{Origin: lines[0], Size: n, Root: base64ToHex(lines[2]), Note: string(signed)}, nil
}

func (s *Server) getCheckpoints(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	all, err := s.cfg.Ledger.Checkpoints(r.Context())
	if err != nil {
		return err
	}
	out := []CheckpointInfo{}
	for _, c := range all {
		ci, err := s.checkpointInfo(c)
		if err != nil {
			return err
		}
		if ci.Size <= v.Size() {
			out = append(out, ci)
		}
	}
	return s.writeJSON(w, r, map[string]any{"tree_size": v.Size(), "checkpoints": out})
}

func (s *Server) getLatestCheckpoint(w http.ResponseWriter, r *http.Request) error {
	c, err := s.cfg.Ledger.LatestCheckpoint(r.Context())
	if err != nil {
		return err
	}
	ci, err := s.checkpointInfo(c)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, ci)
}

// ProofInfo answers the proof endpoints: RFC 6962 proof hashes in hex.
type ProofInfo struct {
	Leaf     *uint64  `json:"leaf,omitempty"`
	LeafHash string   `json:"leaf_hash,omitempty"`
	From     uint64   `json:"from_size,omitempty"`
	TreeSize uint64   `json:"tree_size"`
	Root     string   `json:"root"`
	Hashes   []string `json:"hashes"`
}

func hexAll(p [][]byte) []string {
	out := make([]string, len(p))
	for i, h := range p {
		out[i] = hex.EncodeToString(h)
	}
	return out
}

func (s *Server) getInclusionProof(w http.ResponseWriter, r *http.Request) error {
	l := s.cfg.Ledger
	if r.URL.Query().Get("leaf") == "" {
		return badRequest("leaf is required")
	}
	leaf, err := uintParam(r, "leaf", 0)
	if err != nil {
		return err
	}
	// "size" is accepted as another name for tree_size: a client that
	// sends it must get the proof for that size or an error, never a
	// proof for another size.
	name := "tree_size"
	if q := r.URL.Query(); q.Has("size") {
		if q.Has("tree_size") {
			return badRequest("give tree_size or size, not both")
		}
		name = "size"
	}
	size, err := uintParam(r, name, l.Size())
	if err != nil {
		return err
	}
	if leaf >= size || size > l.Size() {
		return badRequest("leaf %d, tree size %d: want leaf < tree_size <= %d", leaf, size, l.Size())
	}
	p, err := l.InclusionProof(r.Context(), leaf, size)
	if err != nil {
		return err
	}
	root, err := l.Root(r.Context(), size)
	if err != nil {
		return err
	}
	_, canonical, err := l.Entry(r.Context(), leaf)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, ProofInfo{Leaf: &leaf, LeafHash: hex.EncodeToString(lineage.LeafHash(canonical)),
		TreeSize: size, Root: hex.EncodeToString(root), Hashes: hexAll(p)})
}

func (s *Server) getConsistencyProof(w http.ResponseWriter, r *http.Request) error {
	l := s.cfg.Ledger
	if r.URL.Query().Get("from") == "" {
		return badRequest("from (the older tree size) is required")
	}
	from, err := uintParam(r, "from", 0)
	if err != nil {
		return err
	}
	to, err := uintParam(r, "to", l.Size())
	if err != nil {
		return err
	}
	if from == 0 || from > to || to > l.Size() {
		return badRequest("from %d, to %d: want 0 < from <= to <= %d", from, to, l.Size())
	}
	p, err := l.ConsistencyProof(r.Context(), from, to)
	if err != nil {
		return err
	}
	root, err := l.Root(r.Context(), to)
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, ProofInfo{From: from, TreeSize: to, Root: hex.EncodeToString(root), Hashes: hexAll(p)})
}
