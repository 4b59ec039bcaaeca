package readers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// TestShapeFixturesLabels: the label-studio and doccano presets turn their
// fixtures' annotations into prov's labels object.
func TestShapeFixturesLabels(t *testing.T) {
	for _, tc := range []struct {
		shape, file string
		labels      [][2]string // per record 1: label, annotator
		batch       string
	}{
		{"label-studio", "label-studio.jsonl", [][2]string{{"pii", "3"}, {"pii", "4"}}, "7"},
		{"doccano", "doccano/ann-07.jsonl", [][2]string{{"pii", "ann-07"}}, ""},
	} {
		t.Run(tc.shape, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "fixtures", "shapes", filepath.FromSlash(tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			m := (&schemas.DatasetConfig{Shape: tc.shape}).ReadMap(nil, nil)
			got := readBytes(t, tc.file, data, Options{Map: &m})
			if len(got) != 2 {
				t.Fatalf("got %d records", len(got))
			}
			v, ok := got[0].Get(schemas.FieldLabels)
			if !ok {
				t.Fatal("no labels assembled")
			}
			var l schemas.Labels
			if err := json.Unmarshal([]byte(v), &l); err != nil {
				t.Fatalf("labels %s: %v", v, err)
			}
			if l.Batch != tc.batch || len(l.Labels) != len(tc.labels) {
				t.Fatalf("labels %s", v)
			}
			for i, w := range tc.labels {
				if l.Labels[i].Label != w[0] || l.Labels[i].Annotator != w[1] {
					t.Fatalf("label %d: %+v, want %v (%s)", i, l.Labels[i], w, v)
				}
			}
		})
	}
}
