package layering

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/prov-ai/prov/"

// allowed maps a package tree (the first path element under the module) to
// the trees its packages may depend on, directly or not. The rules are
// docs/architecture.md's: cmd → everything; pipeline → stages, lineage,
// version, objstore, schemas; stages → schemas (and stages); lineage →
// version, objstore, schemas; nothing → cmd. A tree missing here may
// depend on anything but cmd. Every tree may use the leaves.
var allowed = map[string][]string{
	"atomicfile": {},
	"jsonesc":    {},
	"textesc":    {},
	"schemas":    {},
	"objstore":   {"schemas"},
	"version":    {"objstore", "schemas"},
	"stages":     {"schemas"},
	"lineage":    {"version", "objstore", "schemas"},
	"pipeline":   {"stages", "lineage", "version", "objstore", "schemas"},
}

// leaves import nothing of prov and may be imported by every package.
var leaves = []string{"atomicfile", "jsonesc", "textesc"}

// tree is the first path element of a package of the module ("" outside it).
func tree(pkg string) string {
	rest, ok := strings.CutPrefix(pkg, module)
	if !ok {
		return ""
	}
	t, _, _ := strings.Cut(rest, "/")
	return t
}

// violations lists "pkg → dep" for every dependency that breaks the rules;
// deps maps each package to its transitive (non-test) dependencies.
func violations(deps map[string][]string) []string {
	var out []string
	for pkg, ds := range deps {
		from := tree(pkg)
		ok, ruled := allowed[from]
		for _, d := range ds {
			to := tree(d)
			if to == "" || to == from || slices.Contains(leaves, to) {
				continue
			}
			if to == "cmd" || (ruled && !slices.Contains(ok, to)) {
				out = append(out, strings.TrimPrefix(pkg, module)+" → "+strings.TrimPrefix(d, module))
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestLayering(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}:{{join .Deps \" \"}}", module+"...")
	cmd.Dir = ".."
	b, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(string(b)) {
		pkg, ds, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		deps[pkg] = strings.Fields(ds)
	}
	for _, must := range []string{"lineage/certificate", "lineage/serve", "stages/pii", "pipeline", "version"} {
		if _, ok := deps[module+must]; !ok {
			t.Fatalf("go list did not list %s: the test would check nothing", must)
		}
	}
	if v := violations(deps); len(v) > 0 {
		t.Errorf("%d dependencies break the import rules of docs/architecture.md:\n  %s", len(v), strings.Join(v, "\n  "))
	}
}

// TestLayeringCatches checks that the rules reject what they must.
func TestLayeringCatches(t *testing.T) {
	deps := map[string][]string{
		module + "lineage/certificate": {module + "pipeline/readers", module + "schemas"},
		module + "lineage/serve":       {module + "stages", module + "version"},
		module + "stages/pii":          {module + "lineage"},
		module + "stages/licence":      {module + "pipeline"},
		module + "version":             {module + "lineage"},
		module + "schemas":             {module + "atomicfile"},
		module + "atomicfile":          {module + "schemas"},
		module + "pipeline":            {module + "cmd/prov", module + "stages"},
		module + "cmd/prov":            {module + "pipeline", module + "lineage"},
	}
	want := []string{
		"atomicfile → schemas",
		"lineage/certificate → pipeline/readers",
		"lineage/serve → stages",
		"pipeline → cmd/prov",
		"stages/licence → pipeline",
		"stages/pii → lineage",
		"version → lineage",
	}
	if got := violations(deps); !slices.Equal(got, want) {
		t.Errorf("violations:\n got %q\nwant %q", got, want)
	}
}
