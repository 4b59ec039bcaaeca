package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/version"
)

// TestSwappedOutputsFailVerification swaps findings.parquet or
// metrics.parquet of a sealed version with another version's file (both
// are valid Parquet of the right schema): `prov cert verify` offline fails
// naming the file, and `prov show` refuses to summarise it.
func TestSwappedOutputsFailVerification(t *testing.T) {
	root := repoRoot(t)
	cfg, dir := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	r := runDemo(t, cfg, nil)
	bundle, ver := certBundle(t, r, "chat-zh-en")
	var other string
	for _, d := range r.Datasets {
		if d.Name != "chat-zh-en" && d.Outputs.Findings != "" {
			other = filepath.Dir(strings.TrimPrefix(d.Outputs.Findings, "file://"))
		}
	}
	if other == "" {
		t.Fatal("the demo run sealed only one dataset")
	}
	pub := filepath.Join(dir, "keys", "ledger.pub")
	stdout, stderr, code := prov(t, []string{"PROV_CONFIG="}, "cert", "verify", bundle, "--pubkey", pub)
	if code != 0 || !strings.Contains(stdout, "OK   [1] outputs: "+version.Findings) || !strings.Contains(stdout, "OK   [1] outputs: "+version.Metrics) {
		t.Fatalf("undisturbed version: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, name := range []string{version.Findings, version.Metrics} {
		t.Run(name, func(t *testing.T) {
			orig, err := os.ReadFile(filepath.Join(bundle, name))
			if err != nil {
				t.Fatal(err)
			}
			swapped, err := os.ReadFile(filepath.Join(other, name))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(bundle, name), swapped, 0o644); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = os.WriteFile(filepath.Join(bundle, name), orig, 0o644) }()
			stdout, stderr, code := prov(t, []string{"PROV_CONFIG="}, "cert", "verify", bundle, "--pubkey", pub)
			if code == 0 || !strings.Contains(stdout, "FAIL [1] outputs: "+name) || !strings.Contains(stdout, "NOT VERIFIED") {
				t.Fatalf("cert verify with a swapped %s: exit %d\n%s\n%s", name, code, stdout, stderr)
			}
			stdout, stderr, code = prov(t, nil, "-c", cfg, "show", "chat-zh-en@"+ver)
			if code != 1 || !strings.Contains(stderr, name) || !strings.Contains(stderr, version.ErrFileDiffers.Error()) {
				t.Fatalf("prov show with a swapped %s: exit %d\n%s\n%s", name, code, stdout, stderr)
			}
		})
	}
}
