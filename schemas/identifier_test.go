package schemas

import (
	"testing"
	"unicode/utf8"
)

func TestNormalizeIdentifier(t *testing.T) {
	tests := []struct{ kind, in, want string }{
		{IdentEmail, " Alice@Example.COM ", "alice@example.com"},
		{IdentEmail, "zhang.san@example.cn", "zhang.san@example.cn"},
		{IdentPhone, "+86 138-0013-8000", "13800138000"},
		{IdentPhone, "0086 13800138000", "13800138000"},
		{IdentPhone, "86 138 0013 8000", "13800138000"},
		{IdentPhone, "(+86) 138 0013 8000", "13800138000"},
		{IdentPhone, "138 0013 8000", "13800138000"},
		{IdentPhone, "010-12345678", "01012345678"},
		{IdentPhone, "0086 10 12345678", "1012345678"},
		{IdentPhone, "+1 (415) 555-2671", "14155552671"},
		{IdentPhone, "00868613800138000", "13800138000"},
		{IdentIDNumber, "11010519491231002x", "11010519491231002X"},
		{IdentIDNumber, "110105 19491231 002X", "11010519491231002X"},
		{IdentIDNumber, "A123456(3)", "A1234563"},
		{IdentIDNumber, "a123456 ( 3 )", "A1234563"},
		{IdentIDNumber, "A1234563", "A1234563"},
		{IdentIDNumber, "536-90-4399", "536904399"},
		{IdentIDNumber, "536904399", "536904399"},
		{IdentIDNumber, "a123456789", "A123456789"},
		{IdentBankCard, "6222 0212 3456 7890 128", "6222021234567890128"},
		{IdentBankCard, "4111-1111-1111-1111", "4111111111111111"},
		{IdentIBAN, "de89 3704 0044 0532 0130 00", "DE89370400440532013000"},
		{IdentIPAddress, " 2001:DB8::0001 ", "2001:db8::1"},
		{IdentIPAddress, "not an ip", ""},
		{IdentOrgID, "91350100m000100y43", "91350100M000100Y43"},
		{IdentSubjectID, " u-42 ", "u-42"},
		{"other", " X y ", "X y"},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.in, func(t *testing.T) {
			if got := NormalizeIdentifier(tc.kind, tc.in); got != tc.want {
				t.Fatalf("NormalizeIdentifier(%q, %q) = %q, want %q", tc.kind, tc.in, got, tc.want)
			}
		})
	}
}

var identKinds = []string{IdentEmail, IdentPhone, IdentIDNumber, IdentBankCard, IdentIBAN, IdentIPAddress, IdentOrgID, IdentSubjectID}

// FuzzNormalizeIdentifier checks that normalising is idempotent for every
// kind and that the strictly ASCII kinds give ASCII.
func FuzzNormalizeIdentifier(f *testing.F) {
	for _, s := range []string{
		"Alice@Example.COM", "+86 138-0013-8000", "0086 13800138000", "A123456(3)",
		"11010519491231002x", "536-90-4399", "6222 0212 3456 7890 128", "::ffff:1.2.3.4",
		"fe80::1%eth0", "00860086008613800138000", "İstanbul@EXAMPLE.com", "\xff\xfe ",
	} {
		for k := range identKinds {
			f.Add(uint8(k), s)
		}
	}
	f.Fuzz(func(t *testing.T, k uint8, v string) {
		kind := identKinds[int(k)%len(identKinds)]
		once := NormalizeIdentifier(kind, v)
		if twice := NormalizeIdentifier(kind, once); twice != once {
			t.Fatalf("not idempotent for %s %q: %q then %q", kind, v, once, twice)
		}
		switch kind {
		case IdentPhone, IdentBankCard, IdentIDNumber, IdentIBAN, IdentOrgID:
			for i := 0; i < len(once); i++ {
				if once[i] >= utf8.RuneSelf {
					t.Fatalf("%s %q normalised to non-ASCII %q", kind, v, once)
				}
			}
		}
	})
}
