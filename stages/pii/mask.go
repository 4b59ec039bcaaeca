package pii

import "strings"

// MaskKeyLen is how many hex digits of a subject key Mask shows.
const MaskKeyLen = 16

// Mask returns s with every identifier Detect finds replaced by its
// keyed-hash form "[TYPE:h]", h the first MaskKeyLen hex digits of
// key(kind, normalised value) (the ledger's subject key: equal identifiers
// give equal forms, and nobody without the ledger secret can go back), and
// the entities it replaced. subject, when at least 3 bytes long, is a
// record's subject id: its occurrences become "[SUBJECT_ID:h]" too (it
// identifies a person even when it does not look like an identifier).
// Text without either is returned as is.
func Mask(s, subject string, key func(kind, value string) string) (string, []Entity) {
	return Detector{}.Mask(s, subject, key)
}

// ScrubMinScore is the MinScore of the detector that scrubs text prov
// writes itself (finding messages, rule lines, metric dimensions): there a
// false positive only masks a harmless number, while a value the context
// words talked down ("batch 13912345678") would leak.
const ScrubMinScore = 0.05

// Mask is the package-level Mask with d's score threshold.
func (d Detector) Mask(s, subject string, key func(kind, value string) string) (string, []Entity) {
	ents := d.Detect(s, nil)
	return maskSpans(s, ents, subject, key), ents
}

// Redact returns s with every identifier Detect finds replaced by its type
// in brackets ("call [PHONE]"), as the certified copy of a redacted record
// shows it, and subject (when at least 3 bytes long) by "[SUBJECT_ID]".
func Redact(s, subject string) string {
	s = redactSpans(s, Detect(s))
	if len(subject) >= 3 {
		s = strings.ReplaceAll(s, subject, "[SUBJECT_ID]")
	}
	return s
}

func shortKey(k string) string {
	if len(k) > MaskKeyLen {
		return k[:MaskKeyLen]
	}
	return k
}

// redactSpans replaces the entities of s (sorted, non-overlapping) by
// their type in brackets.
func redactSpans(s string, ents []Entity) string {
	if len(ents) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, e := range ents {
		b.WriteString(s[last:e.Start])
		b.WriteString("[" + e.Type + "]")
		last = e.End
	}
	b.WriteString(s[last:])
	return b.String()
}
