package licence

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

func testEnv(use string, mut func(*schemas.LicencePolicy)) stages.Env {
	p := &schemas.Policy{ID: "test"}
	if mut != nil {
		mut(&p.Licence)
	}
	p.ApplyDefaults()
	return stages.Env{
		Policy:  p,
		Dataset: &schemas.DatasetConfig{Name: "d", Use: use},
		Sources: &schemas.SourceRegistry{Sources: []schemas.Source{
			{ID: "code-mit", Channel: schemas.ChannelOpenSource, Licence: "MIT", LicenceEvidence: "https://example.org/LICENSE"},
			{ID: "wiki", Name: "Wiki dump", Channel: schemas.ChannelOpenSource, Licence: "CC-BY-SA-4.0"},
			{ID: "oss-nolic", Channel: schemas.ChannelOpenSource},
			{ID: "books", Channel: schemas.ChannelCommercial, WorkType: "literary"},
			{ID: "crawl", Channel: schemas.ChannelSelfCollected},
		}},
	}
}

func newStage(t testing.TB, env stages.Env) *Stage {
	t.Helper()
	s, err := New(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func rec(source, licence, text string) *schemas.Record {
	r := &schemas.Record{Object: "file:///c/x.jsonl", Line: 1, Source: source}
	r.Set(schemas.FieldText, text)
	r.Set(schemas.FieldID, "r1")
	if licence != "" {
		r.Set(schemas.FieldLicence, licence)
	}
	return r
}

func rules(o *stages.Outcome) string {
	var ids []string
	for _, f := range o.Findings {
		ids = append(ids, f.RuleID+"/"+f.Verdict)
	}
	return strings.Join(ids, ",")
}

func TestCheck(t *testing.T) {
	const gplHeader = "// SPDX-License-Identifier: GPL-3.0-only\npackage x\n"
	for _, tc := range []struct {
		name, use, source, licence, text string
		verdict                          schemas.Verdict
		findings                         string
		attribution                      bool
	}{
		{"mit code", "", "code-mit", "", "package x\nfunc F() {}\n", schemas.Admit, "", true},
		{"gpl header in mit source", "", "code-mit", "", gplHeader, schemas.Quarantine, "TC260-5.2-b2/quarantine", true},
		{"gpl header, conflict only", "", "code-mit", "", gplHeader, schemas.Admit, "TC260-5.2-b2/admit", true},
		{"nc link in commercial", "commercial", "wiki", "CC-BY-SA-4.0", "见 https://creativecommons.org/licenses/by-nc/4.0/ 。", schemas.Reject, "TC260-5.2-b2/quarantine,CN-IM-7.2/reject", false},
		{"nc link in non-commercial", "non-commercial", "wiki", "", "见 https://creativecommons.org/licenses/by-nc/4.0/ 。", schemas.Quarantine, "TC260-5.2-b2/quarantine", true},
		{"nc record licence", "commercial", "crawl", "CC-BY-NC-4.0", "text", schemas.Reject, "CN-IM-7.2/reject", false},
		{"nc record licence quarantined", "commercial", "crawl", "CC-BY-NC-4.0", "text", schemas.Quarantine, "CN-IM-7.2/quarantine", false},
		{"nc accepted for academic", "academic", "crawl", "CC-BY-NC-4.0", "text", schemas.Admit, "", true},
		{"or picks accepted option", "commercial", "crawl", "CC-BY-NC-4.0 OR MIT", "text", schemas.Admit, "", true},
		{"all rights reserved no licence", "", "crawl", "", "Copyright (c) 2020 Foo. All rights reserved.", schemas.Quarantine, "TC260-5.2-b2/quarantine,CN-IM-7.2/quarantine", false},
		{"no licence anywhere", "", "oss-nolic", "", "plain text", schemas.Quarantine, "CN-IM-7.2/quarantine", false},
		{"invalid record licence", "", "crawl", "Not A Licence", "plain", schemas.Quarantine, "CN-IM-7.2/admit,CN-IM-7.2/quarantine", false},
		{"no reproduction in cc-by-sa", "", "wiki", "", "本文版权所有，未经许可不得转载。", schemas.Quarantine, "TC260-5.2-b2/quarantine,CN-IM-7.2/quarantine", false},
		{"literary quarantined", "", "books", "CC-BY-4.0", "Chapter one.", schemas.Quarantine, "TC260-5.2-b2/quarantine", true},
		{"public domain no attribution", "", "crawl", "CC0-1.0", "text", schemas.Admit, "", false},
		{"class override", "academic", "crawl", "LicenseRef-Research", "text", schemas.Admit, "", false},
		{"arr without grant in mit source", "", "code-mit", "", "// Copyright 2020 Example Corp. All rights reserved.\npackage x\n", schemas.Quarantine, "TC260-5.2-b2/quarantine", true},
		{"arr with grant in mit source", "", "code-mit", "", "// Copyright 2020 Example Corp. All rights reserved.\n// Use of this source code is governed by a BSD-style\n// license that can be found in the LICENSE file.\npackage x\n", schemas.Admit, "", true},
		{"bare copyright line in mit source", "", "code-mit", "", "// Copyright 2020 Example Corp.\npackage x\n", schemas.Admit, "", true},
		{"academic notice in cc-by-sa source", "commercial", "wiki", "", "本数据集仅供学术研究使用。", schemas.Reject, "TC260-5.2-b2/quarantine,CN-IM-7.2/reject", false},
		{"academic notice accepted for academic use", "academic", "wiki", "", "For academic research only.", schemas.Quarantine, "TC260-5.2-b2/quarantine", true},
		{"nd licence not accepted", "commercial", "crawl", "CC-BY-ND-4.0", "text", schemas.Quarantine, "CN-IM-7.2/quarantine", false},
		{"nd licence allowed by policy", "commercial", "crawl", "CC-BY-ND-4.0", "text", schemas.Admit, "", true},
		{"debian short name record licence", "commercial", "crawl", "GPL-2+", "text", schemas.Admit, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mut func(*schemas.LicencePolicy)
			switch tc.name {
			case "gpl header, conflict only":
				mut = func(p *schemas.LicencePolicy) { p.OnConflict = "admit" }
			case "nc record licence quarantined":
				mut = func(p *schemas.LicencePolicy) { p.OnUnaccepted = "quarantine" }
			case "literary quarantined":
				mut = func(p *schemas.LicencePolicy) { p.OnReviewWorkType = "quarantine" }
			case "nd licence allowed by policy":
				mut = func(p *schemas.LicencePolicy) { p.NoDerivatives = "commercial" }
			case "class override":
				mut = func(p *schemas.LicencePolicy) { p.Classes = map[string]string{"LicenseRef-Research": "academic-only"} }
			}
			s := newStage(t, testEnv(tc.use, mut))
			st := s.NewState()
			var out stages.Outcome
			out.Reset()
			s.Check(rec(tc.source, tc.licence, tc.text), st, &out)
			if out.Verdict != tc.verdict || rules(&out) != tc.findings {
				t.Errorf("verdict %s findings %q, want %s %q (%+v)", out.Verdict, rules(&out), tc.verdict, tc.findings, out.Findings)
			}
			if (out.Attribution != "") != tc.attribution {
				t.Errorf("attribution %q, want set=%v", out.Attribution, tc.attribution)
			}
		})
	}
}

func TestConcludeAndMerge(t *testing.T) {
	s := newStage(t, testEnv("commercial", nil))
	recs := []*schemas.Record{
		rec("wiki", "", "一段百科文字。"),
		rec("wiki", "CC-BY-NC-4.0", "另一段。"),
		rec("code-mit", "", "// SPDX-License-Identifier: GPL-2.0+\nint x;\n"),
		rec("oss-nolic", "", "no licence"),
		rec("books", "CC-BY-4.0", "Chapter one."),
	}
	// One state for all records vs. one per record merged: same conclusion.
	whole := s.NewState()
	merged := s.NewState()
	for _, r := range recs {
		var out stages.Outcome
		out.Reset()
		s.Check(r, whole, &out)
		part := s.NewState()
		out.Reset()
		s.Check(r, part, &out)
		b, err := part.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		back := s.NewState()
		if err := back.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if err := merged.Merge(back); err != nil {
			t.Fatal(err)
		}
	}
	var c1, c2 stages.Conclusion
	if err := s.Conclude(whole, &c1); err != nil {
		t.Fatal(err)
	}
	if err := s.Conclude(merged, &c2); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c1) != fmt.Sprint(c2) {
		t.Errorf("merged conclusion differs:\n%v\n%v", c1, c2)
	}
	metric := func(name, dim string) float64 {
		for _, m := range c1.Metrics {
			if m.Metric == name && m.Dimension == dim {
				return m.Value
			}
		}
		return -1
	}
	for _, tc := range []struct {
		name, dim string
		want      float64
	}{
		{"licence_records", "CC-BY-SA-4.0", 2},
		{"licence_records", "CC-BY-NC-4.0", 1},
		{"licence_records", "GPL-2.0-or-later", 1},
		{"licence_class_records", "commercial", 3},
		{"licence_class_records", "non-commercial", 1},
		{"licence_class_records", "unspecified", 1},
		{"licence_conflicts", "overall", 1},
		{"licence_unaccepted", "overall", 2},
		{"licence_bytes", "CC-BY-NC-4.0", float64(len("另一段。"))},
	} {
		if got := metric(tc.name, tc.dim); got != tc.want {
			t.Errorf("metric %s{%s} = %v, want %v", tc.name, tc.dim, got, tc.want)
		}
	}
	var found []string
	for _, f := range c1.Findings {
		found = append(found, f.RuleID+":"+f.Source)
	}
	if got := strings.Join(found, ","); got != "TC260-5.2-b2:books,CN-IM-7.2:oss-nolic" {
		t.Errorf("dataset findings %s", got)
	}
	if len(c1.Rules) != 2 || c1.Rules[0].RuleID != RuleIP || c1.Rules[1].RuleID != RuleIPReview || c1.Rules[1].Figure != 1 {
		t.Errorf("rules %+v", c1.Rules)
	}
	if !strings.Contains(c1.Rules[0].Detail, "3/5 records accepted") {
		t.Errorf("CN-IM-7.2 detail %q", c1.Rules[0].Detail)
	}
	if err := merged.Merge(nil); err == nil {
		t.Error("Merge(nil) succeeded")
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, text, first, evidence, class string
	}{
		{"empty", "", "", "", "none"},
		{"prose", "A walk in the park.", "", "", "none"},
		{"spdx expr", "# SPDX-License-Identifier: MIT OR Apache-2.0\n", "MIT OR Apache-2.0", "spdx-header", "commercial"},
		{"spdx deprecated", "/* SPDX-License-Identifier: GPL-2.0 */", "GPL-2.0-only", "spdx-header", "commercial"},
		{"cc url port", `<a href="http://creativecommons.org/licenses/by-nc-sa/2.0/fr/">`, "CC-BY-NC-SA-2.0-FR", "url", "non-commercial"},
		{"cc0 url", "https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0", "url", "commercial"},
		{"csdn", "遵循 CC 4.0 BY-SA 版权协议", "CC-BY-SA-4.0", "notice", "commercial"},
		{"zh cc", "采用知识共享署名-禁止演绎 4.0 国际许可协议", "CC-BY-ND-4.0", "notice", "unspecified"},
		{"zh cc nc", "采用知识共享署名-非商业性使用-相同方式共享 4.0 国际许可协议", "CC-BY-NC-SA-4.0", "notice", "non-commercial"},
		{"arr", "Copyright (c) 2001 X. All rights reserved.", RefAllRightsReserved, "notice", "unspecified"},
		{"arr with licence", "Copyright (c) 2001 X. All rights reserved.\nSPDX-License-Identifier: BSD-3-Clause", "BSD-3-Clause", "spdx-header", "commercial"},
		{"no repost", "未经授权不得转载", RefNoReproduction, "notice", "unspecified"},
		{"mit phrase", "This project is released under the MIT License.", "MIT", "notice", "commercial"},
		{"most restrictive", "SPDX-License-Identifier: MIT\nhttps://creativecommons.org/licenses/by-nc/4.0/", "MIT", "spdx-header", "non-commercial"},
		// Dual licensing: one OR expression, not two licences at once.
		{"dual", "This project is dual-licensed under the Unlicense and MIT licenses.\n\nYou may use this code under the terms of either license.", "MIT OR Unlicense", "notice", "commercial"},
		{"dual readme", "## License\n\nLicensed under either of\n\n * Apache License, Version 2.0 ([LICENSE-APACHE](LICENSE-APACHE))\n * MIT license ([LICENSE-MIT](LICENSE-MIT))\n\nat your option.", "Apache-2.0 OR MIT", "notice", "commercial"},
		{"dual header", "/*\n * This source code is licensed under both the BSD-style license (found in the\n * LICENSE file) and the GPLv2 (found in the COPYING file).\n * You may select, at your option, one of the above-listed licenses.\n */", "BSD-3-Clause OR GPL-2.0-only", "notice", "commercial"},
		{"eclipse dual", "/* This program and the accompanying materials\n * are made available under the terms of the Eclipse Public License v2.0\n * and Eclipse Distribution License v1.0 which accompany this distribution. */", "EPL-2.0 OR BSD-3-Clause", "notice", "commercial"},
		{"gnu or later is no choice", "it under the terms of the GNU General Public License as published by\nthe Free Software Foundation, either version 3 of the License, or\n(at your option) any later version.", "GPL-3.0-or-later", "notice", "commercial"},
		{"gnu only version", "modify it under the terms of the GNU General Public License\nas published by the Free Software Foundation;  only version 2 of\nthe License is valid for this program.", "GPL-2.0-only", "notice", "commercial"},
		{"docstring licence", ":copyright: (c) 2017 by Kenneth Reitz.\n:license: Apache 2.0, see LICENSE for more details.", "Apache-2.0", "notice", "commercial"},
		{"gpl abbreviation", "/*\nhtop - Action.c\n(C) 2015 Hisham H. Muhammad\nReleased under the GNU GPLv2+, see the COPYING file\nin the source distribution for its full text.\n*/", "GPL-2.0-or-later", "notice", "commercial"},
		{"lgpl abbreviation", "mpv is licensed under the LGPLv2.1+ when built without GPL files.", "LGPL-2.1-or-later", "notice", "commercial"},
		{"zh research and teaching only", "仅供安全研究与教学之用，风险自负!", RefAcademicOnly, "notice", "academic-only"},
		{"zh study only", "模型仅供参考学习使用，禁止商用。", RefAcademicOnly, "notice", "academic-only"},
		{"zh for reference only", "以上数据仅供参考。", "", "", "none"},
		{"markdown link", "Licensed under the [Apache License, Version 2.0](http://www.apache.org/licenses/LICENSE-2.0).", "Apache-2.0", "notice", "commercial"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Detect([]byte(tc.text))
			first, ev := "", ""
			if len(r.Licences) > 0 {
				first, ev = r.Licences[0].SPDX, r.Licences[0].Evidence
			}
			if first != tc.first || ev != tc.evidence || r.Class != tc.class || r.Licences == nil {
				t.Errorf("Detect = %+v, want first %q (%s) class %s", r, tc.first, tc.evidence, tc.class)
			}
		})
	}
}

func seedFiles(f *testing.F) {
	files, _ := filepath.Glob("testdata/devset/*/*")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) < 8<<10 {
			f.Add(b)
		}
	}
}

func FuzzDetect(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Detect(b)
		if r.Licences == nil {
			t.Fatal("nil licences")
		}
		if (len(r.Licences) == 0) != (r.Class == ClassNone) {
			t.Fatalf("class %s with %d licences", r.Class, len(r.Licences))
		}
		for i, m := range r.Licences {
			if _, ok := evidenceRank[m.Evidence]; !ok || m.Confidence <= 0 || m.Confidence > 1 {
				t.Fatalf("bad match %+v", m)
			}
			if i > 0 && m.Confidence > r.Licences[i-1].Confidence {
				t.Fatalf("not sorted: %+v", r.Licences)
			}
			if _, err := schemas.ParseLicenceExpression(m.SPDX); err != nil && !isNoticeRef(m.SPDX) && !strings.HasPrefix(m.SPDX, "LicenseRef-") {
				t.Fatalf("reported id %q does not parse: %v", m.SPDX, err)
			}
		}
	})
}

// FuzzParseExpression fuzzes the expression path the stage uses on record
// licences and SPDX-License-Identifier lines.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{"MIT", "GPL-2.0+ OR (LGPL-2.1 WITH Classpath-exception-2.0 AND cc-by-nc-sa-4.0)", "LicenseRef-x", "MIT */", "(", "openrail++"} {
		f.Add(s)
	}
	s, err := New(context.Background(), testEnv("", nil))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, lic string) {
		p := s.parse(cleanSPDXLine(lic))
		if p.err == nil {
			if _, err := schemas.ParseLicenceExpression(p.expr.String()); err != nil {
				t.Fatalf("canonical %q of %q does not parse: %v", p.expr.String(), lic, err)
			}
		}
		var out stages.Outcome
		out.Reset()
		s.Check(rec("crawl", lic, "text"), s.NewState(), &out)
		// An empty licence field claims nothing: a source whose right to
		// train rests on another basis may then be admitted.
		if out.Verdict == schemas.Admit && p.err != nil && strings.TrimSpace(cleanSPDXLine(lic)) != "" {
			t.Fatalf("invalid licence %q admitted", lic)
		}
	})
}
