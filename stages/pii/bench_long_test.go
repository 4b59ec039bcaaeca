package pii

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
)

// longSentences is the sentence pool of the long benchmark corpus's shape
// (cmd/provbench gen -shape long): documents of a few paragraphs, each of
// Chinese or English sentences.
var longSentences = [2][]string{{
	"人工智能技术的快速发展为各行各业带来了深刻变革。", "这款手机的电池续航表现出色，充电速度也比上一代更快。",
	"模型在长文本理解任务上的表现仍有较大提升空间。", "今天天气很好，我们一起去公园散步，顺便看看新开的书店。",
	"教育公平是社会公平的重要基础，需要长期持续投入。", "我们对收集到的语料进行了去重、过滤和质量评估。",
	"训练数据的来源应当合法，不得侵害他人依法享有的知识产权。", "该项目采用开源许可证发布，欢迎社区开发者提交改进建议。",
	"研究人员发现，适量运动有助于改善睡眠质量和心理健康。", "请问附近有没有价格实惠、口味地道的川菜馆？",
	"数据安全和个人信息保护是生成式人工智能服务提供者必须履行的义务。", "小明昨天参加了学校组织的科技创新比赛并获得了二等奖。",
}, {
	"A careful audit trail makes it possible to answer where each record came from. ",
	"Users may withdraw their consent at any time from the settings page. ",
	"Local farmers reported a strong harvest despite the dry summer. ",
	"Annotators flagged ambiguous examples for a second review. ",
	"The function returns an error when the input is not valid UTF-8. ",
	"Large language models are trained on diverse corpora collected from many sources. ",
	"The weather in the mountains changed quickly, so we turned back before noon. ",
	"This library is distributed in the hope that it will be useful. ",
	"Our evaluation shows a consistent improvement on reading comprehension tasks. ",
	"The museum reopened after a two-year renovation with a new wing for modern art. ",
	"The committee reviewed the proposal and asked for more evidence on data provenance. ",
	"Please make sure the dataset card lists every source and its licence. ",
}}

// longPI are the PI sentences sprinkled into 3 % of the documents.
var longPI = []string{
	"我的手机号是13912345678，有事请联系。", "Contact me at li.hua@example.com for the files. ",
	"身份证号110101199003071234已登记。", "Call +1 415 555 0134 after six. ",
	"最近确诊了抑郁症，正在住院治疗。",
}

// longRecords builds n records of the long corpus's shape: ~1.6–2.6 KB
// documents of Chinese or English paragraphs, 3 % with PI, 60 % with a
// subject id and a consent object, a fetch time.
func longRecords(n int) ([]*schemas.Record, int) {
	rng := rand.New(rand.NewPCG(21, 2))
	var recs []*schemas.Record
	total := 0
	for i := range n {
		var b strings.Builder
		target := 1600 + rng.IntN(1000)
		for b.Len() < target {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			pool := longSentences[rng.IntN(2)]
			for range 2 + rng.IntN(4) {
				b.WriteString(pool[rng.IntN(len(pool))])
			}
			if rng.IntN(100) < 1 {
				b.WriteString(longPI[rng.IntN(len(longPI))])
			}
		}
		r := &schemas.Record{Source: "chats"}
		r.Set(schemas.FieldText, b.String())
		r.Set(schemas.FieldFetchedAt, "2024-07-27T00:23:11Z")
		if i%5 < 3 {
			r.Set(schemas.FieldSubject, fmt.Sprintf("u%06d", rng.IntN(1000000)))
			r.Set(schemas.FieldConsent, fmt.Sprintf(`{"granted":%t,"scope":"none","at":"2024-09-%02dT06:09:57Z"}`, i%2 == 0, 1+rng.IntN(28)))
		}
		total += len(r.Text())
		recs = append(recs, r)
	}
	return recs, total
}

// BenchmarkCheckLong measures the stage per byte of text on long mixed
// zh/en documents (the long benchmark corpus's shape).
func BenchmarkCheckLong(b *testing.B) {
	s := newBenchStage(b)
	recs, total := longRecords(1024)
	st := s.NewState()
	b.SetBytes(int64(total / len(recs)))
	b.ReportAllocs()
	var out stages.Outcome
	i := 0
	start := processCPU()
	for b.Loop() {
		if i%25000 == 0 && i > 0 {
			st = s.NewState()
		}
		out.Reset()
		s.Check(recs[i%len(recs)], st, &out)
		i++
	}
	if d := processCPU() - start; d > 0 && b.N > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// processCPU is the process's user+system CPU time: on a shared machine
// cpu-ns/op varies far less than ns/op (run with -cpu 1).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
