package legality

import (
	"encoding/binary"
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

// longDocument is one ~1.6–2.6 KB document of paragraphs of 2–5 sentences,
// each paragraph Chinese or English.
func longDocument(rng *rand.Rand) string {
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
	}
	return b.String()
}

// BenchmarkCheckLong measures the stage per byte of text on long mixed
// zh/en documents from a crawl, a vendor and an open-source source, the
// harmful sample at the default 4000 per source, a fresh state every
// 25000 records (one 64 MB object of the long corpus).
func BenchmarkCheckLong(b *testing.B) {
	p := testPolicy()
	p.Legality.Harmful.SampleSize = 4000
	s := newTestStage(b, p)
	rng := rand.New(rand.NewPCG(21, 1))
	var recs []*schemas.Record
	var total int
	for i := range 1024 {
		text := longDocument(rng)
		total += len(text)
		var r *schemas.Record
		switch i % 3 {
		case 0:
			r = rec("web", "text", text, "url", fmt.Sprintf("https://news.example.com/a/%d.html", i),
				"fetched_at", "2024-03-01T10:00:00Z", "user_agent", "ProvBot/1.0")
		case 1:
			r = rec("vendor", "text", text, "licence", "LicenseRef-vendor")
		default:
			r = rec("oss", "text", text, "licence", "CC-BY-SA-4.0", "url", fmt.Sprintf("https://wiki.example.org/w/%d", i))
		}
		recs = append(recs, r)
	}
	b.SetBytes(int64(total / len(recs)))
	b.ReportAllocs()
	st := s.NewState()
	var out stages.Outcome
	i := 0
	start := processCPU()
	for b.Loop() {
		if i%25000 == 0 && i > 0 {
			st = s.NewState()
		}
		r := recs[i%len(recs)]
		binary.LittleEndian.PutUint64(r.Digest[:8], uint64(i)) // a distinct record
		out.Reset()
		s.Check(r, st, &out)
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
