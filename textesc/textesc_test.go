package textesc

import "testing"

func TestLines(t *testing.T) {
	for in, want := range map[string]string{
		"plain 数据\n\tline":          "plain 数据\n\tline",
		"esc\x1b[31m":               `esc\x1b[31m`,
		"rtl\u202eexe":              `rtl\u202eexe`,
		"bad\xffbyte":               "bad\ufffdbyte", // an invalid byte reads as U+FFFD
		"del\x7f and c1 \u0085 end": `del\x7f and c1 \u0085 end`,
	} {
		if got := Lines(in); got != want {
			t.Errorf("Lines(%q) = %q, want %q", in, got, want)
		}
	}
}
