package pii

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

type want struct {
	typ, value string
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []want
	}{
		{"glued to Chinese", "电话13812345678，谢谢", []want{{TypePhone, "13812345678"}}},
		{"inside a longer digit run", "编号991381234567899", nil},
		{"resident id with X", "身份证号11010519491231002X。", []want{{TypeCNResidentID, "11010519491231002X"}}},
		{"resident id lower-case x", "id 11010519491231002x ok", []want{{TypeCNResidentID, "11010519491231002x"}}},
		{"id-shaped order number", "订单号11010519491231002X已发货", nil},
		{"resident id bad check digit", "身份证号110105194912310021。", nil},
		{"resident id bad date", "身份证号110105194913310029。", nil},
		{"resident id inside longer run", "11010519491231002X1", nil},
		{"mobile grouped", "手机 138-1234-5678", []want{{TypePhone, "138-1234-5678"}}},
		{"mobile +86", "Tel: +86 138 1234 5678.", []want{{TypePhone, "+86 138 1234 5678"}}},
		{"landline", "座机010-62345678", []want{{TypePhone, "010-62345678"}}},
		{"landline paren", "(0755) 8888-6666", []want{{TypePhone, "(0755) 8888-6666"}}},
		{"NANP", "call (415) 555-2671 now", []want{{TypePhone, "(415) 555-2671"}}},
		{"international", "UK office +44 20 7946 0958", []want{{TypePhone, "+44 20 7946 0958"}}},
		{"not a mobile prefix", "值12812345678", nil},
		{"email", "mail Zhang.San+x@mail.example.com.", []want{{TypeEmail, "Zhang.San+x@mail.example.com"}}},
		{"email digits local part", "13812345678@qq.com", []want{{TypeEmail, "13812345678@qq.com"}}},
		{"retina asset is no email", "icon@2x.png", nil},
		{"npm version is no email", "lodash@4.17.21", nil},
		{"card plain", "卡号6222021234567890128", []want{{TypeBankCard, "6222021234567890128"}}},
		{"card grouped", "Visa 4111-1111-1111-1111", []want{{TypeBankCard, "4111-1111-1111-1111"}}},
		{"card bad luhn", "卡号4111111111111112", nil},
		{"card near order word", "订单号4111111111111111", nil},
		{"ipv4", "host 10.0.0.1:8080", []want{{TypeIPAddress, "10.0.0.1"}}},
		{"ipv4 out of range", "1.2.3.256", nil},
		{"version is no ip", "version 1.2.3.4.5", nil},
		{"ipv6", "addr 2001:db8::8a2e:370:7334;", []want{{TypeIPAddress, "2001:db8::8a2e:370:7334"}}},
		{"time is no ipv6", "at 12:30:45", nil},
		{"mac is no ipv6", "00:1A:2B:3C:4D:5E", nil},
		{"iban grouped", "IBAN GB29 NWBK 6016 1331 9268 19.", []want{{TypeIBAN, "GB29 NWBK 6016 1331 9268 19"}}},
		{"iban bad check", "IBAN GB28NWBK60161331926819", nil},
		{"ssn", "SSN 536-90-4399", []want{{TypeUSSSN, "536-90-4399"}}},
		{"ssn area 666", "SSN 666-90-4399", nil},
		{"ssn plain needs context", "ref 536904399", nil},
		{"ssn plain with context", "SSN: 536904399", []want{{TypeUSSSN, "536904399"}}},
		{"uscc", "信用代码91350100M000100Y43", []want{{TypeCNUSCC, "91350100M000100Y43"}}},
		{"uscc bad check", "信用代码91350100M000100Y44", nil},
		{"hk id", "HKID A123456(3)", []want{{TypeHKID, "A123456(3)"}}},
		{"hk id bad check", "HKID A123456(4)", nil},
		{"tw id", "身分證A123456789", []want{{TypeTWID, "A123456789"}}},
		{"passport needs context", "model E12345678", nil},
		{"passport with context", "护照号码E12345678", []want{{TypePassport, "E12345678"}}},
		{"uuid", "550e8400-e29b-41d4-a716-446655440000", nil},
		{"sha", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", nil},
		{"decimal", "pi 3.14159265358979", nil},
		{"date", "2024-09-15 and 20240915", nil},
		{"ms timestamp", "ts 1712345678901", nil},
		{"id glued to ID label", "ID11010519491231002X;", []want{{TypeCNResidentID, "11010519491231002X"}}},
		{"phone glued to TEL label", "TEL13812345678", []want{{TypePhone, "13812345678"}}},
		{"phone glued to tel", "tel13812345678", []want{{TypePhone, "13812345678"}}},
		{"ip glued to IP label", "IP192.168.1.10 blocked", []want{{TypeIPAddress, "192.168.1.10"}}},
		{"version glued to a word", "python3.11.4", nil},
		{"dotted NANP", "phone 212.555.0123.", []want{{TypePhone, "212.555.0123"}}},
		{"dotted version is no phone", "release 212.555.0123.4", nil},
		{"negative int64 is no card", "x := []int64{-4576982950128230565, 1}", nil},
		{"unissued IIN is no card", "6835753265595711384", nil},
		{"exponent is no country code", `"0x.8p+2147483647"`, nil},
		{"json-escaped email", `\u003Ctasty@example.com\u003E`, []want{{TypeEmail, "tasty@example.com"}}},
		{"url-encoded email", "mailto:Ali%20%3cm.ali@example.com%3e", []want{{TypeEmail, "m.ali@example.com"}}},
		{"systemd unit is no email", "user@1000.service", nil},
		{"cgroup path is no ipv6", "0::/user.slice", nil},
		{"rcs version is no ip", "elf.h,v 1.5.2.1 2006/06/30", nil},
		{"section number is no ip", "C11 §5.1.2.4", nil},
		{"identifier with digits", "var13812345678", nil},
		{"fictitious NANP", "call (555) 123-4567", []want{{TypePhone, "(555) 123-4567"}}},
		{"several", "张三 13912345678, zs@example.cn, 卡 6222021234567890128", []want{{TypePhone, "13912345678"}, {TypeEmail, "zs@example.cn"}, {TypeBankCard, "6222021234567890128"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Detect(tc.text)
			if len(got) != len(tc.want) {
				t.Fatalf("Detect(%q) = %v, want %v", tc.text, got, tc.want)
			}
			for i, e := range got {
				if e.Type != tc.want[i].typ || tc.text[e.Start:e.End] != tc.want[i].value {
					t.Errorf("entity %d = %s %q, want %s %q", i, e.Type, tc.text[e.Start:e.End], tc.want[i].typ, tc.want[i].value)
				}
				if e.Score < DefaultMinScore || e.Score > 1 {
					t.Errorf("entity %d score %v outside [%v, 1]", i, e.Score, DefaultMinScore)
				}
			}
		})
	}
}

func TestContextRaisesScore(t *testing.T) {
	plain := Detect("x 13812345678")
	ctx := Detect("手机 13812345678")
	if len(plain) != 1 || len(ctx) != 1 {
		t.Fatalf("got %v and %v", plain, ctx)
	}
	if ctx[0].Score <= plain[0].Score {
		t.Errorf("context score %v not above plain %v", ctx[0].Score, plain[0].Score)
	}
	if neg := Detect("订单 13812345678"); len(neg) != 0 {
		t.Errorf("order context kept %v", neg)
	}
}

func TestNormalise(t *testing.T) {
	tests := []struct {
		typ, value, kind, norm string
	}{
		{TypeEmail, " Zhang.San@Example.COM", KindEmail, "zhang.san@example.com"},
		{TypePhone, "+86 138-1234-5678", KindPhone, "13812345678"},
		{TypePhone, "8613812345678", KindPhone, "13812345678"},
		{TypePhone, "138 1234 5678", KindPhone, "13812345678"},
		{TypePhone, "+86 10 6552 9988", KindPhone, "861065529988"},
		{TypePhone, "0086 138 1234 5678", KindPhone, "13812345678"},
		{TypePhone, "(415) 555-2671", KindPhone, "4155552671"},
		{TypeCNResidentID, "11010519491231002x", KindIDNumber, "11010519491231002X"},
		{TypeHKID, "A123456(3)", KindIDNumber, "A1234563"},
		{TypeCNResidentID, "110105 19491231 002x", KindIDNumber, "11010519491231002X"},
		{TypeBankCard, "4111-1111-1111-1111", KindBankCard, "4111111111111111"},
		{TypeIBAN, "gb29 nwbk 6016 1331 9268 19", KindIBAN, "GB29NWBK60161331926819"},
		{TypeIPAddress, "2001:0db8:0000::1", KindIPAddress, "2001:db8::1"},
		{TypeCNUSCC, "91350100m000100y43", KindOrgID, "91350100M000100Y43"},
		{"NOPE", "x", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.typ+" "+tc.value, func(t *testing.T) {
			k, n := Normalise(tc.typ, tc.value)
			if k != tc.kind || n != tc.norm {
				t.Errorf("Normalise(%s, %q) = %q, %q; want %q, %q", tc.typ, tc.value, k, n, tc.kind, tc.norm)
			}
		})
	}
	if got := NormaliseSubject(KindPhone, "+86 138 1234 5678"); got != "13812345678" {
		t.Errorf("NormaliseSubject phone = %q", got)
	}
}

func TestValidators(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		ok   bool
	}{
		{"id", cnID, "11010519491231002X", true},
		{"id 1880", cnID, "440524188001010014", true},
		{"id feb 30", cnID, "110105194902300021", false},
		{"luhn", luhn, "79927398713", true},
		{"luhn bad", luhn, "79927398710", false},
		{"card amex", card, "378282246310005", true},
		{"card unknown IIN", card, "7992739871300000", false},
		{"mobile 154", mobile, "15412345678", false},
		{"mobile 199", mobile, "19912345678", true},
		{"landline", landline, "01062345678", true},
		{"landline local 1", landline, "01012345678", false},
		{"nanp 555", nanp, "4155552671", true},
		{"nanp N11", nanp, "4115552671", false},
		{"ssn", ssn, "536904399", true},
		{"ssn 9xx", ssn, "936904399", false},
		{"uscc", uscc, "91350100M000100Y43", true},
		{"tw", twID, "A123456789", true},
		{"tw bad", twID, "A123456788", false},
		{"ipv6", validIPv6, "::ffff:192.0.2.128", true},
		{"ipv6 two ellipses", validIPv6, "1::2::3", false},
		{"ipv6 nine groups", validIPv6, "1:2:3:4:5:6:7:8:9", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fn(tc.in); got != tc.ok {
				t.Errorf("%s(%q) = %v, want %v", tc.name, tc.in, got, tc.ok)
			}
		})
	}
	if !hkID("A123456", '3') || hkID("A123456", '4') {
		t.Error("hkID check digit")
	}
	if !ibanMod97([]byte("GB29NWBK60161331926819")) || ibanMod97([]byte("GB29NWBK60161331926818")) {
		t.Error("ibanMod97")
	}
}

// checkEntities asserts the Detect invariants on text.
func checkEntities(t *testing.T, text string, ents []Entity) {
	t.Helper()
	prevEnd := 0
	for i, e := range ents {
		if e.Start < 0 || e.End > len(text) || e.Start >= e.End {
			t.Fatalf("entity %d %+v outside text of %d bytes", i, e, len(text))
		}
		if e.Start < prevEnd {
			t.Fatalf("entity %d %+v overlaps or is out of order (previous end %d)", i, e, prevEnd)
		}
		prevEnd = e.End
		for j := e.Start; j < e.End; j++ {
			if text[j] >= utf8.RuneSelf {
				t.Fatalf("entity %d %+v holds a non-ASCII byte", i, e)
			}
		}
		if utf8.ValidString(text) && (!utf8.RuneStart(text[e.Start]) || (e.End < len(text) && !utf8.RuneStart(text[e.End]))) {
			t.Fatalf("entity %d %+v not on UTF-8 boundaries", i, e)
		}
		if e.Score < DefaultMinScore || e.Score > 1 {
			t.Fatalf("entity %d score %v", i, e.Score)
		}
		known := false
		for _, ty := range Types {
			known = known || ty == e.Type
		}
		if !known {
			t.Fatalf("entity %d unknown type %q", i, e.Type)
		}
	}
}

// seedTexts returns every text of testdata for fuzz seeds.
func seedTexts(f *testing.F) []string {
	var out []string
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil || bytes.HasPrefix(b, []byte("PAR1")) {
			continue
		}
		if strings.HasSuffix(p, ".jsonl") {
			for _, line := range strings.Split(string(b), "\n") {
				var l labelled
				if json.Unmarshal([]byte(line), &l) == nil && l.Text != "" {
					out = append(out, l.Text)
				}
			}
			continue
		}
		out = append(out, string(b))
	}
	return out
}

func FuzzDetect(f *testing.F) {
	for _, s := range seedTexts(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ents := Detect(text)
		checkEntities(t, text, ents)
		for _, e := range ents {
			// a detected value normalises to a non-empty subject value
			if k, n := Normalise(e.Type, text[e.Start:e.End]); k == "" || n == "" {
				t.Fatalf("Normalise(%s, %q) empty", e.Type, text[e.Start:e.End])
			}
		}
	})
}

func TestDetectSeeds(t *testing.T) {
	for _, s := range seedTexts(nil) {
		checkEntities(t, s, Detect(s))
	}
}
