package serve

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"slices"

	"github.com/prov-ai/prov/lineage/certificate"
	"github.com/prov-ai/prov/version"
)

// VerifyRequest is the JSON form of a bundle upload: file name → file
// content (certificate.dsse.json, proof.json, manifest.json, pubkey.pem).
// Content is the file's text; binary-safe clients may send it instead as
// base64 under Base64.
type VerifyRequest struct {
	Files  map[string]string `json:"files"`
	Base64 map[string][]byte `json:"base64,omitempty"`
}

// LevelResult sums up one verification level.
type LevelResult struct {
	Level int    `json:"level"`
	Name  string `json:"name"`
	// Result is "pass", "fail" or "not_run" (a level runs only when the
	// levels before it passed).
	Result string `json:"result"`
}

// VerifyResult answers POST /api/v1/verify.
type VerifyResult struct {
	OK      bool                `json:"ok"`
	Subject string              `json:"subject,omitempty"`
	Status  string              `json:"status,omitempty"`
	Error   string              `json:"error,omitempty"`
	Files   []string            `json:"files"`
	Levels  []LevelResult       `json:"levels"`
	Checks  []certificate.Check `json:"checks"`
	// KeySource says which key verified: "ledger" (the ledger's configured
	// public key) or "bundle" (the bundle's own pubkey.pem).
	KeySource string `json:"key_source"`
}

var levelNames = []string{"", "signature, statement and manifest", "ledger inclusion proof, consistency and revocation status"}

// readBundle reads an uploaded bundle: multipart/form-data (each part's
// file name, or else its field name, names the file) or JSON
// (VerifyRequest).
func (s *Server) readBundle(w http.ResponseWriter, r *http.Request) (*certificate.Bundle, []string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxBundle)
	files := map[string][]byte{}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		mr, err := r.MultipartReader()
		if err != nil {
			return nil, nil, badRequest("reading the multipart body: %v", err)
		}
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, nil, err
				}
				return nil, nil, badRequest("reading the multipart body: %v", err)
			}
			name := path.Base(p.FileName())
			if p.FileName() == "" {
				name = p.FormName()
			}
			data, err := io.ReadAll(p)
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					return nil, nil, err
				}
				return nil, nil, badRequest("reading part %q: %v", name, err)
			}
			files[name] = data
		}
	case "application/json", "":
		var req VerifyRequest
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, err
			}
			return nil, nil, badRequest("decoding the JSON body: %v", err)
		}
		for k, v := range req.Files {
			files[k] = []byte(v)
		}
		for k, v := range req.Base64 {
			files[k] = v
		}
	default:
		return nil, nil, httpError{http.StatusUnsupportedMediaType,
			fmt.Errorf("%w: Content-Type %q: want multipart/form-data or application/json", ErrBadRequest, mt)}
	}
	var names []string
	for k := range files {
		if !slices.Contains(version.BundleFiles, k) {
			return nil, nil, badRequest("unexpected file %q: a bundle holds %v", k, version.BundleFiles)
		}
		names = append(names, k)
	}
	slices.Sort(names)
	if files[version.Envelope] == nil {
		return nil, nil, badRequest("the bundle has no %s", version.Envelope)
	}
	return &certificate.Bundle{Envelope: files[version.Envelope], Proof: files[version.Proof],
		Manifest: files[version.Manifest], PublicKey: files[version.PubKey]}, names, nil
}

// postVerify runs certificate verification levels 1 and 2 (with the
// ledger's consistency and revocation checks) on an uploaded bundle. A
// bundle that fails verification is a 200 answer with ok=false: the
// request succeeded, the certificate did not.
func (s *Server) postVerify(w http.ResponseWriter, r *http.Request) error {
	b, names, err := s.readBundle(w, r)
	if err != nil {
		return err
	}
	opts := certificate.Options{Ledger: s.cfg.Ledger}
	keySource := "bundle"
	if pub := s.cfg.Ledger.PublicKey(); pub != nil {
		opts.PublicKey, keySource = pub, "ledger"
	}
	rep := certificate.Verify(r.Context(), b, opts)
	out := VerifyResult{OK: rep.OK(), Subject: rep.Subject, Status: rep.Status, Files: names,
		Checks: rep.Checks, KeySource: keySource}
	if err := rep.Err(); err != nil {
		out.Error = err.Error()
	}
	for lvl := 1; lvl <= 2; lvl++ {
		res := LevelResult{Level: lvl, Name: levelNames[lvl], Result: "not_run"}
		for _, c := range rep.Checks {
			if c.Level != lvl {
				continue
			}
			if res.Result == "not_run" {
				res.Result = "pass"
			}
			if !c.OK && !c.Note {
				res.Result = "fail"
			}
		}
		out.Levels = append(out.Levels, res)
	}
	return s.writeJSON(w, r, out)
}
