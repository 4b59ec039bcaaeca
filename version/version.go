// Package version owns a sealed dataset version's files: their names and
// layout in the output store, and reading and writing the manifest,
// findings and metrics. The pipeline writes a version through it; the
// certificate issuer, `prov serve`, the exports and `prov show` read it
// through it. It imports only schemas and objstore, so every layer may use
// it.
//
// A version lives under "<dataset>/<version>/" of the output store:
//
//	manifest.json          the manifest (schemas.Manifest), the certificate's subject;
//	                       it binds findings, metrics and duplicates.parquet by sha256
//	findings.parquet       one row per finding (schemas.Finding)
//	metrics.parquet        one row per metric (schemas.Metric)
//	duplicates.parquet     one row per member of a duplicate cluster (schemas.Duplicate)
//	certificate.dsse.json  the signed certificate (DSSE envelope)
//	proof.json             the ledger inclusion proof of the certificate
//	pubkey.pem             the public key that verifies both
//	openlineage.jsonl      reserved for the OpenLineage export
//	croissant.json         reserved for the Croissant card
//	records/               reserved for the certified records (records/part-*.parquet)
package version

// File names under a version's folder.
const (
	Manifest    = "manifest.json"
	Findings    = "findings.parquet"
	Metrics     = "metrics.parquet"
	Duplicates  = "duplicates.parquet"
	Envelope    = "certificate.dsse.json"
	Proof       = "proof.json"
	PubKey      = "pubkey.pem"
	OpenLineage = "openlineage.jsonl"
	Croissant   = "croissant.json"
	RecordsDir  = "records/"
)

// BundleFiles are the files of a certificate bundle: what `prov cert
// verify` reads from a folder and what `prov serve` hands out.
var BundleFiles = []string{Envelope, Proof, Manifest, PubKey}

// Prefix is the folder of a version in the output store:
// "<dataset>/<version>/".
func Prefix(dataset, version string) string { return dataset + "/" + version + "/" }

// Key is the key of one file of a version.
func Key(dataset, version, name string) string { return Prefix(dataset, version) + name }
