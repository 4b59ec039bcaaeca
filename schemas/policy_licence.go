package schemas

import (
	"fmt"
	"sort"
	"strings"
)

// LicencePolicy is the `licence` section of the policy file (stage licence,
// CN-IM-7.2 and TC260-5.2-b2). The zero value is the default policy.
type LicencePolicy struct {
	// Accept maps a dataset's intended use (commercial, non-commercial,
	// academic: DatasetConfig.Use) to the use classes it accepts. Default:
	// commercial → [commercial]; non-commercial → [commercial,
	// non-commercial]; academic → [commercial, non-commercial, academic-only].
	// A use missing from a non-empty map gets its default.
	Accept map[string][]string `yaml:"accept,omitempty" json:"accept"`

	// OnUnaccepted is the verdict for a record whose effective class the
	// intended use does not accept: reject (default) or quarantine.
	OnUnaccepted string `yaml:"on_unaccepted,omitempty" json:"on_unaccepted"`
	// OnUnspecified is the verdict for a record with no licence at all
	// (class unspecified), when unspecified is not accepted: quarantine
	// (default, for review) or reject.
	OnUnspecified string `yaml:"on_unspecified,omitempty" json:"on_unspecified"`
	// OnConflict is the verdict for a record whose content carries licence
	// evidence more restrictive than its declared licence (TC260-5.2-b2):
	// quarantine (default), reject, or admit (finding only).
	OnConflict string `yaml:"on_conflict,omitempty" json:"on_conflict"`

	// ReviewWorkTypes are the source work types routed to review
	// (TC260-5.2-b2). Default: literary, artistic, scientific.
	ReviewWorkTypes []string `yaml:"review_work_types,omitempty" json:"review_work_types"`
	// OnReviewWorkType is what happens to their records: finding (default:
	// one finding per source, records admitted) or quarantine (each record).
	OnReviewWorkType string `yaml:"on_review_work_type,omitempty" json:"on_review_work_type"`

	// BasisChannels are the acquisition channels whose right to train does
	// not rest on a licence: a contract (commercial), the user's consent
	// (user_input), own generation (synthetic) or the text-and-data-mining
	// exception with opt-outs honoured (self_collected). A record from such
	// a source that carries no licence evidence at all is accepted here; the
	// legality stage checks its basis (TC260-5.1-c2..c4). Licence evidence
	// found in its content is still checked. Default: those four channels;
	// set to [] to demand a licence from every source.
	BasisChannels []string `yaml:"basis_channels,omitempty" json:"basis_channels"`

	// Classes overrides the use class of licence ids, e.g.
	// LicenseRef-ImageNet: academic-only.
	Classes map[string]string `yaml:"classes,omitempty" json:"classes,omitempty"`

	// NoDerivatives is the use class of no-derivatives licences (CC *-ND,
	// any licence with the N flag) unless Classes names the id: a trained
	// model is an adaptation they forbid sharing. Default: unspecified
	// (not acceptable for training under any intended use).
	NoDerivatives string `yaml:"no_derivatives,omitempty" json:"no_derivatives"`

	// ScanBytes caps the bytes of each record's text searched for licence
	// evidence (default 1 MiB; the head of the text holds headers).
	ScanBytes int `yaml:"scan_bytes,omitempty" json:"scan_bytes"`
}

// Intended uses of a dataset (DatasetConfig.Use).
const (
	UseCommercial    = "commercial"
	UseNonCommercial = "non-commercial"
	UseAcademic      = "academic"
)

var defaultAccept = map[string][]string{
	UseCommercial:    {"commercial"},
	UseNonCommercial: {"commercial", "non-commercial"},
	UseAcademic:      {"commercial", "non-commercial", "academic-only"},
}

func (p *LicencePolicy) defaults() {
	if p.Accept == nil {
		p.Accept = map[string][]string{}
	}
	for use, classes := range defaultAccept {
		if _, ok := p.Accept[use]; !ok {
			p.Accept[use] = append([]string(nil), classes...)
		}
	}
	if p.OnUnaccepted == "" {
		p.OnUnaccepted = "reject"
	}
	if p.OnUnspecified == "" {
		p.OnUnspecified = "quarantine"
	}
	if p.BasisChannels == nil {
		p.BasisChannels = []string{ChannelCommercial, ChannelUserInput, ChannelSynthetic, ChannelSelfCollected}
	}
	if p.OnConflict == "" {
		p.OnConflict = "quarantine"
	}
	if p.ReviewWorkTypes == nil {
		p.ReviewWorkTypes = []string{"literary", "artistic", "scientific"}
	}
	if p.OnReviewWorkType == "" {
		p.OnReviewWorkType = "finding"
	}
	if p.ScanBytes == 0 {
		p.ScanBytes = 1 << 20
	}
	if p.NoDerivatives == "" {
		p.NoDerivatives = DefaultNoDerivativesClass.String()
	}
}

func (p *LicencePolicy) validate(path string) error {
	for i, c := range p.BasisChannels {
		if !contains(Channels, c) {
			return &FieldError{fmt.Sprintf("%s.basis_channels[%d]", path, i), fmt.Sprintf("%q is not one of %s", c, strings.Join(Channels, ", "))}
		}
	}
	uses := make([]string, 0, len(p.Accept))
	for use := range p.Accept {
		uses = append(uses, use)
	}
	sort.Strings(uses)
	for _, use := range uses {
		if _, ok := defaultAccept[use]; !ok {
			return &FieldError{path + ".accept." + use, fmt.Sprintf("%q is not an intended use (commercial, non-commercial, academic)", use)}
		}
		for i, c := range p.Accept[use] {
			if _, err := ParseUseClass(c); err != nil {
				return &FieldError{fmt.Sprintf("%s.accept.%s[%d]", path, use, i), fmt.Sprintf("%q is not a use class (%s)", c, strings.Join(UseClassNames(), ", "))}
			}
		}
	}
	for _, f := range []struct {
		name, v string
		ok      []string
	}{
		{"on_unaccepted", p.OnUnaccepted, []string{"reject", "quarantine"}},
		{"on_unspecified", p.OnUnspecified, []string{"reject", "quarantine"}},
		{"on_conflict", p.OnConflict, []string{"reject", "quarantine", "admit"}},
		{"on_review_work_type", p.OnReviewWorkType, []string{"finding", "quarantine"}},
	} {
		if !contains(f.ok, f.v) {
			return &FieldError{path + "." + f.name, fmt.Sprintf("%q is not one of %s", f.v, strings.Join(f.ok, ", "))}
		}
	}
	for i, w := range p.ReviewWorkTypes {
		switch w {
		case "literary", "artistic", "scientific", "code", "other":
		default:
			return &FieldError{fmt.Sprintf("%s.review_work_types[%d]", path, i), fmt.Sprintf("%q is not a work type (literary, artistic, scientific, code, other)", w)}
		}
	}
	ids := make([]string, 0, len(p.Classes))
	for id := range p.Classes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if _, err := ParseUseClass(p.Classes[id]); err != nil {
			return &FieldError{path + ".classes." + id, fmt.Sprintf("%q is not a use class (%s)", p.Classes[id], strings.Join(UseClassNames(), ", "))}
		}
	}
	if p.NoDerivatives != "" {
		if _, err := ParseUseClass(p.NoDerivatives); err != nil {
			return &FieldError{path + ".no_derivatives", fmt.Sprintf("%q is not a use class (%s)", p.NoDerivatives, strings.Join(UseClassNames(), ", "))}
		}
	}
	if p.ScanBytes < 0 {
		return &FieldError{path + ".scan_bytes", "must not be negative"}
	}
	return nil
}

// AcceptedClasses returns the use classes the intended use accepts ("" is
// commercial). Call after ApplyDefaults.
func (p *LicencePolicy) AcceptedClasses(use string) []UseClass {
	if use == "" {
		use = UseCommercial
	}
	names, ok := p.Accept[use]
	if !ok {
		names = defaultAccept[use]
	}
	var out []UseClass
	for _, n := range names {
		if c, err := ParseUseClass(n); err == nil {
			out = append(out, c)
		}
	}
	return out
}

// ClassOverrides returns Classes parsed (invalid entries, rejected by
// validation, are skipped), and the no-derivatives class under
// NoDerivativesKey when NoDerivatives is set.
func (p *LicencePolicy) ClassOverrides() map[string]UseClass {
	out := make(map[string]UseClass, len(p.Classes)+1)
	for id, n := range p.Classes {
		if c, err := ParseUseClass(n); err == nil {
			out[id] = c
		}
	}
	if c, err := ParseUseClass(p.NoDerivatives); err == nil {
		out[NoDerivativesKey] = c
	}
	return out
}
