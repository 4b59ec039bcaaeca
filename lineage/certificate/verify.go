package certificate

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// Options say what Verify checks beyond level 1.
type Options struct {
	// PublicKey verifies the envelope and the checkpoint. nil: the
	// bundle's own pubkey.pem, which proves only that the bundle is
	// self-consistent; Verify says so in its report.
	PublicKey ed25519.PublicKey
	// SkipProof skips level 2 (inclusion proof against the checkpoint).
	SkipProof bool
	// Ledger, when set, adds the ledger checks: consistency of the proof's
	// checkpoint with the ledger's latest one, the ledger's own entries
	// for the version, and the certificate's revocation status.
	Ledger *lineage.Ledger
	// Rehash, when set, adds level 3 (it needs Ledger for the record lists).
	Rehash *Rehash
}

// Check is one thing Verify checked.
type Check struct {
	Level int    `json:"level"`
	Part  string `json:"part"`
	OK    bool   `json:"ok"`
	// Note marks an informational line that does not decide the result.
	Note    bool   `json:"note,omitempty"`
	Message string `json:"message"`
}

func (c Check) String() string {
	s := "OK  "
	switch {
	case c.Note:
		s = "NOTE"
	case !c.OK:
		s = "FAIL"
	}
	return fmt.Sprintf("%s [%d] %s: %s", s, c.Level, c.Part, c.Message)
}

// Report is what Verify found: one Check per line, and the certificate's
// content when it could be read.
type Report struct {
	Subject   string             `json:"subject,omitempty"`
	Checks    []Check            `json:"checks"`
	Statement *schemas.Statement `json:"-"`
	// Status is the ledger's status of the certificate (valid, revoked,
	// superseded; "" without a ledger).
	Status string `json:"status,omitempty"`
}

// OK reports whether every check passed.
func (r *Report) OK() bool { return r.Err() == nil }

// Err returns nil when every check passed, else an error wrapping
// ErrVerify that names the first failing part and what differs.
func (r *Report) Err() error {
	for _, c := range r.Checks {
		if !c.OK && !c.Note {
			return fmt.Errorf("%w: %s: %s", ErrVerify, c.Part, c.Message)
		}
	}
	return nil
}

func (r *Report) ok(level int, part, format string, a ...any) {
	r.Checks = append(r.Checks, Check{Level: level, Part: part, OK: true, Message: fmt.Sprintf(format, a...)})
}

func (r *Report) note(level int, part, format string, a ...any) {
	r.Checks = append(r.Checks, Check{Level: level, Part: part, OK: true, Note: true, Message: fmt.Sprintf(format, a...)})
}

func (r *Report) fail(level int, part, format string, a ...any) {
	r.Checks = append(r.Checks, Check{Level: level, Part: part, Message: fmt.Sprintf(format, a...)})
}

// failed reports whether a check of level failed.
func (r *Report) failed(level int) bool {
	for _, c := range r.Checks {
		if c.Level == level && !c.OK && !c.Note {
			return true
		}
	}
	return false
}

// state is what the levels hand on.
type state struct {
	b      *Bundle
	pub    ed25519.PublicKey
	keyID  string
	env    *Envelope
	envSHA string
	st     *schemas.Statement
	m      *schemas.Manifest
	proof  *Proof
	ckpt   lineage.Checkpoint
}

// Verify checks a bundle level by level and reports every check. A level
// runs only when the levels before it passed. It never returns an error:
// see Report.Err.
func Verify(ctx context.Context, b *Bundle, opts Options) *Report {
	r := &Report{Checks: []Check{}}
	s := &state{b: b}
	verifySignature(r, s, opts.PublicKey)
	if r.failed(1) {
		return r
	}
	r.Statement, r.Subject = s.st, s.st.Subject[0].Name
	if opts.SkipProof {
		return r
	}
	verifyProof(r, s)
	if r.failed(2) {
		return r
	}
	if opts.Ledger != nil {
		verifyLedger(ctx, r, s, opts.Ledger)
		if r.failed(2) {
			return r
		}
	}
	if opts.Rehash != nil {
		if opts.Ledger == nil {
			r.fail(3, "rehash", "needs the ledger (record lists of the version's objects): give --ledger or -c")
			return r
		}
		verifyRehash(ctx, r, s, opts.Ledger, opts.Rehash)
	}
	return r
}

// verifySignature is level 1.
func verifySignature(r *Report, s *state, given ed25519.PublicKey) {
	b := s.b
	s.pub = given
	if given == nil {
		if b.PublicKey == nil {
			r.fail(1, "pubkey", "no public key: pass --pubkey FILE (the issuer's published key) or include pubkey.pem")
			return
		}
		pub, err := lineage.ParsePublicKey(b.PublicKey)
		if err != nil {
			r.fail(1, "pubkey", "pubkey.pem: %v", err)
			return
		}
		s.pub = pub
	}
	id, err := KeyID(s.pub)
	if err != nil {
		r.fail(1, "pubkey", "%v", err)
		return
	}
	s.keyID = id
	if given == nil {
		r.note(1, "pubkey", "using the bundle's own pubkey.pem (key id %s): this proves the bundle is self-consistent, not who issued it; compare the key id with the one the issuer published, or pass --pubkey", id)
	} else if b.PublicKey != nil {
		if bp, err := lineage.ParsePublicKey(b.PublicKey); err != nil || !bp.Equal(given) {
			r.note(1, "pubkey", "the bundle's pubkey.pem is not the key given with --pubkey; verifying with the given key %s", id)
		}
	}
	if b.Envelope == nil {
		r.fail(1, "envelope", "%s is missing", version.Envelope)
		return
	}
	sum := sha256.Sum256(b.Envelope)
	s.envSHA = hex.EncodeToString(sum[:])
	env, err := ParseEnvelope(b.Envelope)
	if err != nil {
		part := "envelope"
		switch msg := err.Error(); {
		case strings.Contains(msg, ": payload:"):
			part = "payload"
		case strings.Contains(msg, ": signature"):
			part = "signature"
		}
		r.fail(1, part, "%s: %v", version.Envelope, err)
		return
	}
	s.env = env
	verified := false
	for i, sig := range env.Sigs {
		kid := env.Signatures[i].KeyID
		if kid != "" && kid != id {
			continue
		}
		if ed25519.Verify(s.pub, dsse.PAE(env.PayloadType, env.PayloadBytes), sig) {
			verified = true
			break
		}
	}
	if !verified {
		var kids []string
		for _, sg := range env.Signatures {
			kids = append(kids, sg.KeyID)
		}
		if !containsStr(kids, id) && !containsStr(kids, "") {
			r.fail(1, "signature", "the envelope is signed by key %s, the public key given is %s (wrong public key?)", strings.Join(kids, ", "), id)
		} else {
			part, msg := diagnoseSignature(env, b.Manifest, id)
			r.fail(1, part, "%s", msg)
		}
		return
	}
	r.ok(1, "signature", "DSSE envelope (%s) signed with Ed25519 key %s over the pre-authentication encoding of its payload", env.PayloadType, id)
	st, err := ParseStatement(env.PayloadBytes)
	if err != nil {
		r.fail(1, "payload", "%v", err)
		return
	}
	s.st = st
	r.ok(1, "statement", "in-toto Statement v1, predicate type %s, subject %s sha256:%s", st.PredicateType, st.Subject[0].Name, st.Subject[0].Digest["sha256"])
	if err := ValidatePredicate(env.PayloadBytes); err != nil {
		r.fail(1, "predicate", "%v", err)
		return
	}
	r.ok(1, "predicate", "matches the JSON Schema of %s", schemas.CertificatePredicateType)
	if b.Manifest == nil {
		r.fail(1, "manifest", "%s is missing from the bundle", version.Manifest)
		return
	}
	msum := sha256.Sum256(b.Manifest)
	if got, want := hex.EncodeToString(msum[:]), st.Subject[0].Digest["sha256"]; got != want {
		r.fail(1, "manifest", "%s has sha256 %s, the certificate's subject is sha256:%s: the manifest differs from the one certified", version.Manifest, got, want)
		return
	}
	m, err := ParseManifest(b.Manifest)
	if err != nil {
		r.fail(1, "manifest", "%v", err)
		return
	}
	p := st.Predicate
	if m.Dataset != p.Dataset || m.Version != p.Version || m.Digest != p.Digest || m.Counts != p.Counts {
		r.fail(1, "manifest", "%s (%s, digest %s) disagrees with the predicate (%s, digest %s)", version.Manifest,
			SubjectName(m.Dataset, m.Version), m.Digest, SubjectName(p.Dataset, p.Version), p.Digest)
		return
	}
	s.m = m
	r.ok(1, "manifest", "sha256:%s equals the subject digest; dataset digest %s over %d records", st.Subject[0].Digest["sha256"], m.Digest, m.Records)
	pass, fail, gates := 0, 0, []string{}
	for _, rl := range p.Rules {
		if rl.Result == schemas.RulePass {
			pass++
			continue
		}
		fail++
		if rl.Gate {
			gates = append(gates, rl.RuleID+"["+rl.Scope+"]")
		}
	}
	msg := fmt.Sprintf("%d rule lines certified: %d pass, %d fail", len(p.Rules), pass, fail)
	if len(gates) > 0 {
		msg += "; failed policy gates: " + strings.Join(gates, ", ")
	}
	r.note(1, "rules", "%s (the certificate attests the measured results, failures included)", msg)
	verifyOutputs(r, b, m)
}

// verifyOutputs checks, at level 1, the files the manifest binds by
// SHA-256 (findings.parquet, metrics.parquet) when they are in the
// bundle's folder, as in the output store. A file absent from the folder
// is a note (an auditor may be given the four bundle files only); a file
// that differs fails, named.
func verifyOutputs(r *Report, b *Bundle, m *schemas.Manifest) {
	for _, ref := range version.Bound(m) {
		if b.Dir == "" {
			r.note(1, "outputs", "%s not checked: the bundle was not loaded from a folder", ref.Path)
			continue
		}
		f, err := os.Open(filepath.Join(b.Dir, filepath.FromSlash(ref.Path)))
		if errors.Is(err, fs.ErrNotExist) {
			r.note(1, "outputs", "%s is not beside the bundle: not checked (the manifest binds it by sha256 %s)", ref.Path, ref.SHA256)
			continue
		}
		if err != nil {
			r.fail(1, "outputs", "reading %s: %v", ref.Path, err)
			continue
		}
		err = version.CheckFile(f, ref)
		_ = f.Close()
		if err != nil {
			r.fail(1, "outputs", "%v: the file is not the one certified", err)
			continue
		}
		r.ok(1, "outputs", "%s has the sha256 the manifest records (%s, %d rows)", ref.Path, ref.SHA256, ref.Rows)
	}
}

// verifyProof is level 2 without a ledger.
func verifyProof(r *Report, s *state) {
	if s.b.Proof == nil {
		r.fail(2, "proof", "%s is missing from the bundle", version.Proof)
		return
	}
	p, err := ParseProof(s.b.Proof)
	if err != nil {
		r.fail(2, "proof", "%v", err)
		return
	}
	s.proof = p
	pred := s.st.Predicate
	if p.Origin != pred.Ledger.Origin {
		r.fail(2, "proof", "the proof is from log %q, the certificate names log %q", p.Origin, pred.Ledger.Origin)
		return
	}
	c, err := lineage.VerifyCheckpoint([]byte(p.Checkpoint), pred.Ledger.Origin, s.pub)
	if err != nil {
		r.fail(2, "checkpoint", "the checkpoint in %s is not signed by key %s for log %s: %v", version.Proof, s.keyID, pred.Ledger.Origin, err)
		return
	}
	s.ckpt = c
	r.ok(2, "checkpoint", "signed note by %s, tree size %d, root %s", c.Origin, c.Size, hex.EncodeToString(c.Root))
	st, err := lineage.DecodeEntry(p.EntryBytes())
	if err != nil {
		r.fail(2, "proof", "the entry in %s is not a canonical ledger entry: %v", version.Proof, err)
		return
	}
	ci, ok := st.Entry.(lineage.CertificateIssued)
	switch {
	case !ok:
		r.fail(2, "proof", "the entry in %s is a %s entry, not certificate_issued", version.Proof, st.Entry.Kind())
		return
	case st.Index != p.Index:
		r.fail(2, "proof", "the entry says it is leaf %d, the proof is for leaf %d", st.Index, p.Index)
		return
	case ci.Dataset != pred.Dataset || ci.Version != pred.Version:
		r.fail(2, "proof", "the ledger entry certifies %s, this certificate is for %s", SubjectName(ci.Dataset, ci.Version), SubjectName(pred.Dataset, pred.Version))
		return
	case ci.EnvelopeSHA256 != s.envSHA:
		r.fail(2, "envelope", "the ledger entry records envelope sha256 %s, %s has sha256 %s: the envelope is not the one the ledger recorded", ci.EnvelopeSHA256, version.Envelope, s.envSHA)
		return
	case ci.ManifestSHA256 != "" && ci.ManifestSHA256 != s.st.Subject[0].Digest["sha256"]:
		r.fail(2, "proof", "the ledger entry records manifest sha256 %s, the certificate's subject is %s", ci.ManifestSHA256, s.st.Subject[0].Digest["sha256"])
		return
	case ci.KeyID != "" && ci.KeyID != s.keyID:
		r.fail(2, "proof", "the ledger entry records key %s, the certificate verifies with %s", ci.KeyID, s.keyID)
		return
	case pred.Ledger.SealedLeaf >= p.Index:
		r.fail(2, "proof", "the certificate (leaf %d) cannot precede the seal of its version (leaf %d)", p.Index, pred.Ledger.SealedLeaf)
		return
	}
	if err := lineage.VerifyInclusion(p.EntryBytes(), p.Index, p.HashBytes(), c); err != nil {
		r.fail(2, "proof", "the inclusion proof of leaf %d does not lead to the checkpoint's root at size %d: %v", p.Index, c.Size, err)
		return
	}
	r.ok(2, "proof", "certificate_issued entry at leaf %d (appended %s) names %s and this envelope (sha256 %s); inclusion proof of %d hashes verifies against the checkpoint",
		p.Index, st.Time.Format("2006-01-02T15:04:05Z"), SubjectName(ci.Dataset, ci.Version), s.envSHA, len(p.HashBytes()))
}

// verifyLedger adds the ledger checks to level 2.
func verifyLedger(ctx context.Context, r *Report, s *state, l *lineage.Ledger) {
	pred := s.st.Predicate
	if l.Origin() != pred.Ledger.Origin {
		r.fail(2, "ledger", "the ledger is log %q, the certificate names log %q", l.Origin(), pred.Ledger.Origin)
		return
	}
	latest, err := l.LatestCheckpoint(ctx)
	if err != nil {
		r.fail(2, "ledger", "reading the ledger's latest checkpoint: %v", err)
		return
	}
	lc, err := lineage.VerifyCheckpoint(latest, pred.Ledger.Origin, s.pub)
	if err != nil {
		r.fail(2, "ledger", "the ledger's latest checkpoint is not signed by key %s: %v", s.keyID, err)
		return
	}
	if lc.Size < s.ckpt.Size {
		r.fail(2, "ledger", "the ledger's latest checkpoint (size %d) is older than the bundle's (size %d): entries were removed, or this is another ledger", lc.Size, s.ckpt.Size)
		return
	}
	cp, err := l.ConsistencyProof(ctx, s.ckpt.Size, lc.Size)
	if err == nil {
		err = lineage.VerifyConsistency(s.ckpt, lc, cp)
	}
	if err != nil {
		r.fail(2, "ledger", "the bundle's checkpoint (size %d) is not consistent with the ledger's latest (size %d): the log was rewritten: %v", s.ckpt.Size, lc.Size, err)
		return
	}
	r.ok(2, "ledger", "the bundle's checkpoint (size %d) is consistent with the ledger's latest signed checkpoint (size %d)", s.ckpt.Size, lc.Size)
	_, canonical, err := l.Entry(ctx, s.proof.Index)
	if err != nil || !bytes.Equal(canonical, s.proof.EntryBytes()) {
		r.fail(2, "ledger", "the ledger's entry %d differs from the one in %s", s.proof.Index, version.Proof)
		return
	}
	ss, _, err := l.Entry(ctx, pred.Ledger.SealedLeaf)
	if err != nil {
		r.fail(2, "ledger", "reading the sealed version at leaf %d: %v", pred.Ledger.SealedLeaf, err)
		return
	}
	sealed, ok := ss.Entry.(lineage.DatasetSealed)
	if !ok {
		r.fail(2, "ledger", "leaf %d is a %s entry, not the dataset_sealed entry of %s", pred.Ledger.SealedLeaf, ss.Entry.Kind(), r.Subject)
		return
	}
	if err := checkAgainstLedger(s.m, s.st.Subject[0].Digest["sha256"], Version{SealedLeaf: pred.Ledger.SealedLeaf, Sealed: sealed}); err != nil {
		r.fail(2, "ledger", "%v", err)
		return
	}
	r.ok(2, "ledger", "dataset_sealed entry at leaf %d records this manifest, digest and counts", pred.Ledger.SealedLeaf)
	v, err := l.At(ctx, lineage.AsOf{})
	if err != nil {
		r.fail(2, "status", "%v", err)
		return
	}
	info, err := v.Dataset(ctx, pred.Dataset, pred.Version)
	if err != nil {
		r.fail(2, "status", "%v", err)
		return
	}
	for _, ci := range info.Versions[0].Certificates {
		if ci.EnvelopeSHA256 != s.envSHA {
			continue
		}
		r.Status = ci.Status
		cause := describeCause(ctx, l, ci.Cause)
		switch ci.Status {
		case lineage.StatusValid:
			r.ok(2, "status", "valid: no revocation in the ledger (tree size %d)", v.Size())
		case lineage.StatusRevoked:
			r.fail(2, "status", "revoked by %s%s", cause, reasonSuffix(ci.Reason))
		default:
			// A certificate superseded by a re-issue shares the fate of
			// the version's current certificate: a revocation of the
			// version revokes only certificates still valid.
			certs := info.Versions[0].Certificates
			if last := certs[len(certs)-1]; last.Status == lineage.StatusRevoked {
				r.Status = lineage.StatusRevoked
				r.fail(2, "status", "revoked: superseded by the certificate at leaf %d, which was revoked by %s%s",
					last.Leaf, describeCause(ctx, l, last.Cause), reasonSuffix(last.Reason))
				return
			}
			what := cause
			if sb := info.Versions[0].SupersededBy; sb != "" {
				what = fmt.Sprintf("%s (version %s supersedes %s)", cause, sb, pred.Version)
			}
			r.note(2, "status", "superseded by %s: the certificate still describes %s, but the dataset has a newer version or certificate", what, r.Subject)
		}
		return
	}
	r.fail(2, "status", "the ledger lists no certificate of %s with envelope sha256 %s", r.Subject, s.envSHA)
}

// diagnoseSignature says which part most likely changed when a signature
// does not verify: a payload that no longer parses, or that disagrees with
// manifest.json, was changed; otherwise the signature was (or a payload
// field the manifest does not hold). Both are reported as failures either
// way; the diagnosis only names the part.
func diagnoseSignature(env *Envelope, manifest []byte, id string) (string, string) {
	const tail = "the Ed25519 signature with key %s does not verify over the DSSE payload"
	st, err := ParseStatement(env.PayloadBytes)
	if err != nil {
		return "payload", fmt.Sprintf(tail+": the payload was changed after signing (it no longer parses: %v)", id, err)
	}
	if manifest != nil {
		sum := sha256.Sum256(manifest)
		if m, err := ParseManifest(manifest); err == nil && hex.EncodeToString(sum[:]) == st.Subject[0].Digest["sha256"] {
			if f := manifestDiff(st.Predicate, m); f != "" {
				return "payload", fmt.Sprintf(tail+": the payload was changed after signing (its %q disagrees with %s)", id, f, version.Manifest)
			}
		}
	}
	return "signature", fmt.Sprintf(tail+": the signature was changed (the payload agrees with %s; a change to a field the manifest does not hold, such as issued_at or the ledger position, looks the same)", id, version.Manifest)
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

// describeCause names the ledger entry at leaf.
func describeCause(ctx context.Context, l *lineage.Ledger, leaf int64) string {
	if leaf < 0 {
		return "no ledger cause"
	}
	st, _, err := l.Entry(ctx, uint64(leaf))
	if err != nil {
		return fmt.Sprintf("entry %d", leaf)
	}
	switch e := st.Entry.(type) {
	case lineage.ConsentWithdrawn:
		return fmt.Sprintf("consent_withdrawn at leaf %d (subject key %s…)", leaf, e.Subject[:12])
	case lineage.SourceRevoked:
		return fmt.Sprintf("source_revoked at leaf %d (source %s)", leaf, e.Source)
	case lineage.ObjectRevoked:
		return fmt.Sprintf("object_revoked at leaf %d (%s)", leaf, e.URI)
	case lineage.DatasetSealed:
		return fmt.Sprintf("dataset_sealed at leaf %d (%s)", leaf, SubjectName(e.Dataset, e.Version))
	case lineage.CertificateIssued:
		return fmt.Sprintf("certificate_issued at leaf %d (a newer certificate of %s)", leaf, SubjectName(e.Dataset, e.Version))
	}
	return fmt.Sprintf("%s at leaf %d", st.Entry.Kind(), leaf)
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var _ = errors.Is
