package legality

import (
	"net/url"
	"strings"
)

// parseURL is url.Parse, with a fast path for the URL most crawled records
// carry: "http://" or "https://", a host of lower-case letters, digits,
// '.' and '-', and an optional path and query of unreserved bytes
// ([A-Za-z0-9._~-], '/' in the path, '=' and '&' in a non-empty query).
// Such a URL has no port, user, fragment or escape, and url.Parse returns
// exactly its parts (TestParseURLIsURLParse, FuzzParseURL); anything
// else goes to url.Parse. It spares url.Parse's general machinery on every
// record (it was a fifth of the stage's time per record).
func parseURL(raw string) (*url.URL, error) {
	if u, ok := parseSimpleURL(raw); ok {
		return u, nil
	}
	return url.Parse(raw)
}

// URL byte classes of parseSimpleURL.
const (
	uHost  = 1 << iota // a-z 0-9 . -
	uPath              // A-Z a-z 0-9 . _ ~ - /
	uQuery             // A-Z a-z 0-9 . _ ~ - = &
)

var urlByte = func() (t [256]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = uHost | uPath | uQuery
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = uHost | uPath | uQuery
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = uPath | uQuery
	}
	t['.'], t['-'] = uHost|uPath|uQuery, uHost|uPath|uQuery
	t['_'], t['~'] = uPath|uQuery, uPath|uQuery
	t['/'] = uPath
	t['='], t['&'] = uQuery, uQuery
	return t
}()

// parseSimpleURL parses the URLs parseURL takes without url.Parse.
func parseSimpleURL(raw string) (*url.URL, bool) {
	var scheme, rest string
	switch {
	case strings.HasPrefix(raw, "https://"):
		scheme, rest = "https", raw[len("https://"):]
	case strings.HasPrefix(raw, "http://"):
		scheme, rest = "http", raw[len("http://"):]
	default:
		return nil, false
	}
	i := 0
	for i < len(rest) && urlByte[rest[i]]&uHost != 0 {
		i++
	}
	if i == 0 || (i < len(rest) && rest[i] != '/') {
		return nil, false
	}
	host, rest := rest[:i], rest[i:]
	path, query := rest, ""
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		path, query = rest[:q], rest[q+1:]
		if query == "" {
			return nil, false // url.Parse sets ForceQuery
		}
	}
	for j := 0; j < len(path); j++ {
		if urlByte[path[j]]&uPath == 0 {
			return nil, false
		}
	}
	for j := 0; j < len(query); j++ {
		if urlByte[query[j]]&uQuery == 0 {
			return nil, false
		}
	}
	return &url.URL{Scheme: scheme, Host: host, Path: path, RawQuery: query}, true
}
