package readers

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prov-ai/prov/schemas"
)

// simpleScanText is the plain two-pass reference scanText must agree
// with: scan the string, then validate its body with utf8.Valid and find
// the first invalid sequence rune by rune.
func simpleScanText(x *extractor, line []byte, i int) (end int, esc bool, bad int, err error) {
	end, esc, err = x.scanString(line, i)
	if err != nil {
		return 0, false, -1, err
	}
	body := line[i:end]
	if utf8.Valid(body) {
		return end, esc, -1, nil
	}
	return end, esc, i + invalidAt(body), nil
}

// checkScanText compares scanText with the reference on the string body
// starting at line[i].
func checkScanText(t *testing.T, line []byte, i int) {
	t.Helper()
	var ref, fast extractor
	wantEnd, wantEsc, wantBad, wantErr := simpleScanText(&ref, line, i)
	fast.badUTF8 = -2
	end, esc, err := fast.scanText(line, i)
	if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
		t.Fatalf("%q at %d: error %v, reference %v", line, i, err, wantErr)
	}
	if err != nil {
		if fast.errAt != ref.errAt {
			t.Fatalf("%q at %d: error at %d, reference at %d", line, i, fast.errAt, ref.errAt)
		}
		return
	}
	if end != wantEnd || esc != wantEsc || fast.badUTF8 != wantBad {
		t.Fatalf("%q at %d: end %d esc %v bad %d, reference end %d esc %v bad %d",
			line, i, end, esc, fast.badUTF8, wantEnd, wantEsc, wantBad)
	}
}

// scanPieces are the building blocks of the random strings: ASCII runs of
// several lengths, every special byte, escapes (good and bad), valid
// sequences of each length (including the 3-byte leads E0 and ED with
// their narrowed second byte, and the 4-byte leads F0 and F4), and the
// classes of invalid UTF-8: stray continuation bytes, overlong forms,
// surrogates, code points above U+10FFFF, bytes that never occur, and
// sequences cut short.
var scanPieces = []string{
	"a", "abcdefg", "abcdefghijklmnop", " ", "~", "\x7f",
	`"`, `\`, "\x00", "\x01", "\x1f", "\n",
	`\"`, `\\`, `\/`, `\b`, `\n`, `\u00e9`, `\uD83D\uDE00`, `\ud800`, `\x`, `\u12`, `\u12g4`,
	"é", "中", "文字", "中文字符", "€", "\u0800", "\ufffd", "\uffff", "\U00010000", "😀", "\U0010ffff",
	"\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf",
	"\x80", "\xbf", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
	"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf8", "\xfe", "\xff",
	"\xc3", "\xe4\xb8", "\xf0\x9f\x98", "\xe4", "\xe4\xb8\xad\xe4", "\xe4\xb8\xad\xe6\x96",
}

// TestScanTextDifferential compares the one-pass scanner with the two-pass
// reference on random strings built from scanPieces, at every alignment
// (the fast paths read 8 bytes at a time).
func TestScanTextDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 550))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for k := 0; k < n; k++ {
		pre := rng.IntN(9)
		line := make([]byte, 0, 64)
		for range pre {
			line = append(line, 'p')
		}
		parts := rng.IntN(12)
		for range parts {
			line = append(line, scanPieces[rng.IntN(len(scanPieces))]...)
		}
		switch rng.IntN(4) {
		case 0: // no closing quote
		default:
			line = append(line, '"')
			for range rng.IntN(10) {
				line = append(line, "x}, \xff"[rng.IntN(5)])
			}
		}
		checkScanText(t, line, pre)
	}
}

// TestScanTextRandomBytes compares them on uniformly random bytes, most of
// which are not UTF-8, and on random bytes with the high bit mostly set.
func TestScanTextRandomBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 300))
	for k := 0; k < 50000; k++ {
		line := make([]byte, rng.IntN(40))
		for j := range line {
			c := byte(rng.Uint32())
			if k%2 == 1 && c < 0x80 && rng.IntN(8) != 0 {
				c |= 0x80 // long non-ASCII runs
			}
			line[j] = c
		}
		for i := 0; i <= len(line); i++ {
			checkScanText(t, line, i)
		}
	}
}

// FuzzScanText is the differential test on fuzzer-chosen input.
func FuzzScanText(f *testing.F) {
	for _, p := range scanPieces {
		f.Add([]byte(p + `"`))
	}
	f.Add([]byte("中文字符和English混合的文本, tail é\""))
	f.Add([]byte("0123456789abcdef\x80qrstuvwx\""))
	seeds(f, ".jsonl")
	f.Fuzz(func(t *testing.T, data []byte) {
		for i := 0; i <= len(data) && i < 16; i++ {
			checkScanText(t, data, i)
		}
	})
}

// TestSpecialOrHigh checks the lowest flagged byte of specialOrHigh against
// a byte loop, on words built from the bytes that matter.
func TestSpecialOrHigh(t *testing.T) {
	interesting := func(c byte) bool { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\' }
	pool := []byte{0, 1, 0x1f, 0x20, 0x21, '"', '#', '\\', ']', 'a', 0x7f, 0x80, 0x81, 0xa2, 0xdc, 0xff}
	rng := rand.New(rand.NewPCG(8, 8))
	for k := 0; k < 1000000; k++ {
		var w uint64
		first := 8
		for j := 7; j >= 0; j-- {
			c := pool[rng.IntN(len(pool))]
			if rng.IntN(3) == 0 {
				c = byte(rng.Uint32())
			}
			w = w<<8 | uint64(c)
			if interesting(c) {
				first = j
			}
		}
		m := specialOrHigh(w)
		got := 8
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != first {
			t.Fatalf("word %#016x: first flagged byte %d, want %d", w, got, first)
		}
	}
}

// TestKeyLengths: top-level keys are matched by length first; keys of
// every length class (short, just under, at and over the last class) and
// two fields on one key are still found, and keys of the same length that
// differ are not confused.
func TestKeyLengths(t *testing.T) {
	k30 := strings.Repeat("a", 30)
	k31 := strings.Repeat("b", 31)
	k45 := strings.Repeat("c", 44) + "x"
	var o Options
	o.Fields[schemas.FieldText] = "t"
	o.Fields[schemas.FieldID] = k30
	o.Fields[schemas.FieldURL] = k31
	o.Fields[schemas.FieldLicence] = k45
	o.Fields[schemas.FieldSource] = k45
	o.Fields[schemas.FieldLanguage] = "u"
	line := `{"u":"U","t":"T","` + strings.Repeat("c", 45) + `":"no","` + k30 + `":"30","` + k31 + `":"31","` +
		strings.Repeat("b", 32) + `":"no","` + k45 + `":"45","` + strings.Repeat("a", 29) + `":"no"}`
	got := readBytes(t, "k.jsonl", []byte(line), o)
	checkRecords(t, got, []want{{line: 1, values: map[string]string{
		"text": "T", "language": "U", "id": "30", "url": "31", "licence": "45", "source": "45"}}})
}
