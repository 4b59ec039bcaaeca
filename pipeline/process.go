package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// RuleRead is the rule ID of findings about input that could not be read
// into records (not a legal rule: prov's own accounting rule that every
// record is accounted for).
const RuleRead = "PROV-READ"

// maxAttempts caps whole-object retries after a transport error.
const maxAttempts = 4

// progressStep is how many record bytes readObject gathers before it calls
// Options.Progress (the rest of an object is reported when it ends).
const progressStep = 1 << 20

func segmentDir(work, dataset string) string {
	return filepath.Join(work, "segments", dataset)
}

// segmentPath names the segment of an object version under a fingerprint.
func (rc *runCtx) segmentPath(p planned) string {
	h := sha256.New()
	for _, s := range []string{p.obj.Key, p.obj.ETag, p.obj.VersionID, p.source, p.format, rc.fingerprint} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return filepath.Join(rc.segDir, hex.EncodeToString(h.Sum(nil))[:40]+".seg")
}

// processObject makes the segment of one object unless a complete one
// exists. It reports whether an existing segment was reused and returns
// the segment's trailer (with the stage states).
func (rc *runCtx) processObject(ctx context.Context, p planned) (bool, *segTrailer, error) {
	path := rc.segmentPath(p)
	_, t, err := readTrailer(path, rc.segKey)
	rc.warnBadSegment(p, path, err)
	if err != nil {
		if ok, ferr := rc.fetchSegment(ctx, path); ferr != nil {
			return false, nil, ferr
		} else if ok {
			_, t, err = readTrailer(path, rc.segKey)
			rc.warnBadSegment(p, path, err)
		}
	}
	if err == nil {
		rc.log.Debug("reusing segment", "object", rc.uriOf(p))
		if rc.opts.Progress != nil {
			rc.opts.Progress(p.obj.Size)
		}
		return true, t, nil
	}
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		t, err = rc.readObject(ctx, p, path)
		if err == nil || !objstore.IsRetryable(err) || ctx.Err() != nil {
			break
		}
		rc.ops.errors.WithLabelValues(rc.ds.Name, "retry").Inc()
		rc.log.Warn("retrying object", "object", rc.uriOf(p), "attempt", attempt, "err", rc.maskKey(p.obj.Key).wrap(err))
		select {
		case <-time.After(time.Duration(attempt*attempt) * 200 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err != nil {
		return false, nil, err
	}
	return false, t, rc.uploadSegment(ctx, path)
}

// uriOf is the URI of a planned object as logs and errors show it: its
// key in masked form (maskKey).
func (rc *runCtx) uriOf(p planned) string {
	return rc.opts.Input.URI(rc.maskKey(p.obj.Key).key)
}

// warnBadSegment logs, naming the segment and its object, that a segment
// exists but is incomplete, unreadable or not authentic (err wraps
// ErrBadSegment) and will be discarded: the object is read again. A missing
// segment (or err nil) logs nothing.
func (rc *runCtx) warnBadSegment(p planned, path string, err error) {
	if err != nil && errors.Is(err, ErrBadSegment) {
		rc.log.Warn("discarding segment, reading its object again", "segment", path,
			"object", rc.uriOf(p), "err", err)
	}
}

// hashingOpen wraps Open so the first full sequential read also computes
// the object's sha256.
type hashingOpen struct {
	h     hash.Hash
	n     int64
	used  bool
	store objstore.Store
	obj   objstore.Object
}

type teeCloser struct {
	io.Reader
	io.Closer
}

type countingHash struct {
	h hash.Hash
	n *int64
}

func (c countingHash) Write(p []byte) (int, error) {
	*c.n += int64(len(p))
	return c.h.Write(p)
}

func (ho *hashingOpen) open(ctx context.Context, off, length int64) (io.ReadCloser, error) {
	rc, err := ho.store.Get(ctx, ho.obj.Key, objstore.GetOptions{Offset: off, Length: length, IfMatch: ho.obj.ETag})
	if err != nil {
		return nil, err
	}
	if off == 0 && length <= 0 && !ho.used {
		ho.used = true
		return teeCloser{io.TeeReader(rc, countingHash{ho.h, &ho.n}), rc}, nil
	}
	return rc, nil
}

// sum returns the object's sha256, reading it again if the reader did not
// stream the whole object once.
func (ho *hashingOpen) sum(ctx context.Context) (string, error) {
	if ho.used && ho.n == ho.obj.Size {
		return hex.EncodeToString(ho.h.Sum(nil)), nil
	}
	rc, err := ho.store.Get(ctx, ho.obj.Key, objstore.GetOptions{IfMatch: ho.obj.ETag})
	if err != nil {
		return "", fmt.Errorf("hashing the object: %w", err)
	}
	defer func() { _ = rc.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("hashing the object: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readObject streams one object through the stages into a new segment
// and returns its trailer.
func (rc *runCtx) readObject(ctx context.Context, p planned, path string) (*segTrailer, error) {
	st := rc.opts.Input
	mk := rc.maskKey(p.obj.Key)
	uri := st.URI(mk.key)
	start := time.Now()
	info := schemas.InputObject{URI: uri, Key: mk.key, VersionID: p.obj.VersionID, ETag: p.obj.ETag,
		Size: p.obj.Size, Format: p.format, Source: p.source}
	names := make([]string, len(rc.stages))
	states := make([]stages.State, len(rc.stages))
	for i, s := range rc.stages {
		names[i] = s.Name()
		states[i] = s.NewState()
	}
	w, err := createSegment(path, rc.segKey, segHeader{Format: segmentFormat, Fingerprint: rc.fingerprint, Object: info, Stages: names})
	if err != nil {
		return nil, err
	}
	objMeta, err := rc.objectMeta(ctx, p, uri)
	if err != nil {
		w.abort()
		return nil, err
	}
	ho := &hashingOpen{h: sha256.New(), store: st, obj: p.obj}
	in := readers.Input{URI: uri, Key: p.obj.Key, Format: p.format, Size: p.obj.Size, Open: ho.open}
	// The text is viewed: what outlives a record is detached from it
	// (stampFindings, detach) and the stages copy what they keep.
	opts := readers.Options{Map: &p.fields, MaxLine: p.input.MaxLine, Text: textMode}
	var out stages.Outcome
	var counts schemas.Counts
	var n int
	stageHist := make([]prometheus.Observer, len(rc.stages))
	for i, s := range rc.stages {
		stageHist[i] = rc.ops.stage.WithLabelValues(s.Name())
	}
	var lastBytes, pending int64
	keyReported := false
	scrub := newScrubCache(rc.subjectKey)
	each := func(r *schemas.Record) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(objMeta) > 0 {
			r.Meta = append(r.Meta[:len(r.Meta):len(r.Meta)], objMeta...)
		}
		if src, ok := r.Get(schemas.FieldSource); ok && src != "" {
			r.Source = src
		} else {
			r.Source = p.source
		}
		out.Reset()
		if r.Err != nil {
			info.Unreadable++
			out.Find(schemas.Quarantine, schemas.Finding{RuleID: RuleRead, Stage: "read", Severity: schemas.SeverityError,
				Message: mk.scrub(r.Err.Error())})
		} else if n++; n%stageSample == 0 {
			for i, s := range rc.stages {
				t := time.Now()
				s.Check(r, states[i], &out)
				stageHist[i].Observe(time.Since(t).Seconds())
			}
		} else {
			for i, s := range rc.stages {
				s.Check(r, states[i], &out)
			}
		}
		if len(mk.ents) > 0 && !keyReported {
			out.Find(schemas.Admit, keyFinding(mk))
			keyReported = true
		}
		counts.Add(out.Verdict)
		dig := r.LedgerDigest(mk.key) // see maskKey
		subject := ""
		if r.Err == nil {
			subject, _ = r.Get(schemas.FieldSubject)
		}
		rc.stampFindings(out.Findings, r, dig, mk.key, subject, scrub)
		attrib, _, _ := piMask(out.Attribution, subject, rc.subjectKey)
		text := r.Values[schemas.FieldText]
		rec := segRecord{Digest: dig, Line: r.Line, Verdict: out.Verdict, Source: detach(r.Source, text),
			Bytes: int64(r.Size), Attrib: detach(attrib, text), TextKey: out.TextKey}
		if len(out.Subjects) > 0 {
			rec.Subjects = make([]string, len(out.Subjects))
			for i, s := range out.Subjects {
				rec.Subjects[i] = detach(s, text)
			}
		}
		if rc.opts.Progress != nil && r.Size > 0 {
			// reported by the MiB, not per record
			if pending += int64(r.Size); pending >= progressStep {
				rc.opts.Progress(pending)
				lastBytes += pending
				pending = 0
			}
		}
		return w.add(rec, out.Findings)
	}
	err = readers.Read(ctx, in, opts, each)
	refused := false
	if why := objstore.RefusalOf(err); why != nil && counts.In == 0 {
		// A link out of the input root, to a directory or to nothing: the
		// object is refused, and the refusal is a quarantined record like
		// any unreadable input, so the manifest and the findings show it.
		refused = true
		err = each(&schemas.Record{Object: uri, Line: 1,
			Err: &readers.ParseError{Object: uri, Line: 1, Offset: -1, Err: why}})
	}
	if err != nil {
		w.abort()
		return nil, fmt.Errorf("reading %s: %w", uri, err)
	}
	if rc.opts.Progress != nil && p.obj.Size > lastBytes {
		rc.opts.Progress(p.obj.Size - lastBytes)
	}
	if !counts.Reconciles() {
		w.abort()
		return nil, fmt.Errorf("reading %s: %w: %+v", uri, ErrReconcile, counts)
	}
	if !refused {
		sum, err := ho.sum(ctx)
		if err != nil {
			w.abort()
			return nil, fmt.Errorf("reading %s: %w", uri, err)
		}
		info.SHA256 = sum
	}
	info.Counts = counts
	t := segTrailer{Object: info}
	for i, s := range states {
		if s == nil {
			t.States = append(t.States, nil)
			continue
		}
		b, err := s.MarshalBinary()
		if err != nil {
			w.abort()
			return nil, fmt.Errorf("saving %s state of %s: %w", names[i], uri, err)
		}
		t.States = append(t.States, b)
	}
	if err := w.finish(t); err != nil {
		return nil, err
	}
	rc.ops.countObject(rc.ds.Name, counts, p.obj.Size)
	rc.log.Info("object checked", "object", uri, "records", counts.In, "admit", counts.Admit,
		"redact", counts.Redact, "quarantine", counts.Quarantine, "reject", counts.Reject,
		"bytes", p.obj.Size, "seconds", time.Since(start).Seconds())
	return &t, nil
}

// stampFindings masks the identifiers in the findings of record r (digest
// dig, subject id subject) and fills in where they were found: dataset,
// record, object (by its display key) and line.
func (rc *runCtx) stampFindings(fs []schemas.Finding, r *schemas.Record, dig schemas.Digest, key, subject string, scrub *scrubCache) {
	if len(fs) == 0 {
		return
	}
	// One string each for all the record's findings.
	digHex, loc := dig.String(), schemas.Locator(key, r.Line)
	text := r.Values[schemas.FieldText]
	for i := range fs {
		f := &fs[i]
		// What a stage wrote is kept past the record: nothing of it may
		// be a view of the record's text (readers.TextViewed).
		f.RuleID, f.Stage, f.Severity, f.Verdict = detach(f.RuleID, text), detach(f.Stage, text), detach(f.Severity, text), detach(f.Verdict, text)
		for k, id := range f.RuleIDs {
			f.RuleIDs[k] = detach(id, text)
		}
		f.Version, f.Source = detach(f.Version, text), detach(f.Source, text)
		f.Message = detach(scrub.mask(f.Message, subject, text), text)
		f.Evidence = detach(scrub.mask(f.Evidence, subject, text), text)
		f.Dataset = rc.ds.Name
		f.RecordDigest = digHex
		// Rows name the object by its key in the input store (the
		// manifest states the store once), so outputs moved to another
		// machine still resolve; a key holding PI is masked.
		f.Object = key
		f.Locator = loc
		if f.Source == "" {
			f.Source = r.Source
		}
	}
}

// objectMeta returns the AIGC entries of the object's user metadata (S3
// x-amz-meta-aigc, or the local store's sidecar), read with one Stat, unless
// the policy turns that off. Implicit AIGC labels of a whole object apply
// to each of its records.
func (rc *runCtx) objectMeta(ctx context.Context, p planned, uri string) ([]schemas.MetaValue, error) {
	if !rc.opts.Policy.AIGC.ReadsObjectMetadata() {
		return nil, nil
	}
	obj, err := rc.opts.Input.Stat(ctx, p.obj.Key)
	if err != nil {
		if objstore.IsRetryable(err) || ctx.Err() != nil {
			return nil, fmt.Errorf("reading the metadata of %s: %w", uri, err)
		}
		// Reading the object meets the same problem and accounts for it
		// (a quarantined record, or the object's own error).
		rc.log.Debug("no object metadata", "object", uri, "err", rc.maskKey(p.obj.Key).wrap(err))
		return nil, nil
	}
	where := "object"
	if strings.HasPrefix(uri, "s3://") {
		where = "s3"
	}
	var out []schemas.MetaValue
	for _, k := range sortedMetaKeys(obj.Metadata) {
		if strings.EqualFold(k, "aigc") {
			out = append(out, schemas.MetaValue{Where: where, Key: k, Value: obj.Metadata[k]})
		}
	}
	return out, nil
}

func sortedMetaKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeShardMarker records that a shard finished, listing its segments.
func (rc *runCtx) writeShardMarker(objs []planned) error {
	dir := filepath.Join(rc.segDir, "shards")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing shard marker: %w", err)
	}
	name := fmt.Sprintf("%d-of-%d.%s", rc.opts.Shard.I, rc.opts.Shard.N, rc.fingerprint[:16])
	var b []byte
	for _, p := range objs {
		b = append(b, rc.segmentPath(p)...)
		b = append(b, '\n')
	}
	return atomicfile.WriteFile(filepath.Join(dir, name), b, 0o600)
}
