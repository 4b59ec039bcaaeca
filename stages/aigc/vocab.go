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
		"生成式人工智能", "生成式ai", "智能体", "llm", "large language model", "language model",
	},
	clsGen: {
		"生成", "合成", "创作", "撰写", "编写", "generated", "synthesized", "synthesised", "synthetic",
		"created", "written", "produced", "composed", "auto-generated",
	},
	clsFill: {
		"本", "此", "该", "以下", "上述", "本文", "全文", "本篇", "文章", "内容", "文本", "文字", "图文", "回答", "回复",
		"答案", "信息", "由", "为", "是", "系", "经", "经过", "使用", "利用", "通过", "借助", "采用", "的", "已", "辅助",
		"技术", "模型", "工具", "系统", "部分", "全部", "完全", "自动", "服务", "所", "基于", "条", "篇", "段", "结果",
		"摘要", "总结", "片段", "稿件", "参与", "进行", "了", "可能", "疑似", "含有", "包含", "涉及", "相关",
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
		"声明", "提示", "注", "注意", "说明", "免责声明", "标识", "标注", "温馨提示", "特别声明", "重要提示", "特别提示",
		"note", "notice", "disclaimer", "label", "disclosure", "ai disclosure", "ai notice",
	},
}

// word is one vocabulary entry: lower-case bytes and the classes it has.
type word struct {
	s     string
	cls   uint8
	ascii bool // a word of ASCII letters: must stand at word boundaries
}

// wordsByFirst lists the vocabulary by first byte, longest first.
var wordsByFirst = func() (t [256][]word) {
	m := map[string]uint8{}
	for cls, ws := range vocabulary {
		for _, w := range ws {
			m[w] |= cls
		}
	}
	for s, cls := range m {
		ascii := true
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				ascii = false
			}
		}
		w := word{s: s, cls: cls, ascii: ascii}
		t[s[0]] = append(t[s[0]], w)
		if ascii && s[0] >= 'a' && s[0] <= 'z' {
			t[s[0]-'a'+'A'] = append(t[s[0]-'a'+'A'], w)
		}
	}
	for i := range t {
		sort.Slice(t[i], func(a, b int) bool {
			if len(t[i][a].s) != len(t[i][b].s) {
				return len(t[i][a].s) > len(t[i][b].s)
			}
			return t[i][a].s < t[i][b].s
		})
	}
	return t
}()

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// matchWord returns the classes and length of the longest vocabulary word
// at seg[i:], or 0, 0. ASCII words match case-insensitively and only at
// word boundaries ("ai" does not match inside "said").
func matchWord(seg string, i int) (uint8, int) {
	if i > 0 && isAlnum(seg[i-1]) && isAlnum(seg[i]) {
		return 0, 0
	}
	for _, w := range wordsByFirst[seg[i]] {
		n := len(w.s)
		if len(seg)-i < n {
			continue
		}
		if w.ascii {
			if !strings.EqualFold(seg[i:i+n], w.s) {
				continue
			}
			if i+n < len(seg) && isAlnum(seg[i+n]) {
				continue
			}
		} else if seg[i:i+n] != w.s {
			continue
		}
		return w.cls, n
	}
	return 0, 0
}
