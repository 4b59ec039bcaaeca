package pii

import "github.com/prov-ai/prov/schemas"

// Subject-index kinds returned by Normalise; they are the schemas.Ident*
// kinds. The ledger indexes a data subject by Env.SubjectKey(kind, norm);
// `prov lineage subject --email / --phone / --id-number` normalises its
// argument with the same function, schemas.NormalizeIdentifier.
const (
	KindEmail     = schemas.IdentEmail
	KindPhone     = schemas.IdentPhone
	KindIDNumber  = schemas.IdentIDNumber
	KindBankCard  = schemas.IdentBankCard
	KindIBAN      = schemas.IdentIBAN
	KindIPAddress = schemas.IdentIPAddress
	KindOrgID     = schemas.IdentOrgID // CN_USCC: an organisation, never a data subject
)

// Normalise maps a detected entity of type typ with text value to the
// subject-index kind and the normalised value the ledger hashes. The value
// is normalised by schemas.NormalizeIdentifier, which `prov lineage
// subject` and `prov revoke` also apply, so a lookup by a value as a person
// writes it finds the records where it was detected:
//
//   - EMAIL: kind "email";
//   - PHONE: kind "phone" ("+86 138-1234-5678" and "13812345678" agree);
//   - CN_RESIDENT_ID, HK_ID, TW_ID, PASSPORT, US_SSN: kind "id_number"
//     ("A123456(3)" and "A1234563", "536-90-4399" and "536904399" agree);
//   - BANK_CARD: kind "bank_card";
//   - IBAN: kind "iban";
//   - IP_ADDRESS: kind "ip_address";
//   - CN_USCC: kind "org_id" (an organisation, not a person).
//
// An unknown type, or a value with nothing left after normalising, gives
// ("", "").
func Normalise(typ, value string) (kind, norm string) {
	switch typ {
	case TypeEmail:
		kind = KindEmail
	case TypePhone:
		kind = KindPhone
	case TypeCNResidentID, TypeHKID, TypeTWID, TypePassport, TypeUSSSN:
		kind = KindIDNumber
	case TypeBankCard:
		kind = KindBankCard
	case TypeIBAN:
		kind = KindIBAN
	case TypeIPAddress:
		kind = KindIPAddress
	case TypeCNUSCC:
		kind = KindOrgID
	default:
		return "", ""
	}
	norm = schemas.NormalizeIdentifier(kind, Fold(value))
	if norm == "" {
		return "", ""
	}
	return kind, norm
}

// NormaliseSubject normalises a value given on the command line for a
// subject-index kind (email, phone, id_number, bank_card, iban, ip_address,
// subject_id): it is schemas.NormalizeIdentifier, the function Normalise
// applies to detected entities.
func NormaliseSubject(kind, value string) string {
	return schemas.NormalizeIdentifier(kind, value)
}
