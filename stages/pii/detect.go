package pii

import (
	"encoding/binary"
	"slices"
	"unsafe"
)

// Entity types reported by Detect.
const (
	TypeCNResidentID = "CN_RESIDENT_ID" // mainland resident identity card number (GB 11643)
	TypePhone        = "PHONE"          // mainland mobile / landline, NANP, +CC international
	TypeEmail        = "EMAIL"          // e-mail address
	TypeBankCard     = "BANK_CARD"      // payment card number (Luhn, IIN, length)
	TypeIPAddress    = "IP_ADDRESS"     // IPv4 or IPv6 address
	TypeIBAN         = "IBAN"           // international bank account number (mod 97)
	TypeUSSSN        = "US_SSN"         // US social security number
	TypeCNUSCC       = "CN_USCC"        // unified social credit code (GB 32100), an organisation id
	TypePassport     = "PASSPORT"       // passport number (context-gated)
	TypeHKID         = "HK_ID"          // Hong Kong identity card number
	TypeTWID         = "TW_ID"          // Taiwan national identification number
)

// Types lists every entity type Detect can report.
var Types = []string{
	TypeCNResidentID, TypePhone, TypeEmail, TypeBankCard, TypeIPAddress, TypeIBAN,
	TypeUSSSN, TypeCNUSCC, TypePassport, TypeHKID, TypeTWID,
}

// DefaultMinScore is the score below which Detect drops a candidate. The
// context-gated types (PASSPORT, plain 9-digit SSN, plain 10-digit NANP
// numbers) start below it and reach it only with a context word nearby.
const DefaultMinScore = 0.5

// Entity is one piece of personal (or organisation) information found in a
// text: its type, the byte range [Start, End) into the UTF-8 text, and a
// confidence score in [0, 1]. An Entity never carries the value itself.
type Entity struct {
	Type       string
	Start, End int
	Score      float64
}

// Detect finds the entities in text with score >= DefaultMinScore. The
// result is sorted by Start and non-overlapping (overlaps are resolved in
// favour of the higher score, then the longer span). Offsets are byte
// offsets into text and fall on UTF-8 boundaries. Identifiers written in
// full-width digits (１３８…) or with a percent-encoded '@' inside a URL are
// found too (see Fold). Detect is safe for concurrent use.
func Detect(text string) []Entity {
	return Detector{}.Detect(text, nil)
}

// Detector is a configured detector. The zero value uses DefaultMinScore.
type Detector struct {
	// MinScore drops candidates scoring below it (0: DefaultMinScore).
	MinScore float64
}

// Detect appends the entities of text to dst[:0] and returns it (see the
// package-level Detect for the contract). Passing a reused dst makes the
// call allocation-free in the common case.
func (d Detector) Detect(text string, dst []Entity) []Entity {
	min := d.MinScore
	if min <= 0 {
		min = DefaultMinScore
	}
	if foldNeeded(text) {
		folded, off := fold(text)
		sc := scanner{s: folded, min: min, out: dst[:0]}
		sc.scan()
		ents := sc.resolve()
		for i := range ents {
			ents[i].Start, ents[i].End = off[ents[i].Start], off[ents[i].End]
		}
		return ents
	}
	sc := scanner{s: text, min: min, out: dst[:0]}
	sc.scan()
	return sc.resolve()
}

// Byte classes of the single scanning pass.
const (
	clNone  = 0
	clDigit = 1
	clAt    = 2
	clColon = 3
)

var class = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	t['@'] = clAt
	t[':'] = clColon
	return t
}()

// char flags for token scanning.
const (
	fDigit  = 1 << iota
	fUpper  // A-Z
	fLower  // a-z
	fHex    // 0-9 a-f A-F
	fLocal  // e-mail local part
	fDomain // e-mail domain
)

var flags = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] |= fDigit | fHex | fLocal | fDomain
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] |= fUpper | fLocal | fDomain
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= fLower | fLocal | fDomain
	}
	for _, c := range "abcdefABCDEF" {
		t[c] |= fHex
	}
	for _, c := range "._%+-" {
		t[c] |= fLocal
	}
	for _, c := range ".-" {
		t[c] |= fDomain
	}
	return t
}()

func isDigit(c byte) bool  { return flags[c]&fDigit != 0 }
func isLetter(c byte) bool { return flags[c]&(fUpper|fLower) != 0 }
func isAlnum(c byte) bool  { return flags[c]&(fDigit|fUpper|fLower) != 0 }
func isUpper(c byte) bool  { return flags[c]&fUpper != 0 }
func isHex(c byte) bool    { return flags[c]&fHex != 0 }

// scanner is the state of one Detect call.
type scanner struct {
	s     string
	min   float64
	out   []Entity
	v6End int // the IPv6 candidate run ending here was already examined

	// chunk parse of a digit group
	cs   [maxChunks][2]int
	seps [maxChunks]byte
	buf  [48]byte
}

const maxChunks = 8

// scan is the single pass over the bytes: it skips everything that cannot
// start or anchor an entity and hands digit runs, '@' and ':' to the
// candidate validators.
func (sc *scanner) scan() {
	s := sc.s
	n := len(s)
	b := unsafe.Slice(unsafe.StringData(s), n)
	for i := 0; i < n; {
		// skip 8 bytes at a time while none is a digit, ':' or '@'
		for i+8 <= n && !interesting(binary.LittleEndian.Uint64(b[i:])) {
			i += 8
		}
		if i >= n {
			break
		}
		k := class[s[i]]
		if k == clNone {
			i++
			continue
		}
		switch k {
		case clDigit:
			i = sc.digits(i)
		case clAt:
			sc.email(i)
			i++
		default:
			sc.ipv6(i)
			i++
		}
	}
}

// emit records a candidate after applying the context words around it.
func (sc *scanner) emit(typ string, start, end int, base float64) bool {
	score := base + contextAdjust(sc.s, typ, start, end)
	if score > 1 {
		score = 1
	}
	if score < sc.min {
		return false
	}
	if score < 0 {
		score = 0
	}
	sc.out = append(sc.out, Entity{Type: typ, Start: start, End: end, Score: score})
	return true
}

// resolve sorts the candidates and removes overlaps: of two overlapping
// candidates the higher score wins, then the longer, then the earlier.
func (sc *scanner) resolve() []Entity {
	c := sc.out
	if len(c) < 2 {
		return c
	}
	slices.SortStableFunc(c, func(a, b Entity) int { return a.Start - b.Start })
	out := c[:1]
	for _, e := range c[1:] {
		last := &out[len(out)-1]
		if e.Start < last.End {
			if better(e, *last) {
				*last = e
			}
			continue
		}
		out = append(out, e)
	}
	return out
}

func better(a, b Entity) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.End-a.Start > b.End-b.Start
}

// continuation reports whether a token starting at t is glued by '.' or '-'
// to a preceding digit (a decimal, version, UUID or date segment): it is
// part of a longer number and never an entity on its own.
func continuation(s string, t int) bool {
	if t < 2 {
		return false
	}
	c := s[t-1]
	return (c == '.' || c == '-' || c == '/') && isAlnum(s[t-2]) && hasDigitBefore(s, t-1)
}

// hasDigitBefore reports whether the alphanumeric token ending at e holds a
// digit.
func hasDigitBefore(s string, e int) bool {
	for i := e - 1; i >= 0 && e-i <= 64 && isAlnum(s[i]); i-- {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

// skipChain returns the end of the run of alphanumerics joined by '.', '-'
// or '/' starting at p (a version, decimal, UUID or path of numbers).
func skipChain(s string, p int) int {
	i := p
	for i < len(s) {
		c := s[i]
		if isAlnum(c) {
			i++
			continue
		}
		if (c == '.' || c == '-' || c == '/') && i+1 < len(s) && isAlnum(s[i+1]) {
			i++
			continue
		}
		break
	}
	return i
}

// digits handles the digit run starting at p and returns where scanning
// resumes.
func (sc *scanner) digits(p int) int {
	s := sc.s
	n := len(s)
	t := p
	for t > 0 && p-t < 16 && isLetter(s[t-1]) {
		t--
	}
	if t > 0 && isAlnum(s[t-1]) {
		// a very long letter prefix: an identifier, not an entity
		return skipChain(s, p)
	}
	if continuation(s, t) {
		if end := sc.pathMobile(t, p); end > 0 {
			return end
		}
		return skipChain(s, p)
	}
	e := p
	for e < n && isDigit(s[e]) {
		e++
	}
	if t < p || (e < n && isLetter(s[e])) {
		return sc.alnum(t, p)
	}
	if e+1 < n && s[e] == '.' && isDigit(s[e+1]) {
		if end := sc.ipv4(p); end > 0 {
			return end
		}
		if end := sc.dottedPhone(p); end > 0 {
			return end
		}
		return skipChain(s, p)
	}
	return sc.groups(p)
}

// ipv4 validates a dotted quad at p and returns its end, or 0.
func (sc *scanner) ipv4(p int) int {
	s := sc.s
	if j := p - 1; j >= 0 {
		if s[j] == ' ' {
			j--
		}
		if j >= 0 && (s[j] == 'v' || s[j] == 'V' || s[j] == '#') && (j == 0 || !isLetter(s[j-1])) {
			return 0 // a version (",v 1.8.14.1" in RCS ids) or section number
		}
	}
	i := p
	for k := 0; k < 4; k++ {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return 0
			}
			i++
		}
		j := i
		v := 0
		for j < len(s) && isDigit(s[j]) && j-i < 4 {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j == i || j-i > 3 || v > 255 || (j-i > 1 && s[i] == '0') {
			return 0
		}
		i = j
	}
	if i < len(s) && (isAlnum(s[i]) || (i+1 < len(s) && (s[i] == '.' || s[i] == '-') && isDigit(s[i+1]))) {
		return 0
	}
	sc.emit(TypeIPAddress, p, i, 0.8)
	return i
}

// groups parses the digit groups starting at p (separated by one '-' or
// ' ', or an area code in parentheses) and matches phone, card, SSN and ID
// layouts on them, longest first.
func (sc *scanner) groups(p int) int {
	s := sc.s
	n := len(s)
	// a '+' after a letter or digit is an exponent or an operator
	// (0x.8p+2147483647, 1e+10, a+13812345678), not a country-code prefix
	plus := p > 0 && s[p-1] == '+' && (p < 2 || !isAlnum(s[p-2]))
	// a '-' sign before a bare number (-4576982950128230565 in a table of
	// int64 literals) makes it a negative number, never a card or phone
	if p > 0 && s[p-1] == '-' && (p < 2 || !isAlnum(s[p-2])) {
		r := p
		for r < n && isDigit(s[r]) {
			r++
		}
		if r == n || (s[r] != '-' && s[r] != ' ') {
			return r
		}
	}
	paren := p > 0 && s[p-1] == '('
	k := 0
	q := p
	total := 0
	for {
		r := q
		for r < n && isDigit(s[r]) {
			r++
		}
		sc.cs[k] = [2]int{q, r}
		total += r - q
		k++
		if k == maxChunks || r >= n-1 {
			break
		}
		c := s[r]
		if (c == '-' || c == ' ') && isDigit(s[r+1]) {
			sc.seps[k] = c
			q = r + 1
			continue
		}
		if c == ')' && paren && k == 1 {
			j := r + 1
			if j < n-1 && (s[j] == ' ' || s[j] == '-') {
				j++
			}
			if j < n && isDigit(s[j]) {
				sc.seps[k] = ')'
				q = j
				continue
			}
		}
		break
	}
	end := sc.cs[k-1][1]
	if total < 8 {
		return end
	}
	tailOK := end == n || !isLetter(s[end]) && s[end] != '@' && s[end] != '_' &&
		(end+1 >= n || s[end] != '.' && s[end] != '-' || !isDigit(s[end+1]))
	for a := 0; a < k; {
		if a > 0 && sc.seps[a] != ' ' {
			break
		}
		matched := false
		for b := k; b > a; b-- {
			if b == k && !tailOK {
				continue
			}
			if b < k && sc.seps[b] != ' ' {
				continue
			}
			if sc.match(a, b, plus && a == 0, paren && a == 0) {
				a = b
				matched = true
				break
			}
		}
		if !matched {
			a++
		}
	}
	return end
}

// match tries every numeric layout on chunks [a, b) and emits the first that
// validates.
func (sc *scanner) match(a, b int, plus, paren bool) bool {
	s := sc.s
	L := 0
	var lens [maxChunks]int
	m := b - a
	for i := a; i < b; i++ {
		l := sc.cs[i][1] - sc.cs[i][0]
		if L+l > len(sc.buf) {
			return false
		}
		copy(sc.buf[L:], s[sc.cs[i][0]:sc.cs[i][1]])
		lens[i-a] = l
		L += l
	}
	d := string(sc.buf[:L]) // does not escape: validators only read it
	start, end := sc.cs[a][0], sc.cs[b-1][1]
	seps := sc.seps[a+1 : b]

	if plus {
		if ok, score := intlPhone(d); ok {
			sc.emit(TypePhone, start-1, end, score)
			return true
		}
		return false
	}
	if paren {
		if sc.seps[a+1] != ')' && m > 1 {
			return false
		}
		if parenPhone(d, lens[0]) {
			sc.emit(TypePhone, start-1, end, 0.8)
			return true
		}
		return false
	}
	if m == 1 {
		switch {
		case L == 18:
			if cnID(d) {
				sc.emit(TypeCNResidentID, start, end, 0.85)
				return true
			}
			if cnIDShaped(d) {
				return false // an ID with a wrong check digit is not a card
			}
			if card(d) {
				sc.emit(TypeBankCard, start, end, 0.75)
				return true
			}
		case L == 11:
			if mobile(d) {
				sc.emit(TypePhone, start, end, 0.8)
				return true
			}
			if landline(d) {
				sc.emit(TypePhone, start, end, 0.55)
				return true
			}
		case L == 12:
			if landline(d) {
				sc.emit(TypePhone, start, end, 0.55)
				return true
			}
		case L == 13 && d[0] == '8' && d[1] == '6' && mobile(d[2:]):
			sc.emit(TypePhone, start, end, 0.6)
			return true
		case L == 15 && d[:4] == "0086" && mobile(d[4:]):
			sc.emit(TypePhone, start, end, 0.6)
			return true
		case L >= 13 && L <= 19:
			if L == 19 && d[:2] != "62" && d[:2] != "60" && d[:2] != "81" && d[:3] != "955" {
				// an unspaced 19-digit number is a UnionPay / Chinese debit
				// card or, far more often, an int64 literal
				return false
			}
			if card(d) {
				sc.emit(TypeBankCard, start, end, 0.8)
				return true
			}
		case L == 9:
			if ssn(d) && sc.emit(TypeUSSSN, start, end, 0.2) {
				return true
			}
			return sc.emit(TypePassport, start, end, 0.2)
		case L == 10:
			if nanp(d) {
				return sc.emit(TypePhone, start, end, 0.3)
			}
		}
		return false
	}
	allSep := func(c byte) bool {
		for _, x := range seps {
			if x != c {
				return false
			}
		}
		return true
	}
	uniform := allSep('-') || allSep(' ')
	if !uniform {
		return false
	}
	// a country code written without '+' (0086-139-1234-5678, 86 139 1234
	// 5678) before a mobile number grouped 3-4-4, 3-8 or 11
	if cc := lens[0]; (cc == 4 && d[:4] == "0086" || cc == 2 && d[:2] == "86") && L == cc+11 && mobile(d[cc:]) &&
		(m == 2 || m == 3 && lens[1] == 3 || m == 4 && lens[1] == 3 && lens[2] == 4) {
		sc.emit(TypePhone, start, end, 0.85)
		return true
	}
	switch {
	case L == 11 && (m == 3 && lens[0] == 3 && lens[1] == 4 || m == 2 && lens[0] == 3):
		if mobile(d) {
			sc.emit(TypePhone, start, end, 0.85)
			return true
		}
	case m == 3 && lens[0] == 3 && lens[1] == 2 && lens[2] == 4:
		if ssn(d) {
			base := 0.7
			if seps[0] == ' ' {
				base = 0.45
			}
			sc.emit(TypeUSSSN, start, end, base)
			return true
		}
	case m == 3 && lens[0] == 3 && lens[1] == 3 && lens[2] == 4:
		if nanp(d) {
			sc.emit(TypePhone, start, end, 0.6)
			return true
		}
	case m == 3 && lens[0] == 6 && lens[1] == 8 && lens[2] == 4:
		if cnID(d) {
			sc.emit(TypeCNResidentID, start, end, 0.85)
			return true
		}
	}
	if d[0] == '0' && (lens[0] == 3 || lens[0] == 4) && L >= 10 && L <= 12 && m <= 3 {
		if landline(d) && (m == 2 || lens[1] >= 3) {
			sc.emit(TypePhone, start, end, 0.8)
			return true
		}
	}
	if L >= 13 && L <= 19 && cardLayout(lens[:m]) && card(d) {
		sc.emit(TypeBankCard, start, end, 0.9)
		return true
	}
	return false
}

// cardLayout reports whether group lengths look like a printed card number:
// 4-4-4-4[-1..4], 4-6-5 (Amex), 4-6-4 (Diners), 6-13 (UnionPay 19).
func cardLayout(lens []int) bool {
	switch {
	case len(lens) == 3 && lens[0] == 4 && lens[1] == 6 && (lens[2] == 5 || lens[2] == 4):
		return true
	case len(lens) == 2 && lens[0] == 6:
		return true
	}
	for i, l := range lens {
		if l != 4 && (i != len(lens)-1 || i < 3 || l < 1 || l > 4) {
			return false
		}
	}
	return len(lens) >= 4
}

// alnum handles a token mixing letters and digits, from t (its first
// letter or digit) with its first digit at p.
func (sc *scanner) alnum(t, p int) int {
	s := sc.s
	n := len(s)
	e := p
	for e < n && isAlnum(s[e]) && e-t < 64 {
		e++
	}
	if e < n && isAlnum(s[e]) {
		return skipChain(s, e)
	}
	if e+1 < n && s[e] == '.' && isDigit(s[e+1]) && p-t >= 2 && allDigits(s[p:e]) && !continuation(s, t) &&
		(allUpper(s[t:p]) || gluePrefix(s[t:p])) {
		// IP192.168.1.1: a label glued to an address
		if end := sc.ipv4(p); end > 0 {
			return end
		}
	}
	if continuation(s, t) || (e+1 < n && (s[e] == '.' || s[e] == '-') && isAlnum(s[e+1])) {
		// part of a dotted / hyphenated identifier (UUID, version, host)
		return skipChain(s, e)
	}
	tok := s[t:e]
	L := len(tok)
	pre := p - t // letters before the first digit
	resume := e

	// 17 digits + X: resident ID
	if pre == 0 && L == 18 && (tok[17] == 'X' || tok[17] == 'x') && cnID(tok) {
		sc.emit(TypeCNResidentID, t, e, 0.85)
		return e
	}
	if L == 18 && uscc(tok) {
		sc.emit(TypeCNUSCC, t, e, 0.85)
		return e
	}
	if pre == 2 && isUpper(tok[0]) && isUpper(tok[1]) && L >= 4 && isDigit(tok[2]) && isDigit(tok[3]) {
		if end := sc.iban(t, e); end > 0 {
			return end
		}
	}
	if pre == 0 {
		return e
	}
	digitsOnly := true
	for i := pre; i < L; i++ {
		if !isDigit(tok[i]) {
			digitsOnly = false
			break
		}
	}
	nd := L - pre
	upper := true
	for i := 0; i < pre; i++ {
		if !isUpper(tok[i]) {
			upper = false
		}
	}
	n0 := len(sc.out)
	if upper && pre <= 2 {
		// HK_ID: A123456(7) / AB123456(7) / A1234567 / A123456A
		if pre <= 2 && (nd == 6 || nd == 7 || (nd == 6 && L == pre+7)) {
			if nd == 6 && e+2 < n && s[e] == '(' && s[e+2] == ')' && hkID(tok, s[e+1]) {
				sc.emit(TypeHKID, t, e+3, 0.65)
				return e + 3
			}
			if nd == 7 && digitsOnly && hkID(tok[:L-1], tok[L-1]) {
				sc.emit(TypeHKID, t, e, 0.35)
			}
		}
		if pre == 1 && nd == 6 && L == 8 && (tok[7] == 'A') && hkID(tok[:7], 'A') {
			sc.emit(TypeHKID, t, e, 0.35)
		}
		// TW_ID: A123456789
		if pre == 1 && nd == 9 && digitsOnly && (tok[1] == '1' || tok[1] == '2') && twID(tok) {
			sc.emit(TypeTWID, t, e, 0.6)
		}
		// passports: E12345678, EA1234567, G12345678, and generic forms
		if digitsOnly && nd >= 7 && nd <= 9 {
			base := 0.25
			if (pre == 1 && nd == 8 && (tok[0] == 'E' || tok[0] == 'G')) || (pre == 2 && nd == 7 && tok[0] == 'E') {
				base = 0.35
			}
			sc.emit(TypePassport, t, e, base)
		}
	}
	if len(sc.out) > n0 || pre < 2 || pre > 8 {
		return resume
	}
	// a word glued to a number (ID110101..., TEL13812345678, tel138...):
	// judge the number on its own; lower-case words only when they
	// introduce a number, so code identifiers stay quiet.
	if digitsOnly && (upper || gluePrefix(tok[:pre])) {
		return sc.groups(p)
	}
	if nd == 18 && (tok[L-1] == 'X' || tok[L-1] == 'x') && cnID(tok[pre:]) && (upper || gluePrefix(tok[:pre])) {
		sc.emit(TypeCNResidentID, p, e, 0.85)
	}
	return resume
}

// gluePrefix reports whether a lower-case word glued to a number is one that
// introduces a number (tel, phone, mobile, id, no, card, ssn).
func gluePrefix(w string) bool {
	switch lowerASCII(w) {
	case "tel", "phone", "mobile", "mob", "cell", "id", "no", "card", "ssn", "fax", "wx", "qq", "ip", "host", "addr":
		return true
	}
	return false
}

func lowerASCII(w string) string {
	for i := 0; i < len(w); i++ {
		if isUpper(w[i]) {
			b := []byte(w)
			for j := range b {
				if isUpper(b[j]) {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return w
}

// iban tries an IBAN starting at t whose first token ends at e, allowing
// space-separated groups of up to 4 characters ("GB82 WEST 1234 ...").
func (sc *scanner) iban(t, e int) int {
	s := sc.s
	want := ibanLength(s[t], s[t+1])
	if want == 0 {
		return 0
	}
	var buf [34]byte
	nb := 0
	end := e
	for i := t; i < e && nb < len(buf); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return 0
		}
		buf[nb] = s[i]
		nb++
	}
	switch e - t {
	case want:
	case 4:
		// grouped form: groups of 4, the last one 1-4 characters
		for nb < want {
			if end >= len(s)-1 || s[end] != ' ' {
				break
			}
			j := end + 1
			k := j
			for k < len(s) && (isUpper(s[k]) || isDigit(s[k])) && k-j < 5 {
				k++
			}
			if k == j || k-j > 4 || nb+(k-j) > want || (k < len(s) && isAlnum(s[k])) {
				break
			}
			for i := j; i < k; i++ {
				buf[nb] = s[i]
				nb++
			}
			end = k
			if k-j < 4 {
				break
			}
		}
	default:
		return 0
	}
	if nb != want || !ibanMod97(buf[:nb]) {
		return 0
	}
	if end < len(s) && isAlnum(s[end]) {
		return 0
	}
	sc.emit(TypeIBAN, t, end, 0.9)
	return end
}

// email validates the address around the '@' at at.
func (sc *scanner) email(at int) {
	s := sc.s
	n := len(s)
	l := at
	for l > 0 && at-l < 64 && flags[s[l-1]]&fLocal != 0 {
		l--
	}
	if l > 0 && flags[s[l-1]]&fLocal != 0 {
		return // local part too long
	}
	// escapes glued to the address: \u003Cname@x.com, %3Cname@x.com
	if l > 0 && s[l-1] == '\\' && at-l > 5 && s[l] == 'u' && isHex(s[l+1]) && isHex(s[l+2]) && isHex(s[l+3]) && isHex(s[l+4]) {
		l += 5
	}
	if at-l > 3 && s[l] == '%' && isHex(s[l+1]) && isHex(s[l+2]) {
		l += 3
	}
	for i := at - 1; i >= l; i-- {
		if s[i] == '%' {
			if i+2 < at && isHex(s[i+1]) && isHex(s[i+2]) {
				l = i + 3 // URL-encoded text before the address
			}
			break
		}
	}
	for l < at && (s[l] == '.' || s[l] == '-' || s[l] == '+') {
		l++
	}
	if l == at || s[at-1] == '.' {
		return
	}
	for i := l + 1; i < at; i++ {
		if s[i] == '.' && s[i-1] == '.' {
			return
		}
	}
	r := at + 1
	for r < n && r-at < 255 && flags[s[r]]&fDomain != 0 {
		r++
	}
	for r > at+1 && (s[r-1] == '.' || s[r-1] == '-') {
		r--
	}
	dom := s[at+1 : r]
	if len(dom) < 3 {
		return
	}
	dots := 0
	lab := 0
	for i := 0; i < len(dom); i++ {
		c := dom[i]
		if c == '.' {
			if lab == 0 || dom[i-1] == '-' {
				return
			}
			dots++
			lab = 0
			continue
		}
		if lab == 0 && c == '-' {
			return
		}
		lab++
	}
	if dots == 0 {
		return
	}
	tld := dom[lastDot(dom)+1:]
	if len(tld) < 2 || len(tld) > 24 {
		return
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return
		}
	}
	if fileExt(tld) {
		return
	}
	sc.emit(TypeEmail, l, r, 0.95)
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// fileExt reports whether a would-be TLD is a common file extension
// ("icon@2x.png", "logo@3x.webp").
func fileExt(tld string) bool {
	switch lowerASCII(tld) {
	case "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "js", "ts", "css", "json", "md", "txt", "py", "go", "rs", "java", "yaml", "yml", "xml", "html", "mp4", "mp3", "pdf",
		"service", "slice", "socket", "target", "mount", "timer", "scope", "device": // systemd units (user@1000.service)
		return true
	}
	return false
}

// ipv6 validates the run of hex digits, ':' and '.' around the ':' at c.
func (sc *scanner) ipv6(c int) {
	s := sc.s
	n := len(s)
	if c < sc.v6End {
		return
	}
	// cheap prefilter: another ':' within 5 bytes on either side
	near := false
	for i := c + 1; i < n && i <= c+5; i++ {
		if s[i] == ':' {
			near = true
			break
		}
		if !isHex(s[i]) {
			break
		}
	}
	if !near {
		return
	}
	l := c
	for l > 0 && c-l < 45 && (isHex(s[l-1]) || s[l-1] == ':' || s[l-1] == '.') {
		l--
	}
	r := c
	for r < n && r-l < 45 && (isHex(s[r]) || s[r] == ':' || s[r] == '.') {
		r++
	}
	sc.v6End = r
	for r > c && s[r-1] == '.' {
		r--
	}
	if r-1 > l && s[r-1] == ':' && s[r-2] != ':' {
		r--
	}
	for l < c && s[l] == '.' {
		l++
	}
	if (l > 0 && (isAlnum(s[l-1]) || s[l-1] == '_')) || (r < n && (isAlnum(s[r]) || s[r] == '_')) {
		return
	}
	cand := s[l:r]
	colons, hexd := 0, 0
	for i := 0; i < len(cand); i++ {
		switch {
		case cand[i] == ':':
			colons++
		case isHex(cand[i]):
			hexd++
		}
	}
	if colons < 2 || hexd == 0 {
		return
	}
	digit := false
	for i := 0; i < len(cand); i++ {
		if isDigit(cand[i]) {
			digit = true
			break
		}
	}
	if !digit && hexd < 4 {
		return // a::b, std::io in code
	}
	if hexd < 2 && cand != "::1" {
		return // 0::/ in cgroup paths, 1::
	}
	if !validIPv6(cand) {
		return
	}
	score := 0.85
	if hexd < 3 {
		score = 0.6
	}
	sc.emit(TypeIPAddress, l, r, score)
}

// validIPv6 validates an IPv6 address in text form (RFC 4291 section 2.2:
// eight groups of 1-4 hex digits, one "::", an optional dotted IPv4 tail)
// without allocating (netip.ParseAddr allocates its error).
func validIPv6(s string) bool {
	n := len(s)
	if n < 2 {
		return false
	}
	i, groups, ellipsis := 0, 0, false
	if s[0] == ':' {
		if s[1] != ':' {
			return false
		}
		ellipsis = true
		i = 2
	}
	for i < n {
		j := i
		for j < n && isHex(s[j]) && j-i <= 4 {
			j++
		}
		if j < n && s[j] == '.' {
			if !ipv4Only(s[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i || j-i > 4 {
			return false
		}
		groups++
		i = j
		if i == n {
			break
		}
		if s[i] != ':' {
			return false
		}
		i++
		if i < n && s[i] == ':' {
			if ellipsis {
				return false
			}
			ellipsis = true
			i++
			continue
		}
		if i == n {
			return false
		}
	}
	if ellipsis {
		return groups <= 7
	}
	return groups == 8
}

// ipv4Only validates a whole string as a dotted quad.
func ipv4Only(s string) bool {
	i := 0
	for k := 0; k < 4; k++ {
		if k > 0 {
			if i >= len(s) || s[i] != '.' {
				return false
			}
			i++
		}
		j, v := i, 0
		for j < len(s) && isDigit(s[j]) && j-i < 4 {
			v = v*10 + int(s[j]-'0')
			j++
		}
		if j == i || j-i > 3 || v > 255 || (j-i > 1 && s[i] == '0') {
			return false
		}
		i = j
	}
	return i == len(s)
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// interesting reports whether one of the 8 bytes of x is a digit, ':' or
// '@' (SWAR: "has a byte between m and n" and "has a zero byte" from Bit
// Twiddling Hacks; bytes >= 0x80, i.e. all of CJK text, never match).
func interesting(x uint64) bool {
	const m, n = 0x2F, 0x3B // 0x30..0x3A: digits and ':'
	between := (lsb*(127+n) - (x & (lsb * 127))) & ^x & ((x & (lsb * 127)) + lsb*(127-m)) & msb
	y := x ^ (lsb * '@')
	at := (y - lsb) & ^y & msb
	return between|at != 0
}

func allUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) {
			return false
		}
	}
	return len(s) > 0
}

// dottedPhone validates a North American number written 212.555.0123 at p
// and returns its end, or 0.
func (sc *scanner) dottedPhone(p int) int {
	s := sc.s
	end := p + 12
	if end > len(s) || s[p+3] != '.' || s[p+7] != '.' {
		return 0
	}
	var d [10]byte
	k := 0
	for i := p; i < end; i++ {
		if i == p+3 || i == p+7 {
			continue
		}
		if !isDigit(s[i]) {
			return 0
		}
		d[k] = s[i]
		k++
	}
	if end < len(s) && (isAlnum(s[end]) || (end+1 < len(s) && (s[end] == '.' || s[end] == '-') && isDigit(s[end+1]))) {
		return 0
	}
	if !nanp(string(d[:])) || !sc.emit(TypePhone, p, end, 0.6) {
		return 0
	}
	return end
}

// pathMobile emits a mainland mobile number that is a whole path segment
// ("v1/13912345678", "/users/2024/13912345678.json"): a number glued to
// the token before it by '/' is otherwise taken for part of a longer
// number (a version, a date, a path of ids) and a phone in an object key or
// URL path would go unseen. Only exactly eleven digits that validate as a
// mobile number and end the segment qualify; it returns the end, or 0.
func (sc *scanner) pathMobile(t, p int) int {
	s := sc.s
	if t != p || s[p-1] != '/' {
		return 0
	}
	e := p
	for e < len(s) && isDigit(s[e]) {
		e++
	}
	if e-p != 11 || !mobile(s[p:e]) {
		return 0
	}
	if e < len(s) && (isAlnum(s[e]) || (s[e] == '-' || s[e] == '/') && e+1 < len(s) && isDigit(s[e+1])) {
		return 0
	}
	if !sc.emit(TypePhone, p, e, 0.6) {
		return 0
	}
	return e
}
