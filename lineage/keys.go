package lineage

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"

	"github.com/prov-ai/prov/atomicfile"
)

// Default key file names used by GenerateKeys.
const (
	PrivateKeyFile = "ledger.key"
	PublicKeyFile  = "ledger.pub"
)

// GenerateKeys creates an Ed25519 key pair in dir as PrivateKeyFile (PEM
// PKCS#8, mode 0600) and PublicKeyFile (PEM PKIX, mode 0644). It refuses to
// overwrite either file (ErrKeyExists). One key pair serves checkpoints
// (signed notes) and certificates (DSSE); the public PEM is what
// `cosign verify-blob-attestation --key` takes.
func GenerateKeys(dir string) (privPath, pubPath string, err error) {
	privPath = filepath.Join(dir, PrivateKeyFile)
	pubPath = filepath.Join(dir, PublicKeyFile)
	if _, err := WriteKeys(privPath, pubPath); err != nil {
		return "", "", err
	}
	return privPath, pubPath, nil
}

// WriteKeys creates a new Ed25519 key pair at the given paths (creating
// their directories) and returns the public key PEM. Neither file may exist.
func WriteKeys(privPath, pubPath string) (pubPEM []byte, err error) {
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Stat(p); err == nil {
			return nil, fmt.Errorf("writing key %s: %w", p, ErrKeyExists)
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encoding private key: %w", err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encoding public key: %w", err)
	}
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	pubPEM = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	if err := writeNew(privPath, privPEM, 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(pubPath, pubPEM, 0o644); err != nil {
		return nil, err
	}
	return pubPEM, nil
}

// writeNew writes data to path atomically and durably with mode, and
// fails if path exists.
func writeNew(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	f, err := atomicfile.Create(path, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.CommitNew(); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("writing key %s: %w", path, ErrKeyExists)
		}
		return err
	}
	return nil
}

// LoadSigner reads a PEM PKCS#8 Ed25519 private key written by GenerateKeys.
func LoadSigner(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading signing key %s: %w", path, err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("reading signing key %s: no PEM PRIVATE KEY block: %w", path, ErrBadKey)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading signing key %s: %w: %w", path, ErrBadKey, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("reading signing key %s: %T is not Ed25519: %w", path, k, ErrBadKey)
	}
	return priv, nil
}

// LoadPublicKey reads a PEM PKIX Ed25519 public key written by GenerateKeys.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading public key %s: %w", path, err)
	}
	return ParsePublicKey(b)
}

// ParsePublicKey parses a PEM PKIX Ed25519 public key.
func ParsePublicKey(pemBytes []byte) (ed25519.PublicKey, error) {
	blk, _ := pem.Decode(pemBytes)
	if blk == nil || blk.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("parsing public key: no PEM PUBLIC KEY block: %w", ErrBadKey)
	}
	k, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing public key: %w: %w", ErrBadKey, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("parsing public key: %T is not Ed25519: %w", k, ErrBadKey)
	}
	return pub, nil
}

// algEd25519 is the signed-note algorithm byte for Ed25519.
const algEd25519 = 1

// noteSigner is a note.Signer over an Ed25519 private key.
type noteSigner struct {
	name string
	hash uint32
	key  ed25519.PrivateKey
}

func (s *noteSigner) Name() string                    { return s.name }
func (s *noteSigner) KeyHash() uint32                 { return s.hash }
func (s *noteSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.key, msg), nil }

// NewNoteSigner returns a signed-note signer named name (the log origin)
// over priv; its key hash is the one note.NewEd25519VerifierKey gives for
// the matching public key.
func NewNoteSigner(name string, priv ed25519.PrivateKey) (note.Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("building note signer: %w", ErrBadKey)
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &noteSigner{name: name, hash: keyHash(name, pub), key: priv}, nil
}

// NewNoteVerifier returns a signed-note verifier named name over pub.
func NewNoteVerifier(name string, pub ed25519.PublicKey) (note.Verifier, error) {
	vkey, err := note.NewEd25519VerifierKey(name, pub)
	if err != nil {
		return nil, fmt.Errorf("building note verifier: %w: %w", ErrBadKey, err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("building note verifier: %w: %w", ErrBadKey, err)
	}
	return v, nil
}

// VerifierKey returns the signed-note verifier key string
// ("<name>+<hash>+<base64>") for pub, as published for checkpoint witnesses.
func VerifierKey(name string, pub ed25519.PublicKey) (string, error) {
	return note.NewEd25519VerifierKey(name, pub)
}

func keyHash(name string, pub ed25519.PublicKey) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte("\n"))
	h.Write([]byte{algEd25519})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}
