package pii

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/schemas"
)

// exportedCols is the column map of a consent registry exported from
// another system.
var exportedCols = schemas.Columns{
	"subject_id": "person_ref", "scopes": "purposes", "type": "consent_kind",
	"id": "evidence_ref", "granted_at": "consented_on", "withdrawn_at": "revoked_on",
}

const exportedJSONL = `{"person_ref":"u-sep","purposes":["training"],"consent_kind":"separate","evidence_ref":"cs-1","consented_on":"2024-05-20"}
{"person_ref":"u-gone","purposes":["training"],"consent_kind":"general","evidence_ref":"cg-2","consented_on":"2024-01-01","revoked_on":"2024-10-15T09:30:00+08:00"}
`

// TestLoadRegistryColumns: a registry whose columns have other names reads
// to the same consents through the column map, in JSONL and Parquet; a
// column the map does not know, or a bad value, is an error naming the
// line and the column.
func TestLoadRegistryColumns(t *testing.T) {
	check := func(t *testing.T, reg Registry) {
		t.Helper()
		if c := reg["u-sep"]; !c.covers(schemas.ConsentSeparate) || c.ID != "cs-1" {
			t.Errorf("u-sep = %+v", c)
		}
		if c := reg["u-gone"]; c.Withdrawn.IsZero() {
			t.Errorf("u-gone = %+v, want withdrawn", c)
		}
	}
	t.Run("jsonl", func(t *testing.T) {
		reg, err := LoadRegistryColumns(strings.NewReader(exportedJSONL), "r.jsonl", "training", exportedCols)
		if err != nil {
			t.Fatal(err)
		}
		check(t, reg)
		// without the map the same file is rejected, naming the column
		_, err = LoadRegistry(strings.NewReader(exportedJSONL), "r.jsonl", "training")
		if !errors.Is(err, ErrRegistry) || !strings.Contains(err.Error(), `line 1`) || !strings.Contains(err.Error(), `column "consent_kind"`) {
			t.Errorf("unmapped export: %v", err)
		}
	})
	t.Run("parquet", func(t *testing.T) {
		type exportedRow struct {
			PersonRef   string   `parquet:"person_ref"`
			Purposes    []string `parquet:"purposes,list"`
			ConsentKind string   `parquet:"consent_kind"`
			EvidenceRef string   `parquet:"evidence_ref,optional"`
			ConsentedOn string   `parquet:"consented_on,optional"`
			RevokedOn   string   `parquet:"revoked_on,optional"`
			Extra       int64    `parquet:"batch_no"`
		}
		var buf bytes.Buffer
		if err := parquet.Write(&buf, []exportedRow{
			{PersonRef: "u-sep", Purposes: []string{"training"}, ConsentKind: "separate", EvidenceRef: "cs-1", ConsentedOn: "2024-05-20"},
			{PersonRef: "u-gone", Purposes: []string{"training"}, ConsentKind: "general", ConsentedOn: "2024-01-01", RevokedOn: "2024-10-15"},
		}); err != nil {
			t.Fatal(err)
		}
		reg, err := LoadRegistryColumns(bytes.NewReader(buf.Bytes()), "r.parquet", "training", exportedCols)
		if err != nil {
			t.Fatal(err)
		}
		check(t, reg)
		// read without the map, the subject column is missing: an error
		// naming the row and the column, not a registry entry for ""
		_, err = LoadRegistry(bytes.NewReader(buf.Bytes()), "r.parquet", "training")
		if !errors.Is(err, ErrRegistry) || !strings.Contains(err.Error(), `row 1: invalid consent registry: column "subject_id" (subject_id) is empty or missing`) {
			t.Errorf("parquet export without the map: %v", err)
		}
	})
	for _, c := range []struct{ name, in, want string }{
		{"unknown column", `{"person_ref":"a","purposes":[],"consent_kind":"general","notes":"x"}`, `line 1: invalid consent registry: column "notes": unknown column`},
		{"wrong type", "\n" + `{"person_ref":"a","purposes":"training","consent_kind":"general"}`, `line 2: invalid consent registry: column "purposes" (scopes)`},
		{"bad date", `{"person_ref":"a","purposes":[],"consent_kind":"general","revoked_on":"last week"}`, `line 1 (subject key omitted): invalid consent registry: column "revoked_on" (withdrawn_at) is not a time`},
		{"no subject", `{"purposes":[],"consent_kind":"general"}`, `line 1: invalid consent registry: column "person_ref" (subject_id) is empty or missing`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadRegistryColumns(strings.NewReader(c.in), "r.jsonl", "training", exportedCols)
			if !errors.Is(err, ErrRegistry) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func FuzzLoadRegistryColumns(f *testing.F) {
	f.Add(exportedJSONL)
	f.Add(registryJSONL)
	f.Add("PAR1")
	f.Fuzz(func(t *testing.T, data string) {
		reg, err := LoadRegistryColumns(strings.NewReader(data), "fuzz", "training", exportedCols)
		if err == nil && reg == nil {
			t.Fatal("nil registry without error")
		}
		if err != nil && !errors.Is(err, ErrRegistry) {
			t.Fatalf("error %v does not wrap ErrRegistry", err)
		}
	})
}
