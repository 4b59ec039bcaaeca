package certificate

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// Issuer signs certificates with the ledger's key and records them in the
// ledger. Now and Logger default to time.Now and slog.Default().
type Issuer struct {
	Ledger *lineage.Ledger
	Key    ed25519.PrivateKey
	Now    func() time.Time
	Logger *slog.Logger
}

// NewIssuer returns an issuer over an open, writable ledger with the
// Ed25519 signing key at keyPath (the ledger's checkpoint key: one key
// signs checkpoints and certificates, so pubkey.pem verifies both).
func NewIssuer(l *lineage.Ledger, keyPath string) (*Issuer, error) {
	if l == nil {
		return nil, fmt.Errorf("building certificate issuer: %w", ErrNoLedger)
	}
	key, err := lineage.LoadSigner(keyPath)
	if err != nil {
		return nil, err
	}
	if pub := l.PublicKey(); pub != nil && !pub.Equal(key.Public()) {
		return nil, fmt.Errorf("building certificate issuer: %s is not the ledger's key: %w", keyPath, lineage.ErrBadKey)
	}
	return &Issuer{Ledger: l, Key: key}, nil
}

// Issued describes an issued certificate.
type Issued struct {
	Dataset string `json:"dataset"`
	Version string `json:"version"`
	// Leaf is the CertificateIssued entry's leaf index.
	Leaf           uint64 `json:"leaf"`
	EnvelopeSHA256 string `json:"envelope_sha256"`
	ManifestSHA256 string `json:"manifest_sha256"`
	// TreeSize is the size of the checkpoint proof.json is against.
	TreeSize uint64 `json:"tree_size"`
	// URI is the certificate envelope's URI in the output store.
	URI        string             `json:"certificate"`
	Statement  *schemas.Statement `json:"-"`
	Envelope   []byte             `json:"-"`
	ProofBytes []byte             `json:"-"`
}

// Issue signs a certificate for the version whose exact manifest bytes are
// manifest and whose DatasetSealed entry is at sealedLeaf, appends its
// CertificateIssued entry, publishes a checkpoint that includes it and
// writes certificate.dsse.json, proof.json and pubkey.pem under prefix
// ("<dataset>/<version>/") of out. pol resolves licence classes (nil:
// without the policy's overrides).
func (is *Issuer) Issue(ctx context.Context, out objstore.Store, prefix string, manifest []byte, sealedLeaf uint64, pol *schemas.Policy) (*Issued, error) {
	now, log := time.Now, slog.Default()
	if is.Now != nil {
		now = is.Now
	}
	if is.Logger != nil {
		log = is.Logger
	}
	l := is.Ledger
	st, _, err := l.Entry(ctx, sealedLeaf)
	if err != nil {
		return nil, fmt.Errorf("issuing certificate: reading the sealed version: %w", err)
	}
	sealed, ok := st.Entry.(lineage.DatasetSealed)
	if !ok {
		return nil, fmt.Errorf("issuing certificate: %w: leaf %d is a %s entry, not dataset_sealed", ErrBadManifest, sealedLeaf, st.Entry.Kind())
	}
	pub := is.Key.Public().(ed25519.PublicKey)
	keyID, err := KeyID(pub)
	if err != nil {
		return nil, err
	}
	stmt, err := BuildStatement(manifest, Version{Origin: l.Origin(), SealedLeaf: sealedLeaf, Sealed: sealed}, keyID, pol, now())
	if err != nil {
		return nil, err
	}
	payload, err := EncodeStatement(stmt)
	if err != nil {
		return nil, err
	}
	env, err := SignStatement(ctx, is.Key, payload)
	if err != nil {
		return nil, err
	}
	esum := sha256.Sum256(env)
	iss := &Issued{Dataset: sealed.Dataset, Version: sealed.Version, EnvelopeSHA256: hex.EncodeToString(esum[:]),
		ManifestSHA256: stmt.Subject[0].Digest["sha256"], Statement: stmt, Envelope: env}
	leaf, _, err := l.Append(ctx, lineage.CertificateIssued{Dataset: iss.Dataset, Version: iss.Version,
		EnvelopeSHA256: iss.EnvelopeSHA256, ManifestSHA256: iss.ManifestSHA256,
		PredicateType: schemas.CertificatePredicateType, KeyID: keyID})
	if err != nil {
		return nil, fmt.Errorf("issuing certificate of %s: %w", SubjectName(iss.Dataset, iss.Version), err)
	}
	iss.Leaf = leaf
	proof, err := is.prove(ctx, leaf, pub)
	if err != nil {
		return nil, fmt.Errorf("issuing certificate of %s: %w", SubjectName(iss.Dataset, iss.Version), err)
	}
	iss.TreeSize = proof.size
	if iss.ProofBytes, err = proof.p.Marshal(); err != nil {
		return nil, err
	}
	pemBytes, err := PublicKeyPEM(pub)
	if err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{version.PubKey, pemBytes}, {version.Envelope, env}, {version.Proof, iss.ProofBytes}} {
		if _, err := out.Put(ctx, prefix+f.name, bytes.NewReader(f.data), int64(len(f.data))); err != nil {
			return nil, fmt.Errorf("writing %s: %w", out.URI(prefix+f.name), err)
		}
	}
	iss.URI = out.URI(prefix + version.Envelope)
	log.Info("certificate issued", "dataset", iss.Dataset, "version", iss.Version, "leaf", leaf,
		"tree_size", iss.TreeSize, "envelope_sha256", iss.EnvelopeSHA256, "object", iss.URI)
	return iss, nil
}

type provenEntry struct {
	p    *Proof
	size uint64
}

// prove publishes a checkpoint covering leaf and returns the inclusion
// proof of leaf against it.
func (is *Issuer) prove(ctx context.Context, leaf uint64, pub ed25519.PublicKey) (*provenEntry, error) {
	l := is.Ledger
	signed, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("publishing checkpoint: %w", err)
	}
	c, err := lineage.VerifyCheckpoint(signed, l.Origin(), pub)
	if err != nil {
		return nil, err
	}
	if c.Size <= leaf {
		return nil, fmt.Errorf("proving entry %d: checkpoint size %d does not include it: %w", leaf, c.Size, lineage.ErrBadRange)
	}
	hashes, err := l.InclusionProof(ctx, leaf, c.Size)
	if err != nil {
		return nil, err
	}
	_, canonical, err := l.Entry(ctx, leaf)
	if err != nil {
		return nil, err
	}
	if err := lineage.VerifyInclusion(canonical, leaf, hashes, c); err != nil {
		return nil, fmt.Errorf("checking the new proof: %w", err)
	}
	return &provenEntry{p: NewProof(l.Origin(), leaf, canonical, hashes, signed), size: c.Size}, nil
}

// IssueVersion (re-)issues the certificate of an already sealed version:
// it finds the version's DatasetSealed entry in the ledger and reads its
// manifest.json from out.
func (is *Issuer) IssueVersion(ctx context.Context, out objstore.Store, dataset, ver string, pol *schemas.Policy) (*Issued, error) {
	v, err := is.Ledger.At(ctx, lineage.AsOf{})
	if err != nil {
		return nil, err
	}
	info, err := v.Dataset(ctx, dataset, ver)
	if err != nil {
		return nil, err
	}
	_, manifest, err := version.ReadManifest(ctx, out, dataset, ver)
	if err != nil {
		return nil, err
	}
	return is.Issue(ctx, out, version.Prefix(dataset, ver), manifest, info.Versions[0].Leaf, pol)
}

// PublicKeyPEM encodes pub as PEM PKIX ("PUBLIC KEY"), the form
// `cosign verify-blob-attestation --key` reads.
func PublicKeyPEM(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Current returns the certificate already issued for exactly these
// manifest bytes, when the ledger's latest certificate of the version is
// valid (neither revoked nor superseded), certifies the same manifest
// sha256, and the envelope under prefix in out is the one the ledger
// recorded. ok is false when a new certificate is needed: a run whose
// inputs, policy and ledger state give an already-certified version
// re-uses its certificate instead of issuing one per run.
func (is *Issuer) Current(ctx context.Context, out objstore.Store, prefix string, manifest []byte, dataset, ver string) (iss *Issued, ok bool, err error) {
	view, err := is.Ledger.At(ctx, lineage.AsOf{})
	if err != nil {
		return nil, false, err
	}
	ci, err := view.CertificateStatus(ctx, dataset, ver)
	if lineage.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if ci.Status != lineage.StatusValid {
		return nil, false, nil
	}
	st, _, err := is.Ledger.Entry(ctx, ci.Leaf)
	if err != nil {
		return nil, false, fmt.Errorf("reading certificate entry of %s: %w", SubjectName(dataset, ver), err)
	}
	ce, isCert := st.Entry.(lineage.CertificateIssued)
	msum := sha256.Sum256(manifest)
	if !isCert || ce.ManifestSHA256 != hex.EncodeToString(msum[:]) {
		return nil, false, nil
	}
	env, err := readAll(ctx, out, prefix+version.Envelope)
	if err != nil {
		return nil, false, nil //nolint:nilerr // a missing or unreadable envelope is re-issued
	}
	esum := sha256.Sum256(env)
	if hex.EncodeToString(esum[:]) != ce.EnvelopeSHA256 {
		return nil, false, nil
	}
	proof, err := readAll(ctx, out, prefix+version.Proof)
	if err != nil {
		return nil, false, nil //nolint:nilerr // likewise
	}
	return &Issued{Dataset: dataset, Version: ver, Leaf: ci.Leaf, EnvelopeSHA256: ce.EnvelopeSHA256,
		ManifestSHA256: ce.ManifestSHA256, URI: out.URI(prefix + version.Envelope), Envelope: env, ProofBytes: proof}, true, nil
}

// readAll reads one object of out whole.
func readAll(ctx context.Context, out objstore.Store, key string) ([]byte, error) {
	rc, err := out.Get(ctx, key, objstore.GetOptions{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}
