// Package corpusgen writes synthetic, deterministic JSONL training corpora
// for benchmarks and load tests: mixed Chinese / English records of about
// 1 KB with the fields prov's demo config maps (id, text, url, license,
// user_id, consent, source, fetched_at, crawler_ua, lang, sometimes labels).
// A low rate of records carries personal information (e-mail addresses,
// mainland mobile numbers, resident ID numbers with valid check digits),
// licence headers or annotation labels, so every stage has work to do.
//
// Two shapes: ShapeShort (WriteJSONL) is the records above, each in one
// declared language; ShapeLong (WriteJSONLShape) is long documents of
// about 2.5 KB whose paragraphs alternate between Chinese and English, with
// no declared language (a crawled page in two languages), personal
// information in about 3 % of them.
//
// The same seed, shape and target size always give the same bytes.
package corpusgen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// Rates (per record) of the features the checks look for.
const (
	rateEmail   = 0.02
	ratePhone   = 0.02
	rateIDNum   = 0.01
	rateHeader  = 0.03
	rateLabels  = 0.05
	rateEnglish = 0.3
	rateNewline = 0.2
	rateNoUser  = 0.4

	// Long mixed-language documents: about 3 % carry one kind of PI.
	rateLongPI = 0.03
)

// Shape is the kind of record a corpus is made of.
type Shape int

const (
	// ShapeShort: ~1.2 KB records, each Chinese or English, with a
	// declared language (field lang).
	ShapeShort Shape = iota
	// ShapeLong: ~2.5 KB documents mixing Chinese and English paragraphs,
	// without a declared language.
	ShapeLong
)

// ParseShape parses "short" or "long".
func ParseShape(s string) (Shape, error) {
	switch s {
	case "short", "":
		return ShapeShort, nil
	case "long":
		return ShapeLong, nil
	}
	return 0, fmt.Errorf("parsing corpus shape %q: want short or long", s)
}

var zhSentences = []string{
	"人工智能技术的快速发展为各行各业带来了深刻变革。",
	"数据安全和个人信息保护是生成式人工智能服务提供者必须履行的义务。",
	"本文介绍了一种基于深度学习的中文分词方法，并在公开数据集上进行了评测。",
	"今天天气很好，我们一起去公园散步，顺便看看新开的书店。",
	"训练数据的来源应当合法，不得侵害他人依法享有的知识产权。",
	"城市轨道交通的建设极大地方便了市民的日常出行。",
	"这款手机的电池续航表现出色，充电速度也比上一代更快。",
	"研究人员发现，适量运动有助于改善睡眠质量和心理健康。",
	"在标注过程中，标注人员应当遵守统一的标注规则并接受定期抽检。",
	"古代诗词中蕴含着丰富的自然意象和深厚的人文情怀。",
	"该项目采用开源许可证发布，欢迎社区开发者提交改进建议。",
	"随着网络购物的普及，快递行业的业务量持续增长。",
	"请问附近有没有价格实惠、口味地道的川菜馆？",
	"教育公平是社会公平的重要基础，需要长期持续投入。",
	"模型在长文本理解任务上的表现仍有较大提升空间。",
	"春节期间，许多家庭会一起包饺子、贴春联、看春晚。",
	"新能源汽车的销量在过去一年里实现了大幅增长。",
	"我们对收集到的语料进行了去重、过滤和质量评估。",
	"图书馆延长了周末的开放时间，方便读者借阅。",
	"用户可以随时撤回对个人信息处理的同意。",
	"这篇新闻报道了当地政府推进垃圾分类工作的最新进展。",
	"小明昨天参加了学校组织的科技创新比赛并获得了二等奖。",
	"医生建议患者按时服药，并保持清淡饮食。",
	"该算法的时间复杂度为线性，适合处理大规模数据。",
}

var enSentences = []string{
	"Large language models are trained on diverse corpora collected from many sources.",
	"The committee reviewed the proposal and asked for more evidence on data provenance.",
	"Please make sure the dataset card lists every source and its licence.",
	"The weather in the mountains changed quickly, so we turned back before noon.",
	"Annotators flagged ambiguous examples for a second review.",
	"This library is distributed in the hope that it will be useful.",
	"Our evaluation shows a consistent improvement on reading comprehension tasks.",
	"The museum reopened after a two-year renovation with a new wing for modern art.",
	"Users may withdraw their consent at any time from the settings page.",
	"The function returns an error when the input is not valid UTF-8.",
	"Local farmers reported a strong harvest despite the dry summer.",
	"A careful audit trail makes it possible to answer where each record came from.",
}

var headers = []string{
	"// SPDX-License-Identifier: GPL-3.0-or-later\n",
	"/* Copyright (c) 2019 Example Corp. All rights reserved. */\n",
	"# Licensed under the Apache License, Version 2.0\n",
	"Creative Commons Attribution-NonCommercial 4.0 International (CC BY-NC 4.0)\n",
	"版权所有 © 2021 某某出版社，未经许可不得转载。\n",
}

var (
	licences = []string{"CC-BY-4.0", "CC-BY-SA-4.0", "MIT", "Apache-2.0", "CC0-1.0", "CC-BY-NC-4.0", "proprietary"}
	sources  = []string{"web-news-2024", "oss-wiki-zh", "vendor-books", "app-user-chats", "synth-dialogues"}
	hosts    = []string{"news.example.cn", "www.example.com", "blog.example.org", "forum.example.net", "wiki.example.cn"}
	agents   = []string{
		"provbot/1.2 (+https://prov.example/bot)",
		"Mozilla/5.0 (compatible; ExampleCrawler/2.1; +https://crawler.example.com)",
		"python-requests/2.31.0",
	}
	names  = []string{"zhang.wei", "li.na", "wang.fang", "liu.yang", "chen.jie", "john.smith", "mary.jones"}
	scopes = []string{"training", "analytics", "training,analytics", "none"}
	label  = []string{"safe", "unsafe", "needs_review"}
)

// epoch anchors fetched_at so output does not depend on the clock.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteJSONL writes records to w until at least targetBytes have been
// written, and returns how many records it wrote. Output is a function of
// seed and targetBytes only.
func WriteJSONL(w io.Writer, targetBytes int64, seed int64) (records int64, err error) {
	return WriteJSONLShape(w, ShapeShort, targetBytes, seed)
}

// WriteJSONLShape is WriteJSONL for records of the given shape.
func WriteJSONLShape(w io.Writer, shape Shape, targetBytes int64, seed int64) (records int64, err error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	g := &gen{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)), shape: shape}
	var written int64
	for written < targetBytes {
		g.buf = g.record(g.buf[:0], records)
		n, err := bw.Write(g.buf)
		written += int64(n)
		if err != nil {
			return records, fmt.Errorf("writing corpus record %d: %w", records+1, err)
		}
		records++
	}
	if err := bw.Flush(); err != nil {
		return records, fmt.Errorf("flushing corpus: %w", err)
	}
	return records, nil
}

type gen struct {
	shape Shape
	rng   *rand.Rand
	buf   []byte
	text  []byte
}

func (g *gen) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }

// record appends one JSON line.
func (g *gen) record(b []byte, n int64) []byte {
	english := g.chance(rateEnglish)
	src := g.pick(sources)
	b = append(b, `{"id":"`...)
	b = append(b, src...)
	b = append(b, '-')
	b = strconv.AppendInt(b, n+1, 10)
	b = append(b, `","text":`...)
	if g.shape == ShapeLong {
		b = appendString(b, g.longText())
	} else {
		b = appendString(b, g.textOf(english))
	}
	b = append(b, `,"url":"https://`...)
	b = append(b, g.pick(hosts)...)
	b = append(b, "/a/"...)
	b = strconv.AppendUint(b, g.rng.Uint64N(1e9), 36)
	b = append(b, `","license":"`...)
	b = append(b, g.pick(licences)...)
	b = append(b, `"`...)
	if !g.chance(rateNoUser) {
		b = append(b, `,"user_id":"u`...)
		b = strconv.AppendUint(b, g.rng.Uint64N(1e6), 10)
		b = append(b, `","consent":{"granted":`...)
		b = strconv.AppendBool(b, g.rng.IntN(10) != 0)
		b = append(b, `,"scope":"`...)
		b = append(b, g.pick(scopes)...)
		b = append(b, `","at":"`...)
		b = g.time(b)
		b = append(b, `"}`...)
	}
	b = append(b, `,"source":"`...)
	b = append(b, src...)
	b = append(b, `","fetched_at":"`...)
	b = g.time(b)
	b = append(b, `","crawler_ua":"`...)
	b = append(b, g.pick(agents)...)
	b = append(b, '"')
	if g.shape == ShapeShort {
		b = append(b, `,"lang":"`...)
		if english {
			b = append(b, "en"...)
		} else {
			b = append(b, "zh"...)
		}
		b = append(b, '"')
	}
	if g.chance(rateLabels) {
		b = append(b, `,"labels":{"annotator":"a`...)
		b = strconv.AppendInt(b, int64(g.rng.IntN(20)), 10)
		b = append(b, `","label":"`...)
		b = append(b, g.pick(label)...)
		b = append(b, `","confidence":`...)
		b = strconv.AppendFloat(b, float64(g.rng.IntN(100))/100, 'f', -1, 64)
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

func (g *gen) time(b []byte) []byte {
	t := epoch.Add(time.Duration(g.rng.Int64N(int64(365 * 24 * time.Hour))))
	return t.AppendFormat(b, time.RFC3339)
}

// textOf builds a text of 300..1500 bytes with occasional PI and headers.
func (g *gen) textOf(english bool) []byte {
	t := g.text[:0]
	if g.chance(rateHeader) {
		t = append(t, g.pick(headers)...)
	}
	target := 300 + g.rng.IntN(1200)
	for len(t) < target {
		if english {
			t = append(t, g.pick(enSentences)...)
			t = append(t, ' ')
		} else {
			t = append(t, g.pick(zhSentences)...)
		}
		if g.chance(rateNewline / 4) {
			t = append(t, '\n')
		}
	}
	if g.chance(rateEmail) {
		t = append(t, " 联系邮箱："...)
		t = append(t, g.pick(names)...)
		t = append(t, '@')
		t = append(t, g.pick(hosts)...)
	}
	if g.chance(ratePhone) {
		t = append(t, " 电话 1"...)
		t = append(t, byte('3'+g.rng.IntN(7)))
		for range 9 {
			t = append(t, byte('0'+g.rng.IntN(10)))
		}
	}
	if g.chance(rateIDNum) {
		t = append(t, " 身份证号 "...)
		t = g.idNumber(t)
	}
	g.text = t
	return t
}

// longText builds a document of 1,600..2,600 bytes: paragraphs of two to
// five sentences, each paragraph Chinese or English at even odds,
// separated by blank lines; about 3 % of documents end with one e-mail
// address, mobile number or resident ID number.
func (g *gen) longText() []byte {
	t := g.text[:0]
	if g.chance(rateHeader) {
		t = append(t, g.pick(headers)...)
	}
	target := 1600 + g.rng.IntN(1000)
	for len(t) < target {
		if len(t) > 0 && t[len(t)-1] != '\n' {
			t = append(t, "\n\n"...)
		}
		english := g.chance(0.5)
		for range 2 + g.rng.IntN(4) {
			if english {
				t = append(t, g.pick(enSentences)...)
				t = append(t, ' ')
			} else {
				t = append(t, g.pick(zhSentences)...)
			}
		}
	}
	if g.chance(rateLongPI) {
		switch g.rng.IntN(3) {
		case 0:
			t = append(t, " Contact: "...)
			t = append(t, g.pick(names)...)
			t = append(t, '@')
			t = append(t, g.pick(hosts)...)
		case 1:
			t = append(t, " 电话 1"...)
			t = append(t, byte('3'+g.rng.IntN(7)))
			for range 9 {
				t = append(t, byte('0'+g.rng.IntN(10)))
			}
		default:
			t = append(t, " 身份证号 "...)
			t = g.idNumber(t)
		}
	}
	g.text = t
	return t
}

// idNumber appends an 18-digit resident ID number with a valid GB 11643
// check digit.
func (g *gen) idNumber(b []byte) []byte {
	var d [17]byte
	region := []string{"110101", "310104", "440305", "510107"}[g.rng.IntN(4)]
	copy(d[:], region)
	birth := epoch.AddDate(-20-g.rng.IntN(40), 0, -g.rng.IntN(365)).Format("20060102")
	copy(d[6:], birth)
	for i := 14; i < 17; i++ {
		d[i] = byte('0' + g.rng.IntN(10))
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range d {
		sum += int(c-'0') * weights[i]
	}
	b = append(b, d[:]...)
	return append(b, "10X98765432"[sum%11])
}

// appendString appends s as a JSON string (no HTML escaping).
func appendString(b, s []byte) []byte {
	b = append(b, '"')
	for _, c := range s {
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
