// Package serve is prov's lineage API and web page (`prov serve`).
//
// # Contract
//
// Handler answers JSON under /api/v1/ from the same query library as
// `prov lineage` (lineage.View) and from the sealed versions' files in the
// output store (manifest.json, findings.parquet, metrics.parquet). It
// writes only through the OpenLineage intake: with Config.Intake (the
// caller opens the ledger writable), POST /api/v1/lineage takes one
// OpenLineage 2-0-2 RunEvent per request, validates it with its facets
// (package schemas/openlineage), records it with
// lineage.Ledger.RecordRunEvent and publishes a checkpoint. The intake
// always needs the bearer token, loopback or not; bodies over
// Config.MaxEvent get 413, invalid events 400 naming the JSON pointer.
// /api/v1/models lists the outputs of recorded training runs and
// /api/v1/models/{name} the chain behind one (runs, dataset versions,
// sources, certificate status).
//
//   - Every GET query endpoint takes as_of (a tree size, an RFC 3339 time or
//     YYYY-MM-DD) and answers as the ledger stood then.
//   - Every GET answer carries a strong ETag (a hash of the body); a request
//     whose If-None-Match names it gets 304 Not Modified.
//   - Subject lookups are POST only: the identifier travels in the JSON body,
//     is normalised and keyed-hashed (lineage.Ledger.SubjectKey) on the
//     server, and never appears in a URL, a log line or an answer.
//   - Certificate bundles posted to /api/v1/verify are verified in Go by
//     package certificate (levels 1 and 2, plus the ledger's revocation
//     status); the web page never re-implements verification.
//   - With a bearer token configured, every /api/ request must carry it;
//     CheckAddr refuses a non-loopback listen address without one.
//   - Request bodies are capped (MaxBytesReader) and NewHTTPServer sets read,
//     write and idle timeouts.
//
// The OpenAPI 3.1 description of the routes is served at /openapi.json; the
// web page (plain HTML, CSS and JavaScript modules embedded with embed) at /.
package serve
