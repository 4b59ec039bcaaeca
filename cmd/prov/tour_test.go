package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The tours of README.md and docs/*.md are tests: every fenced block whose
// info string is "sh tour" is run line by line, in order, after
// scripts/demo.sh, in a fresh copy of the repository's demo (a temp dir
// holding fixtures/demo, scripts/demo.sh, LICENSE and bin/prov), so the
// documentation cannot drift from the code.
//
// Conventions of a tour block, kept readable for people:
//   - one command per line; `export K=V` lines set the environment of the
//     lines after them;
//   - a line's comment saying "exit N" means the command exits N (3: a
//     gate failed on purpose); every other line must exit 0;
//   - placeholders, the only words substituted: V1 and V2 (the first and
//     second version of chat-zh-en in the ledger), VERSION (its latest
//     version), BUNDLE_DIR (the latest version's certificate bundle),
//     operator.pem (the demo's public key), LEDGER_DIR (the demo ledger); a
//     line starting with `prov ` runs bin/prov.

// tourBlock is a "sh tour" block of a document.
type tourBlock struct {
	doc   string
	line  int // line of the opening fence
	lines []tourLine
}

type tourLine struct {
	n    int // line number in the document
	text string
}

// tourBlocks extracts the "sh tour" blocks of a Markdown file.
func tourBlocks(t *testing.T, path string) []tourBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	var blocks []tourBlock
	var cur *tourBlock
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		switch {
		case cur == nil && isTourFence(trim):
			blocks = append(blocks, tourBlock{doc: path, line: n})
			cur = &blocks[len(blocks)-1]
		case cur != nil && trim == "```":
			cur = nil
		case cur != nil && trim != "" && !strings.HasPrefix(trim, "#"):
			cur.lines = append(cur.lines, tourLine{n, line})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: tour block not closed", path, cur.line)
	}
	return blocks
}

// isTourFence reports whether line opens a "sh tour" block.
func isTourFence(line string) bool {
	info, ok := strings.CutPrefix(line, "```")
	f := strings.Fields(info)
	return ok && len(f) == 2 && f[0] == "sh" && f[1] == "tour"
}

var exitComment = regexp.MustCompile(`\bexit (\d)\b`)

// splitComment returns a tour line's command and its comment (after "  #").
func splitComment(line string) (cmd, comment string) {
	if i := strings.Index(line, "  #"); i >= 0 {
		return strings.TrimSpace(line[:i]), line[i+3:]
	}
	return strings.TrimSpace(line), ""
}

// newTourDir lays out a fresh copy of the demo as a repository checkout
// would and runs scripts/demo.sh in it (what make demo does after building).
func newTourDir(t *testing.T) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	src := filepath.Join(root, "fixtures", "demo")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if rel == "out" {
			return filepath.SkipDir // a local make demo's outputs
		}
		dst := filepath.Join(dir, "fixtures", "demo", rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"scripts/demo.sh", "LICENSE"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(provBin, filepath.Join(dir, "bin", "prov")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "scripts/demo.sh", "local")
	cmd.Dir = dir
	cmd.Env = tourEnv(nil)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/demo.sh: %v\n%s", err, out)
	}
	return dir
}

// tourEnv is the environment of a tour command: the test's, without a
// PROV_CONFIG of the caller's, plus the block's exports.
func tourEnv(exports []string) []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "PROV_CONFIG=") {
			env = append(env, e)
		}
	}
	return append(env, exports...)
}

// demoVersions lists chat-zh-en's versions in ledger order.
func demoVersions(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command(provBin, "-c", "fixtures/demo/prov.yaml", "--log-level", "error", "lineage", "dataset", "chat-zh-en", "-o", "json")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("listing versions: %v", err)
	}
	var d struct {
		Versions []struct {
			Version string `json:"version"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatalf("listing versions: %v", err)
	}
	var vs []string
	for _, v := range d.Versions {
		if len(vs) == 0 || vs[len(vs)-1] != v.Version {
			vs = append(vs, v.Version)
		}
	}
	return vs
}

var placeholder = regexp.MustCompile(`\b(V1|V2|VERSION|BUNDLE_DIR|LEDGER_DIR)\b|\boperator\.pem\b`)

// expand substitutes the placeholders of a tour command.
func expand(t *testing.T, dir, cmd string) string {
	t.Helper()
	if strings.HasPrefix(cmd, "prov ") {
		cmd = "bin/" + cmd
	}
	return placeholder.ReplaceAllStringFunc(cmd, func(w string) string {
		vs := demoVersions(t, dir)
		if len(vs) == 0 {
			t.Fatalf("%s: no version of chat-zh-en in the ledger", w)
		}
		latest := vs[len(vs)-1]
		switch w {
		case "V1", "V2":
			i := int(w[1] - '1')
			if i >= len(vs) {
				t.Fatalf("%s: chat-zh-en has only %d version(s) at this point of the tour", w, len(vs))
			}
			return vs[i]
		case "VERSION":
			return latest
		case "BUNDLE_DIR":
			return "fixtures/demo/out/datasets/chat-zh-en/" + latest
		case "LEDGER_DIR":
			return "fixtures/demo/out/ledger"
		case "operator.pem":
			return "fixtures/demo/out/keys/ledger.pub"
		}
		return w
	})
}

// runTour runs the tour blocks of one document in a fresh demo.
func runTour(t *testing.T, doc string) {
	blocks := tourBlocks(t, filepath.Join(repoRoot(t), doc))
	if len(blocks) == 0 {
		t.Fatalf("%s has no ```sh tour block", doc)
	}
	dir := newTourDir(t)
	var exports []string
	for _, b := range blocks {
		for _, l := range b.lines {
			cmdText, comment := splitComment(l.text)
			if rest, ok := strings.CutPrefix(cmdText, "export "); ok {
				exports = append(exports, strings.TrimSpace(rest))
				continue
			}
			want := 0
			if m := exitComment.FindStringSubmatch(comment); m != nil {
				want, _ = strconv.Atoi(m[1])
			}
			run := expand(t, dir, cmdText)
			cmd := exec.Command("bash", "-c", run)
			cmd.Dir = dir
			cmd.Env = tourEnv(exports)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("%s:%d: %v", doc, l.n, err)
			}
			if code != want {
				t.Fatalf("%s:%d: %s\n(as run: %s) exited %d, want %d:\n%s", doc, l.n, cmdText, run, code, want, tailLines(out.String(), 40))
			}
			t.Logf("%s:%d ok (exit %d): %s", doc, l.n, code, cmdText)
		}
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// TestReadmeTour runs README.md's tour as written, after the demo.
func TestReadmeTour(t *testing.T) { runTour(t, "README.md") }

// TestDocsTours runs the tour blocks of docs/*.md (the recipes meant to be
// run as written), each document on a fresh demo.
func TestDocsTours(t *testing.T) {
	docs, err := filepath.Glob(filepath.Join(repoRoot(t), "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range docs {
		rel, _ := filepath.Rel(repoRoot(t), d)
		if len(tourBlocks(t, d)) == 0 {
			continue
		}
		n++
		t.Run(filepath.Base(d), func(t *testing.T) { runTour(t, rel) })
	}
	if n == 0 {
		t.Fatal("no docs/*.md has a ```sh tour block")
	}
}
