package pii

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// consentSeeds are consent values of every shape consentFast takes and
// of many it must leave to encoding/json.
var consentSeeds = []string{
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
	var want consentField
	if err := json.Unmarshal([]byte(raw), &want); err != nil {
		t.Fatalf("consentFast took %q, which encoding/json refuses: %v", raw, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("consentFast(%q) = %+v, encoding/json gives %+v", raw, got, want)
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
	keys := []string{`"training"`, `"Training"`, `"scopes"`, `"SCOPES"`, `"type"`, `"id"`, `"granted_at"`, `"withdrawn_at"`, `"x"`, `"ſcopes"`, `"Id"`}
	vals := []string{`true`, `false`, `null`, `"training"`, `"separate"`, `""`, `[]`, `["training"]`, `["a","training"]`, `1`, `{}`, `"2024-01-01"`}
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
