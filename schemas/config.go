package schemas

import (
	"fmt"
	"strings"
)

// Config is the run configuration (`prov -c prov.yaml`). Every command finds
// its stores, ledger and keys through it. Relative paths are resolved against
// the directory of the config file by the loader. Secrets never appear here:
// S3 credentials come from PROV_S3_ACCESS_KEY / PROV_S3_SECRET_KEY, else
// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY. Key files (ledger signing key,
// subject-key secret) are files with restrictive modes, named here by path.
type Config struct {
	Version int `yaml:"version" json:"version"`

	// Input is the store the corpora are read from: file:///dir, a relative
	// directory, or s3://bucket[/prefix].
	Input string `yaml:"input" json:"input"`
	// Output is the store dataset versions are written to.
	Output string `yaml:"output" json:"output"`
	// S3 holds connection settings used for s3:// stores.
	S3 S3Config `yaml:"s3,omitempty" json:"s3,omitempty"`

	// Ledger is the ledger settings.
	Ledger LedgerConfig `yaml:"ledger" json:"ledger"`

	// Policy is the path of the policy file.
	Policy string `yaml:"policy" json:"policy"`
	// Sources is the path of the source registry file.
	Sources string `yaml:"sources" json:"sources"`

	// Work is a local directory for per-object results and resume state.
	// Default: <ledger.dir>/../work.
	Work string `yaml:"work,omitempty" json:"work,omitempty"`

	// SharedWork is a store URI (s3://bucket/prefix or a shared directory)
	// where shard runs publish their per-object segments so that `prov seal`
	// on another machine can merge them (Kubernetes Indexed Jobs). Empty:
	// segments stay in the local Work directory.
	SharedWork string `yaml:"shared_work,omitempty" json:"shared_work,omitempty"`

	// Workers is the default worker count (0 = number of CPUs).
	Workers int `yaml:"workers,omitempty" json:"workers,omitempty"`

	// Metrics configures operational metrics for batch jobs.
	Metrics MetricsConfig `yaml:"metrics,omitempty" json:"metrics,omitempty"`

	// EvaluationTime fixes "now" for every time-dependent decision of a run
	// (contract windows, consent and withdrawal dates, roster
	// qualification); `prov run --as-of` overrides it. Zero: the run's start.
	EvaluationTime Time `yaml:"evaluation_time,omitempty" json:"evaluation_time,omitzero"`

	Datasets []DatasetConfig `yaml:"datasets" json:"datasets"`

	// File is the path the configuration was loaded from (LoadConfig).
	File string `yaml:"-" json:"-"`
}

// S3Config is how to reach an S3-compatible server.
type S3Config struct {
	Endpoint string `yaml:"endpoint,omitempty" json:"endpoint,omitempty"` // host:port; default s3.amazonaws.com
	Region   string `yaml:"region,omitempty" json:"region,omitempty"`
	Insecure bool   `yaml:"insecure,omitempty" json:"insecure,omitempty"` // plain HTTP (test servers)
	// PathStyle forces path-style addressing (needed by most non-AWS servers).
	PathStyle bool `yaml:"path_style,omitempty" json:"path_style,omitempty"`
	// Retries caps attempts for a transient error (0 = default 5).
	Retries int `yaml:"retries,omitempty" json:"retries,omitempty"`
}

// LedgerConfig locates the ledger and its keys.
type LedgerConfig struct {
	Dir string `yaml:"dir" json:"dir"`
	// Origin is the log's name in checkpoints (C2SP origin line).
	Origin string `yaml:"origin" json:"origin"`
	// SigningKey is the note signer key file written by `prov keygen`.
	SigningKey string `yaml:"signing_key" json:"signing_key"`
	// PublicKey is the verifier key file written by `prov keygen`.
	PublicKey string `yaml:"public_key" json:"public_key"`
	// SubjectKey is the file holding the secret that keys subject hashes
	// (32 random bytes in hex, mode 0600; `openssl rand -hex 32`). Empty:
	// <dir>/subject.key, created with the ledger. Set it to one shared file
	// for sharded runs, so that every shard and the sealer compute the same
	// subject keys; a set file is only read and must exist.
	SubjectKey string `yaml:"subject_key,omitempty" json:"subject_key,omitempty"`
}

// MetricsConfig configures Prometheus metrics.
type MetricsConfig struct {
	Pushgateway string `yaml:"pushgateway,omitempty" json:"pushgateway,omitempty"`
	Textfile    string `yaml:"textfile,omitempty" json:"textfile,omitempty"`
}

// DatasetConfig is one dataset: which objects make it and how to read them.
type DatasetConfig struct {
	Name string `yaml:"name" json:"name"`
	// Version labels the dataset version. Empty: the first 16 hex digits of
	// a hash of the dataset digest, the policy and the inputs (README,
	// "Version label"), so identical content gives an identical version.
	Version string        `yaml:"version,omitempty" json:"version,omitempty"`
	Inputs  []InputConfig `yaml:"inputs" json:"inputs"`
	// Fields maps logical field names (text, id, url, licence, subject_id,
	// consent, labels, source, fetched_at, user_agent, language) to field
	// paths in the input (FieldSpec). Default: each logical name maps to
	// itself. Sources and inputs override it key by key.
	Fields map[string]FieldSpec `yaml:"fields,omitempty" json:"fields,omitempty"`
	// Shape is a preset field map (openai-chat, sharegpt, alpaca, dolma,
	// label-studio, doccano) that Fields overrides key by key.
	Shape string `yaml:"shape,omitempty" json:"shape,omitempty"`
	// Annotation maps the parts of an annotation that the record does not
	// keep as one labels object (AnnotationMap).
	Annotation *AnnotationMap `yaml:"annotation,omitempty" json:"annotation,omitempty"`
	// Use is the intended use checked against licences: commercial (default),
	// non-commercial or academic.
	Use string `yaml:"use,omitempty" json:"use,omitempty"`
}

// InputConfig selects objects of the input store.
type InputConfig struct {
	Prefix string `yaml:"prefix" json:"prefix"`
	// Format: jsonl, parquet, arrow, text or auto (default: by extension).
	Format string `yaml:"format,omitempty" json:"format,omitempty"`
	// Source is the source id of records from these objects that do not
	// name their source themselves.
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
	// MaxLine caps one JSONL line / text file in bytes (default 16 MiB).
	MaxLine int `yaml:"max_line,omitempty" json:"max_line,omitempty"`
	// Fields, Shape and Annotation override the dataset's and the source's
	// field map for these objects, key by key.
	Fields     map[string]FieldSpec `yaml:"fields,omitempty" json:"fields,omitempty"`
	Shape      string               `yaml:"shape,omitempty" json:"shape,omitempty"`
	Annotation *AnnotationMap       `yaml:"annotation,omitempty" json:"annotation,omitempty"`
}

// Formats accepted in InputConfig.Format.
var Formats = []string{"auto", "jsonl", "parquet", "arrow", "text"}

// FieldError is a validation error about one field, named by its YAML path
// (e.g. "datasets[1].inputs[0].format"). The loader adds file and line.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Validate checks c and returns the first problem as a *FieldError.
func (c *Config) Validate() error {
	if c.Version != 1 {
		return &FieldError{"version", fmt.Sprintf("must be 1, got %d", c.Version)}
	}
	if c.Input == "" {
		return &FieldError{"input", "is required"}
	}
	if c.Output == "" {
		return &FieldError{"output", "is required"}
	}
	if c.Ledger.Dir == "" {
		return &FieldError{"ledger.dir", "is required"}
	}
	if c.Policy == "" {
		return &FieldError{"policy", "is required"}
	}
	if c.Sources == "" {
		return &FieldError{"sources", "is required"}
	}
	if c.Workers < 0 {
		return &FieldError{"workers", "must not be negative"}
	}
	if len(c.Datasets) == 0 {
		return &FieldError{"datasets", "at least one dataset is required"}
	}
	seen := map[string]bool{}
	for i, d := range c.Datasets {
		p := fmt.Sprintf("datasets[%d]", i)
		if d.Name == "" || strings.ContainsAny(d.Name, "/@ \t") {
			return &FieldError{p + ".name", fmt.Sprintf("%q is not a dataset name (non-empty, no '/', '@' or spaces)", d.Name)}
		}
		if seen[d.Name] {
			return &FieldError{p + ".name", fmt.Sprintf("dataset %q is defined twice", d.Name)}
		}
		seen[d.Name] = true
		if strings.ContainsAny(d.Version, "/@ \t") {
			return &FieldError{p + ".version", fmt.Sprintf("%q is not a version label", d.Version)}
		}
		if len(d.Inputs) == 0 {
			return &FieldError{p + ".inputs", "at least one input is required"}
		}
		for j, in := range d.Inputs {
			q := fmt.Sprintf("%s.inputs[%d]", p, j)
			if in.Format != "" && !contains(Formats, in.Format) {
				return &FieldError{q + ".format", fmt.Sprintf("%q is not one of %s", in.Format, strings.Join(Formats, ", "))}
			}
			if in.MaxLine < 0 {
				return &FieldError{q + ".max_line", "must not be negative"}
			}
			if err := validateFieldLayer(q, in.Shape, in.Fields, in.Annotation); err != nil {
				return err
			}
		}
		if err := validateFieldLayer(p, d.Shape, d.Fields, d.Annotation); err != nil {
			return err
		}
		switch d.Use {
		case "", "commercial", "non-commercial", "academic":
		default:
			return &FieldError{p + ".use", fmt.Sprintf("%q is not commercial, non-commercial or academic", d.Use)}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
