package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// The exit-code contract (README "Exit codes"): 0 done, 1 runtime error
// (retryable; also a recovered panic), 2 bad usage or configuration, 3 a
// policy gate failed. TestExitCodeContract runs the real binary.

func init() {
	// A hidden command of the test binary only, for the panic case.
	register("", func() *cobra.Command {
		return &cobra.Command{Use: "test-panic", Hidden: true, Args: cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error { panic("test panic") }}
	})
}

// leafCommands lists the command paths of the CLI (without the root),
// hidden and cobra's own commands excluded.
func leafCommands(c *cobra.Command, prefix []string) [][]string {
	var out [][]string
	for _, sub := range c.Commands() {
		if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
			continue
		}
		p := append(append([]string{}, prefix...), sub.Name())
		if sub.HasSubCommands() {
			out = append(out, leafCommands(sub, p)...)
		} else {
			out = append(out, p)
		}
	}
	return out
}

func TestExitCodeContract(t *testing.T) {
	dir := newTourDir(t) // the demo after scripts/demo.sh: ledger, keys, sealed versions
	cfg := filepath.Join(dir, "fixtures", "demo", "prov.yaml")

	// A copy of the demo whose key pair was never made.
	nokey := filepath.Join(t.TempDir(), "prov.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fix := filepath.Join(dir, "fixtures", "demo")
	nk := strings.NewReplacer("./corpus", fix+"/corpus", "./policy.yaml", fix+"/policy.yaml",
		"./sources.yaml", fix+"/sources.yaml").Replace(string(b))
	if err := os.WriteFile(nokey, []byte(nk), 0o644); err != nil {
		t.Fatal(err)
	}

	run := func(t *testing.T, env []string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(provBin, args...)
		cmd.Dir = dir
		cmd.Env = append(tourEnv(nil), env...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), 0
	}

	// Every command: an unknown flag is bad usage, and so are surplus
	// arguments where the command takes a fixed number.
	t.Run("every command", func(t *testing.T) {
		for _, path := range leafCommands(newRoot(), nil) {
			args := append(append([]string{"-c", cfg}, path...), "--no-such-flag")
			if out, code := run(t, nil, args...); code != exitUsage {
				t.Errorf("prov %s --no-such-flag: exit %d, want %d\n%s", strings.Join(path, " "), code, exitUsage, out)
			}
			c, _, err := newRoot().Find(path)
			if err != nil {
				t.Fatal(err)
			}
			surplus := []string{"a", "b", "c", "d", "e", "f"}
			if c.Args == nil || c.ValidateArgs(surplus) == nil {
				continue // takes any number of arguments (files)
			}
			args = append(append([]string{"-c", cfg}, path...), surplus...)
			if out, code := run(t, nil, args...); code != exitUsage {
				t.Errorf("prov %s a b c d e f: exit %d, want %d\n%s", strings.Join(path, " "), code, exitUsage, out)
			}
		}
	})

	tests := []struct {
		name string
		env  []string
		args []string
		want int
		says string // the output must contain this
	}{
		{"no command: help", nil, nil, exitOK, "Available Commands"},
		{"help", nil, []string{"--help"}, exitOK, "Usage"},
		{"a group command: help", nil, []string{"lineage"}, exitOK, "Available Commands"},
		{"unknown command", nil, []string{"bogus"}, exitUsage, `unknown command "bogus"`},
		{"unknown subcommand", nil, []string{"lineage", "bogus"}, exitUsage, "unknown command"},
		{"unknown global flag", nil, []string{"--bogus", "run"}, exitUsage, "unknown flag"},
		{"missing argument", nil, []string{"-c", cfg, "show"}, exitUsage, "accepts 1 arg"},
		{"surplus argument", nil, []string{"-c", cfg, "run", "extra"}, exitUsage, "unknown command"},
		{"bad flag value", nil, []string{"-c", cfg, "run", "--workers", "x"}, exitUsage, "invalid argument"},
		{"negative workers", nil, []string{"-c", cfg, "run", "--workers", "-1"}, exitUsage, "--workers -1"},
		{"bad output format", nil, []string{"-c", cfg, "run", "-o", "xml"}, exitUsage, "want text or json"},
		{"bad shard", nil, []string{"-c", cfg, "run", "--shard", "3/2"}, exitUsage, "shard"},
		{"bad log level", nil, []string{"-c", cfg, "--log-level", "loud", "show", "chat-zh-en"}, exitUsage, "--log-level"},
		{"unknown dataset", nil, []string{"-c", cfg, "run", "--dataset", "nope"}, exitUsage, "nope"},
		{"no configuration", nil, []string{"run"}, exitUsage, "no configuration"},
		{"configuration file missing", nil, []string{"-c", "nope.yaml", "run"}, exitUsage, "nope.yaml"},
		{"missing signing key", nil, []string{"-c", nokey, "run"}, exitUsage, "run `prov keygen`"},
		{"missing public key", nil, []string{"-c", nokey, "ledger", "verify"}, exitUsage, "run `prov keygen`"},
		{"dataset not in the ledger", nil, []string{"-c", cfg, "show", "nope"}, exitUsage, "no sealed version"},
		{"version not in the ledger", nil, []string{"-c", cfg, "lineage", "diff", "chat-zh-en@aaaa", "chat-zh-en@bbbb"}, exitUsage, "not found"},
		{"show: version not in the ledger", nil, []string{"-c", cfg, "show", "chat-zh-en@nope"}, exitUsage, "no such version of chat-zh-en"},
		{"export: version not in the ledger", nil, []string{"-c", cfg, "export", "croissant", "chat-zh-en@nope"}, exitUsage, "no such version"},
		{"export: dataset not in the ledger", nil, []string{"-c", cfg, "export", "openlineage", "nope"}, exitUsage, "no sealed version"},
		{"cert issue: version not in the ledger", nil, []string{"-c", cfg, "cert", "issue", "chat-zh-en@nope"}, exitUsage, "no such version"},
		{"assess sample: version not in the ledger", nil, []string{"-c", cfg, "assess", "sample", "chat-zh-en@nope"}, exitUsage, "no such version"},
		{"cert verify: no such bundle", nil, []string{"cert", "verify", "no/such/bundle"}, exitUsage, "no such file or directory"},
		{"keygen when the pair exists", nil, []string{"-c", cfg, "keygen"}, exitOK, "key pair exists"},
		{"show", nil, []string{"-c", cfg, "show", "chat-zh-en"}, exitOK, "rule lines"},
		{"ledger verify", nil, []string{"-c", cfg, "ledger", "verify"}, exitOK, "OK"},
		{"gate failed", nil, []string{"-c", cfg, "--log-level", "error", "run"}, exitGate, "a policy gate failed"},
		{"gate failed, one dataset", nil, []string{"-c", cfg, "--log-level", "error", "run", "--dataset", "safety-labels"}, exitGate, "CN-IM-8.2"},
		{"gates passed", nil, []string{"-c", cfg, "--log-level", "error", "run", "--dataset", "code-mit"}, exitOK, "code-mit@"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, code := run(t, tc.env, tc.args...)
			if code != tc.want || !strings.Contains(out, tc.says) {
				t.Fatalf("prov %s: exit %d, want %d with %q in:\n%s", strings.Join(tc.args, " "), code, tc.want, tc.says, tailLines(out, 30))
			}
			if strings.Count(out, "a policy gate failed") > 1 {
				t.Errorf("the gate message is repeated:\n%s", out)
			}
		})
	}

	// A runtime error is retryable: an output store that cannot be
	// written (its directory is a file) fails the run with exit 1, and the
	// same run succeeds once the disk is fixed.
	t.Run("output not writable", func(t *testing.T) {
		blocked := filepath.Join(dir, "fixtures", "demo", "blocked.yaml")
		bb, err := os.ReadFile(cfg)
		if err != nil {
			t.Fatal(err)
		}
		bb = bytes.Replace(bb, []byte("output: out/datasets"), []byte("output: out/blocker/datasets"), 1)
		if err := os.WriteFile(blocked, bb, 0o644); err != nil {
			t.Fatal(err)
		}
		blocker := filepath.Join(dir, "fixtures", "demo", "out", "blocker")
		if err := os.WriteFile(blocker, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		out, code := run(t, nil, "-c", blocked, "--log-level", "error", "run", "--dataset", "code-mit")
		if code != exitError || !strings.Contains(out, "not a directory") {
			t.Fatalf("run with an unwritable output store: exit %d, want %d:\n%s", code, exitError, out)
		}
		if err := os.Remove(blocker); err != nil {
			t.Fatal(err)
		}
		if out, code := run(t, nil, "-c", blocked, "--log-level", "error", "run", "--dataset", "code-mit"); code != exitOK {
			t.Fatalf("rerun: exit %d:\n%s", code, out)
		}
	})

	// --cpuprofile is flushed whatever the exit code, 3 included.
	t.Run("cpuprofile on exit 3", func(t *testing.T) {
		prof := filepath.Join(t.TempDir(), "cpu.prof")
		if out, code := run(t, nil, "-c", cfg, "--log-level", "error", "--cpuprofile", prof, "run", "--dataset", "safety-labels"); code != exitGate {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		b, err := os.ReadFile(prof)
		if err != nil || len(b) < 100 || b[0] != 0x1f || b[1] != 0x8b {
			t.Fatalf("cpu profile: %d bytes, %v", len(b), err)
		}
	})
}

// TestPanicExitsOne: a panic in a command is recovered, printed as an
// internal error with its stack, and exits 1 (the Go runtime would exit 2,
// the code of bad usage).
func TestPanicExitsOne(t *testing.T) {
	flags = globals{}
	var stderr bytes.Buffer
	code := execute(context.Background(), []string{"--log-level", "error", "test-panic"}, &stderr)
	if code != exitError || !strings.Contains(stderr.String(), "internal error") || !strings.Contains(stderr.String(), "test panic") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
}
