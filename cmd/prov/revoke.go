package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/lineage/certificate"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/stages/pii"
)

func init() { register("", newRevokeCmd) }

func newRevokeCmd() *cobra.Command {
	var (
		targets           [6]string
		reason, reference string
		output            string
	)
	kinds := [6]string{certificate.TargetSubjectID, certificate.TargetEmail, certificate.TargetPhone,
		certificate.TargetIDNumber, certificate.TargetSource, certificate.TargetObject}
	cmd := &cobra.Command{
		Use:   "revoke (--subject-id X | --email X | --phone X | --id-number X | --source ID | --object URI) --reason TEXT",
		Short: "Record a consent withdrawal or a source / object revocation and revoke the affected certificates",
		Long: `revoke appends a consent withdrawal (PIPL-15/47; the subject identifier is normalised and stored
only as a keyed hash) or a source / object revocation (TC260-5.2-b3) to the ledger, marks every
valid certificate of an affected dataset version revoked, marks every model trained on an affected
version (training runs reported through OpenLineage), publishes a checkpoint and lists the affected
versions, certificates and models. The next prov run seals a new version without those records;
the models listed are the ones to retrain or document.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) (err error) {
			if output != "table" && output != "json" {
				return usageError{fmt.Errorf("-o %q: want table or json", output)}
			}
			req := certificate.RevokeRequest{Reason: reason, Reference: reference}
			n := 0
			for i, v := range targets {
				if v != "" {
					req.Kind, req.Value = kinds[i], v
					n++
				}
			}
			if n != 1 {
				return usageError{fmt.Errorf("give exactly one of --subject-id, --email, --phone, --id-number, --source, --object (got %d)", n)}
			}
			if reason == "" {
				return usageError{fmt.Errorf("--reason is required")}
			}
			ctx := cmd.Context()
			l, err := openLedger(ctx, false, true)
			if err != nil {
				return err
			}
			defer closeJoin(&err, l.Close)
			if req.Kind == kinds[5] {
				req.Value = ledgerURI(ctx, l, req.Value)
			}
			rev, err := certificate.Revoke(ctx, l, req)
			if err != nil {
				return err
			}
			if output == "json" {
				return certWriteJSON(cmd.OutOrStdout(), rev)
			}
			return printRevocation(cmd.OutOrStdout(), req.Kind, rev)
		},
	}
	f := cmd.Flags()
	f.StringVar(&targets[0], "subject-id", "", "data subject id (as in the dataset's subject_id field)")
	f.StringVar(&targets[1], "email", "", "data subject's e-mail address")
	f.StringVar(&targets[2], "phone", "", "data subject's phone number")
	f.StringVar(&targets[3], "id-number", "", "data subject's ID number")
	f.StringVar(&targets[4], "source", "", "source id to revoke")
	f.StringVar(&targets[5], "object", "", "input object URI to revoke")
	f.StringVar(&reason, "reason", "", "why (recorded in the ledger; never put personal information here)")
	f.StringVar(&reference, "reference", "", "reference to the request outside the ledger (ticket, letter)")
	f.StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

// printRevocation prints what a revocation affected. The identifier itself
// is never printed.
func printRevocation(w io.Writer, kind string, rev *lineage.Revocation) error {
	if _, err := fmt.Fprintf(w, "%s revocation recorded at ledger leaf %d\n", kind, rev.Leaf); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p := &printer{w: tw}
	p.println("DATASET VERSION\tSEALED AT LEAF")
	for _, v := range rev.Versions {
		p.printf("%s@%s\t%d\n", v.Dataset, v.Version, v.Leaf)
	}
	if len(rev.Versions) == 0 {
		p.println("(none)\t")
	}
	if err := errors.Join(p.err, tw.Flush()); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p = &printer{w: tw}
	p.println("CERTIFICATE\tLEAF\tSTATUS\tENVELOPE SHA256")
	for _, c := range rev.Certificates {
		p.printf("%s@%s\t%d\t%s\t%s\n", c.Dataset, c.Version, c.Leaf, c.Status, c.EnvelopeSHA256)
	}
	if len(rev.Certificates) == 0 {
		p.println("(none)\t\t\t")
	}
	if err := errors.Join(p.err, tw.Flush()); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	p = &printer{w: tw}
	p.println("MODEL TRAINED ON AN AFFECTED VERSION\tMARKED AT LEAF\tVERSIONS\tTRAINING RUNS")
	for _, m := range rev.Models {
		p.printf("%s\t%d\t%s\t%s\n", modelName(lineage.DatasetName{Namespace: m.Namespace, Name: m.Name}), m.Leaf,
			strings.Join(m.Versions, ", "), strings.Join(m.Runs, ", "))
	}
	if len(rev.Models) == 0 {
		p.println("(none)\t\t\t")
	}
	if err := errors.Join(p.err, tw.Flush()); err != nil {
		return fmt.Errorf("writing output: %w", err)
	}
	return nil
}

// ledgerURI maps an input object's URI as a person writes it to the form
// runs record it by: an object key holding personal information is masked
// (pii.MaskKey under the ledger's subject key) in the ledger, the manifest
// and every output, so `revoke --object` and `lineage object` given the
// real URI must mask it the same way, or a revocation would match nothing
// and put the identifier in the ledger in clear. A URI outside the
// configured input store is masked as a whole; without the subject-key
// secret (an auditor's read-only ledger) the URI is used as given.
func ledgerURI(ctx context.Context, l *lineage.Ledger, uri string) string {
	if _, err := l.KeySubject("subject_id", ""); err != nil {
		return uri
	}
	base := ""
	if cfg, err := loadConfig(); err == nil {
		if st, err := objstore.Open(ctx, cfg.Input, cfg.S3); err == nil {
			base = st.URI("")
		}
	}
	if base != "" && strings.HasPrefix(uri, base) {
		m, _ := pii.MaskKey(uri[len(base):], l.SubjectKey)
		return base + m
	}
	m, _ := pii.MaskKey(uri, l.SubjectKey)
	return m
}
