// Package certificate issues, bundles and verifies dataset certificates,
// and records revocations.
//
// # Certificate
//
// A certificate is a DSSE envelope (payloadType
// application/vnd.in-toto+json, one Ed25519 signature over the DSSE
// pre-authentication encoding, key id = dsse.SHA256KeyID of the public key)
// around an in-toto Statement v1. The statement's only subject is the
// version's manifest.json (name "<dataset>@<version>", sha256 of the exact
// manifest bytes); its predicate (schemas.CertificatePredicate, type
// schemas.CertificatePredicateType, JSON Schema schemas/certificate.schema.json)
// copies the policy, runs, sources, verdict counts, every rule line, the
// findings and metrics digests, the dataset Merkle root and the ledger
// position of the version. The payload is deterministic: re-issuing the
// same version changes only issued_at.
//
// # Bundle
//
// Issue writes four files under the version's folder of the output store
// (each atomically through objstore.Store.Put):
//
//	certificate.dsse.json  the envelope
//	proof.json             inclusion proof of the ledger's CertificateIssued
//	                       entry against a signed checkpoint (Proof)
//	manifest.json          the subject (already written by the seal)
//	pubkey.pem             the ledger's Ed25519 public key (PEM PKIX)
//
// # Verification
//
// Verify checks a bundle in levels and reports one Check per thing
// checked: (1) envelope signature, statement, subject digest = sha256 of
// manifest.json, predicate type and JSON Schema; (2) the proof's checkpoint
// signature and the inclusion of the CertificateIssued entry naming this
// envelope; with a ledger, consistency of that checkpoint with the ledger's
// latest one and the certificate's revocation status; (3) with rehash
// options, every input object re-read and every digest recomputed up to the
// dataset Merkle root. Levels 1-2 need nothing but the bundle and the
// public key.
package certificate
