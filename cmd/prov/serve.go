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
)

func init() { register("", newServeCmd) }

func newServeCmd() *cobra.Command {
	var addr, tokenFile, ledgerDir string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the read-only lineage API and web page",
		Long: "serve answers a read-only JSON API over the ledger (/api/v1/, described at /openapi.json) and a web\n" +
			"page for data engineers and auditors. It binds to loopback unless a bearer token is given\n" +
			"(--token-file or PROV_SERVE_TOKEN). With --addr 127.0.0.1:0 it picks a free port; the URL is\n" +
			"printed on stdout once it accepts connections.",
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
			cfg, err := loadConfig()
			if err != nil {
				return err
			}
			lc := lineage.ConfigFrom(cfg.Ledger, true)
			lc.SigningKey = ""
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
			srv, err := serve.New(serve.Config{Ledger: l, Output: out, Datasets: names, Token: token})
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
	return cmd
}
