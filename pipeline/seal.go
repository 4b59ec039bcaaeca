package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// Rule IDs the pipeline itself applies at seal.
const (
	RuleWithdrawn   = schemas.RuleWithdrawn // consent withdrawn: excluded from new versions
	RuleRevoked     = "TC260-5.2-b3"        // complaint upheld: source or object revoked
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

// seal merges the segments of every object of the dataset into a version.
// Its passes run in order, each in its own file: mergeSegments (pass 0,
// seal_merge.go), findDuplicates (seal_dups.go) and foldRecords (pass 1,
// final verdicts and digest, seal_fold.go; both at once unless
// quality.duplicates.action makes pass 1 depend on the duplicates:
// dupsAndFold), restate (pass 1b, the stages over the final verdicts,
// seal_restate.go), then publish (seal_publish.go: never over a version
// the ledger sealed with other results) runs writeFindings (pass 2,
// seal_findings.go), writeMetrics (seal_metrics.go) and writeManifest
// (seal_manifest.go), and recordSeal.
func (rc *runCtx) seal(ctx context.Context, objs []planned) (*Sealed, error) {
	t0, cpu0 := time.Now(), processCPU()
	plans, checked, err := rc.mergeSegments(ctx, objs)
	if err != nil {
		return nil, err
	}
	concl := rc.combine(checked, nil)
	ov, err := rc.loadOverrides(ctx, concl.Blocked)
	if err != nil {
		return nil, err
	}
	rc.log.Debug("seal: stage states merged", "objects", len(plans), "took", time.Since(t0))

	tmpDir, err := rc.sealTempDir()
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := os.RemoveAll(tmpDir); err != nil {
			rc.log.Warn("removing seal temp directory", "dir", tmpDir, "err", err)
		}
	}()
	ovlog, err := newOverrideLog(tmpDir)
	if err != nil {
		return nil, err
	}
	defer ovlog.close()
	dups, folded, err := rc.dupsAndFold(ctx, plans, ov, ovlog, concl.NearDuplicates, tmpDir)
	if err != nil {
		return nil, err
	}
	// The ledger ingestion of pass 1 may still run: publish waits for it
	// before it reads the ledger; on the way out it must have ended.
	defer func() { _ = folded.waitIngest() }()
	published := false
	defer func() {
		if !published {
			dups.table.Discard()
		}
	}()
	final, err := rc.restate(ctx, plans, folded.changed)
	if err != nil {
		return nil, err
	}
	if final != nil {
		concl = rc.combine(checked, final)
	}
	ver := rc.versionName(folded)
	published = true
	concl.Metrics = append(concl.Metrics, dups.metrics()...)
	t0 = time.Now()
	pv, err := rc.publish(ctx, plans, ovlog, concl, folded, dups, ver, tmpDir)
	if err != nil {
		return nil, err
	}
	ver, m, mb, msha, metrics := pv.ver, pv.m, pv.mb, pv.msha, pv.metrics
	prefix := version.Prefix(rc.ds.Name, ver)
	s := &Sealed{Manifest: m, ManifestBytes: mb, Prefix: prefix, Output: rc.opts.Output, RunID: rc.runID, Policy: rc.opts.Policy,
		Metrics: metrics, Outputs: Outputs{
			Manifest:   rc.opts.Output.URI(prefix + version.Manifest),
			Findings:   rc.opts.Output.URI(prefix + version.Findings),
			Metrics:    rc.opts.Output.URI(prefix + version.Metrics),
			Duplicates: rc.opts.Output.URI(prefix + version.Duplicates),
		}}
	if s.LedgerLeaf, err = rc.recordSeal(ctx, m, msha, folded.leaves); err != nil {
		return nil, err
	}
	rc.log.Debug("seal: metrics, manifest and ledger seal written", "took", time.Since(t0), "seal_cpu", processCPU()-cpu0)
	return s, nil
}

// dupsAndFold runs the duplicates pass and pass 1. Pass 1 depends on the
// duplicates only when quality.duplicates.action acts on them (then the
// duplicates pass reads every segment first); otherwise the two passes
// (each with a serial part: the duplicates sort, the ledger ingestion) run
// at the same time, which shortens the serial tail of a run on more than
// one core, and pass 1's read of the segments serves both (dupFeed). Each
// pass is deterministic on its own, so the results do not depend on it.
func (rc *runCtx) dupsAndFold(ctx context.Context, plans []objectPlan, ov *overrides, ovlog *overrideLog,
	near []stages.NearDupCluster, tmpDir string) (*dupResult, *foldedRecords, error) {
	action := rc.opts.Policy.Quality.Duplicates.Action
	if action != "" && action != schemas.DupActionNone {
		dups, err := rc.findDuplicates(ctx, plans, ov, near, nearIndex(near), tmpDir, nil)
		if err != nil {
			return nil, nil, err
		}
		ov.dups = dups.act
		switch action {
		case schemas.DupActionQuarantine:
			ov.dupVerdict = schemas.Quarantine
		case schemas.DupActionReject:
			ov.dupVerdict = schemas.Reject
		}
		folded, err := rc.foldRecords(ctx, ctx, plans, ov, ovlog, tmpDir, nil)
		if err != nil {
			dups.table.Discard()
			return nil, nil, err
		}
		return dups, folded, nil
	}
	outer := ctx // the ledger ingestion may outlive this function
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var dups *dupResult
	var dupErr error
	// Pass 1 reads each segment's records once for both passes: it gathers
	// the duplicate candidates and hands them over in plan order.
	feed := &dupFeed{nearAt: nearIndex(near), out: make(chan objHits, 2)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if dupErr != nil {
				cancel() // pass 1 may wait to hand candidates over
			}
		}()
		defer recovered(&dupErr, "sealing dataset "+rc.ds.Name+": finding duplicates")
		t0 := time.Now()
		if dups, dupErr = rc.findDuplicates(ctx, plans, ov, near, feed.nearAt, tmpDir, feed.out); dupErr == nil {
			rc.log.Debug("seal: duplicates found", "took", time.Since(t0))
		}
	}()
	folded, err := rc.foldRecords(ctx, outer, plans, ov, ovlog, tmpDir, feed)
	if err != nil {
		cancel()
	}
	<-done
	if dupErr == nil && err != nil {
		dups.table.Discard()
	}
	if dupErr != nil && err != nil && errors.Is(dupErr, context.Canceled) && !errors.Is(err, context.Canceled) {
		// pass 1 failed first: the duplicates pass saw the cancellation
		// that caused
		return nil, nil, err
	}
	if dupErr != nil {
		if err == nil {
			_ = folded.waitIngest()
		}
		// the first cause, not the cancellation it caused in pass 1
		return nil, nil, dupErr
	}
	if err != nil {
		return nil, nil, err
	}
	return dups, folded, nil
}

// sealTempDir creates seal's scratch directory under the work directory.
func (rc *runCtx) sealTempDir() (string, error) {
	work := rc.opts.Config.Work
	dir, err := os.MkdirTemp(work, ".seal-*")
	if err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", fmt.Errorf("creating work directory: %w", err)
	}
	if dir, err = os.MkdirTemp(work, ".seal-*"); err != nil {
		return "", fmt.Errorf("creating seal temp directory: %w", err)
	}
	return dir, nil
}

// versionName is the dataset's configured version, else the first 16 hex
// digits of sha256(digest, NUL, policy digest, NUL, inputs digest), the
// inputs digest covering what the version holds besides the admitted
// records, by content: every input object (key, sha256, size, format,
// source, counts; not the record root, which holds subject keys of the
// ledger's secret), the total counts, the source registry, the
// intended use and a pinned evaluation time. Identical content gives an
// identical version wherever the corpus lives; a run that admits the same
// records from other inputs (an added object whose records are all
// rejected) seals another version instead of overwriting the published
// files of one a certificate covers.
func (rc *runCtx) versionName(f *foldedRecords) string {
	if rc.ds.Version != "" {
		return rc.ds.Version
	}
	type input struct {
		Key, SHA256, Format, Source string
		Size                        int64
		Counts                      schemas.Counts
	}
	ins := make([]input, len(f.inputs))
	for i, in := range f.inputs {
		ins[i] = input{in.Key, in.SHA256, in.Format, in.Source, in.Size, in.Counts}
	}
	b, _ := json.Marshal(struct {
		Inputs  []input
		Total   schemas.Counts
		Sources *schemas.SourceRegistry
		Use     string
		AsOf    string
	}{ins, f.total, rc.opts.Sources, rc.ds.Use, pinnedTime(rc.opts)})
	in := sha256.Sum256(b)
	h := sha256.Sum256([]byte(f.digest.String() + "\x00" + rc.policyDigest() + "\x00" + hex.EncodeToString(in[:])))
	return hex.EncodeToString(h[:])[:16]
}

// recordSeal records the sealed version in the ledger (the last step of
// seal) and returns its entry's leaf; 0 without a ledger.
func (rc *runCtx) recordSeal(ctx context.Context, m *schemas.Manifest, manifestSHA256 string, objectLeaves []uint64) (uint64, error) {
	if rc.opts.Recorder == nil {
		return 0, nil
	}
	var srcs []string
	for _, sr := range m.Sources {
		srcs = append(srcs, sr.ID)
	}
	leaf, err := rc.opts.Recorder.Seal(ctx, SealDetails{Dataset: rc.ds.Name, Version: m.Version, Digest: m.Digest,
		ManifestSHA256: manifestSHA256, PolicyID: rc.opts.Policy.ID, PolicyDigest: m.Policy.Digest, RunID: rc.runID,
		Supersedes: m.Supersedes, Counts: m.Counts, ObjectLeaves: objectLeaves, Sources: srcs})
	if err != nil {
		return 0, fmt.Errorf("sealing dataset %s: recording the version in the ledger: %w", rc.ds.Name, err)
	}
	return leaf, nil
}
