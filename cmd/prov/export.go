package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/pipeline/export"
)

func init() {
	register("export", newExportOpenLineageCmd)
	register("export", newExportCroissantCmd)
	register("export", newExportSummaryCmd)
}

// loadVersion loads NAME[@VERSION] (latest when no version) for an export.
func loadVersion(cmd *cobra.Command, env *runEnv, arg string) (*export.Version, error) {
	name, version, err := versionArg(cmd.Context(), env.ledger, arg)
	if err != nil {
		return nil, err
	}
	return export.Load(cmd.Context(), export.LoadOptions{Output: env.output, Ledger: env.ledger,
		Policy: env.policy, Sources: env.sources, Config: env.cfg}, name, version)
}

// withVersion opens the configured stores and ledger read-only, loads
// NAME[@VERSION] (arg) and calls fn with them; the ledger is closed after.
func withVersion(cmd *cobra.Command, arg string, fn func(env *runEnv, v *export.Version) error) (err error) {
	env, err := openEnv(cmd.Context(), false)
	if err != nil {
		return err
	}
	defer closeJoin(&err, env.close)
	v, err := loadVersion(cmd, env, arg)
	if err != nil {
		return err
	}
	return fn(env, v)
}

// emit writes to path atomically, or to stdout when path is "" or "-".
// Stdout gets the whole output in one write through jsonesc.Writer: object keys
// and record text must not reach a terminal as DEL, C1 or bidirectional
// controls (CSV cells and text lines escape the rest themselves).
func emit(cmd *cobra.Command, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return err
		}
		_, err := jsonesc.Writer{W: cmd.OutOrStdout()}.Write(b.Bytes())
		return err
	}
	return atomicfile.Write(path, 0o600, write)
}

func writeJSON(x any) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(jsonesc.Writer{W: w})
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(x)
	}
}

func newExportOpenLineageCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "openlineage NAME[@VERSION]",
		Short: "OpenLineage 2-0-2 RunEvents (JSONL) of the runs that made a dataset version",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withVersion(cmd, args[0], func(_ *runEnv, v *export.Version) error {
				events, err := export.OpenLineage(v)
				if err != nil {
					return err
				}
				return emit(cmd, out, func(w io.Writer) error { return export.WriteJSONL(w, events) })
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func newExportCroissantCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "croissant NAME[@VERSION]",
		Short: "Croissant 1.1 JSON-LD card with RAI fields and sha256 on every file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withVersion(cmd, args[0], func(_ *runEnv, v *export.Version) error {
				return emit(cmd, out, writeJSON(export.BuildCroissant(v)))
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func newExportSummaryCmd() *cobra.Command {
	var out, format string
	var opts export.SummaryOptions
	cmd := &cobra.Command{
		Use:   "summary NAME[@VERSION]",
		Short: "EU public summary of training content (template sections 1-3) in Markdown or JSON",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "md" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want md or json", format)}
			}
			return withVersion(cmd, args[0], func(_ *runEnv, v *export.Version) error {
				s := export.BuildSummary(v, opts)
				if format == "json" {
					return emit(cmd, out, writeJSON(s))
				}
				return emit(cmd, out, s.WriteMarkdown)
			})
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	cmd.Flags().StringVar(&format, "format", "md", "md or json")
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "provider name and contact details (section 1.1)")
	cmd.Flags().StringVar(&opts.Model, "model", "", "versioned model name(s) (section 1.2)")
	return cmd
}
