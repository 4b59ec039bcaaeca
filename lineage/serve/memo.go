package serve

import (
	"context"
	"strconv"
	"sync"

	"github.com/prov-ai/prov/lineage"
)

// memo keeps query answers by tree size. The ledger is append-only and
// every index key carries the leaf it came from, so a query answered at
// tree size N gives the same answer forever: entries need no invalidation,
// only a bound. Errors are not kept.
type memo struct {
	mu    sync.Mutex
	max   int
	m     map[string]any
	order []string
}

func (c *memo) get(key string) (any, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

func (c *memo) put(key string, v any) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]any{}
	}
	if _, ok := c.m[key]; !ok {
		c.order = append(c.order, key)
	}
	c.m[key] = v
	for len(c.order) > c.max {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}

func memoKey(v *lineage.View, kind string, args ...string) string {
	k := strconv.FormatUint(v.Size(), 10) + "\x00" + kind
	for _, a := range args {
		k += "\x00" + a
	}
	return k
}

// dataset is View.Dataset through the memo. Callers must not modify the
// answer.
func (s *Server) dataset(ctx context.Context, v *lineage.View, name, version string) (*lineage.DatasetInfo, error) {
	k := memoKey(v, "dataset", name, version)
	if a, ok := s.memo.get(k); ok {
		return a.(*lineage.DatasetInfo), nil
	}
	d, err := v.Dataset(ctx, name, version)
	if err != nil {
		return nil, err
	}
	s.memo.put(k, d)
	return d, nil
}

// impact is View.Impact through the memo. Callers must not modify the
// answer.
func (s *Server) impact(ctx context.Context, v *lineage.View, source string) (*lineage.ImpactInfo, error) {
	k := memoKey(v, "impact", source)
	if a, ok := s.memo.get(k); ok {
		return a.(*lineage.ImpactInfo), nil
	}
	im, err := v.Impact(ctx, source)
	if err != nil {
		return nil, err
	}
	s.memo.put(k, im)
	return im, nil
}

// bodyCache keeps encoded answers of the graph endpoint by tree size and
// query (immutable, like the memo), bounded by their total size.
type bodyCache struct {
	mu     sync.Mutex
	budget int
	used   int
	m      map[string][]byte
	order  []string
}

func (c *bodyCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

func (c *bodyCache) put(key string, b []byte) {
	if len(b) > c.budget/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	if _, ok := c.m[key]; ok {
		return
	}
	c.m[key] = b
	c.order = append(c.order, key)
	c.used += len(b)
	for c.used > c.budget && len(c.order) > 0 {
		c.used -= len(c.m[c.order[0]])
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
}
