package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/jsonesc"
	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

func init() {
	register("lineage", newLineageDatasetCmd)
	register("lineage", newLineageObjectCmd)
	register("lineage", newLineageRecordCmd)
	register("lineage", newLineageSubjectCmd)
	register("lineage", newLineageImpactCmd)
	register("lineage", newLineageDiffCmd)
}

// lineageFlags are the flags every lineage query takes.
type lineageFlags struct {
	output string
	asOf   string
}

func (f *lineageFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.output, "output", "o", "table", "output format: table or json")
	cmd.Flags().StringVar(&f.asOf, "as-of", "", "answer as the ledger stood at a TREE_SIZE or TIME (RFC 3339 or YYYY-MM-DD)")
}

// query opens the ledger read-only, resolves --as-of and runs fn; its
// result is printed as JSON or by table.
func (f *lineageFlags) query(cmd *cobra.Command, fn func(ctx context.Context, l *lineage.Ledger, v *lineage.View) (any, error), table func(p *printer, res any)) (err error) {
	if err := linCheckOutput(f.output); err != nil {
		return err
	}
	asOf, err := lineage.ParseAsOf(f.asOf)
	if err != nil {
		return usageError{err}
	}
	ctx := cmd.Context()
	l, err := openLedger(ctx, true, false)
	if err != nil {
		return err
	}
	defer closeJoin(&err, l.Close)
	v, err := l.At(ctx, asOf)
	if err != nil {
		return err
	}
	res, err := fn(ctx, l, v)
	if errors.Is(err, lineage.ErrNotFound) {
		// The dataset, version, record, subject or source named on the
		// command line is not in the ledger: a rerun answers the same.
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if f.output == "json" {
		return linWriteJSON(cmd.OutOrStdout(), res)
	}
	tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	p := &printer{w: tw}
	table(p, res)
	if p.err != nil {
		return fmt.Errorf("writing output: %w", p.err)
	}
	return tw.Flush()
}

func linCheckOutput(o string) error {
	if o != "table" && o != "json" && o != "text" {
		return usageError{fmt.Errorf("output %q: want table or json", o)}
	}
	return nil
}

func linWriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(jsonesc.Writer{W: w})
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func short(s string) string {
	if len(s) > 16 {
		return s[:16]
	}
	return s
}

func countsLine(c schemas.Counts) string {
	return fmt.Sprintf("in %d  admit %d  redact %d  quarantine %d  reject %d", c.In, c.Admit, c.Redact, c.Quarantine, c.Reject)
}

func certLine(c lineage.CertInfo) string {
	s := fmt.Sprintf("%s (leaf %d, envelope %s)", c.Status, c.Leaf, short(c.EnvelopeSHA256))
	if c.Cause >= 0 {
		s += fmt.Sprintf(" cause leaf %d", c.Cause)
	}
	if c.Reason != "" {
		s += ": " + c.Reason
	}
	return s
}

func versionsLine(vs []lineage.VersionRef) string {
	if len(vs) == 0 {
		return "-"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%s@%s", v.Dataset, v.Version)
	}
	return strings.Join(parts, ", ")
}

func newLineageDatasetCmd() *cobra.Command {
	var f lineageFlags
	cmd := &cobra.Command{
		Use:   "dataset NAME[@VERSION]",
		Short: "Versions of a dataset: runs, sources, counts, digests and certificate status",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, version, _ := strings.Cut(args[0], "@")
			return f.query(cmd, func(ctx context.Context, _ *lineage.Ledger, v *lineage.View) (any, error) {
				info, err := v.Dataset(ctx, name, version)
				if err != nil || version == "" {
					return &datasetView{DatasetInfo: info}, err
				}
				// The version's quality metrics live in the output store.
				ms, err := versionMetrics(ctx, name, version)
				if err != nil {
					slog.Warn("metrics not shown", "dataset", name, "version", version, "err", err)
				}
				return &datasetView{DatasetInfo: info, Metrics: ms}, nil
			}, func(p *printer, res any) {
				dv := res.(*datasetView)
				d := dv.DatasetInfo
				for i, vi := range d.Versions {
					if i > 0 {
						p.println()
					}
					p.printf("%s@%s\tsealed at leaf %d, %s\n", vi.Dataset, vi.Version, vi.Leaf, ts(vi.Time))
					p.printf("  digest\t%s\n", vi.Digest)
					if vi.ManifestSHA256 != "" {
						p.printf("  manifest\tsha256:%s\n", vi.ManifestSHA256)
					}
					p.printf("  counts\t%s\n", countsLine(vi.Counts))
					p.printf("  objects\t%d\n", vi.Objects)
					p.printf("  sources\t%s\n", strings.Join(vi.Sources, ", "))
					if vi.PolicyDigest != "" {
						p.printf("  policy\t%s %s\n", vi.PolicyID, short(vi.PolicyDigest))
					}
					for _, r := range vi.Runs {
						st := r.Status
						if st == "" {
							st = "unfinished"
						}
						p.printf("  run\t%s %s (started %s)\n", r.RunID, st, ts(r.StartedAt))
					}
					if vi.Supersedes != "" {
						p.printf("  supersedes\t%s\n", vi.Supersedes)
					}
					if vi.SupersededBy != "" {
						p.printf("  superseded by\t%s\n", vi.SupersededBy)
					}
					if len(vi.Certificates) == 0 {
						p.printf("  certificate\tnone\n")
					}
					for _, c := range vi.Certificates {
						p.printf("  certificate\t%s\n", certLine(c))
					}
					printTrainingRuns(p, "  ", vi.TrainingRuns)
				}
				if len(dv.Metrics) > 0 {
					p.printf("\n  metrics (metrics.parquet)\n")
					for _, m := range dv.Metrics {
						p.printf("  %s\t%s\t%s\n", m.Metric, m.Dimension, metricValue(m.Value, m.Error))
					}
				}
			})
		},
	}
	f.add(cmd)
	return cmd
}

func newLineageObjectCmd() *cobra.Command {
	var f lineageFlags
	cmd := &cobra.Command{
		Use:   "object URI",
		Short: "Every ingestion of an object and the dataset versions that hold it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.query(cmd, func(ctx context.Context, l *lineage.Ledger, v *lineage.View) (any, error) {
				return v.Object(ctx, ledgerURI(ctx, l, args[0]))
			}, func(p *printer, res any) {
				o := res.(*lineage.ObjectInfo)
				p.printf("%s\n", o.URI)
				if o.RevokedLeaf != nil {
					p.printf("  REVOKED\tat leaf %d\n", *o.RevokedLeaf)
				}
				p.println("LEAF\tDATASET\tVERSION ID / ETAG\tSOURCES\tCOUNTS\tIN VERSIONS")
				for _, i := range o.Ingested {
					id := i.VersionID
					if id == "" {
						id = i.ETag
					}
					p.printf("%d\t%s\t%s\t%s\t%s\t%s\n", i.Leaf, i.Dataset, short(id), strings.Join(i.Sources, ","),
						countsLine(i.Counts), versionsLine(i.Versions))
				}
			})
		},
	}
	f.add(cmd)
	return cmd
}

func newLineageRecordCmd() *cobra.Command {
	var f lineageFlags
	cmd := &cobra.Command{
		Use:   "record DIGEST",
		Short: "Where a record was read (object, line, verdict) and the dataset versions that hold it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := schemas.ParseDigest(args[0])
			if err != nil {
				return usageError{err}
			}
			return f.query(cmd, func(ctx context.Context, _ *lineage.Ledger, v *lineage.View) (any, error) {
				return v.Record(ctx, d)
			}, func(p *printer, res any) {
				r := res.(*lineage.RecordInfo)
				printRecord(p, r)
				printTrainingRuns(p, "  ", r.TrainingRuns)
			})
		},
	}
	f.add(cmd)
	return cmd
}

func printRecord(p *printer, r *lineage.RecordInfo) {
	p.printf("record sha256:%s\tin %s\n", r.Digest, versionsLine(r.Versions))
	for _, o := range r.Occurrences {
		p.printf("  %s\t%s\t(dataset %s, object leaf %d)\n", schemas.Locator(o.Object, o.Line), o.Verdict, o.Dataset, o.ObjectLeaf)
	}
}

func newLineageSubjectCmd() *cobra.Command {
	var f lineageFlags
	var email, phone, idNumber, subjectID string
	cmd := &cobra.Command{
		Use:   "subject --email X | --phone X | --id-number X | --subject-id X",
		Short: "Every record and dataset version of a data subject (looked up by keyed hash, never stored in clear)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var kind, value string
			n := 0
			for _, c := range []struct{ k, v string }{{"email", email}, {"phone", phone}, {"id_number", idNumber}, {"subject_id", subjectID}} {
				if c.v != "" {
					kind, value = c.k, c.v
					n++
				}
			}
			if n != 1 {
				return usageError{errors.New("give exactly one of --email, --phone, --id-number, --subject-id")}
			}
			return f.query(cmd, func(ctx context.Context, l *lineage.Ledger, v *lineage.View) (any, error) {
				key, err := l.KeySubject(kind, lineage.NormalizeIdentifier(kind, value))
				if err != nil {
					return nil, err
				}
				return v.Subject(ctx, key)
			}, func(p *printer, res any) {
				s := res.(*lineage.SubjectInfo)
				p.printf("subject %s (%s)\t%d records in %s\n", short(s.Subject), kind, len(s.Records), versionsLine(s.Versions))
				for _, l := range s.Withdrawn {
					p.printf("  consent withdrawn\tat leaf %d\n", l)
				}
				if len(s.Models) > 0 {
					p.printf("  models\t%s\n", namesLine(s.Models))
				}
				printTrainingRuns(p, "  ", s.TrainingRuns)
				for i := range s.Records {
					printRecord(p, &s.Records[i])
				}
			})
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "e-mail address (case-insensitive)")
	cmd.Flags().StringVar(&phone, "phone", "", "phone number (digits; +86 is stripped)")
	cmd.Flags().StringVar(&idNumber, "id-number", "", "resident ID number")
	cmd.Flags().StringVar(&subjectID, "subject-id", "", "subject id as in the records' subject field")
	f.add(cmd)
	return cmd
}

func newLineageImpactCmd() *cobra.Command {
	var f lineageFlags
	var source string
	cmd := &cobra.Command{
		Use:   "impact --source ID",
		Short: "Every object, dataset version and certificate built on a source",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if source == "" {
				return usageError{errors.New("--source is required")}
			}
			return f.query(cmd, func(ctx context.Context, _ *lineage.Ledger, v *lineage.View) (any, error) {
				return v.Impact(ctx, source)
			}, func(p *printer, res any) {
				im := res.(*lineage.ImpactInfo)
				p.printf("source %s\t%d objects, %d dataset versions, %d certificates, %d models\n", im.Source, len(im.Objects), len(im.Versions), len(im.Certificates), len(im.Models))
				if im.RevokedLeaf != nil {
					p.printf("  REVOKED\tat leaf %d\n", *im.RevokedLeaf)
				}
				for _, v := range im.Versions {
					p.printf("  version\t%s@%s (leaf %d)\n", v.Dataset, v.Version, v.Leaf)
				}
				for _, c := range im.Certificates {
					p.printf("  certificate\t%s@%s %s\n", c.Dataset, c.Version, certLine(c))
				}
				printTrainingRuns(p, "  ", im.TrainingRuns)
				for _, o := range im.Objects {
					p.printf("  object\t%s (leaf %d, %s)\n", o.URI, o.Leaf, o.Dataset)
				}
			})
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "source id from the source registry")
	f.add(cmd)
	return cmd
}

func newLineageDiffCmd() *cobra.Command {
	var f lineageFlags
	cmd := &cobra.Command{
		Use:   "diff NAME@V1 NAME@V2",
		Short: "Objects and admitted records added and removed between two versions of a dataset",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n1, v1, ok1 := strings.Cut(args[0], "@")
			n2, v2, ok2 := strings.Cut(args[1], "@")
			if !ok1 || !ok2 || n1 != n2 || v1 == "" || v2 == "" {
				return usageError{errors.New("want NAME@V1 NAME@V2 of one dataset")}
			}
			return f.query(cmd, func(ctx context.Context, _ *lineage.Ledger, v *lineage.View) (any, error) {
				info, err := v.Diff(ctx, n1, v1, v2)
				if err != nil {
					return nil, err
				}
				dv := &diffView{DiffInfo: info}
				m1, err1 := versionMetrics(ctx, n1, v1)
				m2, err2 := versionMetrics(ctx, n1, v2)
				if err := errors.Join(err1, err2); err != nil {
					slog.Warn("metric changes not shown", "dataset", n1, "err", err)
				} else {
					dv.Metrics = metricChanges(m1, m2)
				}
				return dv, nil
			}, func(p *printer, res any) {
				dv := res.(*diffView)
				d := dv.DiffInfo
				p.printf("%s: %s (leaf %d) → %s (leaf %d)\n", d.Dataset, d.From.Version, d.From.Leaf, d.To.Version, d.To.Leaf)
				p.printf("  records\t+%d  -%d admitted\n", d.RecordsAdded, d.RecordsRemoved)
				p.printf("  counts %s\t%s\n", d.From.Version, countsLine(d.FromCounts))
				p.printf("  counts %s\t%s\n", d.To.Version, countsLine(d.ToCounts))
				for _, u := range d.ObjectsAdded {
					p.printf("  + object\t%s\n", u)
				}
				for _, u := range d.ObjectsRemoved {
					p.printf("  - object\t%s\n", u)
				}
				for _, u := range d.ObjectsChanged {
					p.printf("  ~ object\t%s\n", u)
				}
				if len(dv.Metrics) > 0 {
					p.printf("\n  metrics that moved\t%s\t%s\t%s\n", d.From.Version, d.To.Version, "change")
					for _, m := range dv.Metrics {
						p.printf("  %s %s\t%s\t%s\t%+.4g\n", m.Metric, m.Dimension, fmtNum(m.From), fmtNum(m.To), m.To-m.From)
					}
				}
			})
		},
	}
	f.add(cmd)
	return cmd
}

// datasetView is a dataset's ledger answer plus, for one version, its
// metrics from the output store.
type datasetView struct {
	*lineage.DatasetInfo
	Metrics []schemas.Metric `json:"metrics,omitempty"`
}

// diffView is a diff plus the metrics that moved between the versions.
type diffView struct {
	*lineage.DiffInfo
	Metrics []metricChange `json:"metrics,omitempty"`
}

type metricChange struct {
	Metric    string  `json:"metric"`
	Dimension string  `json:"dimension"`
	From      float64 `json:"from"`
	To        float64 `json:"to"`
}

// versionMetrics reads a version's metrics.parquet from the configured
// output store.
func versionMetrics(ctx context.Context, dataset, ver string) ([]schemas.Metric, error) {
	cfg, err := loadConfig()
	if err != nil {
		return nil, err
	}
	out, err := objstore.Open(ctx, cfg.Output, cfg.S3)
	if err != nil {
		return nil, err
	}
	return version.ReadMetrics(ctx, out, dataset, ver)
}

// metricChanges lists the metrics whose value differs between two
// versions, in (metric, dimension) order; a metric present on one side
// only counts as 0 on the other.
func metricChanges(from, to []schemas.Metric) []metricChange {
	type key struct{ m, d string }
	vals := map[key]*metricChange{}
	var keys []key
	get := func(m schemas.Metric) *metricChange {
		k := key{m.Metric, m.Dimension}
		c := vals[k]
		if c == nil {
			c = &metricChange{Metric: m.Metric, Dimension: m.Dimension}
			vals[k] = c
			keys = append(keys, k)
		}
		return c
	}
	for _, m := range from {
		get(m).From = m.Value
	}
	for _, m := range to {
		get(m).To = m.Value
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].m != keys[j].m {
			return keys[i].m < keys[j].m
		}
		return keys[i].d < keys[j].d
	})
	var out []metricChange
	for _, k := range keys {
		if c := vals[k]; c.From != c.To {
			out = append(out, *c)
		}
	}
	return out
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func metricValue(v, errAbs float64) string {
	if errAbs == 0 {
		return fmtNum(v)
	}
	return fmtNum(v) + " ± " + fmtNum(errAbs)
}
