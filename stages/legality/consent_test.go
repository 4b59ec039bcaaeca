package legality

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// consentSeeds are consent values of the shapes consentRefusedFast takes
// and of many it leaves to encoding/json.
var consentSeeds = []string{
	`{"granted":true,"scope":"none","at":"2024-09-22T06:09:57Z"}`, `{"granted":false,"scope":"training,analytics"}`,
	`{"withdrawn":true}`, `{"withdrawn":false,"given":true}`, `{"granted":false,"granted":true}`, `{"granted":true,"granted":false}`,
	`{"Granted":false}`, `{"consent":null}`, `{"authorised":"false"}`, `{"authorized":false}`, `{}`, ` { } `, `{"a":1}`,
	`{"granted":false,"n":1}`, `{"granted":false,"x":{"y":1}}`, `{"granted":false,}`, `{"granted":false`, `{"granted":falsey}`,
	`{"granted":false}x`, `{"gr\u0061nted":false}`, "{\"k\":\"\xff\",\"granted\":false}", "{\"k\":\"a\tb\",\"granted\":false}",
	`{"given" : false , "withdrawn" : true }`, `{"granted":[false]}`, `{"é":false,"given":false}`, `{"granted":nul}`,
}

func checkConsentFast(t *testing.T, v string) {
	t.Helper()
	got, ok := consentRefusedFast(v)
	if !ok {
		return
	}
	if want := consentRefusedJSON(v); got != want {
		t.Fatalf("consentRefusedFast(%q) = %v, encoding/json says %v", v, got, want)
	}
}

// TestConsentRefusedFastMatchesJSON: whenever the fast reading takes a
// value, it agrees with the map decoded by encoding/json, on the seeds
// and on random objects built from their parts.
func TestConsentRefusedFastMatchesJSON(t *testing.T) {
	took := 0
	for _, s := range consentSeeds {
		checkConsentFast(t, s)
		if _, ok := consentRefusedFast(s); ok {
			took++
		}
	}
	keys := []string{`"granted"`, `"given"`, `"consent"`, `"authorised"`, `"authorized"`, `"withdrawn"`, `"Granted"`, `"scope"`, `"at"`}
	vals := []string{`true`, `false`, `null`, `"false"`, `""`, `"2024-01-01"`, `1`, `[]`, `{}`}
	rng := rand.New(rand.NewPCG(5, 6))
	refusals := 0
	for range 20000 {
		var b strings.Builder
		b.WriteString("{")
		for j := range rng.IntN(5) {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(keys[rng.IntN(len(keys))] + strings.Repeat(" ", rng.IntN(2)) + ":" + vals[rng.IntN(len(vals))])
		}
		b.WriteString("}")
		checkConsentFast(t, b.String())
		if r, ok := consentRefusedFast(b.String()); ok {
			took++
			if r {
				refusals++
			}
		}
	}
	if took < 5000 || refusals < 1000 {
		t.Fatalf("the fast reading took %d values, %d refusals", took, refusals)
	}
}

// FuzzConsentRefusedFast checks the fast reading against encoding/json on
// arbitrary input.
func FuzzConsentRefusedFast(f *testing.F) {
	for _, s := range consentSeeds {
		f.Add(s)
	}
	f.Fuzz(checkConsentFast)
}
