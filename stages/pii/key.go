package pii

import (
	"slices"
	"strings"
)

// Object keys are not prose. The detector's context words read "batch" or
// "part" before a number as a reason to doubt it, and its token rules treat
// a number glued to letters, '_' or a file extension (id13912345678x,
// u_13912345678.jsonl, 11010519491231002x.jsonl) as part of a code
// identifier. Neither holds for a key, where a person's phone number is
// often exactly such a glued token. The scrub threshold cannot stand in
// either: it masks zero-padded counters (part-000000123) as passports.
//
// DetectKey therefore adds, to what the detector finds at its default
// threshold, candidates found per path segment with validators only, no
// context words:
//
//   - every maximal digit run, delimited by anything that is not a digit
//     (letters included), of exactly 11 digits that is a mainland mobile
//     number (operator prefix), 13 digits "86"+mobile, 15 digits
//     "0086"+mobile, 18 characters (17 digits and a digit, 'X' or 'x') that
//     are a resident ID (province, birth date, check character), or 13-19
//     digits that are a payment card (IIN, Luhn);
//   - runs of all-digit words joined by single ' ', '-' or '.' separators
//     (139-1234-5678, 0086 139 1234 5678) whose concatenation is one of the
//     above; every group has at least three digits, except a leading 86 /
//     0086 country code;
//   - a passport-shaped word (one or two capitals and 7-8 digits) when the
//     key says "passport" (or 护照 / huzhao) somewhere;
//   - an e-mail address glued to a file extension keeps the extension
//     outside the mask (zhao.liu@example.com.jsonl → [EMAIL:h].jsonl).
//
// Words that are hex digests (16 or more hex digits with at least one
// letter a-f, so a sha256 or a run id) and UUIDs are skipped, so counters
// padded with zeros, ISO dates (2024-01-01, 20240101), millisecond
// timestamps (13 digits starting with 1 are not a card), hex digests and
// UUIDs stay as they are. An 11-digit counter that starts with a mobile
// prefix (13-19) is masked: it cannot be told from a phone number.

// DetectKey finds the identifiers in an object key (see above). The result
// is sorted by Start and non-overlapping; offsets are byte offsets into key.
func DetectKey(key string) []Entity {
	return detectKey(key, DefaultMinScore)
}

// detectKey is DetectKey with the detector's threshold min.
func detectKey(key string, min float64) []Entity {
	s, off := key, []int(nil)
	if foldNeeded(key) {
		s, off = fold(key)
	}
	ents := Detector{MinScore: min}.Detect(s, nil)
	for i := range ents {
		if ents[i].Type == TypeEmail {
			ents[i].End = trimFileExt(s, ents[i].Start, ents[i].End)
		}
	}
	// Every key candidate but a passport is a digit string of at least 11
	// digits: a digit run, or all-digit words joined by single ' ', '-'
	// or '.' separators (see keySegment). Digit runs joined that way,
	// whatever surrounds them, bound both from above: a text whose
	// longest such chain is shorter holds no candidate. A passport needs
	// 7 digits and the word.
	nd, chain := keyDigits(s)
	passport := nd >= 7 && hasPassportWord(s)
	if chain < 11 && !passport {
		return mapBack(resolveKey(ents), off)
	}
	for start := 0; start <= len(s); {
		end := strings.IndexByte(s[start:], '/')
		if end < 0 {
			end = len(s)
		} else {
			end += start
		}
		ents = keySegment(s, start, end, passport, ents)
		start = end + 1
	}
	return mapBack(resolveKey(ents), off)
}

// keyDigits returns the digits of s and the most digits of one chain of
// digit runs joined by single ' ', '-' or '.' bytes: an upper bound on the
// length of every digit string keySegment validates (a digit run inside a
// word, or the concatenated groups of all-digit words joined by one
// separator).
func keyDigits(s string) (digits, longest int) {
	chain := 0
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		digits += j - i
		chain += j - i
		longest = max(longest, chain)
		// The chain goes on only through one separator and a digit.
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-' || s[j] == '.') && isDigit(s[j+1]) {
			i = j + 1
			continue
		}
		chain = 0
		i = j
	}
	return digits, longest
}

// mapBack maps entity offsets in the folded text back to the original.
func mapBack(ents []Entity, off []int) []Entity {
	if off != nil {
		for i := range ents {
			ents[i].Start, ents[i].End = off[ents[i].Start], off[ents[i].End]
		}
	}
	return ents
}

// MaskKey returns key with every identifier DetectKey finds replaced by its
// keyed-hash form "[TYPE:h]" (as Mask writes it), and the entities it
// replaced. A key without identifiers is returned as is.
func MaskKey(key string, kf func(kind, value string) string) (string, []Entity) {
	ents := DetectKey(key)
	return maskSpans(key, ents, "", kf), ents
}

// ScrubMask masks text prov writes itself from values it saw (finding
// messages and evidence, attributions that quote a record id, rule lines):
// what Detector{MinScore: ScrubMinScore}.Mask masks, plus the key rule's
// candidates (DetectKey), since such text quotes identifiers the way keys
// hold them (item: u13912345678). A false positive there only masks a
// harmless number. subject is as for Mask.
func ScrubMask(s, subject string, kf func(kind, value string) string) (string, []Entity) {
	ents := detectKey(s, ScrubMinScore)
	return maskSpans(s, ents, subject, kf), ents
}

// maskSpans replaces the entities of s (sorted, non-overlapping) and the
// subject id (at least 3 bytes) as Mask does.
func maskSpans(s string, ents []Entity, subject string, kf func(kind, value string) string) string {
	hasSub := len(subject) >= 3 && strings.Contains(s, subject)
	if len(ents) == 0 && !hasSub {
		return s
	}
	var b strings.Builder
	last := 0
	for _, e := range ents {
		b.WriteString(s[last:e.Start])
		kind, norm := Normalise(e.Type, s[e.Start:e.End])
		if kind == "" {
			b.WriteString("[" + e.Type + "]")
		} else {
			b.WriteString("[" + e.Type + ":" + shortKey(kf(kind, norm)) + "]")
		}
		last = e.End
	}
	b.WriteString(s[last:])
	out := b.String()
	if hasSub {
		out = strings.ReplaceAll(out, subject, "[SUBJECT_ID:"+shortKey(kf("subject_id", subject))+"]")
	}
	return out
}

// keySegment appends the candidates of the path segment s[a:b] to ents.
func keySegment(s string, a, b int, passport bool, ents []Entity) []Entity {
	seg := s[a:b]
	if uuidAt(seg) {
		return ents
	}
	// words: maximal runs of ASCII letters and digits
	type word struct{ start, end int }
	var buf [32]word
	words := buf[:0]
	for i := 0; i < len(seg); {
		if !isAlnum(seg[i]) {
			i++
			continue
		}
		j := i
		for j < len(seg) && isAlnum(seg[j]) {
			j++
		}
		words = append(words, word{i, j})
		i = j
	}
	for wi, w := range words {
		tok := seg[w.start:w.end]
		if hexDigest(tok) || (wi+4 < len(words) && uuidAt(seg[w.start:])) {
			continue
		}
		if passport && passportShaped(tok) {
			ents = append(ents, Entity{Type: TypePassport, Start: a + w.start, End: a + w.end, Score: 1})
			continue
		}
		// digit runs inside the word, delimited by letters too
		for i := 0; i < len(tok); {
			if !isDigit(tok[i]) {
				i++
				continue
			}
			j := i
			for j < len(tok) && isDigit(tok[j]) {
				j++
			}
			end := j
			if j-i == 17 && j < len(tok) && (tok[j] == 'X' || tok[j] == 'x') {
				end = j + 1
			}
			if typ := keyNumber(tok[i:end]); typ != "" {
				ents = append(ents, Entity{Type: typ, Start: a + w.start + i, End: a + w.start + end, Score: 1})
			} else if typ := keyNumber(tok[i:j]); typ != "" {
				ents = append(ents, Entity{Type: typ, Start: a + w.start + i, End: a + w.start + j, Score: 1})
			}
			i = j
		}
	}
	// groups of all-digit words joined by one separator
	for i := 0; i < len(words); i++ {
		for j := i + 1; j < len(words) && j-i < 5; j++ {
			prev, cur := words[j-1], words[j]
			if cur.start-prev.end != 1 || !strings.ContainsRune(" -.", rune(seg[prev.end])) {
				break
			}
			if !allDigits(seg[cur.start:cur.end]) || !allDigits(seg[words[i].start:words[i].end]) {
				break
			}
			var cat strings.Builder
			ok := true
			for k := i; k <= j; k++ {
				g := seg[words[k].start:words[k].end]
				if len(g) < 3 && (k != i || (g != "86")) {
					ok = false
					break
				}
				cat.WriteString(g)
			}
			if !ok {
				continue
			}
			if typ := keyNumber(cat.String()); typ != "" {
				start := a + words[i].start
				if start > 0 && s[start-1] == '+' {
					start--
				}
				ents = append(ents, Entity{Type: typ, Start: start, End: a + cur.end, Score: 1})
			}
		}
	}
	return ents
}

// keyNumber validates a candidate digit string (a resident ID may end in
// X or x) and returns its type, or "".
func keyNumber(d string) string {
	switch n := len(d); {
	case n == 11 && mobile(d):
		return TypePhone
	case n == 13 && d[:2] == "86" && mobile(d[2:]):
		return TypePhone
	case n == 15 && d[:4] == "0086" && mobile(d[4:]):
		return TypePhone
	case n == 18 && cnID(d):
		return TypeCNResidentID
	case n >= 13 && n <= 19 && allDigits(d) && card(d):
		return TypeBankCard
	}
	return ""
}

// hexDigest reports whether a word is a hex digest or a run id: 16 or more
// hex digits with at least one letter.
func hexDigest(w string) bool {
	if len(w) < 16 {
		return false
	}
	letter := false
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !isHex(c) {
			return false
		}
		if !isDigit(c) {
			letter = true
		}
	}
	return letter
}

// uuidAt reports whether s starts with a UUID (8-4-4-4-12 hex digits).
func uuidAt(s string) bool {
	if len(s) < 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return len(s) == 36 || !isAlnum(s[36])
}

// passportShaped reports whether a word is one or two capitals followed by
// 7 or 8 digits (E12345678, EA1234567, G12345678).
func passportShaped(w string) bool {
	p := 0
	for p < len(w) && p < 2 && isUpper(w[p]) {
		p++
	}
	d := len(w) - p
	return p >= 1 && (d == 7 || d == 8) && allDigits(w[p:])
}

// hasPassportWord reports whether s holds "passport" or "huzhao" (ASCII
// case-insensitively) or 护照, in one pass.
func hasPassportWord(s string) bool {
	for i := 0; i < len(s); i++ {
		switch lowerTable[s[i]] {
		case 'p':
			if len(s)-i >= 8 && strings.EqualFold(s[i:i+8], "passport") {
				return true
			}
		case 'h':
			if len(s)-i >= 6 && strings.EqualFold(s[i:i+6], "huzhao") {
				return true
			}
		case 0xE6: // 护 is E6 8A A4
			if strings.HasPrefix(s[i:], "护照") {
				return true
			}
		}
	}
	return false
}

// trimFileExt moves the end of an e-mail span found in a key back before
// trailing file extensions (".jsonl", ".json.gz") so the key's extension
// stays readable; the domain keeps at least one dot.
func trimFileExt(s string, start, end int) int {
	for {
		dot := strings.LastIndexByte(s[start:end], '.')
		if dot < 0 {
			return end
		}
		dot += start
		if !keyFileExt(s[dot+1 : end]) {
			return end
		}
		at := strings.IndexByte(s[start:dot], '@')
		if at < 0 || !strings.Contains(s[start+at:dot], ".") {
			return end
		}
		end = dot
	}
}

func keyFileExt(ext string) bool {
	switch strings.ToLower(ext) {
	case "jsonl", "json", "ndjson", "parquet", "arrow", "arrows", "feather", "csv", "tsv", "txt", "gz", "zst", "zstd",
		"bz2", "xz", "lz4", "snappy", "tar", "zip", "seg", "md", "yaml", "yml", "xml", "html", "pdf", "png", "jpg", "jpeg":
		return true
	}
	return false
}

// resolveKey sorts entities and merges overlapping ones into their union
// (typed as the longer), so no digit of either stays in clear.
func resolveKey(c []Entity) []Entity {
	if len(c) < 2 {
		return c
	}
	slices.SortStableFunc(c, func(a, b Entity) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	out := c[:1]
	for _, e := range c[1:] {
		last := &out[len(out)-1]
		if e.Start < last.End {
			if e.End-e.Start > last.End-last.Start {
				last.Type = e.Type
			}
			last.End = max(last.End, e.End)
			continue
		}
		out = append(out, e)
	}
	return out
}

// RedactKey is Redact for an identifier-like value (a record id, a label,
// an object key): every entity DetectKey finds becomes its type in brackets
// ("u[PHONE]").
func RedactKey(s string) string {
	return redactSpans(s, DetectKey(s))
}
