package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages/aigc"
)

// DetectedLabel is one label in a `prov detect aigc` output line. Start and
// End (UTF-8 byte offsets in the text field) are set for explicit labels
// only.
type DetectedLabel struct {
	Kind      string `json:"kind"`
	Start     *int   `json:"start,omitempty"`
	End       *int   `json:"end,omitempty"`
	Producer  string `json:"producer"`
	ProduceID string `json:"produce_id"`
	Where     string `json:"where,omitempty"`
	Status    string `json:"status,omitempty"`
}

// DetectedLine is one output line of `prov detect aigc`.
type DetectedLine struct {
	Line   int64           `json:"line"`
	Labels []DetectedLabel `json:"labels"`
	Error  string          `json:"error,omitempty"`
}

// DetectAIGC reads JSONL records from r with the pipeline's JSONL reader
// (plain, gzip or zstd) and writes to w one JSON line per input line, in
// order: the AI-generated-content labels of the record (explicit notices
// in field, implicit AIGC structures anywhere in the record). Blank lines
// get an empty label list; a line that does not parse gets its error. name
// is used in error messages.
//
// m maps the text field (a field path: `messages[*].content`, a list of
// paths); nil reads the top-level "text" key.
func DetectAIGC(ctx context.Context, r io.Reader, w io.Writer, name string, m *schemas.FieldMap) error {
	opts := readers.Options{Map: m}
	if m == nil {
		opts.Fields[schemas.FieldText] = "text"
	}
	in := readers.Input{URI: name, Key: name, Format: readers.FormatJSONL,
		Open: func(context.Context, int64, int64) (io.ReadCloser, error) { return io.NopCloser(r), nil }}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	var next int64 = 1
	var labels []aigc.Label
	err := readers.Read(ctx, in, opts, func(rec *schemas.Record) error {
		for ; next < rec.Line; next++ {
			if err := enc.Encode(DetectedLine{Line: next, Labels: []DetectedLabel{}}); err != nil {
				return err
			}
		}
		next = rec.Line + 1
		out := DetectedLine{Line: rec.Line, Labels: []DetectedLabel{}}
		if rec.Err != nil {
			out.Error = rec.Err.Error()
			return enc.Encode(out)
		}
		labels = aigc.Labels(rec, labels[:0])
		for _, l := range labels {
			d := DetectedLabel{Kind: l.Kind, Producer: l.Producer, ProduceID: l.ProduceID, Where: l.Where, Status: l.Status}
			if l.Kind == aigc.KindExplicit {
				s, e := l.Start, l.End
				d.Start, d.End = &s, &e
			}
			out.Labels = append(out.Labels, d)
		}
		return enc.Encode(out)
	})
	if err != nil {
		return fmt.Errorf("detecting AIGC labels in %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing AIGC detections: %w", err)
	}
	return nil
}
