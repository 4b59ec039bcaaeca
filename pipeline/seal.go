package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// Rule IDs the pipeline itself applies at seal.
const (
	RuleWithdrawn   = "PIPL-15/47"   // consent withdrawn: excluded from new versions
	RuleRevoked     = "TC260-5.2-b3" // complaint upheld: source or object revoked
	RuleReconcile   = "PROV-RECONCILE"
	maxAttributions = 1000
)

// Sealed is a sealed dataset version, handed to AfterSeal hooks.
type Sealed struct {
	Manifest      *schemas.Manifest
	ManifestBytes []byte
	// Prefix is the version's folder in the output store ("<dataset>/<version>/").
	Prefix     string
	Output     objstore.Store
	RunID      string
	Policy     *schemas.Policy
	LedgerLeaf uint64
	Metrics    []schemas.Metric
	Outputs    Outputs
	// Certificate is the certificate's URI, set by a certificate hook.
	Certificate string
}

// Failed returns the rule lines that failed a policy gate.
func (s *Sealed) Failed() []schemas.RuleResult {
	var out []schemas.RuleResult
	for _, r := range s.Manifest.Rules {
		if r.Gate && !r.Pass {
			out = append(out, r)
		}
	}
	return out
}

func (s *Sealed) result() DatasetResult {
	return DatasetResult{
		Name: s.Manifest.Dataset, Version: s.Manifest.Version, Digest: s.Manifest.Digest,
		Counts: s.Manifest.Counts, Outputs: s.Outputs, Failed: s.Failed(), Objects: len(s.Manifest.Inputs),
	}
}

// loadStates decodes one object's stage states (nil for stateless
// stages), then drops the marshalled states (megabytes each for the
// sampling stages) so seal's memory does not grow with the number of
// objects.
func (rc *runCtx) loadStates(path string, t *segTrailer) ([]stages.State, error) {
	if len(t.States) != len(rc.stages) {
		return nil, fmt.Errorf("sealing dataset %s: segment %s: %w: %d stage states, want %d",
			rc.ds.Name, path, ErrBadSegment, len(t.States), len(rc.stages))
	}
	out := make([]stages.State, len(rc.stages))
	for i, s := range rc.stages {
		if t.States[i] == nil {
			continue
		}
		st := s.NewState()
		if st == nil {
			continue
		}
		if err := st.UnmarshalBinary(t.States[i]); err != nil {
			return nil, fmt.Errorf("sealing dataset %s: loading %s state of %s: %w", rc.ds.Name, s.Name(), t.Object.URI, err)
		}
		out[i] = st
	}
	t.States = nil
	return out, nil
}

// mergeStates folds one object's decoded stage states into merged.
func (rc *runCtx) mergeStates(merged, states []stages.State) error {
	for i, s := range rc.stages {
		if merged[i] == nil || states[i] == nil {
			continue
		}
		if err := merged[i].Merge(states[i]); err != nil {
			return fmt.Errorf("sealing dataset %s: merging %s state: %w", rc.ds.Name, s.Name(), err)
		}
	}
	return nil
}

// trailerOf finds an object's segment (fetching it from the shared store
// when configured) and decodes its stage states; missing is its URI when
// no shard has processed it yet.
func (rc *runCtx) trailerOf(ctx context.Context, p planned) (op objectPlan, states []stages.State, missing string, err error) {
	path := rc.segmentPath(p)
	hdr, t, err := readTrailer(path)
	if err != nil {
		if ok, ferr := rc.fetchSegment(ctx, path); ferr != nil {
			return op, nil, "", ferr
		} else if ok {
			hdr, t, err = readTrailer(path)
		}
	}
	if err != nil {
		return op, nil, rc.opts.Input.URI(p.obj.Key), nil
	}
	states, err = rc.loadStates(path, t)
	if err != nil {
		return op, nil, "", err
	}
	return objectPlan{p: p, path: path, hdr: hdr, trail: t}, states, "", nil
}

// overrides are the seal-time decisions that reject admitted records.
type overrides struct {
	blocked map[string]string // source → rule
	rev     *Revocations
}

// apply returns the final verdict of a record and, when it changed, the
// finding that says why.
func (o *overrides) apply(uri string, r *segRecord) (schemas.Verdict, *schemas.Finding) {
	if !r.Verdict.Admitted() {
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

type objectPlan struct {
	p     planned
	path  string
	hdr   segHeader
	trail *segTrailer
}

// seal merges the segments of every object of the dataset into a version.
func (rc *runCtx) seal(ctx context.Context, objs []planned) (*Sealed, error) {
	opts := rc.opts
	t0 := time.Now()
	// Pass 0: every segment must exist; merge the stage states.
	plans := make([]objectPlan, 0, len(objs))
	var missing []string
	merged := make([]stages.State, len(rc.stages))
	for i, s := range rc.stages {
		merged[i] = s.NewState()
	}
	// Trailers are read and their states decoded on --workers goroutines;
	// states are merged in plan order.
	type loaded struct {
		op      objectPlan
		states  []stages.State
		missing string
	}
	err := inOrder(ctx, len(objs), opts.Workers, func(ctx context.Context, i int) (loaded, error) {
		op, states, miss, err := rc.trailerOf(ctx, objs[i])
		return loaded{op, states, miss}, err
	}, func(l loaded) error {
		if l.missing != "" {
			missing = append(missing, l.missing)
			return nil
		}
		if len(missing) == 0 {
			if err := rc.mergeStates(merged, l.states); err != nil {
				return err
			}
		}
		plans = append(plans, l.op)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("sealing dataset %s: %w: %d object(s) not processed yet, first %s (run the missing shards)",
			rc.ds.Name, ErrMissingShard, len(missing), missing[0])
	}
	var concl stages.Conclusion
	for i, s := range rc.stages {
		if err := s.Conclude(merged[i], &concl); err != nil {
			return nil, fmt.Errorf("sealing dataset %s: concluding stage %s: %w", rc.ds.Name, s.Name(), err)
		}
	}
	ov := &overrides{blocked: concl.Blocked}
	if opts.Ledger != nil {
		rev, err := opts.Ledger.Revocations(ctx)
		if err != nil {
			return nil, fmt.Errorf("sealing dataset %s: reading revocations: %w", rc.ds.Name, err)
		}
		ov.rev = rev
	}

	rc.log.Debug("seal: stage states merged", "objects", len(plans), "took", time.Since(t0))
	t0 = time.Now()

	// Pass 1: final verdicts, counts, object roots, ledger, dataset digest.
	tmpDir, err := os.MkdirTemp(rc.opts.Config.Work, ".seal-*")
	if err != nil {
		if err := os.MkdirAll(rc.opts.Config.Work, 0o755); err != nil {
			return nil, fmt.Errorf("creating work directory: %w", err)
		}
		if tmpDir, err = os.MkdirTemp(rc.opts.Config.Work, ".seal-*"); err != nil {
			return nil, fmt.Errorf("creating seal temp directory: %w", err)
		}
	}
	defer func() {
		if err := os.RemoveAll(tmpDir); err != nil {
			rc.log.Warn("removing seal temp directory", "dir", tmpDir, "err", err)
		}
	}()
	sorter := newDigestSorter(tmpDir, 0)
	pd := rc.policyDigest()
	var total schemas.Counts
	var withdrawn int64
	srcRecs := map[string]*schemas.SourceRef{}
	attrib := map[string]int64{}
	var leaves []uint64
	inputs := make([]schemas.InputObject, 0, len(plans))
	var ingestTook time.Duration
	// Objects are read and prepared for the ledger in parallel (the
	// records' final verdicts, canonical order and root are per object)
	// and folded in plan order, so the ledger, counts and digest do not
	// depend on the number of workers.
	err = rc.eachSealedObject(ctx, plans, ov, func(so *sealedObject) error {
		obj := so.obj
		withdrawn += so.withdrawn
		for _, d := range so.admitted {
			if err := sorter.add(d); err != nil {
				return err
			}
		}
		for id, s := range so.srcs {
			sr := srcRecs[id]
			if sr == nil {
				sr = &schemas.SourceRef{ID: id}
				srcRecs[id] = sr
			}
			sr.Records += s.Records
			sr.Bytes += s.Bytes
		}
		for _, a := range so.attrib {
			if _, ok := attrib[a.text]; ok || len(attrib) < maxAttributions {
				attrib[a.text] += a.n
			}
		}
		total.Merge(obj.Counts)
		if opts.Ledger != nil {
			ti := time.Now()
			leaf, err := opts.Ledger.IngestObject(ctx, ObjectInfo{Dataset: rc.ds.Name, RunID: rc.runID, PolicyDigest: pd, Object: obj}, so.prep)
			ingestTook += time.Since(ti)
			if err != nil {
				return fmt.Errorf("sealing dataset %s: recording %s in the ledger: %w", rc.ds.Name, obj.URI, err)
			}
			leaves = append(leaves, leaf)
		}
		inputs = append(inputs, obj)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !total.Reconciles() {
		return nil, fmt.Errorf("sealing dataset %s: %w: %+v", rc.ds.Name, ErrReconcile, total)
	}
	root := schemas.NewMerkleBuilder()
	if err := sorter.each(func(d schemas.Digest) error { return root.Append(d[:]) }); err != nil {
		return nil, fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
	}
	digest, err := root.Root()
	if err != nil {
		return nil, err
	}
	ver := rc.ds.Version
	if ver == "" {
		h := sha256.Sum256([]byte(digest.String() + "\x00" + pd))
		ver = hex.EncodeToString(h[:])[:16]
	}
	prefix := version.Prefix(rc.ds.Name, ver)

	rc.log.Debug("seal: records folded and ingested", "records", total.In, "took", time.Since(t0), "ledger_ingest", ingestTook)
	t0 = time.Now()

	// Pass 2: findings.parquet.
	ff, err := version.NewTable[schemas.Finding](tmpDir)
	if err != nil {
		return nil, err
	}
	err = rc.eachChunk(ctx, plans, func(op *objectPlan, c *segChunk) error {
		uri := op.trail.Object.URI
		for i := range c.Findings {
			c.Findings[i].Version = ver
		}
		if err := ff.Write(c.Findings...); err != nil {
			return err
		}
		for i := range c.Records {
			if _, f := ov.apply(uri, &c.Records[i]); f != nil {
				f.Dataset, f.Version, f.Object = rc.ds.Name, ver, uri
				f.Locator = schemas.Locator(uri, c.Records[i].Line)
				if err := ff.Write(*f); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		ff.Discard()
		return nil, fmt.Errorf("sealing dataset %s: writing findings: %w", rc.ds.Name, err)
	}
	for i := range concl.Findings {
		f := concl.Findings[i]
		f.Dataset, f.Version = rc.ds.Name, ver
		if err := ff.Write(f); err != nil {
			ff.Discard()
			return nil, err
		}
	}
	findRows := ff.Rows()
	fsum, fsize, err := ff.Publish(ctx, opts.Output, prefix+version.Findings)
	if err != nil {
		return nil, err
	}

	rc.log.Debug("seal: findings written", "rows", findRows, "took", time.Since(t0))
	t0 = time.Now()

	// Metrics.
	metrics := rc.pipelineMetrics(total, srcRecs, inputs)
	metrics = append(metrics, concl.Metrics...)
	for i := range metrics {
		metrics[i].Dataset, metrics[i].Version = rc.ds.Name, ver
	}
	sort.SliceStable(metrics, func(i, j int) bool {
		if metrics[i].Metric != metrics[j].Metric {
			return metrics[i].Metric < metrics[j].Metric
		}
		return metrics[i].Dimension < metrics[j].Dimension
	})
	mf, err := version.NewTable[schemas.Metric](tmpDir)
	if err != nil {
		return nil, err
	}
	if err := mf.Write(metrics...); err != nil {
		mf.Discard()
		return nil, err
	}
	msum, msize, err := mf.Publish(ctx, opts.Output, prefix+version.Metrics)
	if err != nil {
		return nil, err
	}

	// Manifest.
	rules := append([]schemas.RuleResult(nil), concl.Rules...)
	rules = append(rules, schemas.RuleResult{RuleID: RuleReconcile, Scope: "dataset", Pass: true, Figure: float64(total.In), N: total.In,
		Detail: fmt.Sprintf("records in %d = admit %d + redact %d + quarantine %d + reject %d", total.In, total.Admit, total.Redact, total.Quarantine, total.Reject)})
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].RuleID != rules[j].RuleID {
			return rules[i].RuleID < rules[j].RuleID
		}
		return rules[i].Scope < rules[j].Scope
	})
	supersedes := ""
	if opts.Ledger != nil {
		prev, err := opts.Ledger.LatestVersion(ctx, rc.ds.Name)
		if err != nil {
			return nil, fmt.Errorf("sealing dataset %s: %w", rc.ds.Name, err)
		}
		if prev != ver {
			supersedes = prev
		}
	}
	m := &schemas.Manifest{
		Schema: schemas.ManifestSchema, Dataset: rc.ds.Name, Version: ver,
		Digest: "sha256:" + digest.String(), Records: int64(root.Size()), Counts: total,
		Policy: schemas.ManifestPolicy{ID: opts.Policy.ID, Version: opts.Policy.Version, Digest: pd},
		Use:    useOf(rc.ds), Inputs: inputs, Sources: rc.sourceRefs(srcRecs, inputs),
		Blocked: blockedList(concl.Blocked), RejectedAtSeal: withdrawn, Rules: rules,
		Attributions: attributionList(attrib),
		Outputs: schemas.ManifestOutput{
			Findings: schemas.FileRef{Path: version.Findings, SHA256: fsum, Size: fsize, Rows: findRows},
			Metrics:  schemas.FileRef{Path: version.Metrics, SHA256: msum, Size: msize, Rows: int64(len(metrics))},
		},
		Supersedes: supersedes,
	}
	mb, msha, err := version.WriteManifest(ctx, opts.Output, prefix, m)
	if err != nil {
		return nil, err
	}
	s := &Sealed{Manifest: m, ManifestBytes: mb, Prefix: prefix, Output: opts.Output, RunID: rc.runID, Policy: opts.Policy,
		Metrics: metrics, Outputs: Outputs{
			Manifest: opts.Output.URI(prefix + version.Manifest),
			Findings: opts.Output.URI(prefix + version.Findings),
			Metrics:  opts.Output.URI(prefix + version.Metrics),
		}}
	if opts.Ledger != nil {
		var srcs []string
		for _, sr := range m.Sources {
			srcs = append(srcs, sr.ID)
		}
		leaf, err := opts.Ledger.Seal(ctx, SealInfo{Dataset: rc.ds.Name, Version: ver, Digest: m.Digest,
			ManifestSHA256: msha, PolicyID: opts.Policy.ID, PolicyDigest: pd, RunID: rc.runID, Supersedes: supersedes, Counts: total,
			ObjectLeaves: leaves, Sources: srcs})
		if err != nil {
			return nil, fmt.Errorf("sealing dataset %s: recording the version in the ledger: %w", rc.ds.Name, err)
		}
		s.LedgerLeaf = leaf
	}
	rc.log.Debug("seal: metrics, manifest and ledger seal written", "took", time.Since(t0))
	return s, nil
}

func useOf(ds *schemas.DatasetConfig) string {
	if ds.Use == "" {
		return "commercial"
	}
	return ds.Use
}

func (rc *runCtx) sourceRefs(recs map[string]*schemas.SourceRef, inputs []schemas.InputObject) []schemas.SourceRef {
	ids := map[string]bool{}
	for _, in := range inputs {
		if in.Source != "" {
			ids[in.Source] = true
		}
	}
	for id := range recs {
		ids[id] = true
	}
	var out []schemas.SourceRef
	for id := range ids {
		ref := schemas.SourceRef{ID: id}
		if r := recs[id]; r != nil {
			ref.Records, ref.Bytes = r.Records, r.Bytes
		}
		if s := rc.opts.Sources.Lookup(id); s != nil {
			ref.Channel, ref.LegalBasis, ref.Licence, ref.Origin, ref.Modality = s.Channel, s.LegalBasis, s.Licence, s.Origin, s.Modality
			if ref.Modality == "" {
				ref.Modality = "text"
			}
		} else {
			ref.Channel = "unregistered"
		}
		out = append(out, ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func blockedList(m map[string]string) []schemas.BlockedSource {
	var out []schemas.BlockedSource
	for s, r := range m {
		out = append(out, schemas.BlockedSource{Source: s, RuleID: r})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func attributionList(m map[string]int64) []schemas.Attribution {
	var out []schemas.Attribution
	for t, n := range m {
		out = append(out, schemas.Attribution{Text: t, Records: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Text < out[j].Text })
	return out
}

// pipelineMetrics are the run's own figures: every record read (parsed or
// not), verdict counts, objects, input bytes and admitted records and bytes
// per source. (The quality stage's records_in counts parsed records only.)
func (rc *runCtx) pipelineMetrics(total schemas.Counts, srcs map[string]*schemas.SourceRef, inputs []schemas.InputObject) []schemas.Metric {
	m := []schemas.Metric{
		{Metric: "records_read", Dimension: "overall", Value: float64(total.In)},
		{Metric: "records_verdict", Dimension: "verdict:admit", Value: float64(total.Admit)},
		{Metric: "records_verdict", Dimension: "verdict:redact", Value: float64(total.Redact)},
		{Metric: "records_verdict", Dimension: "verdict:quarantine", Value: float64(total.Quarantine)},
		{Metric: "records_verdict", Dimension: "verdict:reject", Value: float64(total.Reject)},
		{Metric: "objects", Dimension: "overall", Value: float64(len(inputs))},
	}
	var bytesIn int64
	for _, in := range inputs {
		bytesIn += in.Size
	}
	m = append(m, schemas.Metric{Metric: "input_bytes", Dimension: "overall", Value: float64(bytesIn)})
	for id, s := range srcs {
		m = append(m,
			schemas.Metric{Metric: "source_admitted_records", Dimension: "source:" + id, Value: float64(s.Records)},
			schemas.Metric{Metric: "source_admitted_bytes", Dimension: "source:" + id, Value: float64(s.Bytes)})
	}
	return m
}
