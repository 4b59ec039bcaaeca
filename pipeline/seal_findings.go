package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// Pass 2 of seal: findings.parquet holds, object by object in plan order,
// the stages' findings of each chunk followed by the seal's findings of the
// records in it whose verdict seal changed (from pass 1's override log),
// then the stages' dataset-level findings.

// builtFindings is the findings table of one version label, its rows
// written: seal builds it while the ledger ingestion of pass 1 finishes
// (the table does not depend on the ledger), then writeFindings publishes
// it; a second publication (seal's scratch store, then the output) or
// another label builds it again.
type builtFindings struct {
	ver   string
	table *version.Table[schemas.Finding] // nil once published
}

// discard drops the table if it was not published.
func (bf *builtFindings) discard() {
	if bf != nil && bf.table != nil {
		bf.table.Discard()
		bf.table = nil
	}
}

// writeFindings publishes the version's findings.parquet (bf's table when
// it was built for ver and not published yet, else one built now) and
// returns its file reference.
func (rc *runCtx) writeFindings(ctx context.Context, out objstore.Store, bf *builtFindings, plans []objectPlan, ovlog *overrideLog, concl *stages.Conclusion, ver, tmpDir string) (schemas.FileRef, error) {
	if bf == nil || bf.ver != ver || bf.table == nil {
		var err error
		if bf, err = rc.buildFindings(ctx, plans, ovlog, concl, ver, tmpDir); err != nil {
			return schemas.FileRef{}, err
		}
	}
	ff := bf.table
	bf.table = nil
	rows := ff.Rows()
	sum, size, err := ff.Publish(ctx, out, version.Key(rc.ds.Name, ver, version.Findings))
	if err != nil {
		return schemas.FileRef{}, err
	}
	return schemas.FileRef{Path: version.Findings, SHA256: sum, Size: size, Rows: rows}, nil
}

// buildFindings writes the rows of version ver's findings.parquet to a
// table in tmpDir.
func (rc *runCtx) buildFindings(ctx context.Context, plans []objectPlan, ovlog *overrideLog, concl *stages.Conclusion, ver, tmpDir string) (*builtFindings, error) {
	t0 := time.Now()
	if err := ovlog.rewind(); err != nil {
		return nil, err
	}
	pending, err := ovlog.next()
	if err != nil {
		return nil, err
	}
	ff, err := version.NewTable[schemas.Finding](tmpDir)
	if err != nil {
		return nil, err
	}
	cur, ord, k := -1, int64(0), 0
	cites := citeCache{}
	err = rc.eachChunk(ctx, plans, func(op *objectPlan, c *segChunk) error {
		if op.idx != cur {
			if pending != nil && pending.Plan == cur && k < len(pending.Items) {
				return fmt.Errorf("object %s: %d of its records rejected at seal were not found again", plans[cur].trail.Object.URI, len(pending.Items)-k)
			}
			cur, ord, k = op.idx, 0, 0
			for pending != nil && pending.Plan < cur {
				if pending, err = ovlog.next(); err != nil {
					return err
				}
			}
		}
		for i := range c.Findings {
			c.Findings[i].Version = ver
			cites.cite(&c.Findings[i])
		}
		if err := ff.Write(c.Findings...); err != nil {
			return err
		}
		for range c.records() {
			if pending != nil && pending.Plan == cur && k < len(pending.Items) && pending.Items[k].Ord == ord {
				f := pending.Items[k].F
				f.Version = ver
				cite(&f)
				if err := ff.Write(f); err != nil {
					return err
				}
				k++
			}
			ord++
		}
		return nil
	})
	if err == nil && pending != nil && pending.Plan == cur && k == len(pending.Items) {
		pending, err = ovlog.next()
	}
	if err == nil && pending != nil {
		err = fmt.Errorf("object %s: records rejected at seal were not found again", plans[pending.Plan].trail.Object.URI)
	}
	if err != nil {
		ff.Discard()
		return nil, fmt.Errorf("sealing dataset %s: writing findings: %w", rc.ds.Name, err)
	}
	for i := range concl.Findings {
		f := concl.Findings[i]
		f.Dataset, f.Version = rc.ds.Name, ver
		cite(&f)
		if err := ff.Write(f); err != nil {
			ff.Discard()
			return nil, err
		}
	}
	rc.log.Debug("seal: findings written", "rows", ff.Rows(), "took", time.Since(t0))
	return &builtFindings{ver: ver, table: ff}, nil
}

// citeCache is cite with each rule ID's rulebook row looked up once: the
// stages' findings cite a few dozen rules, and the rows (read only) are
// shared by the findings that cite them.
type citeCache map[string]citedRule

type citedRule struct {
	id  string
	ids []string
}

func (cc citeCache) cite(f *schemas.Finding) {
	r, ok := cc[f.RuleID]
	if !ok {
		if len(cc) >= 1024 {
			cite(f)
			return
		}
		r.id, r.ids = schemas.RuleIDs(f.RuleID)
		cc[f.RuleID] = r
	}
	f.RuleID, f.RuleIDs = r.id, r.ids
	if f.Verdict == "" {
		f.Verdict = schemas.Admit.String()
	}
}

// cite gives a finding one rule ID and its rulebook row's IDs, and a
// verdict: a dataset-level finding that holds no record back (a quality
// limit, an agreement figure) says admit.
func cite(f *schemas.Finding) {
	f.CiteRules()
	if f.Verdict == "" {
		f.Verdict = schemas.Admit.String()
	}
}
