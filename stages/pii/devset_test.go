package pii

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata/devset.jsonl")

// labelled is one line of a labelled set: a text and its expected entities.
type labelled struct {
	Text     string  `json:"text"`
	Entities []label `json:"entities"`
}

type label struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// gen builds generated dev-set lines from templates; "{}" in a template is
// replaced by the value, which is labelled with typ when typ != "".
type gen struct {
	r   *rand.Rand
	out []labelled
}

func (g *gen) add(tmpl, typ, value string) {
	i := strings.Index(tmpl, "{}")
	text := tmpl[:i] + value + tmpl[i+2:]
	l := labelled{Text: text, Entities: []label{}}
	if typ != "" {
		l.Entities = append(l.Entities, label{typ, i, i + len(value)})
	}
	g.out = append(g.out, l)
}

func (g *gen) pick(list []string) string { return list[g.r.IntN(len(list))] }

func (g *gen) digits(n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + g.r.IntN(10)))
	}
	return b.String()
}

func (g *gen) cnID(valid bool) string {
	region := g.pick([]string{"110101", "110105", "310104", "440305", "510107", "330106", "420111", "320102", "610113", "500103", "210102", "370202", "450103", "650102"})
	y := 1940 + g.r.IntN(80)
	m := 1 + g.r.IntN(12)
	d := 1 + g.r.IntN(daysIn(y, m))
	base := fmt.Sprintf("%s%04d%02d%02d%03d", region, y, m, d, g.r.IntN(1000))
	sum := 0
	for i := range 17 {
		sum += int(base[i]-'0') * idWeights[i]
	}
	const checks = "10X98765432"
	c := checks[sum%11]
	if !valid {
		c = checks[(sum+1)%11]
	}
	return base + string(c)
}

func (g *gen) mobileNum() string {
	return g.pick([]string{"139", "138", "135", "137", "150", "151", "158", "186", "188", "177", "199", "166", "147", "181", "189", "133"}) + g.digits(8)
}

func (g *gen) card(valid bool) string {
	type iin struct {
		prefix string
		n      int
	}
	c := []iin{{"4", 16}, {"4", 16}, {"51", 16}, {"55", 16}, {"622202", 19}, {"621700", 19}, {"622848", 19}, {"6222", 16}, {"37", 15}, {"34", 15}, {"6011", 16}, {"3530", 16}, {"2221", 16}, {"62", 16}}[g.r.IntN(14)]
	body := c.prefix + g.digits(c.n-len(c.prefix)-1)
	for d := byte('0'); d <= '9'; d++ {
		if luhn(body + string(d)) {
			if !valid {
				d = '0' + (d-'0'+1)%10
			}
			return body + string(d)
		}
	}
	return ""
}

func grouped(s string, sizes []int, sep string) string {
	var parts []string
	i := 0
	for _, n := range sizes {
		if i >= len(s) {
			break
		}
		if i+n > len(s) {
			n = len(s) - i
		}
		parts = append(parts, s[i:i+n])
		i += n
	}
	if i < len(s) {
		parts = append(parts, s[i:])
	}
	return strings.Join(parts, sep)
}

func (g *gen) iban(valid bool) string {
	c := g.pick([]string{"DE", "GB", "FR", "NL", "ES", "IT", "CH", "BE"})
	n := ibanLengths[c]
	var bban string
	switch c {
	case "GB":
		bban = g.pick([]string{"WEST", "NWBK", "BARC", "MIDL"}) + g.digits(14)
	case "NL":
		bban = g.pick([]string{"ABNA", "INGB", "RABO"}) + g.digits(10)
	case "IT":
		bban = "X" + g.digits(22)
	default:
		bban = g.digits(n - 4)
	}
	for ck := 2; ck <= 98; ck++ {
		s := fmt.Sprintf("%s%02d%s", c, ck, bban)
		if ibanMod97([]byte(s)) {
			if !valid {
				ck2 := ck + 1
				if ck2 > 98 {
					ck2 = 2
				}
				s = fmt.Sprintf("%s%02d%s", c, ck2, bban)
			}
			return s
		}
	}
	return ""
}

func (g *gen) ssn(valid bool) string {
	if !valid {
		switch g.r.IntN(3) {
		case 0:
			return fmt.Sprintf("000-%02d-%04d", 1+g.r.IntN(98), 1+g.r.IntN(9998))
		case 1:
			return fmt.Sprintf("666-%02d-%04d", 1+g.r.IntN(98), 1+g.r.IntN(9998))
		default:
			return fmt.Sprintf("%03d-00-%04d", 1+g.r.IntN(600), 1+g.r.IntN(9998))
		}
	}
	a := 1 + g.r.IntN(898)
	if a == 666 {
		a = 667
	}
	return fmt.Sprintf("%03d-%02d-%04d", a, 1+g.r.IntN(98), 1+g.r.IntN(9998))
}

func (g *gen) uscc(valid bool) string {
	region := g.pick([]string{"110108", "310115", "440300", "330100", "350100", "510100"})
	var b strings.Builder
	b.WriteString(g.pick([]string{"9", "9", "1", "5", "Y"}))
	b.WriteString(g.pick([]string{"1", "2", "3"}))
	b.WriteString(region)
	for range 9 {
		b.WriteByte(usccChars[g.r.IntN(len(usccChars))])
	}
	s := b.String()
	sum := 0
	for i := range 17 {
		sum += int(usccValue[s[i]]) * usccWeights[i]
	}
	c := (31 - sum%31) % 31
	if !valid {
		c = (c + 1) % 31
	}
	return s + string(usccChars[c])
}

func (g *gen) hkID(valid bool) string {
	l := string(rune('A' + g.r.IntN(26)))
	d := g.digits(6)
	for _, c := range "0123456789A" {
		if hkID(l+d, byte(c)) {
			if !valid {
				if c == 'A' {
					c = '0'
				} else {
					c++
				}
			}
			return l + d + "(" + string(c) + ")"
		}
	}
	return ""
}

func (g *gen) twID(valid bool) string {
	l := string(rune('A' + g.r.IntN(26)))
	b := l + g.pick([]string{"1", "2"}) + g.digits(7)
	for c := '0'; c <= '9'; c++ {
		if twID(b + string(c)) {
			if !valid {
				c = '0' + (c-'0'+1)%10
			}
			return b + string(c)
		}
	}
	return ""
}

func (g *gen) email() string {
	user := g.pick([]string{"zhang.san", "lihua2024", "wang_wei", "john.doe", "j.smith+news", "alice", "chen-jie", "13812345678", "m.garcia", "ops-team"})
	dom := g.pick([]string{"example.com", "qq.com", "163.com", "mail.example.org", "company.cn", "gmail.com", "outlook.com", "univ.edu.cn", "example.co.uk"})
	return user + "@" + dom
}

func (g *gen) ipv4() string {
	switch g.r.IntN(3) {
	case 0:
		return fmt.Sprintf("192.168.%d.%d", g.r.IntN(256), 1+g.r.IntN(254))
	case 1:
		return fmt.Sprintf("10.%d.%d.%d", g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
	}
	return fmt.Sprintf("%d.%d.%d.%d", 11+g.r.IntN(200), g.r.IntN(256), g.r.IntN(256), 1+g.r.IntN(254))
}

func (g *gen) ipv6() string {
	var parts []string
	for range 8 {
		parts = append(parts, fmt.Sprintf("%x", g.r.IntN(65536)))
	}
	switch g.r.IntN(3) {
	case 0:
		return strings.Join(parts, ":")
	case 1:
		return "2001:db8::" + parts[6] + ":" + parts[7]
	}
	return "fe80::" + parts[4] + ":" + parts[5] + ":" + parts[6] + ":" + parts[7]
}

// generateDevSet builds the generated part of the dev set deterministically.
func generateDevSet() []labelled {
	g := &gen{r: rand.New(rand.NewPCG(20261127, 5))}
	zhID := []string{"我的身份证号是{}，请核实。", "身份证号码：{}", "申请人（身份证{}）已提交材料。", "证件号{}，姓名李华", "ID number: {} (resident card)", "Her ID card {} was scanned."}
	for range 60 {
		g.add(g.pick(zhID), TypeCNResidentID, g.cnID(true))
		g.add(g.pick(zhID), "", g.cnID(false))
	}
	zhPhone := []string{"电话{}，有事联系", "我的手机号是{}。", "请拨打{}预约", "Call me at {} tomorrow.", "联系人：王先生 {}", "My mobile is {}, text me.", "手机{}（微信同号）"}
	for i := range 70 {
		m := g.mobileNum()
		var v string
		switch i % 7 {
		case 0, 1:
			v = m
		case 2:
			v = grouped(m, []int{3, 4, 4}, "-")
		case 3:
			v = grouped(m, []int{3, 4, 4}, " ")
		case 4:
			v = "+86 " + grouped(m, []int{3, 4, 4}, " ")
		case 5:
			v = "+86-" + m
		default:
			v = "+86" + m
		}
		g.add(g.pick(zhPhone), TypePhone, v)
	}
	land := []string{"010-6552%04d", "021-5%07d", "0755-8%07d", "(010) 8%03d-%04d", "+86 10 6552 %04d", "020-3%07d"}
	for range 30 {
		f := g.pick(land)
		var v string
		if strings.Count(f, "%") == 2 {
			v = fmt.Sprintf(f, g.r.IntN(1000), g.r.IntN(10000))
		} else {
			v = fmt.Sprintf(f, g.r.IntN(10000000))
			if strings.HasPrefix(f, "010") || strings.HasPrefix(f, "+86") {
				v = fmt.Sprintf(f, g.r.IntN(10000))
			}
		}
		g.add(g.pick([]string{"办公电话{}", "Tel: {}", "座机：{}，工作日拨打", "请致电{}咨询"}), TypePhone, v)
	}
	for range 20 {
		g.add(g.pick([]string{"号码{}不存在", "编号{}", "value {} in the table"}), "", "1"+g.pick([]string{"0", "1", "2"})+g.digits(9))
	}
	cardT := []string{"银行卡号{}，户名张三", "信用卡：{}", "Card number {} exp 09/27", "请向{}转账", "Paid with card {}."}
	for i := range 60 {
		c := g.card(true)
		if i%3 == 0 && len(c) == 16 {
			c = grouped(c, []int{4, 4, 4, 4}, g.pick([]string{" ", "-"}))
		}
		g.add(g.pick(cardT), TypeBankCard, c)
		g.add(g.pick(cardT), "", g.card(false))
	}
	for range 50 {
		g.add(g.pick([]string{"邮箱{}，欢迎来信", "Email: {}", "联系我：{}。", "send it to <{}> please", "mailto:{}"}), TypeEmail, g.email())
	}
	for i := range 50 {
		v := g.ipv4()
		if i%3 == 0 {
			v = g.ipv6()
		}
		g.add(g.pick([]string{"服务器地址{}，端口8080", "client ip {} blocked", "Connecting to {} ...", "登录IP：{}"}), TypeIPAddress, v)
	}
	for i := range 40 {
		v := g.iban(true)
		if i%2 == 0 {
			v = grouped(v, []int{4, 4, 4, 4, 4, 4, 4, 4}, " ")
		}
		g.add(g.pick([]string{"IBAN: {}", "Please wire to {} (Deutsche Bank)", "收款账户IBAN {}"}), TypeIBAN, v)
		g.add(g.pick([]string{"IBAN: {}", "account {}"}), "", g.iban(false))
	}
	for range 40 {
		g.add(g.pick([]string{"SSN: {}", "My social security number is {}.", "ssn {} on file", "Employee {} (SSN) verified"}), TypeUSSSN, g.ssn(true))
		g.add(g.pick([]string{"SSN: {}", "number {}"}), "", g.ssn(false))
	}
	for range 40 {
		g.add(g.pick([]string{"统一社会信用代码：{}", "公司信用代码{}", "USCC {}", "营业执照号 {}"}), TypeCNUSCC, g.uscc(true))
		g.add(g.pick([]string{"统一社会信用代码：{}", "代码{}"}), "", g.uscc(false))
	}
	for range 40 {
		var v string
		switch g.r.IntN(3) {
		case 0:
			v = "E" + g.digits(8)
		case 1:
			v = "E" + g.pick([]string{"A", "B", "C"}) + g.digits(7)
		default:
			v = "G" + g.digits(8)
		}
		g.add(g.pick([]string{"护照号码：{}", "Passport No. {}", "passport {} expires 2030", "持护照{}入境"}), TypePassport, v)
	}
	for range 40 {
		g.add(g.pick([]string{"香港身份证号码{}", "HKID: {}", "Hong Kong ID card {}"}), TypeHKID, g.hkID(true))
		g.add(g.pick([]string{"香港身份证号码{}", "HKID: {}"}), "", g.hkID(false))
	}
	for range 40 {
		g.add(g.pick([]string{"身分證字號{}", "台湾身份证{}", "Taiwan national ID {}"}), TypeTWID, g.twID(true))
		g.add(g.pick([]string{"身分證字號{}", "Taiwan ID {}"}), "", g.twID(false))
	}
	// false-positive traps: numbers that are none of the above
	for range 80 {
		var v string
		switch g.r.IntN(14) {
		case 0:
			v = fmt.Sprintf("v%d.%d.%d", g.r.IntN(5), g.r.IntN(30), g.r.IntN(30))
		case 1:
			v = fmt.Sprintf("%d.%d.%d.%d.%d", 1+g.r.IntN(9), g.r.IntN(9), g.r.IntN(9), g.r.IntN(9), g.r.IntN(9))
		case 2:
			v = fmt.Sprintf("2024-%02d-%02dT%02d:%02d:%02d+08:00", 1+g.r.IntN(12), 1+g.r.IntN(28), g.r.IntN(24), g.r.IntN(60), g.r.IntN(60))
		case 3:
			v = "17" + g.digits(8)
		case 4:
			v = "17" + g.digits(11)
		case 5:
			v = fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", g.r.Uint32(), g.r.IntN(65536), g.r.IntN(65536), g.r.IntN(65536), g.r.Uint64()&0xffffffffffff)
		case 6:
			v = fmt.Sprintf("%016x%016x%08x", g.r.Uint64(), g.r.Uint64(), g.r.Uint32())
		case 7:
			v = "2024" + g.digits(13)
		case 8:
			v = g.digits(3) + g.mobileNum() + g.digits(3)
		case 9:
			v = "9" + g.cnID(true)
		case 10:
			v = fmt.Sprintf("%d.%06d, %d.%06d", 20+g.r.IntN(30), g.r.IntN(1000000), 100+g.r.IntN(30), g.r.IntN(1000000))
		case 11:
			v = fmt.Sprintf("978-7-%03d-%05d-%d", g.r.IntN(1000), g.r.IntN(100000), g.r.IntN(10))
		case 12:
			v = fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256), g.r.IntN(256))
		default:
			v = fmt.Sprintf("%d,%03d,%03d.%02d", 1+g.r.IntN(999), g.r.IntN(1000), g.r.IntN(1000), g.r.IntN(100))
		}
		g.add(g.pick([]string{"订单号{}已发货", "version {} released", "at {} the job ran", "hash {}", "值为{}", "坐标{}", "ISBN {}", "see {} in the log"}), "", v)
	}
	return g.out
}

func readLabelled(tb testing.TB, path string) []labelled {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("opening %s: %v", path, err)
	}
	defer func() { _ = f.Close() }()
	var out []labelled
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var l labelled
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			tb.Fatalf("%s:%d: %v", path, n, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("reading %s: %v", path, err)
	}
	return out
}

func TestDevSetUpToDate(t *testing.T) {
	got := generateDevSet()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, l := range got {
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
	}
	const path = "testdata/devset.jsonl"
	if *update {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (run go test -run TestDevSetUpToDate -update): %v", path, err)
	}
	if string(old) != b.String() {
		t.Fatalf("%s is stale: run go test -run TestDevSetUpToDate -update", path)
	}
}

type prf struct{ tp, fp, fn int }

func (c prf) scores() (p, r, f float64) {
	if c.tp+c.fp > 0 {
		p = float64(c.tp) / float64(c.tp+c.fp)
	} else {
		p = 1
	}
	if c.tp+c.fn > 0 {
		r = float64(c.tp) / float64(c.tp+c.fn)
	} else {
		r = 1
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return
}

// TestAccuracy scores Detect on the labelled dev set (generated lines plus
// hand-labelled public test strings and false-positive traps) with exact
// span and type matching, prints precision / recall / F1 per type and
// fails below 0.95 F1 for any type.
func TestAccuracy(t *testing.T) {
	set := readLabelled(t, "testdata/devset.jsonl")
	set = append(set, readLabelled(t, "testdata/public.jsonl")...)
	counts := map[string]*prf{}
	for _, ty := range Types {
		counts[ty] = &prf{}
	}
	for _, l := range set {
		got := Detect(l.Text)
		want := map[label]bool{}
		for _, e := range l.Entities {
			want[e] = true
		}
		seen := map[label]bool{}
		for _, e := range got {
			k := label{e.Type, e.Start, e.End}
			seen[k] = true
			if want[k] {
				counts[e.Type].tp++
			} else {
				counts[e.Type].fp++
				if testing.Verbose() {
					t.Logf("FP %s %q in %q", e.Type, l.Text[e.Start:e.End], l.Text)
				}
			}
		}
		for k := range want {
			if !seen[k] {
				counts[k.Type].fn++
				if testing.Verbose() {
					t.Logf("FN %s %q in %q", k.Type, l.Text[k.Start:k.End], l.Text)
				}
			}
		}
	}
	types := append([]string(nil), Types...)
	sort.Strings(types)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-15s %5s %5s %5s %9s %7s %6s\n", "type", "tp", "fp", "fn", "precision", "recall", "f1")
	for _, ty := range types {
		c := counts[ty]
		p, r, f := c.scores()
		fmt.Fprintf(&b, "%-15s %5d %5d %5d %9.3f %7.3f %6.3f\n", ty, c.tp, c.fp, c.fn, p, r, f)
	}
	t.Log(b.String())
	for _, ty := range types {
		c := counts[ty]
		if c.tp+c.fn == 0 {
			t.Errorf("%s: no labelled examples in the dev set", ty)
			continue
		}
		if _, _, f := c.scores(); f < 0.95 {
			t.Errorf("%s: F1 %.3f < 0.95", ty, f)
		}
	}
}
