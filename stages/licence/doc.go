// Package licence is the IP-licence stage (docs/REQUIREMENTS.md §2: CN-IM-7.2,
// TC260-5.2-b2). It parses every record's and source's licence as an SPDX
// expression (schemas.ParseLicenceExpression; a Debian short name such as
// GPL-2+ is read by DebianLicence), maps each licence to a use class and
// conditions (schemas.LookupLicence), reads the licence evidence inside the
// content itself (Detect), and decides whether the dataset's intended use
// is allowed.
//
// Detect matches licence texts against the whole SPDX License List,
// embedded at build time (internal/spdxmatch: word trigrams after the SPDX
// Matching Guidelines' normalisation; the most specific variant present
// wins; a how-to-apply appendix is optional), reads SPDX-License-Identifier lines, License: fields (Debian DEP-5
// short names), licences named in words (GNU notices and abbreviations
// keep "or any later version": GPLv2+; a dual-licensing statement gives
// one OR expression), Creative Commons URLs and abbreviations, use notices (the
// table in notices.go: academic-only, non-commercial) and reservation
// notices. A one-pass anchor scan (each anchor looked up by its least
// frequent byte pair, eight positions per branch) lets texts without
// licence words skip every detector, and tells whether a text holds an
// SPDX tag or a Creative Commons URL; paragraphs around licence words (a comment block's
// paragraphs together) are matched, and their
// results cached by the paragraph without its copyright lines, so a header
// repeated across thousands of files is matched once. In a text over 1 KB
// the SPDX matcher runs only when a probe of the 512 bytes around some
// licence or copyright word looks like licence text (Index.Probe: most of
// the probe's word trigrams belong to a licence, or a short licence
// reaches its thresholds in it): prose that quotes a licence sentence
// ("This library is distributed in the hope that it will be useful") is
// not tokenised whole; a licence text with no licence or copyright word in
// it or within 256 bytes of it is then not found in a longer text. The
// probes of one text overlap: spdxmatch.Prober hashes each of their words
// once and rules most probes out from per-word counts, with Probe's
// answers.
// Windows are searched for licence phrases only when they hold a phrase's
// key word, and for Chinese use notices only where the first two
// characters of one start.
//
// The effective terms of a record are its record licence AND its source's
// licence AND the licences found in its text (most restrictive class, union
// of conditions; OR takes the most permissive option the policy accepts).
// Content evidence more restrictive than the declared licence is a conflict
// (TC260-5.2-b2), and so is an all-rights-reserved notice with no grant in
// a record declared under a licence; "All rights reserved" next to a grant
// is part of that licence. Records whose effective class the policy does
// not accept for the dataset's use are rejected or quarantined per policy;
// records whose licence asks for attribution carry it in
// Outcome.Attribution.
//
// Detect and DetectFiles are also the library behind `prov detect licence`.
package licence
