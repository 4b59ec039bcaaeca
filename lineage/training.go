package lineage

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"

	"github.com/prov-ai/prov/schemas/openlineage"
)

// Downstream training lineage: TrainingEvent entries link prov dataset
// versions to the runs of downstream jobs (OpenLineage RunEvents) and the
// models they wrote. A run's events may arrive in any order and some of
// them may name no input: the run is the union of its events, its state
// the terminal state (COMPLETE, FAIL, ABORT) of its latest terminal event
// by event time, else the state of its latest event.

// ConsumedInput is a prov dataset version a training run consumed.
// Resolved: the version is sealed in the ledger (at the view's size);
// an unresolved input names a version the ledger does not hold (yet).
type ConsumedInput struct {
	ConsumedVersion
	Resolved   bool    `json:"resolved"`
	SealedLeaf *uint64 `json:"sealed_leaf,omitempty"`
}

// TrainingRun is a downstream run as its recorded events describe it.
type TrainingRun struct {
	JobNamespace string          `json:"job_namespace"`
	JobName      string          `json:"job_name"`
	RunID        string          `json:"run_id"`
	State        string          `json:"state"`
	Producer     string          `json:"producer"`
	StartedAt    string          `json:"started_at,omitempty"`
	EndedAt      string          `json:"ended_at,omitempty"`
	EventLeaves  []uint64        `json:"event_leaves"`
	Inputs       []ConsumedInput `json:"inputs"`
	Outputs      []DatasetName   `json:"outputs"`
}

// Unresolved lists the inputs of the run the ledger does not hold.
func (r *TrainingRun) Unresolved() []ConsumedVersion {
	var out []ConsumedVersion
	for _, in := range r.Inputs {
		if !in.Resolved {
			out = append(out, in.ConsumedVersion)
		}
	}
	return out
}

func terminal(state string) bool {
	return state == openlineage.Complete || state == openlineage.Fail || state == openlineage.Abort
}

// sealLeaf returns the leaf sealing dataset@version below size.
func sealLeaf(txn *badger.Txn, dataset, version string, size uint64) (uint64, bool, error) {
	v, err := getVal(txn, append([]byte{pKey}, keyID(nk("sealed", dataset, version))...))
	if errors.Is(err, ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if len(v) != 8 {
		return 0, false, fmt.Errorf("reading natural key of %s@%s: %w", dataset, version, ErrTampered)
	}
	leaf := binary.BigEndian.Uint64(v)
	return leaf, leaf < size, nil
}

// trainingRun builds one run from its events below the view's size.
func (v *View) trainingRun(txn *badger.Txn, c *entryCache, runID string) (*TrainingRun, error) {
	r := &TrainingRun{RunID: runID, EventLeaves: []uint64{}, Inputs: []ConsumedInput{}, Outputs: []DatasetName{}}
	var ins []ConsumedVersion
	var latest, latestTerminal, started time.Time
	err := scanLeaves(txn, strPrefix(pTrainRun, runID), v.size, func(_ []byte, leaf uint64) error {
		s, err := c.get(leaf)
		if err != nil {
			return err
		}
		e, ok := s.Entry.(TrainingEvent)
		if !ok || e.RunID != runID {
			return fmt.Errorf("%w: training run index points at entry %d (%s)", ErrTampered, leaf, s.Entry.Kind())
		}
		r.EventLeaves = append(r.EventLeaves, leaf)
		if r.JobName == "" {
			r.JobNamespace, r.JobName = e.JobNamespace, e.JobName
		}
		t, _ := time.Parse(time.RFC3339Nano, e.EventTime) // check() made sure it parses
		if !t.Before(latest) {
			latest, r.Producer = t, e.Producer
			if latestTerminal.IsZero() {
				r.State = e.EventType
			}
		}
		if terminal(e.EventType) && !t.Before(latestTerminal) {
			latestTerminal, r.State, r.EndedAt = t, e.EventType, e.EventTime
		}
		if e.EventType == openlineage.Start && (started.IsZero() || t.Before(started)) {
			started, r.StartedAt = t, e.EventTime
		}
		ins = append(ins, e.Inputs...)
		r.Outputs = append(r.Outputs, e.Outputs...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ins, compareConsumed)
	ins = slices.Compact(ins)
	for _, in := range ins {
		ci := ConsumedInput{ConsumedVersion: in}
		leaf, ok, err := sealLeaf(txn, in.Dataset, in.Version, v.size)
		if err != nil {
			return nil, err
		}
		if ok {
			ci.Resolved, ci.SealedLeaf = true, &leaf
		}
		r.Inputs = append(r.Inputs, ci)
	}
	slices.SortFunc(r.Outputs, compareNames)
	r.Outputs = slices.Compact(r.Outputs)
	return r, nil
}

// trainingRunsOf returns the runs that consumed any of the versions
// ("dataset@version"), ordered by their first event's leaf.
func (v *View) trainingRunsOf(txn *badger.Txn, c *entryCache, versions []string) ([]TrainingRun, error) {
	type first struct {
		id   string
		leaf uint64
	}
	seen := map[string]bool{}
	var ids []first
	for _, ver := range versions {
		if err := scanLeaves(txn, strPrefix(pTrainVer, ver), v.size, func(_ []byte, leaf uint64) error {
			s, err := c.get(leaf)
			if err != nil {
				return err
			}
			e, ok := s.Entry.(TrainingEvent)
			if !ok {
				return fmt.Errorf("%w: training version index points at entry %d (%s)", ErrTampered, leaf, s.Entry.Kind())
			}
			if !seen[e.RunID] {
				seen[e.RunID] = true
				ids = append(ids, first{e.RunID, leaf})
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(ids, func(a, b first) int { return cmp.Compare(a.leaf, b.leaf) })
	out := []TrainingRun{}
	for _, f := range ids {
		r, err := v.trainingRun(txn, c, f.id)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// TrainingRuns lists the downstream runs that consumed a dataset version,
// with their state, inputs and outputs.
func (v *View) TrainingRuns(ctx context.Context, dataset, version string) ([]TrainingRun, error) {
	var out []TrainingRun
	err := v.l.db.View(func(txn *badger.Txn) (err error) {
		out, err = v.trainingRunsOf(txn, newCache(txn), []string{dataset + "@" + version})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("querying training runs of %s@%s: %w", dataset, version, err)
	}
	return out, nil
}

// ModelsOf lists the distinct outputs of runs, sorted.
func ModelsOf(runs []TrainingRun) []DatasetName {
	out := []DatasetName{}
	for _, r := range runs {
		out = append(out, r.Outputs...)
	}
	slices.SortFunc(out, compareNames)
	return slices.Compact(out)
}

func refNames(vs []VersionRef) []string {
	out := make([]string, len(vs))
	for i, vr := range vs {
		out[i] = vr.Dataset + "@" + vr.Version
	}
	return out
}

// ModelVersion is a dataset version behind a model: what it was sealed
// from and its certificate status.
type ModelVersion struct {
	Dataset  string `json:"dataset"`
	Version  string `json:"version"`
	Resolved bool   `json:"resolved"`
	// The fields below are set for a resolved version.
	Leaf        *uint64   `json:"sealed_leaf,omitempty"`
	Digest      string    `json:"digest,omitempty"`
	Objects     int       `json:"objects"`
	Sources     []string  `json:"sources"`
	Runs        []string  `json:"runs"`
	Certificate *CertInfo `json:"certificate"`
	// CertificateStatus is the latest certificate's status, "none" when
	// none was issued, "unresolved" when the ledger does not hold the
	// version.
	CertificateStatus string `json:"certificate_status"`
}

// ModelMark is a ModelAffected entry: the model was trained on versions a
// revocation or consent withdrawal (Cause) affected.
type ModelMark struct {
	Leaf      uint64   `json:"leaf"`
	Cause     uint64   `json:"cause"`
	CauseKind Kind     `json:"cause_kind"`
	Versions  []string `json:"versions"`
	Reason    string   `json:"reason,omitempty"`
	Namespace string   `json:"namespace"`
}

// ModelInfo answers Model: the runs that wrote a model and the chain
// behind it (dataset versions, their sources and certificate status).
type ModelInfo struct {
	Name      string         `json:"name"`
	Namespace string         `json:"namespace,omitempty"`
	Size      uint64         `json:"tree_size"`
	Outputs   []DatasetName  `json:"outputs"`
	Runs      []TrainingRun  `json:"training_runs"`
	Versions  []ModelVersion `json:"dataset_versions"`
	Marks     []ModelMark    `json:"affected_by"`
}

// Model describes the model (an output of downstream runs) named name,
// in namespace when it is not empty.
func (v *View) Model(ctx context.Context, name, namespace string) (*ModelInfo, error) {
	out := &ModelInfo{Name: name, Namespace: namespace, Size: v.size, Outputs: []DatasetName{},
		Runs: []TrainingRun{}, Versions: []ModelVersion{}, Marks: []ModelMark{}}
	err := v.l.db.View(func(txn *badger.Txn) error {
		c := newCache(txn)
		seen := map[string]bool{}
		var ids []string
		if err := scanLeaves(txn, strPrefix(pModel, name), v.size, func(_ []byte, leaf uint64) error {
			s, err := c.get(leaf)
			if err != nil {
				return err
			}
			switch e := s.Entry.(type) {
			case TrainingEvent:
				for _, o := range e.Outputs {
					if o.Name == name && (namespace == "" || o.Namespace == namespace) {
						out.Outputs = append(out.Outputs, o)
						if !seen[e.RunID] {
							seen[e.RunID] = true
							ids = append(ids, e.RunID)
						}
					}
				}
			case ModelAffected:
				if e.Name == name && (namespace == "" || e.Namespace == namespace) {
					cs, err := c.get(e.Cause)
					if err != nil {
						return err
					}
					out.Marks = append(out.Marks, ModelMark{Leaf: leaf, Cause: e.Cause, CauseKind: cs.Entry.Kind(),
						Versions: e.Versions, Reason: e.Reason, Namespace: e.Namespace})
				}
			default:
				return fmt.Errorf("%w: model index points at entry %d (%s)", ErrTampered, leaf, s.Entry.Kind())
			}
			return nil
		}); err != nil {
			return err
		}
		slices.SortFunc(out.Outputs, compareNames)
		out.Outputs = slices.Compact(out.Outputs)
		byVersion := map[string]*ModelVersion{}
		var order []string
		for _, id := range ids {
			r, err := v.trainingRun(txn, c, id)
			if err != nil {
				return err
			}
			out.Runs = append(out.Runs, *r)
			for _, in := range r.Inputs {
				k := in.Dataset + "@" + in.Version
				mv := byVersion[k]
				if mv == nil {
					mv = &ModelVersion{Dataset: in.Dataset, Version: in.Version, Resolved: in.Resolved,
						Leaf: in.SealedLeaf, Sources: []string{}, Runs: []string{}, CertificateStatus: "unresolved"}
					byVersion[k] = mv
					order = append(order, k)
				}
				if !slices.Contains(mv.Runs, r.RunID) {
					mv.Runs = append(mv.Runs, r.RunID)
				}
			}
		}
		slices.Sort(order)
		for _, k := range order {
			out.Versions = append(out.Versions, *byVersion[k])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("querying model %s: %w", name, err)
	}
	if len(out.Runs) == 0 && len(out.Marks) == 0 {
		return nil, fmt.Errorf("querying model %s: %w", name, ErrNotFound)
	}
	for i := range out.Versions {
		mv := &out.Versions[i]
		if !mv.Resolved {
			continue
		}
		info, err := v.Dataset(ctx, mv.Dataset, mv.Version)
		if err != nil {
			return nil, fmt.Errorf("querying model %s: %w", name, err)
		}
		vi := info.Versions[0]
		mv.Digest, mv.Objects, mv.Sources, mv.CertificateStatus = vi.Digest, vi.Objects, vi.Sources, "none"
		if n := len(vi.Certificates); n > 0 {
			ci := vi.Certificates[n-1]
			mv.Certificate, mv.CertificateStatus = &ci, ci.Status
		}
	}
	return out, nil
}

// Models lists the names of every output of a recorded training run,
// sorted.
func (v *View) Models(ctx context.Context) ([]string, error) {
	out := []string{}
	err := v.l.db.View(func(txn *badger.Txn) error {
		return scanLeaves(txn, []byte{pModel}, v.size, func(k []byte, _ uint64) error {
			if len(k) < 10 {
				return fmt.Errorf("%w: malformed model index key", ErrTampered)
			}
			name := string(k[1 : len(k)-9])
			if len(out) == 0 || out[len(out)-1] != name {
				out = append(out, name)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing models: %w", err)
	}
	return slices.Compact(out), nil
}

// sameEvent checks that an event whose natural key (job, run, type, time)
// is already at leaf is the same event.
func (l *Ledger) sameEvent(leaf uint64, e TrainingEvent) error {
	var old Stored
	err := l.db.View(func(txn *badger.Txn) (err error) {
		old, err = readEntry(txn, leaf)
		return err
	})
	if err != nil {
		return err
	}
	if o, ok := old.Entry.(TrainingEvent); ok && o.EventSHA256 != e.EventSHA256 {
		return fmt.Errorf("recording %s event of run %s at %s: %w: leaf %d holds a different event with the same job, run, state and time",
			e.EventType, e.RunID, e.EventTime, ErrConflict, leaf)
	}
	return nil
}

// IntakeResult says what RecordRunEvent did with an event.
type IntakeResult struct {
	// Recorded: the event is in the ledger (appended now, or before when
	// Duplicate).
	Recorded  bool    `json:"recorded"`
	Duplicate bool    `json:"duplicate"`
	Leaf      *uint64 `json:"leaf,omitempty"`
	RunID     string  `json:"run_id"`
	Job       string  `json:"job"`
	EventType string  `json:"event_type"`
	// Inputs are the prov versions the event names, resolved or not.
	Inputs     []ConsumedInput `json:"inputs"`
	Unresolved []string        `json:"unresolved"`
	Outputs    []DatasetName   `json:"outputs"`
	// Reason says why an event was not recorded.
	Reason string `json:"reason,omitempty"`
}

// RecordRunEvent records a validated OpenLineage RunEvent of a downstream
// job as a TrainingEvent when one of its inputs names a prov dataset
// version (names says how; see openlineage.Names) or when its run already
// has a recorded event (a COMPLETE event that lists only outputs).
// Other events are not recorded (Recorded false, Reason says why).
// Recording is idempotent: the same event again returns its leaf with
// Duplicate true; another event with the same job, run, state and time
// fails with ErrConflict. An input naming a version the ledger does not
// hold is recorded and reported in Unresolved.
func (l *Ledger) RecordRunEvent(ctx context.Context, ev *openlineage.RunEvent, names openlineage.Names) (*IntakeResult, error) {
	e := TrainingEvent{JobNamespace: ev.Job.Namespace, JobName: ev.Job.Name, RunID: ev.Run.RunID,
		EventType: ev.EventType, EventTime: ev.EventTime, Producer: ev.Producer, EventSHA256: ev.SHA256}
	for _, in := range ev.Inputs {
		if ds, ver, ok := names.Version(in); ok {
			e.Inputs = append(e.Inputs, ConsumedVersion{Dataset: ds, Version: ver, Namespace: in.Namespace, Name: in.Name})
		}
	}
	slices.SortFunc(e.Inputs, compareConsumed)
	e.Inputs = slices.Compact(e.Inputs)
	for _, o := range ev.Outputs {
		e.Outputs = append(e.Outputs, DatasetName{Namespace: o.Namespace, Name: o.Name})
	}
	slices.SortFunc(e.Outputs, compareNames)
	e.Outputs = slices.Compact(e.Outputs)
	res := &IntakeResult{RunID: e.RunID, Job: e.JobNamespace + "/" + e.JobName, EventType: e.EventType,
		Inputs: []ConsumedInput{}, Unresolved: []string{}, Outputs: nonNil(e.Outputs)}
	if len(e.Inputs) == 0 {
		known := false
		err := l.db.View(func(txn *badger.Txn) error {
			return scanLeaves(txn, strPrefix(pTrainRun, e.RunID), l.Size(), func(_ []byte, _ uint64) error {
				known = true
				return nil
			})
		})
		if err != nil {
			return nil, fmt.Errorf("recording run event %s: %w", e.RunID, err)
		}
		if !known {
			res.Reason = "no input names a prov dataset version (namespace \"prov\" with DATASET@VERSION, or the output store's namespace and DATASET/VERSION path) and run " + e.RunID + " has no recorded event"
			return res, nil
		}
	}
	leaf, appended, err := l.Append(ctx, e)
	if err != nil {
		return nil, fmt.Errorf("recording %s event of run %s: %w", e.EventType, e.RunID, err)
	}
	res.Recorded, res.Duplicate, res.Leaf = true, !appended, &leaf
	err = l.db.View(func(txn *badger.Txn) error {
		for _, in := range e.Inputs {
			ci := ConsumedInput{ConsumedVersion: in}
			sl, ok, err := sealLeaf(txn, in.Dataset, in.Version, l.Size())
			if err != nil {
				return err
			}
			if ok {
				ci.Resolved, ci.SealedLeaf = true, &sl
			} else {
				res.Unresolved = append(res.Unresolved, in.Dataset+"@"+in.Version)
			}
			res.Inputs = append(res.Inputs, ci)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("resolving inputs of run %s: %w", e.RunID, err)
	}
	res.Unresolved = slices.Compact(res.Unresolved)
	return res, nil
}

// AffectedModel is a model a revocation reached: trained by Runs on the
// affected Versions; Leaf is its ModelAffected entry.
type AffectedModel struct {
	Namespace string   `json:"namespace"`
	Name      string   `json:"name"`
	Leaf      uint64   `json:"leaf"`
	Versions  []string `json:"versions"`
	Runs      []string `json:"runs"`
}

// markModels appends a ModelAffected entry for every output of a training
// run that consumed one of vers, caused by the entry at cause.
func (l *Ledger) markModels(ctx context.Context, v *View, cause uint64, reason string, vers []VersionRef) ([]AffectedModel, error) {
	out := []AffectedModel{}
	if len(vers) == 0 {
		return out, nil
	}
	affected := map[string]bool{}
	for _, n := range refNames(vers) {
		affected[n] = true
	}
	var runs []TrainingRun
	err := l.db.View(func(txn *badger.Txn) (err error) {
		runs, err = v.trainingRunsOf(txn, newCache(txn), refNames(vers))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("finding models trained on the affected versions: %w", err)
	}
	byModel := map[DatasetName]*ModelAffected{}
	var order []DatasetName
	for _, r := range runs {
		for _, o := range r.Outputs {
			m := byModel[o]
			if m == nil {
				m = &ModelAffected{Namespace: o.Namespace, Name: o.Name, Cause: cause, Reason: reason}
				byModel[o] = m
				order = append(order, o)
			}
			m.Runs = append(m.Runs, r.RunID)
			for _, in := range r.Inputs {
				if k := in.Dataset + "@" + in.Version; affected[k] {
					m.Versions = append(m.Versions, k)
				}
			}
		}
	}
	slices.SortFunc(order, compareNames)
	for _, o := range order {
		m := byModel[o]
		slices.Sort(m.Runs)
		slices.Sort(m.Versions)
		m.Runs, m.Versions = slices.Compact(m.Runs), slices.Compact(m.Versions)
		leaf, _, err := l.Append(ctx, *m)
		if err != nil {
			return nil, fmt.Errorf("marking model %s: %w", strings.TrimPrefix(o.Namespace+"/"+o.Name, "/"), err)
		}
		out = append(out, AffectedModel{Namespace: m.Namespace, Name: m.Name, Leaf: leaf, Versions: m.Versions, Runs: m.Runs})
	}
	return out, nil
}
