package export

import (
	"bytes"
	"strings"
	"testing"
)

// Control characters of an object key or a record's text reach the CSV
// sample escaped, never raw; newlines and tabs of the text stay.
func TestSampleCSVEscapesControlCharacters(t *testing.T) {
	var b bytes.Buffer
	rows := []SampleRow{{Dataset: "d", Object: "file:///c/evil\x1b[2J\r\x07\u202ename.jsonl", Text: "line one\nline\ttwo\x1b]0;x\x07"}}
	if err := WriteSample(&b, rows, FormatCSV); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, c := range []string{"\x1b", "\r", "\x07", "\u202e"} {
		if strings.Contains(out, c) {
			t.Errorf("CSV holds %q raw:\n%q", c, out)
		}
	}
	if !strings.Contains(out, `evil\x1b[2J\r\a\u202ename`) || !strings.Contains(out, "line one\nline\ttwo") {
		t.Errorf("CSV does not escape as expected:\n%q", out)
	}
}
