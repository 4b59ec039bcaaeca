package aigc

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// Word classes of the label vocabulary.
const (
	clsAI    = 1 << iota // names artificial intelligence
	clsGen               // names generation or synthesis
	clsFill              // function words of a notice (本, 内容, this, was ...)
	clsDisc              // disclaimers (仅供参考, for reference only ...)
	clsIntro             // introduces a notice (声明, Note ...)
)

// vocabulary is every word a label notice may be made of. The phrasings
// are those of GB 45438-2025 (a text label holds "人工智能" or "AI" and
// "生成" and/or "合成") and the notices platforms print in practice.
var vocabulary = map[uint8][]string{
	clsAI: {
		"人工智能", "ai", "ＡＩ", "ａｉ", "artificial intelligence", "aigc", "大模型", "大语言模型", "语言模型",
		"生成式人工智能", "智能体", "llm", "large language model", "language model",
	},
	clsGen: {
		"生成", "合成", "创作", "撰写", "编写", "generated", "synthesized", "synthesised", "synthetic",
		"created", "written", "produced", "composed", "auto-generated", "made", "imagined",
	},
	clsFill: {
		"本", "此", "该", "以下", "上述", "本文", "全文", "本篇", "文章", "内容", "文本", "文字", "图文", "回答", "回复",
		"答案", "信息", "由", "为", "是", "系", "经", "经过", "使用", "利用", "通过", "借助", "采用", "的", "已", "辅助",
		"技术", "模型", "工具", "系统", "部分", "全部", "完全", "自动", "服务", "所", "基于", "条", "篇", "段", "结果",
		"摘要", "总结", "生成式", "片段", "稿件", "参与", "进行", "了", "可能", "疑似", "含有", "包含", "涉及", "相关", "以上", "视频", "图片", "图像", "音频", "作品",
		"this", "the", "that", "these", "following", "below", "above", "content", "contents", "text", "article",
		"post", "page", "response", "answer", "reply", "summary", "message", "document", "story", "passage",
		"output", "was", "were", "is", "are", "has", "have", "been", "be", "may", "might", "fully", "partially",
		"partly", "entirely", "wholly", "automatically", "in", "part", "by", "with", "using", "an", "a", "of",
		"tool", "tools", "model", "models", "system", "assistance", "assisted", "help", "generative", "an",
		"contains", "containing", "includes", "including", "and", "or", "via", "through", "its", "it",
		"machine", "some", "all", "or",
	},
	clsDisc: {
		"仅供参考", "供参考", "参考", "请", "谨慎", "注意", "仔细", "甄别", "辨别", "核实", "识别", "鉴别", "不构成",
		"建议", "仅", "准确性", "请勿", "转载", "未经", "人工", "审核", "校对", "for", "reference", "only", "please",
		"verify", "check", "review", "reviewed", "edited", "carefully", "contain", "errors", "inaccuracies",
		"mistakes", "human", "humans", "accuracy", "not", "guaranteed", "advice", "informational", "purposes",
	},
	clsIntro: {
		"声明", "作者声明", "提示", "注", "注意", "说明", "免责声明", "标识", "标注", "温馨提示", "特别声明", "重要提示", "特别提示",
		"note", "notice", "disclaimer", "label", "disclosure", "ai disclosure", "ai notice",
	},
}

// word is one non-ASCII vocabulary entry and the classes it has.
type word struct {
	s   string
	cls uint8
}

// asciiWords maps each ASCII vocabulary word (lower case) to its classes.
// Multi-word entries ("artificial intelligence") are split into words; the
// AI class goes to "artificial".
var asciiWords = map[string]uint8{}

// asciiShape[c][n] is set when some ASCII word starts (asciiShape[0]) or
// ends (asciiShape[1]) with lower-case byte c and has n bytes: most words of
// prose fail this table without a map lookup.
var asciiShape [2][128][maxASCIIWord + 1]bool

// cjkSeen has a bit for the low 16 bits of the first and of the last rune
// (key3) of every non-ASCII word: most runes of prose fail it without a map
// lookup.
var cjkSeen [2][1 << 16 / 64]uint64

func seen(t *[1 << 16 / 64]uint64, k uint32) bool { return t[(k&0xffff)>>6]&(1<<(k&63)) != 0 }

// cjkFirst and cjkLast list the other words by their first and last three
// bytes (one CJK or full-width rune), longest first.
var cjkFirst, cjkLast = map[uint32][]word{}, map[uint32][]word{}

func init() {
	m := map[string]uint8{}
	for cls, ws := range vocabulary {
		for _, w := range ws {
			if w[0] < utf8.RuneSelf {
				for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == ' ' || r == '-' }) {
					c := cls
					if cls == clsAI && part != "artificial" && strings.Contains(w, " ") {
						c = clsFill
					}
					asciiWords[part] |= c
				}
				continue
			}
			m[w] |= cls
		}
	}
	for s, cls := range m {
		if len(s) < 3 || s[len(s)-1] < utf8.RuneSelf {
			panic("aigc vocabulary: non-ASCII word must start and end with a 3-byte rune: " + s)
		}
		w := word{s: s, cls: cls}
		for side, k := range []uint32{key3(s), key3(s[len(s)-3:])} {
			cjkSeen[side][(k&0xffff)>>6] |= 1 << (k & 63)
		}
		cjkFirst[key3(s)] = append(cjkFirst[key3(s)], w)
		cjkLast[key3(s[len(s)-3:])] = append(cjkLast[key3(s[len(s)-3:])], w)
	}
	for w := range asciiWords {
		if len(w) <= maxASCIIWord {
			asciiShape[0][w[0]][len(w)] = true
			asciiShape[1][w[len(w)-1]][len(w)] = true
		}
	}
	for _, t := range []map[uint32][]word{cjkFirst, cjkLast} {
		for k, ws := range t {
			sort.Slice(ws, func(a, b int) bool {
				if len(ws[a].s) != len(ws[b].s) {
					return len(ws[a].s) > len(ws[b].s)
				}
				return ws[a].s < ws[b].s
			})
			t[k] = ws
		}
	}
}

func key3(s string) uint32 { return uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2]) }

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// maxASCIIWord bounds the ASCII words looked up (the longest is 13 bytes).
const maxASCIIWord = 16

// asciiWord looks up the ASCII letters/digits run text[i:k] without regard
// to case.
func asciiWord(text string, i, k int) uint8 {
	if k-i > maxASCIIWord || !asciiShape[0][text[i]|0x20][k-i] || !asciiShape[1][text[k-1]|0x20][k-i] {
		return 0
	}
	var buf [maxASCIIWord]byte
	for j := i; j < k; j++ {
		c := text[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[j-i] = c
	}
	return asciiWords[string(buf[:k-i])]
}

// matchWord returns the classes and length of the longest vocabulary word
// at seg[i:], or 0, 0. ASCII words match case-insensitively and only as
// whole runs of letters and digits ("ai" does not match inside "said").
func matchWord(seg string, i int) (uint8, int) {
	c := seg[i]
	if isAlnum(c) {
		if i > 0 && isAlnum(seg[i-1]) {
			return 0, 0
		}
		k := i + 1
		for k < len(seg) && isAlnum(seg[k]) && k-i <= maxASCIIWord {
			k++
		}
		if cls := asciiWord(seg, i, k); cls != 0 {
			return cls, k - i
		}
		return 0, 0
	}
	if c < 0xE0 || i+3 > len(seg) || !seen(&cjkSeen[0], key3(seg[i:])) {
		return 0, 0
	}
	for _, w := range cjkFirst[key3(seg[i:])] {
		if len(seg)-i >= len(w.s) && seg[i:i+len(w.s)] == w.s {
			return w.cls, len(w.s)
		}
	}
	return 0, 0
}

// matchWordBack returns the length of the longest vocabulary word ending at
// seg[:j], or 0.
func matchWordBack(seg string, j int) int {
	c := seg[j-1]
	if isAlnum(c) {
		if j < len(seg) && isAlnum(seg[j]) {
			return 0
		}
		k := j - 1
		for k > 0 && isAlnum(seg[k-1]) && j-k <= maxASCIIWord {
			k--
		}
		if asciiWord(seg, k, j) != 0 {
			return j - k
		}
		return 0
	}
	if c < 0x80 || j < 3 || !seen(&cjkSeen[1], key3(seg[j-3:])) {
		return 0
	}
	for _, w := range cjkLast[key3(seg[j-3:])] {
		if j >= len(w.s) && seg[j-len(w.s):j] == w.s {
			return len(w.s)
		}
	}
	return 0
}
