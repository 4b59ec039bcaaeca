package certificate

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/secure-systems-lab/go-securesystemslib/signerverifier"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

func TestIssueAndVerifyOffline(t *testing.T) {
	w := newWorld(t)
	dir, d := w.run(t)
	// Levels 1-2 with nothing but the bundle and the public key.
	off := copyBundle(t, dir)
	pub, err := lineage.LoadPublicKey(w.pubPath)
	if err != nil {
		t.Fatal(err)
	}
	rep := Verify(context.Background(), mustLoad(t, off), Options{PublicKey: pub})
	if err := rep.Err(); err != nil {
		t.Fatalf("verify: %v\n%v", err, rep.Checks)
	}
	parts := map[string]bool{}
	for _, c := range rep.Checks {
		parts[c.Part] = true
	}
	for _, p := range []string{"signature", "statement", "predicate", "manifest", "checkpoint", "proof"} {
		if !parts[p] {
			t.Errorf("no %s check in the report: %v", p, rep.Checks)
		}
	}
	p := rep.Statement.Predicate
	if rep.Subject != "chat@"+d.Version || p.Digest != d.Digest || p.Counts.In != d.Counts.In {
		t.Errorf("predicate %s %s %+v, run %s %+v", rep.Subject, p.Digest, p.Counts, d.Digest, d.Counts)
	}
	var gotRule bool
	for _, r := range p.Rules {
		if r.RuleID == "TC260-5.1-a" {
			gotRule = true
			if r.Result != schemas.RulePass || r.N != 17 || r.Threshold != 0.5 || r.Figure <= 0 {
				t.Errorf("rule line %+v", r)
			}
		}
	}
	if !gotRule {
		t.Errorf("the rule line TC260-5.1-a is missing: %+v", p.Rules)
	}
	var oss *schemas.CertificateSource
	for i := range p.Sources {
		if p.Sources[i].ID == "oss-wiki" {
			oss = &p.Sources[i]
		}
	}
	if oss == nil || oss.Channel != schemas.ChannelOpenSource || oss.LicenceClass != "commercial" || oss.LicenceFlags != "AS" {
		t.Errorf("oss source in the predicate: %+v", oss)
	}
	// Level 1 only (no proof file at all) still passes with SkipProof.
	if err := os.Remove(filepath.Join(off, version.Proof)); err != nil {
		t.Fatal(err)
	}
	if err := Verify(context.Background(), mustLoad(t, off), Options{PublicKey: pub, SkipProof: true}).Err(); err != nil {
		t.Errorf("level 1 without proof.json: %v", err)
	}
	if err := Verify(context.Background(), mustLoad(t, off), Options{PublicKey: pub}).Err(); err == nil || !strings.Contains(err.Error(), "proof") {
		t.Errorf("level 2 without proof.json: %v", err)
	}
}

// flip changes one byte of b at the first occurrence of needle (offset
// into it), keeping it a printable base64 / hex character.
func flip(t *testing.T, b []byte, needle string, off int) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(needle))
	if i < 0 {
		t.Fatalf("%q not found in %s", needle, b)
	}
	out := bytes.Clone(b)
	c := out[i+off]
	switch {
	case c == 'A':
		out[i+off] = 'B'
	case c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'B' && c <= 'Z':
		out[i+off] = 'A'
	default:
		out[i+off] = 'x'
	}
	return out
}

func jsonField(t *testing.T, b []byte, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	switch v := m[field].(type) {
	case string:
		return v
	case []any:
		return v[0].(map[string]any)["sig"].(string)
	}
	t.Fatalf("no field %s", field)
	return ""
}

func TestTamperedBundleFails(t *testing.T) {
	w := newWorld(t)
	dir, _ := w.run(t)
	pub, err := lineage.LoadPublicKey(w.pubPath)
	if err != nil {
		t.Fatal(err)
	}
	good := mustLoad(t, dir)
	payload := jsonField(t, good.Envelope, "payload")
	sig := jsonField(t, good.Envelope, "signatures")
	var pr Proof
	if err := json.Unmarshal(good.Proof, &pr); err != nil {
		t.Fatal(err)
	}
	other, _, _ := ed25519.GenerateKey(rand.Reader) // public key
	for _, tc := range []struct {
		name string
		mut  func(b *Bundle)
		pub  ed25519.PublicKey
		part string
	}{
		{"payload byte", func(b *Bundle) { b.Envelope = flip(t, b.Envelope, payload, len(payload)/2) }, pub, "payload"},
		{"signature byte", func(b *Bundle) { b.Envelope = flip(t, b.Envelope, sig, 10) }, pub, "signature"},
		{"manifest byte", func(b *Bundle) { b.Manifest = flip(t, b.Manifest, `"records"`, 3) }, pub, "manifest"},
		{"proof hash byte", func(b *Bundle) { b.Proof = flip(t, b.Proof, pr.Hashes[0], 5) }, pub, "proof"},
		{"proof entry byte", func(b *Bundle) { b.Proof = flip(t, b.Proof, pr.Entry, 40) }, pub, "proof"},
		{"proof index", func(b *Bundle) {
			b.Proof = bytes.Replace(b.Proof, []byte(`"index": `), []byte(`"index": 1`), 1)
		}, pub, "proof"},
		{"checkpoint byte", func(b *Bundle) {
			root := strings.Split(pr.Checkpoint, "\n")[2]
			b.Proof = flip(t, b.Proof, root, 3)
		}, pub, "checkpoint"},
		{"checkpoint signature byte", func(b *Bundle) {
			line := strings.Split(pr.Checkpoint, "\n")[4]
			b.Proof = flip(t, b.Proof, line, len(line)-8)
		}, pub, "checkpoint"},
		{"envelope whitespace", func(b *Bundle) { b.Envelope = append(bytes.Clone(b.Envelope), ' ') }, pub, "envelope"},
		{"wrong public key", func(b *Bundle) {}, other, "signature"},
		{"no public key", func(b *Bundle) { b.PublicKey = nil }, nil, "pubkey"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := *good
			b.Envelope, b.Proof, b.Manifest = bytes.Clone(good.Envelope), bytes.Clone(good.Proof), bytes.Clone(good.Manifest)
			tc.mut(&b)
			err := Verify(context.Background(), &b, Options{PublicKey: tc.pub}).Err()
			if err == nil {
				t.Fatal("a tampered bundle verified")
			}
			if !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), tc.part+":") {
				t.Fatalf("error does not name %s: %v", tc.part, err)
			}
		})
	}
}

func TestIndependentDSSEVerifier(t *testing.T) {
	w := newWorld(t)
	dir, _ := w.run(t)
	b := mustLoad(t, dir)
	key, err := signerverifier.LoadKey(b.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	key.KeyID = "" // let the verifier derive dsse.SHA256KeyID, the id we sign with
	sv, err := signerverifier.NewED25519SignerVerifierFromSSLibKey(key)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := dsse.NewEnvelopeVerifier(sv)
	if err != nil {
		t.Fatal(err)
	}
	var env dsse.Envelope
	if err := json.Unmarshal(b.Envelope, &env); err != nil {
		t.Fatal(err)
	}
	accepted, err := ev.Verify(context.Background(), &env)
	if err != nil || len(accepted) != 1 {
		t.Fatalf("go-securesystemslib rejected a genuine certificate: %v", err)
	}
	want, _ := KeyID(sv.Public().(ed25519.PublicKey))
	if accepted[0].KeyID != want || env.Signatures[0].KeyID != want {
		t.Errorf("key ids: accepted %s, envelope %s, want %s", accepted[0].KeyID, env.Signatures[0].KeyID, want)
	}
	payload, _ := base64.StdEncoding.DecodeString(env.Payload)
	payload[len(payload)/2] ^= 1
	env.Payload = base64.StdEncoding.EncodeToString(payload)
	if _, err := ev.Verify(context.Background(), &env); err == nil {
		t.Fatal("go-securesystemslib accepted a tampered payload")
	}
}

func TestPredicateValidatesAgainstSchema(t *testing.T) {
	w := newWorld(t)
	dir, _ := w.run(t)
	b := mustLoad(t, dir)
	env, err := ParseEnvelope(b.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	if err := ValidatePredicate(env.PayloadBytes); err != nil {
		t.Fatalf("a real predicate does not validate: %v", err)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"bad result", `"result":"pass"`, `"result":"ok"`},
		{"bad digest", `"digest":"sha256:`, `"digest":"md5:`},
		{"unknown field", `"issuer":"prov"`, `"issuer":"prov","extra":1`},
		{"bad channel", `"channel":"open_source"`, `"channel":"scraped"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Replace(env.PayloadBytes, []byte(tc.from), []byte(tc.to), 1)
			if bytes.Equal(bad, env.PayloadBytes) {
				t.Fatalf("%s not in the payload", tc.from)
			}
			if err := ValidatePredicate(bad); err == nil {
				t.Fatal("an invalid predicate validated")
			}
		})
	}
}

func TestReissueVersion(t *testing.T) {
	w := newWorld(t)
	dir, d := w.run(t)
	first := mustLoad(t, dir)
	is, err := NewIssuer(w.l, w.priv)
	if err != nil {
		t.Fatal(err)
	}
	is.Now = func() time.Time { return time.Now().Add(time.Hour) } // a later issue time: a new envelope
	iss, err := is.IssueVersion(context.Background(), w.opts.Output, "chat", d.Version, w.opts.Policy)
	if err != nil {
		t.Fatal(err)
	}
	second := mustLoad(t, dir)
	if bytes.Equal(first.Envelope, second.Envelope) && iss.Leaf == 0 {
		t.Fatal("re-issue wrote nothing new")
	}
	rep := Verify(context.Background(), second, Options{Ledger: w.l})
	if err := rep.Err(); err != nil || rep.Status != lineage.StatusValid {
		t.Fatalf("re-issued certificate: status %q, %v\n%v", rep.Status, err, rep.Checks)
	}
	// The first certificate is now superseded by the second: still a true
	// statement about the version, reported as a note.
	rep = Verify(context.Background(), first, Options{Ledger: w.l})
	if err := rep.Err(); err != nil || rep.Status != lineage.StatusSuperseded {
		t.Fatalf("first certificate: status %q, %v\n%v", rep.Status, err, rep.Checks)
	}
	if _, err := is.IssueVersion(context.Background(), w.opts.Output, "chat", "nope", nil); !lineage.IsNotFound(err) {
		t.Errorf("issuing an unknown version: %v", err)
	}
}

func TestRehash(t *testing.T) {
	w := newWorld(t)
	dir, _ := w.run(t)
	b := mustLoad(t, dir)
	rh := rehashWith(w.opts.Input, &w.cfg.Datasets[0])
	rep := Verify(context.Background(), b, Options{Ledger: w.l, Rehash: rh})
	if err := rep.Err(); err != nil {
		t.Fatalf("rehash: %v\n%v", err, rep.Checks)
	}
	n := 0
	for _, c := range rep.Checks {
		if c.Level == 3 && c.OK {
			n++
		}
	}
	if n != 3 { // two objects and the digest
		t.Errorf("%d level-3 checks, want 3: %v", n, rep.Checks)
	}
	// A changed input object is named.
	p := filepath.Join(w.dir, "in", "oss", "b.jsonl")
	data, _ := os.ReadFile(p)
	writeFile(t, p, strings.Replace(string(data), "open record 2", "open record X", 1))
	err := Verify(context.Background(), b, Options{Ledger: w.l, Rehash: rh}).Err()
	if err == nil || !strings.Contains(err.Error(), "object file://") || !strings.Contains(err.Error(), "oss/b.jsonl") {
		t.Fatalf("changed object: %v", err)
	}
	// Without a ledger, rehash cannot run.
	if err := Verify(context.Background(), b, Options{Rehash: rh}).Err(); err == nil {
		t.Fatal("rehash without a ledger passed")
	}
}

func TestRevokeAndSupersede(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	dir1, d1 := w.run(t)
	b1 := copyBundle(t, dir1)
	rev, err := Revoke(ctx, w.l, RevokeRequest{Kind: TargetSubjectID, Value: " user-1 ", Reason: "consent withdrawn", Reference: "ticket-7"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Versions) != 1 || rev.Versions[0].Version != d1.Version || len(rev.Certificates) != 1 || rev.Certificates[0].Status != lineage.StatusRevoked {
		t.Fatalf("revocation: %+v", rev)
	}
	rep := Verify(ctx, mustLoad(t, b1), Options{Ledger: w.l})
	if err := rep.Err(); err == nil || rep.Status != lineage.StatusRevoked || !strings.Contains(err.Error(), "consent_withdrawn") {
		t.Fatalf("revoked certificate: status %q, %v", rep.Status, err)
	}
	// Offline (no ledger) the old bundle still verifies: revocation needs the ledger.
	if err := Verify(ctx, mustLoad(t, b1), Options{}).Err(); err != nil {
		t.Fatalf("offline: %v", err)
	}
	dir2, d2 := w.run(t)
	if d2.Version == d1.Version || d2.Counts.Reject <= d1.Counts.Reject {
		t.Fatalf("re-run: version %s (was %s), rejects %d (were %d)", d2.Version, d1.Version, d2.Counts.Reject, d1.Counts.Reject)
	}
	rep = Verify(ctx, mustLoad(t, dir2), Options{Ledger: w.l, Rehash: rehashWith(w.opts.Input, &w.cfg.Datasets[0])})
	if err := rep.Err(); err != nil || rep.Status != lineage.StatusValid {
		t.Fatalf("new version: %q %v\n%v", rep.Status, err, rep.Checks)
	}
	if rep.Statement.Predicate.Supersedes != d1.Version {
		t.Errorf("supersedes %q, want %q", rep.Statement.Predicate.Supersedes, d1.Version)
	}
	for _, tc := range []RevokeRequest{
		{Kind: TargetEmail, Value: "", Reason: "x"},
		{Kind: TargetSource, Value: "web"},
		{Kind: "nickname", Value: "bob", Reason: "x"},
	} {
		if _, err := Revoke(ctx, w.l, tc); !errors.Is(err, ErrBadRevocation) {
			t.Errorf("%+v: %v", tc, err)
		}
	}
	rev, err = Revoke(ctx, w.l, RevokeRequest{Kind: TargetSource, Value: "oss-wiki", Reason: "complaint upheld"})
	if err != nil || len(rev.Certificates) == 0 {
		t.Fatalf("source revocation: %+v %v", rev, err)
	}
}
