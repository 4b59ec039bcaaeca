package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// Timeouts of the HTTP server NewHTTPServer builds.
const (
	ReadHeaderTimeout = 5 * time.Second
	ReadTimeout       = 30 * time.Second
	WriteTimeout      = 60 * time.Second
	IdleTimeout       = 120 * time.Second
	MaxHeaderBytes    = 64 << 10
	shutdownTimeout   = 10 * time.Second
)

// IsLoopback reports whether a listen address (host:port) binds only to the
// loopback interface: 127.0.0.0/8, ::1 or "localhost". An empty host means
// every interface and is not loopback.
func IsLoopback(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("%w: listen address %q: %w", ErrConfig, addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback(), nil
}

// CheckAddr refuses a non-loopback listen address unless a bearer token
// is configured.
func CheckAddr(addr, token string) error {
	lo, err := IsLoopback(addr)
	if err != nil {
		return err
	}
	if !lo && token == "" {
		return fmt.Errorf("listening on %s: %w (give --token-file or set PROV_SERVE_TOKEN)", addr, ErrNotLoopback)
	}
	return nil
}

// LoadToken returns the bearer token from file (trimmed; "" for no file)
// or, when file is empty, from the PROV_SERVE_TOKEN environment variable.
func LoadToken(file string) (string, error) {
	if file == "" {
		return strings.TrimSpace(os.Getenv("PROV_SERVE_TOKEN")), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading token file %s: %w", file, err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("reading token file %s: %w: the file is empty", file, ErrConfig)
	}
	return t, nil
}

// NewHTTPServer wraps h in an http.Server with the package's timeouts and
// header limit.
func NewHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.Default()
	}
	return &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: ReadHeaderTimeout, ReadTimeout: ReadTimeout,
		WriteTimeout: WriteTimeout, IdleTimeout: IdleTimeout, MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
}

// Serve answers on ln until ctx is done, then shuts down gracefully. ready,
// when set, is called with the listener's address once it accepts.
func (s *Server) Serve(ctx context.Context, ln net.Listener, ready func(addr net.Addr)) error {
	hs := NewHTTPServer(ln.Addr().String(), s.Handler(), s.cfg.Logger)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	if ready != nil {
		ready(ln.Addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutting down %s: %w", ln.Addr(), err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	}
	return nil
}

// ListenAndServe checks addr (CheckAddr), listens and serves until ctx is
// done.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(addr net.Addr)) error {
	if err := CheckAddr(addr, s.cfg.Token); err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln, ready)
}
