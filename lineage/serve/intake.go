package serve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas/openlineage"
)

// DefaultMaxEvent caps an OpenLineage RunEvent posted to /api/v1/lineage.
const DefaultMaxEvent = 1 << 20

// postLineage is the OpenLineage HTTP transport endpoint: one RunEvent per
// request, validated against the 2-0-2 schema with facets and recorded in
// the ledger when it names a prov dataset version (lineage.RecordRunEvent).
// It answers 201 when the event was appended, 200 when it was already
// recorded or names no prov version (the body says which), and 4xx with
// the reason otherwise.
func (s *Server) postLineage(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.Intake {
		return httpError{http.StatusForbidden, errors.New("the OpenLineage intake is off: start prov serve with --intake")}
	}
	if s.cfg.Token == "" {
		// authorized() lets token-less loopback reads through; writes never.
		w.Header().Set("WWW-Authenticate", `Bearer realm="prov"`)
		return httpError{http.StatusUnauthorized, fmt.Errorf("%w: the OpenLineage intake needs a bearer token configured (--token-file or PROV_SERVE_TOKEN)", ErrUnauthorized)}
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return httpError{http.StatusUnsupportedMediaType, fmt.Errorf("%w: Content-Type %q: want application/json", ErrBadRequest, ct)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxEvent))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return badRequest("reading the body: %v", err)
	}
	ev, err := openlineage.Parse(body)
	if err != nil {
		return badRequest("%v", err)
	}
	s.intakeMu.Lock()
	defer s.intakeMu.Unlock()
	res, err := s.cfg.Ledger.RecordRunEvent(r.Context(), ev, s.cfg.Names)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Recorded && !res.Duplicate {
		status = http.StatusCreated
		if _, err := s.cfg.Ledger.Checkpoint(r.Context()); err != nil && !errors.Is(err, lineage.ErrNoSigningKey) {
			return fmt.Errorf("publishing a checkpoint after leaf %d: %w", *res.Leaf, err)
		}
	}
	s.cfg.Logger.InfoContext(r.Context(), "openlineage event", "run_id", res.RunID, "job", res.Job,
		"event_type", res.EventType, "recorded", res.Recorded, "duplicate", res.Duplicate,
		"unresolved", len(res.Unresolved))
	b, err := encodeJSON(res)
	if err != nil {
		return err
	}
	s.writeBytes(w, r, status, "application/json", b)
	return nil
}

// ModelList answers GET /api/v1/models.
type ModelList struct {
	TreeSize uint64   `json:"tree_size"`
	Models   []string `json:"models"`
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	names, err := v.Models(r.Context())
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, ModelList{TreeSize: v.Size(), Models: names})
}

func (s *Server) getModel(w http.ResponseWriter, r *http.Request) error {
	v, err := s.view(r)
	if err != nil {
		return err
	}
	m, err := v.Model(r.Context(), r.PathValue("name"), r.URL.Query().Get("namespace"))
	if err != nil {
		return err
	}
	return s.writeJSON(w, r, m)
}
