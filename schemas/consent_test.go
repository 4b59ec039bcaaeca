package schemas

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// consentSeeds are consent values of every shape consentFast takes and
// of many it must leave to consentSlow.
var consentSeeds = []string{
	`{"granted":false,"scope":"training","at":"2024-09-22T06:09:57Z"}`, `{"Granted":"no"}`, `{"status":"Opted-Out"}`,
	`{"scope":"training, analytics"}`, `{"purposes":["training"],"revoked":true}`, `{"state":"withdrawn","revoked_at":"2024-01-01"}`,
	`{"consent":null,"consent":false}`, `{"agreed":"maybe"}`, `{"withdrawn":1}`, `{"scope":["a"],"scope":"training"}`,
	`{"granted":true,"scope":"none","at":"2024-09-22T06:09:57Z"}`,
	`{"training":true,"type":"separate","id":"c-1"}`, `{"scopes":["training","ads"],"type":"guardian"}`,
	`{"scopes":["ads"]}`, `{"scopes":[]}`, `{"scopes":[ ]}`, `{"scopes":null}`, `{"scopes":["a"],"scopes":[]}`,
	`{"training":true,"type":"blanket"}`, `{"training":true,"withdrawn_at":"yesterday"}`, `[1,2]`, `{}`, ` { } `,
	`{"Training":false}`, `{"TRAINING":true,"training":null}`, `{"type":null}`, `{"type":"a","type":"b"}`,
	`{"training":"yes"}`, `{"training":1}`, `{"scopes":"training"}`, `{"scopes":[1]}`, `{"type":true}`,
	`{"x":1}`, `{"x":{"y":2}}`, `{"x":[1]}`, `{"id":"\u0041"}`, `{"id":"é"}`, `{"id":"a\tb"}`, `{"a":true,}`,
	`{"a" : "b" , "withdrawn_at" : "2024-01-01" }`, `{"a":truex}`, `{"a":nul}`, `{"a":"b"}x`, `{"a":"b"`, `{`,
	`{"granted_at":"2024-01-02T03:04:05Z","id":"k"}`, `{"ſcopes":["training"]}`, `{"\u0074raining":true}`,
	"{\"id\":\"\xff\"}", `{"training":true}{}`, `"str"`, `null`, `{"scopes":["a",]}`, `{"scopes":["a" "b"]}`,
}

func checkConsentFast(t *testing.T, raw string) {
	t.Helper()
	got, ok := consentFast(raw)
	if !ok {
		return
	}
	want, err := consentSlow(raw)
	if err != nil {
		t.Fatalf("consentFast took %q, which consentSlow refuses: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("consentFast(%q) = %+v, consentSlow gives %+v", raw, got, want)
	}
	if err := json.Unmarshal([]byte(raw), new(map[string]any)); err != nil {
		t.Fatalf("consentFast took %q, which encoding/json refuses: %v", raw, err)
	}
}

// TestConsentFastMatchesJSON: the fast decoder gives what encoding/json
// gives whenever it takes a value, on the seeds and on random objects
// built from their parts.
func TestConsentFastMatchesJSON(t *testing.T) {
	took := 0
	for _, s := range consentSeeds {
		checkConsentFast(t, s)
		if _, ok := consentFast(s); ok {
			took++
		}
	}
	keys := []string{`"training"`, `"Training"`, `"scopes"`, `"SCOPES"`, `"type"`, `"id"`, `"granted_at"`, `"withdrawn_at"`, `"x"`, `"ſcopes"`, `"Id"`,
		`"granted"`, `"scope"`, `"status"`, `"revoked"`, `"Given"`, `"purpose"`}
	vals := []string{`true`, `false`, `null`, `"training"`, `"separate"`, `""`, `[]`, `["training"]`, `["a","training"]`, `1`, `{}`, `"2024-01-01"`,
		`"no"`, `"withdrawn"`, `"granted"`, `"training,ads"`}
	rng := rand.New(rand.NewPCG(7, 8))
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
		if _, ok := consentFast(b.String()); ok {
			took++
		}
	}
	if took < 5000 {
		t.Fatalf("consentFast took only %d values", took)
	}
}

// FuzzConsentFast checks consentFast against encoding/json on arbitrary
// input.
func FuzzConsentFast(f *testing.F) {
	for _, s := range consentSeeds {
		f.Add(s)
	}
	f.Fuzz(checkConsentFast)
}

// TestConsentObjectRefused: what legality reads as a refusal or withdrawal.
func TestConsentObjectRefused(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"granted":false,"scope":"training"}`: true, `{"Given":"no"}`: true, `{"status":"Opted-Out"}`: true,
		`{"state":"revoked"}`: true, `{"withdrawn":true}`: true, `{"revoked":"yes"}`: true, `{"training":false}`: true,
		`{"consent":null,"consent":false}`: true, `{"granted":false,"granted":true}`: false,
		`{"granted":true,"scope":"none"}`: false, `{"status":"granted"}`: false, `{"training":true}`: false, `{"ref":"x"}`: false,
		`{"status":"maybe"}`: false, // not understood: the PII stage gives no consent, legality no refusal
	} {
		o, err := ReadConsentObject(raw)
		if err != nil {
			t.Fatalf("ReadConsentObject(%s): %v", raw, err)
		}
		if o.Refused() != want {
			t.Errorf("ReadConsentObject(%s).Refused() = %v, want %v", raw, o.Refused(), want)
		}
	}
	for _, raw := range []string{`[1]`, `"x"`, `{"a":1`, `{"a":1}x`} {
		if _, err := ReadConsentObject(raw); err == nil {
			t.Errorf("ReadConsentObject(%s) read a non-object", raw)
		}
	}
}

func TestConsentStatus(t *testing.T) {
	for w, want := range map[string]int{"": StatusNone, " Granted ": StatusGiven, "opt-in": StatusGiven, "Opted Out": StatusRefused,
		"PENDING": StatusRefused, "expired": StatusWithdrawn, "whatever": StatusUnknown} {
		if got := ConsentStatus(w); got != want {
			t.Errorf("ConsentStatus(%q) = %d, want %d", w, got, want)
		}
	}
}
