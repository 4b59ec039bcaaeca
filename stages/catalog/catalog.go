// Package catalog lists every stage in the order the pipeline runs them:
// legality first (an unlawful source needs no further checks to be
// rejected, but is still checked so findings are complete), then licence,
// pii, annotation, aigc (AI-generated-content labels), and quality last
// (its metrics see the verdict so far).
package catalog

import (
	"context"
	"fmt"

	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/aigc"
	"github.com/prov-ai/prov/stages/annotation"
	"github.com/prov-ai/prov/stages/legality"
	"github.com/prov-ai/prov/stages/licence"
	"github.com/prov-ai/prov/stages/pii"
	"github.com/prov-ai/prov/stages/quality"
)

// Build constructs all stages for one dataset.
func Build(ctx context.Context, env stages.Env) ([]stages.Stage, error) {
	var out []stages.Stage
	add := func(name string, s stages.Stage, err error) error {
		if err != nil {
			return fmt.Errorf("building stage %s: %w", name, err)
		}
		out = append(out, s)
		return nil
	}
	lg, err := legality.New(ctx, env)
	if err := add("legality", lg, err); err != nil {
		return nil, err
	}
	lc, err := licence.New(ctx, env)
	if err := add("licence", lc, err); err != nil {
		return nil, err
	}
	pi, err := pii.New(ctx, env)
	if err := add("pii", pi, err); err != nil {
		return nil, err
	}
	an, err := annotation.New(ctx, env)
	if err := add("annotation", an, err); err != nil {
		return nil, err
	}
	ag, err := aigc.New(ctx, env)
	if err := add("aigc", ag, err); err != nil {
		return nil, err
	}
	qu, err := quality.New(ctx, env)
	if err := add("quality", qu, err); err != nil {
		return nil, err
	}
	return out, nil
}
