package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/lineage/certificate"
	"github.com/prov-ai/prov/objstore/s3test"
	"github.com/prov-ai/prov/version"
)

// certBundle returns the bundle directory of a dataset of a demo run.
func certBundle(t *testing.T, r runJSON, name string) (string, string) {
	t.Helper()
	for _, d := range r.Datasets {
		if d.Name == name {
			if d.Outputs.Certificate == "" {
				t.Fatalf("prov run issued no certificate for %s", name)
			}
			return filepath.Dir(strings.TrimPrefix(d.Outputs.Certificate, "file://")), d.Version
		}
	}
	t.Fatalf("no dataset %s in the run", name)
	return "", ""
}

// copyBundleTo copies the four bundle files into a new temp dir, applying
// edit (file name → new content) to them.
func copyBundleTo(t *testing.T, src string, edit func(name string, b []byte) []byte) string {
	t.Helper()
	dst := t.TempDir()
	for _, f := range []string{version.Envelope, version.Proof, version.Manifest, version.PubKey} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			b = edit(f, b)
		}
		if err := os.WriteFile(filepath.Join(dst, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// changeByte changes the byte at off within the first occurrence of needle
// (to another character of the same alphabet).
func changeByte(t *testing.T, b []byte, needle string, off int) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(needle))
	if i < 0 || off >= len(needle) {
		t.Fatalf("%q not found", needle)
	}
	out := bytes.Clone(b)
	if out[i+off] == 'A' {
		out[i+off] = 'B'
	} else {
		out[i+off] = 'A'
	}
	return out
}

func jsonString(t *testing.T, b []byte, path ...string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, p := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[p]
		case []any:
			v = x[0]
			if m, ok := v.(map[string]any); ok && p != "" {
				v = m[p]
			}
		}
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("no string at %v", path)
	}
	return s
}

func TestCertVerifyOfflineAndTamper(t *testing.T) {
	root := repoRoot(t)
	cfg, dir := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r := runDemo(t, cfg, nil)
	bundle, ver := certBundle(t, r, "chat-zh-en")
	pub := filepath.Join(dir, "keys", "ledger.pub")

	// Levels 1-2 on a copy of the bundle: no ledger, no store, no config.
	off := copyBundleTo(t, bundle, nil)
	stdout, stderr, code := prov(t, []string{"PROV_CONFIG="}, "cert", "verify", off, "--pubkey", pub)
	if code != 0 || !strings.Contains(stdout, "VERIFIED chat-zh-en@"+ver) || !strings.Contains(stdout, "OK   [2] proof") {
		t.Fatalf("offline verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "[3]") || strings.Contains(stdout, "status") {
		t.Errorf("offline verify ran ledger or store checks:\n%s", stdout)
	}
	// A single certificate file works too (siblings are found beside it).
	if _, stderr, code := prov(t, nil, "cert", "verify", filepath.Join(off, version.Envelope), "--pubkey", pub); code != 0 {
		t.Fatalf("verify CERT_FILE: exit %d\n%s", code, stderr)
	}

	env, _ := os.ReadFile(filepath.Join(bundle, version.Envelope))
	proof, _ := os.ReadFile(filepath.Join(bundle, version.Proof))
	payload := jsonString(t, env, "payload")
	sig := jsonString(t, env, "signatures", "sig")
	hash := jsonString(t, proof, "hashes", "")
	ckpt := jsonString(t, proof, "checkpoint")
	ckptRoot := strings.Split(ckpt, "\n")[2]
	otherKeys := t.TempDir()
	if _, stderr, code := prov(t, nil, "keygen", "--out", otherKeys); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	for _, tc := range []struct {
		name, file string
		edit       func([]byte) []byte
		pub        string
		part       string
	}{
		{"payload", version.Envelope, func(b []byte) []byte { return changeByte(t, b, payload, len(payload)/3) }, pub, "payload"},
		{"signature", version.Envelope, func(b []byte) []byte { return changeByte(t, b, sig, 20) }, pub, "signature"},
		{"manifest", version.Manifest, func(b []byte) []byte { return bytes.Replace(b, []byte(`"records": `), []byte(`"records": 1`), 1) }, pub, "manifest"},
		{"proof", version.Proof, func(b []byte) []byte { return changeByte(t, b, hash, 7) }, pub, "proof"},
		{"checkpoint", version.Proof, func(b []byte) []byte { return changeByte(t, b, ckptRoot, 5) }, pub, "checkpoint"},
		{"wrong public key", "", nil, filepath.Join(otherKeys, "ledger.pub"), "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := copyBundleTo(t, bundle, func(name string, b []byte) []byte {
				if name == tc.file {
					return tc.edit(b)
				}
				return b
			})
			stdout, stderr, code := prov(t, nil, "cert", "verify", d, "--pubkey", tc.pub)
			if code == 0 {
				t.Fatalf("a tampered bundle verified:\n%s", stdout)
			}
			if !strings.Contains(stdout, "FAIL") || !strings.Contains(stderr, tc.part+":") || !strings.Contains(stdout, "NOT VERIFIED") {
				t.Fatalf("the failure does not name %s:\nstdout:\n%s\nstderr:\n%s", tc.part, stdout, stderr)
			}
		})
	}
}

func TestCertIssueRevokeAndRerun(t *testing.T) {
	root := repoRoot(t)
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r1 := runDemo(t, cfg, nil)
	old, v1 := certBundle(t, r1, "chat-zh-en")
	oldCopy := copyBundleTo(t, old, nil)

	// Re-issue: a new certificate for the same version; the ledger then
	// reports the first as superseded, the new one valid.
	stdout, stderr, code := prov(t, nil, "-c", cfg, "cert", "issue", "chat-zh-en@"+v1, "--force", "-o", "json")
	if code != 0 {
		t.Fatalf("cert issue: exit %d\n%s", code, stderr)
	}
	var iss certificate.Issued
	if err := json.Unmarshal([]byte(stdout), &iss); err != nil || iss.Version != v1 || iss.TreeSize <= iss.Leaf {
		t.Fatalf("cert issue output %v: %s", err, stdout)
	}
	stdout, stderr, code = prov(t, nil, "-c", cfg, "cert", "verify", old)
	if code != 0 || !strings.Contains(stdout, "OK   [2] status: valid") {
		t.Fatalf("re-issued certificate: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// Withdraw the consent of a demo user.
	stdout, stderr, code = prov(t, nil, "-c", cfg, "revoke", "--subject-id", "u1001", "--reason", "consent withdrawn by the user", "--reference", "ticket-42", "-o", "json")
	if code != 0 {
		t.Fatalf("revoke: exit %d\n%s", code, stderr)
	}
	if strings.Contains(stdout, "u1001") {
		t.Errorf("revoke printed the subject id in clear:\n%s", stdout)
	}
	var rev struct {
		Leaf     uint64 `json:"leaf"`
		Versions []struct {
			Dataset, Version string
		} `json:"dataset_versions"`
		Certificates []struct {
			Version, Status string
		} `json:"certificates"`
	}
	if err := json.Unmarshal([]byte(stdout), &rev); err != nil {
		t.Fatal(err)
	}
	revoked := 0
	for _, c := range rev.Certificates {
		if c.Version == v1 && c.Status == "revoked" {
			revoked++
		}
	}
	if len(rev.Versions) == 0 || rev.Versions[0].Version != v1 || revoked == 0 {
		t.Fatalf("revocation did not list and revoke %s: %s", v1, stdout)
	}
	stdout, _, code = prov(t, nil, "-c", cfg, "cert", "verify", oldCopy)
	if code == 0 || !strings.Contains(stdout, "FAIL [2] status: revoked") {
		t.Fatalf("a revoked certificate verified against the ledger: exit %d\n%s", code, stdout)
	}
	// A table, too, and usage errors.
	if stdout, _, code := prov(t, nil, "-c", cfg, "revoke", "--subject-id", "u1001", "--reason", "again"); code != 0 || !strings.Contains(stdout, "CERTIFICATE") {
		t.Errorf("revoke table: exit %d\n%s", code, stdout)
	}
	if _, _, code := prov(t, nil, "-c", cfg, "revoke", "--subject-id", "u1", "--email", "a@b.c", "--reason", "x"); code != 2 {
		t.Errorf("two targets: exit %d, want 2", code)
	}
	if _, _, code := prov(t, nil, "-c", cfg, "revoke", "--source", "web-news-2024"); code != 2 {
		t.Errorf("no reason: exit %d, want 2", code)
	}

	// The next run seals a new version without the withdrawn records; its
	// certificate names the version it supersedes and verifies.
	r2 := rerunDemo(t, cfg)
	cur, v2 := certBundle(t, r2, "chat-zh-en")
	if v2 == v1 {
		t.Fatalf("the re-run sealed the same version %s", v1)
	}
	stdout, stderr, code = prov(t, nil, "-c", cfg, "cert", "verify", cur, "--rehash", "-o", "json")
	if code != 0 {
		t.Fatalf("new certificate: exit %d\n%s\n%s", code, stdout, stderr)
	}
	env, _ := os.ReadFile(filepath.Join(cur, version.Envelope))
	payload, _ := base64.StdEncoding.DecodeString(jsonString(t, env, "payload"))
	var st struct {
		Predicate struct {
			Supersedes     string `json:"supersedes"`
			RejectedAtSeal int64  `json:"rejected_at_seal"`
		} `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	if st.Predicate.Supersedes != v1 {
		t.Errorf("the new certificate supersedes %q, want %q", st.Predicate.Supersedes, v1)
	}
	for _, d := range r1.Datasets {
		for _, e := range r2.Datasets {
			if d.Name == "chat-zh-en" && e.Name == d.Name && e.Counts.Reject <= d.Counts.Reject {
				t.Errorf("rejects %d after the withdrawal, %d before", e.Counts.Reject, d.Counts.Reject)
			}
		}
	}
}

// rerunDemo runs `prov run -o json` again on a configuration whose keys
// exist (runDemo also runs keygen).
func rerunDemo(t *testing.T, cfg string) runJSON {
	t.Helper()
	stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("prov run: exit %d\n%s", code, stderr)
	}
	var res runJSON
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("prov run -o json: %v\n%s", err, stdout)
	}
	return res
}

func TestCertVerifyRehashS3(t *testing.T) {
	root := repoRoot(t)
	srv := s3test.Start(t)
	bucket := srv.NewBucket(t, "corpus")
	srv.PutDir(t, bucket, "", filepath.Join(root, "fixtures", "demo", "corpus"))
	env := []string{"PROV_S3_ACCESS_KEY=" + srv.AccessKey, "PROV_S3_SECRET_KEY=" + srv.SecretKey}
	s3cfg := fmt.Sprintf("\ns3:\n  endpoint: %s\n  region: %s\n  insecure: true\n  path_style: true\n", srv.Endpoint, srv.Region)
	cfg, _ := demoConfig(t, "s3://"+bucket, s3cfg)
	r := runDemo(t, cfg, env)
	bundle, _ := certBundle(t, r, "chat-zh-en")
	stdout, stderr, code := prov(t, env, "-c", cfg, "cert", "verify", bundle, "--rehash")
	if code != 0 || !strings.Contains(stdout, "OK   [3] digest") || !strings.Contains(stdout, "OK   [3] object s3://"+bucket+"/") {
		t.Fatalf("rehash against S3: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// An object changed in the store after the run is named.
	srv.Put(t, bucket, "synth/dialogues-v1.jsonl", []byte(`{"id":"x","text":"replaced"}`+"\n"))
	stdout, _, code = prov(t, env, "-c", cfg, "cert", "verify", bundle, "--rehash")
	if code == 0 || !strings.Contains(stdout, "FAIL [3] object s3://"+bucket+"/synth/dialogues-v1.jsonl") {
		t.Fatalf("a changed object passed rehash: exit %d\n%s", code, stdout)
	}
}

// TestCosignVerifiesCertificate runs the stock cosign, when built in
// .tools/bin (PROV_REQUIRE_COSIGN makes its absence a failure).
func TestCosignVerifiesCertificate(t *testing.T) {
	root := repoRoot(t)
	cosign := filepath.Join(root, ".tools", "bin", "cosign")
	if _, err := os.Stat(cosign); err != nil {
		if os.Getenv("PROV_REQUIRE_COSIGN") != "" {
			t.Fatalf("cosign not built at %s (GOBIN=%s go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5)", cosign, filepath.Dir(cosign))
		}
		t.Skipf("cosign not built at %s (GOBIN=%s go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5)", cosign, filepath.Dir(cosign))
	}
	cfg, _ := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r := runDemo(t, cfg, nil)
	bundle, _ := certBundle(t, r, "chat-zh-en")
	run := func(dir string) (string, error) {
		cmd := exec.Command(cosign, "verify-blob-attestation", "--key", filepath.Join(dir, version.PubKey),
			"--insecure-ignore-tlog", "--type", "https://prov.dev/attestations/dataset-certificate/v1",
			"--signature", filepath.Join(dir, version.Envelope), filepath.Join(dir, version.Manifest))
		cmd.Env = append(os.Environ(), "TUF_ROOT="+t.TempDir())
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(copyBundleTo(t, bundle, nil)); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("cosign rejected a genuine certificate: %v\n%s", err, out)
	}
	env, _ := os.ReadFile(filepath.Join(bundle, version.Envelope))
	payload := jsonString(t, env, "payload")
	for _, tc := range []struct {
		name, file string
		edit       func([]byte) []byte
	}{
		{"manifest", version.Manifest, func(b []byte) []byte { return bytes.Replace(b, []byte(`"records": `), []byte(`"records": 1`), 1) }},
		{"payload", version.Envelope, func(b []byte) []byte { return changeByte(t, b, payload, len(payload)/2) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := copyBundleTo(t, bundle, func(name string, b []byte) []byte {
				if name == tc.file {
					return tc.edit(b)
				}
				return b
			})
			if out, err := run(d); err == nil {
				t.Fatalf("cosign accepted a tampered %s:\n%s", tc.name, out)
			}
		})
	}
	// The predicate type must match.
	cmd := exec.Command(cosign, "verify-blob-attestation", "--key", filepath.Join(bundle, version.PubKey),
		"--insecure-ignore-tlog", "--type", "https://prov.dev/attestations/other/v1",
		"--signature", filepath.Join(bundle, version.Envelope), filepath.Join(bundle, version.Manifest))
	cmd.Env = append(os.Environ(), "TUF_ROOT="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("cosign accepted another predicate type:\n%s", out)
	}
}
