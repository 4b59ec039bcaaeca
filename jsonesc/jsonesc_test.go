package jsonesc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// Writer escapes what encoding/json leaves raw and the result decodes
// to the same value.
func TestWriter(t *testing.T) {
	in := map[string]string{"key": "esc\x1b[31m\x7f\u0085\u202eexe\u2066.jsonl", "plain": "数据 ✓", "bad": "a\xffb"}
	var b bytes.Buffer
	enc := json.NewEncoder(Writer{&b})
	if err := enc.Encode(in); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\x7f\u0085\u202e\u2066") {
		t.Fatalf("raw control characters in %q", b.String())
	}
	var out map[string]string
	if err := json.Unmarshal(b.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out["key"] != in["key"] || out["plain"] != in["plain"] {
		t.Errorf("round trip: %q, want %q", out, in)
	}
}
