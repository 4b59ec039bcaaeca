package schemas

import (
	"errors"
	"maps"
	"slices"
	"strings"
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

// TestAnnotationMapDefaultAt: default_at must be a time (a date is one).
func TestAnnotationMapDefaultAt(t *testing.T) {
	for v, ok := range map[string]bool{"2024-06-30": true, "2024-06-30T10:00:00Z": true, "June": false, "30.06.2024": false} {
		err := (&AnnotationMap{Labels: "label[*]", Label: ".", Annotator: "$file", DefaultAt: v}).Validate()
		var fe *FieldError
		if ok != (err == nil) || (!ok && (!errors.As(err, &fe) || fe.Path != "default_at")) {
			t.Errorf("default_at %q: %v", v, err)
		}
	}
}

// TestMappedFields: the fields the quality stage reports the completeness
// of are those some layer names (shapes and annotation maps included); a
// field set to [] is not read; a dataset that names none reads them all.
func TestMappedFields(t *testing.T) {
	reg := &SourceRegistry{Sources: []Source{
		{ID: "chat", Prefixes: []string{"chat/"}, Shape: "openai-chat"},
		{ID: "web", Prefixes: []string{"web/"}, Fields: map[string]FieldSpec{"url": {"meta.url"}}},
	}}
	names := func(fs []Field) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.String())
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		name string
		ds   DatasetConfig
		want string
	}{
		{"nothing named", DatasetConfig{Inputs: []InputConfig{{Prefix: "x/"}}}, ""},
		{"dataset keys and sources", DatasetConfig{Fields: map[string]FieldSpec{"licence": {"license"}},
			Inputs: []InputConfig{{Prefix: "chat/"}, {Prefix: "web/"}}}, "text,url,licence"},
		{"labels not read", DatasetConfig{Fields: map[string]FieldSpec{"labels": {}, "text": {"body"}},
			Inputs: []InputConfig{{Prefix: "x/"}}}, "text"},
		{"annotation map", DatasetConfig{Inputs: []InputConfig{{Prefix: "x/", Annotation: &AnnotationMap{Labels: "labels", Label: "label"}}}}, "labels"},
	} {
		got := names(tc.ds.MappedFields(reg))
		if tc.want == "" {
			var all []Field
			for f := Field(0); f < NumFields; f++ {
				if f.Default() {
					all = append(all, f)
				}
			}
			tc.want = names(all)
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if err := (FieldSpec{}).Validate(); err != nil {
		t.Errorf("[] is a valid field map value (not read): %v", err)
	}
}
