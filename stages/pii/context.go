package pii

import (
	"bytes"
	"unsafe"
)

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

var positive = map[string][]string{
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

var negative = map[string][]string{
	TypePhone:     {"订单", "訂單", "order", "tracking", "运单", "发票", "invoice", "version", "版本", "isbn", "sku", "serial", "序列号", "timestamp", "时间戳", "hash", "commit", "uuid", "txid", "交易号", "流水号", "批次", "batch", "qq"},
	TypeBankCard:  {"订单", "訂單", "order", "tracking", "快递", "运单", "物流", "发票", "invoice", "isbn", "sku", "serial", "序列号", "timestamp", "时间戳", "hash", "commit", "uuid", "txid", "交易号", "流水号", "批次", "batch", "身份证"},
	TypeUSSSN:     {"order", "订单", "invoice", "isbn", "serial", "tracking", "zip", "phone", "tel"},
	TypeIPAddress: {"version", "版本", "release", "ver.", "v.", "build", "oid", "section", "章节", "第"},
	TypePassport:  {"order", "订单", "serial", "sku"},
}

// contextAdjust returns the score change from context words around
// s[start:end] for candidates of type typ.
func contextAdjust(s, typ string, start, end int) float64 {
	pos, neg := positive[typ], negative[typ]
	if len(pos) == 0 && len(neg) == 0 {
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
	if anyWord(w, pos) {
		adj += ctxRaise
	}
	if anyWord(w, neg) {
		adj -= ctxLower
	}
	return adj
}

// anyWord reports whether one of words (lower-case) occurs in the
// lower-cased window w; an ASCII word must start at a word boundary (so
// "tel" does not match "hotel").
func anyWord(w []byte, words []string) bool {
	for _, k := range words {
		h := w
		for len(h) >= len(k) {
			i := bytes.Index(h, unsafeBytes(k))
			if i < 0 {
				break
			}
			off := len(w) - len(h) + i
			if !isLetter(k[0]) || off == 0 || !isLetter(w[off-1]) {
				return true
			}
			h = h[i+1:]
		}
	}
	return false
}

// unsafeBytes views a string as a byte slice without copying; the result
// is only read.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
