package schemas

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

func TestParseLicenceExpression(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      error
	}{
		{"MIT", "MIT", nil},
		{"mit", "MIT", nil},
		{"GPL-2.0", "GPL-2.0-only", nil},
		{"GPL-2.0+", "GPL-2.0-or-later", nil},
		{"GPL-2.0-only+", "GPL-2.0-or-later", nil},
		{"LGPL-2.1", "LGPL-2.1-only", nil},
		{"Apache-2.0+", "Apache-2.0+", nil},
		{"GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0", nil},
		{"GPL-2.0-only WITH classpath-exception-2.0", "GPL-2.0-only WITH Classpath-exception-2.0", nil},
		{"MIT OR Apache-2.0", "MIT OR Apache-2.0", nil},
		{"mit or apache-2.0", "MIT OR Apache-2.0", nil},
		{"(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause", nil},
		{"MIT AND (GPL-3.0 OR BSD-2-Clause)", "MIT AND (GPL-3.0-only OR BSD-2-Clause)", nil},
		{"LicenseRef-Foo", "LicenseRef-Foo", nil},
		{"DocumentRef-x:LicenseRef-y", "DocumentRef-x:LicenseRef-y", nil},
		{"CC-BY-SA-3.0-CN", "CC-BY-SA-3.0-CN", nil},
		{"openrail-m", "OpenRAIL-M", nil},
		{"cc0", "CC0-1.0", nil},
		{"", "", ErrLicenceSyntax},
		{"MIT OR", "", ErrLicenceSyntax},
		{"(MIT", "", ErrLicenceSyntax},
		{"MIT Apache-2.0", "", ErrLicenceSyntax},
		{"MIT WITH", "", ErrLicenceSyntax},
		{"MIT WITH Nope-exception", "", ErrUnknownLicence},
		{"Not-A-Licence-1.0", "", ErrUnknownLicence},
		{"MIT/Apache", "", ErrLicenceSyntax},
		{"MIT Or Apache-2.0", "", ErrLicenceSyntax},
		{strings.Repeat("(", 100) + "MIT" + strings.Repeat(")", 100), "", ErrLicenceSyntax},
	} {
		t.Run(tc.in, func(t *testing.T) {
			e, err := ParseLicenceExpression(tc.in)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("ParseLicenceExpression(%q) error = %v, want %v", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseLicenceExpression(%q): %v", tc.in, err)
			}
			if got := e.String(); got != tc.want {
				t.Errorf("ParseLicenceExpression(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLookupLicence(t *testing.T) {
	for _, tc := range []struct {
		id    string
		class UseClass
		flags string
		known bool
	}{
		{"MIT", ClassCommercial, "A", true},
		{"Apache-2.0", ClassCommercial, "A", true},
		{"GPL-3.0-only", ClassCommercial, "AS", true},
		{"CC0-1.0", ClassCommercial, "-", true},
		{"PDDL-1.0", ClassCommercial, "-", true},
		{"ODbL-1.0", ClassCommercial, "AS", true},
		{"ODC-By-1.0", ClassCommercial, "A", true},
		{"CC-BY-4.0", ClassCommercial, "A", true},
		{"CC-BY-SA-4.0", ClassCommercial, "AS", true},
		{"CC-BY-ND-4.0", ClassCommercial, "AN", true},
		{"CC-BY-NC-4.0", ClassNonCommercial, "A", true},
		{"CC-BY-NC-SA-4.0", ClassNonCommercial, "AS", true},
		{"CC-BY-NC-ND-3.0-IGO", ClassNonCommercial, "AN", true},
		{"CC-BY-NC-SA-2.0-FR", ClassNonCommercial, "AS", true},
		{"CC-BY-SA-3.0-CN", ClassCommercial, "AS", true}, // port not on the SPDX list
		{"CC-BY-NC-2.5-CN", ClassNonCommercial, "A", true},
		{"CC-SA-1.0", ClassCommercial, "S", true},
		{"cc-by-nc-sa-4.0", ClassNonCommercial, "AS", true},
		{"OpenRAIL-M", ClassCommercial, "ASR", true},
		{"BigScience-BLOOM-RAIL-1.0", ClassCommercial, "ASR", true},
		{"PolyForm-Noncommercial-1.0.0", ClassNonCommercial, "-", true},
		{"NCGL-UK-2.0", ClassNonCommercial, "A", true},
		{"LicenseRef-Anything", ClassUnspecified, "-", false},
		{"Made-Up-1.0", ClassUnspecified, "-", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			info := LookupLicence(tc.id)
			if info.Class != tc.class || info.Flags() != tc.flags || info.Known != tc.known {
				t.Errorf("LookupLicence(%q) = %s %s known=%v, want %s %s known=%v", tc.id, info.Class, info.Flags(), info.Known, tc.class, tc.flags, tc.known)
			}
		})
	}
}

// TestLicenceTableCovers checks the table against the SPDX list it was
// generated from: a go-spdx upgrade without `go generate` fails here.
func TestLicenceTableCovers(t *testing.T) {
	for _, id := range spdxlicenses.GetLicenses() {
		if info := LookupLicence(id); !info.Known || info.ID != id {
			t.Errorf("SPDX licence %q missing from licences/table.tsv (regenerate with go generate ./schemas/)", id)
		}
	}
	for _, id := range spdxlicenses.GetDeprecated() {
		if _, ok := deprecatedLicences[id]; !ok {
			t.Errorf("deprecated SPDX id %q has no replacement in deprecatedLicences", id)
		}
		if _, err := ParseLicenceExpression(id); err != nil {
			t.Errorf("deprecated id %q: %v", id, err)
		}
	}
	// Every Creative Commons element combination, version and port.
	for _, el := range []string{"BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND"} {
		for _, v := range []string{"1.0", "2.0", "2.1", "2.5", "3.0", "4.0"} {
			for _, port := range []string{"", "-DE", "-CN", "-TW", "-JP", "-IGO", "-UK"} {
				id := "CC-" + el + "-" + v + port
				info := LookupLicence(id)
				wantNC := strings.Contains(el, "NC")
				if !info.Known || (info.Class == ClassNonCommercial) != wantNC || !info.Attribution ||
					info.ShareAlike != strings.Contains(el, "SA") || info.NoDerivatives != strings.Contains(el, "ND") {
					t.Errorf("LookupLicence(%q) = %+v", id, info)
				}
			}
		}
	}
}

func TestResolve(t *testing.T) {
	commercialOnly := func(c UseClass) bool { return c == ClassCommercial }
	for _, tc := range []struct {
		expr   string
		accept func(UseClass) bool
		class  UseClass
		ids    string
	}{
		{"MIT OR CC-BY-NC-4.0", commercialOnly, ClassCommercial, "MIT"},
		{"CC-BY-NC-4.0 OR MIT", commercialOnly, ClassCommercial, "MIT"},
		{"MIT AND CC-BY-NC-4.0", commercialOnly, ClassNonCommercial, "CC-BY-NC-4.0,MIT"},
		{"CC-BY-NC-4.0 OR LicenseRef-x", commercialOnly, ClassNonCommercial, "CC-BY-NC-4.0"},
		{"GPL-3.0-only OR MIT", nil, ClassCommercial, "MIT"}, // fewer conditions wins a tie
		{"LicenseRef-x AND MIT", nil, ClassUnspecified, "LicenseRef-x,MIT"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			e, err := ParseLicenceExpression(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			got := e.Resolve(tc.accept, nil)
			if got.Class != tc.class || strings.Join(got.IDs, ",") != tc.ids {
				t.Errorf("Resolve(%q) = %s %v, want %s %s", tc.expr, got.Class, got.IDs, tc.class, tc.ids)
			}
		})
	}
	e, _ := ParseLicenceExpression("LicenseRef-ImageNet")
	if got := e.Resolve(nil, map[string]UseClass{"LicenseRef-ImageNet": ClassAcademic}); got.Class != ClassAcademic {
		t.Errorf("override: class %s, want academic-only", got.Class)
	}
}

func TestLicencePolicy(t *testing.T) {
	var p LicencePolicy
	p.defaults()
	if err := p.validate("licence"); err != nil {
		t.Fatalf("default policy invalid: %v", err)
	}
	if got := p.AcceptedClasses(""); len(got) != 1 || got[0] != ClassCommercial {
		t.Errorf("AcceptedClasses(commercial) = %v", got)
	}
	if got := p.AcceptedClasses("academic"); len(got) != 3 {
		t.Errorf("AcceptedClasses(academic) = %v", got)
	}
	for _, tc := range []struct {
		name string
		mut  func(*LicencePolicy)
		path string
	}{
		{"bad class", func(p *LicencePolicy) {
			p.Accept = map[string][]string{"commercial": {"commercial", "non-commercial", "free"}}
		}, "licence.accept.commercial[2]"},
		{"bad use", func(p *LicencePolicy) { p.Accept = map[string][]string{"personal": {"commercial"}} }, "licence.accept.personal"},
		{"bad action", func(p *LicencePolicy) { p.OnConflict = "drop" }, "licence.on_conflict"},
		{"bad work type", func(p *LicencePolicy) { p.ReviewWorkTypes = []string{"literary", "poetry"} }, "licence.review_work_types[1]"},
		{"bad override", func(p *LicencePolicy) { p.Classes = map[string]string{"LicenseRef-x": "free"} }, "licence.classes.LicenseRef-x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p LicencePolicy
			tc.mut(&p)
			p.defaults()
			err := p.validate("licence")
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Path != tc.path {
				t.Errorf("validate() = %v, want FieldError at %s", err, tc.path)
			}
		})
	}
}

func FuzzParseLicenceExpression(f *testing.F) {
	files, _ := filepath.Glob("testdata/licence-expr/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseLicenceExpression(s)
		if err != nil {
			return
		}
		canon := e.String()
		e2, err := ParseLicenceExpression(canon)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", canon, s, err)
		}
		if e2.String() != canon {
			t.Fatalf("canonical form not stable: %q -> %q", canon, e2.String())
		}
		_ = e.Resolve(nil, nil)
	})
}
