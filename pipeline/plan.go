package pipeline

import (
	"context"
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
)

// Shard selects part of the objects: those whose key hash mod N = I.
// The zero value means the whole dataset.
type Shard struct{ I, N int }

// ParseShard parses "I/N" with 0 <= I < N.
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("parsing shard %q: want I/N", s)
	}
	si, err1 := strconv.Atoi(i)
	sn, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || sn < 1 || si < 0 || si >= sn {
		return Shard{}, fmt.Errorf("parsing shard %q: want I/N with 0 <= I < N", s)
	}
	return Shard{si, sn}, nil
}

func (s Shard) String() string {
	if s.N == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.I, s.N)
}

// Has reports whether the shard includes key.
func (s Shard) Has(key string) bool {
	if s.N <= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64()%uint64(s.N)) == s.I
}

// planned is one input object to read.
type planned struct {
	obj    objstore.Object
	input  schemas.InputConfig
	format string
	// source is the source of the object's records that do not name one:
	// the input's, else the registered source with the longest matching
	// key prefix, else "" (the legality stage rejects unknown sources).
	source string
	// fields is the object's field map: the dataset's, overridden by its
	// source's and then its input's.
	fields schemas.FieldMap
}

// auxiliary reports whether a key is an auxiliary object (a path segment
// starting with '_' or '.': rosters, opt-out snapshots, crawl records) that
// is not itself training data.
func auxiliary(key string) bool {
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, "_") || strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// plan lists the objects of a dataset, in key order, de-duplicated when
// two inputs overlap (the first input wins).
func plan(ctx context.Context, st objstore.Store, ds *schemas.DatasetConfig, reg *schemas.SourceRegistry) ([]planned, error) {
	seen := map[string]bool{}
	var out []planned
	for i := range ds.Inputs {
		in := &ds.Inputs[i]
		for obj, err := range st.List(ctx, in.Prefix) {
			if err != nil {
				return nil, fmt.Errorf("listing %s: %w", st.URI(in.Prefix), err)
			}
			if auxiliary(obj.Key) || seen[obj.Key] {
				continue
			}
			seen[obj.Key] = true
			src := in.Source
			if src == "" {
				src = sourceByPrefix(reg, obj.Key)
			}
			out = append(out, planned{obj: obj, input: *in, format: readers.FormatOf(obj.Key, in.Format), source: src,
				fields: ds.ReadMap(in, reg.Lookup(src))})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].obj.Key < out[j].obj.Key })
	return out, nil
}

// sourceByPrefix returns the registered source whose prefixes hold key,
// the longest prefix winning.
func sourceByPrefix(reg *schemas.SourceRegistry, key string) string {
	best, bestLen := "", -1
	for _, s := range reg.Sources {
		for _, p := range s.Prefixes {
			if strings.HasPrefix(key, p) && len(p) > bestLen {
				best, bestLen = s.ID, len(p)
			}
		}
	}
	return best
}
