package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/version"
)

// The publish step of seal: duplicates, findings, metrics and manifest of
// the version go to the output store, but never over the files of a version
// the ledger has already sealed with other results.
//
// A version's label hashes its records, policy and inputs, not the prov
// build, so a newer prov (or any change the label does not cover) that
// computes other findings, metrics or rule lines for the same data gets the
// label of a version an older run sealed and certified. Writing its files
// there would break that certificate and leave a manifest the ledger did
// not seal. So when the ledger already holds the label, seal first writes
// the version to a scratch store and compares its manifest with the sealed
// one: the same bytes mean the published files are these (nothing is
// written again unless they are missing); other bytes seal the results as
// a new version, labelled from the old label and the new manifest (a
// re-run of the same build finds that label sealed and identical). A label
// fixed in the configuration (datasets[].version) is not changed: the run
// fails with ErrVersionSealed, and nothing is overwritten.

// ErrVersionSealed: the configured version label is sealed in the ledger
// with other results than this run's (wraps schemas.ErrConfig: a rerun
// gives the same answer until the label changes).
var ErrVersionSealed = fmt.Errorf("%w: version already sealed with other results", schemas.ErrConfig)

// publishedVersion is what publish wrote (or found identical).
type publishedVersion struct {
	ver     string
	m       *schemas.Manifest
	mb      []byte
	msha    string
	metrics []schemas.Metric
}

// publish writes the version's files and returns its final label.
func (rc *runCtx) publish(ctx context.Context, plans []objectPlan, ovlog *overrideLog, concl *stages.Conclusion,
	folded *foldedRecords, dups *dupResult, ver, tmpDir string) (*publishedVersion, error) {
	// The duplicates table is written once, to a local file every target
	// store gets a copy of.
	dupDir := filepath.Join(tmpDir, "dups")
	dupStore, err := objstore.Open(ctx, "file://"+dupDir, schemas.S3Config{})
	if err != nil {
		return nil, err
	}
	rows := dups.table.Rows()
	dupSum, dupSize, err := dups.table.Publish(ctx, dupStore, version.Duplicates)
	if err != nil {
		return nil, err
	}
	dupRef := schemas.FileRef{Path: version.Duplicates, SHA256: dupSum, Size: dupSize, Rows: rows}
	// findings.parquet is built while the ledger ingestion of pass 1 may
	// still run (on two or more cores the two overlap); the ledger is read
	// below only once every object is in it.
	bf, err := rc.buildFindings(ctx, plans, ovlog, concl, ver, tmpDir)
	if err != nil {
		return nil, err
	}
	defer bf.discard()
	if err := folded.waitIngest(); err != nil {
		return nil, err
	}
	if folded.ingest != nil {
		rc.log.Debug("seal: records ingested", "took", time.Since(folded.t0), "ledger_ingest", folded.ingestTook)
	}
	for attempt := 0; ; attempt++ {
		sealed, err := rc.sealedManifest(ctx, ver)
		if err != nil {
			return nil, err
		}
		out := rc.opts.Output
		if sealed != "" {
			if out, err = objstore.Open(ctx, "file://"+filepath.Join(tmpDir, fmt.Sprintf("stage-%d", attempt)), schemas.S3Config{}); err != nil {
				return nil, err
			}
		}
		pv, err := rc.publishTo(ctx, out, bf, plans, ovlog, concl, folded, dupDir, dupRef, ver, tmpDir)
		if err != nil {
			return nil, err
		}
		switch {
		case sealed == "":
			return pv, nil
		case pv.msha == sealed:
			// A re-run with the same results: the published files are
			// these; write them only if the manifest is not there.
			if _, raw, err := version.ReadManifest(ctx, rc.opts.Output, rc.ds.Name, ver); err == nil && sha256Hex(raw) == sealed {
				return pv, nil
			}
			return rc.publishTo(ctx, rc.opts.Output, bf, plans, ovlog, concl, folded, dupDir, dupRef, ver, tmpDir)
		case rc.ds.Version != "" || attempt > 0:
			return nil, fmt.Errorf("sealing dataset %s: version %s: %w (manifest sha256 %s in the ledger, %s from this run: a different prov build or configuration); give datasets[].version a new label",
				rc.ds.Name, ver, ErrVersionSealed, sealed, pv.msha)
		}
		next := relabel(ver, pv.msha)
		rc.log.Warn("the version's label is sealed with other results (another prov build?): sealing these as a new version; the sealed one and its certificate are left as they are",
			"dataset", rc.ds.Name, "sealed", ver, "version", next)
		ver = next
	}
}

// publishTo writes the version's four files to out.
func (rc *runCtx) publishTo(ctx context.Context, out objstore.Store, bf *builtFindings, plans []objectPlan, ovlog *overrideLog, concl *stages.Conclusion,
	folded *foldedRecords, dupDir string, dupRef schemas.FileRef, ver, tmpDir string) (*publishedVersion, error) {
	f, err := os.Open(filepath.Join(dupDir, version.Duplicates))
	if err != nil {
		return nil, fmt.Errorf("reopening duplicates table: %w", err)
	}
	_, _, err = objstore.PutFile(ctx, out, version.Key(rc.ds.Name, ver, version.Duplicates), f)
	_ = f.Close()
	if err != nil {
		return nil, err
	}
	findings, err := rc.writeFindings(ctx, out, bf, plans, ovlog, concl, ver, tmpDir)
	if err != nil {
		return nil, err
	}
	metrics, metricsRef, err := rc.writeMetrics(ctx, out, folded, concl, ver, tmpDir)
	if err != nil {
		return nil, err
	}
	supersedes, err := rc.supersedes(ctx, ver)
	if err != nil {
		return nil, err
	}
	m, mb, msha, err := rc.writeManifest(ctx, out, folded, concl, ver, supersedes, findings, metricsRef, dupRef)
	if err != nil {
		return nil, err
	}
	return &publishedVersion{ver: ver, m: m, mb: mb, msha: msha, metrics: metrics}, nil
}

// sealedManifest returns the manifest sha256 the ledger sealed version ver
// of the dataset with, "" when it is not sealed (or without a ledger).
func (rc *runCtx) sealedManifest(ctx context.Context, ver string) (string, error) {
	if rc.opts.Recorder == nil {
		return "", nil
	}
	return rc.opts.Recorder.SealedManifest(ctx, rc.ds.Name, ver)
}

// relabel is the label of results that differ from those sealed as ver.
func relabel(ver, manifestSHA string) string {
	h := sha256.Sum256([]byte(ver + "\x00" + manifestSHA))
	return hex.EncodeToString(h[:])[:16]
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
