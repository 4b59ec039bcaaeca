package serve

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// MaxGraphDepth is the deepest lineage graph served.
const MaxGraphDepth = 3

// GraphNode is a node of the lineage graph. ID is unique in the graph:
// "version:<dataset>@<version>", "certificate:<leaf>", "object:<leaf>",
// "source:<id>" or "model:<namespace>/<name>".
type GraphNode struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Label string `json:"label"`
	// Depth is the number of hops from the version the graph is about.
	Depth int     `json:"depth"`
	Leaf  *uint64 `json:"leaf,omitempty"`
	// Status is a certificate's status, or "revoked" for a revoked source.
	Status string          `json:"status,omitempty"`
	Counts *schemas.Counts `json:"counts,omitempty"`
	// Dataset and Version are set on version and certificate nodes.
	Dataset string `json:"dataset,omitempty"`
	Version string `json:"version,omitempty"`
	// URI is set on object nodes.
	URI string `json:"uri,omitempty"`
	// Model and Namespace are set on model nodes (an output of a
	// downstream training run that consumed the version); Status is then
	// the run's state and Runs its run ids.
	Model     string   `json:"model,omitempty"`
	Namespace string   `json:"namespace,omitempty"`
	Runs      []string `json:"runs,omitempty"`
}

// GraphEdge is a directed edge in the direction data flows: source →
// object ("contains"), object → version ("sealed_in"), version →
// certificate ("certified_by"), version → model ("trained", a downstream
// training run consumed it), older → newer version ("superseded_by"),
// source → other dataset version ("feeds", depth 3).
type GraphEdge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Kind string `json:"kind"`
}

// Graph answers GET .../graph.
type Graph struct {
	Root     string      `json:"root"`
	Depth    int         `json:"depth"`
	TreeSize uint64      `json:"tree_size"`
	Nodes    []GraphNode `json:"nodes"`
	Edges    []GraphEdge `json:"edges"`
	// OmittedObjects counts the version's objects left out by max_objects.
	OmittedObjects int `json:"omitted_objects"`
}

// entryCache keeps decoded ObjectIngested entries by leaf: entries never
// change once appended, so the cache needs no invalidation. It is cleared
// when full.
type entryCache struct {
	mu sync.RWMutex
	m  map[uint64]lineage.ObjectIngested
}

func (s *Server) objectEntry(ctx context.Context, leaf uint64) (lineage.ObjectIngested, error) {
	c := &s.objs
	c.mu.RLock()
	oi, ok := c.m[leaf]
	c.mu.RUnlock()
	if ok {
		return oi, nil
	}
	st, _, err := s.cfg.Ledger.Entry(ctx, leaf)
	if err != nil {
		return lineage.ObjectIngested{}, err
	}
	oi, ok = st.Entry.(lineage.ObjectIngested)
	if !ok {
		return lineage.ObjectIngested{}, fmt.Errorf("reading object leaf %d: %w: a %s entry", leaf, lineage.ErrBadEntry, st.Entry.Kind())
	}
	if s.cfg.ObjectCache < 0 {
		return oi, nil
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= s.cfg.ObjectCache {
		c.m = map[uint64]lineage.ObjectIngested{}
	}
	c.m[leaf] = oi
	c.mu.Unlock()
	return oi, nil
}

func versionID(ds, ver string) string { return "version:" + ds + "@" + ver }

// BuildGraph returns the lineage graph around a sealed version, up to depth
// hops (0 to MaxGraphDepth): 1 adds its certificates, objects,
// neighbouring versions and the models trained on it, 2 the sources of those objects, 3 the other
// dataset versions built on those sources. At most maxObjects object
// nodes are included (the version's first objects by leaf).
func (s *Server) BuildGraph(ctx context.Context, v *lineage.View, dataset, version string, depth, maxObjects int) (*Graph, error) {
	vi, err := s.versionInfo(ctx, v, dataset, version)
	if err != nil {
		return nil, err
	}
	root := versionID(dataset, version)
	g := &Graph{Root: root, Depth: depth, TreeSize: v.Size(), Nodes: []GraphNode{}, Edges: []GraphEdge{}}
	seen := map[string]bool{}
	add := func(n GraphNode) bool {
		if seen[n.ID] {
			return false
		}
		seen[n.ID] = true
		g.Nodes = append(g.Nodes, n)
		return true
	}
	leaf := vi.Leaf
	counts := vi.Counts
	add(GraphNode{ID: root, Kind: "version", Label: dataset + "@" + version, Depth: 0, Leaf: &leaf,
		Counts: &counts, Dataset: dataset, Version: version})
	if depth < 1 {
		return g, nil
	}
	for _, c := range vi.Certificates {
		l := c.Leaf
		id := "certificate:" + strconv.FormatUint(l, 10)
		add(GraphNode{ID: id, Kind: "certificate", Label: "certificate " + c.Status, Depth: 1, Leaf: &l,
			Status: c.Status, Dataset: c.Dataset, Version: c.Version})
		g.Edges = append(g.Edges, GraphEdge{From: root, To: id, Kind: "certified_by"})
	}
	models := map[string]*GraphNode{}
	var modelIDs []string
	for _, tr := range vi.TrainingRuns {
		for _, o := range tr.Outputs {
			id := "model:" + o.Namespace + "/" + o.Name
			n := models[id]
			if n == nil {
				n = &GraphNode{ID: id, Kind: "model", Label: o.Name, Depth: 1, Model: o.Name, Namespace: o.Namespace, Status: tr.State}
				models[id] = n
				modelIDs = append(modelIDs, id)
			}
			n.Runs = append(n.Runs, tr.RunID)
		}
	}
	for _, id := range modelIDs {
		add(*models[id])
		g.Edges = append(g.Edges, GraphEdge{From: root, To: id, Kind: "trained"})
	}
	if vi.Supersedes != "" {
		id := versionID(dataset, vi.Supersedes)
		add(GraphNode{ID: id, Kind: "version", Label: dataset + "@" + vi.Supersedes, Depth: 1, Dataset: dataset, Version: vi.Supersedes})
		g.Edges = append(g.Edges, GraphEdge{From: id, To: root, Kind: "superseded_by"})
	}
	if vi.SupersededBy != "" {
		id := versionID(dataset, vi.SupersededBy)
		add(GraphNode{ID: id, Kind: "version", Label: dataset + "@" + vi.SupersededBy, Depth: 1, Dataset: dataset, Version: vi.SupersededBy})
		g.Edges = append(g.Edges, GraphEdge{From: root, To: id, Kind: "superseded_by"})
	}
	st, _, err := s.cfg.Ledger.Entry(ctx, vi.Leaf)
	if err != nil {
		return nil, err
	}
	sealed, ok := st.Entry.(lineage.DatasetSealed)
	if !ok {
		return nil, fmt.Errorf("reading seal leaf %d: %w", vi.Leaf, lineage.ErrBadEntry)
	}
	objLeaves := sealed.Objects
	if len(objLeaves) > maxObjects {
		g.OmittedObjects = len(objLeaves) - maxObjects
		objLeaves = objLeaves[:maxObjects]
	}
	objSources := map[string][]string{}
	for _, ol := range objLeaves {
		oi, err := s.objectEntry(ctx, ol)
		if err != nil {
			return nil, err
		}
		l := ol
		c := oi.Counts
		id := "object:" + strconv.FormatUint(ol, 10)
		add(GraphNode{ID: id, Kind: "object", Label: oi.URI, Depth: 1, Leaf: &l, Counts: &c, URI: oi.URI, Dataset: oi.Dataset})
		g.Edges = append(g.Edges, GraphEdge{From: id, To: root, Kind: "sealed_in"})
		objSources[id] = oi.Sources
	}
	if depth < 2 {
		return g, nil
	}
	sources := slices.Clone(sealed.Sources)
	for _, ss := range objSources {
		for _, src := range ss {
			if !slices.Contains(sources, src) {
				sources = append(sources, src)
			}
		}
	}
	slices.Sort(sources)
	for _, src := range sources {
		im, err := s.impact(ctx, v, src)
		if err != nil && !lineage.IsNotFound(err) {
			return nil, err
		}
		n := GraphNode{ID: "source:" + src, Kind: "source", Label: src, Depth: 2}
		if im != nil && im.RevokedLeaf != nil {
			n.Status, n.Leaf = "revoked", im.RevokedLeaf
		}
		add(n)
		if depth >= 3 && im != nil {
			for _, vr := range im.Versions {
				id := versionID(vr.Dataset, vr.Version)
				if id == root {
					continue
				}
				l := vr.Leaf
				add(GraphNode{ID: id, Kind: "version", Label: vr.Dataset + "@" + vr.Version, Depth: 3, Leaf: &l,
					Dataset: vr.Dataset, Version: vr.Version})
				g.Edges = append(g.Edges, GraphEdge{From: n.ID, To: id, Kind: "feeds"})
			}
		}
	}
	for _, ol := range objLeaves {
		id := "object:" + strconv.FormatUint(ol, 10)
		for _, src := range objSources[id] {
			g.Edges = append(g.Edges, GraphEdge{From: "source:" + src, To: id, Kind: "contains"})
		}
	}
	return g, nil
}

func (s *Server) getGraph(w http.ResponseWriter, r *http.Request) error {
	depth, err := uintParam(r, "depth", 2)
	if err != nil {
		return err
	}
	if depth > MaxGraphDepth {
		return badRequest("depth %d: want 0 to %d", depth, MaxGraphDepth)
	}
	maxObj, err := uintParam(r, "max_objects", DefaultGraphObjects)
	if err != nil {
		return err
	}
	if maxObj > MaxGraphObjects {
		return badRequest("max_objects %d: want at most %d", maxObj, MaxGraphObjects)
	}
	v, err := s.view(r)
	if err != nil {
		return err
	}
	ds, ver := r.PathValue("dataset"), r.PathValue("version")
	key := memoKey(v, "graph", ds, ver, strconv.FormatUint(depth, 10), strconv.FormatUint(maxObj, 10))
	body, ok := s.graph.get(key)
	if !ok {
		g, err := s.BuildGraph(r.Context(), v, ds, ver, int(depth), int(maxObj))
		if err != nil {
			return err
		}
		if body, err = encodeJSON(g); err != nil {
			return err
		}
		s.graph.put(key, body)
	}
	s.writeBytes(w, r, http.StatusOK, "application/json", body)
	return nil
}
