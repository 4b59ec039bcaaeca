package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/lineage/certificate"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/stagetest"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// world is a ledger with two sealed, certified versions of dataset "chat"
// (v2 adds an object), their files in an output store, and a Server.
type world struct {
	dir    string
	l      *lineage.Ledger
	out    objstore.Store
	v1, v2 pipeline.DatasetResult
	logs   *syncBuffer
	srv    *Server
	h      http.Handler
}

var (
	worldOnce sync.Once
	shared    *world
	worldErr  error
)

// sharedWorld builds the world once for the package's tests (the pipeline
// runs take a moment); tests must not change it.
func sharedWorld(t *testing.T) *world {
	t.Helper()
	worldOnce.Do(func() {
		dir, err := os.MkdirTemp("", "prov-serve-test-")
		if err != nil {
			worldErr = err
			return
		}
		shared, worldErr = newWorld(dir)
	})
	if worldErr != nil {
		t.Fatalf("building the test world: %v", worldErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(serveHelper())
	}
	code := m.Run()
	if shared != nil {
		if err := shared.l.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the shared ledger:", err)
			code = max(code, 1)
		}
		_ = os.RemoveAll(shared.dir)
	}
	if intakeW != nil {
		if err := intakeW.l.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "closing the intake ledger:", err)
			code = max(code, 1)
		}
		_ = os.RemoveAll(intakeW.dir)
	}
	os.Exit(code)
}

func newWorld(dir string) (*world, error) {
	ctx := context.Background()
	priv, pub, err := lineage.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		return nil, err
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.DiscardHandler)
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/ledger",
		SigningKey: priv, PublicKey: pub, Logger: quiet, GCInterval: -1,
		Now: func() time.Time { t0 = t0.Add(time.Second); return t0 }})
	if err != nil {
		return nil, err
	}
	var a, b strings.Builder
	for i := range 12 {
		text := fmt.Sprintf("web record %d 训练数据", i)
		if i%3 == 0 {
			text += " BAD"
		}
		fmt.Fprintf(&a, `{"id":"a%d","text":%q,"user_id":"user-%d"}`+"\n", i, text, i%3)
	}
	a.WriteString("{not json\n")
	for i := range 5 {
		fmt.Fprintf(&b, `{"id":"b%d","text":"open record %d","license":"CC-BY-4.0"}`+"\n", i, i)
	}
	for p, data := range map[string]string{"in/web/a.jsonl": a.String(), "in/oss/b.jsonl": b.String()} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(data), 0o644); err != nil {
			return nil, err
		}
	}
	in, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "in"), schemas.S3Config{})
	if err != nil {
		return nil, err
	}
	out, err := objstore.Open(ctx, "file://"+filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		return nil, err
	}
	cfg := &schemas.Config{Version: 1, Work: filepath.Join(dir, "work"), Datasets: []schemas.DatasetConfig{{
		Name:   "chat",
		Inputs: []schemas.InputConfig{{Prefix: "oss/", Source: "oss-wiki"}, {Prefix: "web/", Source: "web"}},
		Fields: map[string]schemas.FieldSpec{"subject_id": {"user_id"}, "licence": {"license"}},
	}}}
	pol := &schemas.Policy{ID: "test-policy", Version: "1"}
	pol.ApplyDefaults()
	pol.Quality.MaxMalformedRate = 0.5 // the corpus holds malformed lines on purpose
	src := &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "oss-wiki", Channel: schemas.ChannelOpenSource, LegalBasis: "licence", Licence: "CC-BY-SA-4.0", Origin: "foreign"},
		{ID: "web", Channel: schemas.ChannelSelfCollected, LegalBasis: "public-interest", Origin: "domestic"},
	}}
	opts := pipeline.Options{Logger: quiet, Config: cfg, Policy: pol, Sources: src, Input: in, Output: out,
		Recorder: pipeline.NewRecorder(l), Workers: 2,
		Stages: func(_ context.Context, env stages.Env) ([]stages.Stage, error) {
			return []stages.Stage{stagetest.Mini{Key: env.SubjectKey}}, nil
		},
		AfterSeal: []func(context.Context, *pipeline.Sealed) error{certHook(l, priv)},
	}
	w := &world{dir: dir, l: l, out: out, logs: &syncBuffer{}}
	r1, err := pipeline.Run(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("first run: %w", err)
	}
	w.v1 = r1.Datasets[0]
	extra := `{"id":"c0","text":"third object","license":"CC-BY-4.0"}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "in/oss/c.jsonl"), []byte(extra), 0o644); err != nil {
		return nil, err
	}
	r2, err := pipeline.Run(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("second run: %w", err)
	}
	w.v2 = r2.Datasets[0]
	w.srv, err = New(Config{Ledger: l, Output: out, Datasets: []string{"chat", "empty"},
		Logger: slog.New(slog.NewJSONHandler(w.logs, nil))})
	if err != nil {
		return nil, err
	}
	w.h = w.srv.Handler()
	return w, nil
}

// response is a recorded answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
}

// do sends a request to h.
func do(t *testing.T, h http.Handler, method, target string, body io.Reader, hdr map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func get(t *testing.T, h http.Handler, target string) response {
	t.Helper()
	return do(t, h, http.MethodGet, target, nil, nil)
}

// certHook is the certificate hook `prov run` installs (cmd/prov), rebuilt
// here so the tests serve versions sealed and certified by the pipeline.
func certHook(l *lineage.Ledger, keyPath string) func(ctx context.Context, s *pipeline.Sealed) error {
	return func(ctx context.Context, s *pipeline.Sealed) error {
		is, err := certificate.NewIssuer(l, keyPath)
		if err != nil {
			return err
		}
		iss, err := is.Issue(ctx, s.Output, s.Prefix, s.ManifestBytes, s.LedgerLeaf, s.Policy)
		if err != nil {
			return err
		}
		s.Certificate = iss.URI
		return nil
	}
}
