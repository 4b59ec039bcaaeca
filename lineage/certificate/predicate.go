package certificate

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// Version is where a dataset version stands in the ledger: the leaf and
// content of its DatasetSealed entry and the ledger's origin.
type Version struct {
	Origin     string
	SealedLeaf uint64
	Sealed     lineage.DatasetSealed
}

// ParseManifest strictly decodes manifest bytes.
func ParseManifest(b []byte) (*schemas.Manifest, error) {
	var m schemas.Manifest
	if err := strictJSON(b, &m); err != nil {
		return nil, fmt.Errorf("parsing manifest: %w: %w", ErrBadManifest, err)
	}
	if m.Dataset == "" || m.Version == "" {
		return nil, fmt.Errorf("parsing manifest: %w: dataset and version are required", ErrBadManifest)
	}
	return &m, nil
}

// SubjectName is the statement subject's name of a dataset version.
func SubjectName(dataset, version string) string { return dataset + "@" + version }

// checkAgainstLedger reports the first disagreement between a manifest
// and the DatasetSealed entry of its version.
func checkAgainstLedger(m *schemas.Manifest, manifestSHA string, v Version) error {
	s := v.Sealed
	switch {
	case s.Dataset != m.Dataset || s.Version != m.Version:
		return fmt.Errorf("%w: ledger leaf %d seals %s, the manifest is %s", ErrBadManifest, v.SealedLeaf,
			SubjectName(s.Dataset, s.Version), SubjectName(m.Dataset, m.Version))
	case "sha256:"+s.Digest != m.Digest:
		return fmt.Errorf("%w: dataset digest %s, the ledger sealed sha256:%s", ErrBadManifest, m.Digest, s.Digest)
	case s.ManifestSHA256 != "" && s.ManifestSHA256 != manifestSHA:
		return fmt.Errorf("%w: manifest sha256 %s, the ledger sealed %s", ErrBadManifest, manifestSHA, s.ManifestSHA256)
	case s.Counts != m.Counts:
		return fmt.Errorf("%w: counts %+v, the ledger sealed %+v", ErrBadManifest, m.Counts, s.Counts)
	}
	return nil
}

// BuildStatement builds the in-toto statement of a dataset version from
// its exact manifest bytes, its ledger position, the DSSE key id and the
// policy it was checked under (used to resolve each source's licence to a
// use class; nil resolves without the policy's overrides). issuedAt is
// written in RFC 3339 UTC at second precision.
func BuildStatement(manifest []byte, v Version, keyID string, pol *schemas.Policy, issuedAt time.Time) (*schemas.Statement, error) {
	m, err := ParseManifest(manifest)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(manifest)
	msha := hex.EncodeToString(sum[:])
	if err := checkAgainstLedger(m, msha, v); err != nil {
		return nil, fmt.Errorf("building certificate of %s: %w", SubjectName(m.Dataset, m.Version), err)
	}
	p := predicateFromManifest(m, pol)
	p.Issuer = schemas.CertificateIssuer
	p.RunIDs = nonNil(slices.Clone(v.Sealed.RunIDs))
	slices.Sort(p.RunIDs)
	p.RunIDs = slices.Compact(p.RunIDs)
	p.Ledger = schemas.CertificateLedger{Origin: v.Origin, SealedLeaf: v.SealedLeaf, KeyID: keyID}
	p.IssuedAt = issuedAt.UTC().Truncate(time.Second).Format(time.RFC3339)
	return &schemas.Statement{
		Type: schemas.InTotoStatementType,
		Subject: []schemas.StatementSubject{{Name: SubjectName(m.Dataset, m.Version),
			Digest: map[string]string{"sha256": msha}}},
		PredicateType: schemas.CertificatePredicateType,
		Predicate:     p,
	}, nil
}

// predicateFromManifest fills the predicate fields that come from the
// manifest (all but issuer, run ids, ledger position and issue time).
func predicateFromManifest(m *schemas.Manifest, pol *schemas.Policy) schemas.CertificatePredicate {
	p := schemas.CertificatePredicate{
		Dataset: m.Dataset, Version: m.Version, Digest: m.Digest,
		Records: m.Records, Use: m.Use, Policy: m.Policy, RunIDs: []string{},
		Counts: m.Counts, RejectedAtSeal: m.RejectedAtSeal,
		Sources: []schemas.CertificateSource{}, Blocked: nonNil(slices.Clone(m.Blocked)),
		Rules:          make([]schemas.CertificateRule, 0, len(m.Rules)),
		Outputs:        schemas.CertificateOutputs{Findings: m.Outputs.Findings, Metrics: m.Outputs.Metrics},
		Supersedes:     m.Supersedes,
		EvaluationTime: m.EvaluationTime,
	}
	if p.Use == "" {
		p.Use = "commercial"
	}
	for _, in := range m.Inputs {
		p.Inputs.Objects++
		p.Inputs.Bytes += in.Size
	}
	for _, s := range m.Sources {
		cs := schemas.CertificateSource{ID: s.ID, Channel: s.Channel, LegalBasis: s.LegalBasis, Licence: s.Licence,
			Origin: s.Origin, Modality: s.Modality, Records: s.Records, Bytes: s.Bytes}
		if s.Licence != "" {
			cs.LicenceClass, cs.LicenceFlags = licenceClass(s.Licence, p.Use, pol)
		}
		p.Sources = append(p.Sources, cs)
	}
	slices.SortFunc(p.Sources, func(a, b schemas.CertificateSource) int { return compareStr(a.ID, b.ID) })
	for _, r := range m.Rules {
		res := schemas.RuleFail
		if r.Pass {
			res = schemas.RulePass
		}
		scope := r.Scope
		if scope == "" {
			scope = "dataset"
		}
		p.Rules = append(p.Rules, schemas.CertificateRule{RuleID: r.RuleID, Scope: scope, Result: res,
			Figure: r.Figure, Threshold: r.Threshold, N: r.N, Detail: r.Detail, Gate: r.Gate})
	}
	return p
}

// manifestDiff names the first predicate field that disagrees with the
// manifest ("" when all agree). Licence classes depend on the policy and
// are not compared.
func manifestDiff(p schemas.CertificatePredicate, m *schemas.Manifest) string {
	want := predicateFromManifest(m, nil)
	strip := func(x *schemas.CertificatePredicate) {
		x.Issuer, x.RunIDs, x.Ledger, x.IssuedAt = "", nil, schemas.CertificateLedger{}, ""
		x.Sources = slices.Clone(x.Sources)
		for i := range x.Sources {
			x.Sources[i].LicenceClass, x.Sources[i].LicenceFlags = "", ""
		}
	}
	strip(&p)
	strip(&want)
	a, _ := json.Marshal(p)
	b, _ := json.Marshal(want)
	if bytes.Equal(a, b) {
		return ""
	}
	var ma, mb map[string]json.RawMessage
	_ = json.Unmarshal(a, &ma)
	_ = json.Unmarshal(b, &mb)
	for _, k := range []string{"dataset", "version", "digest", "records", "use", "policy", "counts", "rejected_at_seal",
		"inputs", "sources", "blocked", "rules", "outputs", "supersedes"} {
		if !bytes.Equal(ma[k], mb[k]) {
			return k
		}
	}
	return "predicate"
}

// licenceClass resolves an SPDX expression to the use class and condition
// flags it grants for use under pol.
func licenceClass(expr, use string, pol *schemas.Policy) (class, flags string) {
	e, err := schemas.ParseLicenceExpression(expr)
	if err != nil {
		return schemas.ClassUnspecified.String(), "-"
	}
	var accept func(schemas.UseClass) bool
	var overrides map[string]schemas.UseClass
	if pol != nil {
		ok := pol.Licence.AcceptedClasses(use)
		accept = func(c schemas.UseClass) bool { return slices.Contains(ok, c) }
		overrides = pol.Licence.ClassOverrides()
	}
	ch := e.Resolve(accept, overrides)
	return ch.Class.String(), ch.Flags()
}

// EncodeStatement is the statement's canonical payload: compact JSON in
// struct field order (the only map, a subject's digests, is sorted by key).
func EncodeStatement(st *schemas.Statement) ([]byte, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("encoding statement: %w", err)
	}
	return b, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
