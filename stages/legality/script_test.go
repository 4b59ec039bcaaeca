package legality

import (
	"strings"
	"testing"
)

// TestLangByScript: a record without a declared language counts for the
// one declared language of its source that its script fits (TC260-5.1-b
// groups), never for one the source does not declare.
func TestLangByScript(t *testing.T) {
	src := func(langs ...string) *sourceInfo {
		info := &sourceInfo{groupKeys: map[string]string{"und": "und/text"}}
		for _, l := range langs {
			info.groupKeys[l] = l + "/text"
		}
		return info
	}
	for _, tt := range []struct {
		langs []string
		text  string
		want  string
	}{
		{[]string{"zh", "en"}, "今天天气很好，我们去公园散步吧。", "zh"},
		{[]string{"zh", "en"}, "The weather is fine today, let us walk in the park.", "en"},
		{[]string{"zh", "en"}, "我们用 Go 写了一个 HTTP 服务", "zh"}, // Han letters outnumber the Latin ones
		{[]string{"zh", "en"}, "12345 678 -- ...", "und"},
		{[]string{"zh", "en"}, "Привет, как дела?", "und"}, // Cyrillic: neither declared language
		{[]string{"ja", "zh"}, "今日は良い天気ですね。", "ja"},
		{[]string{"ja", "zh"}, "今天天气很好", "zh"},
		{[]string{"en", "fr"}, "Bonjour tout le monde", "und"}, // two Latin-script languages
		{[]string{"ru", "en"}, "Привет, как дела?", "ru"},
		{[]string{"ko", "en"}, "안녕하세요 반갑습니다", "ko"},
		{[]string{"zh"}, "The weather is fine", "und"},                                               // one language: the caller uses it
		{[]string{"zh", "en"}, strings.Repeat("a", scriptLetters) + strings.Repeat("汉", 2000), "en"}, // bounded
	} {
		if got := src(tt.langs...).langByScript(tt.text); got != tt.want {
			t.Errorf("%v %.40q: %q, want %q", tt.langs, tt.text, got, tt.want)
		}
	}
}

func BenchmarkLangByScript(b *testing.B) {
	info := &sourceInfo{groupKeys: map[string]string{"und": "und/text", "zh": "zh/text", "en": "en/text"}}
	text := strings.Repeat("今天天气很好，我们去公园散步吧。The weather is fine today. ", 40)
	b.SetBytes(int64(min(len(text), scriptPrefix)))
	for b.Loop() {
		_ = info.langByScript(text)
	}
}
