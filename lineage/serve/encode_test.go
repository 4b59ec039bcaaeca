package serve

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestEncodeJSONEscapesControls: an object key with DEL, C1 or
// bidirectional controls reaches the page and API clients escaped, and
// decodes to the same key.
func TestEncodeJSONEscapesControls(t *testing.T) {
	key := "web/\u202eexe.jsonl\u0085\x7f"
	b, err := encodeJSON(map[string]string{"key": key})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(b), "\u202e\u0085\x7f") {
		t.Fatalf("raw controls in %q", b)
	}
	var out map[string]string
	if err := json.Unmarshal(b, &out); err != nil || out["key"] != key {
		t.Fatalf("round trip: %q, %v", out, err)
	}
}
