package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/lineage/certificate"
	"github.com/prov-ai/prov/version"
)

// bundle reads the four bundle files of a version of w.
func bundle(t *testing.T, w *world, ver string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	for _, f := range version.BundleFiles {
		b, err := os.ReadFile(filepath.Join(w.dir, "out", "chat", ver, f))
		if err != nil {
			t.Fatal(err)
		}
		files[f] = b
	}
	return files
}

// multipartBody encodes files as the web page's drop zone sends them.
func multipartBody(t *testing.T, files map[string][]byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range files {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}

func postBundle(t *testing.T, w *world, files map[string][]byte) (int, VerifyResult) {
	t.Helper()
	body, ctype := multipartBody(t, files)
	r := do(t, w.h, "POST", "/api/v1/verify", body, map[string]string{"Content-Type": ctype})
	var res VerifyResult
	if r.status == 200 {
		r.decode(t, &res)
	}
	return r.status, res
}

func levels(res VerifyResult) string {
	var s []string
	for _, l := range res.Levels {
		s = append(s, l.Result)
	}
	return strings.Join(s, ",")
}

// TestVerify uploads genuine and tampered bundles.
func TestVerify(t *testing.T) {
	w := sharedWorld(t)
	flip := func(name string, at int) func(map[string][]byte) {
		return func(f map[string][]byte) {
			b := bytes.Clone(f[name])
			i := at
			if i < 0 {
				i = len(b) + at
			}
			b[i] ^= 0x01
			f[name] = b
		}
	}
	tests := []struct {
		name     string
		version  string
		change   func(map[string][]byte)
		ok       bool
		levels   string
		failPart string
		status   string
	}{
		{"genuine", w.w2(), nil, true, "pass,pass", "", lineage.StatusValid},
		{"superseded still verifies", w.v1.Version, nil, true, "pass,pass", "", lineage.StatusSuperseded},
		{"manifest byte changed", w.w2(), flip("manifest.json", 40), false, "fail,not_run", "manifest", ""},
		{"envelope signature changed", w.w2(), flip("certificate.dsse.json", -20), false, "fail,not_run", "", ""},
		{"proof changed", w.w2(), func(f map[string][]byte) {
			f["proof.json"] = bytes.Replace(f["proof.json"], []byte(`"index":`), []byte(`"index":1`), 1)
		}, false, "pass,fail", "", ""},
		{"proof missing", w.w2(), func(f map[string][]byte) { delete(f, "proof.json") }, false, "pass,fail", "proof", ""},
		{"manifest missing", w.w2(), func(f map[string][]byte) { delete(f, "manifest.json") }, false, "fail,not_run", "manifest", ""},
		{"other version's manifest", w.w2(), func(f map[string][]byte) { f["manifest.json"] = bundle(t, w, w.v1.Version)["manifest.json"] }, false, "fail,not_run", "manifest", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := bundle(t, w, tc.version)
			if tc.change != nil {
				tc.change(files)
			}
			st, res := postBundle(t, w, files)
			if st != 200 {
				t.Fatalf("status %d", st)
			}
			if res.OK != tc.ok || levels(res) != tc.levels {
				t.Fatalf("ok=%v levels=%s, want ok=%v levels=%s; checks %+v", res.OK, levels(res), tc.ok, tc.levels, res.Checks)
			}
			if res.KeySource != "ledger" {
				t.Errorf("key source %q, want ledger", res.KeySource)
			}
			if tc.status != "" && res.Status != tc.status {
				t.Errorf("status %q, want %q", res.Status, tc.status)
			}
			if tc.failPart != "" {
				found := false
				for _, c := range res.Checks {
					if !c.OK && !c.Note && c.Part == tc.failPart {
						found = true
					}
				}
				if !found {
					t.Errorf("no failing %q check in %+v", tc.failPart, res.Checks)
				}
			}
			if !tc.ok && res.Error == "" {
				t.Errorf("a failing report without an error")
			}
		})
	}
	t.Run("JSON form", func(t *testing.T) {
		files := bundle(t, w, w.w2())
		req := VerifyRequest{Files: map[string]string{}, Base64: map[string][]byte{"pubkey.pem": files["pubkey.pem"]}}
		for _, f := range []string{"certificate.dsse.json", "proof.json", "manifest.json"} {
			req.Files[f] = string(files[f])
		}
		b, _ := json.Marshal(req)
		r := do(t, w.h, "POST", "/api/v1/verify", bytes.NewReader(b), map[string]string{"Content-Type": "application/json"})
		var res VerifyResult
		r.decode(t, &res)
		if r.status != 200 || !res.OK || len(res.Files) != 4 {
			t.Fatalf("status %d, result %+v", r.status, res)
		}
	})
	bad := []struct {
		name, ctype, body string
		status            int
	}{
		{"no envelope", "application/json", `{"files":{"proof.json":"{}"}}`, 400},
		{"unknown file", "application/json", `{"files":{"certificate.dsse.json":"{}","evil.sh":"x"}}`, 400},
		{"bad json", "application/json", `{"files":`, 400},
		{"bad content type", "text/plain", `x`, 415},
		{"broken multipart", "multipart/form-data; boundary=zzz", "--zzz\r\nbroken", 400},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, w.h, "POST", "/api/v1/verify", strings.NewReader(tc.body), map[string]string{"Content-Type": tc.ctype})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		srv, err := New(Config{Ledger: w.l, MaxBundle: 1024})
		if err != nil {
			t.Fatal(err)
		}
		body, ctype := multipartBody(t, map[string][]byte{"certificate.dsse.json": bytes.Repeat([]byte("x"), 4096)})
		r := do(t, srv.Handler(), "POST", "/api/v1/verify", body, map[string]string{"Content-Type": ctype})
		if r.status != 413 {
			t.Fatalf("status %d, want 413", r.status)
		}
	})
	t.Run("GET refused", func(t *testing.T) {
		if r := get(t, w.h, "/api/v1/verify"); r.status != 405 {
			t.Fatalf("status %d, want 405", r.status)
		}
	})
}

func (w *world) w2() string { return w.v2.Version }

// TestVerifyRevoked revokes a source in a world of its own: the bundle
// still verifies at level 1 but the ledger's status fails level 2, and the
// dataset list and graph show the revocation.
func TestVerifyRevoked(t *testing.T) {
	w, err := newWorld(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := w.l.Close(); err != nil {
			t.Error(err)
		}
	}()
	if _, err := certificate.Revoke(context.Background(), w.l, certificate.RevokeRequest{Kind: certificate.TargetSource,
		Value: "web", Reason: "complaint"}); err != nil {
		t.Fatal(err)
	}
	st, res := postBundle(t, w, bundle(t, w, w.w2()))
	if st != 200 || res.OK || levels(res) != "pass,fail" || res.Status != lineage.StatusRevoked {
		t.Fatalf("status %d ok=%v levels=%s ledger status %q", st, res.OK, levels(res), res.Status)
	}
	var g Graph
	get(t, w.h, vpath(w, w.w2(), "/graph?depth=2")).decode(t, &g)
	var revoked []string
	for _, n := range g.Nodes {
		if n.Status == lineage.StatusRevoked {
			revoked = append(revoked, n.ID)
		}
	}
	if len(revoked) != 2 || !strings.HasPrefix(revoked[0], "certificate:") || revoked[1] != "source:web" {
		t.Fatalf("revoked nodes %v, want the certificate and source:web", revoked)
	}
}
