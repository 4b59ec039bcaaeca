package schemas

import "time"

// Acquisition channels of a source (CN-IM-7.1).
const (
	ChannelOpenSource    = "open_source"
	ChannelSelfCollected = "self_collected"
	ChannelCommercial    = "commercial"
	ChannelUserInput     = "user_input"
	ChannelSynthetic     = "synthetic"
)

// Channels lists the valid acquisition channels.
var Channels = []string{ChannelOpenSource, ChannelSelfCollected, ChannelCommercial, ChannelUserInput, ChannelSynthetic}

// SourceRegistry is the sources file: every place training data comes from,
// with the evidence its acquisition channel needs (TC260-5.1-c1..c4).
type SourceRegistry struct {
	Sources []Source `yaml:"sources" json:"sources"`
}

// Source is one registered source.
type Source struct {
	ID         string   `yaml:"id" json:"id"`
	Name       string   `yaml:"name,omitempty" json:"name,omitempty"`
	Channel    string   `yaml:"channel" json:"channel"`
	LegalBasis string   `yaml:"legal_basis" json:"legal_basis"`           // e.g. licence, contract, consent, public-interest
	Origin     string   `yaml:"origin,omitempty" json:"origin,omitempty"` // domestic | foreign
	Languages  []string `yaml:"languages,omitempty" json:"languages,omitempty"`
	Modality   string   `yaml:"modality,omitempty" json:"modality,omitempty"`   // text (default) | code | image | audio | video
	WorkType   string   `yaml:"work_type,omitempty" json:"work_type,omitempty"` // literary | artistic | scientific | code | other

	// Prefixes of object keys (relative to the input store) whose records
	// belong to this source unless the input names a source or the record
	// names its source itself; the longest matching prefix wins.
	Prefixes []string `yaml:"prefixes,omitempty" json:"prefixes,omitempty"`

	// Fields, Shape and Annotation give the field map of this source's
	// objects: they override the dataset's key by key, and an input's own
	// map overrides them (see DatasetConfig.ReadMap).
	Fields     map[string]FieldSpec `yaml:"fields,omitempty" json:"fields,omitempty"`
	Shape      string               `yaml:"shape,omitempty" json:"shape,omitempty"`
	Annotation *AnnotationMap       `yaml:"annotation,omitempty" json:"annotation,omitempty"`

	// open_source
	Licence         string `yaml:"licence,omitempty" json:"licence,omitempty"`                   // SPDX expression
	LicenceEvidence string `yaml:"licence_evidence,omitempty" json:"licence_evidence,omitempty"` // URI or sha256 of the licence file

	// self_collected
	Crawler *Crawler `yaml:"crawler,omitempty" json:"crawler,omitempty"`

	// commercial
	Contract *Contract `yaml:"contract,omitempty" json:"contract,omitempty"`

	// user_input
	Authorisation string `yaml:"authorisation,omitempty" json:"authorisation,omitempty"` // reference to the user-authorisation records

	// synthetic
	Generator string `yaml:"generator,omitempty" json:"generator,omitempty"` // generator model id

	// Source-level lawful basis for personal information in this source
	// (e.g. "public-disclosure", "contract"); empty means none.
	PIBasis string `yaml:"pi_basis,omitempty" json:"pi_basis,omitempty"`
}

// Crawler is the collection record of a self-collected source.
type Crawler struct {
	UserAgent string    `yaml:"user_agent" json:"user_agent"`
	From      time.Time `yaml:"from" json:"from"`
	To        time.Time `yaml:"to" json:"to"`
	// Records is where the collection records live (store URI or prefix).
	Records string `yaml:"records" json:"records"`
	// Signals is the prefix in the input store holding the opt-out evidence
	// snapshots of the crawl (robots.txt, tdmrep.json, headers, meta).
	Signals string `yaml:"signals,omitempty" json:"signals,omitempty"`
}

// Contract is the contract behind a commercial source.
type Contract struct {
	ID              string    `yaml:"id" json:"id"`
	Counterparty    string    `yaml:"counterparty" json:"counterparty"`
	ValidFrom       time.Time `yaml:"valid_from" json:"valid_from"`
	ValidTo         time.Time `yaml:"valid_to" json:"valid_to"`
	PermitsTraining bool      `yaml:"permits_training" json:"permits_training"`
	Commitments     []string  `yaml:"commitments,omitempty" json:"commitments,omitempty"` // supplier commitments on source, quality, safety
	ReviewedBy      string    `yaml:"reviewed_by,omitempty" json:"reviewed_by,omitempty"`
	ReviewedAt      time.Time `yaml:"reviewed_at,omitempty" json:"reviewed_at,omitempty"`
}

// Lookup returns the source with the given id, or nil.
func (r *SourceRegistry) Lookup(id string) *Source {
	if r == nil {
		return nil
	}
	for i := range r.Sources {
		if r.Sources[i].ID == id {
			return &r.Sources[i]
		}
	}
	return nil
}
