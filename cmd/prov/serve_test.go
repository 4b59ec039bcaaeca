package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// startServe runs `prov serve` on a free loopback port and returns its URL.
func startServe(t *testing.T, env []string, args ...string) string {
	t.Helper()
	u, _ := launchServe(t, env, args...)
	return u
}

// launchServe is startServe that also returns a function stopping the
// server (SIGINT, then wait); it runs at the end of the test otherwise.
func launchServe(t *testing.T, env []string, args ...string) (string, func()) {
	t.Helper()
	cmd := exec.Command(provBin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop := sync.OnceFunc(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("prov serve did not stop cleanly on SIGINT: %v", err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("prov serve did not stop within 15 s of SIGINT")
		}
	})
	t.Cleanup(stop)
	urls := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+/)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
	}()
	select {
	case u := <-urls:
		return u, stop
	case <-time.After(15 * time.Second):
		t.Fatal("prov serve printed no URL within 15 s")
	}
	return "", stop
}

func httpGet(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeCLI checks the wiring of `prov serve`: the loopback rule, the
// token file and environment variable, and answers over the demo ledger.
func TestServeCLI(t *testing.T) {
	root := repoRoot(t)
	cfg, dir := demoConfig(t, "file://"+filepath.Join(root, "fixtures", "demo", "corpus"), "")
	runDemo(t, cfg, nil)
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refuse := []struct {
		name string
		env  []string
		args []string
	}{
		{"all interfaces without a token", nil, []string{"--addr", "0.0.0.0:0"}},
		{"no port", nil, []string{"--addr", "127.0.0.1"}},
		{"empty token file", nil, []string{"--addr", "127.0.0.1:0", "--token-file", os.DevNull}},
	}
	for _, tc := range refuse {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := prov(t, append(tc.env, "PROV_SERVE_TOKEN="), append([]string{"-c", cfg, "serve"}, tc.args...)...)
			if code != exitUsage {
				t.Fatalf("exit %d, want %d: %s", code, exitUsage, stderr)
			}
		})
	}
	t.Run("loopback without a token", func(t *testing.T) {
		base := startServe(t, []string{"PROV_SERVE_TOKEN="}, "-c", cfg, "serve", "--addr", "127.0.0.1:0")
		code, body := httpGet(t, base+"api/v1/datasets", "")
		if code != 200 || !strings.Contains(body, `"chat-zh-en"`) || !strings.Contains(body, `"status":"valid"`) {
			t.Fatalf("status %d: %s", code, body)
		}
		if code, body := httpGet(t, base, ""); code != 200 || !strings.Contains(body, "app.js") {
			t.Fatalf("page: status %d", code)
		}
	})
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"token file", []string{"PROV_SERVE_TOKEN="}, []string{"--token-file", tokenFile}},
		{"token from the environment", []string{"PROV_SERVE_TOKEN=s3cret"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := startServe(t, tc.env, append([]string{"-c", cfg, "serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
			if code, _ := httpGet(t, base+"api/v1/datasets", ""); code != 401 {
				t.Fatalf("without the token: status %d, want 401", code)
			}
			if code, _ := httpGet(t, base+"api/v1/datasets", "s3cret"); code != 200 {
				t.Fatalf("with the token: status %d, want 200", code)
			}
		})
	}
}
