package certificate

import (
	"context"
	"errors"
	"fmt"

	"github.com/prov-ai/prov/lineage"
)

// Revocation targets: the identifier kinds of a data subject, a source or
// an input object.
const (
	TargetSubjectID = "subject_id"
	TargetEmail     = "email"
	TargetPhone     = "phone"
	TargetIDNumber  = "id_number"
	TargetSource    = "source"
	TargetObject    = "object"
)

// RevokeRequest is one revocation: exactly one target, a reason and an
// optional reference to the request outside the ledger (ticket, letter).
type RevokeRequest struct {
	Kind      string // one of the Target* constants
	Value     string // the identifier, source id or object URI
	Reason    string
	Reference string
}

// Revoke records a consent withdrawal (subject identifiers, normalised with
// lineage.NormalizeIdentifier and hashed with the ledger's SubjectKey: the
// identifier itself never reaches the ledger), a source revocation or an
// object revocation; the ledger marks every valid certificate of an
// affected dataset version revoked. A checkpoint is then published so the
// revocation is covered by a signed tree head (when the ledger has a
// signing key). Repeating a revocation appends nothing new.
func Revoke(ctx context.Context, l *lineage.Ledger, req RevokeRequest) (*lineage.Revocation, error) {
	if l == nil {
		return nil, fmt.Errorf("revoking: %w", ErrNoLedger)
	}
	if req.Value == "" || req.Reason == "" {
		return nil, fmt.Errorf("revoking: %w: a target value and a reason are required", ErrBadRevocation)
	}
	var rev *lineage.Revocation
	var err error
	switch req.Kind {
	case TargetSubjectID, TargetEmail, TargetPhone, TargetIDNumber:
		norm := lineage.NormalizeIdentifier(req.Kind, req.Value)
		if norm == "" {
			return nil, fmt.Errorf("revoking: %w: the %s is empty after normalising", ErrBadRevocation, req.Kind)
		}
		rev, err = l.WithdrawConsent(ctx, l.SubjectKey(req.Kind, norm), req.Reason, req.Reference)
	case TargetSource:
		rev, err = l.RevokeSource(ctx, req.Value, req.Reason, req.Reference)
	case TargetObject:
		rev, err = l.RevokeObject(ctx, req.Value, req.Reason, req.Reference)
	default:
		return nil, fmt.Errorf("revoking: %w: unknown target %q", ErrBadRevocation, req.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("revoking %s: %w", req.Kind, err)
	}
	if _, err := l.Checkpoint(ctx); err != nil && !errors.Is(err, lineage.ErrNoSigningKey) {
		return rev, fmt.Errorf("publishing checkpoint after the revocation: %w", err)
	}
	return rev, nil
}
