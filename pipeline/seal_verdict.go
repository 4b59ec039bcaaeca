package pipeline

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/prov-ai/prov/schemas"
)

// The final verdict of a record: the verdict the stages gave it, unless a
// seal-time decision rejects it (a source blocked by a dataset-level rule,
// a revoked source or object, a data subject who withdrew consent). It is
// decided once, in pass 1 (prepareObject); the findings of the records it
// rejected are kept in an overrideLog until pass 2 writes them.

// loadOverrides gathers the seal-time decisions: the stages' blocked
// sources and, with a ledger, its revocations.
func (rc *runCtx) loadOverrides(ctx context.Context, blocked map[string]string) (*overrides, error) {
	ov := &overrides{blocked: blocked}
	if rc.opts.Recorder != nil {
		rev, err := rc.opts.Recorder.Revocations(ctx)
		if err != nil {
			return nil, fmt.Errorf("sealing dataset %s: reading revocations: %w", rc.ds.Name, err)
		}
		ov.rev = rev
	}
	return ov, nil
}

// overrides are the seal-time decisions that reject admitted records.
type overrides struct {
	blocked map[string]string // source → rule
	rev     *Revocations
	// dups are, per plan index, the ordinals of the non-kept exact
	// duplicates quality.duplicates.action applies to (dupVerdict).
	dups       map[int]map[int64]bool
	dupVerdict schemas.Verdict
}

// applyDup returns the final verdict and finding of a record that apply
// left unchanged: a non-kept exact duplicate under a quality.duplicates
// action gets the action's verdict (the most severe of it and the stages'
// verdict) and a finding citing RuleDuplicate.
func (o *overrides) applyDup(plan int, ord int64, v schemas.Verdict, r *segRecord) (schemas.Verdict, *schemas.Finding) {
	if !o.dups[plan][ord] || !v.Admitted() {
		return v, nil
	}
	v = v.Max(o.dupVerdict)
	return v, &schemas.Finding{RuleID: RuleDuplicate, Stage: "quality", Severity: schemas.SeverityError,
		Verdict: v.String(), RecordDigest: r.Digest.String(), Source: r.Source,
		Message: "exact duplicate (same normalised text) of a record kept earlier in the version: " + o.dupVerdict.String()}
}

// apply returns the final verdict of a record and, when it changed, the
// finding that says why. A seal-time decision rejects the record whatever
// the stages said (a quarantined record of a blocked source is rejected
// like its clean siblings): the final verdict is the most severe of the
// stages' verdict and the seal's.
func (o *overrides) apply(uri string, r *segRecord) (schemas.Verdict, *schemas.Finding) {
	if r.Verdict == schemas.Reject {
		return r.Verdict, nil
	}
	mk := func(rule, stage, msg string) *schemas.Finding {
		return &schemas.Finding{RuleID: rule, Stage: stage, Severity: schemas.SeverityError,
			Verdict: schemas.Reject.String(), RecordDigest: r.Digest.String(), Source: r.Source, Message: msg}
	}
	if rule, ok := o.blocked[r.Source]; ok {
		return schemas.Reject, mk(rule, "seal", fmt.Sprintf("source %s is blocked by %s", r.Source, rule))
	}
	if o.rev != nil {
		if reason, ok := o.rev.Sources[r.Source]; ok {
			return schemas.Reject, mk(RuleRevoked, "seal", fmt.Sprintf("source %s revoked: %s", r.Source, reason))
		}
		if reason, ok := o.rev.Objects[uri]; ok {
			return schemas.Reject, mk(RuleRevoked, "seal", "object revoked: "+reason)
		}
		for _, s := range r.Subjects {
			if _, ok := o.rev.Subjects[s]; ok {
				return schemas.Reject, mk(RuleWithdrawn, "seal", "data subject "+s+" withdrew consent")
			}
		}
	}
	return r.Verdict, nil
}

// override is the finding of one record whose verdict seal changed; Ord
// is the record's position among its object's records.
type override struct {
	Ord int64
	F   schemas.Finding
}

// objectOverrides are the overrides of the object at plan index Plan.
type objectOverrides struct {
	Plan  int
	Items []override
}

// overrideLog spills the overrides of pass 1 to a temp file in plan order
// and reads them back in pass 2, so their number does not bound memory.
type overrideLog struct {
	f   *os.File
	bw  *bufio.Writer
	enc *gob.Encoder
	dec *gob.Decoder
}

func newOverrideLog(dir string) (*overrideLog, error) {
	f, err := os.CreateTemp(dir, ".overrides-*")
	if err != nil {
		return nil, fmt.Errorf("creating seal override log: %w", err)
	}
	bw := bufio.NewWriter(f)
	return &overrideLog{f: f, bw: bw, enc: gob.NewEncoder(bw)}, nil
}

// add appends one object's overrides (none: nothing is written).
func (l *overrideLog) add(plan int, items []override) error {
	if len(items) == 0 {
		return nil
	}
	if err := l.enc.Encode(&objectOverrides{Plan: plan, Items: items}); err != nil {
		return fmt.Errorf("writing seal override log: %w", err)
	}
	return nil
}

// rewind ends writing and starts reading from the first object.
func (l *overrideLog) rewind() error {
	if err := l.bw.Flush(); err != nil {
		return fmt.Errorf("writing seal override log: %w", err)
	}
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewinding seal override log: %w", err)
	}
	l.dec = gob.NewDecoder(bufio.NewReader(l.f))
	return nil
}

// next returns the next object's overrides, or nil after the last.
func (l *overrideLog) next() (*objectOverrides, error) {
	var o objectOverrides
	if err := l.dec.Decode(&o); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading seal override log: %w", err)
	}
	return &o, nil
}

func (l *overrideLog) close() {
	_ = l.f.Close()
	_ = os.Remove(l.f.Name())
}
