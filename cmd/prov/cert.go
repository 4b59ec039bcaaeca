package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/lineage/certificate"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

func init() {
	register("cert", newCertIssueCmd)
	register("cert", newCertVerifyCmd)
}

// certificateHooks returns the AfterSeal hook that issues a certificate
// for every sealed version (none without a ledger).
func certificateHooks(e *runEnv) []func(context.Context, *pipeline.Sealed) error {
	if e.ledger == nil || e.cfg.Ledger.SigningKey == "" {
		return nil
	}
	return []func(context.Context, *pipeline.Sealed) error{certificateHook(e.ledger, e.cfg.Ledger.SigningKey)}
}

// certificateHook returns a pipeline AfterSeal hook that issues the
// certificate of every sealed version and sets Sealed.Certificate to its
// URI. The signing key at keyPath is loaded at the first call.
func certificateHook(l *lineage.Ledger, keyPath string) func(ctx context.Context, s *pipeline.Sealed) error {
	var once sync.Once
	var is *certificate.Issuer
	var ierr error
	return func(ctx context.Context, s *pipeline.Sealed) error {
		once.Do(func() { is, ierr = certificate.NewIssuer(l, keyPath) })
		if ierr != nil {
			return fmt.Errorf("issuing certificate of %s: %w", certificate.SubjectName(s.Manifest.Dataset, s.Manifest.Version), ierr)
		}
		// An unchanged version keeps its certificate: a nightly run on a
		// stable dataset does not churn certificates.
		if cur, ok, err := is.Current(ctx, s.Output, s.Prefix, s.ManifestBytes, s.Manifest.Dataset, s.Manifest.Version); err != nil {
			return err
		} else if ok {
			slog.Info("certificate unchanged: the version's manifest is already certified", "dataset", cur.Dataset,
				"version", cur.Version, "leaf", cur.Leaf, "object", cur.URI)
			s.Certificate = cur.URI
			return nil
		}
		iss, err := is.Issue(ctx, s.Output, s.Prefix, s.ManifestBytes, s.LedgerLeaf, s.Policy)
		if err != nil {
			return err
		}
		s.Certificate = iss.URI
		return nil
	}
}

func newCertIssueCmd() *cobra.Command {
	var output string
	var force bool
	cmd := &cobra.Command{
		Use:   "issue NAME[@VERSION]",
		Short: "Issue (or re-issue) the certificate of a sealed dataset version",
		Long: "issue signs a certificate for a version already sealed in the ledger (the latest version when\n" +
			"VERSION is omitted), records it in the ledger, publishes a checkpoint and writes\n" +
			"certificate.dsse.json, proof.json and pubkey.pem beside the version's manifest.json.\n" +
			"A version whose manifest already has a valid certificate keeps it; --force re-issues.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if output != "text" && output != "json" {
				return usageError{fmt.Errorf("-o %q: want text or json", output)}
			}
			ctx := cmd.Context()
			env, err := openEnv(ctx, true)
			if err != nil {
				return err
			}
			defer closeJoin(&err, env.close)
			name, version, err := versionArg(ctx, env.ledger, args[0])
			if err != nil {
				return err
			}
			is, err := certificate.NewIssuer(env.ledger, env.cfg.Ledger.SigningKey)
			if err != nil {
				return err
			}
			var iss *certificate.Issued
			if !force {
				iss, err = currentCertificate(ctx, is, env.output, name, version)
				if err != nil {
					return err
				}
			}
			if iss == nil {
				if iss, err = is.IssueVersion(ctx, env.output, name, version, env.policy); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				return certWriteJSON(w, iss)
			}
			if _, err := fmt.Fprintf(w, "%s@%s  certificate %s\n  ledger leaf %d, proven against checkpoint size %d\n  envelope sha256 %s\n",
				iss.Dataset, iss.Version, iss.URI, iss.Leaf, iss.TreeSize, iss.EnvelopeSHA256); err != nil {
				return fmt.Errorf("writing output: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	cmd.Flags().BoolVar(&force, "force", false, "issue a new certificate even when the version's manifest is already certified")
	return cmd
}

// currentCertificate returns the valid certificate of name@ver when it
// certifies the manifest now in the output store, else nil.
func currentCertificate(ctx context.Context, is *certificate.Issuer, out objstore.Store, name, ver string) (*certificate.Issued, error) {
	prefix := version.Prefix(name, ver)
	rc, err := out.Get(ctx, prefix+version.Manifest, objstore.GetOptions{})
	if err != nil {
		return nil, nil //nolint:nilerr // IssueVersion reports a missing manifest
	}
	mb, err := io.ReadAll(rc)
	_ = rc.Close()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", out.URI(prefix+version.Manifest), err)
	}
	cur, ok, err := is.Current(ctx, out, prefix, mb, name, ver)
	if err != nil || !ok {
		return nil, err
	}
	return cur, nil
}

func newCertVerifyCmd() *cobra.Command {
	var (
		pubkey, ledgerDir, output string
		rehash                    bool
	)
	cmd := &cobra.Command{
		Use:   "verify BUNDLE_DIR|CERT_FILE",
		Short: "Verify a certificate bundle: signature and statement, ledger proof, optionally revocation and every digest",
		Long: `verify checks a certificate bundle (certificate.dsse.json, proof.json, manifest.json,
pubkey.pem) and prints one line per check:
  level 1  DSSE signature, in-toto statement, predicate JSON Schema, subject = sha256(manifest.json)
  level 2  the checkpoint's signature and the inclusion proof of the certificate's ledger entry;
           with --ledger DIR (or -c CONFIG): consistency with the ledger's latest checkpoint and
           the certificate's revocation status
  level 3  with --rehash and -c CONFIG: every input object re-read from the store, every record
           digest and the dataset Merkle root recomputed
Levels 1-2 need only the bundle and the public key. Exit 0 only if every check passes.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			if output != "text" && output != "json" {
				return usageError{fmt.Errorf("-o %q: want text or json", output)}
			}
			ctx := cmd.Context()
			if _, err := os.Stat(args[0]); errors.Is(err, fs.ErrNotExist) {
				return usageError{fmt.Errorf("bundle %s: no such file or directory (a version's output directory, e.g. out/datasets/NAME/VERSION)", termSafe(args[0]))}
			}
			b, err := certificate.LoadBundle(args[0])
			if err != nil {
				return err
			}
			var opts certificate.Options
			if pubkey != "" {
				if opts.PublicKey, err = lineage.LoadPublicKey(pubkey); err != nil {
					return err
				}
			}
			var cfg *schemas.Config
			if flags.config != "" {
				if cfg, err = loadConfig(); err != nil {
					return err
				}
			}
			if rehash && cfg == nil {
				return usageError{errors.New("--rehash needs -c CONFIG (the input store and the dataset's field map)")}
			}
			if ledgerDir == "" && cfg != nil {
				ledgerDir = cfg.Ledger.Dir
			}
			if ledgerDir != "" {
				l, lerr := openVerifyLedger(ctx, ledgerDir, b)
				if lerr != nil {
					return lerr
				}
				defer closeJoin(&err, l.Close)
				opts.Ledger = l
			}
			if rehash {
				if opts.Rehash, err = rehashOptions(ctx, cfg, b); err != nil {
					return err
				}
			}
			rep := certificate.Verify(ctx, b, opts)
			if err := printVerifyReport(cmd.OutOrStdout(), output, rep); err != nil {
				return err
			}
			return rep.Err()
		},
	}
	cmd.Flags().StringVar(&pubkey, "pubkey", "", "the issuer's public key (PEM); default: the bundle's pubkey.pem")
	cmd.Flags().StringVar(&ledgerDir, "ledger", "", "ledger directory: also check consistency and revocation status (default: -c config's ledger)")
	cmd.Flags().BoolVar(&rehash, "rehash", false, "re-read every input object and recompute every digest (needs -c CONFIG)")
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// openVerifyLedger opens a ledger read-only under the origin the
// certificate names (the origin is checked against signed data later).
func openVerifyLedger(ctx context.Context, dir string, b *certificate.Bundle) (*lineage.Ledger, error) {
	origin := ""
	if _, st, _, err := certificate.ParseBundle(b.Envelope, nil); err == nil {
		origin = st.Predicate.Ledger.Origin
	}
	return lineage.Open(ctx, lineage.Config{Dir: dir, Origin: origin, ReadOnly: true, GCInterval: -1})
}

// rehashOptions opens the configured input store and finds the dataset
// the certificate names.
func rehashOptions(ctx context.Context, cfg *schemas.Config, b *certificate.Bundle) (*certificate.Rehash, error) {
	_, st, _, err := certificate.ParseBundle(b.Envelope, nil)
	if err != nil {
		return nil, err
	}
	in, err := objstore.Open(ctx, cfg.Input, cfg.S3)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Datasets {
		if cfg.Datasets[i].Name == st.Predicate.Dataset {
			ds := &cfg.Datasets[i]
			reg, err := schemas.LoadSources(cfg.Sources)
			if err != nil {
				return nil, err
			}
			return &certificate.Rehash{Input: in, Dataset: ds, Read: pipeline.RecordReader(in, ds, reg)}, nil
		}
	}
	return nil, usageError{fmt.Errorf("--rehash: the configuration has no dataset %q", st.Predicate.Dataset)}
}

func printVerifyReport(w io.Writer, format string, rep *certificate.Report) error {
	if format == "json" {
		return certWriteJSON(w, struct {
			*certificate.Report
			OK bool `json:"ok"`
		}{rep, rep.OK()})
	}
	p := &printer{w: w}
	for _, c := range rep.Checks {
		p.printf("%s\n", c.String())
	}
	if rep.OK() {
		p.printf("VERIFIED %s\n", rep.Subject)
	} else {
		p.println("NOT VERIFIED")
	}
	if p.err != nil {
		return fmt.Errorf("writing output: %w", p.err)
	}
	return nil
}

func certWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(jsonesc.Writer{W: w})
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
