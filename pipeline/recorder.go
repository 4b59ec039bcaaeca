package pipeline

import (
	"context"
	"fmt"
	"sort"

	"github.com/prov-ai/prov/lineage"
)

// ledgerRecorder is the Recorder over the lineage ledger.
type ledgerRecorder struct {
	l *lineage.Ledger
}

// NewRecorder returns the Recorder of an open lineage ledger; nil gives a
// nil Recorder (a run without a ledger).
func NewRecorder(l *lineage.Ledger) Recorder {
	if l == nil {
		return nil
	}
	return &ledgerRecorder{l}
}

func (a *ledgerRecorder) SubjectKey(kind, value string) string { return a.l.SubjectKey(kind, value) }

func (a *ledgerRecorder) RunStarted(ctx context.Context, r RunDetails) error {
	_, _, err := a.l.Append(ctx, lineage.RunStarted{RunID: r.RunID, Datasets: []string{r.Dataset},
		PolicyID: r.PolicyID, PolicyDigest: r.PolicyDigest, ConfigDigest: r.Fingerprint, Shard: r.Shard})
	return err
}

func (a *ledgerRecorder) RunFinished(ctx context.Context, r RunDetails) error {
	_, _, err := a.l.Append(ctx, lineage.RunFinished{RunID: r.RunID, Status: "ok", Counts: r.Counts})
	return err
}

func (a *ledgerRecorder) IngestObject(ctx context.Context, o ObjectDetails, recs *lineage.PreparedRecords) (uint64, error) {
	srcSet := map[string]bool{}
	if o.Object.Source != "" {
		srcSet[o.Object.Source] = true
	}
	var srcs []string
	for s := range srcSet {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	leaf, _, err := a.l.IngestPrepared(ctx, lineage.ObjectIngested{
		Dataset: o.Dataset, URI: o.Object.URI, VersionID: o.Object.VersionID, ETag: o.Object.ETag,
		SHA256: o.Object.SHA256, Size: o.Object.Size, Sources: srcs, PolicyDigest: o.PolicyDigest, RunID: o.RunID,
	}, recs)
	return leaf, err
}

// Revocations scans the ledger's revocation and withdrawal entries.
func (a *ledgerRecorder) Revocations(ctx context.Context) (*Revocations, error) {
	r := &Revocations{Subjects: map[string]string{}, Sources: map[string]string{}, Objects: map[string]string{}}
	size := a.l.Size()
	for i := uint64(0); i < size; i++ {
		st, _, err := a.l.Entry(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("reading ledger entry %d: %w", i, err)
		}
		switch e := st.Entry.(type) {
		case lineage.ConsentWithdrawn:
			r.Subjects[e.Subject] = e.Reason
		case lineage.SourceRevoked:
			r.Sources[e.Source] = e.Reason
		case lineage.ObjectRevoked:
			r.Objects[e.URI] = e.Reason
		}
	}
	return r, nil
}

func (a *ledgerRecorder) VersionBefore(ctx context.Context, dataset, version string) (string, error) {
	return a.l.VersionBefore(ctx, dataset, version)
}

func (a *ledgerRecorder) SealedManifest(ctx context.Context, dataset, version string) (string, error) {
	return a.l.SealedManifest(ctx, dataset, version)
}

func (a *ledgerRecorder) Seal(ctx context.Context, s SealDetails) (uint64, error) {
	leaves := append([]uint64(nil), s.ObjectLeaves...)
	sort.Slice(leaves, func(i, j int) bool { return leaves[i] < leaves[j] })
	leaves = dedupU64(leaves)
	srcs := append([]string(nil), s.Sources...)
	sort.Strings(srcs)
	leaf, _, err := a.l.Append(ctx, lineage.DatasetSealed{Dataset: s.Dataset, Version: s.Version, Digest: trimSHA(s.Digest),
		ManifestSHA256: s.ManifestSHA256, Counts: s.Counts, Objects: leaves, Sources: srcs, RunIDs: []string{s.RunID},
		PolicyID: s.PolicyID, PolicyDigest: trimSHA(s.PolicyDigest), Supersedes: s.Supersedes})
	if err != nil {
		return 0, err
	}
	if _, err := a.l.Checkpoint(ctx); err != nil {
		return 0, fmt.Errorf("publishing checkpoint: %w", err)
	}
	return leaf, nil
}

func dedupU64(s []uint64) []uint64 {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func trimSHA(s string) string {
	if len(s) > 7 && s[:7] == "sha256:" {
		return s[7:]
	}
	return s
}
