package legality

import (
	"net/url"
	"reflect"
	"testing"
)

var urlSeeds = []string{
	"https://news.example.com/a/123.html", "http://forum.example.net/t/9?page=2&sort=new", "https://wiki.example.org/w/42",
	"https://www.example.com", "https://www.example.com/", "http://a-b.example.cn/path/to/file_name~x.txt",
	"https://Example.com/x", "https://example.com:8080/x", "https://user@example.com/x", "https://example.com/x#frag",
	"https://example.com/a%20b", "https://example.com/x?", "https://example.com/x?a=b?c", "https://example.com/ä",
	"HTTPS://example.com/x", "https://[::1]/x", "https://example.com?q=1", "ftp://example.com/x", "https:/example.com",
	"https://", "http:///x", "https://example..com//x/./../y", "https://example.com/x?a=%41", "https://xn--fiq228c.com/路径",
	"https://example.com/x y", "https://-.example/-", "https://example.com/x;p", "https://example.com/x?a+b",
}

// TestParseURLIsURLParse: parseURL returns what url.Parse returns, for URLs
// the fast path takes and for those it leaves to url.Parse.
func TestParseURLIsURLParse(t *testing.T) {
	fast := 0
	for _, raw := range urlSeeds {
		if _, ok := parseSimpleURL(raw); ok {
			fast++
		}
		checkParseURL(t, raw)
	}
	if fast < 8 {
		t.Fatalf("the fast path took %d of %d URLs", fast, len(urlSeeds))
	}
}

func checkParseURL(t *testing.T, raw string) {
	t.Helper()
	got, gerr := parseURL(raw)
	want, werr := url.Parse(raw)
	if (gerr != nil) != (werr != nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("parseURL(%q) = %#v, %v; url.Parse %#v, %v", raw, got, gerr, want, werr)
	}
	if u, ok := parseSimpleURL(raw); ok && (werr != nil || !reflect.DeepEqual(u, want)) {
		t.Fatalf("parseSimpleURL(%q) = %#v; url.Parse %#v, %v", raw, u, want, werr)
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range urlSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkParseURL(t, raw)
	})
}
