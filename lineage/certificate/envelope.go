package certificate

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/prov-ai/prov/schemas"
)

// edSigner is a dsse.Signer over an Ed25519 key; its key id is
// dsse.SHA256KeyID of the public key (the SSH-style "SHA256:..."
// fingerprint).
type edSigner struct {
	key ed25519.PrivateKey
	id  string
}

var _ dsse.Signer = (*edSigner)(nil)

func newSigner(key ed25519.PrivateKey) (*edSigner, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("building DSSE signer: %w: not an Ed25519 private key", ErrBadEnvelope)
	}
	id, err := KeyID(key.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, err
	}
	return &edSigner{key: key, id: id}, nil
}

func (s *edSigner) Sign(_ context.Context, data []byte) ([]byte, error) {
	return ed25519.Sign(s.key, data), nil
}

func (s *edSigner) KeyID() (string, error) { return s.id, nil }

// KeyID returns the DSSE key id of pub: dsse.SHA256KeyID, the
// "SHA256:<base64>" SSH fingerprint.
func KeyID(pub ed25519.PublicKey) (string, error) {
	id, err := dsse.SHA256KeyID(crypto.PublicKey(pub))
	if err != nil {
		return "", fmt.Errorf("computing key id: %w", err)
	}
	return id, nil
}

// SignStatement signs the canonical statement payload and returns the
// envelope file bytes (indented JSON, newline-terminated).
func SignStatement(ctx context.Context, key ed25519.PrivateKey, payload []byte) ([]byte, error) {
	s, err := newSigner(key)
	if err != nil {
		return nil, err
	}
	es, err := dsse.NewEnvelopeSigner(s)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	env, err := es.SignPayload(ctx, schemas.InTotoPayloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("signing certificate: %w", err)
	}
	b, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding certificate envelope: %w", err)
	}
	return append(b, '\n'), nil
}

// Envelope is a parsed certificate envelope with its decoded payload and
// signatures.
type Envelope struct {
	dsse.Envelope
	// PayloadBytes is the decoded payload (the statement JSON).
	PayloadBytes []byte
	// Sigs are the decoded signatures, in envelope order.
	Sigs [][]byte
}

// ParseEnvelope strictly parses a certificate envelope: a JSON object with
// exactly payloadType (the in-toto type), payload and at least one
// signature; base64 must be canonical standard encoding, each signature 64
// bytes (Ed25519). It does not check signatures.
func ParseEnvelope(b []byte) (*Envelope, error) {
	var e Envelope
	if err := strictJSON(b, &e.Envelope); err != nil {
		return nil, fmt.Errorf("parsing envelope: %w: %w", ErrBadEnvelope, err)
	}
	if e.PayloadType != schemas.InTotoPayloadType {
		return nil, fmt.Errorf("parsing envelope: %w: payloadType %q, want %q", ErrBadEnvelope, e.PayloadType, schemas.InTotoPayloadType)
	}
	p, err := canonicalB64(e.Payload)
	if err != nil {
		return nil, fmt.Errorf("parsing envelope: %w: payload: %w", ErrBadEnvelope, err)
	}
	e.PayloadBytes = p
	if len(e.Signatures) == 0 {
		return nil, fmt.Errorf("parsing envelope: %w: signature: none", ErrBadEnvelope)
	}
	for i, s := range e.Signatures {
		sig, err := canonicalB64(s.Sig)
		if err != nil {
			return nil, fmt.Errorf("parsing envelope: %w: signature %d: %w", ErrBadEnvelope, i+1, err)
		}
		if len(sig) != ed25519.SignatureSize {
			return nil, fmt.Errorf("parsing envelope: %w: signature %d: %d bytes, an Ed25519 signature has %d",
				ErrBadEnvelope, i+1, len(sig), ed25519.SignatureSize)
		}
		e.Sigs = append(e.Sigs, sig)
	}
	return &e, nil
}

// canonicalB64 decodes standard base64 and insists it re-encodes to the
// same text (no newlines, no URL alphabet, no non-zero padding bits), so
// that one changed byte of the file is never silently ignored.
func canonicalB64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64: %w", err)
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("not canonical base64")
	}
	return b, nil
}

// strictJSON decodes one JSON value with no unknown fields and nothing
// after it.
func strictJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if len(bytes.TrimSpace(b[d.InputOffset():])) != 0 {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// jsonRaw is a raw JSON value.
type jsonRaw = json.RawMessage

// strictJSONLoose decodes one JSON value, ignoring unknown fields.
func strictJSONLoose(b []byte, v any) error {
	return json.Unmarshal(b, v)
}
