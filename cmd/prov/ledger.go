package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/lineage"
)

func init() {
	register("ledger", newLedgerVerifyCmd)
	register("ledger", newLedgerCheckpointCmd)
}

// openLedger opens the configured ledger. Queries and verification open it
// read-only; sign loads the signing key for a writable open.
func openLedger(ctx context.Context, readOnly, sign bool) (*lineage.Ledger, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	if err := checkKeyFiles(cfg, sign); err != nil {
		return nil, err
	}
	lc := lineage.ConfigFrom(cfg.Ledger, readOnly)
	if !sign {
		lc.SigningKey = ""
	}
	return lineage.Open(ctx, lc)
}

func newLedgerVerifyCmd() *cobra.Command {
	var ckpts []string
	var output string
	var skipIndexes bool
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Recompute every leaf hash, the root and the indexes; check checkpoint signatures and consistency",
		Long: "verify recomputes every entry's leaf hash and the Merkle root, checks every stored checkpoint's\n" +
			"signature and root, every --checkpoint FILE given (e.g. from a certificate's proof or a witness),\n" +
			"every object's record list against its record root, and rebuilds the derived indexes.\n" +
			"It exits non-zero naming the first bad entry.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if err := linCheckOutput(output); err != nil {
				return err
			}
			var given [][]byte
			for _, f := range ckpts {
				b, err := os.ReadFile(f)
				if err != nil {
					return fmt.Errorf("reading checkpoint: %w", err)
				}
				given = append(given, b)
			}
			l, err := openLedger(cmd.Context(), true, false)
			if err != nil {
				return err
			}
			defer closeJoin(&err, l.Close)
			rep, err := l.VerifyAll(cmd.Context(), lineage.VerifyOptions{Checkpoints: given, SkipIndexes: skipIndexes})
			var ve *lineage.VerifyError
			if errors.As(err, &ve) {
				return fmt.Errorf("ledger %s is not intact: first bad entry %d (%s): %s", l.Origin(), ve.Index, ve.What, ve.Msg)
			}
			if err != nil {
				return err
			}
			if output == "json" {
				return linWriteJSON(cmd.OutOrStdout(), rep)
			}
			p := &printer{w: cmd.OutOrStdout()}
			if rep.IndexesChecked {
				p.printf("ledger %s OK: %d entries, root %s, %d records\n", l.Origin(), rep.Size, rep.Root, rep.Records)
			} else {
				p.printf("ledger %s OK: %d entries, root %s\n", l.Origin(), rep.Size, rep.Root)
			}
			p.printf("checkpoints: %d stored (latest at size %d), %d given, all signed and consistent\n",
				rep.Checkpoints, rep.LatestCheckpoint, rep.External)
			if rep.IndexesChecked {
				p.println("indexes: rebuilt and equal")
			} else {
				p.println("indexes: skipped (--skip-indexes), records not counted")
			}
			if p.err != nil {
				return fmt.Errorf("writing output: %w", p.err)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&ckpts, "checkpoint", nil, "a signed checkpoint file the ledger must be consistent with (repeatable)")
	cmd.Flags().BoolVar(&skipIndexes, "skip-indexes", false, "do not rebuild and compare the derived indexes")
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func newLedgerCheckpointCmd() *cobra.Command {
	var noSign bool
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign a checkpoint for the current tree size (if needed) and print the latest signed checkpoint",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			l, err := openLedger(cmd.Context(), noSign, !noSign)
			if err != nil {
				return err
			}
			defer closeJoin(&err, l.Close)
			var note []byte
			if noSign {
				note, err = l.LatestCheckpoint(cmd.Context())
			} else {
				note, err = l.Checkpoint(cmd.Context())
			}
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(note)
			return err
		},
	}
	cmd.Flags().BoolVar(&noSign, "no-sign", false, "print the latest stored checkpoint without signing a new one (read-only)")
	return cmd
}
