package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"unsafe"

	"github.com/spf13/cobra"

	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/pii"
)

func init() { register("detect", newDetectPIICmd) }

// newDetectPIICmd is `prov detect pii [--field PATH]... [FILE|-]`: one JSON
// line of detected PI (type, byte offsets, score) per input record.
func newDetectPIICmd() *cobra.Command {
	var fields []string
	var shape string
	var minScore float64
	cmd := &cobra.Command{
		Use:   "pii [--field PATH]... [--shape NAME] [FILE|-]",
		Short: "Detect personal information in JSONL, Parquet, Arrow or plain-text records",
		Long: `Reads records from FILE or standard input with the pipeline's readers and prints,
per record and in order:
  {"line": N, "entities": [{"type": "EMAIL", "start": B, "end": E, "score": S}]}
JSONL (and plain text, one record per line that is not a JSON object) is read
line by line; a FILE ending in .parquet, .arrow, .feather, .ipc or .arrows is
read as that format, N being the row. The text is the field path --field
(default "text"; dotted keys, [N], [*]; several --field flags are concatenated,
parts joined with "\n") or the text field of a --shape preset (openai-chat,
sharegpt, alpaca, dolma, label-studio, doccano). start/end are byte offsets
into the assembled text. Values are never printed.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := detectFieldMap(fields, shape)
			if err != nil {
				return usageError{err}
			}
			d := pii.Detector{MinScore: minScore}
			name := "-"
			if len(args) == 1 {
				name = args[0]
			}
			if name != "-" {
				switch readers.FormatOf(name, "") {
				case readers.FormatParquet, readers.FormatArrow:
					return detectColumnar(cmd.Context(), name, m, cmd.OutOrStdout(), d)
				}
			}
			lp, err := readers.NewLineParser(readers.Options{Map: m}, name)
			if err != nil {
				return usageError{err}
			}
			in := cmd.InOrStdin()
			if name != "-" {
				f, err := os.Open(name)
				if err != nil {
					return fmt.Errorf("opening %s: %w", name, err)
				}
				defer func() { _ = f.Close() }()
				in = f
			}
			bom := []byte("\ufeff")
			return pii.DetectLinesWith(in, cmd.OutOrStdout(), func(line []byte) string {
				line = bytes.TrimPrefix(line, bom)
				text, err := lp.Text(line)
				if err != nil {
					text = line // not a JSON object: plain text
				}
				// The detector keeps no reference to the text, and
				// DetectLinesWith is done with it before the next line:
				// no copy needed.
				return unsafe.String(unsafe.SliceData(text), len(text))
			}, d)
		},
	}
	cmd.Flags().StringArrayVar(&fields, "field", nil, `field path of the text (default "text"); repeat to concatenate`)
	cmd.Flags().StringVar(&shape, "shape", "", "shape preset whose text field to read")
	cmd.Flags().Float64Var(&minScore, "min-score", pii.DefaultMinScore, "drop detections scoring below this")
	return cmd
}

// detectFieldMap is the field map of `detect` commands: only the text.
func detectFieldMap(fields []string, shape string) (*schemas.FieldMap, error) {
	ds := schemas.DatasetConfig{Shape: shape}
	if shape != "" {
		if _, ok := schemas.ShapeByName(shape); !ok {
			return nil, fmt.Errorf("--shape %q: not one of %v", shape, schemas.ShapeNames())
		}
	}
	if len(fields) > 0 {
		spec := schemas.FieldSpec(fields)
		if err := spec.Validate(); err != nil {
			return nil, fmt.Errorf("--field: %w", err)
		}
		ds.Fields = map[string]schemas.FieldSpec{"text": spec}
	}
	full := ds.ReadMap(nil, nil)
	var m schemas.FieldMap
	m.Fields[schemas.FieldText] = full.Fields[schemas.FieldText]
	return &m, nil
}

// detectColumnar reads a Parquet or Arrow file with the pipeline's reader.
func detectColumnar(ctx context.Context, name string, m *schemas.FieldMap, w io.Writer, d pii.Detector) error {
	st, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("opening %s: %w", name, err)
	}
	in := readers.Input{URI: name, Key: name, Size: st.Size(),
		Open: func(_ context.Context, off, length int64) (io.ReadCloser, error) {
			f, err := os.Open(name)
			if err != nil {
				return nil, err
			}
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				_ = f.Close()
				return nil, err
			}
			if length <= 0 {
				return f, nil
			}
			return struct {
				io.Reader
				io.Closer
			}{io.LimitReader(f, length), f}, nil
		}}
	var ents []pii.Entity
	var out []byte
	err = readers.Read(ctx, in, readers.Options{Map: m}, func(r *schemas.Record) error {
		if r.Err != nil {
			ents = ents[:0]
		} else {
			ents = d.Detect(r.Text(), ents)
		}
		out = pii.AppendResult(out[:0], int(r.Line), ents)
		_, err := w.Write(out)
		return err
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}
