package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/stages/pii"
)

func init() { register("detect", newDetectPIICmd) }

// newDetectPIICmd is `prov detect pii [--field NAME] [FILE|-]`: one JSON
// line of detected PI (type, byte offsets, score) per input line.
func newDetectPIICmd() *cobra.Command {
	var field string
	var minScore float64
	cmd := &cobra.Command{
		Use:   "pii [--field NAME] [FILE|-]",
		Short: "Detect personal information in JSONL or plain-text lines",
		Long: `Reads JSONL (the text is in --field, default "text") or plain text (one record
per line) from FILE or standard input and prints, per input line and in order:
  {"line": N, "entities": [{"type": "EMAIL", "start": B, "end": E, "score": S}]}
start/end are byte offsets into the UTF-8 text of the record. Values are never printed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in := cmd.InOrStdin()
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return fmt.Errorf("opening %s: %w", args[0], err)
				}
				defer func() { _ = f.Close() }()
				in = f
			}
			return pii.DetectLines(in, cmd.OutOrStdout(), field, pii.Detector{MinScore: minScore})
		},
	}
	cmd.Flags().StringVar(&field, "field", "text", "JSONL field holding the text")
	cmd.Flags().Float64Var(&minScore, "min-score", pii.DefaultMinScore, "drop detections scoring below this")
	return cmd
}
