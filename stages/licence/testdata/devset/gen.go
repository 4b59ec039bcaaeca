//go:build ignore

// gen builds the labelled licence dev set in this directory:
//
//	go run gen.go -npm /path/to/spdx-license-list/package
//
// texts/ are licence texts from the npm package spdx-license-list (CC0-1.0;
// `npm pack spdx-license-list`), debian/ the texts of Debian's
// /usr/share/common-licenses, code/ source files with SPDX and standard
// headers, html/ pages with Creative Commons footers; zh/ (Chinese notices)
// and prose/ (no licence) are written by hand and kept as they are.
// labels.json lists every file with its expected id and class.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// top100 are the most used licences (package registries, GitHub, dataset
// hubs), by SPDX id.
var top100 = []string{
	"MIT", "Apache-2.0", "BSD-3-Clause", "BSD-2-Clause", "GPL-2.0-only", "GPL-3.0-only", "LGPL-2.1-only",
	"LGPL-3.0-only", "ISC", "MPL-2.0", "Unlicense", "AGPL-3.0-only", "CC0-1.0", "EPL-1.0", "EPL-2.0",
	"LGPL-2.0-only", "CC-BY-4.0", "CC-BY-SA-4.0", "Zlib", "BSL-1.0", "Artistic-2.0", "WTFPL", "0BSD", "MIT-0",
	"CDDL-1.0", "CDDL-1.1", "MPL-1.1", "MPL-1.0", "CC-BY-3.0", "CC-BY-SA-3.0", "CC-BY-NC-4.0",
	"CC-BY-NC-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-ND-4.0", "CC-BY-NC-3.0", "CC-BY-NC-SA-3.0", "CC-BY-ND-3.0",
	"CC-BY-NC-ND-3.0", "CC-BY-2.0", "CC-BY-SA-2.0", "CC-BY-2.5", "CC-BY-SA-2.5", "OFL-1.1", "Python-2.0",
	"PSF-2.0", "PHP-3.01", "PHP-3.0", "Ruby", "OpenSSL", "Artistic-1.0", "Artistic-1.0-Perl", "AFL-3.0",
	"AFL-2.1", "OSL-3.0", "EUPL-1.2", "EUPL-1.1", "CPL-1.0", "IPL-1.0", "MS-PL", "MS-RL", "NCSA",
	"PostgreSQL", "X11", "Unicode-DFS-2016", "BSD-4-Clause", "BSD-3-Clause-Clear", "BSD-2-Clause-Patent",
	"ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "CC-PDDC", "Apache-1.1", "Apache-1.0", "ECL-2.0", "UPL-1.0",
	"BlueOak-1.0.0", "Vim", "curl", "libpng-2.0", "ICU", "JSON", "Beerware", "GFDL-1.3-only",
	"GFDL-1.2-only", "LPPL-1.3c", "CECILL-2.1", "CECILL-B", "CECILL-C", "MulanPSL-2.0", "EFL-2.0",
	"Zend-2.0", "ZPL-2.1", "W3C", "Sleepycat", "NTP", "HPND", "CDLA-Permissive-1.0", "CDLA-Sharing-1.0",
	"PolyForm-Noncommercial-1.0.0", "SSPL-1.0",
}

// Label is one dev-set file.
type Label struct {
	File  string   `json:"file"`
	SPDX  string   `json:"spdx"`          // expected best match ("" = no licence)
	Alt   []string `json:"alt,omitempty"` // also correct (texts that cannot tell them apart)
	Class string   `json:"class"`         // expected class
	Kind  string   `json:"kind"`          // text, debian, code, html, zh, prose
	Top   bool     `json:"top,omitempty"` // one of the 100 most used licences
}

func class(id string) string {
	e, err := schemas.ParseLicenceExpression(id)
	if err != nil {
		return "unspecified"
	}
	return e.Resolve(nil, nil).Class.String()
}

func main() {
	npm := flag.String("npm", "", "unpacked spdx-license-list npm package")
	flag.Parse()
	var labels []Label
	must := func(err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	for _, d := range []string{"texts", "debian", "code", "html"} {
		must(os.MkdirAll(d, 0o755))
	}
	// 1. SPDX licence texts.
	for _, id := range top100 {
		b, err := os.ReadFile(filepath.Join(*npm, "licenses", id+".json"))
		must(err)
		var v struct {
			LicenseText string `json:"licenseText"`
		}
		must(json.Unmarshal(b, &v))
		f := "texts/" + id + ".txt"
		must(os.WriteFile(f, []byte(v.LicenseText), 0o644))
		l := Label{File: f, SPDX: id, Class: class(id), Kind: "text", Top: true}
		// A bare GNU licence text cannot say "or later"; both ids are right.
		if base, ok := strings.CutSuffix(id, "-only"); ok {
			l.Alt = []string{base + "-or-later"}
		}
		labels = append(labels, l)
	}
	// 2. Debian common licences.
	for file, id := range map[string]string{
		"Apache-2.0": "Apache-2.0", "Artistic": "Artistic-1.0-Perl", "BSD": "BSD-3-Clause", "CC0-1.0": "CC0-1.0",
		"GFDL-1.2": "GFDL-1.2-only", "GFDL-1.3": "GFDL-1.3-only", "GPL-1": "GPL-1.0-only", "GPL-2": "GPL-2.0-only",
		"GPL-3": "GPL-3.0-only", "LGPL-2": "LGPL-2.0-only", "LGPL-2.1": "LGPL-2.1-only", "LGPL-3": "LGPL-3.0-only",
		"MPL-1.1": "MPL-1.1", "MPL-2.0": "MPL-2.0",
	} {
		b, err := os.ReadFile("/usr/share/common-licenses/" + file)
		must(err)
		f := "debian/" + file + ".txt"
		must(os.WriteFile(f, b, 0o644))
		l := Label{File: f, SPDX: id, Class: class(id), Kind: "debian"}
		if base, ok := strings.CutSuffix(id, "-only"); ok {
			l.Alt = []string{base + "-or-later"}
		}
		if id == "Artistic-1.0-Perl" {
			l.Alt = []string{"Artistic-1.0"}
		}
		labels = append(labels, l)
	}
	// 3. Code files with SPDX headers, in several comment styles.
	styles := []struct{ ext, pre, post, body string }{
		{"go", "// ", "", "package demo\n\nfunc Add(a, b int) int { return a + b }\n"},
		{"c", "/* ", " */", "#include <stdio.h>\n\nint main(void) { puts(\"hi\"); return 0; }\n"},
		{"py", "# ", "", "def add(a, b):\n    return a + b\n"},
		{"js", "// ", "", "export function add(a, b) { return a + b; }\n"},
		{"html", "<!-- ", " -->", "<p>hello</p>\n"},
		{"sql", "-- ", "", "SELECT 1;\n"},
	}
	spdxIDs := []string{"MIT", "Apache-2.0", "GPL-2.0-or-later", "GPL-3.0-only", "BSD-3-Clause", "LGPL-2.1-or-later",
		"MPL-2.0", "MIT OR Apache-2.0", "AGPL-3.0-or-later", "ISC", "BSD-2-Clause", "CC0-1.0", "Unlicense",
		"EPL-2.0", "GPL-2.0-only WITH Linux-syscall-note", "CC-BY-SA-4.0", "Apache-2.0 WITH LLVM-exception",
		"0BSD", "Zlib", "CC-BY-NC-4.0"}
	for i, id := range spdxIDs {
		s := styles[i%len(styles)]
		f := fmt.Sprintf("code/spdx-%02d.%s", i, s.ext)
		body := fmt.Sprintf("%sSPDX-License-Identifier: %s%s\n%sCopyright (c) 2024 Example Authors%s\n\n%s", s.pre, id, s.post, s.pre, s.post, s.body)
		must(os.WriteFile(f, []byte(body), 0o644))
		labels = append(labels, Label{File: f, SPDX: id, Class: class(id), Kind: "code"})
	}
	// 4. HTML footers with Creative Commons links.
	cc := []struct{ path, id string }{
		{"licenses/by/4.0/", "CC-BY-4.0"}, {"licenses/by-sa/4.0/", "CC-BY-SA-4.0"}, {"licenses/by-nc/4.0/", "CC-BY-NC-4.0"},
		{"licenses/by-nd/4.0/", "CC-BY-ND-4.0"}, {"licenses/by-nc-sa/4.0/", "CC-BY-NC-SA-4.0"}, {"licenses/by-nc-nd/4.0/", "CC-BY-NC-ND-4.0"},
		{"licenses/by/3.0/", "CC-BY-3.0"}, {"licenses/by-sa/3.0/", "CC-BY-SA-3.0"}, {"licenses/by-nc-sa/3.0/", "CC-BY-NC-SA-3.0"},
		{"licenses/by-sa/3.0/de/", "CC-BY-SA-3.0-DE"}, {"licenses/by-nc-sa/2.0/fr/", "CC-BY-NC-SA-2.0-FR"},
		{"licenses/by-sa/3.0/cn/", "CC-BY-SA-3.0"}, {"licenses/by-nc-nd/2.5/cn/", "CC-BY-NC-ND-2.5"},
		{"publicdomain/zero/1.0/", "CC0-1.0"}, {"publicdomain/mark/1.0/", "CC-PDM-1.0"},
		{"licenses/by-sa/4.0/deed.zh-hans", "CC-BY-SA-4.0"}, {"licenses/by-nc/4.0/legalcode.zh-hans", "CC-BY-NC-4.0"},
		{"licenses/by-nd-nc/1.0/", "CC-BY-NC-ND-1.0"},
	}
	for i, c := range cc {
		f := fmt.Sprintf("html/cc-%02d.html", i)
		body := fmt.Sprintf(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Field notes %d</title></head>
<body><article><h1>Field notes</h1><p>Observations from the river survey, week %d.</p></article>
<footer><a rel="license" href="https://creativecommons.org/%s"><img alt="Creative Commons Licence" src="/cc.png"></a>
Except where otherwise noted, content on this site is available under this licence.</footer></body></html>
`, i, i, c.path)
		must(os.WriteFile(f, []byte(body), 0o644))
		labels = append(labels, Label{File: f, SPDX: c.id, Class: class(c.id), Kind: "html"})
	}
	// 5. Hand-written files keep their labels from hand.json.
	b, err := os.ReadFile("hand.json")
	must(err)
	var hand []Label
	must(json.Unmarshal(b, &hand))
	labels = append(labels, hand...)
	sort.SliceStable(labels, func(i, j int) bool { return labels[i].File < labels[j].File })
	out, err := json.MarshalIndent(labels, "", "  ")
	must(err)
	must(os.WriteFile("labels.json", append(out, '\n'), 0o644))
}
