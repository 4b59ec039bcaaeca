package serve

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas/openlineage"
)

// Default limits.
const (
	// DefaultMaxBody caps a JSON request body (subject lookups).
	DefaultMaxBody = 64 << 10
	// DefaultMaxBundle caps a certificate bundle upload.
	DefaultMaxBundle = 32 << 20
	// DefaultFindingsLimit is the page size of findings when limit is unset.
	DefaultFindingsLimit = 100
	// MaxFindingsLimit caps limit on findings.
	MaxFindingsLimit = 1000
	// DefaultGraphObjects caps the object nodes of a lineage graph when
	// max_objects is unset.
	DefaultGraphObjects = 500
	// MaxGraphObjects caps max_objects.
	MaxGraphObjects = 20000
)

// Config is what a Server answers from. Zero fields take defaults.
type Config struct {
	// Ledger is the lineage ledger (required), opened read-only unless
	// Intake is on.
	Ledger *lineage.Ledger
	// Output is the output store holding the sealed versions' files
	// (manifest, findings, metrics). nil: the version, findings and metrics
	// endpoints answer from the ledger alone or 404.
	Output objstore.Store
	// Datasets are the dataset names listed by /api/v1/datasets (the
	// configuration's datasets; the ledger has no dataset index to list).
	Datasets []string
	// Token, when set, is the bearer token every /api/ request must carry.
	Token string
	// Logger receives the access log. Default slog.Default().
	Logger *slog.Logger
	// MaxBody caps JSON request bodies in bytes. Default DefaultMaxBody.
	MaxBody int64
	// MaxBundle caps a bundle upload in bytes. Default DefaultMaxBundle.
	MaxBundle int64
	// ObjectCache is how many decoded object entries the graph keeps
	// (entries never change once appended). Default 200,000; negative
	// disables the cache.
	ObjectCache int
	// QueryCache is how many dataset and impact answers are kept by tree
	// size (an answer at a given size never changes). Default 1024;
	// negative disables the cache.
	QueryCache int
	// Intake turns on the OpenLineage intake (POST /api/v1/lineage): the
	// Ledger must then be opened writable and Token set. Off, the route
	// answers 403.
	Intake bool
	// Names says how the output store names prov dataset versions in
	// OpenLineage events (as prov's own export names them).
	Names openlineage.Names
	// MaxEvent caps a posted RunEvent in bytes. Default DefaultMaxEvent.
	MaxEvent int64
}

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxEvent <= 0 {
		c.MaxEvent = DefaultMaxEvent
	}
	if c.MaxBundle <= 0 {
		c.MaxBundle = DefaultMaxBundle
	}
	if c.ObjectCache == 0 {
		c.ObjectCache = 200_000
	}
	if c.QueryCache == 0 {
		c.QueryCache = 1024
	}
}

func (c *Config) valid() error {
	if c.Ledger == nil {
		return fmt.Errorf("%w: Ledger is required", ErrConfig)
	}
	if c.Intake && c.Token == "" {
		return fmt.Errorf("%w: Intake needs a Token: the OpenLineage intake writes to the ledger", ErrConfig)
	}
	for i, d := range c.Datasets {
		if d == "" || strings.ContainsAny(d, "/@ \t") {
			return fmt.Errorf("%w: Datasets[%d] %q is not a dataset name", ErrConfig, i, d)
		}
	}
	return nil
}

// Server serves the lineage API and the web page. It is safe for
// concurrent use.
type Server struct {
	cfg   Config
	mux   *http.ServeMux
	files versionCache // parsed files of sealed versions (immutable)
	objs  entryCache   // decoded object entries by leaf (immutable)
	memo  memo         // query answers by tree size (immutable)
	graph bodyCache    // encoded graph answers by tree size (immutable)
	// intakeMu serialises intake requests so that each one's checkpoint
	// covers its own append.
	intakeMu sync.Mutex
}

// route is one API route; the table drives the mux and the OpenAPI test.
type route struct {
	method, path string
	h            func(s *Server, w http.ResponseWriter, r *http.Request) error
	// sensitive routes carry identifiers: their query string is never
	// logged.
	sensitive bool
}

// routes lists every API route (the web page and /openapi.json aside).
var routes = []route{
	{method: "GET", path: "/api/v1/datasets", h: (*Server).listDatasets},
	{method: "GET", path: "/api/v1/datasets/{dataset}", h: (*Server).getDataset},
	{method: "GET", path: "/api/v1/datasets/{dataset}/runs", h: (*Server).getRuns},
	{method: "GET", path: "/api/v1/datasets/{dataset}/diff", h: (*Server).getDiff},
	{method: "GET", path: "/api/v1/datasets/{dataset}/versions/{version}", h: (*Server).getVersion},
	{method: "GET", path: "/api/v1/datasets/{dataset}/versions/{version}/metrics", h: (*Server).getMetrics},
	{method: "GET", path: "/api/v1/datasets/{dataset}/versions/{version}/findings", h: (*Server).getFindings},
	{method: "GET", path: "/api/v1/datasets/{dataset}/versions/{version}/graph", h: (*Server).getGraph},
	{method: "GET", path: "/api/v1/datasets/{dataset}/versions/{version}/certificate", h: (*Server).getCertificate},
	{method: "GET", path: "/api/v1/datasets/{dataset}/versions/{version}/bundle/{file}", h: (*Server).getBundleFile},
	{method: "GET", path: "/api/v1/objects", h: (*Server).getObject},
	{method: "GET", path: "/api/v1/records/{digest}", h: (*Server).getRecord},
	{method: "POST", path: "/api/v1/subjects", h: (*Server).postSubject, sensitive: true},
	{method: "GET", path: "/api/v1/sources/{source}/impact", h: (*Server).getImpact},
	{method: "GET", path: "/api/v1/entries/{leaf}", h: (*Server).getEntry},
	{method: "GET", path: "/api/v1/checkpoints", h: (*Server).getCheckpoints},
	{method: "GET", path: "/api/v1/checkpoints/latest", h: (*Server).getLatestCheckpoint},
	{method: "GET", path: "/api/v1/proofs/inclusion", h: (*Server).getInclusionProof},
	{method: "GET", path: "/api/v1/proofs/consistency", h: (*Server).getConsistencyProof},
	{method: "POST", path: "/api/v1/verify", h: (*Server).postVerify},
	{method: "POST", path: "/api/v1/lineage", h: (*Server).postLineage},
	{method: "GET", path: "/api/v1/models", h: (*Server).listModels},
	{method: "GET", path: "/api/v1/models/{name}", h: (*Server).getModel},
}

// New returns a Server over cfg.
func New(cfg Config) (*Server, error) {
	cfg.setDefaults()
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), memo: memo{max: cfg.QueryCache}}
	if cfg.QueryCache > 0 {
		s.graph.budget = graphCacheBytes
	}
	allow := map[string][]string{}
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.path, s.api(rt))
		allow[rt.path] = append(allow[rt.path], rt.method)
	}
	for path, methods := range allow {
		s.mux.Handle(path, s.api(route{h: methodNotAllowed(methods)}))
	}
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		s.writeBytes(w, r, http.StatusOK, "application/json", openAPIDoc)
	})
	s.mux.Handle("/api/", s.api(route{h: func(*Server, http.ResponseWriter, *http.Request) error {
		return httpError{http.StatusNotFound, errors.New("no such API route")}
	}}))
	s.mux.Handle("/", webHandler())
	return s, nil
}

// Handler returns the HTTP handler with access logging.
func (s *Server) Handler() http.Handler { return s.logged(s.mux) }

// httpError carries an HTTP status.
type httpError struct {
	status int
	err    error
}

func (e httpError) Error() string { return e.err.Error() }
func (e httpError) Unwrap() error { return e.err }

// methodNotAllowed answers a known path asked with another method.
func methodNotAllowed(methods []string) func(*Server, http.ResponseWriter, *http.Request) error {
	allow := strings.Join(methods, ", ")
	return func(_ *Server, w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return httpError{http.StatusMethodNotAllowed, fmt.Errorf("%s %s: want %s", r.Method, r.URL.Path, allow)}
	}
}

func badRequest(format string, a ...any) error {
	return httpError{http.StatusBadRequest, fmt.Errorf("%w: "+format, append([]any{ErrBadRequest}, a...)...)}
}

// statusOf maps an error to its HTTP status and the message shown to the
// client (internal errors are logged, not shown).
func statusOf(err error) (int, string) {
	var he httpError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("request body over %d bytes", mbe.Limit)
	case errors.As(err, &he):
		return he.status, he.Error()
	case errors.Is(err, lineage.ErrConflict):
		return http.StatusConflict, err.Error()
	case errors.Is(err, lineage.ErrReadOnly):
		return http.StatusForbidden, "the ledger is open read-only: start prov serve with --intake"
	case errors.Is(err, lineage.ErrNotFound), errors.Is(err, ErrNoFiles), errors.Is(err, objstore.ErrNotExist):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, lineage.ErrBadRange), errors.Is(err, lineage.ErrBadEntry), errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, lineage.ErrNoSubjectKey):
		return http.StatusServiceUnavailable, "subject lookups need the subject-key secret, which this server was started without"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "request cancelled"
	}
	return http.StatusInternalServerError, "internal error"
}

// api wraps an API route: auth, error mapping.
func (s *Server) api(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="prov"`)
			writeError(w, http.StatusUnauthorized, ErrUnauthorized.Error()+": a bearer token is required")
			return
		}
		if err := rt.h(s, w, r); err != nil {
			st, msg := statusOf(err)
			if st >= 500 {
				s.cfg.Logger.ErrorContext(r.Context(), "serving API request", "path", r.URL.Path, "err", err)
			}
			writeError(w, st, msg)
		}
	})
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(s.cfg.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(jsonesc.Writer{W: w}).Encode(map[string]any{"error": msg, "status": status})
}

// graphCacheBytes bounds the encoded graph answers kept.
const graphCacheBytes = 64 << 20

// writeJSON encodes v and writes it with an ETag.
func (s *Server) writeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	b, err := encodeJSON(v)
	if err != nil {
		return err
	}
	s.writeBytes(w, r, http.StatusOK, "application/json", b)
	return nil
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding response: %w", err)
	}
	// Keys and text may hold DEL, C1 or bidirectional controls: escaped,
	// they cannot reorder or hide what the page or a terminal shows.
	return jsonesc.Escape(buf.Bytes()), nil
}

// writeBytes writes body with a strong ETag (sha256 prefix of the body) and
// answers 304 when If-None-Match names it. POST answers carry no ETag.
func (s *Server) writeBytes(w http.ResponseWriter, r *http.Request, status int, ctype string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:16]) + `"`
		h.Set("ETag", etag)
		h.Set("Cache-Control", "no-cache")
		if etagMatch(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	} else {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// etagMatch implements the weak comparison of If-None-Match (RFC 9110
// 13.1.2): "*" or any listed tag equal to etag, W/ prefixes ignored.
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// statusWriter records the status and size for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// logPath is the path as logged: under a sensitive route (subject
// lookups) anything past the route's path is cut, so an identifier that a
// client put in the URL never reaches the log.
func logPath(p string) (path string, sensitive bool) {
	for _, rt := range routes {
		if rt.sensitive && strings.HasPrefix(p, rt.path) {
			if len(p) > len(rt.path) {
				return rt.path + "/…", true
			}
			return p, true
		}
	}
	return p, false
}

// logged writes one access-log line per request: method, path, status,
// bytes and duration. The query string is logged except on subject routes
// (identifiers travel in bodies there, but a client may still misuse the
// URL); bodies are never logged.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		path, sensitive := logPath(r.URL.Path)
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", path),
			slog.Int("status", sw.status), slog.Int64("bytes", sw.bytes),
			slog.Float64("seconds", time.Since(start).Seconds())}
		if q := r.URL.RawQuery; q != "" && !sensitive {
			attrs = append(attrs, slog.String("query", q))
		}
		s.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
	})
}
