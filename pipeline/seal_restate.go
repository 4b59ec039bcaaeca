package pipeline

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Pass 1b of seal: the stages' states over the final verdicts. Pass 0
// concluded the stages over the verdicts they gave at check time, which is
// what dataset-level checks judge (a source's harmful-content ratio is a
// property of the source as collected). What describes the version's
// content — every stage's metrics and the rule lines of stages that
// describe content (stages.ContentDescriber) — must count only what the
// version admits. States merge but do not subtract, so the objects in
// which seal rejected admitted records are read again through the stages
// with those records rejected up front; every other object's state is
// loaded from its segment again.

// restate returns the stages' conclusions over the final verdicts, one per
// stage; nil when seal rejected no admitted record (pass 0's conclusions
// are then final).
func (rc *runCtx) restate(ctx context.Context, plans []objectPlan, changed map[int]map[int64]bool) ([]stages.Conclusion, error) {
	if len(changed) == 0 {
		return nil, nil
	}
	t0 := time.Now()
	merged := make([]stages.State, len(rc.stages))
	for i, s := range rc.stages {
		merged[i] = s.NewState()
	}
	err := inOrder(ctx, len(plans), rc.opts.Workers, func(ctx context.Context, i int) ([]stages.State, error) {
		if ords, ok := changed[i]; ok {
			return rc.recheck(ctx, &plans[i], ords)
		}
		_, t, err := readTrailer(plans[i].path, rc.segKey)
		if err != nil {
			return nil, fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
		}
		return rc.loadStates(plans[i].path, t)
	}, func(states []stages.State) error { return rc.mergeStates(merged, states) })
	if err != nil {
		return nil, err
	}
	per, err := rc.conclude(merged)
	if err != nil {
		return nil, err
	}
	rc.log.Debug("seal: stages concluded over the final verdicts", "objects_read_again", len(changed), "took", time.Since(t0))
	return per, nil
}

// conclude concludes each stage over its merged state, one conclusion per
// stage.
func (rc *runCtx) conclude(merged []stages.State) ([]stages.Conclusion, error) {
	per := make([]stages.Conclusion, len(rc.stages))
	for i, s := range rc.stages {
		if err := s.Conclude(merged[i], &per[i]); err != nil {
			return nil, fmt.Errorf("sealing dataset %s: concluding stage %s: %w", rc.ds.Name, s.Name(), err)
		}
	}
	return per, nil
}

// combine folds per-stage conclusions into the version's conclusion. With
// final (restate's conclusions), every metric and the findings and rule
// lines of the stages that describe content come from final; checks
// (findings, rule lines, blocked sources) of the other stages from checked.
func (rc *runCtx) combine(checked, final []stages.Conclusion) *stages.Conclusion {
	var c stages.Conclusion
	for i, s := range rc.stages {
		from := &checked[i]
		_, describes := s.(stages.ContentDescriber)
		if final != nil && describes {
			from = &final[i]
		}
		c.Findings = append(c.Findings, from.Findings...)
		c.Rules = append(c.Rules, from.Rules...)
		c.NearDuplicates = append(c.NearDuplicates, checked[i].NearDuplicates...)
		for src, rule := range checked[i].Blocked {
			c.Block(src, rule)
		}
		if final != nil {
			c.Metrics = append(c.Metrics, final[i].Metrics...)
		} else {
			c.Metrics = append(c.Metrics, checked[i].Metrics...)
		}
	}
	rc.scrubConclusion(&c)
	return &c
}

// recheck reads one object again through the stages, the records at the
// ordinals in rejected (their position among the object's records)
// rejected before any stage sees them, and returns the stages' states.
// The object must still hash to what its segment recorded.
func (rc *runCtx) recheck(ctx context.Context, op *objectPlan, rejected map[int64]bool) ([]stages.State, error) {
	p := op.p
	obj := op.trail.Object
	states := make([]stages.State, len(rc.stages))
	for i, s := range rc.stages {
		states[i] = s.NewState()
	}
	ho := &hashingOpen{h: sha256.New(), store: rc.opts.Input, obj: p.obj}
	in := readers.Input{URI: obj.URI, Key: p.obj.Key, Format: p.format, Size: p.obj.Size, Open: ho.open}
	opts := readers.Options{Map: &p.fields, MaxLine: p.input.MaxLine}
	var out stages.Outcome
	var ord int64
	err := readers.Read(ctx, in, opts, func(r *schemas.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		defer func() { ord++ }()
		if r.Err != nil {
			return nil
		}
		if src, ok := r.Get(schemas.FieldSource); ok && src != "" {
			r.Source = src
		} else {
			r.Source = p.source
		}
		out.Reset()
		if rejected[ord] {
			out.Raise(schemas.Reject)
		}
		for i, s := range rc.stages {
			s.Check(r, states[i], &out)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sealing dataset %s: reading %s again for the final metrics: %w", rc.ds.Name, obj.URI, rc.maskKey(p.obj.Key).wrap(err))
	}
	if obj.SHA256 != "" {
		sum, err := ho.sum(ctx)
		if err != nil {
			return nil, fmt.Errorf("sealing dataset %s: reading %s again for the final metrics: %w", rc.ds.Name, obj.URI, rc.maskKey(p.obj.Key).wrap(err))
		}
		if sum != obj.SHA256 {
			return nil, fmt.Errorf("sealing dataset %s: reading %s again for the final metrics: %w (sha256 %s, segment says %s)",
				rc.ds.Name, obj.URI, objstore.ErrChanged, sum, obj.SHA256)
		}
	}
	if ord != obj.Counts.In {
		return nil, fmt.Errorf("sealing dataset %s: reading %s again for the final metrics: %w: %d records, segment holds %d",
			rc.ds.Name, obj.URI, ErrReconcile, ord, obj.Counts.In)
	}
	return states, nil
}
