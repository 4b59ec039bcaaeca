package pipeline

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// The duplicates pass of seal, before pass 1: exact-duplicate clusters are
// the admitted records (after the other seal-time decisions) with equal
// text keys (stages.Outcome.TextKey), across all sources, found by an
// external sort of (key, plan index, ordinal); the kept member is the
// first in plan order, so 1 worker, N workers and N shards agree. Near
// duplicate clusters come from the quality stage's conclusion (its bounded
// sample) and are located here by record digest. Both go to
// duplicates.parquet; quality.duplicates.action applies to the non-kept
// members of exact clusters in pass 1 (overrides).

// RuleDuplicate is the rule an acted-on duplicate record's finding cites.
const RuleDuplicate = "CN-IM-7.4"

// dupRecSize is one sort record: text key (16), plan index (4, big-endian),
// ordinal (8, big-endian), line (8), digest (32), source index (4).
const dupRecSize = 16 + 4 + 8 + 8 + 32 + 4

// dupResult is what the duplicates pass found.
type dupResult struct {
	table *version.Table[schemas.Duplicate]
	// act holds, per plan index, the ordinals of the non-kept exact
	// duplicates the action applies to (empty when the action is none).
	act                                      map[int]map[int64]bool
	exactClusters, exactRecords              int64
	nearClusters, nearRecords, actedOnRecord int64
	action                                   string
}

// dupHit is one record of an object that the pass keeps: a keyed record,
// or a near-duplicate member located by digest.
type dupHit struct {
	key    [16]byte
	ord    int64
	line   int64
	digest schemas.Digest
	source string
	near   bool
}

type nearRef struct{ c, m int }

type nearLoc struct {
	found bool
	plan  int
	ord   int64
	line  int64
	src   string
	key   [16]byte
}

// objHits are one object's duplicate candidates (dupHits), at plan
// index plan.
type objHits struct {
	plan int
	hits []dupHit
}

// nearIndex maps the digest of every near-duplicate cluster member to its
// first place in the clusters.
func nearIndex(near []stages.NearDupCluster) map[schemas.Digest]nearRef {
	nearAt := map[schemas.Digest]nearRef{}
	for c, cl := range near {
		for m, mem := range cl.Members {
			if _, ok := nearAt[mem.Digest]; !ok {
				nearAt[mem.Digest] = nearRef{c, m}
			}
		}
	}
	return nearAt
}

// findDuplicates runs the duplicates pass; the table is published by
// publish once the version is named. nearAt is nearIndex(near). With fed
// nil it reads every segment for the candidates (dupHits); else pass 1
// gathers them in its own read of the segments (prepareObject) and sends
// them on fed in plan order, closing it when it ends.
func (rc *runCtx) findDuplicates(ctx context.Context, plans []objectPlan, ov *overrides, near []stages.NearDupCluster,
	nearAt map[schemas.Digest]nearRef, tmpDir string, fed <-chan objHits) (*dupResult, error) {
	res := &dupResult{act: map[int]map[int64]bool{}, action: rc.opts.Policy.Quality.Duplicates.Action}
	if res.action == "" {
		res.action = schemas.DupActionNone
	}
	locs := make([][]nearLoc, len(near))
	for c, cl := range near {
		locs[c] = make([]nearLoc, len(cl.Members))
	}
	sorter := newRecSorter(tmpDir, dupRecSize, 0)
	var admitted int64 // the candidates are admitted records: room for them up front
	for i := range plans {
		c := plans[i].trail.Object.Counts
		admitted += c.Admit + c.Redact
	}
	sorter.reserve(admitted)
	var srcNames []string
	srcIdx := map[string]uint32{}
	rec := make([]byte, dupRecSize)
	add := func(oh objHits) error {
		for i := range oh.hits {
			h := &oh.hits[i]
			if h.near {
				ref := nearAt[h.digest]
				if l := &locs[ref.c][ref.m]; !l.found {
					*l = nearLoc{true, oh.plan, h.ord, h.line, h.source, h.key}
				}
			}
			if h.key == ([16]byte{}) {
				continue
			}
			si, ok := srcIdx[h.source]
			if !ok {
				si = uint32(len(srcNames))
				srcIdx[h.source] = si
				srcNames = append(srcNames, h.source)
			}
			copy(rec[0:16], h.key[:])
			binary.BigEndian.PutUint32(rec[16:20], uint32(oh.plan))
			binary.BigEndian.PutUint64(rec[20:28], uint64(h.ord))
			binary.BigEndian.PutUint64(rec[28:36], uint64(h.line))
			copy(rec[36:68], h.digest[:])
			binary.BigEndian.PutUint32(rec[68:72], si)
			if err := sorter.add(rec); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if fed == nil {
		err = inOrder(ctx, len(plans), rc.opts.Workers, func(ctx context.Context, i int) (objHits, error) {
			h, err := rc.dupHits(ctx, &plans[i], ov, nearAt)
			return objHits{i, h}, err
		}, add)
	} else {
		err = consumeHits(ctx, len(plans), fed, add)
	}
	if err != nil {
		return nil, fmt.Errorf("sealing dataset %s: finding duplicates: %w", rc.ds.Name, err)
	}
	if res.table, err = version.NewTable[schemas.Duplicate](tmpDir); err != nil {
		return nil, err
	}
	if err := rc.exactClusters(plans, sorter, srcNames, res); err != nil {
		res.table.Discard()
		return nil, err
	}
	if res.action != schemas.DupActionNone {
		res.actedOnRecord = res.exactRecords
	}
	if err := rc.nearClusters(plans, near, locs, res); err != nil {
		res.table.Discard()
		return nil, err
	}
	return res, nil
}

// exactClusters reads the sorted records and writes every cluster of two
// or more records with one text key; the first in plan order is kept.
func (rc *runCtx) exactClusters(plans []objectPlan, sorter *recSorter, srcNames []string, res *dupResult) error {
	var group [][]byte
	flush := func() error {
		defer func() { group = group[:0] }()
		if len(group) < 2 {
			return nil
		}
		res.exactClusters++
		var keptDigest schemas.Digest
		copy(keptDigest[:], group[0][36:68])
		id := "exact-" + keptDigest.String()[:16]
		for i, g := range group {
			plan := int(binary.BigEndian.Uint32(g[16:20]))
			ord := int64(binary.BigEndian.Uint64(g[20:28]))
			line := int64(binary.BigEndian.Uint64(g[28:36]))
			var d schemas.Digest
			copy(d[:], g[36:68])
			uri := plans[plan].trail.Object.URI
			row := schemas.Duplicate{ClusterID: id, RecordDigest: d.String(), Object: uri, Locator: schemas.Locator(uri, line),
				Source: srcNames[binary.BigEndian.Uint32(g[68:72])], Kind: schemas.DupExact, Jaccard: 1, Kept: i == 0}
			if err := res.table.Write(row); err != nil {
				return err
			}
			if i == 0 {
				continue
			}
			res.exactRecords++
			if res.action != schemas.DupActionNone {
				if res.act[plan] == nil {
					res.act[plan] = map[int64]bool{}
				}
				res.act[plan][ord] = true
			}
		}
		return nil
	}
	err := sorter.each(func(r []byte) error {
		if len(group) > 0 && string(group[0][:16]) != string(r[:16]) {
			if err := flush(); err != nil {
				return err
			}
		}
		group = append(group, append([]byte(nil), r...))
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("sealing dataset %s: listing exact duplicates: %w", rc.ds.Name, err)
	}
	return nil
}

// nearClusters writes the near-duplicate clusters whose members were
// located (admitted after the seal-time decisions); a member whose text key
// equals an earlier member's is an exact duplicate listed as such and is
// left out, and so is a cluster left with fewer than two members.
func (rc *runCtx) nearClusters(plans []objectPlan, near []stages.NearDupCluster, locs [][]nearLoc, res *dupResult) error {
	for c, cl := range near {
		var ms []int
		keys := map[[16]byte]bool{}
		for m := range cl.Members {
			l := locs[c][m]
			if !l.found {
				continue
			}
			if l.key != ([16]byte{}) {
				if keys[l.key] {
					continue
				}
				keys[l.key] = true
			}
			ms = append(ms, m)
		}
		if len(ms) < 2 {
			continue
		}
		kept := ms[0]
		for _, m := range ms[1:] {
			a, b := locs[c][m], locs[c][kept]
			if a.plan < b.plan || (a.plan == b.plan && a.ord < b.ord) {
				kept = m
			}
		}
		res.nearClusters++
		res.nearRecords += int64(len(ms) - 1)
		id := "near-" + cl.Members[0].Digest.String()[:16]
		for _, m := range ms {
			l := locs[c][m]
			uri := plans[l.plan].trail.Object.URI
			row := schemas.Duplicate{ClusterID: id, RecordDigest: cl.Members[m].Digest.String(), Object: uri,
				Locator: schemas.Locator(uri, l.line), Source: l.src, Kind: schemas.DupNear,
				Jaccard: cl.Members[m].Jaccard, Kept: m == kept}
			if err := res.table.Write(row); err != nil {
				return fmt.Errorf("sealing dataset %s: listing near duplicates: %w", rc.ds.Name, err)
			}
		}
	}
	return nil
}

// consumeHits calls add with the n objects' candidates sent on fed, which
// must come in plan order; it fails if ctx ends or fed closes early (pass
// 1 failed: the error wraps context.Canceled, so the run reports pass 1's).
func consumeHits(ctx context.Context, n int, fed <-chan objHits, add func(objHits) error) error {
	for i := 0; i < n; i++ {
		select {
		case oh, ok := <-fed:
			if !ok {
				// pass 1 failed: its error is the one to report
				return fmt.Errorf("pass 1 ended after %d of %d objects: %w", i, n, context.Canceled)
			}
			if oh.plan != i {
				return fmt.Errorf("candidates of object %d where %d was due", oh.plan, i)
			}
			if err := add(oh); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// dupHit is the duplicates pass's candidate of record ord of an object
// with final verdict v and seal finding f (overrides.apply), if it is one:
// admitted after the other seal-time decisions, with a text key or a
// near-duplicate member.
func dupHitOf(rec *segRecord, ord int64, v schemas.Verdict, f *schemas.Finding, nearAt map[schemas.Digest]nearRef) (dupHit, bool) {
	_, isNear := nearAt[rec.Digest]
	if rec.TextKey == ([16]byte{}) && !isNear {
		return dupHit{}, false
	}
	if f != nil || !v.Admitted() {
		return dupHit{}, false
	}
	return dupHit{key: rec.TextKey, ord: ord, line: rec.Line, digest: rec.Digest, source: rec.Source, near: isNear}, true
}

// dupHits reads one object's segment records: those admitted after the
// other seal-time decisions with a text key, and the near-duplicate
// members.
func (rc *runCtx) dupHits(ctx context.Context, op *objectPlan, ov *overrides, nearAt map[schemas.Digest]nearRef) ([]dupHit, error) {
	uri := op.trail.Object.URI
	r, err := openSegment(op.path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.close() }()
	var hits []dupHit
	var ord int64
	_, err = r.eachRecords(func(c *segChunk) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range c.Records {
			rec := &c.Records[i]
			o := ord
			ord++
			if _, isNear := nearAt[rec.Digest]; rec.TextKey == ([16]byte{}) && !isNear {
				continue // apply only for candidates
			}
			v, f := ov.apply(uri, rec)
			if h, ok := dupHitOf(rec, o, v, f, nearAt); ok {
				hits = append(hits, h)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("object %s: %w", uri, err)
	}
	return hits, nil
}

// metrics are the duplicates pass's figures.
func (res *dupResult) metrics() []schemas.Metric {
	return []schemas.Metric{
		{Metric: "exact_dup_clusters", Dimension: "overall", Value: float64(res.exactClusters)},
		{Metric: "exact_dup_records", Dimension: "overall", Value: float64(res.exactRecords)},
		{Metric: "near_dup_clusters", Dimension: "overall", Value: float64(res.nearClusters)},
		{Metric: "near_dup_records", Dimension: "overall", Value: float64(res.nearRecords)},
		{Metric: "dup_records_acted_on", Dimension: "action:" + res.action, Value: float64(res.actedOnRecord)},
	}
}
