// Package licence is the IP-licence stage (REQUIREMENTS.md §2: CN-IM-7.2,
// TC260-5.2-b2). It parses every record's and source's licence as an SPDX
// expression (schemas.ParseLicenceExpression), maps each licence to a use
// class and conditions (schemas.LookupLicence), reads the licence evidence
// inside the content itself (Detect), and decides whether the dataset's
// intended use is allowed.
//
// The effective terms of a record are its record licence AND its source's
// licence AND the licences found in its text (most restrictive class, union
// of conditions; OR takes the most permissive option the policy accepts).
// Content evidence more restrictive than the declared licence is a conflict
// (TC260-5.2-b2). Records whose effective class the policy does not accept
// for the dataset's use are rejected or quarantined per policy; records
// whose licence asks for attribution carry it in Outcome.Attribution.
//
// Detect is also the library behind `prov detect licence`.
package licence
