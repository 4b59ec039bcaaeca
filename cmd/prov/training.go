package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas/openlineage"
)

func init() {
	register("lineage", newLineageIngestCmd)
	register("lineage", newLineageModelCmd)
}

// olNames says how the configured output store names prov dataset
// versions in OpenLineage events.
func olNames(ctx context.Context) (openlineage.Names, error) {
	cfg, err := loadConfig()
	if err != nil {
		return openlineage.Names{}, err
	}
	out, err := objstore.Open(ctx, cfg.Output, cfg.S3)
	if err != nil {
		return openlineage.Names{}, err
	}
	return openlineage.NamesFor(out.URI("")), nil
}

// ingestLine is one line's outcome in `prov lineage ingest -o json`.
type ingestLine struct {
	Line   int                   `json:"line"`
	Result *lineage.IntakeResult `json:"result,omitempty"`
	Error  string                `json:"error,omitempty"`
}

func newLineageIngestCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "ingest FILE.jsonl",
		Short: "Record OpenLineage RunEvents of training jobs (one per line) that consumed prov dataset versions",
		Long: `ingest reads OpenLineage 2-0-2 RunEvents, one JSON document per line ("-" reads stdin), validates
each against the official schema and facets, and records in the ledger those whose inputs name a
prov dataset version — namespace "prov" with name DATASET@VERSION, or the output store's namespace
and PREFIX/DATASET/VERSION as prov's own OpenLineage export names the version — as it does for
events posted to prov serve --intake. Recording is idempotent; a version the ledger does not hold is
recorded and listed as unresolved. Invalid lines are listed with the reason and make the exit code 2
after the valid ones are recorded. A checkpoint is published when anything was appended.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if output != "table" && output != "json" {
				return usageError{fmt.Errorf("-o %q: want table or json", output)}
			}
			in := cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return usageError{fmt.Errorf("opening events: %w", err)}
				}
				defer closeJoin(&err, f.Close)
				in = f
			}
			ctx := cmd.Context()
			names, err := olNames(ctx)
			if err != nil {
				return err
			}
			l, err := openLedger(ctx, false, true)
			if err != nil {
				return err
			}
			defer closeJoin(&err, l.Close)
			var lines []ingestLine
			appended, rejected := 0, 0
			rerr := openlineage.ReadJSONL(in, func(n int, ev *openlineage.RunEvent, perr error) error {
				if perr != nil {
					rejected++
					lines = append(lines, ingestLine{Line: n, Error: perr.Error()})
					return nil
				}
				res, err := l.RecordRunEvent(ctx, ev, names)
				if errors.Is(err, lineage.ErrConflict) {
					rejected++
					lines = append(lines, ingestLine{Line: n, Error: fmt.Sprintf("line %d: %v", n, err)})
					return nil
				}
				if err != nil {
					return fmt.Errorf("%s line %d: %w", args[0], n, err)
				}
				if res.Recorded && !res.Duplicate {
					appended++
				}
				lines = append(lines, ingestLine{Line: n, Result: res})
				return nil
			})
			if appended > 0 {
				if _, err := l.Checkpoint(ctx); err != nil && !errors.Is(err, lineage.ErrNoSigningKey) {
					return errors.Join(rerr, fmt.Errorf("publishing checkpoint: %w", err))
				}
			}
			if rerr != nil {
				return rerr
			}
			if output == "json" {
				if err := linWriteJSON(cmd.OutOrStdout(), map[string]any{"appended": appended, "rejected": rejected, "lines": lines}); err != nil {
					return err
				}
			} else if err := printIngest(cmd.OutOrStdout(), lines, appended); err != nil {
				return err
			}
			if rejected > 0 {
				return usageError{fmt.Errorf("%s: %d of %d events rejected", args[0], rejected, len(lines))}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func printIngest(w io.Writer, lines []ingestLine, appended int) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := &printer{w: tw}
	p.println("LINE\tRESULT\tJOB\tRUN\tSTATE\tPROV VERSIONS\tOUTPUTS")
	var errs []string
	for _, ln := range lines {
		if ln.Error != "" {
			p.printf("%d\trejected (below)\t\t\t\t\t\n", ln.Line)
			errs = append(errs, "rejected: "+ln.Error)
			continue
		}
		r := ln.Result
		what := "recorded"
		switch {
		case !r.Recorded:
			what = "ignored: " + r.Reason
		case r.Duplicate:
			what = "already recorded"
		}
		p.printf("%d\t%s\t%s\t%s\t%s\t%s\t%s\n", ln.Line, what, r.Job, r.RunID, r.EventType, inputsLine(r.Inputs), namesLine(r.Outputs))
	}
	if err := errors.Join(p.err, tw.Flush()); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s%d events appended\n", strings.Join(append(errs, ""), "\n"), appended); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

func inputsLine(ins []lineage.ConsumedInput) string {
	if len(ins) == 0 {
		return "-"
	}
	parts := make([]string, len(ins))
	for i, in := range ins {
		parts[i] = in.Dataset + "@" + in.Version
		if !in.Resolved {
			parts[i] += " (unresolved)"
		}
	}
	return strings.Join(parts, ", ")
}

func modelName(n lineage.DatasetName) string {
	if n.Namespace == "" {
		return n.Name
	}
	return n.Namespace + " " + n.Name
}

func namesLine(ns []lineage.DatasetName) string {
	if len(ns) == 0 {
		return "-"
	}
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = modelName(n)
	}
	return strings.Join(parts, ", ")
}

// printTrainingRuns prints the downstream runs and their models.
func printTrainingRuns(p *printer, indent string, runs []lineage.TrainingRun) {
	for _, r := range runs {
		p.printf("%strained\t%s by %s/%s run %s (%s)\n", indent, namesLine(r.Outputs), r.JobNamespace, r.JobName, r.RunID, r.State)
	}
}

func newLineageModelCmd() *cobra.Command {
	var f lineageFlags
	var namespace string
	cmd := &cobra.Command{
		Use:   "model NAME",
		Short: "The training runs behind a model and the dataset versions, sources and certificate status they consumed",
		Long: `model lists, for a model or checkpoint as a training job named it in its OpenLineage events
(prov serve --intake or prov lineage ingest), the runs that wrote it, each dataset version they
consumed with its sources, object count and certificate status, versions named but not in the
ledger (unresolved), and the revocations or consent withdrawals that reached the model.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.query(cmd, func(ctx context.Context, _ *lineage.Ledger, v *lineage.View) (any, error) {
				return v.Model(ctx, args[0], namespace)
			}, func(p *printer, res any) {
				m := res.(*lineage.ModelInfo)
				p.printf("model %s\t%s\n", m.Name, namesLine(m.Outputs))
				for _, r := range m.Runs {
					p.printf("  run\t%s/%s %s %s (started %s, ended %s; event leaves %s)\n", r.JobNamespace, r.JobName,
						r.RunID, r.State, orDash(r.StartedAt), orDash(r.EndedAt), leavesLine(r.EventLeaves))
				}
				for _, mk := range m.Marks {
					p.printf("  AFFECTED\tby %s at leaf %d (marked at leaf %d): %s\n", mk.CauseKind, mk.Cause, mk.Leaf, strings.Join(mk.Versions, ", "))
				}
				p.println("DATASET VERSION\tCERTIFICATE\tSOURCES\tOBJECTS\tSEALED AT LEAF")
				for _, mv := range m.Versions {
					leaf := "-"
					if mv.Leaf != nil {
						leaf = fmt.Sprint(*mv.Leaf)
					}
					cert := mv.CertificateStatus
					if mv.Certificate != nil {
						cert = certLine(*mv.Certificate)
					}
					p.printf("%s@%s\t%s\t%s\t%d\t%s\n", mv.Dataset, mv.Version, cert, orDash(strings.Join(mv.Sources, ", ")), mv.Objects, leaf)
				}
			})
		},
	}
	cmd.Flags().StringVar(&namespace, "namespace", "", "only outputs in this OpenLineage namespace")
	f.add(cmd)
	return cmd
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func leavesLine(ls []uint64) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = fmt.Sprint(l)
	}
	return strings.Join(parts, ",")
}
