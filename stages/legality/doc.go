// Package legality is the source-legality stage (docs/REQUIREMENTS.md §1): it
// checks that every record comes from a registered source with the evidence
// its acquisition channel needs, that self-collected web records were not
// opted out of collection or text-and-data mining at their fetch time, that
// commercial records fall inside a valid training contract, that no blocked
// source or domain contributes, and it samples every source for harmful
// content and measures whole-corpus assessment and source diversity.
//
// Rules and what the stage does about them:
//
//   - CN-IM-7.1: a record with no registered source is rejected; a source
//     with no legal basis (or a synthetic source with no generator) holds its
//     records with the policy's missing-evidence verdict.
//   - TC260-5.1-c1..c4: channel evidence (licence and licence evidence; url,
//     fetch time and crawler user agent per record; contract id, window,
//     permits_training, commitments and review sign-off; user authorisation).
//     Missing evidence is a finding with the missing-evidence verdict
//     (quarantine by default); a violation (robots.txt disallow, a record
//     fetched outside its contract window, permits_training false, consent
//     refused) rejects the record.
//   - EU-53.1c / DSM-4.3: robots.txt groups of AI crawlers, TDMRep
//     (/.well-known/tdmrep.json < tdm-reservation header < HTML meta) and
//     noai / noimageai directives (robots meta, X-Robots-Tag) reject.
//   - TC260-5.1-a3: blocked sources and registrable domains reject.
//   - TC260-5.1-a: a seeded bottom-k sample per source, scored with the
//     policy's keyword lists (Aho-Corasick); a source above the threshold
//     is blocked in Conclude.
//   - TC260-9.2-b: the automated keyword pass rate over the corpus.
//   - TC260-5.1-b: distinct sources per (language, modality) and the
//     domestic/foreign share.
//
// Opt-out snapshots are read once, when the stage is built, from the
// source's crawler.signals prefix of the input store, laid out as
//
//	<signals>/<host>/<date>/robots.txt     robots.txt body as fetched
//	<signals>/<host>/<date>/robots.status  optional HTTP status of that fetch
//	<signals>/<host>/<date>/tdmrep.json    /.well-known/tdmrep.json body
//	<signals>/<host>/<date>/pages.jsonl    per page: {"path", "headers", "meta"}
//
// where <date> is an RFC 3339 time or a YYYY-MM-DD day (UTC midnight). A
// record fetched at time t is judged by the latest snapshot of its host
// taken at or before t.
package legality
