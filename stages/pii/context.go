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
	// pairs has bit c<<8|b set when a word of at least two bytes starts
	// with bytes c, b, or a one-byte word is c (for every b); short[c]
	// when a one-byte word is c. find tests a position only when the
	// lower-cased pair there is in pairs: one load and a branch that is
	// rarely taken per byte, instead of a test on every byte that starts
	// a word (a common letter).
	pairs [1 << 16 / 64]uint64
	short [256]bool
	// When every word has at least three bytes (the default markers:
	// "hiv" and two-character Chinese words), find reads every second
	// position p only, and its three bytes: a word starts at p when they
	// are its bytes 0-2 (bit triSlot of tri0), at p-1 when they are its
	// bytes 1-3 (tri1) or, for a word of three bytes, when the two bytes
	// at p are its bytes 1-2 (pair3); every occurrence starts at such a
	// p or p-1. A byte pair passes far more often than three bytes (the
	// lead and first continuation byte of 人 start 64 characters, "pr" and
	// "me" start many English words), and each pass tries the words.
	tri3       bool
	tri0, tri1 [1 << 16 / 64]uint64
	pair3      [1 << 16 / 64]uint64
}

// triSlot hashes three lower-cased bytes to a bit of wordSet.tri.
func triSlot(g uint32) uint32 { return (g * 0x9E3779B1) >> 16 }

func newWordSet(words []string) *wordSet {
	if len(words) == 0 {
		return nil
	}
	ws := &wordSet{words: make([][]string, 256), tri3: true}
	for _, w := range words {
		switch {
		case len(w) < 3:
			ws.tri3 = false
		case len(w) == 3:
			i := uint32(w[1])<<8 | uint32(w[2])
			ws.pair3[i>>6] |= 1 << (i & 63)
		default:
			i := triSlot(uint32(w[1])<<16 | uint32(w[2])<<8 | uint32(w[3]))
			ws.tri1[i>>6] |= 1 << (i & 63)
		}
		if len(w) >= 3 {
			i := triSlot(uint32(w[0])<<16 | uint32(w[1])<<8 | uint32(w[2]))
			ws.tri0[i>>6] |= 1 << (i & 63)
		}
		ws.first[w[0]] = true
		ws.words[w[0]] = append(ws.words[w[0]], w)
		if len(w) == 1 {
			ws.short[w[0]] = true
			for b := range 256 {
				ws.setPair(w[0], byte(b))
			}
		} else {
			ws.setPair(w[0], w[1])
		}
	}
	return ws
}

func (ws *wordSet) setPair(c, b byte) {
	i := uint32(c)<<8 | uint32(b)
	ws.pairs[i>>6] |= 1 << (i & 63)
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
	if ws == nil || len(s) == 0 {
		return "", false
	}
	if ws.tri3 {
		return ws.find3(s)
	}
	prev := uint32(lowerTable[s[0]])
	for i := 0; i+1 < len(s); i++ {
		next := uint32(lowerTable[s[i+1]])
		p := prev<<8 | next
		prev = next
		if ws.pairs[p>>6]&(1<<(p&63)) == 0 {
			continue
		}
		if w, ok := ws.at(s, i); ok {
			return w, true
		}
	}
	// At the last byte only a one-byte word fits.
	if i := len(s) - 1; ws.short[lowerByte(s[i])] {
		return ws.at(s, i)
	}
	return "", false
}

// find3 is find for a set whose words all have at least three bytes (see
// wordSet.tri3). Candidates come in increasing order (p-1, p, p+1, p+2
// ...), so the first that holds a word is find's answer.
func (ws *wordSet) find3(s string) (string, bool) {
	for p := 0; p+1 < len(s); p += 2 {
		a, b := uint32(lowerTable[s[p]]), uint32(lowerTable[s[p+1]])
		before, at := false, false
		if p+2 < len(s) {
			t := triSlot(a<<16 | b<<8 | uint32(lowerTable[s[p+2]]))
			bit := uint64(1) << (t & 63)
			before, at = ws.tri1[t>>6]&bit != 0, ws.tri0[t>>6]&bit != 0
		}
		if g := a<<8 | b; ws.pair3[g>>6]&(1<<(g&63)) != 0 {
			before = true
		}
		if before && p > 0 {
			if w, ok := ws.at(s, p-1); ok {
				return w, true
			}
		}
		if at {
			if w, ok := ws.at(s, p); ok {
				return w, true
			}
		}
	}
	return "", false
}

// at returns the first word of the set that occurs at s[i] (ASCII
// letters compared case-insensitively, an ASCII word not preceded by a
// letter).
func (ws *wordSet) at(s string, i int) (string, bool) {
	c := lowerByte(s[i])
	if isLetter(c) && i > 0 && isLetter(s[i-1]) {
		return "", false
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
	return "", false
}

// lowerTable is lowerByte as a table.
var lowerTable = func() (t [256]byte) {
	for c := range 256 {
		t[c] = lowerByte(byte(c))
	}
	return t
}()

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
