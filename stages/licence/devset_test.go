package licence

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// This dev set is built from material the detector was not written from:
// the licence texts of the SPDX License List (the pinned npm copy under
// internal/spdxmatch/data, read here as plain texts) with realistic edits,
// standard licence headers and Debian copyright paragraphs written from
// the licences' and Debian's own documentation, and notices in English and
// Chinese. Expected ids never come from the detector's tables.

type spdxText struct {
	ID, Name        string
	OSI, Deprecated bool
	Text            string
}

func loadSPDXTexts(tb testing.TB) []spdxText {
	tb.Helper()
	b, err := os.ReadFile("internal/spdxmatch/data/texts.json.gz")
	if err != nil {
		tb.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	var f struct {
		Licences []spdxText `json:"licences"`
	}
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		tb.Fatal(err)
	}
	return f.Licences
}

// rewrap re-flows every paragraph of s to width columns, each line
// starting with prefix.
func rewrap(s string, width int, prefix string) string {
	var b strings.Builder
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			continue
		}
		n := 0
		b.WriteString(prefix)
		for _, w := range words {
			if n > 0 && n+len(w)+1 > width {
				b.WriteString("\n" + prefix)
				n = 0
			} else if n > 0 {
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += len(w)
		}
		b.WriteString("\n" + strings.TrimRight(prefix, " ") + "\n")
	}
	return b.String()
}

// sameTexts groups the ids whose texts are the same words (case and
// punctuation aside): no matcher can tell them apart.
func sameTexts(texts []spdxText) map[string][]string {
	byWords := map[string][]string{}
	for _, t := range texts {
		w := strings.Join(strings.FieldsFunc(strings.ToLower(t.Text), func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < '0' || r > '9') && r <= 127
		}), " ")
		byWords[w] = append(byWords[w], t.ID)
	}
	out := map[string][]string{}
	for _, ids := range byWords {
		for _, id := range ids {
			out[id] = ids
		}
	}
	return out
}

func canonicalID(id string) string {
	if e, err := schemas.ParseLicenceExpression(id); err == nil {
		return e.String()
	}
	return id
}

func classOf(id string) string {
	if id == "" {
		return ClassNone
	}
	e, err := schemas.ParseLicenceExpression(id)
	if err != nil {
		return schemas.ClassUnspecified.String()
	}
	return e.Resolve(nil, nil).Class.String()
}

var copyrightLines = []string{
	"Copyright (c) 2019-2024 Example Holder <holder@example.org>",
	"© 2021 Zhang San",
	"Copyright 2023 The Example Authors. All rights reserved.",
	"Copyright (C) 2008, 2011 Jean Exemple",
}

// TestSPDXListRewrapped is the acceptance test of issue 17: every licence
// text of the embedded SPDX list, re-wrapped to another width and with a
// copyright line added, must give its id as the best match for at least
// 97 % of the list (ids whose texts are word for word the same count as
// one another). Comment-wrapped variants are scored too.
func TestSPDXListRewrapped(t *testing.T) {
	texts := loadSPDXTexts(t)
	same := sameTexts(texts)
	widths := []int{40, 60, 72, 80, 100, 132}
	type score struct{ n, id, class int }
	var plain, comment, deprecated score
	var misses []string
	for i, l := range texts {
		cr := copyrightLines[i%len(copyrightLines)]
		variants := []struct {
			s    *score
			text string
		}{
			{&plain, cr + "\n\n" + rewrap(l.Text, widths[i%len(widths)], "")},
			{&comment, "/*\n * " + cr + "\n *\n" + rewrap(l.Text, widths[(i+3)%len(widths)], " * ") + " */\npackage x\n"},
		}
		if l.Deprecated {
			variants = variants[:1]
			variants[0].s = &deprecated
		}
		want := canonicalID(l.ID)
		var ok []string
		for _, id := range same[l.ID] {
			ok = append(ok, canonicalID(id))
		}
		for _, v := range variants {
			r := Detect([]byte(v.text))
			got := ""
			if len(r.Licences) > 0 {
				got = r.Licences[0].SPDX
			}
			v.s.n++
			if got == want || slices.Contains(ok, got) {
				v.s.id++
			} else if v.s == &plain {
				misses = append(misses, fmt.Sprintf("%s → %q", l.ID, got))
			}
			if r.Class == classOf(want) {
				v.s.class++
			}
		}
	}
	for _, m := range misses {
		t.Logf("miss %s", m)
	}
	for _, s := range []struct {
		name string
		s    score
	}{{"re-wrapped + copyright line", plain}, {"in a comment block", comment}, {"deprecated ids", deprecated}} {
		t.Logf("%-28s n=%3d id %.3f class %.3f", s.name, s.s.n, float64(s.s.id)/float64(s.s.n), float64(s.s.class)/float64(s.s.n))
	}
	if acc := float64(plain.id) / float64(plain.n); acc < 0.97 {
		t.Errorf("top-1 id accuracy %.3f < 0.97 on re-wrapped SPDX texts", acc)
	}
	if acc := float64(comment.id) / float64(comment.n); acc < 0.95 {
		t.Errorf("top-1 id accuracy %.3f < 0.95 on SPDX texts in comment blocks", acc)
	}
}

// debianShortNames is the short-name table of Debian's copyright-format 1.0
// specification (section "License specification"), with the versions and
// "+" forms used in Debian copyright files, and common extras; the SPDX
// expression each one means.
var debianShortNames = []struct{ short, spdx string }{
	{"public-domain", "CC-PDDC"},
	{"Apache-1.0", "Apache-1.0"}, {"Apache-1.1", "Apache-1.1"}, {"Apache-2.0", "Apache-2.0"},
	{"Artistic", "Artistic-1.0-Perl"}, {"Artistic-1.0", "Artistic-1.0"}, {"Artistic-2.0", "Artistic-2.0"},
	{"BSD-2-clause", "BSD-2-Clause"}, {"BSD-3-clause", "BSD-3-Clause"}, {"BSD-4-clause", "BSD-4-Clause"},
	{"ISC", "ISC"},
	{"CC-BY-3.0", "CC-BY-3.0"}, {"CC-BY-4.0", "CC-BY-4.0"}, {"CC-BY-SA-3.0", "CC-BY-SA-3.0"}, {"CC-BY-SA-4.0", "CC-BY-SA-4.0"},
	{"CC-BY-ND-4.0", "CC-BY-ND-4.0"}, {"CC-BY-NC-4.0", "CC-BY-NC-4.0"}, {"CC-BY-NC-SA-3.0", "CC-BY-NC-SA-3.0"},
	{"CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0"}, {"CC0", "CC0-1.0"}, {"CC0-1.0", "CC0-1.0"},
	{"CDDL-1.0", "CDDL-1.0"}, {"CDDL-1.1", "CDDL-1.1"}, {"CPL-1.0", "CPL-1.0"},
	{"EFL-1", "EFL-1.0"}, {"EFL-2", "EFL-2.0"}, {"Expat", "MIT"},
	{"GPL-1", "GPL-1.0-only"}, {"GPL-1+", "GPL-1.0-or-later"}, {"GPL-2", "GPL-2.0-only"}, {"GPL-2+", "GPL-2.0-or-later"},
	{"GPL-3", "GPL-3.0-only"}, {"GPL-3+", "GPL-3.0-or-later"}, {"GPL-2.0+", "GPL-2.0-or-later"},
	{"LGPL-2", "LGPL-2.0-only"}, {"LGPL-2+", "LGPL-2.0-or-later"}, {"LGPL-2.1", "LGPL-2.1-only"}, {"LGPL-2.1+", "LGPL-2.1-or-later"},
	{"LGPL-3", "LGPL-3.0-only"}, {"LGPL-3+", "LGPL-3.0-or-later"},
	{"GFDL-1.2", "GFDL-1.2-only"}, {"GFDL-1.2+", "GFDL-1.2-or-later"}, {"GFDL-1.3", "GFDL-1.3-only"}, {"GFDL-1.3+", "GFDL-1.3-or-later"},
	{"GFDL-NIV-1.2", "GFDL-1.2-no-invariants-only"}, {"GFDL-NIV-1.3+", "GFDL-1.3-no-invariants-or-later"},
	{"LPPL-1.0", "LPPL-1.0"}, {"LPPL-1.2", "LPPL-1.2"}, {"LPPL-1.3c", "LPPL-1.3c"},
	{"MPL-1.0", "MPL-1.0"}, {"MPL-1.1", "MPL-1.1"}, {"MPL-2.0", "MPL-2.0"},
	{"Perl", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
	{"Python-2.0", "Python-2.0"}, {"QPL-1.0", "QPL-1.0"}, {"W3C", "W3C"}, {"Zlib", "Zlib"},
	{"Zope-1.1", "ZPL-1.1"}, {"Zope-2.0", "ZPL-2.0"}, {"Zope-2.1", "ZPL-2.1"},
	// "with X exception" and combinations.
	{"GPL-2+ with Font exception", "GPL-2.0-or-later WITH Font-exception-2.0"},
	{"GPL-2 with Classpath exception", "GPL-2.0-only WITH Classpath-exception-2.0"},
	{"GPL-3+ with Autoconf exception", "GPL-3.0-or-later WITH Autoconf-exception-3.0"},
	{"GPL-3+ with GCC exception", "GPL-3.0-or-later WITH GCC-exception-3.1"},
	{"GPL-3+ with Bison exception", "GPL-3.0-or-later WITH Bison-exception-2.2"},
	{"GPL-2+ with OpenSSL exception", "GPL-2.0-or-later WITH AdditionRef-OpenSSL-exception"},
	// Exception names of real Debian copyright files (the real set).
	{"GPL-2+ with Linux-syscall-note exception", "GPL-2.0-or-later WITH Linux-syscall-note"},
	{"GPL-3+ with GCC-Runtime-3.1 exception", "GPL-3.0-or-later WITH GCC-exception-3.1"},
	{"GPL-2+ with Autoconf-data exception", "GPL-2.0-or-later WITH Autoconf-exception-generic"},
	{"GPL-3+ with Autoconf-data exception", "GPL-3.0-or-later WITH Autoconf-exception-generic-3.0"},
	{"BZIP2", "bzip2-1.0.6"},
	{"GAP", "FSFAP"},
	{"BSD-3", "BSD-3-Clause"},
	{"BSD-2", "BSD-2-Clause"},
	{"OpenLDAP-2.8", "OLDAP-2.8"},
	{"Apache-2.0 OR BSD-2", "Apache-2.0 OR BSD-2-Clause"},
	{"Artistic or GPL-1+", "Artistic-1.0-Perl OR GPL-1.0-or-later"},
	{"GPL-2+ or Artistic-2.0, and BSD-3-clause", "(GPL-2.0-or-later OR Artistic-2.0) AND BSD-3-Clause"},
	{"LGPL-2.1+ and MIT", "LGPL-2.1-or-later AND MIT"},
	// Common extras.
	{"MIT", "MIT"}, {"X11", "X11"}, {"NTP", "NTP"}, {"0BSD", "0BSD"}, {"BSL-1.0", "BSL-1.0"}, {"Unlicense", "Unlicense"},
	{"WTFPL", "WTFPL"}, {"OFL-1.1", "OFL-1.1"}, {"EPL-2.0", "EPL-2.0"}, {"AGPL-3+", "AGPL-3.0-or-later"},
}

// TestDebianShortNames: every row maps, alone and as the License: field of
// a DEP-5 paragraph.
func TestDebianShortNames(t *testing.T) {
	for _, row := range debianShortNames {
		want := canonicalID(row.spdx)
		got, err := DebianLicence(row.short)
		if err != nil || got != want {
			t.Errorf("DebianLicence(%q) = %q, %v; want %q", row.short, got, err, want)
		}
		para := "Files: src/*\nCopyright: 2009-2015 Jane Doe <jane@example.org>\nLicense: " + row.short +
			"\n On Debian systems, the complete text of this licence can be found in\n `/usr/share/common-licenses/'.\n"
		r := Detect([]byte(para))
		if len(r.Licences) == 0 || r.Licences[0].SPDX != want {
			t.Errorf("Detect(DEP-5 paragraph License: %s) = %+v, want %q first", row.short, r.Licences, want)
		}
	}
	for _, bad := range []string{"", "or", "GPL-2 or", "Foo-Licence-9", "see below"} {
		if got, err := DebianLicence(bad); err == nil {
			t.Errorf("DebianLicence(%q) = %q, want an error", bad, got)
		}
	}
}

// devCase is one hand-written dev-set text and what it means.
type devCase struct {
	group, name, text, id, class string
}

// headerCases are the standard notices licences ask to put in each file
// (from each licence's "how to apply" appendix or steward's page), some
// abridged as projects do.
var headerCases = []devCase{
	{"header", "apache", "// Copyright 2024 Example LLC\n//\n// Licensed under the Apache License, Version 2.0 (the \"License\");\n// you may not use this file except in compliance with the License.\n// You may obtain a copy of the License at\n//\n//     http://www.apache.org/licenses/LICENSE-2.0\n//\n// Unless required by applicable law or agreed to in writing, software\n// distributed under the License is distributed on an \"AS IS\" BASIS,\n// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.\n// See the License for the specific language governing permissions and\n// limitations under the License.\n\npackage x\n", "Apache-2.0", "commercial"},
	{"header", "gpl2+", "/*\n * This program is free software; you can redistribute it and/or modify\n * it under the terms of the GNU General Public License as published by\n * the Free Software Foundation; either version 2 of the License, or\n * (at your option) any later version.\n *\n * This program is distributed in the hope that it will be useful,\n * but WITHOUT ANY WARRANTY; without even the implied warranty of\n * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.\n */\n#include <stdio.h>\n", "GPL-2.0-or-later", "commercial"},
	{"header", "gpl2-only", "# This program is free software; you can redistribute it and/or modify it\n# under the terms of the GNU General Public License version 2 as published\n# by the Free Software Foundation.\nimport os\n", "GPL-2.0-only", "commercial"},
	{"header", "gpl3+", "// This program is free software: you can redistribute it and/or modify\n// it under the terms of the GNU General Public License as published by\n// the Free Software Foundation, either version 3 of the License, or\n// (at your option) any later version.\n", "GPL-3.0-or-later", "commercial"},
	{"header", "lgpl2.1+", "/* This library is free software; you can redistribute it and/or\n   modify it under the terms of the GNU Lesser General Public\n   License as published by the Free Software Foundation; either\n   version 2.1 of the License, or (at your option) any later version. */\n", "LGPL-2.1-or-later", "commercial"},
	{"header", "lgpl3", "This file is part of Foo. Foo is free software: you can redistribute it and/or modify it under the terms of the GNU Lesser General Public License as published by the Free Software Foundation, version 3 of the License.\n", "LGPL-3.0-only", "commercial"},
	{"header", "agpl3+", "This program is free software: you can redistribute it and/or modify\nit under the terms of the GNU Affero General Public License as published\nby the Free Software Foundation, either version 3 of the License, or\n(at your option) any later version.\n", "AGPL-3.0-or-later", "commercial"},
	{"header", "mpl2", "/* This Source Code Form is subject to the terms of the Mozilla Public\n * License, v. 2.0. If a copy of the MPL was not distributed with this\n * file, You can obtain one at https://mozilla.org/MPL/2.0/. */\n", "MPL-2.0", "commercial"},
	{"header", "epl2", "/*******************************************************************************\n * Copyright (c) 2020 Contributors\n *\n * This program and the accompanying materials are made available under the\n * terms of the Eclipse Public License 2.0 which is available at\n * http://www.eclipse.org/legal/epl-2.0.\n *\n * SPDX-License-Identifier: EPL-2.0\n *******************************************************************************/\n", "EPL-2.0", "commercial"},
	{"header", "gfdl1.3+", "Permission is granted to copy, distribute and/or modify this document\nunder the terms of the GNU Free Documentation License, Version 1.3\nor any later version published by the Free Software Foundation;\nwith no Invariant Sections, no Front-Cover Texts, and no Back-Cover Texts.\n", "GFDL-1.3-or-later", "commercial"},
	{"header", "boost", "//  Distributed under the Boost Software License, Version 1.0.\n//  (See accompanying file LICENSE_1_0.txt or copy at\n//  https://www.boost.org/LICENSE_1_0.txt)\n", "BSL-1.0", "commercial"},
	{"header", "eupl", "Licensed under the EUPL, Version 1.2 or – as soon they will be approved by the European Commission - subsequent versions of the EUPL (the \"Licence\");\nYou may not use this work except in compliance with the Licence.\n", "EUPL-1.2", "commercial"},
	{"header", "go bsd-style", "// Copyright 2009 The Go Authors. All rights reserved.\n// Use of this source code is governed by a BSD-style\n// license that can be found in the LICENSE file.\n\npackage fmt\n", "BSD-3-Clause", "commercial"},
	{"header", "llvm", "//===----------------------------------------------------------------------===//\n//\n// Part of the LLVM Project, under the Apache License v2.0 with LLVM Exceptions.\n// See https://llvm.org/LICENSE.txt for license information.\n// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception\n//\n//===----------------------------------------------------------------------===//\n", "Apache-2.0 WITH LLVM-exception", "commercial"},
	{"header", "openjdk classpath", "/*\n * This code is free software; you can redistribute it and/or modify it\n * under the terms of the GNU General Public License version 2 only, as\n * published by the Free Software Foundation.  Oracle designates this\n * particular file as subject to the \"Classpath\" exception as provided\n * by Oracle in the LICENSE file that accompanied this code.\n */\npackage java.util;\n", "GPL-2.0-only WITH Classpath-exception-2.0", "commercial"},
	{"header", "mit-style", "// Use of this source code is governed by an MIT-style license that can be\n// found in the LICENSE file at https://example.org/license\n", "MIT", "commercial"},
}

// noticeCases are use notices in English and Chinese, licence names in
// words, and reservation notices.
var noticeCases = []devCase{
	{"notice", "academic en", "This dataset is provided for academic research only.", RefAcademicOnly, "academic-only"},
	{"notice", "research purposes en", "The images may be used for non-commercial research purposes only.", RefAcademicOnly, "academic-only"},
	{"notice", "research use only en", "Research use only. Redistribution is not allowed.", RefAcademicOnly, "academic-only"},
	{"notice", "solely academic en", "The corpus shall be used solely for academic purposes.", RefAcademicOnly, "academic-only"},
	{"notice", "academic zh", "本数据集仅供学术研究使用，不得用于其他用途。", RefAcademicOnly, "academic-only"},
	{"notice", "academic zh 2", "数据仅限学术研究使用。", RefAcademicOnly, "academic-only"},
	{"notice", "study zh", "本文资料仅供学习交流，侵删。", RefAcademicOnly, "academic-only"},
	{"notice", "academic zh-hant", "本資料僅供學術研究之用。", RefAcademicOnly, "academic-only"},
	{"notice", "zhihu", "著作权归作者所有。商业转载请联系作者获得授权，非商业转载请注明出处。", RefNonCommercialReprint, "non-commercial"},
	{"notice", "no commercial zh", "本站图片禁止商用。", RefNonCommercial, "non-commercial"},
	{"notice", "no commercial zh 2", "素材不得用于商业用途，违者必究。", RefNonCommercial, "non-commercial"},
	{"notice", "no commercial en", "Free to share. Not for commercial use.", RefNonCommercial, "non-commercial"},
	{"notice", "nc only en", "Photos are available for non-commercial use only.", RefNonCommercial, "non-commercial"},
	{"notice", "commercial prohibited en", "Commercial use is strictly prohibited.", RefNonCommercial, "non-commercial"},
	{"notice", "commercial needs permission en", "Commercial use requires prior written permission from the authors.", RefNonCommercial, "non-commercial"},
	{"notice", "personal use en", "These wallpapers are for personal use only.", RefNonCommercial, "non-commercial"},
	{"notice", "personal study zh", "本站资源仅供个人学习研究，请于下载后24小时内删除。", RefAcademicOnly, "academic-only"},
	{"notice", "commercial contact zh", "如需商用请联系作者。", RefNonCommercial, "non-commercial"},
	{"notice", "cc by-nd", "Text is available under CC BY-ND 4.0.", "CC-BY-ND-4.0", "unspecified"},
	{"notice", "cc by-nc-nd zh", "本作品采用知识共享署名-非商业性使用-禁止演绎 4.0 国际许可协议进行许可。", "CC-BY-NC-ND-4.0", "unspecified"},
	{"notice", "cc by-sa url", `<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA 4.0</a>`, "CC-BY-SA-4.0", "commercial"},
	{"notice", "csdn", "版权声明：本文为博主原创文章，遵循 CC 4.0 BY-SA 版权协议，转载请附上原文出处链接和本声明。", "CC-BY-SA-4.0", "commercial"},
	{"notice", "mit words", "This project is licensed under the terms of the MIT license.", "MIT", "commercial"},
	{"notice", "arr en", "Copyright © 2022 Example News Ltd. All rights reserved.", RefAllRightsReserved, "unspecified"},
	{"notice", "arr zh", "版权所有 © 2023 某某出版社", RefAllRightsReserved, "unspecified"},
	{"notice", "no repost zh", "本文为原创内容，未经许可不得转载。", RefNoReproduction, "unspecified"},
	{"notice", "arr with grant", "Copyright (c) 2015 Example Inc. All rights reserved.\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software and associated documentation files (the \"Software\"), to deal in the Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n", "MIT", "commercial"},
}

// negativeCases hold licence-like words and no licence.
var negativeCases = []devCase{
	{"negative", "driving licence", "She renewed her driving licence and her license plate last week.", "", "none"},
	{"negative", "commercial allowed", "Commercial use of the service is permitted for registered customers.", "", "none"},
	{"negative", "research news", "New research shows that academic performance improves with sleep.", "", "none"},
	{"negative", "zh research", "学术研究表明，适量运动有益健康。研究团队来自北京。", "", "none"},
	{"negative", "zh commerce", "商业街今天人很多，商业银行也开门了。", "", "none"},
	{"negative", "code", "func license(x int) int {\n\treturn x * 2 // permission bits\n}\n", "", "none"},
	{"negative", "public domain talk", "Whether a photograph enters the public domain depends on the country.", "", "none"},
	{"negative", "warranty", "The warranty of your washing machine covers parts and labour for two years.", "", "none"},
	{"negative", "cc in text", "Send the mail with CC to the team and BCC to the boss.", "", "none"},
	{"negative", "trademark use", "Kerberos and Zephyr are trademarks of MIT. No commercial use of these trademarks may be made without prior written permission of MIT.", "", "none"},
	{"negative", "licensing talk", "The licensing office of the city handles taxi licences.", "", "none"},
}

// TestDevSet scores Detect on the hand-written groups and prints the
// figures of every group of the dev set.
func TestDevSet(t *testing.T) {
	type score struct{ n, id, class int }
	scores := map[string]*score{}
	for _, groups := range [][]devCase{headerCases, noticeCases, negativeCases} {
		for _, c := range groups {
			r := Detect([]byte(c.text))
			got := ""
			if len(r.Licences) > 0 {
				got = r.Licences[0].SPDX
			}
			s := scores[c.group]
			if s == nil {
				s = &score{}
				scores[c.group] = s
			}
			s.n++
			idOK := got == canonicalID(c.id)
			if idOK {
				s.id++
			}
			if r.Class == c.class {
				s.class++
			}
			if !idOK || r.Class != c.class {
				t.Errorf("%s/%s: got %q class %s (%+v), want %q class %s", c.group, c.name, got, r.Class, r.Licences, c.id, c.class)
			}
		}
	}
	for _, g := range []string{"header", "notice", "negative"} {
		s := scores[g]
		t.Logf("%-9s n=%3d id %.3f class %.3f", g, s.n, float64(s.id)/float64(s.n), float64(s.class)/float64(s.n))
	}
}

// FuzzDebianLicence: any License: value maps to a canonical expression
// that parses again, or to an error; never a panic.
func FuzzDebianLicence(f *testing.F) {
	for _, row := range debianShortNames {
		f.Add(row.short)
	}
	f.Add("GPL-2+ with , or")
	f.Add("(((MIT")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := DebianLicence(s)
		if err != nil {
			return
		}
		if _, err := schemas.ParseLicenceExpression(got); err != nil {
			t.Fatalf("DebianLicence(%q) = %q, which does not parse: %v", s, got, err)
		}
	})
}

// TestHeaderCache: headers that differ only in years and holders share one
// cached match.
func TestHeaderCache(t *testing.T) {
	clearCaches()
	const body = "//\n// Redistribution and use in source and binary forms, with or without\n// modification, are permitted provided that the following conditions are met:\n// 1. Redistributions of source code must retain the above copyright notice,\n//    this list of conditions and the following disclaimer.\n// 2. Redistributions in binary form must reproduce the above copyright notice,\n//    this list of conditions and the following disclaimer in the documentation\n//    and/or other materials provided with the distribution.\n//\n// THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS \"AS IS\"\n// AND ANY EXPRESS OR IMPLIED WARRANTIES ARE DISCLAIMED.\n\npackage x\n"
	const code = "import \"fmt\"\n\nfunc %s(xs []int) (n int) {\n\tfor _, x := range xs {\n\t\tif x > 0 && x%%2 == 0 {\n\t\t\tn += x\n\t\t}\n\t}\n\tfmt.Println(n)\n\treturn n\n}\n"
	a := Detect([]byte("// Copyright (c) 2011 Alice Example\n" + body + fmt.Sprintf(code, "A")))
	b := Detect([]byte("// Copyright 2019-2024 Bob Sample <bob@example.org>\n// All rights reserved.\n" + body + fmt.Sprintf(code, "Sum")))
	if len(a.Licences) == 0 || len(b.Licences) == 0 || a.Licences[0].SPDX != b.Licences[0].SPDX {
		t.Fatalf("different results %+v / %+v", a.Licences, b.Licences)
	}
	scanCache.Lock()
	n := len(scanCache.m)
	scanCache.Unlock()
	if n != 1 {
		t.Errorf("%d cached text matches for one header, want 1", n)
	}
}
