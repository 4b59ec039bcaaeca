package certificate

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// ProofFormat identifies the proof.json format.
const ProofFormat = "https://prov.dev/proofs/certificate-inclusion/v1"

// Proof is proof.json: an offline-verifiable proof that the ledger holds
// the CertificateIssued entry of a certificate. It carries what a C2SP
// tlog-proof does (https://c2sp.org/tlog-proof: the entry's index, the
// RFC 6962 inclusion proof and the signed checkpoint it leads to), with the
// log entry itself in place of tlog-proof's opaque "extra" line, as JSON.
type Proof struct {
	Format string `json:"format"`
	// Origin is the ledger's log identity (the checkpoint's first line).
	Origin string `json:"origin"`
	// Index is the entry's leaf index.
	Index uint64 `json:"index"`
	// Entry is the entry's canonical bytes (lineage.EncodeEntry), base64.
	Entry string `json:"entry"`
	// Hashes is the inclusion proof, leaf to root, each base64.
	Hashes []string `json:"hashes"`
	// Checkpoint is the signed note (C2SP tlog-checkpoint) the proof is
	// against, verbatim.
	Checkpoint string `json:"checkpoint"`

	entry  []byte
	hashes [][]byte
}

// EntryBytes returns the decoded canonical entry.
func (p *Proof) EntryBytes() []byte { return p.entry }

// HashBytes returns the decoded proof hashes.
func (p *Proof) HashBytes() [][]byte { return p.hashes }

// NewProof builds a proof from its parts.
func NewProof(origin string, index uint64, entry []byte, hashes [][]byte, checkpoint []byte) *Proof {
	p := &Proof{Format: ProofFormat, Origin: origin, Index: index,
		Entry: base64.StdEncoding.EncodeToString(entry), Hashes: make([]string, len(hashes)),
		Checkpoint: string(checkpoint), entry: entry, hashes: hashes}
	for i, h := range hashes {
		p.Hashes[i] = base64.StdEncoding.EncodeToString(h)
	}
	return p
}

// Marshal returns the proof.json bytes (indented, newline-terminated).
func (p *Proof) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding proof: %w", err)
	}
	return append(b, '\n'), nil
}

// TLogProof renders the proof in the C2SP tlog-proof text format, with the
// canonical entry as the "extra" data.
func (p *Proof) TLogProof() string {
	var b strings.Builder
	b.WriteString("c2sp.org/tlog-proof@v1\n")
	fmt.Fprintf(&b, "extra %s\nindex %d\n", p.Entry, p.Index)
	for _, h := range p.Hashes {
		b.WriteString(h + "\n")
	}
	b.WriteString("\n" + p.Checkpoint)
	return b.String()
}

// ParseProof strictly parses proof.json: known format, canonical base64,
// 32-byte hashes, a non-empty entry and checkpoint. It checks no signature
// or hash.
func ParseProof(b []byte) (*Proof, error) {
	var p Proof
	if err := strictJSON(b, &p); err != nil {
		return nil, fmt.Errorf("parsing proof: %w: %w", ErrBadProof, err)
	}
	if p.Format != ProofFormat {
		return nil, fmt.Errorf("parsing proof: %w: format %q, want %q", ErrBadProof, p.Format, ProofFormat)
	}
	if p.Origin == "" {
		return nil, fmt.Errorf("parsing proof: %w: origin is empty", ErrBadProof)
	}
	e, err := canonicalB64(p.Entry)
	if err != nil || len(e) == 0 {
		return nil, fmt.Errorf("parsing proof: %w: entry: %v", ErrBadProof, err)
	}
	p.entry = e
	if len(p.Hashes) > 64 {
		return nil, fmt.Errorf("parsing proof: %w: %d hashes (at most 64)", ErrBadProof, len(p.Hashes))
	}
	for i, h := range p.Hashes {
		hb, err := canonicalB64(h)
		if err != nil || len(hb) != 32 {
			return nil, fmt.Errorf("parsing proof: %w: hash %d is not 32 base64 bytes", ErrBadProof, i+1)
		}
		p.hashes = append(p.hashes, hb)
	}
	if p.Checkpoint == "" {
		return nil, fmt.Errorf("parsing proof: %w: checkpoint is empty", ErrBadProof)
	}
	return &p, nil
}
