package certificate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// Bundle is a certificate bundle as an auditor receives it. A nil field
// means the file was absent; Verify reports it as the failing part.
type Bundle struct {
	// Dir is the directory the bundle was loaded from ("" in memory).
	Dir       string
	Envelope  []byte
	Proof     []byte
	Manifest  []byte
	PublicKey []byte
}

// LoadBundle reads a bundle from a directory holding certificate.dsse.json,
// proof.json, manifest.json and pubkey.pem, or from the path of a
// certificate envelope (the other files are then looked for beside it).
// Only the envelope is required; missing files are left nil.
func LoadBundle(path string) (*Bundle, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("reading bundle %s: %w", path, err)
	}
	dir, env := path, filepath.Join(path, version.Envelope)
	if !fi.IsDir() {
		dir, env = filepath.Dir(path), path
	}
	b := &Bundle{Dir: dir}
	if b.Envelope, err = os.ReadFile(env); err != nil {
		return nil, fmt.Errorf("reading bundle %s: %w", path, err)
	}
	for _, f := range []struct {
		name string
		dst  *[]byte
	}{{version.Proof, &b.Proof}, {version.Manifest, &b.Manifest}, {version.PubKey, &b.PublicKey}} {
		data, err := os.ReadFile(filepath.Join(dir, f.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading bundle %s: %w", path, err)
		}
		*f.dst = data
	}
	return b, nil
}

// ParseBundle parses the envelope, its statement and, when present, the
// proof of a bundle without checking any signature or hash.
func ParseBundle(envelope, proof []byte) (*Envelope, *schemas.Statement, *Proof, error) {
	env, err := ParseEnvelope(envelope)
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := ParseStatement(env.PayloadBytes)
	if err != nil {
		return env, nil, nil, err
	}
	if proof == nil {
		return env, st, nil, nil
	}
	p, err := ParseProof(proof)
	if err != nil {
		return env, st, nil, err
	}
	return env, st, p, nil
}

// ErrBadStatement: a payload that is not an in-toto Statement v1 carrying a
// dataset certificate predicate.
var ErrBadStatement = errors.New("invalid certificate statement")

// ParseStatement strictly decodes the statement payload and checks its
// type, predicate type and subject.
func ParseStatement(payload []byte) (*schemas.Statement, error) {
	var st schemas.Statement
	if err := strictJSON(payload, &st); err != nil {
		return nil, fmt.Errorf("parsing statement: %w: %w", ErrBadStatement, err)
	}
	switch {
	case st.Type != schemas.InTotoStatementType:
		return nil, fmt.Errorf("parsing statement: %w: _type %q, want %q", ErrBadStatement, st.Type, schemas.InTotoStatementType)
	case st.PredicateType != schemas.CertificatePredicateType:
		return nil, fmt.Errorf("parsing statement: %w: predicateType %q, want %q", ErrBadStatement, st.PredicateType, schemas.CertificatePredicateType)
	case len(st.Subject) != 1:
		return nil, fmt.Errorf("parsing statement: %w: %d subjects, want the manifest only", ErrBadStatement, len(st.Subject))
	case len(st.Subject[0].Digest["sha256"]) != 64 || len(st.Subject[0].Digest) != 1:
		return nil, fmt.Errorf("parsing statement: %w: subject digest must be exactly one sha256", ErrBadStatement)
	case st.Subject[0].Name != SubjectName(st.Predicate.Dataset, st.Predicate.Version):
		return nil, fmt.Errorf("parsing statement: %w: subject %q does not name the predicate's %s", ErrBadStatement,
			st.Subject[0].Name, SubjectName(st.Predicate.Dataset, st.Predicate.Version))
	}
	return &st, nil
}

var (
	schemaOnce sync.Once
	schemaVal  *jsonschema.Schema
	schemaErr  error
)

// predicateSchema compiles schemas.CertificateJSONSchema once.
func predicateSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.CertificateJSONSchema))
		if err != nil {
			schemaErr = fmt.Errorf("loading the predicate JSON schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const url = "https://prov.dev/attestations/dataset-certificate/v1/schema.json"
		if err := c.AddResource(url, doc); err != nil {
			schemaErr = fmt.Errorf("loading the predicate JSON schema: %w", err)
			return
		}
		schemaVal, schemaErr = c.Compile(url)
	})
	return schemaVal, schemaErr
}

// ValidatePredicate validates the raw predicate JSON of a statement payload
// against the predicate's JSON Schema.
func ValidatePredicate(payload []byte) error {
	sch, err := predicateSchema()
	if err != nil {
		return err
	}
	var raw struct {
		Predicate jsonRaw `json:"predicate"`
	}
	if err := strictJSONLoose(payload, &raw); err != nil {
		return fmt.Errorf("validating predicate: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw.Predicate))
	if err != nil {
		return fmt.Errorf("validating predicate: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("validating predicate against %s: %w", schemas.CertificatePredicateType, err)
	}
	return nil
}
