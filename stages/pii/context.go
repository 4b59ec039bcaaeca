package pii

// Context words near a candidate raise (a label such as 身份证 or "SSN") or
// lower (an order number, a version) its score. They are looked for in a
// window of bytes before and after the candidate; ASCII words match
// case-insensitively at a word start.

const (
	ctxBefore = 48 // bytes before the candidate (16 CJK characters)
	ctxAfter  = 24 // bytes after it
	ctxRaise  = 0.35
	ctxLower  = 0.4
)

var positiveWords = map[string][]string{
	TypeCNResidentID: {"身份证", "身份證", "证件号", "證件號", "公民身份", "身份号", "id card", "id number", "id no", "identity", "resident id", "citizen id"},
	TypePhone:        {"电话", "電話", "手机", "手機", "联系", "聯絡", "致电", "拨打", "热线", "传真", "号码", "tel", "phone", "telephone", "mobile", "call", "fax", "contact", "cell", "whatsapp", "text me"},
	TypeBankCard:     {"卡号", "卡號", "银行卡", "信用卡", "借记卡", "储蓄卡", "银联", "账号", "帳號", "card", "visa", "mastercard", "amex", "unionpay", "account", "payment", "credit"},
	TypeIBAN:         {"iban", "account", "账户", "bank"},
	TypeUSSSN:        {"ssn", "social security", "社会安全", "社會安全", "ss#", "ss no"},
	TypeCNUSCC:       {"信用代码", "信用代碼", "统一社会", "統一社會", "营业执照", "uscc", "credit code", "business licen"},
	TypePassport:     {"passport", "护照", "護照", "旅行证件", "travel document"},
	TypeHKID:         {"hkid", "hong kong", "香港", "身份证", "身份證", "identity card", "id card"},
	TypeTWID:         {"台湾", "台灣", "身分證", "身份证", "national id", "taiwan", "roc id"},
}

var negativeWords = map[string][]string{
	TypeCNResidentID: {"订单", "訂單", "order", "流水号", "交易号", "运单", "tracking", "txid", "snowflake"},
	TypePhone:        {"订单", "訂單", "order", "tracking", "运单", "发票", "invoice", "version", "版本", "isbn", "sku", "serial", "序列号", "timestamp", "时间戳", "hash", "commit", "uuid", "txid", "交易号", "流水号", "批次", "batch", "qq"},
	TypeBankCard:     {"订单", "訂單", "order", "tracking", "快递", "运单", "物流", "发票", "invoice", "isbn", "sku", "serial", "序列号", "timestamp", "时间戳", "hash", "commit", "uuid", "txid", "交易号", "流水号", "批次", "batch", "身份证"},
	TypeUSSSN:        {"order", "订单", "invoice", "isbn", "serial", "tracking", "zip", "phone", "tel"},
	TypeIPAddress:    {"version", "版本", "release", "ver.", "v.", "build", "oid", "section", "章节", "第", "§", "rfc", "iso", "clause"},
	TypePassport:     {"order", "订单", "serial", "sku"},
}

// wordSet is a keyword list indexed by first byte, so that a window is
// scanned once per list instead of once per keyword.
type wordSet struct {
	first [256]bool
	words [][]string // by first byte; nil when none
	// firstFold[c] is first[lowerByte(c)]: find's first-byte test.
	firstFold [256]bool
	// second has bit b of second[c] set when a word of at least two bytes
	// starts with bytes c, b; short[c] when a one-byte word is c. find
	// uses them to skip a position whose second byte no word has.
	second [256][4]uint64
	short  [256]bool
	// noCont is true when no word starts with a UTF-8 continuation byte
	// (a valid word never does): find then steps over a 3-byte rune.
	noCont bool
}

func newWordSet(words []string) *wordSet {
	if len(words) == 0 {
		return nil
	}
	ws := &wordSet{words: make([][]string, 256)}
	for _, w := range words {
		ws.first[w[0]] = true
		ws.words[w[0]] = append(ws.words[w[0]], w)
		if len(w) == 1 {
			ws.short[w[0]] = true
		} else {
			ws.second[w[0]][w[1]>>6] |= 1 << (w[1] & 63)
		}
	}
	for c := range 256 {
		ws.firstFold[c] = ws.first[lowerByte(byte(c))]
	}
	ws.noCont = true
	for c := 0x80; c < 0xC0; c++ {
		ws.noCont = ws.noCont && !ws.firstFold[c]
	}
	return ws
}

// match reports whether a word of the set occurs in the lower-cased
// window w; an ASCII word must start at a word boundary (so "tel" does not
// match "hotel").
func (ws *wordSet) match(w []byte) bool {
	if ws == nil {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if !ws.first[c] {
			continue
		}
		if isLetter(c) && i > 0 && isLetter(w[i-1]) {
			continue
		}
		for _, k := range ws.words[c] {
			if len(w)-i >= len(k) && string(w[i:i+len(k)]) == k {
				return true
			}
		}
	}
	return false
}

// find returns the first word of the set occurring in s, comparing ASCII
// letters case-insensitively (words are lower-case) and requiring a word
// boundary before an ASCII word; s is scanned once.
func (ws *wordSet) find(s string) (string, bool) {
	if ws == nil {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0xE0 && c <= 0xEF && ws.noCont && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			// A 3-byte rune (most CJK text): no word starts at its
			// continuation bytes, so when none starts at its first byte
			// either (the tests below, on bytes lowerByte leaves alone)
			// the scan goes on after it.
			if b := s[i+1]; !ws.firstFold[c] || (!ws.short[c] && ws.second[c][b>>6]&(1<<(b&63)) == 0) {
				i += 2
				continue
			}
		}
		if !ws.firstFold[s[i]] {
			continue
		}
		c := lowerByte(s[i])
		// Every word of two or more bytes compares its second byte with
		// lowerByte(s[i+1]) first; when none has that byte (or s ends
		// here) only a one-byte word can match.
		if !ws.short[c] {
			if i+1 >= len(s) {
				continue
			}
			b := lowerByte(s[i+1])
			if ws.second[c][b>>6]&(1<<(b&63)) == 0 {
				continue
			}
		}
		if isLetter(c) && i > 0 && isLetter(s[i-1]) {
			continue
		}
	words:
		for _, k := range ws.words[c] {
			if len(s)-i < len(k) {
				continue
			}
			for j := 1; j < len(k); j++ {
				if lowerByte(s[i+j]) != k[j] {
					continue words
				}
			}
			return k, true
		}
	}
	return "", false
}

// ctxSets holds the positive and negative word sets of each type.
var ctxSets = func() map[string][2]*wordSet {
	m := map[string][2]*wordSet{}
	for _, t := range Types {
		m[t] = [2]*wordSet{newWordSet(positiveWords[t]), newWordSet(negativeWords[t])}
	}
	return m
}()

// contextAdjust returns the score change from context words around
// s[start:end] for candidates of type typ.
func contextAdjust(s, typ string, start, end int) float64 {
	sets := ctxSets[typ]
	if sets[0] == nil && sets[1] == nil {
		return 0
	}
	lo := start - ctxBefore
	if lo < 0 {
		lo = 0
	}
	hi := end + ctxAfter
	if hi > len(s) {
		hi = len(s)
	}
	// one lower-cased copy of both windows, separated by a NUL so that no
	// word spans the candidate itself
	var buf [ctxBefore + ctxAfter + 1]byte
	n := copy(buf[:], s[lo:start])
	buf[n] = 0
	n++
	n += copy(buf[n:], s[end:hi])
	w := buf[:n]
	for i, c := range w {
		if isUpper(c) {
			w[i] = c + 'a' - 'A'
		}
	}
	adj := 0.0
	if sets[0].match(w) {
		adj += ctxRaise
	}
	if sets[1].match(w) {
		adj -= ctxLower
	}
	return adj
}

func lowerByte(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}
