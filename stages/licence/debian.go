package licence

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/licence/internal/spdxmatch"
)

// ErrDebianLicence is returned by DebianLicence for a short name it cannot
// map.
var ErrDebianLicence = errors.New("unknown Debian licence short name")

// debianVersions maps a Debian copyright-format 1.0 short name (lower
// case, without version) to the SPDX id of each version it may carry; the
// "" version is the name given without one. Ids marked with a trailing
// "*" are the GNU style ids that take "-only" / "-or-later".
// Source: the short-name table of
// https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/#license-specification,
// plus names common in Debian copyright files (Expat-like MIT, X11, NTP,
// 0BSD, BSL, Unlicense ...).
var debianVersions = map[string]map[string]string{
	"public-domain": {"": "CC-PDDC"},
	"apache":        {"": "Apache-2.0", "1": "Apache-1.0", "1.0": "Apache-1.0", "1.1": "Apache-1.1", "2": "Apache-2.0", "2.0": "Apache-2.0"},
	"artistic":      {"": "Artistic-1.0-Perl", "1": "Artistic-1.0", "1.0": "Artistic-1.0", "2": "Artistic-2.0", "2.0": "Artistic-2.0"},
	"bsd-2-clause":  {"": "BSD-2-Clause"},
	"bsd-3-clause":  {"": "BSD-3-Clause"},
	"bsd-4-clause":  {"": "BSD-4-Clause"},
	"isc":           {"": "ISC"},
	"cc-by":         ccVersions("CC-BY"),
	"cc-by-sa":      ccVersions("CC-BY-SA"),
	"cc-by-nd":      ccVersions("CC-BY-ND"),
	"cc-by-nc":      ccVersions("CC-BY-NC"),
	"cc-by-nc-sa":   ccVersions("CC-BY-NC-SA"),
	"cc-by-nc-nd":   ccVersions("CC-BY-NC-ND"),
	"cc0":           {"": "CC0-1.0", "1": "CC0-1.0", "1.0": "CC0-1.0"},
	"cddl":          {"": "CDDL-1.0", "1": "CDDL-1.0", "1.0": "CDDL-1.0", "1.1": "CDDL-1.1"},
	"cpl":           {"": "CPL-1.0", "1": "CPL-1.0", "1.0": "CPL-1.0"},
	"efl":           {"": "EFL-2.0", "1": "EFL-1.0", "1.0": "EFL-1.0", "2": "EFL-2.0", "2.0": "EFL-2.0"},
	"expat":         {"": "MIT"},
	"gpl":           {"": "GPL-1.0*+", "1": "GPL-1.0*", "1.0": "GPL-1.0*", "2": "GPL-2.0*", "2.0": "GPL-2.0*", "3": "GPL-3.0*", "3.0": "GPL-3.0*"},
	"lgpl":          {"": "LGPL-2.0*+", "2": "LGPL-2.0*", "2.0": "LGPL-2.0*", "2.1": "LGPL-2.1*", "3": "LGPL-3.0*", "3.0": "LGPL-3.0*"},
	"agpl":          {"": "AGPL-3.0*", "1": "AGPL-1.0*", "1.0": "AGPL-1.0*", "3": "AGPL-3.0*", "3.0": "AGPL-3.0*"},
	"gfdl":          {"": "GFDL-1.1*+", "1.1": "GFDL-1.1*", "1.2": "GFDL-1.2*", "1.3": "GFDL-1.3*"},
	"gfdl-niv":      {"": "GFDL-1.1-no-invariants*+", "1.1": "GFDL-1.1-no-invariants*", "1.2": "GFDL-1.2-no-invariants*", "1.3": "GFDL-1.3-no-invariants*"},
	"lppl":          {"": "LPPL-1.3c", "1.0": "LPPL-1.0", "1.1": "LPPL-1.1", "1.2": "LPPL-1.2", "1.3": "LPPL-1.3c", "1.3a": "LPPL-1.3a", "1.3c": "LPPL-1.3c"},
	"mpl":           {"": "MPL-1.1", "1": "MPL-1.0", "1.0": "MPL-1.0", "1.1": "MPL-1.1", "2": "MPL-2.0", "2.0": "MPL-2.0"},
	"perl":          {"": "(Artistic-1.0-Perl OR GPL-1.0-or-later)"},
	"python":        {"": "Python-2.0", "2": "Python-2.0", "2.0": "Python-2.0"},
	"psf":           {"": "PSF-2.0", "2": "PSF-2.0", "2.0": "PSF-2.0"},
	"qpl":           {"": "QPL-1.0", "1": "QPL-1.0", "1.0": "QPL-1.0"},
	"w3c":           {"": "W3C"},
	"zlib":          {"": "Zlib"},
	"zope":          {"": "ZPL-2.1", "1.1": "ZPL-1.1", "2": "ZPL-2.0", "2.0": "ZPL-2.0", "2.1": "ZPL-2.1"},
	"zpl":           {"": "ZPL-2.1", "1.1": "ZPL-1.1", "2": "ZPL-2.0", "2.0": "ZPL-2.0", "2.1": "ZPL-2.1"},
	// Common extras.
	"mit":       {"": "MIT"},
	"x11":       {"": "X11"},
	"ntp":       {"": "NTP"},
	"0bsd":      {"": "0BSD"},
	"bsl":       {"": "BSL-1.0", "1": "BSL-1.0", "1.0": "BSL-1.0"},
	"boost":     {"": "BSL-1.0", "1": "BSL-1.0", "1.0": "BSL-1.0"},
	"unlicense": {"": "Unlicense"},
	"wtfpl":     {"": "WTFPL", "2": "WTFPL", "2.0": "WTFPL"},
	"ofl":       {"": "OFL-1.1", "1.0": "OFL-1.0", "1.1": "OFL-1.1"},
	"sil-ofl":   {"": "OFL-1.1", "1.0": "OFL-1.0", "1.1": "OFL-1.1"},
	"epl":       {"": "EPL-1.0", "1": "EPL-1.0", "1.0": "EPL-1.0", "2": "EPL-2.0", "2.0": "EPL-2.0"},
	"openssl":   {"": "OpenSSL"},
	"ssleay":    {"": "OpenSSL"},
	"bsd":       {"": "BSD-3-Clause", "2": "BSD-2-Clause", "3": "BSD-3-Clause", "4": "BSD-4-Clause"}, // BSD-2, BSD-3: common for BSD-2-clause ...
	"libpng":    {"": "Libpng"},
	"curl":      {"": "curl"},
	// bzip2's licence (Debian files write BZIP2) and the GNU
	// All-Permissive licence (GAP: FSF's all-permissive notice).
	"bzip2": {"": "bzip2-1.0.6", "1.0.6": "bzip2-1.0.6"},
	"gap":   {"": "FSFAP"},
	// The OpenLDAP Public Licenses (SPDX OLDAP-x).
	"openldap": {"": "OLDAP-2.8", "2.8": "OLDAP-2.8", "2.7": "OLDAP-2.7", "2.6": "OLDAP-2.6", "2.5": "OLDAP-2.5", "2.4": "OLDAP-2.4",
		"2.3": "OLDAP-2.3", "2.2": "OLDAP-2.2", "2.1": "OLDAP-2.1", "2.0": "OLDAP-2.0", "1.4": "OLDAP-1.4", "1.3": "OLDAP-1.3",
		"1.2": "OLDAP-1.2", "1.1": "OLDAP-1.1"},
}

func ccVersions(base string) map[string]string {
	m := map[string]string{"": base + "-4.0"}
	for _, v := range []string{"1.0", "2.0", "2.5", "3.0", "4.0"} {
		m[v] = base + "-" + v
		m[v[:1]] = base + "-" + v
	}
	m["2"] = base + "-2.0"
	return m
}

// debianName splits a short name into base and version: "GPL-2" → gpl, 2;
// "LGPL-2.1" → lgpl, 2.1; "CC-BY-SA-3.0" → cc-by-sa, 3.0; "LPPL-1.3c" →
// lppl, 1.3c; "GPLv2" → gpl, 2.
var debianName = regexp.MustCompile(`^([a-z0-9]+(?:-[a-z]+)*?)(?:-?v?(\d+(?:\.\d+)?[a-z]?))?$`)

// DebianLicence maps the value of a Debian copyright-format 1.0 License:
// field (its first line: short names joined by "or", "and" and commas,
// "+" for "or any later version", "with X exception") to a canonical SPDX
// expression. SPDX ids are accepted as they are. Errors wrap
// ErrDebianLicence or the parser's errors.
func DebianLicence(field string) (string, error) {
	f := strings.TrimSpace(field)
	if f == "" {
		return "", fmt.Errorf("mapping Debian licence: %w: empty", ErrDebianLicence)
	}
	// "A or B, and C" means "(A or B) and C": each comma closes a group.
	var expr strings.Builder
	groups := strings.Split(f, ",")
	for gi, g := range groups {
		words := strings.Fields(g)
		if gi > 0 {
			if len(words) == 0 {
				continue
			}
			op := strings.ToLower(words[0])
			if op != "and" && op != "or" {
				op = "or" // "A, B": Debian reads a bare comma list as alternatives
			} else {
				words = words[1:]
			}
			s := "(" + expr.String() + ") " + strings.ToUpper(op) + " "
			expr.Reset()
			expr.WriteString(s)
		}
		part, err := debianGroup(words)
		if err != nil {
			return "", fmt.Errorf("mapping Debian licence: %w", err)
		}
		if len(groups) > 1 {
			part = "(" + part + ")"
		}
		expr.WriteString(part)
	}
	e, err := schemas.ParseLicenceExpression(expr.String())
	if err != nil {
		return "", fmt.Errorf("mapping Debian licence: %w", err)
	}
	return e.String(), nil
}

// debianGroup maps "name [with X exception] (or|and name ...)*".
func debianGroup(words []string) (string, error) {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch strings.ToLower(w) {
		case "or", "and":
			if len(out) == 0 || i == len(words)-1 {
				return "", fmt.Errorf("%w: dangling %q", ErrDebianLicence, w)
			}
			out = append(out, strings.ToUpper(w))
			continue
		}
		id, err := debianID(w)
		if err != nil {
			return "", err
		}
		// "with X exception" / "with X-exception".
		if i+2 < len(words) && strings.EqualFold(words[i+1], "with") {
			name := words[i+2]
			j := i + 2
			if j+1 < len(words) && strings.EqualFold(words[j+1], "exception") {
				j++
			}
			exc := debianException(strings.TrimSuffix(strings.TrimSuffix(name, "-exception"), "-Exception"), id)
			if !strings.ContainsAny(id, " ()") {
				// SPDX puts WITH on a single licence only.
				id += " WITH " + exc
			}
			i = j
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return "", fmt.Errorf("%w: empty", ErrDebianLicence)
	}
	return strings.Join(out, " "), nil
}

// debianID maps one short name (with an optional "+").
func debianID(w string) (string, error) {
	plus := strings.HasSuffix(w, "+")
	name := strings.ToLower(strings.TrimSuffix(w, "+"))
	if m := debianName.FindStringSubmatch(name); m != nil {
		base, ver := m[1], m[2]
		// "bsd-3-clause" is a name, not bsd version 3.
		if _, ok := debianVersions[name]; ok {
			base, ver = name, ""
		}
		if vs, ok := debianVersions[base]; ok {
			id, ok := vs[ver]
			if !ok && strings.HasSuffix(ver, ".0") {
				id, ok = vs[strings.TrimSuffix(ver, ".0")]
			}
			if ok {
				return gnuSuffix(id, plus), nil
			}
		}
	}
	// An SPDX id (or deprecated id) as it is.
	if e, err := schemas.ParseLicenceExpression(w); err == nil && e.Op == "" {
		return e.String(), nil
	}
	return "", fmt.Errorf("%w: %q", ErrDebianLicence, w)
}

// gnuSuffix turns a table id into an SPDX id: a trailing "*" takes -only or
// -or-later ("*+" always -or-later); other ids keep a "+" when asked.
func gnuSuffix(id string, plus bool) string {
	switch {
	case strings.HasSuffix(id, "*+"):
		return strings.TrimSuffix(id, "*+") + "-or-later"
	case strings.HasSuffix(id, "*"):
		if plus {
			return strings.TrimSuffix(id, "*") + "-or-later"
		}
		return strings.TrimSuffix(id, "*") + "-only"
	case plus && !strings.HasPrefix(id, "("):
		return id + "+"
	}
	return id
}

var licenceMajor = regexp.MustCompile(`-(\d)`)

// debianExceptionNames are the names Debian copyright files give
// exceptions that are not their SPDX ids, by the licence's major version
// ("" for any): GCC-Runtime-3.1 is the GCC Runtime Library Exception 3.1
// (GCC-exception-3.1); Autoconf-data is the exception of config.guess and
// config.sub ("if you distribute this file as part of a program that
// contains a configuration script generated by Autoconf"),
// Autoconf-exception-generic (its GPL-3 wording: -generic-3.0).
var debianExceptionNames = map[string]map[string]string{
	"gcc-runtime-3.1": {"": "GCC-exception-3.1"},
	"gcc-runtime":     {"": "GCC-exception-3.1"},
	"autoconf-data":   {"": "Autoconf-exception-generic", "3": "Autoconf-exception-generic-3.0"},
}

// debianException maps the X of "with X exception" to an SPDX exception id
// of the embedded exceptions list (the version matching the licence's,
// else the latest), or to AdditionRef-X-exception.
func debianException(name, licence string) string {
	n := strings.ToLower(name)
	major := ""
	if m := licenceMajor.FindStringSubmatch(licence); m != nil {
		major = m[1]
	}
	if a, ok := debianExceptionNames[n]; ok {
		if id, ok := a[major]; ok {
			return id
		}
		return a[""]
	}
	var cands []string
	for _, id := range spdxmatch.Exceptions() {
		l := strings.ToLower(id)
		if l == n {
			return id // the SPDX id itself (Linux-syscall-note)
		}
		if l == n+"-exception" || strings.HasPrefix(l, n+"-exception-") ||
			strings.HasPrefix(l, n+"-gpl-exception") && strings.HasPrefix(licence, "GPL") ||
			strings.HasPrefix(l, n+"-lgpl-exception") && strings.HasPrefix(licence, "LGPL") {
			if _, err := schemas.ParseLicenceExpression("MIT WITH " + id); err == nil {
				cands = append(cands, id)
			}
		}
	}
	// Prefer the version of the licence's major version, then the
	// shortest id (Autoconf-exception-3.0 before -generic-3.0).
	best, bestRank := "", -1
	for _, c := range cands {
		v := c[strings.LastIndexByte(c, '-')+1:]
		rank := 1000 - len(c)
		if major != "" && strings.HasPrefix(v, major) {
			rank += 1000
		}
		if rank > bestRank || rank == bestRank && c > best {
			best, bestRank = c, rank
		}
	}
	if best != "" {
		return best
	}
	clean := strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, name)
	return "AdditionRef-" + clean + "-exception"
}

// licenceFields reads License: fields (Debian DEP-5 copyright files,
// package metadata): a line that, past white space and comment markers,
// starts with "License:" or "Licence:" (any case), its value mapped by
// DebianLicence. Values that do not map are left to the text matcher.
func licenceFields(text []byte, hits []int, ms []Match) []Match {
	for _, h := range hits {
		// The anchor is "cense:" / "cence:": the field name starts two
		// bytes earlier.
		if h < 2 {
			continue
		}
		if c := text[h-2] | 0x20; c != 'l' || text[h-1]|0x20 != 'i' {
			continue
		}
		ls := bytes.LastIndexByte(text[:h], '\n') + 1
		if !blankLine(text[ls : h-2]) {
			continue
		}
		v := text[h+len("cense:"):]
		if i := bytes.IndexByte(v, '\n'); i >= 0 {
			v = v[:i]
		}
		val := cleanFieldValue(string(v))
		if val == "" || len(val) > 200 {
			continue
		}
		if id, err := DebianLicence(val); err == nil {
			ms = append(ms, Match{SPDX: id, Confidence: 1, Evidence: EvidenceField})
		}
	}
	return ms
}

// cleanFieldValue strips comment closers and surrounding quotes from a
// field value; commas stay (they group DEP-5 expressions).
func cleanFieldValue(s string) string {
	s = strings.TrimSpace(s)
	for _, closer := range []string{"*/", "-->", "--%>", "#}", "%}", "*)"} {
		if i := strings.Index(s, closer); i >= 0 {
			s = s[:i]
		}
	}
	return strings.Trim(strings.TrimSpace(s), "\"'")
}
