// Package pii is the personal-information stage: it finds personal
// information in record text, decides per record whether the consent or
// legal basis on file covers it (docs/REQUIREMENTS.md §3: CN-IM-7.3 / PIPL-13,
// PIPL-28/29, PIPL-31, PIPL-15/47, CN-IM-11), and never lets what it found
// out in clear.
//
// # Detection
//
// Detect scans a text once, byte by byte. Only three byte classes start
// work: a digit run (resident IDs, phones, cards, SSNs, IPv4, and the
// alphanumeric IBAN, USCC, HK/TW ID and passport forms around it), '@'
// (e-mail) and ':' (IPv6). Every candidate is validated (check digits,
// calendar dates, issuer ranges, country lengths) before it is reported,
// and context words nearby (身份证, 手机, tel, SSN, 订单, version ...)
// raise or lower its score. Chinese text has no spaces, so a number glued to
// CJK characters is found, while a digit run inside a longer digit run (or
// a decimal, version, UUID or date) is not.
//
// Offsets are byte offsets into the UTF-8 text; results are sorted and
// non-overlapping.
//
// # Stage
//
// New builds the Stage from the policy's pii section. For each record it
// resolves consent (record field, consent registry, source-level basis),
// applies the per-type action of the policy to PI the consent does not
// cover, rejects records whose subject withdrew consent, and emits findings
// citing rule ID, type, offsets and the keyed subject hash only.
package pii
