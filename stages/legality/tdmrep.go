package legality

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// TDM reservation states (W3C TDMRep): a value other than "1" or "0" is
// unset and lets a lower layer decide.
const (
	TDMUnset       int8 = -1
	TDMNotReserved int8 = 0
	TDMReserved    int8 = 1
)

// TDMRule is one rule of a /.well-known/tdmrep.json file.
type TDMRule struct {
	// Location is a path pattern with robots.txt syntax ('*', final '$').
	Location    string
	Reservation int8
	Policy      string
	rule        robotsRule
}

// TDMSignal is a reservation as one layer states it.
type TDMSignal struct {
	Reservation int8   // TDMUnset, TDMNotReserved or TDMReserved
	Policy      string // tdm-policy URL, if given
	Layer       string // "file", "header" or "meta"; "" when unset
}

// ParseTDMRep parses a tdmrep.json body: a JSON array of objects with
// "location", "tdm-reservation" (0 or 1; any other value is unset) and an
// optional "tdm-policy". Rules without a location are skipped.
func ParseTDMRep(body []byte) ([]TDMRule, error) {
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decoding tdmrep.json: %w: %w", ErrBadTDMRep, err)
	}
	rules := make([]TDMRule, 0, len(raw))
	for _, m := range raw {
		var loc string
		if v, ok := m["location"]; !ok || json.Unmarshal(v, &loc) != nil || loc == "" {
			continue
		}
		r := TDMRule{Location: loc, Reservation: TDMUnset}
		if v, ok := m["tdm-reservation"]; ok {
			r.Reservation = parseTDMJSON(v)
		}
		if v, ok := m["tdm-policy"]; ok {
			_ = json.Unmarshal(v, &r.Policy) // a non-string policy is no policy
		}
		if !strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "*") {
			loc = "/" + loc
		}
		r.rule = newRobotsRule(false, loc)
		rules = append(rules, r)
	}
	return rules, nil
}

func parseTDMJSON(v json.RawMessage) int8 {
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return ParseTDMValue(n.String())
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return ParseTDMValue(s)
	}
	return TDMUnset
}

// ParseTDMValue reads a tdm-reservation header or meta value: "1" reserved,
// "0" not reserved, anything else unset.
func ParseTDMValue(s string) int8 {
	switch strings.TrimSpace(s) {
	case "1":
		return TDMReserved
	case "0":
		return TDMNotReserved
	}
	return TDMUnset
}

// TDMFileSignal returns what the first rule of a tdmrep.json whose location
// matches path says (the rules are read in order).
func TDMFileSignal(rules []TDMRule, path string) TDMSignal {
	p := normalisePath(path, false)
	for i := range rules {
		if rules[i].rule.match(p) {
			if rules[i].Reservation == TDMUnset {
				return TDMSignal{Reservation: TDMUnset}
			}
			return TDMSignal{Reservation: rules[i].Reservation, Policy: rules[i].Policy, Layer: "file"}
		}
	}
	return TDMSignal{Reservation: TDMUnset}
}

// ResolveTDM combines the layers of TDMRep: the HTML meta overrides the
// HTTP header, which overrides the tdmrep.json file; an unset layer leaves
// the decision to the one below.
func ResolveTDM(file, header, meta TDMSignal) TDMSignal {
	for _, s := range []TDMSignal{meta, header, file} {
		if s.Reservation == TDMReserved || s.Reservation == TDMNotReserved {
			return s
		}
	}
	return TDMSignal{Reservation: TDMUnset}
}

// NoAI reads robots directives (an X-Robots-Tag header value or a robots
// meta content) and reports noai / noimageai for agent. A value may be
// scoped to one crawler ("GPTBot: noai"); it then applies only when agent's
// product token is that crawler's.
func NoAI(value, agent string) (noai, noimageai bool) {
	tok := productToken(agent)
	scopeApplies := true
	for _, d := range strings.Split(value, ",") {
		d = strings.TrimSpace(d)
		if i := strings.IndexByte(d, ':'); i > 0 {
			name := strings.ToLower(strings.TrimSpace(d[:i]))
			if !isRobotsDirective(name) {
				scopeApplies = productToken(name) == tok
				d = strings.TrimSpace(d[i+1:])
			}
		}
		if !scopeApplies {
			continue
		}
		switch strings.ToLower(d) {
		case "noai":
			noai = true
		case "noimageai":
			noimageai = true
		}
	}
	return noai, noimageai
}

func isRobotsDirective(name string) bool {
	switch name {
	case "unavailable_after", "max-snippet", "max-image-preview", "max-video-preview":
		return true
	}
	return false
}
