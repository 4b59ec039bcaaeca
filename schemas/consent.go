package schemas

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ConsentObject is a record's consent object as read: the keys prov knows
// (matched case-insensitively, a later duplicate overriding an earlier
// one), whatever system wrote it:
//
//	{"training": true, "type": "separate", "id": "...", "granted_at": "...", "withdrawn_at": "..."}
//	{"granted": false, "scope": "training,analytics", "at": "..."}
//	{"status": "withdrawn", "purposes": ["training"]}
//
// Scopes come from scopes, scope, purposes or purpose (a list, or one
// string of names separated by commas, semicolons or spaces); the refusal
// flags are granted, given, consent, consented, agreed, authorised and
// authorized; withdrawn or revoked true is a withdrawal; status or state
// is a word (statusWords). Other keys are ignored.
type ConsentObject struct {
	Training    *bool    // training
	Scopes      []string // nil when no scope key was given
	Type        string   // general, separate or guardian, as written
	ID          string   // the consent's reference
	GrantedAt   string   // as written
	WithdrawnAt string   // withdrawn_at or revoked_at, as written
	Status      string   // status or state, as written

	flags     [len(consentFlagKeys)]int8 // last value of each flag: 0 none, 1 true, -1 false
	withdrawn int8                       // withdrawn / revoked: 0 none, 1 true, -1 false
	known     bool                       // some key prov reads was given
	bad       bool                       // such a key had a value of the wrong type
}

// Known reports whether the object holds any key prov reads.
func (o ConsentObject) Known() bool { return o.known }

// Unreadable reports whether a key prov reads had a value of the wrong
// type (a number for a flag, a word for a flag that is not yes or no).
func (o ConsentObject) Unreadable() bool { return o.bad }

// FlagRefused reports whether a refusal flag (granted, given, consent,
// consented, agreed, authorised, authorized) is false.
func (o ConsentObject) FlagRefused() bool {
	for _, v := range o.flags {
		if v < 0 {
			return true
		}
	}
	return false
}

// FlagWithdrawn reports whether withdrawn or revoked is true.
func (o ConsentObject) FlagWithdrawn() bool { return o.withdrawn > 0 }

// Refused reports whether the object says the person did not agree or
// withdrew: training false, a refusal flag false, withdrawn or revoked
// true, or a status that refuses or withdraws.
func (o ConsentObject) Refused() bool {
	st := ConsentStatus(o.Status)
	return (o.Training != nil && !*o.Training) || o.FlagRefused() || o.FlagWithdrawn() || st == StatusRefused || st == StatusWithdrawn
}

// The meanings of a consent status word (ConsentStatus).
const (
	StatusNone      = iota // no status given
	StatusGiven            // granted, given, accepted, opted in, ...
	StatusRefused          // denied, refused, declined, opted out, pending, ...
	StatusWithdrawn        // withdrawn, revoked, expired, cancelled, ...
	StatusUnknown          // a word prov does not know: no consent
)

// ConsentStatus classifies a status word, case-insensitively, with spaces
// and hyphens read as underscores.
func ConsentStatus(word string) int {
	w := strings.TrimSpace(word)
	if w == "" {
		return StatusNone
	}
	w = strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(w))
	if st, ok := statusWords[w]; ok {
		return st
	}
	return StatusUnknown
}

// ReadConsentObject reads a JSON consent object (see ConsentObject). An
// error means raw is not one JSON object.
func ReadConsentObject(raw string) (ConsentObject, error) {
	if o, ok := consentFast(raw); ok {
		return o, nil
	}
	return consentSlow(raw)
}

// consentFlagKeys are the flags whose false refuses consent.
var consentFlagKeys = [...]string{"granted", "given", "consent", "consented", "agreed", "authorised", "authorized"}

// The keys ConsentObject reads, by what they set.
const (
	keyOther = iota
	keyTraining
	keyScopes
	keyType
	keyID
	keyGrantedAt
	keyWithdrawnAt
	keyWithdrawn
	keyStatus
	keyFlag // keyFlag+i is consentFlagKeys[i]
)

// consentKeyNames maps each known key to what it sets.
var consentKeyNames = func() map[string]int {
	m := map[string]int{
		"training": keyTraining, "scopes": keyScopes, "scope": keyScopes, "purposes": keyScopes, "purpose": keyScopes,
		"type": keyType, "id": keyID, "granted_at": keyGrantedAt, "withdrawn_at": keyWithdrawnAt, "revoked_at": keyWithdrawnAt,
		"withdrawn": keyWithdrawn, "revoked": keyWithdrawn, "status": keyStatus, "state": keyStatus,
	}
	for i, k := range consentFlagKeys {
		m[k] = keyFlag + i
	}
	return m
}()

// consentKey returns what a JSON key sets; keys match case-insensitively,
// as encoding/json matches struct fields.
func consentKey(k string) int {
	if n, ok := consentKeyNames[k]; ok {
		return n
	}
	var low [len("withdrawn_at")]byte
	if len(k) <= len(low) {
		ascii := true
		for i := 0; i < len(k); i++ {
			c := k[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[i] = c
		}
		if ascii {
			return consentKeyNames[string(low[:len(k)])] // keyOther when absent
		}
	}
	for name, n := range consentKeyNames { // keys whose letters fold to ASCII (ſ, K)
		if strings.EqualFold(name, k) {
			return n
		}
	}
	return keyOther
}

// consentValue is one JSON value of a consent object: a string, a
// boolean, null, a list of strings, or anything else.
type consentValue struct {
	kind byte // 's' string, 'b' boolean, 'n' null, 'l' list of strings, 'x' other
	s    string
	b    bool
	list []string
}

// set applies the value v of key k (a consentKey) to o.
func (o *ConsentObject) set(k int, v consentValue) {
	if k == keyOther {
		return
	}
	o.known = true
	if v.kind == 'n' {
		switch {
		case k == keyTraining:
			o.Training = nil
		case k == keyScopes:
			o.Scopes = nil
		case k == keyWithdrawn:
			o.withdrawn = 0
		case k >= keyFlag:
			o.flags[k-keyFlag] = 0
		}
		return
	}
	switch k {
	case keyTraining, keyWithdrawn:
		b, ok := v.flag()
		if !ok {
			o.bad = true
			return
		}
		if k == keyTraining {
			o.Training = &b
		} else {
			o.withdrawn = sign(b)
		}
	case keyScopes:
		switch v.kind {
		case 'l':
			o.Scopes = v.list
		case 's':
			o.Scopes = splitScopes(v.s)
		default:
			o.bad = true
		}
	case keyType, keyID, keyGrantedAt, keyWithdrawnAt, keyStatus:
		if v.kind != 's' {
			o.bad = true
			return
		}
		switch k {
		case keyType:
			o.Type = v.s
		case keyID:
			o.ID = v.s
		case keyGrantedAt:
			o.GrantedAt = v.s
		case keyWithdrawnAt:
			o.WithdrawnAt = v.s
		case keyStatus:
			o.Status = v.s
		}
	default: // a refusal flag
		b, ok := v.flag()
		if !ok {
			o.bad = true
			return
		}
		o.flags[k-keyFlag] = sign(b)
	}
}

// flag reads a boolean, or a string that obviously is one.
func (v consentValue) flag() (b, ok bool) {
	switch v.kind {
	case 'b':
		return v.b, true
	case 's':
		switch strings.ToLower(strings.TrimSpace(v.s)) {
		case "true", "yes", "y", "1":
			return true, true
		case "false", "no", "n", "0":
			return false, true
		}
	}
	return false, false
}

func sign(b bool) int8 {
	if b {
		return 1
	}
	return -1
}

// splitScopes splits one string of scope names at commas, semicolons and
// white space; an empty string is an empty (given) list.
func splitScopes(s string) []string {
	out := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	if out == nil {
		out = []string{}
	}
	return out
}

// statusWords are the words a consent status may say, normalised to lower
// case with '_' for spaces and hyphens.
var statusWords = map[string]int{
	"granted": StatusGiven, "given": StatusGiven, "accepted": StatusGiven, "agreed": StatusGiven, "active": StatusGiven,
	"valid": StatusGiven, "approved": StatusGiven, "consented": StatusGiven, "opted_in": StatusGiven, "opt_in": StatusGiven,
	"yes": StatusGiven, "true": StatusGiven,
	"denied": StatusRefused, "refused": StatusRefused, "declined": StatusRefused, "rejected": StatusRefused,
	"opted_out": StatusRefused, "opt_out": StatusRefused, "no": StatusRefused, "false": StatusRefused, "none": StatusRefused,
	"not_given": StatusRefused, "pending": StatusRefused, "requested": StatusRefused,
	"withdrawn": StatusWithdrawn, "revoked": StatusWithdrawn, "expired": StatusWithdrawn, "cancelled": StatusWithdrawn,
	"canceled": StatusWithdrawn, "retracted": StatusWithdrawn,
}

// consentSlow reads any JSON consent object with encoding/json's tokenizer,
// key by key in document order (so a later duplicate overrides an earlier
// one, as in consentFast).
func consentSlow(raw string) (f ConsentObject, err error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return f, fmt.Errorf("reading consent: not a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return f, fmt.Errorf("reading consent: %w", err)
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return f, fmt.Errorf("reading consent key %q: %w", key, err)
		}
		f.set(consentKey(key), rawConsentValue(v))
	}
	if _, err := dec.Token(); err != nil {
		return f, fmt.Errorf("reading consent: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return f, fmt.Errorf("reading consent: data after the object")
	}
	return f, nil
}

// rawConsentValue classifies one JSON value.
func rawConsentValue(v json.RawMessage) consentValue {
	switch string(v) {
	case "true", "false":
		return consentValue{kind: 'b', b: string(v) == "true"}
	case "null":
		return consentValue{kind: 'n'}
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return consentValue{kind: 's', s: s}
	}
	var l []string
	if len(v) > 0 && v[0] == '[' && json.Unmarshal(v, &l) == nil {
		if l == nil {
			l = []string{}
		}
		return consentValue{kind: 'l', list: l}
	}
	return consentValue{kind: 'x'}
}

// consentFast reads the usual shape of a consent object as consentSlow
// does, without encoding/json: an object whose keys and string values are
// printable ASCII without escapes, whose values are such strings, true,
// false, null or arrays of such strings. ok is false for anything else
// (numbers, nested objects, escapes, other bytes, bad syntax), which the
// caller leaves to consentSlow.
func consentFast(raw string) (f ConsentObject, ok bool) {
	i := skipJSONSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return f, false
	}
	i = skipJSONSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return f, skipJSONSpace(raw, i+1) == len(raw)
	}
	for {
		key, j, ok := plainJSONString(raw, i)
		if !ok {
			return f, false
		}
		i = skipJSONSpace(raw, j)
		if i >= len(raw) || raw[i] != ':' {
			return f, false
		}
		i = skipJSONSpace(raw, i+1)
		if i >= len(raw) {
			return f, false
		}
		var v consentValue
		switch c := raw[i]; {
		case c == '"':
			s, j, ok := plainJSONString(raw, i)
			if !ok {
				return f, false
			}
			v, i = consentValue{kind: 's', s: s}, j
		case strings.HasPrefix(raw[i:], "true"):
			v, i = consentValue{kind: 'b', b: true}, i+len("true")
		case strings.HasPrefix(raw[i:], "false"):
			v, i = consentValue{kind: 'b'}, i+len("false")
		case strings.HasPrefix(raw[i:], "null"):
			v, i = consentValue{kind: 'n'}, i+len("null")
		case c == '[':
			list := []string{}
			i = skipJSONSpace(raw, i+1)
			if i < len(raw) && raw[i] == ']' {
				i++
			} else {
				for {
					s, j, ok := plainJSONString(raw, i)
					if !ok {
						return f, false
					}
					list = append(list, s)
					i = skipJSONSpace(raw, j)
					if i < len(raw) && raw[i] == ',' {
						i = skipJSONSpace(raw, i+1)
						continue
					}
					if i < len(raw) && raw[i] == ']' {
						i++
						break
					}
					return f, false
				}
			}
			v = consentValue{kind: 'l', list: list}
		default:
			return f, false
		}
		f.set(consentKey(key), v)
		i = skipJSONSpace(raw, i)
		if i >= len(raw) {
			return f, false
		}
		switch raw[i] {
		case ',':
			i = skipJSONSpace(raw, i+1)
		case '}':
			return f, skipJSONSpace(raw, i+1) == len(raw)
		default:
			return f, false
		}
	}
}

// skipJSONSpace returns the index of the first byte of s from i on that
// is not JSON white space.
func skipJSONSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// plainJSONString reads the JSON string at s[i] when it holds only
// printable ASCII and no escape: its contents and the index after it.
func plainJSONString(s string, i int) (v string, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c < 0x20 || c > 0x7E || c == '\\':
			return "", i, false
		}
	}
	return "", i, false
}
