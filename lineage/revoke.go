package lineage

import (
	"context"
	"fmt"
)

// Revocation is what a revocation or consent withdrawal affected: its own
// leaf, the dataset versions built on the revoked thing, and their
// certificates with the status they have now (a certificate valid before
// gets a CertificateRevoked entry whose cause is Leaf), and the models
// trained on those versions (each gets a ModelAffected entry whose cause is
// Leaf).
type Revocation struct {
	Leaf         uint64       `json:"leaf"`
	Versions     []VersionRef `json:"dataset_versions"`
	Certificates []CertInfo   `json:"certificates"`
	// Models are the outputs of downstream training runs that consumed an
	// affected version, each marked by a ModelAffected entry: what to
	// retrain or document.
	Models []AffectedModel `json:"models"`
}

// RevokeSource records that a source may no longer be used (complaint
// outcome, TC260-5.2-b3) and revokes every valid certificate of a dataset
// version built on it. Repeating it appends nothing new.
func (l *Ledger) RevokeSource(ctx context.Context, source, reason, reference string) (*Revocation, error) {
	leaf, _, err := l.Append(ctx, SourceRevoked{Source: source, Reason: reason, Reference: reference})
	if err != nil {
		return nil, err
	}
	return l.revokeAffected(ctx, leaf, "source "+source+" revoked", func(v *View) ([]VersionRef, error) {
		info, err := v.Impact(ctx, source)
		if err != nil {
			return nil, err
		}
		return info.Versions, nil
	})
}

// RevokeObject records that an input object may no longer be used and
// revokes every valid certificate of a dataset version holding it.
func (l *Ledger) RevokeObject(ctx context.Context, uri, reason, reference string) (*Revocation, error) {
	leaf, _, err := l.Append(ctx, ObjectRevoked{URI: uri, Reason: reason, Reference: reference})
	if err != nil {
		return nil, err
	}
	return l.revokeAffected(ctx, leaf, "object revoked", func(v *View) ([]VersionRef, error) {
		info, err := v.Object(ctx, uri)
		if err != nil {
			return nil, err
		}
		var out []VersionRef
		for _, o := range info.Ingested {
			out = append(out, o.Versions...)
		}
		return out, nil
	})
}

// WithdrawConsent records a data subject's consent withdrawal (PIPL-15/47;
// subject is a SubjectKey) and revokes every valid certificate of a dataset
// version holding one of the subject's records: those versions must be
// re-sealed without them.
func (l *Ledger) WithdrawConsent(ctx context.Context, subject, reason, reference string) (*Revocation, error) {
	leaf, _, err := l.Append(ctx, ConsentWithdrawn{Subject: subject, Reason: reason, Reference: reference})
	if err != nil {
		return nil, err
	}
	return l.revokeAffected(ctx, leaf, "consent withdrawn", func(v *View) ([]VersionRef, error) {
		info, err := v.Subject(ctx, subject)
		if err != nil {
			return nil, err
		}
		return info.Versions, nil
	})
}

// RevokeCertificate revokes the certificates of one dataset version
// directly (no ledger cause).
func (l *Ledger) RevokeCertificate(ctx context.Context, dataset, version, reason string) (*Revocation, error) {
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		return nil, err
	}
	info, err := v.Dataset(ctx, dataset, version)
	if err != nil {
		return nil, err
	}
	out := &Revocation{Leaf: noLeaf, Versions: []VersionRef{}, Certificates: []CertInfo{}, Models: []AffectedModel{}}
	for _, vi := range info.Versions {
		out.Versions = append(out.Versions, VersionRef{vi.Dataset, vi.Version, vi.Leaf})
		for _, ci := range vi.Certificates {
			if ci.Status == StatusValid {
				leaf, _, err := l.Append(ctx, CertificateRevoked{Dataset: ci.Dataset, Version: ci.Version,
					EnvelopeSHA256: ci.EnvelopeSHA256, Cause: -1, Reason: reason})
				if err != nil {
					return nil, err
				}
				ci.Status, ci.Cause, ci.Reason = StatusRevoked, int64(leaf), reason
				out.Leaf = min(out.Leaf, leaf)
			}
			out.Certificates = append(out.Certificates, ci)
		}
	}
	if out.Leaf != noLeaf {
		if out.Models, err = l.markModels(ctx, v, out.Leaf, reason, out.Versions); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (l *Ledger) revokeAffected(ctx context.Context, cause uint64, reason string, affected func(*View) ([]VersionRef, error)) (*Revocation, error) {
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		return nil, err
	}
	vers, err := affected(v)
	if err != nil && !IsNotFound(err) {
		return nil, err
	}
	out := &Revocation{Leaf: cause, Versions: []VersionRef{}, Certificates: []CertInfo{}, Models: []AffectedModel{}}
	seen := map[uint64]bool{}
	for _, vr := range vers {
		if seen[vr.Leaf] {
			continue
		}
		seen[vr.Leaf] = true
		out.Versions = append(out.Versions, vr)
		info, err := v.Dataset(ctx, vr.Dataset, vr.Version)
		if err != nil {
			return nil, err
		}
		for _, ci := range info.Versions[0].Certificates {
			if ci.Status == StatusValid {
				if _, _, err := l.Append(ctx, CertificateRevoked{Dataset: ci.Dataset, Version: ci.Version,
					EnvelopeSHA256: ci.EnvelopeSHA256, Cause: int64(cause), Reason: reason}); err != nil {
					return nil, fmt.Errorf("revoking certificate of %s@%s: %w", ci.Dataset, ci.Version, err)
				}
				ci.Status, ci.Cause, ci.Reason = StatusRevoked, int64(cause), reason
			}
			out.Certificates = append(out.Certificates, ci)
		}
	}
	if out.Models, err = l.markModels(ctx, v, cause, reason, out.Versions); err != nil {
		return nil, err
	}
	return out, nil
}
