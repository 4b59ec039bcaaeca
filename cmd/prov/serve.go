package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/lineage/serve"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas/openlineage"
)

func init() { register("", newServeCmd) }

func newServeCmd() *cobra.Command {
	var addr, tokenFile, ledgerDir string
	var intake bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the lineage API and web page, and with --intake the OpenLineage intake",
		Long: "serve answers a JSON API over the ledger (/api/v1/, described at /openapi.json) and a web\n" +
			"page for data engineers and auditors. It binds to loopback unless a bearer token is given\n" +
			"(--token-file or PROV_SERVE_TOKEN). With --addr 127.0.0.1:0 it picks a free port; the URL is\n" +
			"printed on stdout once it accepts connections.\n\n" +
			"With --intake it opens the ledger for writing (no prov run, seal or revoke on the same ledger\n" +
			"meanwhile) and accepts OpenLineage 2-0-2 RunEvents of training jobs at POST /api/v1/lineage, the\n" +
			"OpenLineage HTTP transport path; the intake needs the bearer token even on loopback. Events whose\n" +
			"inputs name a prov dataset version (namespace \"prov\" and name DATASET@VERSION, or the output\n" +
			"store's namespace and PREFIX/DATASET/VERSION as prov's OpenLineage export names it) are recorded\n" +
			"and a checkpoint is signed with the ledger key.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			ctx := cmd.Context()
			token, err := serve.LoadToken(tokenFile)
			if err != nil {
				return usageError{err}
			}
			if err := serve.CheckAddr(addr, token); err != nil {
				return usageError{err}
			}
			if intake && token == "" {
				return usageError{errors.New("--intake needs a bearer token (--token-file or PROV_SERVE_TOKEN): the intake writes to the ledger")}
			}
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			lc := lineage.ConfigFrom(cfg.Ledger, !intake)
			if !intake {
				lc.SigningKey = ""
			}
			if ledgerDir != "" {
				lc.Dir = ledgerDir
			}
			l, err := lineage.Open(ctx, lc)
			if err != nil {
				return err
			}
			defer closeJoin(&err, l.Close)
			out, err := objstore.Open(ctx, cfg.Output, cfg.S3)
			if err != nil {
				return err
			}
			names := make([]string, len(cfg.Datasets))
			for i, d := range cfg.Datasets {
				names[i] = d.Name
			}
			srv, err := serve.New(serve.Config{Ledger: l, Output: out, Datasets: names, Token: token,
				Intake: intake, Names: openlineage.NamesFor(out.URI(""))})
			if err != nil {
				return err
			}
			err = srv.ListenAndServe(ctx, addr, func(a net.Addr) {
				if _, err := fmt.Fprintf(cmd.OutOrStdout(), "prov serve: listening on http://%s/\n", a); err != nil {
					slog.Warn("writing the listen address", "err", err)
				}
			})
			if errors.Is(err, serve.ErrConfig) || errors.Is(err, serve.ErrNotLoopback) {
				return usageError{err}
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "listen address (host:port; port 0 picks a free one)")
	cmd.Flags().StringVar(&tokenFile, "token-file", "", "file holding the bearer token API requests must carry (default env PROV_SERVE_TOKEN)")
	cmd.Flags().StringVar(&ledgerDir, "ledger", "", "ledger directory (default: ledger.dir of the configuration)")
	cmd.Flags().BoolVar(&intake, "intake", false, "accept OpenLineage RunEvents at POST /api/v1/lineage (opens the ledger for writing; needs the token)")
	return cmd
}
