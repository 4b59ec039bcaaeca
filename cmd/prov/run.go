package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
)

func init() { register("", newRunCmd) }

func newRunCmd() *cobra.Command {
	var (
		dataset string
		workers int
		output  string
		shard   string
		asOf    string
	)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Check every record of the configured datasets and seal a version of each",
		Long: `run reads the input objects of each dataset, checks every record (legality,
licence, pii, annotation, quality), and writes per dataset version manifest.json,
findings.parquet, metrics.parquet and a certificate, recording everything in the
ledger. Exit codes: 0 done, 1 error, 2 bad usage or configuration, 3 done but a
policy gate failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if output != "text" && output != "json" {
				return usageError{fmt.Errorf("-o %q: want text or json", output)}
			}
			if workers < 0 {
				return usageError{fmt.Errorf("--workers %d: want 0 (default) or more", workers)}
			}
			sh, err := pipeline.ParseShard(shard)
			if err != nil {
				return usageError{err}
			}
			env, err := openEnv(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer closeJoin(&err, env.close)
			opts := env.pipelineOptions()
			opts.Dataset, opts.Workers, opts.Shard = dataset, workers, sh
			setRunMemoryLimit(opts.WorkerCount())
			prepareHugeHeap()
			if opts.Now, err = parseAsOf(asOf); err != nil {
				return err
			}
			endBar := func() {}
			if isTerminal(os.Stderr) {
				stderrMux.w = os.Stderr
				var bar *progressbar.ProgressBar
				bar, endBar = newProgressBar(stderrMux, "checking")
				opts.Progress = func(n int64) { _ = bar.Add64(n) }
			}
			res, runErr := pipeline.Run(cmd.Context(), opts)
			endBar()
			if res != nil {
				if err := printRunResult(cmd.OutOrStdout(), output, res); err != nil {
					return err
				}
			}
			return runErr
		},
	}
	cmd.Flags().StringVar(&dataset, "dataset", "", "run only this dataset")
	cmd.Flags().IntVar(&workers, "workers", 0, "objects read in parallel (default: config, then number of CPUs)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&shard, "shard", "", "process only shard `I/N` of the objects (0 <= I < N; then prov seal)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluation time (RFC 3339 or YYYY-MM-DD) of every time-dependent decision (default: evaluation_time in the config, else now)")
	return cmd
}

// parseAsOf parses the --as-of flag ("" = unset).
func parseAsOf(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	var t schemas.Time
	if err := t.UnmarshalText([]byte(s)); err != nil {
		return time.Time{}, usageError{fmt.Errorf("--as-of %q: %w", s, err)}
	}
	return t.Time, nil
}

func printRunResult(w io.Writer, format string, res *pipeline.Result) error {
	if format == "json" {
		enc := json.NewEncoder(jsonesc.Writer{W: w})
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	p := &printer{w: w}
	for _, d := range res.Datasets {
		if d.Shard != "" {
			p.printf("%s shard %s: %d objects checked (%d reused); run `prov seal %s` when all shards are done\n",
				d.Name, d.Shard, d.Objects, d.Resumed, d.Name)
			continue
		}
		c := d.Counts
		p.printf("%s@%s  digest %s\n", d.Name, d.Version, d.Digest)
		p.printf("  records %d: admit %d, redact %d, quarantine %d, reject %d (objects %d, reused %d)\n",
			c.In, c.Admit, c.Redact, c.Quarantine, c.Reject, d.Objects, d.Resumed)
		p.printf("  manifest  %s\n  findings  %s\n  metrics   %s\n", d.Outputs.Manifest, d.Outputs.Findings, d.Outputs.Metrics)
		if d.Outputs.Duplicates != "" {
			p.printf("  duplicates %s\n", d.Outputs.Duplicates)
		}
		if d.Outputs.Certificate != "" {
			p.printf("  certificate %s\n", d.Outputs.Certificate)
		}
		for _, r := range d.Failed {
			p.printf("  GATE FAILED %s [%s]: %s\n", r.RuleID, r.Scope, r.Detail)
		}
	}
	if p.err != nil {
		return fmt.Errorf("writing output: %w", p.err)
	}
	return nil
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
