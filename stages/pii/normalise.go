package pii

import (
	"net/netip"
	"strings"
)

// Subject-index kinds returned by Normalise. The ledger indexes a data
// subject by Env.SubjectKey(kind, norm); `prov lineage subject --email /
// --phone / --id-number` normalises its argument with the same function.
const (
	KindEmail     = "email"
	KindPhone     = "phone"
	KindIDNumber  = "id_number"
	KindBankCard  = "bank_card"
	KindIBAN      = "iban"
	KindIPAddress = "ip_address"
	KindOrgID     = "org_id" // CN_USCC: an organisation, never a data subject
)

// Normalise maps a detected entity of type typ with text value to the
// subject-index kind and the normalised value the ledger hashes. It agrees
// with lineage.NormalizeIdentifier, which `prov lineage subject` and
// `prov revoke` apply to --email / --phone / --id-number, so a lookup by a
// value as a person writes it finds the records where it was detected:
//
//   - EMAIL: kind "email", trimmed and lower-cased;
//   - PHONE: kind "phone", digits only, a leading 0086 (more than 11
//     digits) or 86 (13 digits) stripped: "+86 138-1234-5678" and
//     "13812345678" agree; other numbers keep their country code;
//   - CN_RESIDENT_ID, HK_ID, TW_ID, PASSPORT, US_SSN: kind "id_number",
//     upper-cased without white space (punctuation is kept, as the lineage
//     lookup keeps it: "A123456(3)", "536-90-4399");
//   - BANK_CARD: kind "bank_card", digits only;
//   - IBAN: kind "iban", upper-case without spaces;
//   - IP_ADDRESS: kind "ip_address", canonical netip form;
//   - CN_USCC: kind "org_id", upper-cased (an organisation, not a person).
//
// An unknown type, or a value with nothing left after normalising, gives
// ("", "").
func Normalise(typ, value string) (kind, norm string) {
	switch typ {
	case TypeEmail:
		kind, norm = KindEmail, strings.ToLower(strings.TrimSpace(value))
	case TypePhone:
		kind, norm = KindPhone, normalisePhone(value)
	case TypeCNResidentID, TypeHKID, TypeTWID, TypePassport, TypeUSSSN:
		kind, norm = KindIDNumber, strings.ToUpper(strings.Join(strings.Fields(value), ""))
	case TypeBankCard:
		kind, norm = KindBankCard, keep(value, isDigit)
	case TypeIBAN:
		kind, norm = KindIBAN, strings.ToUpper(keep(value, isAlnum))
	case TypeIPAddress:
		kind = KindIPAddress
		if a, err := netip.ParseAddr(strings.TrimSpace(value)); err == nil {
			norm = a.String()
		}
	case TypeCNUSCC:
		kind, norm = KindOrgID, strings.ToUpper(keep(value, isAlnum))
	}
	if norm == "" {
		return "", ""
	}
	return kind, norm
}

// NormaliseSubject normalises a value given on the command line for a
// subject-index kind (email, phone, id_number, bank_card, iban, ip_address,
// subject_id) the same way Normalise does for detected entities.
func NormaliseSubject(kind, value string) string {
	switch kind {
	case KindEmail:
		_, n := Normalise(TypeEmail, value)
		return n
	case KindPhone:
		return normalisePhone(value)
	case KindIDNumber:
		return strings.ToUpper(strings.Join(strings.Fields(value), ""))
	case KindIBAN, KindOrgID:
		return strings.ToUpper(keep(value, isAlnum))
	case KindBankCard:
		return keep(value, isDigit)
	case KindIPAddress:
		_, n := Normalise(TypeIPAddress, value)
		return n
	}
	return strings.TrimSpace(value)
}

func normalisePhone(v string) string {
	d := keep(v, isDigit)
	switch {
	case strings.HasPrefix(d, "0086") && len(d) > 11:
		d = d[4:]
	case strings.HasPrefix(d, "86") && len(d) == 13:
		d = d[2:]
	}
	return d
}

func keep(s string, ok func(byte) bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if ok(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
