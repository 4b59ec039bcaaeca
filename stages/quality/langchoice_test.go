package quality

import (
	"strings"
	"testing"

	"github.com/abadojack/whatlanggo"
	"github.com/pemistahl/lingua-go"
)

// langSample is a small labelled zh/en/other sample used to choose the
// language identifier (see the package doc): short and medium texts, as the
// stage only looks at a bounded prefix.
var langSample = []struct{ lang, text string }{
	{"en", "The committee approved the budget after a long debate about schools and roads."},
	{"en", "How do I reset my password if I no longer have access to the email account?"},
	{"en", "Rain is expected across the north on Tuesday, with temperatures falling overnight."},
	{"en", "She opened the letter slowly, afraid of what the bank might have decided."},
	{"en", "Install the package, then run the tests to make sure everything works."},
	{"en", "Researchers found that the new vaccine reduced hospital admissions by half."},
	{"en", "Thanks for the quick reply, I will send the documents tomorrow morning."},
	{"en", "The river flooded the old market town twice in the last ten years."},
	{"zh", "委员会经过长时间讨论后批准了关于学校和道路的预算。"},
	{"zh", "如果我无法再访问电子邮件帐户，如何重置密码？"},
	{"zh", "预计周二北方将普遍降雨，夜间气温下降。"},
	{"zh", "她慢慢地打开信，害怕银行可能做出的决定。"},
	{"zh", "安装软件包，然后运行测试以确保一切正常。"},
	{"zh", "研究人员发现，新疫苗使住院人数减少了一半。"},
	{"zh", "谢谢你的快速回复，我明天早上会把文件发过去。"},
	{"zh", "在过去十年里，这条河两次淹没了这个古老的集镇。"},
	{"fr", "Le comité a approuvé le budget après un long débat sur les écoles et les routes."},
	{"fr", "Comment puis-je réinitialiser mon mot de passe si je n'ai plus accès à mon courriel ?"},
	{"de", "Der Ausschuss hat den Haushalt nach einer langen Debatte über Schulen und Straßen gebilligt."},
	{"de", "Wie setze ich mein Passwort zurück, wenn ich keinen Zugriff mehr auf mein E-Mail-Konto habe?"},
	{"es", "El comité aprobó el presupuesto tras un largo debate sobre escuelas y carreteras."},
	{"es", "Se esperan lluvias en todo el norte el martes, con temperaturas en descenso durante la noche."},
	{"ja", "委員会は学校と道路についての長い議論の後、予算を承認しました。"},
	{"ja", "メールアカウントにアクセスできなくなった場合、パスワードをリセットするにはどうすればよいですか？"},
}

func whatlangCode(text string) string {
	l := whatlanggo.DetectLang(text)
	return l.Iso6391()
}

var linguaAll = lingua.NewLanguageDetectorBuilder().
	FromLanguages(lingua.English, lingua.Chinese, lingua.French, lingua.German, lingua.Spanish, lingua.Japanese).
	Build()

func linguaCode(text string) string {
	l, ok := linguaAll.DetectLanguageOf(text)
	if !ok {
		return ""
	}
	return strings.ToLower(l.IsoCode639_1().String())
}

func TestLanguageIdentifierChoice(t *testing.T) {
	for _, tc := range []struct {
		name   string
		detect func(string) string
	}{{"whatlanggo", whatlangCode}, {"lingua", linguaCode}} {
		t.Run(tc.name, func(t *testing.T) {
			ok := 0
			for _, s := range langSample {
				got := tc.detect(s.text)
				if got == s.lang {
					ok++
				} else {
					t.Logf("%s: want %s got %s: %.30s", tc.name, s.lang, got, s.text)
				}
			}
			t.Logf("%s accuracy %d/%d", tc.name, ok, len(langSample))
		})
	}
}

func BenchmarkWhatlanggo(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for _, s := range langSample {
		n += len(s.text)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range langSample {
			whatlangCode(s.text)
		}
	}
}

func BenchmarkLingua(b *testing.B) {
	b.ReportAllocs()
	n := 0
	for _, s := range langSample {
		n += len(s.text)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range langSample {
			linguaCode(s.text)
		}
	}
}
