package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/lineage"
)

func init() { register("", newKeygenCmd) }

func newKeygenCmd() *cobra.Command {
	var out, subjectKey string
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Create the Ed25519 key pair that signs checkpoints and certificates",
		Long: "keygen writes ledger.signing_key (PEM PKCS#8, mode 0600) and ledger.public_key (PEM PKIX)\n" +
			"from the configuration, or ledger.key / ledger.pub in --out DIR, and prints the public key\n" +
			"PEM (what auditors and cosign use). It never overwrites a key: when the pair exists it says\n" +
			"so, prints the public key and exits 0; when only one of the two files exists it exits 2.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if subjectKey != "" {
				// The subject-key secret shared by shard pods and the sealer
				// (ledger.subject_key): 32 random bytes, hex, mode 0600.
				if err := lineage.WriteSubjectKey(subjectKey); err != nil {
					return err
				}
				if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (subject-key secret, 0600)\n", subjectKey); err != nil {
					return fmt.Errorf("writing output: %w", err)
				}
				return nil
			}
			var priv, pub string
			if out != "" {
				priv, pub = filepath.Join(out, lineage.PrivateKeyFile), filepath.Join(out, lineage.PublicKeyFile)
			} else {
				cfg, err := loadConfig()
				if err != nil {
					return err
				}
				priv, pub = cfg.Ledger.SigningKey, cfg.Ledger.PublicKey
				if priv == "" || pub == "" {
					return usageError{errors.New("the configuration sets no ledger.signing_key / ledger.public_key: pass --out DIR")}
				}
			}
			if existing, ok := existingKeyPair(priv, pub); ok {
				// Running keygen twice (e.g. after make demo) is not an
				// error: the key pair is kept, never overwritten.
				if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "key pair exists, kept: %s and %s\n", priv, pub); err != nil {
					return fmt.Errorf("writing output: %w", err)
				}
				_, err := cmd.OutOrStdout().Write(existing)
				return err
			}
			pem, err := lineage.WriteKeys(priv, pub)
			if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (private, 0600) and %s\n", priv, pub); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			_, err = cmd.OutOrStdout().Write(pem)
			return err
		},
	}
	cmd.Flags().StringVar(&subjectKey, "subject-key", "", "instead, write a new subject-key secret to this file (set ledger.subject_key to it on every shard and the sealer)")
	cmd.Flags().StringVar(&out, "out", "", "write ledger.key and ledger.pub in this directory instead of the configured paths")
	return cmd
}

// existingKeyPair returns the public key PEM when both files of the pair
// exist and the public key is the signing key's.
func existingKeyPair(priv, pub string) ([]byte, bool) {
	signer, err := lineage.LoadSigner(priv)
	if err != nil {
		return nil, false
	}
	b, err := os.ReadFile(pub)
	if err != nil {
		return nil, false
	}
	v, err := lineage.ParsePublicKey(b)
	if err != nil || !v.Equal(signer.Public()) {
		return nil, false
	}
	return b, true
}
