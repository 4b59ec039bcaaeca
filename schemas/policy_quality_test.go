package schemas

import (
	"errors"
	"strings"
	"testing"
)

func TestQualityPolicyYAML(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		wantErr    string // substring; "" = valid
		check      func(t *testing.T, p *Policy)
	}{
		{"defaults", "id: p\nquality: {}\n", "", func(t *testing.T, p *Policy) {
			q := p.Quality
			if q.NearDupThreshold != 0.8 || q.SampleSize != 16384 || q.LanguageSampleSize != 1024 || q.MaxExactDupRate != nil {
				t.Errorf("defaults: %+v", q)
			}
		}},
		{"scalar and mapping limits", "id: p\nquality:\n  max_empty_rate: 0.01\n  max_exact_dup_rate: {value: 0.05, gate: true}\n  min_language_share: {zh: {value: 0.3, gate: true}}\n  min_completeness: {url: 0.5}\n", "", func(t *testing.T, p *Policy) {
			q := p.Quality
			if q.MaxEmptyRate == nil || q.MaxEmptyRate.Value != 0.01 || q.MaxEmptyRate.Gate {
				t.Errorf("max_empty_rate %+v", q.MaxEmptyRate)
			}
			if l := q.Limit("max_exact_dup_rate"); l == nil || l.Value != 0.05 || !l.Gate {
				t.Errorf("max_exact_dup_rate %+v", l)
			}
			if l := q.MinLanguageShare["zh"]; l.Value != 0.3 || !l.Gate {
				t.Errorf("min_language_share %+v", l)
			}
		}},
		{"unknown key in limit", "id: p\nquality:\n  max_empty_rate: {value: 0.1, gates: true}\n", "gates", nil},
		{"unknown quality key", "id: p\nquality:\n  max_empty: 0.1\n", "max_empty", nil},
		{"rate above one", "id: p\nquality:\n  max_empty_rate: 1.5\n", "quality.max_empty_rate.value", nil},
		{"unknown field", "id: p\nquality:\n  min_completeness: {uri: 0.5}\n", "quality.min_completeness.uri", nil},
		{"bad threshold", "id: p\nquality:\n  near_dup_threshold: 1.2\n", "quality.near_dup_threshold", nil},
		{"limit without value", "id: p\nquality:\n  max_empty_rate: {gate: true}\n", "needs a value", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Policy
			err := Decode("policy.yaml", []byte(tc.yaml), &p)
			if err == nil {
				p.ApplyDefaults()
				err = p.Validate()
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, &p)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
			}
			var ce *ConfigError
			var fe *FieldError
			if !errors.As(err, &ce) && !errors.As(err, &fe) {
				t.Errorf("err %T is neither a ConfigError nor a FieldError", err)
			}
		})
	}
}
