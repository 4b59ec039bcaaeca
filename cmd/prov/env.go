package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/catalog"
)

// runEnv is everything a command needs from the configuration: loaded
// files, opened stores and the ledger.
type runEnv struct {
	cfg     *schemas.Config
	policy  *schemas.Policy
	sources *schemas.SourceRegistry
	input   objstore.Store
	output  objstore.Store
	shared  objstore.Store
	ledger  *lineage.Ledger
	closers []func() error
}

// openEnv loads the configuration named by -c and opens its stores and
// (writable when write is set) its ledger.
func openEnv(ctx context.Context, write bool) (*runEnv, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	if err := checkKeyFiles(cfg, write); err != nil {
		return nil, err
	}
	pol, err := schemas.LoadPolicy(cfg.Policy)
	if err != nil {
		return nil, err
	}
	src, err := schemas.LoadSources(cfg.Sources)
	if err != nil {
		return nil, err
	}
	in, err := objstore.Open(ctx, cfg.Input, cfg.S3)
	if err != nil {
		return nil, err
	}
	out, err := objstore.Open(ctx, cfg.Output, cfg.S3)
	if err != nil {
		return nil, err
	}
	e := &runEnv{cfg: cfg, policy: pol, sources: src, input: in, output: out}
	if cfg.SharedWork != "" {
		if e.shared, err = objstore.Open(ctx, cfg.SharedWork, cfg.S3); err != nil {
			return nil, err
		}
	}
	if e.ledger, err = lineage.Open(ctx, lineage.ConfigFrom(cfg.Ledger, !write)); err != nil {
		for _, k := range []struct{ field, path string }{{"ledger.signing_key", cfg.Ledger.SigningKey},
			{"ledger.public_key", cfg.Ledger.PublicKey}, {"ledger.subject_key", cfg.Ledger.SubjectKey}} {
			if k.path != "" && errors.Is(err, fs.ErrNotExist) && strings.Contains(err.Error(), k.path) {
				return nil, schemas.FileFieldError(cfg.File, k.field, err)
			}
		}
		return nil, err
	}
	e.closers = append(e.closers, e.ledger.Close)
	return e, nil
}

func (e *runEnv) close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	return errors.Join(errs...)
}

func (e *runEnv) pipelineOptions() pipeline.Options {
	return pipeline.Options{
		Config: e.cfg, Policy: e.policy, Sources: e.sources,
		Input: e.input, Output: e.output, Recorder: pipeline.NewRecorder(e.ledger), Shared: e.shared,
		Stages: catalog.Build, AfterSeal: certificateHooks(e),
	}
}

// checkKeyFiles turns a configured but missing key file into a usage error
// with the remedy: the ledger opens the public key always and the signing
// key when it writes (sign).
func checkKeyFiles(cfg *schemas.Config, sign bool) error {
	keys := []struct{ what, path string }{{"public key", cfg.Ledger.PublicKey}}
	if sign {
		keys = append(keys, struct{ what, path string }{"signing key", cfg.Ledger.SigningKey})
	}
	for _, k := range keys {
		if k.path == "" {
			continue
		}
		if _, err := os.Stat(k.path); errors.Is(err, fs.ErrNotExist) {
			return usageError{fmt.Errorf("ledger %s %s does not exist: run `prov keygen` (with the same configuration) to create the key pair", k.what, k.path)}
		}
	}
	return nil
}
