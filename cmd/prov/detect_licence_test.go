package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectLicenceCLI runs `prov detect licence` in process and checks the
// output contract: one JSON object per file in argument order, exact keys,
// best match first, [] and "none" without evidence.
func TestDetectLicenceCLI(t *testing.T) {
	dir := t.TempDir()
	files := []struct{ name, text, spdx, evidence, class string }{
		{"a.c", "/* SPDX-License-Identifier: GPL-2.0+ */\nint x;\n", "GPL-2.0-or-later", "spdx-header", "commercial"},
		{"b.html", `<a rel="license" href="https://creativecommons.org/licenses/by-nc-sa/4.0/">CC</a>`, "CC-BY-NC-SA-4.0", "url", "non-commercial"},
		{"c.txt", "Copyright (c) 2021 Acme Corp. All rights reserved.\n", "LicenseRef-All-Rights-Reserved", "notice", "unspecified"},
		{"d.txt", "版权声明：本文为博主原创文章，遵循 CC 4.0 BY-SA 版权协议，转载请附上原文出处链接和本声明。\n", "CC-BY-SA-4.0", "notice", "commercial"},
		{"e.txt", "Nothing to see here.\n", "", "", "none"},
		{"f.txt", "本文版权所有，未经许可不得转载。\n", "LicenseRef-No-Reproduction", "notice", "unspecified"},
	}
	var args []string
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	licence, err := os.ReadFile("/usr/share/common-licenses/Apache-2.0")
	if err == nil {
		p := filepath.Join(dir, "LICENSE")
		if err := os.WriteFile(p, licence, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
		files = append(files, struct{ name, text, spdx, evidence, class string }{"LICENSE", "", "Apache-2.0", "text", "commercial"})
	}
	var out bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetArgs(append([]string{"detect", "licence"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("prov detect licence: %v", err)
	}
	sc := bufio.NewScanner(&out)
	i := 0
	for sc.Scan() {
		if i >= len(files) {
			t.Fatalf("extra output line %s", sc.Text())
		}
		f := files[i]
		t.Run(f.name, func(t *testing.T) {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
				t.Fatalf("line %q: %v", sc.Text(), err)
			}
			if len(raw) != 3 || raw["file"] == nil || raw["licences"] == nil || raw["class"] == nil {
				t.Fatalf("keys of %s, want exactly file, licences, class", sc.Text())
			}
			var v struct {
				File     string `json:"file"`
				Licences []struct {
					SPDX       string  `json:"spdx"`
					Confidence float64 `json:"confidence"`
					Evidence   string  `json:"evidence"`
				} `json:"licences"`
				Class string `json:"class"`
			}
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatal(err)
			}
			if v.File != args[i] || v.Class != f.class {
				t.Errorf("got file %s class %s, want %s %s", v.File, v.Class, args[i], f.class)
			}
			if f.spdx == "" {
				if string(raw["licences"]) != "[]" {
					t.Errorf("licences = %s, want []", raw["licences"])
				}
				return
			}
			if len(v.Licences) == 0 || v.Licences[0].SPDX != f.spdx || v.Licences[0].Evidence != f.evidence ||
				v.Licences[0].Confidence <= 0 || v.Licences[0].Confidence > 1 {
				t.Errorf("best match %+v, want %s (%s)", v.Licences, f.spdx, f.evidence)
			}
		})
		i++
	}
	if i != len(files) {
		t.Errorf("%d output lines, want %d", i, len(files))
	}

	// A missing file is an error, but the other files are still reported.
	out.Reset()
	root = newRoot()
	root.SetOut(&out)
	root.SetArgs([]string{"detect", "licence", filepath.Join(dir, "missing"), args[0]})
	if err := root.Execute(); err == nil {
		t.Error("missing file: no error")
	}
	if !strings.Contains(out.String(), "GPL-2.0-or-later") {
		t.Errorf("missing file hid the other results: %q", out.String())
	}
}

// TestDetectLicenceCLIDir: a directory argument stands for its regular
// files in lexical order; DEP-5 fields, use notices and SPDX texts are read.
func TestDetectLicenceCLIDir(t *testing.T) {
	dir := t.TempDir()
	files := []struct{ name, text, spdx, class string }{
		{"a/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nCopyright: 2012 Jane Doe\nLicense: GPL-2+\n", "GPL-2.0-or-later", "commercial"},
		{"a/z/README", "本数据集仅供学术研究使用。\n", "LicenseRef-Academic-Use-Only", "academic-only"},
		{"b.txt", "Copying and distribution of this file, with or without modification,\nare permitted in any medium without royalty provided the copyright\nnotice and this notice are preserved.  This file is offered as-is,\nwithout any warranty.\n", "FSFAP", "commercial"},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	root := newRoot()
	root.SetOut(&out)
	root.SetArgs([]string{"detect", "licence", "-j", "2", dir})
	if err := root.Execute(); err != nil {
		t.Fatalf("prov detect licence: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(files) {
		t.Fatalf("%d lines, want %d:\n%s", len(lines), len(files), out.String())
	}
	for i, f := range files {
		var v struct {
			File     string `json:"file"`
			Licences []struct {
				SPDX string `json:"spdx"`
			} `json:"licences"`
			Class string `json:"class"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &v); err != nil {
			t.Fatal(err)
		}
		if v.File != filepath.Join(dir, f.name) || len(v.Licences) == 0 || v.Licences[0].SPDX != f.spdx || v.Class != f.class {
			t.Errorf("line %d = %s, want %s: %s (%s)", i, lines[i], f.name, f.spdx, f.class)
		}
	}
}
