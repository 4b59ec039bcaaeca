package quality

import (
	"net"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// hostOf extracts the lower-cased host of a URL without allocating for the
// common forms (scheme://[user@]host[:port]/path). It returns "" when there
// is no host.
func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	} else {
		u = strings.TrimPrefix(u, "//")
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if strings.HasPrefix(u, "[") { // IPv6 literal
		if i := strings.IndexByte(u, ']'); i > 0 {
			return strings.ToLower(u[1:i])
		}
		return ""
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimSuffix(u, ".")
	for i := 0; i < len(u); i++ {
		if c := u[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(u)
		}
	}
	return u
}

// registrableDomain is the public-suffix-aware registrable domain (eTLD+1)
// of a host; an IP address or a bare public suffix stands for itself.
func registrableDomain(host string) string {
	if net.ParseIP(host) != nil {
		return host
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return host
	}
	return d
}
