package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/pipeline"
)

func init() { register("", newSealCmd) }

func newSealCmd() *cobra.Command {
	var output, asOf string
	cmd := &cobra.Command{
		Use:   "seal NAME",
		Short: "Merge the segments of all shard runs of a dataset into a sealed version",
		Long: `seal is the single writer after N shard runs (` + "`prov run --shard I/N`" + `): it
merges their per-object segments (from the work directory or the config's
shared_work store), records the version in the ledger and writes its outputs.
It refuses to seal while any object's segment is missing, naming it. The
digest, counts and exact metrics equal those of an unsharded run.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if output != "text" && output != "json" {
				return usageError{fmt.Errorf("-o %q: want text or json", output)}
			}
			env, err := openEnv(cmd.Context(), true)
			if err != nil {
				return err
			}
			defer closeJoin(&err, env.close)
			opts := env.pipelineOptions()
			opts.Dataset, opts.SealOnly = args[0], true
			if opts.Now, err = parseAsOf(asOf); err != nil {
				return err
			}
			res, runErr := pipeline.Run(cmd.Context(), opts)
			if res != nil {
				if err := printRunResult(cmd.OutOrStdout(), output, res); err != nil {
					return err
				}
			}
			return runErr
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluation time the shard runs were given with --as-of (the same value)")
	return cmd
}
