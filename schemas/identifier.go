package schemas

import (
	"net/netip"
	"strings"
)

// Identifier kinds of the subject index. The ledger indexes a data subject
// by SubjectKey(kind, NormalizeIdentifier(kind, value)); the PI stage maps
// each detected entity type to one of these kinds, and `prov lineage
// subject` / `prov revoke` take --email / --phone / --id-number /
// --subject-id.
const (
	IdentEmail     = "email"
	IdentPhone     = "phone"
	IdentIDNumber  = "id_number"
	IdentBankCard  = "bank_card"
	IdentIBAN      = "iban"
	IdentIPAddress = "ip_address"
	IdentOrgID     = "org_id" // CN_USCC: an organisation, never a data subject
	IdentSubjectID = "subject_id"
)

// NormalizeIdentifier is the one normalisation of an identifier before it
// is hashed into a subject key. The PI stage (for detected spans) and the
// CLI and API (for values a person types) both call it, so every spelling
// of one identifier meets:
//
//   - email: trimmed and lower-cased;
//   - phone: digits only; a leading 0086 (more than 11 digits) or 86 (13
//     digits) country code is stripped, repeatedly, so "+86 138-1234-5678",
//     "0086 13812345678", "(86)13812345678" and "13812345678" agree; other
//     numbers keep their country code;
//   - id_number (resident ID, HK ID, TW ID, passport, SSN): ASCII letters
//     and digits only, upper-cased: "11010519491231002x" and
//     "11010519491231002X", "A123456(3)" and "A1234563", "536-90-4399" and
//     "536904399" agree;
//   - bank_card: digits only;
//   - iban, org_id: ASCII letters and digits, upper-cased;
//   - ip_address: the canonical netip form ("" if it does not parse);
//   - subject_id and any other kind: trimmed.
//
// It is idempotent: NormalizeIdentifier(k, NormalizeIdentifier(k, v)) ==
// NormalizeIdentifier(k, v).
func NormalizeIdentifier(kind, value string) string {
	switch kind {
	case IdentEmail:
		// ToLower can map a letter to a white-space-adjacent form only for
		// invalid UTF-8; trimming again keeps the result a fixed point.
		return strings.TrimSpace(strings.ToLower(strings.TrimSpace(value)))
	case IdentPhone:
		return normalizePhone(value)
	case IdentIDNumber, IdentIBAN, IdentOrgID:
		return strings.ToUpper(keepBytes(value, isASCIIAlnum))
	case IdentBankCard:
		return keepBytes(value, isASCIIDigit)
	case IdentIPAddress:
		a, err := netip.ParseAddr(strings.TrimSpace(value))
		if err != nil {
			return ""
		}
		return a.String()
	}
	return strings.TrimSpace(value)
}

func normalizePhone(v string) string {
	d := keepBytes(v, isASCIIDigit)
	for {
		switch {
		case strings.HasPrefix(d, "0086") && len(d) > 11:
			d = d[4:]
		case strings.HasPrefix(d, "86") && len(d) == 13:
			d = d[2:]
		default:
			return d
		}
	}
}

func keepBytes(s string, ok func(byte) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if ok(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

func isASCIIDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIIAlnum(c byte) bool {
	return isASCIIDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// PrefixedDigest spells a SHA-256 digest the one way every JSON output of
// prov does: "sha256:<hex>" (a digest already spelled so is returned as
// is; "" stays ""). Fields named "*_sha256" hold the bare hex of a file's
// SHA-256, as their name says; fields named "digest" or "*_digest" hold
// this form.
func PrefixedDigest(hexDigest string) string {
	if hexDigest == "" || strings.HasPrefix(hexDigest, "sha256:") {
		return hexDigest
	}
	return "sha256:" + hexDigest
}
