package serve

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seeds adds every file of testdata/<dir> to f.
func seeds(f *testing.F, dir string, add func(b []byte)) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seeds in testdata/%s: %v", dir, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		add(b)
	}
}

// FuzzDecodeCursor checks that any cursor either decodes to a row that
// encodes back to the same cursor or is a 400 error.
func FuzzDecodeCursor(f *testing.F) {
	seeds(f, "cursors", func(b []byte) { f.Add(strings.TrimSpace(string(b))) })
	f.Fuzz(func(t *testing.T, c string) {
		n, err := decodeCursor(c)
		if err != nil {
			if st, _ := statusOf(err); st != 400 {
				t.Fatalf("cursor %q: status %d, want 400", c, st)
			}
			return
		}
		if c != "" && encodeCursor(n) != c {
			t.Fatalf("cursor %q decodes to %d, which encodes to %q", c, n, encodeCursor(n))
		}
	})
}

// FuzzReadBundle feeds arbitrary JSON bodies to the bundle reader: it
// must answer a bundle or a 4xx error, never panic.
func FuzzReadBundle(f *testing.F) {
	seeds(f, "verify", func(b []byte) { f.Add(b) })
	s := &Server{cfg: Config{MaxBundle: 1 << 20}}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/verify", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		b, names, err := s.readBundle(httptest.NewRecorder(), req)
		if err != nil {
			if st, _ := statusOf(err); st < 400 || st >= 500 {
				t.Fatalf("status %d for %q", st, body)
			}
			return
		}
		if b.Envelope == nil || len(names) == 0 {
			t.Fatalf("a bundle without an envelope from %q", body)
		}
	})
}

// FuzzSubjectRequest feeds arbitrary bodies to the subject decoder.
func FuzzSubjectRequest(f *testing.F) {
	seeds(f, "subjects", func(b []byte) { f.Add(b) })
	s := &Server{cfg: Config{MaxBody: DefaultMaxBody}}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/subjects", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		var sr SubjectRequest
		if err := s.decodeBody(httptest.NewRecorder(), req, &sr); err != nil {
			if st, _ := statusOf(err); st < 400 || st >= 500 {
				t.Fatalf("status %d for %q", st, body)
			}
		}
	})
}
