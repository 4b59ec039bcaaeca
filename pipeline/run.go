package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// Options configure a run. Config, Policy, Sources, Input, Output and
// Stages are required; the rest have defaults.
type Options struct {
	Config  *schemas.Config
	Policy  *schemas.Policy
	Sources *schemas.SourceRegistry
	Input   objstore.Store
	Output  objstore.Store
	// Shared, if set, is where shard runs publish their segments and where
	// seal fetches those it lacks locally (Config.SharedWork).
	Shared objstore.Store
	// Recorder records the run in the ledger; nil runs without one (tests,
	// dry runs).
	Recorder Recorder
	// Stages builds the stages for one dataset, in run order.
	Stages func(ctx context.Context, env stages.Env) ([]stages.Stage, error)
	// Dataset restricts the run to one dataset ("" = all).
	Dataset string
	// Workers is the number of objects read at once (0 = Config.Workers,
	// then the number of CPUs).
	Workers int
	// Shard restricts the run to part of the objects; with N > 1 the run
	// stops after writing segments and `prov seal` finishes the version.
	Shard Shard
	// Progress, if set, is told how many input bytes were read.
	Progress func(bytes int64)
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// SealOnly skips reading: it seals from the segments that shard runs
	// wrote, failing with ErrMissingShard if any object has none (`prov seal`).
	SealOnly bool
	// Hooks run after a version is sealed (e.g. certificate issuance).
	AfterSeal []func(ctx context.Context, v *Sealed) error
	// Now is the evaluation time every time-dependent decision takes
	// (`prov run --as-of`). Zero: Config.EvaluationTime, else the run's
	// start. The manifest states it.
	Now time.Time
	// Clock is the wall clock whose reading at the run's start is the
	// default evaluation time (tests inject one). Default time.Now.
	Clock func() time.Time
	// pinned is set when Now was given (flag or config), not defaulted:
	// segments of an earlier run are then reused only under the same time.
	pinned bool
}

// Result is what a run produced, one entry per dataset.
type Result struct {
	RunID    string          `json:"run_id"`
	Datasets []DatasetResult `json:"datasets"`
}

// DatasetResult summarises one dataset version (the JSON of `prov run -o json`).
type DatasetResult struct {
	Name    string         `json:"name"`
	Version string         `json:"version"`
	Digest  string         `json:"digest"`
	Counts  schemas.Counts `json:"counts"`
	Outputs Outputs        `json:"outputs"`
	// Failed lists the rule lines that failed a policy gate.
	Failed []schemas.RuleResult `json:"failed_gates,omitempty"`
	// Resumed counts objects whose segment from an earlier run was reused.
	Resumed int `json:"resumed_objects"`
	Objects int `json:"objects"`
	// Shard is set for a shard run, which writes segments but seals nothing.
	Shard string `json:"shard,omitempty"`
}

// Outputs are the URIs of the files of a dataset version.
type Outputs struct {
	Manifest    string `json:"manifest,omitempty"`
	Findings    string `json:"findings,omitempty"`
	Metrics     string `json:"metrics,omitempty"`
	Duplicates  string `json:"duplicates,omitempty"`
	Certificate string `json:"certificate,omitempty"`
}

func (o *Options) valid() error {
	switch {
	case o.Config == nil:
		return errors.New("pipeline options: Config is nil")
	case o.Policy == nil:
		return errors.New("pipeline options: Policy is nil")
	case o.Sources == nil:
		return errors.New("pipeline options: Sources is nil")
	case o.Input == nil || o.Output == nil:
		return errors.New("pipeline options: Input and Output stores are required")
	case o.Stages == nil:
		return errors.New("pipeline options: Stages is nil")
	case o.Workers < 0:
		return errors.New("pipeline options: Workers must not be negative")
	}
	return nil
}

// WorkerCount is the number of workers a run with these options uses:
// Workers, else Config.Workers, else the number of CPUs.
func (o Options) WorkerCount() int {
	switch {
	case o.Workers > 0:
		return o.Workers
	case o.Config.Workers > 0:
		return o.Config.Workers
	}
	return runtime.NumCPU()
}

// Run checks every configured dataset (or opts.Dataset) and seals a version
// of each. A run that finished but failed a policy gate returns its Result
// and an error wrapping ErrGate.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.valid(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.Workers = opts.WorkerCount()
	if opts.Recorder != nil && opts.Config.Work != "" {
		sweepWork(opts.Config.Work, opts.Logger)
	}
	switch {
	case !opts.Now.IsZero():
		opts.pinned = true
	case !opts.Config.EvaluationTime.IsZero():
		opts.Now, opts.pinned = opts.Config.EvaluationTime.Time, true
	case opts.Clock != nil:
		opts.Now = opts.Clock()
	default:
		opts.Now = time.Now()
	}
	opts.Now = opts.Now.UTC().Truncate(time.Second)
	res := &Result{RunID: newRunID()}
	ops := newOpsMetrics()
	defer func() {
		grouping := map[string]string{"selection": "all", "shard": "all"}
		if opts.Dataset != "" {
			grouping["selection"] = opts.Dataset
		}
		if opts.Shard.N > 1 {
			grouping["shard"] = fmt.Sprintf("%d-of-%d", opts.Shard.I, opts.Shard.N)
		}
		if opts.SealOnly {
			grouping["shard"] = "seal"
		}
		if err := ops.publish(context.WithoutCancel(ctx), opts.Config.Metrics, "prov", grouping); err != nil {
			opts.Logger.Warn("publishing run metrics", "err", err)
		}
	}()
	var gateErr error
	found := false
	for i := range opts.Config.Datasets {
		ds := &opts.Config.Datasets[i]
		if opts.Dataset != "" && ds.Name != opts.Dataset {
			continue
		}
		found = true
		start := time.Now()
		dr, err := runDataset(ctx, &opts, res.RunID, ds, ops)
		ops.duration.WithLabelValues(ds.Name).Set(time.Since(start).Seconds())
		if dr != nil && dr.Shard == "" && (err == nil || errors.Is(err, ErrGate)) {
			ops.lastOK.WithLabelValues(ds.Name).SetToCurrentTime()
			ops.gateFails.WithLabelValues(ds.Name).Set(float64(len(dr.Failed)))
		}
		if dr != nil {
			res.Datasets = append(res.Datasets, *dr)
		}
		if errors.Is(err, ErrGate) {
			gateErr = errors.Join(gateErr, err)
			continue
		}
		if err != nil {
			return res, err
		}
	}
	if !found {
		return nil, fmt.Errorf("running dataset %q: %w", opts.Dataset, ErrNoDataset)
	}
	return res, gateErr
}

// runCtx is the state of one dataset's run.
type runCtx struct {
	opts        *Options
	runID       string
	ds          *schemas.DatasetConfig
	stages      []stages.Stage
	fingerprint string
	// segKey authenticates segments (see segment.go): derived from the
	// ledger's subject-key secret, so runs and shard pods of one ledger
	// share it.
	segKey []byte
	// subjectKey is the keyed hash of data-subject identifiers (Env).
	subjectKey func(kind, value string) string
	segDir     string
	log        *slog.Logger
	ops        *opsMetrics
	// merger is processAll's state merger, still folding the last objects'
	// states when processAll returns: seal verifies the segments
	// meanwhile, then takes the states merged in plan order from it (nil
	// when it could not merge them all: seal then loads them from the
	// segments' trailer files).
	merger *stateMerger
}

func runDataset(ctx context.Context, opts *Options, runID string, ds *schemas.DatasetConfig, ops *opsMetrics) (*DatasetResult, error) {
	log := opts.Logger.With("run_id", runID, "dataset", ds.Name)
	if opts.Shard.N > 1 {
		log = log.With("shard", opts.Shard.String())
	}
	rc, err := prepare(ctx, opts, runID, ds, log)
	if err != nil {
		return nil, err
	}
	rc.ops = ops
	objs, err := plan(ctx, opts.Input, ds, opts.Sources)
	if err != nil {
		return nil, fmt.Errorf("planning dataset %s: %w", ds.Name, err)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("planning dataset %s: %w under %s", ds.Name, ErrNoObjects, opts.Input.URI(""))
	}
	if opts.Recorder != nil && !opts.SealOnly {
		if err := opts.Recorder.RunStarted(ctx, RunDetails{RunID: runID, Dataset: ds.Name, PolicyID: opts.Policy.ID,
			PolicyDigest: rc.policyDigest(), Fingerprint: rc.fingerprint, Shard: opts.Shard.String(), Workers: opts.Workers}); err != nil {
			return nil, fmt.Errorf("recording run start: %w", err)
		}
	}
	mine := objs[:0:0]
	for _, p := range objs {
		if opts.Shard.Has(p.obj.Key) {
			mine = append(mine, p)
		}
	}
	log.Info("planned", "objects", len(objs), "shard_objects", len(mine), "workers", opts.Workers)
	resumed := 0
	if !opts.SealOnly {
		if resumed, err = rc.processAll(ctx, mine); err != nil {
			return nil, err
		}
	}
	if opts.Shard.N > 1 && !opts.SealOnly {
		if err := rc.writeShardMarker(mine); err != nil {
			return nil, err
		}
		return &DatasetResult{Name: ds.Name, Shard: opts.Shard.String(), Objects: len(mine), Resumed: resumed}, nil
	}
	sealed, err := rc.seal(ctx, objs)
	if err != nil {
		return nil, err
	}
	dr := sealed.result()
	dr.Resumed = resumed
	if opts.Recorder != nil {
		if err := opts.Recorder.RunFinished(ctx, RunDetails{RunID: runID, Dataset: ds.Name, Counts: dr.Counts,
			Version: dr.Version, Digest: dr.Digest}); err != nil {
			return nil, fmt.Errorf("recording run end: %w", err)
		}
	}
	for _, h := range opts.AfterSeal {
		if err := h(ctx, sealed); err != nil {
			return &dr, err
		}
	}
	dr.Outputs.Certificate = sealed.Certificate
	log.Info("sealed", "version", dr.Version, "digest", dr.Digest, "in", dr.Counts.In, "admit", dr.Counts.Admit,
		"redact", dr.Counts.Redact, "quarantine", dr.Counts.Quarantine, "reject", dr.Counts.Reject)
	if len(dr.Failed) > 0 {
		ids := make([]string, 0, len(dr.Failed))
		for _, r := range dr.Failed {
			ids = append(ids, r.RuleID)
		}
		return &dr, fmt.Errorf("dataset %s@%s: %w: %v", ds.Name, dr.Version, ErrGate, ids)
	}
	return &dr, nil
}

// prepare builds the stages and the fingerprint that decides whether an
// earlier segment of an object can be reused.
func prepare(ctx context.Context, opts *Options, runID string, ds *schemas.DatasetConfig, log *slog.Logger) (*runCtx, error) {
	var mu sync.Mutex
	var aux []string
	env := stages.Env{
		Policy:  opts.Policy,
		Sources: opts.Sources,
		Dataset: ds,
		Open: func(ctx context.Context, key string) (io.ReadCloser, error) {
			obj, err := opts.Input.Stat(ctx, key)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			aux = append(aux, obj.Key+"\x00"+obj.ETag+"\x00"+obj.VersionID)
			mu.Unlock()
			return opts.Input.Get(ctx, key, objstore.GetOptions{IfMatch: obj.ETag})
		},
		List: func(ctx context.Context, prefix string) ([]string, error) {
			var keys []string
			for obj, err := range opts.Input.List(ctx, prefix) {
				if err != nil {
					return nil, err
				}
				keys = append(keys, obj.Key)
				mu.Lock()
				aux = append(aux, obj.Key+"\x00"+obj.ETag+"\x00"+obj.VersionID)
				mu.Unlock()
			}
			return keys, nil
		},
		SubjectKey: subjectKeyFunc(opts.Recorder),
		Now:        opts.Now,
	}
	sts, err := opts.Stages(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("building stages for dataset %s: %w", ds.Name, err)
	}
	sort.Strings(aux)
	pd, err := opts.Policy.Digest()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(sts))
	for i, s := range sts {
		names[i] = s.Name()
	}
	fp := struct {
		Format  string
		Policy  string
		Sources *schemas.SourceRegistry
		Fields  map[string]schemas.FieldSpec
		Shape   string
		Ann     *schemas.AnnotationMap
		Inputs  []schemas.InputConfig
		Use     string
		AsOf    string
		Stages  []string
		Aux     []string
		Secret  string
	}{segmentFormat, pd.String(), opts.Sources, ds.Fields, ds.Shape, ds.Annotation, ds.Inputs, ds.Use, pinnedTime(opts), names, aux, env.SubjectKey("fingerprint", "")}
	b, err := json.Marshal(fp)
	if err != nil {
		return nil, fmt.Errorf("encoding run fingerprint: %w", err)
	}
	sum := sha256.Sum256(b)
	return &runCtx{
		opts: opts, runID: runID, ds: ds, stages: sts, log: log,
		fingerprint: hex.EncodeToString(sum[:]),
		segKey:      []byte(env.SubjectKey("segment_mac", segmentFormat)),
		subjectKey:  env.SubjectKey,
		segDir:      segmentDir(opts.Config.Work, ds.Name),
	}, nil
}

// pinnedTime is the evaluation time when it was pinned ("" otherwise: an
// unpinned run reuses the segments of an interrupted one).
func pinnedTime(opts *Options) string {
	if !opts.pinned {
		return ""
	}
	return opts.Now.Format(time.RFC3339)
}

func (rc *runCtx) policyDigest() string {
	d, _ := rc.opts.Policy.Digest()
	return "sha256:" + d.String()
}

// processAll reads every planned object with a pool of workers, reusing
// complete segments from earlier runs. It returns how many were reused.
// On a run that seals (not a shard run), the stage states are merged while
// the workers go on (stateMerger), so seal need not decode and merge them
// after the last object.
func (rc *runCtx) processAll(ctx context.Context, objs []planned) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		idx int
		p   planned
	}
	work := make(chan job)
	var sm *stateMerger
	if rc.opts.Shard.N <= 1 {
		sm = newStateMerger(rc, len(objs))
	}
	var resumed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for w := 0; w < rc.opts.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				reused, t, err := rc.processObjectSafe(ctx, j.p)
				if err != nil {
					rc.ops.objects.WithLabelValues(rc.ds.Name, "failed").Inc()
					errOnce.Do(func() { firstErr = err; cancel() })
					continue
				}
				if reused {
					rc.ops.objects.WithLabelValues(rc.ds.Name, "reused").Inc()
					resumed.Add(1)
				}
				sm.add(j.idx, rc.segmentPath(j.p), t)
			}
		}()
	}
feed:
	for i, p := range objs {
		select {
		case work <- job{i, p}:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		sm.wait()
		return 0, firstErr
	}
	if err := ctx.Err(); err != nil {
		sm.wait()
		return 0, fmt.Errorf("running dataset %s: %w", rc.ds.Name, err)
	}
	rc.merger = sm // seal waits for it (mergeSegments)
	return int(resumed.Load()), nil
}

// processObjectSafe is processObject with a panic (a bug in a stage or a
// reader library) turned into an error naming the object, so it fails the
// run like any error (exit 1) instead of crashing the process.
func (rc *runCtx) processObjectSafe(ctx context.Context, p planned) (reused bool, t *segTrailer, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("checking %s: internal error (a bug): %v\n%s", rc.uriOf(p), r, debug.Stack())
		}
		// store and reader errors may name the object by its real key
		err = rc.maskKey(p.obj.Key).wrap(err)
	}()
	return rc.processObject(ctx, p)
}

func newRunID() string {
	var b [6]byte
	_, _ = io.ReadFull(randReader, b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}
