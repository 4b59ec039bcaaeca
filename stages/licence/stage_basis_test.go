package licence

import (
	"context"
	"testing"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// A record with no licence evidence from a source whose right to train
// rests on a contract is accepted; the same record from an open-source
// source without a licence is held; setting basis_channels to [] demands a
// licence from every source.
func TestBasisChannels(t *testing.T) {
	reg := &schemas.SourceRegistry{Sources: []schemas.Source{
		{ID: "vendor", Channel: schemas.ChannelCommercial, LegalBasis: "contract"},
		{ID: "oss", Channel: schemas.ChannelOpenSource, LegalBasis: "licence"},
	}}
	for _, tc := range []struct {
		name, source string
		basis        []string
		want         schemas.Verdict
	}{
		{"commercial default", "vendor", nil, schemas.Admit},
		{"open source without licence", "oss", nil, schemas.Quarantine},
		{"commercial when a licence is demanded", "vendor", []string{}, schemas.Quarantine},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pol := &schemas.Policy{ID: "p"}
			pol.Licence.BasisChannels = tc.basis
			pol.ApplyDefaults()
			if err := pol.Validate(); err != nil {
				t.Fatal(err)
			}
			s, err := New(context.Background(), stages.Env{Policy: pol, Sources: reg, Dataset: &schemas.DatasetConfig{Name: "d"}})
			if err != nil {
				t.Fatal(err)
			}
			var r schemas.Record
			r.Set(schemas.FieldText, "A plain paragraph of prose with no notice at all.")
			r.Source = tc.source
			var out stages.Outcome
			out.Reset()
			s.Check(&r, s.NewState(), &out)
			if out.Verdict != tc.want {
				t.Fatalf("verdict %v, want %v (findings %+v)", out.Verdict, tc.want, out.Findings)
			}
		})
	}
}
