package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/version"
)

func init() { register("", newShowCmd) }

func newShowCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "show NAME[@VERSION]",
		Short: "Summarise a sealed dataset version: counts, rule lines and findings by rule",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			env, err := openEnv(cmd.Context(), false)
			if err != nil {
				return err
			}
			defer closeJoin(&err, env.close)
			name, ver, err := versionArg(cmd.Context(), env.ledger, args[0])
			if err != nil {
				return err
			}
			r, err := version.LoadReport(cmd.Context(), env.output, name, ver)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				enc := json.NewEncoder(jsonesc.Writer{W: w})
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			m := r.Manifest
			p := &printer{w: w}
			c := m.Counts
			p.printf("%s@%s  digest %s  policy %s (%s)\n", m.Dataset, m.Version, m.Digest, m.Policy.ID, m.Policy.Digest)
			p.printf("records %d: admit %d, redact %d, quarantine %d, reject %d; %d distinct admitted\n",
				c.In, c.Admit, c.Redact, c.Quarantine, c.Reject, m.Records)
			for _, b := range m.Blocked {
				p.printf("source %s blocked by %s\n", b.Source, b.RuleID)
			}
			p.println("\nrule lines (certificate):")
			for _, rl := range m.Rules {
				mark := "pass"
				if !rl.Pass {
					mark = "FAIL"
					if rl.Gate {
						mark = "FAIL(gate)"
					}
				}
				p.printf("  %-10s %-16s %-20s %s\n", mark, rl.RuleID, rl.Scope, rl.Detail)
			}
			p.println("\nfindings by rule:")
			for _, rc := range r.ByRule {
				p.printf("  %-16s %-10s %5d%s\n", rc.RuleID, rc.Stage, rc.Findings, verdictCounts(rc.Verdicts))
			}
			if p.err != nil {
				return fmt.Errorf("writing output: %w", p.err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// verdictCounts formats a rule's findings by record verdict, e.g.
// "  (reject 2, quarantine 1)". Findings about a dataset or source, not a
// record, carry no verdict and are counted as such; a rule with neither
// prints nothing.
func verdictCounts(verdicts map[string]int64) string {
	var vs []string
	for _, v := range []string{"admit", "redact", "quarantine", "reject"} {
		if n := verdicts[v]; n > 0 {
			vs = append(vs, fmt.Sprintf("%s %d", v, n))
		}
	}
	var other []string
	for v, n := range verdicts {
		switch v {
		case "admit", "redact", "quarantine", "reject":
		case "":
			if n > 0 {
				other = append(other, fmt.Sprintf("dataset-level %d", n))
			}
		default:
			if n > 0 {
				other = append(other, fmt.Sprintf("%s %d", v, n))
			}
		}
	}
	sort.Strings(other)
	vs = append(vs, other...)
	if len(vs) == 0 {
		return ""
	}
	return "  (" + strings.Join(vs, ", ") + ")"
}
