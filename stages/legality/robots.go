package legality

import (
	"bytes"
	"net/url"
	"strings"
)

// MaxRobotsSize is how much of a robots.txt is parsed; RFC 9309 §2.5 asks
// crawlers to parse at least 500 KiB. Content after it is ignored.
const MaxRobotsSize = 512 << 10

// Robots is a parsed robots.txt, evaluated per RFC 9309: groups chosen by
// case-insensitive product-token match (all groups naming the token are
// combined; "*" when none does), the rule with the longest pattern in octets
// decides, an allow wins a tie, "*" matches any octets and a final "$"
// anchors the end; "/robots.txt" is always allowed. The zero value allows
// everything.
type Robots struct {
	groups []robotsGroup
	// all, when set, decides every path regardless of rules: a robots.txt
	// that was unreachable (5xx: disallow all) or unavailable (4xx: allow).
	all    bool
	allSet bool
}

type robotsGroup struct {
	agents []string // lower-case product tokens, "*" for the default group
	rules  []robotsRule
}

type robotsRule struct {
	allow    bool
	raw      string   // the normalised pattern, for evidence
	parts    []string // pattern split at '*'
	anchored bool     // pattern ended in '$'
	length   int      // octets of the normalised pattern (specificity)
}

// RobotsDecision is the outcome of evaluating one path for one agent.
type RobotsDecision struct {
	Allowed bool
	// Group is the agent token of the group that applied: the agent's own
	// token, "*", or "" when no group applied.
	Group string
	// Rule is the deciding rule ("disallow: /private/"), "" when none matched.
	Rule string
}

// ParseRobots parses a robots.txt body. Parsing never fails: lines that are
// not user-agent, allow or disallow records are ignored, as RFC 9309 asks.
func ParseRobots(body []byte) *Robots {
	if len(body) > MaxRobotsSize {
		body = body[:MaxRobotsSize]
		if i := bytes.LastIndexByte(body, '\n'); i >= 0 {
			body = body[:i]
		}
	}
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	r := &Robots{}
	var cur *robotsGroup
	lastAgent := false
	for len(body) > 0 {
		var line []byte
		if i := bytes.IndexAny(body, "\r\n"); i >= 0 {
			line, body = body[:i], body[i+1:]
		} else {
			line, body = body, nil
		}
		if i := bytes.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(string(line[:colon])))
		val := strings.TrimSpace(string(line[colon+1:]))
		switch key {
		case "user-agent", "useragent", "user agent":
			tok := productToken(val)
			if tok == "" {
				continue
			}
			if !lastAgent || cur == nil {
				r.groups = append(r.groups, robotsGroup{})
				cur = &r.groups[len(r.groups)-1]
			}
			cur.agents = append(cur.agents, tok)
			lastAgent = true
		case "allow", "disallow", "dissallow", "disalow", "diasllow":
			lastAgent = false
			if cur == nil || val == "" {
				// A rule outside any group, or an empty pattern that
				// matches nothing (RFC 9309 §2.2.2).
				continue
			}
			cur.rules = append(cur.rules, newRobotsRule(key == "allow", val))
		}
	}
	return r
}

// RobotsForStatus is the robots.txt of a host whose robots.txt fetch
// answered with HTTP status code (RFC 9309 §2.3.1): 2xx and 3xx mean the
// body decides (nil is returned), 4xx "unavailable" allows everything,
// 5xx and other failures "unreachable" disallow everything.
func RobotsForStatus(code int) *Robots {
	switch {
	case code >= 200 && code < 400:
		return nil
	case code >= 400 && code < 500:
		return &Robots{all: true, allSet: true}
	default:
		return &Robots{all: false, allSet: true}
	}
}

func newRobotsRule(allow bool, pattern string) robotsRule {
	p := normalisePath(pattern, true)
	rule := robotsRule{allow: allow, raw: p, length: len(p)}
	if strings.HasSuffix(p, "$") {
		rule.anchored = true
		p = p[:len(p)-1]
	}
	rule.parts = strings.Split(p, "*")
	return rule
}

// productToken extracts the product token of a user-agent line or string
// ("ExampleBot/1.0 (+https://...)" → "examplebot"), lower-cased; "*" stays.
func productToken(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "*") {
		return "*"
	}
	end := 0
	for end < len(s) {
		c := s[end]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-' {
			end++
			continue
		}
		break
	}
	return strings.ToLower(s[:end])
}

// HasGroup reports whether the file has a group naming agent's product
// token explicitly (not through "*").
func (r *Robots) HasGroup(agent string) bool {
	if r == nil {
		return false
	}
	return r.hasGroupToken(productToken(agent))
}

// hasGroupToken is HasGroup for an agent already reduced to its product
// token.
func (r *Robots) hasGroupToken(tok string) bool {
	if r == nil {
		return false
	}
	for i := range r.groups {
		for _, a := range r.groups[i].agents {
			if a == tok && a != "*" {
				return true
			}
		}
	}
	return false
}

// Allowed reports whether agent may fetch the URL path (path and query,
// as in "/a/b?c=d").
func (r *Robots) Allowed(agent, path string) bool { return r.Decide(agent, path).Allowed }

// Decide evaluates path for agent and says which group and rule decided.
func (r *Robots) Decide(agent, path string) RobotsDecision {
	if r == nil || r.allSet {
		return r.decideToken("", "")
	}
	if path == "" {
		path = "/"
	}
	return r.decideToken(productToken(agent), normalisePath(path, false))
}

// decideToken is Decide for an agent already reduced to its product token
// and a path already normalised (normalisePath(path or "/", false)).
func (r *Robots) decideToken(tok, p string) RobotsDecision {
	if r == nil {
		return RobotsDecision{Allowed: true}
	}
	if r.allSet {
		rule := "status: unavailable (allow all)"
		if !r.all {
			rule = "status: unreachable (disallow all)"
		}
		return RobotsDecision{Allowed: r.all, Rule: rule}
	}
	if p == "/robots.txt" {
		return RobotsDecision{Allowed: true}
	}
	group := tok
	if tok == "" || tok == "*" || !r.hasToken(tok) {
		group = "*"
	}
	if !r.hasToken(group) {
		return RobotsDecision{Allowed: true}
	}
	var best *robotsRule
	for i := range r.groups {
		g := &r.groups[i]
		if !g.names(group) {
			continue
		}
		for j := range g.rules {
			rule := &g.rules[j]
			if !rule.match(p) {
				continue
			}
			if best == nil || rule.length > best.length || rule.length == best.length && rule.allow && !best.allow {
				best = rule
			}
		}
	}
	d := RobotsDecision{Allowed: true, Group: group}
	if best != nil {
		d.Allowed = best.allow
		if best.allow {
			d.Rule = "allow: " + best.raw
		} else {
			d.Rule = "disallow: " + best.raw
		}
	}
	return d
}

func (r *Robots) hasToken(tok string) bool {
	for i := range r.groups {
		if r.groups[i].names(tok) {
			return true
		}
	}
	return false
}

func (g *robotsGroup) names(tok string) bool {
	for _, a := range g.agents {
		if a == tok {
			return true
		}
	}
	return false
}

// match reports whether the rule's pattern matches a prefix of p (all of p
// when anchored).
func (rule *robotsRule) match(p string) bool {
	parts := rule.parts
	if !strings.HasPrefix(p, parts[0]) {
		return false
	}
	pos := len(parts[0])
	if len(parts) == 1 {
		return !rule.anchored || pos == len(p)
	}
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(p[pos:], part)
		if i < 0 {
			return false
		}
		pos += i + len(part)
	}
	last := parts[len(parts)-1]
	if rule.anchored {
		return len(p)-pos >= len(last) && strings.HasSuffix(p, last)
	}
	return strings.Contains(p[pos:], last)
}

// normalisePath brings a robots.txt pattern or a URL path to one form so
// that equivalent spellings compare equal (RFC 9309 §2.2.2): octets outside
// printable US-ASCII are percent-encoded, percent-encoded printable ASCII is
// decoded, hex digits are upper-cased. '*' and a final '$' are operators in
// a pattern; in a URL path (and '$' inside a pattern) they are encoded
// (%2A, %24) so that an encoded operator in a pattern matches them literally.
func normalisePath(s string, pattern bool) string {
	if isNormalPath(s, pattern) {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v := unhex(s[i+1])<<4 | unhex(s[i+2])
			if v > 0x20 && v < 0x7f && v != '%' && v != '*' && v != '$' {
				b.WriteByte(v)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[v>>4])
				b.WriteByte(hex[v&15])
			}
			i += 2
		case c == '%':
			b.WriteString("%25")
		case c <= 0x20 || c >= 0x7f:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		case !pattern && c == '*':
			b.WriteString("%2A")
		case c == '$' && (!pattern || i != len(s)-1):
			b.WriteString("%24")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isNormalPath reports whether normalisePath(s, pattern) is s itself: every
// byte takes the copy-through branch of normalisePath.
func isNormalPath(s string, pattern bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%', c <= 0x20 || c >= 0x7f:
			return false
		case !pattern && c == '*':
			return false
		case c == '$' && (!pattern || i != len(s)-1):
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// urlPath returns the path and query of a URL as robots.txt rules see them.
func urlPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}
