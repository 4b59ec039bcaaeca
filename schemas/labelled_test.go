package schemas

import (
	"maps"
	"slices"
	"testing"
)

// TestLabelledSources: a dataset that spans a labelled source and
// unlabelled ones expects labels from the labelled source only; the
// dataset's own labels mapping makes every record labelled; a registry
// source with an annotation map that none of the dataset's inputs reaches
// does not make the dataset labelled.
func TestLabelledSources(t *testing.T) {
	reg := &SourceRegistry{Sources: []Source{
		{ID: "chat", Prefixes: []string{"chat/"}, Shape: "openai-chat"},
		{ID: "tool", Prefixes: []string{"instruct/"}, Annotation: &AnnotationMap{Labels: "labels", Label: "label"}},
		{ID: "ls", Prefixes: []string{"ls/"}, Shape: "label-studio"},
		{ID: "web", Prefixes: []string{"web/"}},
		{ID: "named", Fields: map[string]FieldSpec{"labels": {"annotation"}}},
	}}
	for _, tc := range []struct {
		name string
		ds   DatasetConfig
		all  bool
		srcs []string
	}{
		{"unrelated labelled source", DatasetConfig{Inputs: []InputConfig{{Prefix: "chat/"}, {Prefix: "web/"}}}, false, nil},
		{"mixed by prefix", DatasetConfig{Inputs: []InputConfig{{Prefix: "chat/"}, {Prefix: "instruct/"}, {Prefix: "ls/"}}}, false, []string{"ls", "tool"}},
		{"whole store", DatasetConfig{Inputs: []InputConfig{{Prefix: ""}}}, false, []string{"ls", "tool"}},
		{"named source", DatasetConfig{Inputs: []InputConfig{{Prefix: "x/", Source: "named"}, {Prefix: "web/"}}}, false, []string{"named"}},
		{"input maps labels", DatasetConfig{Inputs: []InputConfig{{Prefix: "web/", Fields: map[string]FieldSpec{"labels": {"l"}}}, {Prefix: "chat/"}}}, false, []string{"web"}},
		{"dataset maps labels", DatasetConfig{Fields: map[string]FieldSpec{"labels": {"l"}}, Inputs: []InputConfig{{Prefix: "chat/"}}}, true, nil},
		{"dataset shape", DatasetConfig{Shape: "doccano", Inputs: []InputConfig{{Prefix: "chat/"}}}, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all, srcs := tc.ds.LabelledSources(reg)
			got := slices.Sorted(maps.Keys(srcs))
			if all != tc.all || !slices.Equal(got, tc.srcs) {
				t.Fatalf("LabelledSources = %v %v, want %v %v", all, got, tc.all, tc.srcs)
			}
			if want := tc.all || len(tc.srcs) > 0; tc.ds.MapsLabels(reg) != want {
				t.Fatalf("MapsLabels = %v, want %v", !want, want)
			}
		})
	}
}
