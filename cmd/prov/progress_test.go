package main

import (
	"bytes"
	"strings"
	"testing"
)

// lastVisible returns what a terminal shows of a line written with
// carriage returns and erase-line sequences: the text after the last \r.
func lastVisible(line string) string {
	line = strings.ReplaceAll(line, "\x1b[2K", "")
	if i := strings.LastIndex(line, "\r"); i >= 0 {
		return line[i+1:]
	}
	return line
}

// TestLogLinesNeverShareTheBarLine: a log line written while the progress
// bar is drawn ends up on a line of its own, and the bar is redrawn after it.
func TestLogLinesNeverShareTheBarLine(t *testing.T) {
	var out bytes.Buffer
	m := &termMux{w: &out}
	bar, log := barWriter{m}, logWriter{m}
	write := func(w interface{ Write([]byte) (int, error) }, s string) {
		t.Helper()
		if _, err := w.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	write(bar, "\r          \r")
	write(bar, "checking 10 kB")
	write(log, "level=INFO msg=\"object checked\"\n")
	write(bar, "\r              \r")
	write(bar, "checking 20 kB")
	write(log, "level=WARN msg=slow\n")
	write(bar, "\n")
	write(log, "level=INFO msg=sealed\n")

	lines := strings.Split(out.String(), "\n")
	var shown []string
	for _, l := range lines {
		shown = append(shown, lastVisible(l))
	}
	want := []string{`level=INFO msg="object checked"`, "level=WARN msg=slow", "checking 20 kB", "level=INFO msg=sealed", ""}
	if strings.Join(shown, "|") != strings.Join(want, "|") {
		t.Fatalf("terminal shows lines %q, want %q (raw %q)", shown, want, out.String())
	}
	for _, l := range lines {
		if v := lastVisible(l); strings.Contains(v, "checking") && strings.Contains(v, "level=") {
			t.Fatalf("log and bar on one line: %q", l)
		}
	}
}

// TestVerdictCounts: show's findings-by-rule column never prints an empty
// "()" and names findings that carry no record verdict.
func TestVerdictCounts(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]int64
		want string
	}{
		{map[string]int64{"": 1}, "  (dataset-level 1)"},
		{map[string]int64{"reject": 2, "quarantine": 1}, "  (quarantine 1, reject 2)"},
		{map[string]int64{"quarantine": 1, "": 3}, "  (quarantine 1, dataset-level 3)"},
		{map[string]int64{}, ""},
		{map[string]int64{"admit": 0}, ""},
	} {
		if got := verdictCounts(tc.in); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.in, got, tc.want)
		}
	}
}
