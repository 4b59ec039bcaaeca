package legality

import (
	"os"
	"path/filepath"
	"testing"
)

func loadRobots(t testing.TB, name string) *Robots {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "robots", name))
	if err != nil {
		t.Fatal(err)
	}
	return ParseRobots(b)
}

// TestRobotsRFC9309 runs the examples of RFC 9309 §5.1 and §5.2 and the
// group-merging example of §2.2.1.
func TestRobotsRFC9309(t *testing.T) {
	tests := []struct {
		file, agent, path string
		want              bool
	}{
		// §5.1: foobot follows only its own group.
		{"rfc9309-5.1.txt", "foobot", "/example/page.html", true},
		{"rfc9309-5.1.txt", "foobot", "/example/allowed.gif", true},
		{"rfc9309-5.1.txt", "foobot", "/", false},
		{"rfc9309-5.1.txt", "foobot", "/publications/", false},
		{"rfc9309-5.1.txt", "FooBot/2.1 (+https://foo.example)", "/other", false},
		// barbot and bazbot share a group.
		{"rfc9309-5.1.txt", "barbot", "/example/page.html", false},
		{"rfc9309-5.1.txt", "bazbot", "/example/page.html", false},
		{"rfc9309-5.1.txt", "barbot", "/example/other.gif", true},
		// quxbot has an empty group: everything allowed.
		{"rfc9309-5.1.txt", "quxbot", "/example/", true},
		{"rfc9309-5.1.txt", "quxbot", "/a.gif", true},
		// anyone else gets the * group.
		{"rfc9309-5.1.txt", "otherbot", "/a/b.gif", false},
		{"rfc9309-5.1.txt", "otherbot", "/a/b.gif?x=1", true},
		{"rfc9309-5.1.txt", "otherbot", "/example/x", false},
		{"rfc9309-5.1.txt", "otherbot", "/publications/x", true},
		{"rfc9309-5.1.txt", "otherbot", "/robots.txt", true},
		// §5.2: longest match.
		{"rfc9309-5.2.txt", "foobot", "/example/page/disallowed.gif", false},
		{"rfc9309-5.2.txt", "foobot", "/example/page/", true},
		{"rfc9309-5.2.txt", "foobot", "/example/page/other.gif", true},
		{"rfc9309-5.2.txt", "barbot", "/example/page/disallowed.gif", true},
		// §2.2.1: groups for the same agent are combined.
		{"merge.txt", "ExampleBot", "/foo", false},
		{"merge.txt", "examplebot", "/baz/x", false},
		{"merge.txt", "ExampleBot", "/qux", true},
		// AI groups.
		{"ai.txt", "GPTBot", "/news/1.html", false},
		{"ai.txt", "ccbot/2.0", "/", false},
		{"ai.txt", "Google-Extended", "/archive/2024", false},
		{"ai.txt", "Google-Extended", "/news/1", true},
		{"ai.txt", "ProvBot/1.0", "/news/1", true},
		{"ai.txt", "ProvBot/1.0", "/admin/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.agent+tt.path, func(t *testing.T) {
			r := loadRobots(t, tt.file)
			if got := r.Allowed(tt.agent, tt.path); got != tt.want {
				t.Errorf("Allowed(%q, %q) = %v, want %v (%+v)", tt.agent, tt.path, got, tt.want, r.Decide(tt.agent, tt.path))
			}
		})
	}
}

func TestRobotsPatterns(t *testing.T) {
	tests := []struct {
		name, body, path string
		want             bool
	}{
		{"tie allow wins", "user-agent: *\ndisallow: /page\nallow: /page\n", "/page", true},
		{"tie allow wins reversed", "user-agent: *\nallow: /page\ndisallow: /page\n", "/page", true},
		{"longest wins", "user-agent: *\nallow: /p\ndisallow: /pa\n", "/page", false},
		{"anchor end", "user-agent: *\ndisallow: /*.php$\n", "/index.php", false},
		{"anchor end not matching", "user-agent: *\ndisallow: /*.php$\n", "/index.php?x=1", true},
		{"wildcard middle", "user-agent: *\ndisallow: /fish*.php\n", "/fishheads/catfish.php?p=1", false},
		{"wildcard middle no", "user-agent: *\ndisallow: /fish*.php\n", "/Fish.PHP", true},
		{"empty disallow", "user-agent: *\ndisallow:\n", "/anything", true},
		{"case-sensitive path", "user-agent: *\ndisallow: /Private\n", "/private", true},
		{"percent-encoded unreserved", "user-agent: *\ndisallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz", false},
		{"utf-8 in pattern", "user-agent: *\ndisallow: /foo/bar/ツ\n", "/foo/bar/%E3%83%84", false},
		{"lower-case hex", "user-agent: *\ndisallow: /foo/bar/%e3%83%84\n", "/foo/bar/%E3%83%84", false},
		{"encoded star literal", "user-agent: *\ndisallow: /path/file-with-a-%2A.html\n", "/path/file-with-a-*.html", false},
		{"encoded dollar literal", "user-agent: *\ndisallow: /path/foo-%24\n", "/path/foo-$", false},
		{"query encoded", "user-agent: *\ndisallow: /foo/bar?baz=https://foo.bar\n", "/foo/bar?baz=https%3A%2F%2Ffoo.bar", false},
		{"whitespace around colon", "User-Agent : *\nDisallow : /x\n", "/x", false},
		{"comment", "user-agent: * # all\ndisallow: /x # no x\n", "/x", false},
		{"rule before group ignored", "disallow: /\nuser-agent: *\nallow: /\n", "/x", true},
		{"crlf", "user-agent: *\r\ndisallow: /x\r\n", "/x", false},
		{"no groups", "sitemap: https://a.example/s.xml\n", "/x", true},
		{"sitemap does not end group", "user-agent: a\nsitemap: x\nuser-agent: *\ndisallow: /x\n", "/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ParseRobots([]byte(tt.body))
			if got := r.Allowed("somebot", tt.path); got != tt.want {
				t.Errorf("Allowed(%q) = %v, want %v (%+v)", tt.path, got, tt.want, r.Decide("somebot", tt.path))
			}
		})
	}
}

func TestRobotsStatus(t *testing.T) {
	tests := []struct {
		code      int
		nilRobots bool
		allowed   bool
	}{
		{200, true, true},
		{301, true, true},
		{404, false, true},
		{401, false, true},
		{500, false, false},
		{503, false, false},
		{0, false, false},
	}
	for _, tt := range tests {
		t.Run(itoa(tt.code), func(t *testing.T) {
			r := RobotsForStatus(tt.code)
			if (r == nil) != tt.nilRobots {
				t.Fatalf("RobotsForStatus(%d) = %v, want nil %v", tt.code, r, tt.nilRobots)
			}
			if got := r.Allowed("x", "/a"); got != tt.allowed {
				t.Errorf("Allowed = %v, want %v", got, tt.allowed)
			}
		})
	}
}

func TestRobotsHasGroup(t *testing.T) {
	r := loadRobots(t, "ai.txt")
	for agent, want := range map[string]bool{"GPTBot": true, "ccbot": true, "ClaudeBot": false, "*": false} {
		if got := r.HasGroup(agent); got != want {
			t.Errorf("HasGroup(%q) = %v, want %v", agent, got, want)
		}
	}
}

func FuzzParseRobots(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "robots"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("testdata", "robots", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "/example/page.html")
	}
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		r := ParseRobots(body)
		d := r.Decide("FooBot/1.0", path)
		if d.Allowed != r.Allowed("foobot", path) {
			t.Fatal("Decide and Allowed disagree")
		}
		if !r.Allowed("foobot", "/robots.txt") {
			t.Fatal("/robots.txt must always be allowed")
		}
		// A path normalises to a fixed point.
		n := normalisePath(path, false)
		if normalisePath(n, false) != n {
			t.Fatalf("normalisePath not idempotent: %q -> %q", path, n)
		}
	})
}
