// Command gen writes the licence → use-class table (schemas/licences/table.tsv)
// from the SPDX licence list shipped with github.com/github/go-spdx, applying
// the family rules documented in schemas/licences/README.md. Run it with
// `go generate ./schemas/`.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/schemas"
)

// row is one table line.
type row struct {
	id    string
	terms schemas.LicenceTerms
	rule  string
}

// overrides are licences whose terms are read individually rather than by
// family; each one carries its reason in the rule column.
var overrides = map[string]row{
	"NCGL-UK-2.0":                   {terms: nc(true, false), rule: "override:non-commercial-government-licence"},
	"PolyForm-Noncommercial-1.0.0":  {terms: nc(false, false), rule: "override:noncommercial-purposes-only"},
	"PolyForm-Small-Business-1.0.0": {terms: nc(false, false), rule: "override:small-business-only"},
	"Prosperity-3.0.0":              {terms: nc(false, false), rule: "override:noncommercial-with-30-day-trial"},
	"BUSL-1.1":                      {terms: nc(false, false), rule: "override:non-production-use-until-change-date"},
	"SUL-1.0":                       {terms: nc(false, false), rule: "override:internal-or-non-commercial-use-only"},
	"Aladdin":                       {terms: nc(true, false), rule: "override:no-commercial-distribution"},
	"CommonsClause":                 {terms: nc(true, false), rule: "override:no-selling"},
	"SSPL-1.0":                      {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, ShareAlike: true}, rule: "override:service-copyleft"},
	"Elastic-2.0":                   {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, UseRestricted: true}, rule: "override:no-managed-service"},
	"FSL-1.1-MIT":                   {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, UseRestricted: true}, rule: "override:no-competing-use"},
	"FSL-1.1-ALv2":                  {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, UseRestricted: true}, rule: "override:no-competing-use"},
	"Hippocratic-2.1":               {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, UseRestricted: true}, rule: "override:ethical-use-restrictions"},
	"JSON":                          {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, UseRestricted: true}, rule: "override:good-not-evil"},
	"Anti996":                       {terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, UseRestricted: true}, rule: "override:labour-law-compliance"},
}

// extras are non-SPDX licences common in AI datasets and models.
var extras = map[string]row{
	"OpenRAIL":                  rail("openrail"),
	"OpenRAIL-M":                rail("openrail"),
	"OpenRAIL-S":                rail("openrail"),
	"OpenRAIL-D":                rail("openrail"),
	"OpenRAIL-A":                rail("openrail"),
	"OpenRAIL++":                rail("openrail"),
	"CreativeML-OpenRAIL-M":     rail("openrail"),
	"BigScience-OpenRAIL-M":     rail("openrail"),
	"BigScience-BLOOM-RAIL-1.0": rail("openrail"),
	"BigCode-OpenRAIL-M":        rail("openrail"),
}

// notices are the LicenseRef ids stages/licence reports for use notices
// found in content (its notice table cites the rule of each); they are
// not licences but say what use the right holder allows.
var notices = map[string]row{
	"LicenseRef-Academic-Use-Only":                  {terms: schemas.LicenceTerms{Class: schemas.ClassAcademic}, rule: "notice:academic-or-research-use-only"},
	"LicenseRef-Non-Commercial":                     {terms: nc(false, false), rule: "notice:non-commercial-use-only"},
	"LicenseRef-Non-Commercial-Reprint-With-Credit": {terms: nc(true, false), rule: "notice:commercial-reprint-needs-permission"},
}

func nc(attribution, shareAlike bool) schemas.LicenceTerms {
	return schemas.LicenceTerms{Class: schemas.ClassNonCommercial, Attribution: attribution, ShareAlike: shareAlike}
}

func rail(rule string) row {
	return row{terms: schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, ShareAlike: true, UseRestricted: true}, rule: rule}
}

// publicDomain are dedications and licences with no conditions at all.
var publicDomain = map[string]bool{
	"0BSD": true, "MIT-0": true, "Unlicense": true, "WTFPL": true, "PDDL-1.0": true, "CC0-1.0": true,
	"CC-PDDC": true, "CC-PDM-1.0": true, "NIST-PD": true, "NIST-PD-fallback": true, "SAX-PD": true,
	"SAX-PD-2.0": true, "ANTLR-PD": true, "ANTLR-PD-fallback": true, "blessing": true, "O-UDA-1.0": true,
	"CDLA-Permissive-2.0": false, "BSD-Source-beginning-file": false, "libselinux-1.0": true,
	"NCBI-PD": true, "PSF-2.0": false, "Unlicense-libwhirlpool": true, "Unlicense-libtelnet": true,
	"DL-DE-ZERO-2.0": true, "UCAR": false, "FSFAP": false, "FSFUL": false, "FSFULLR": false,
}

// copyleftPrefixes are families whose derivatives must stay under the same
// licence (share-alike).
var copyleftPrefixes = []string{
	"GPL-", "LGPL-", "AGPL-", "GFDL-", "MPL-", "EPL-", "CDDL-", "EUPL-", "OSL-", "CECILL-1", "CECILL-2", "CECILL-C",
	"CPL-", "IPL-", "RPL-", "ODbL-", "CDLA-Sharing-", "LAL-", "OFL-", "CERN-OHL-S-", "CERN-OHL-W-", "CERN-OHL-1",
	"copyleft-next-", "Sleepycat", "APSL-", "QPL-", "MS-RL", "RPSL-", "SimPL-", "CPAL-", "NPOSL-", "LiLiQ-R",
	"Motosoto", "Nokia", "SPL-", "OCLC-", "NGPL", "Ruby", "TAPR-OHL-", "OGL-UK-", "DL-DE-BY-", "CC-BY-SA",
	"eCos-", "wxWindows", "Sendmail", "SISSL", "ErlPL-", "Interbase-", "OCCT-PL", "gnuplot", "Vim", "OSET-PL-",
	"Parity-", "SugarCRM-", "YPL-", "Zimbra-", "Watcom-", "NPL-", "SMAIL-GPL", "LGPLLR",
}

func classify(id string) row {
	if r, ok := overrides[id]; ok {
		r.id = id
		return r
	}
	if r, ok := extras[id]; ok {
		r.id = id
		return r
	}
	if r, ok := notices[id]; ok {
		r.id = id
		return r
	}
	if t, ok := schemas.CreativeCommonsTerms(id); ok {
		return row{id, t, "creative-commons"}
	}
	if publicDomain[id] {
		return row{id, schemas.LicenceTerms{Class: schemas.ClassCommercial}, "public-domain"}
	}
	for _, p := range copyleftPrefixes {
		if strings.HasPrefix(id, p) {
			return row{id, schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true, ShareAlike: true}, "copyleft"}
		}
	}
	return row{id, schemas.LicenceTerms{Class: schemas.ClassCommercial, Attribution: true}, "permissive-notice"}
}

func main() {
	out := flag.String("o", "licences/table.tsv", "output file")
	flag.Parse()
	ids := map[string]bool{}
	for _, id := range spdxlicenses.GetLicenses() {
		ids[id] = true
	}
	for id := range extras {
		ids[id] = true
	}
	for id := range overrides {
		ids[id] = true
	}
	for id := range notices {
		ids[id] = true
	}
	var rows []row
	for id := range ids {
		rows = append(rows, classify(id))
	}
	sort.Slice(rows, func(i, j int) bool { return strings.ToLower(rows[i].id) < strings.ToLower(rows[j].id) })
	if err := write(*out, rows); err != nil {
		slog.Error("writing licence table", "file", *out, "err", err)
		os.Exit(1)
	}
}

func write(path string, rows []row) error {
	return atomicfile.Write(path, 0o644, func(f io.Writer) error {
		w := bufio.NewWriter(f)
		_, err := fmt.Fprintf(w, "# Licence -> use class table. Generated by schemas/licences/gen from SPDX licence list %s; DO NOT EDIT.\n", spdxlicenses.LicenseListVersion())
		if err == nil {
			_, err = fmt.Fprintln(w, "# Columns: id, class, flags (A attribution, S share-alike, N no-derivatives, R use-restricted), rule. Rules: schemas/licences/README.md.")
		}
		for _, r := range rows {
			if err != nil {
				break
			}
			_, err = fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", r.id, r.terms.Class, r.terms.Flags(), r.rule)
		}
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	})
}
