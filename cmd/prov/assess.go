package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/pipeline/export"
)

func init() {
	register("assess", newAssessSampleCmd)
	register("assess", newAssessImportCmd)
}

func newAssessSampleCmd() *cobra.Command {
	var out, format string
	var n int
	var annotations, includePI bool
	cmd := &cobra.Command{
		Use:   "sample NAME[@VERSION]",
		Short: "Draw the seeded review sample (TC260-9.2-a, or CN-IM-8.2 spot checks with --annotations) with record text, for reviewers",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != export.FormatJSONL && format != export.FormatCSV {
				return usageError{fmt.Errorf("--format %q: want jsonl or csv", format)}
			}
			return withVersion(cmd, args[0], func(env *runEnv, v *export.Version) error {
				rows, err := drawReviewSample(cmd, env, v, annotations, n)
				if err != nil {
					return err
				}
				if !includePI {
					export.RedactRows(rows)
				}
				// Counts only: the sample holds record text, which never goes to logs.
				slog.Info("review sample drawn", "dataset", v.Manifest.Dataset, "version", v.Manifest.Version,
					"items", len(rows), "seed", env.policy.Seed, "annotations", annotations)
				return emit(cmd, out, func(w io.Writer) error { return export.WriteSample(w, rows, format) })
			})
		},
	}
	cmd.Flags().IntVar(&n, "n", 4000, "sample size (default: the policy's legality.assessment.manual_sample); all records when fewer")
	cmd.Flags().BoolVar(&annotations, "annotations", false, "sample labelled items per batch at the rule's spot-check rate (CN-IM-8.2)")
	cmd.Flags().BoolVar(&includePI, "include-pi", false, "keep personal information in the sample's text, ids and labels (default: detected identifiers are masked as [PHONE], [EMAIL] ...)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of stdout")
	cmd.Flags().StringVar(&format, "format", export.FormatJSONL, "jsonl or csv")
	return cmd
}

// drawReviewSample draws the seeded review sample of version v: the
// policy's manual-assessment sample (n, default the policy's size), or with
// annotations the spot-check sample of labelled items per batch.
func drawReviewSample(cmd *cobra.Command, env *runEnv, v *export.Version, annotations bool, n int) ([]export.SampleRow, error) {
	ctx := cmd.Context()
	if annotations {
		rates, err := export.AnnotationRates(ctx, v, env.input)
		if err != nil {
			return nil, err
		}
		return export.DrawAnnotationSample(ctx, v, env.input, env.policy.Seed, rates, env.policy.Annotation.SpotCheckRate)
	}
	need := env.policy.Legality.Assessment.ManualSample
	if !cmd.Flags().Changed("n") {
		n = need
	} else if n < need {
		slog.Warn("sample smaller than the policy's manual sample size", "n", n, "required", need, "rule", export.RuleManualAssessment)
	}
	return export.DrawSample(ctx, v, export.SampleOptions{Input: env.input, Output: env.output,
		Ledger: env.ledger, Seed: env.policy.Seed, N: n})
}

func newAssessImportCmd() *cobra.Command {
	var samplePath, format, spotChecks, output string
	cmd := &cobra.Command{
		Use:   "import VERDICTS",
		Short: "Import reviewer verdicts for a sample, record them in the ledger and print the pass rate against the threshold",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			ctx := cmd.Context()
			vb, err := os.ReadFile(args[0])
			if err != nil {
				return fmt.Errorf("reading verdicts: %w", err)
			}
			if samplePath == "" {
				samplePath = args[0]
			}
			sb, err := os.ReadFile(samplePath)
			if err != nil {
				return fmt.Errorf("reading sample: %w", err)
			}
			sample, err := export.ReadSample(sb, samplePath, "")
			if err != nil {
				return err
			}
			verdicts, err := export.ParseVerdicts(vb, args[0], format)
			if err != nil {
				return err
			}
			env, err := openEnv(ctx, true)
			if err != nil {
				return err
			}
			defer closeJoin(&err, env.close)
			rule := sample[0].RuleID
			threshold, minN := env.policy.Legality.Assessment.ManualPass, len(sample)
			switch rule {
			case export.RuleManualAssessment:
				v, err := loadVersion(cmd, env, sample[0].Dataset+"@"+sample[0].Version)
				if err != nil {
					return err
				}
				minN = min(env.policy.Legality.Assessment.ManualSample, int(v.Manifest.Records))
			case export.RuleLabelQuality:
				threshold = env.policy.Annotation.MinAccuracy
			default:
				return usageError{fmt.Errorf("sample rule %q: want %s or %s", rule, export.RuleManualAssessment, export.RuleLabelQuality)}
			}
			a, err := export.Assess(sample, sb, verdicts, vb, threshold, minN)
			if err != nil {
				return err
			}
			leaf, _, err := env.ledger.Append(ctx, a.Entry())
			if err != nil {
				return err
			}
			a.LedgerLeaf = &leaf
			if _, err := env.ledger.Checkpoint(ctx); err != nil && !errors.Is(err, lineage.ErrNoSigningKey) {
				return err
			}
			if spotChecks != "" {
				if err := atomicfile.Write(spotChecks, 0o600, func(w io.Writer) error {
					return export.WriteJSONL(w, export.SpotChecks(verdicts))
				}); err != nil {
					return err
				}
			}
			if output == "json" {
				err = writeJSON(a)(cmd.OutOrStdout())
			} else {
				mark := "pass"
				if !a.Pass {
					mark = "FAIL"
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "%s %s (ledger leaf %d)\n", mark, a.Detail, leaf)
			}
			if err != nil {
				return err
			}
			if !a.Pass {
				return fmt.Errorf("%s: %w", a.Detail, errGate)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&samplePath, "sample", "", "the sample file the reviewers got (default: VERDICTS itself, a returned sample)")
	cmd.Flags().StringVar(&format, "format", "", "verdicts format: jsonl or csv (default: sniffed)")
	cmd.Flags().StringVar(&spotChecks, "spot-checks", "", "also write the verdicts as annotation spot checks (JSONL) to FILE")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return cmd
}
