// Package export turns a sealed dataset version into the standard documents
// others read, and draws and records the human review samples the rules ask
// for:
//
//   - OpenLineage 2-0-2 RunEvents (OpenLineage): a START and a COMPLETE or
//     FAIL event per run the ledger records for the version, with the input
//     objects (named per the OpenLineage naming spec: namespace s3://bucket or
//     file, name the key or path), the version folder as output, and the
//     standard facets schema, dataSource, version and dataQualityMetrics plus
//     prov's own facets for licences, consent / personal information and the
//     certificate (JSON Schema in schemas/prov-facets-1-0-0.json). Every
//     event validates against the official OpenLineage JSON Schemas.
//   - A Croissant 1.1 JSON-LD card (Croissant) with the Responsible-AI (RAI)
//     fields filled from what the manifest, the source registry and the
//     metrics say, and a sha256 on every FileObject.
//   - The EU public summary of training content (BuildSummary), sections 1-3
//     of the Commission template, rendered as Markdown or JSON from one
//     struct.
//   - The whole-corpus manual assessment sample (TC260-9.2-a) and the
//     annotation spot-check sample (CN-IM-8.2) for reviewers, re-read from the
//     input store (DrawSample, DrawAnnotationSample), and the import of the
//     reviewers' verdicts (ParseVerdicts, Assess) into an AssessmentImported
//     ledger entry.
//
// Exports are pure functions of a Version (the manifest, metrics, source
// registry, policy, dataset configuration and what the ledger says about the
// version), so they are deterministic for a given ledger state and testable
// without a store. Personal information never appears in an export: PI is
// described by type and counts only. The review sample is the one place
// record text leaves the store, into a file meant for reviewers; it is never
// logged.
package export
