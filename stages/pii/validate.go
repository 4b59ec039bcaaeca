package pii

import "time"

// The validators take the candidate's characters (digits only unless stated)
// and check structure and check digits. None of them allocates.

// cnProvince reports whether the first two digits of a resident ID are a
// GB/T 2260 province-level code.
func cnProvince(a, b byte) bool {
	switch a {
	case '1':
		return b >= '1' && b <= '5'
	case '2':
		return b >= '1' && b <= '3'
	case '3':
		return b >= '1' && b <= '7'
	case '4':
		return b >= '1' && b <= '6'
	case '5':
		return b >= '0' && b <= '4'
	case '6':
		return b >= '1' && b <= '5'
	case '7':
		return b == '1'
	case '8':
		return b == '1' || b == '2' || b == '3'
	case '9':
		return b == '1'
	}
	return false
}

func atoi(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// validDate reports whether yyyymmdd is a real calendar date in 1800-2099
// (GB 11643's own example is born in 1880).
func validDate(s string) bool {
	y, m, d := atoi(s[0:4]), atoi(s[4:6]), atoi(s[6:8])
	if y < 1800 || y > 2099 || m < 1 || m > 12 || d < 1 {
		return false
	}
	return d <= daysIn(y, m)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// cnIDShaped reports whether 18 characters have a resident ID's region
// and birth-date structure (whatever the check digit).
func cnIDShaped(s string) bool {
	if len(s) != 18 || !allDigits(s[:17]) {
		return false
	}
	return cnProvince(s[0], s[1]) && validDate(s[6:14])
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// cnID validates an 18-character resident ID number: province code, birth
// date and the ISO 7064 MOD 11-2 check character (0-9 or X).
func cnID(s string) bool {
	if !cnIDShaped(s) {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * idWeights[i]
	}
	want := "10X98765432"[sum%11]
	got := s[17]
	if got == 'x' {
		got = 'X'
	}
	return got == want
}

// CNIDBirthDate returns the birth date encoded in a valid 18-character
// resident ID number (spaces allowed), or false.
func CNIDBirthDate(id string) (time.Time, bool) {
	var b [18]byte
	n := 0
	for i := 0; i < len(id); i++ {
		if id[i] == ' ' || id[i] == '-' {
			continue
		}
		if n == 18 {
			return time.Time{}, false
		}
		b[n] = id[i]
		n++
	}
	s := string(b[:n])
	if !cnID(s) {
		return time.Time{}, false
	}
	y, m, d := atoi(s[6:10]), atoi(s[10:12]), atoi(s[12:14])
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

// luhn validates the Luhn check digit of a digit string.
func luhn(s string) bool {
	sum := 0
	dbl := false
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if dbl {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		dbl = !dbl
	}
	return sum%10 == 0
}

// cardIIN reports whether a card number's issuer prefix allows its length:
// Visa (13, 16; 19 only for 4xxx UnionPay co-brands, see card), Mastercard
// (51-55, 2221-2720: 16), Maestro (50, 56-58: 16), Amex (34, 37: 15),
// Discover (6011, 644-649, 65: 16-19), JCB (3528-3589: 16-19), Diners (36:
// 14-19; 300-305, 38, 39: 14 or 16), UnionPay and Chinese debit cards (62,
// 60, 81: 16-19), Maestro UK (63, 67: 16-19) and the legacy 19-digit
// Chinese ranges (9558, 95599). Prefixes no network issues (61, 66, 68,
// 69, 1x, 7x ...) are rejected: that alone removes most random 64-bit
// integers, which pass Luhn one time in ten.
func cardIIN(s string) bool {
	L := len(s)
	p2 := atoi(s[:2])
	switch s[0] {
	case '4':
		return L == 13 || L == 16 || L == 19
	case '5':
		return p2 >= 50 && p2 <= 58 && L == 16
	case '2':
		p4 := atoi(s[:4])
		return p4 >= 2221 && p4 <= 2720 && L == 16
	case '3':
		switch p2 {
		case 34, 37:
			return L == 15
		case 35:
			p4 := atoi(s[:4])
			return p4 >= 3528 && p4 <= 3589 && L >= 16 && L <= 19
		case 36:
			return L >= 14 && L <= 19
		case 30:
			return s[2] <= '5' && (L == 14 || L == 16)
		case 38, 39:
			return L == 14 || L == 16
		}
		return false
	case '6':
		switch p2 {
		case 60, 62, 63, 65, 67:
			return L >= 16 && L <= 19
		case 64:
			return s[2] >= '4' && L >= 16 && L <= 19
		}
		return false
	case '8':
		return p2 == 81 && L >= 16 && L <= 19
	case '9':
		return L == 19 && (s[:4] == "9558" || s[:5] == "95599")
	}
	return false
}

// card validates a payment card number: 13-19 digits, IIN and Luhn, and
// not a single repeated digit.
func card(s string) bool {
	if len(s) < 13 || len(s) > 19 || !cardIIN(s) || !luhn(s) {
		return false
	}
	return !repeated(s)
}

func repeated(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// mobile validates an 11-digit mainland mobile number by its operator
// prefix (13x, 145-149, 15x without 154, 162/165-167, 17x, 18x, 19x).
func mobile(s string) bool {
	if len(s) != 11 || s[0] != '1' {
		return false
	}
	switch s[1] {
	case '3', '8', '9':
		return true
	case '4':
		return s[2] >= '5'
	case '5':
		return s[2] != '4'
	case '6':
		return s[2] == '2' || (s[2] >= '5' && s[2] <= '7')
	case '7':
		return s[2] != '9'
	}
	return false
}

// landline validates a mainland landline with trunk prefix: 0 + area code
// (10, 2x, or three digits 3xx-9xx) + a 7-8 digit local number not starting
// with 0 or 1.
func landline(s string) bool {
	if len(s) < 10 || len(s) > 12 || s[0] != '0' {
		return false
	}
	var local string
	switch {
	case s[1] == '1' && s[2] == '0', s[1] == '2':
		local = s[3:]
	case s[1] >= '3' && s[1] <= '9':
		local = s[4:]
	default:
		return false
	}
	return (len(local) == 7 || len(local) == 8) && local[0] >= '2'
}

// nanp validates a 10-digit North American number: the area code starts
// with 2-9 and is not N11.
func nanp(s string) bool {
	if len(s) != 10 || s[0] < '2' || (s[1] == '1' && s[2] == '1') {
		return false
	}
	// The exchange code should start with 2-9 too, but fictitious numbers
	// such as 555-123-4567 are written (and labelled) as phone numbers.
	return !repeated(s)
}

// intlPhone validates the digits after a '+': E.164 length, a mainland
// number after 86, a NANP number after 1.
func intlPhone(d string) (bool, float64) {
	if len(d) < 8 || len(d) > 15 || d[0] == '0' {
		return false, 0
	}
	switch {
	case d[0] == '8' && d[1] == '6':
		r := d[2:]
		if mobile(r) || landline("0"+r) {
			return true, 0.9
		}
		return false, 0
	case d[0] == '1':
		return nanp(d[1:]), 0.85
	}
	return true, 0.75
}

// parenPhone validates "(area) local": a mainland landline with its area
// code in parentheses or a NANP number.
func parenPhone(d string, areaLen int) bool {
	if d[0] == '0' && (areaLen == 3 || areaLen == 4) {
		return landline(d)
	}
	return areaLen == 3 && nanp(d)
}

// ssn validates a 9-digit US social security number: area not 000, 666 or
// 900-999; group not 00; serial not 0000; not a known advertising number.
func ssn(s string) bool {
	if len(s) != 9 {
		return false
	}
	area, group, serial := s[:3], s[3:5], s[5:]
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return false
	}
	switch s {
	case "078051120", "219099999":
		return false
	}
	return !repeated(s)
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(usccChars); i++ {
		t[usccChars[i]] = int8(i)
	}
	return t
}()

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// uscc validates an 18-character unified social credit code (GB 32100):
// registration authority, six-digit region code and the mod-31 check
// character.
func uscc(s string) bool {
	if len(s) != 18 {
		return false
	}
	switch s[0] {
	case '1', '2', '3', '4', '5', '6', '7', '8', '9', 'A', 'N', 'Y':
	default:
		return false
	}
	if !allDigits(s[2:8]) || !cnProvince(s[2], s[3]) {
		return false
	}
	sum := 0
	letters := 0
	for i := 0; i < 17; i++ {
		v := usccValue[s[i]]
		if v < 0 {
			return false
		}
		if v >= 10 {
			letters++
		}
		sum += int(v) * usccWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return usccValue[s[17]] == int8(c)
}

// ibanLength returns the IBAN length of a country code, or 0.
func ibanLength(a, b byte) int {
	return ibanLengths[string([]byte{a, b})]
}

var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
	"DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
	"GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
	"IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
	"ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31,
	"SE": 24, "SI": 19, "SK": 24, "SM": 27, "TL": 23, "TN": 24, "TR": 26, "UA": 29,
	"VA": 22, "VG": 24, "XK": 20,
}

// ibanMod97 checks an IBAN (upper-case, no spaces) with ISO 7064 mod 97-10.
func ibanMod97(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	r := 0
	step := func(c byte) bool {
		switch {
		case isDigit(c):
			r = (r*10 + int(c-'0')) % 97
		case isUpper(c):
			r = (r*100 + int(c-'A'+10)) % 97
		default:
			return false
		}
		return true
	}
	for _, c := range b[4:] {
		if !step(c) {
			return false
		}
	}
	for _, c := range b[:4] {
		if !step(c) {
			return false
		}
	}
	return r == 1
}

// hkID validates a Hong Kong identity card number: one or two letters, six
// digits (tok) and the mod-11 check character chk (0-9 or A).
func hkID(tok string, chk byte) bool {
	L := len(tok)
	if L != 7 && L != 8 {
		return false
	}
	pre := L - 6
	if !allDigits(tok[pre:]) {
		return false
	}
	sum := 0
	if pre == 1 {
		sum = 36*9 + int(tok[0]-'A'+10)*8
	} else {
		sum = int(tok[0]-'A'+10)*9 + int(tok[1]-'A'+10)*8
	}
	for i := 0; i < 6; i++ {
		sum += int(tok[pre+i]-'0') * (7 - i)
	}
	c := (11 - sum%11) % 11
	var want byte
	if c == 10 {
		want = 'A'
	} else {
		want = byte('0' + c)
	}
	return chk == want
}

// twLetter maps the first letter of a Taiwan ID to its two-digit code.
var twLetter = [26]int{10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33}

// twID validates a Taiwan national ID: a letter, 1 or 2 (sex), eight
// digits, with the weighted mod-10 check.
func twID(s string) bool {
	if len(s) != 10 || !isUpper(s[0]) || (s[1] != '1' && s[1] != '2') || !allDigits(s[1:]) {
		return false
	}
	code := twLetter[s[0]-'A']
	sum := code/10 + (code%10)*9
	for i := 1; i <= 8; i++ {
		sum += int(s[i]-'0') * (9 - i)
	}
	sum += int(s[9] - '0')
	return sum%10 == 0
}
