package pii

import "strings"

// Identifiers are also written with full-width characters (１３８１２３４５６７８,
// zhao＠example.com, common in CJK input methods) and percent-encoded inside
// URLs (?email=zhao.liu%40example.com). The scanner works on ASCII bytes, so
// Detect first folds such text into an ASCII spelling, scans that, and maps
// the offsets back to the original text.

// foldNeeded reports whether s holds a full-width digit or symbol that
// fold rewrites, or a percent-encoded '@'. Full-width punctuation that
// cannot be part of an identifier (，：) does not count: Chinese text is
// full of it and stays on the fast path.
func foldNeeded(s string) bool {
	if strings.Contains(s, "%40") {
		return true
	}
	for i := 0; ; {
		j := strings.IndexByte(s[i:], 0xEF)
		if j < 0 {
			return false
		}
		i += j
		if i+2 < len(s) && s[i+1] == 0xBC && foldByte(s[i+2]) != 0 {
			return true
		}
		i++
	}
}

// foldByte maps the last byte of a full-width character EF BC xx to its
// ASCII form, or 0 when fold leaves it alone.
func foldByte(b byte) byte {
	switch {
	case b >= 0x90 && b <= 0x99: // ０-９
		return '0' + (b - 0x90)
	case b == 0xA0: // ＠
		return '@'
	case b == 0x8B: // ＋
		return '+'
	case b == 0x8D: // －
		return '-'
	case b == 0x8E: // ．
		return '.'
	case b == 0x88: // （
		return '('
	case b == 0x89: // ）
		return ')'
	}
	return 0
}

// fold returns s with full-width digits and identifier symbols replaced by
// ASCII and "%40" by '@', and off, where off[i] is the offset in s of the
// byte folded to position i (len(off) = len(folded)+1).
func fold(s string) (string, []int) {
	b := make([]byte, 0, len(s))
	off := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		if s[i] == 0xEF && i+2 < len(s) && s[i+1] == 0xBC {
			if c := foldByte(s[i+2]); c != 0 {
				b = append(b, c)
				off = append(off, i)
				i += 3
				continue
			}
		}
		if s[i] == '%' && i+2 < len(s) && s[i+1] == '4' && s[i+2] == '0' {
			b = append(b, '@')
			off = append(off, i)
			i += 3
			continue
		}
		b = append(b, s[i])
		off = append(off, i)
		i++
	}
	off = append(off, len(s))
	return string(b), off
}

// Fold returns the ASCII spelling Detect scans for a value holding
// full-width digits or symbols or a percent-encoded '@'
// ("１３８１２３４５６７８" → "13812345678"). Normalise applies it, so a
// value detected in full-width form gets the subject key of its ASCII form.
func Fold(s string) string {
	if !foldNeeded(s) {
		return s
	}
	f, _ := fold(s)
	return f
}
