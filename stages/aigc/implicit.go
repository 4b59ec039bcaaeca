package aigc

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Label kinds.
const (
	KindExplicit = "explicit" // a visible notice in the text (GB 45438-2025 4)
	KindImplicit = "implicit" // an AIGC metadata structure (GB 45438-2025 5)
)

// Label is one AI-generated-content label found in a record. It holds
// positions and organisation codes only, never free text: a field whose
// value is not code-like (letters, digits and a few separators, no white
// space, no '@') is withheld, not copied.
type Label struct {
	Kind string `json:"kind"`
	// Start and End are the byte offsets of an explicit notice in the text
	// field; zero for implicit labels.
	Start int `json:"start,omitempty"`
	End   int `json:"end,omitempty"`
	// Lang is "zh" or "en" for an explicit notice.
	Lang string `json:"lang,omitempty"`
	// Where says where an implicit label was found: "field" (the mapped
	// aigc field), "json" (a key named AIGC in the record), "parquet" /
	// "arrow" (the file's key-value metadata), "s3" (object user metadata).
	Where string `json:"where,omitempty"`
	// Status is the implicit label's Label code: "1" generated, "2"
	// possibly generated, "3" suspected generated (GB 45438-2025 annex).
	Status string `json:"status,omitempty"`
	// Producer and ProduceID: the service provider (name or code) that
	// generated the content and its content id. Propagator and PropagateID:
	// the platform that spread it and its id there.
	Producer    string `json:"producer,omitempty"`
	ProduceID   string `json:"produce_id,omitempty"`
	Propagator  string `json:"propagator,omitempty"`
	PropagateID string `json:"propagate_id,omitempty"`
	// Reserved reports ReservedCode1 / ReservedCode2 (signatures, hashes)
	// present; their values are not kept.
	Reserved bool `json:"reserved,omitempty"`
	// Withheld reports a field that held free text instead of a code.
	Withheld bool `json:"withheld,omitempty"`
}

// MetaKey is the name of the implicit-label structure: a JSON key, a
// Parquet / Arrow key-value metadata key or an S3 user metadata key
// (x-amz-meta-aigc), matched without regard to ASCII case.
const MetaKey = "AIGC"

// IsMetaKey reports whether name is MetaKey, ignoring ASCII case.
func IsMetaKey(name string) bool { return strings.EqualFold(name, MetaKey) }

// ParseImplicit parses the value of an AIGC structure: a JSON object, or a
// JSON string (or plain text) holding one, with the fields of GB
// 45438-2025 annex: Label, ContentProducer, ProduceID, ReservedCode1,
// ContentPropagator, PropagateID, ReservedCode2 (key case ignored; values
// strings or numbers). At least one of Label, ContentProducer and
// ProduceID must be there. Errors wrap ErrImplicit.
func ParseImplicit(where, raw string) (Label, error) {
	l := Label{Kind: KindImplicit, Where: where}
	s := strings.TrimSpace(raw)
	if strings.HasPrefix(s, `"`) {
		var inner string
		if err := json.Unmarshal([]byte(s), &inner); err != nil {
			return l, fmt.Errorf("%w: decoding a JSON string: %w", ErrImplicit, err)
		}
		s = strings.TrimSpace(inner)
	}
	if !strings.HasPrefix(s, "{") {
		return l, fmt.Errorf("%w: not a JSON object", ErrImplicit)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return l, fmt.Errorf("%w: decoding the object: %w", ErrImplicit, err)
	}
	known := false
	for k, v := range m {
		var dst *string
		switch strings.ToLower(k) {
		case "label":
			dst = &l.Status
		case "contentproducer":
			dst = &l.Producer
		case "produceid":
			dst = &l.ProduceID
		case "contentpropagator":
			dst = &l.Propagator
		case "propagateid":
			dst = &l.PropagateID
		case "reservedcode1", "reservedcode2":
			if scalar(v) != "" {
				l.Reserved = true
			}
			continue
		default:
			continue
		}
		val := scalar(v)
		if val == "" {
			continue
		}
		if dst == &l.Status || dst == &l.Producer || dst == &l.ProduceID {
			known = true
		}
		if !codeLike(val) {
			l.Withheld = true
			continue
		}
		*dst = val
	}
	if !known {
		return l, fmt.Errorf("%w: no Label, ContentProducer or ProduceID", ErrImplicit)
	}
	return l, nil
}

// scalar returns a JSON string's or number's text, else "".
func scalar(v json.RawMessage) string {
	v = json.RawMessage(strings.TrimSpace(string(v)))
	if len(v) == 0 {
		return ""
	}
	switch c := v[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	case c == '-' || (c >= '0' && c <= '9'):
		return string(v)
	}
	return ""
}

// maxCode caps a copied code in bytes.
const maxCode = 128

// codeLike reports whether s looks like a name or code of an organisation
// or a content id (letters, digits, - _ . : / # ( ) （ ） ·, at most
// maxCode bytes), as opposed to free text that could hold anything.
func codeLike(s string) bool {
	if s == "" || len(s) > maxCode || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r), unicode.IsDigit(r):
		case strings.ContainsRune("-_.:/#()（）·", r):
		default:
			return false
		}
	}
	return true
}
