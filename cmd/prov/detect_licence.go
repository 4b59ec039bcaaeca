package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/jsonesc"
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
	var jobs int
	cmd := &cobra.Command{
		Use:   "licence FILE|DIR...",
		Short: "Print the licences found in each file as one JSON object per line",
		Long: `For each FILE, in argument order (a DIR stands for the regular files under it, in
lexical order), print
{"file": PATH, "licences": [{"spdx": ID, "confidence": C, "evidence": "text|spdx-header|field|url|notice", "rule": R}],
 "class": "commercial|non-commercial|academic-only|unspecified|none"}
best match first; licences is [] and class "none" when the file holds no licence evidence.
Licence texts are matched against the whole SPDX License List embedded in prov; "rule" names
the rules a use notice (academic-only, non-commercial) serves.`,
		Aliases: []string{"license"},
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// One write per line would cost a system call per file.
			w := bufio.NewWriterSize(cmd.OutOrStdout(), 64<<10)
			enc := json.NewEncoder(jsonesc.Writer{W: w})
			enc.SetEscapeHTML(false)
			var failed error
			err := licence.DetectFiles(cmd.Context(), args, jobs, func(r licence.FileResult) error {
				if r.Err != nil {
					// Report it and go on: one unreadable file must not
					// hide the results of the others.
					slog.Error("reading file", "file", r.Path, "err", r.Err)
					failed = errors.Join(failed, fmt.Errorf("reading %s: %w", r.Path, r.Err))
					return nil
				}
				if err := enc.Encode(detectLicenceLine{File: r.Path, Licences: r.Result.Licences, Class: r.Result.Class}); err != nil {
					return fmt.Errorf("writing result for %s: %w", r.Path, err)
				}
				return nil
			})
			if ferr := w.Flush(); ferr != nil && err == nil {
				err = fmt.Errorf("writing results: %w", ferr)
			}
			return errors.Join(err, failed)
		},
	}
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 0, "files matched in parallel (default: GOMAXPROCS)")
	return cmd
}
