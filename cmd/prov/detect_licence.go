package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/stages/licence"
)

func init() { register("detect", newDetectLicenceCmd) }

// detectLicenceLine is one output line of `prov detect licence`.
type detectLicenceLine struct {
	File     string          `json:"file"`
	Licences []licence.Match `json:"licences"`
	Class    string          `json:"class"`
}

func newDetectLicenceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "licence FILE...",
		Short: "Print the licences found in each file as one JSON object per line",
		Long: `For each FILE, in argument order, print
{"file": PATH, "licences": [{"spdx": ID, "confidence": C, "evidence": "text|spdx-header|url|notice"}],
 "class": "commercial|non-commercial|academic-only|unspecified|none"}
best match first; licences is [] and class "none" when the file holds no licence evidence.`,
		Aliases: []string{"license"},
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetEscapeHTML(false)
			var failed error
			for _, path := range args {
				text, err := os.ReadFile(path)
				if err != nil {
					// Report it and go on: one unreadable file must not hide
					// the results of the others.
					slog.Error("reading file", "file", path, "err", err)
					failed = errors.Join(failed, fmt.Errorf("reading %s: %w", path, err))
					continue
				}
				r := licence.Detect(text)
				if err := enc.Encode(detectLicenceLine{File: path, Licences: r.Licences, Class: r.Class}); err != nil {
					return fmt.Errorf("writing result for %s: %w", path, err)
				}
			}
			return failed
		},
	}
}
