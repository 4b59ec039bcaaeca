package certificate

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prov-ai/prov/lineage"
)

// FuzzParseBundle feeds arbitrary envelope and proof bytes to the bundle
// parsers (seeded from every file in testdata/): they must not panic, and
// what they accept must survive a re-encoding round trip unchanged.
func FuzzParseBundle(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "seed.*"))
	var env, proof []byte
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		switch {
		case strings.HasSuffix(p, ".dsse.json"):
			env = b
		case strings.HasSuffix(p, "proof.json"):
			proof = b
		}
	}
	f.Add(env, proof)
	f.Add(env, []byte(nil))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, env, proof []byte) {
		e, st, p, err := ParseBundle(env, proof)
		if e != nil {
			again, err := json.Marshal(e.Envelope)
			if err != nil {
				t.Fatal(err)
			}
			e2, err := ParseEnvelope(again)
			if err != nil || !bytes.Equal(e2.PayloadBytes, e.PayloadBytes) || len(e2.Sigs) != len(e.Sigs) {
				t.Fatalf("envelope round trip: %v", err)
			}
		}
		if err != nil || st == nil {
			return
		}
		if p != nil {
			b, err := p.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			p2, err := ParseProof(b)
			if err != nil || !bytes.Equal(p2.EntryBytes(), p.EntryBytes()) || len(p2.HashBytes()) != len(p.HashBytes()) || p2.Checkpoint != p.Checkpoint {
				t.Fatalf("proof round trip: %v", err)
			}
			_ = p.TLogProof()
			_, _ = lineage.DecodeEntry(p.EntryBytes())
		}
	})
}

func TestParseProofErrors(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "seed.proof.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProof(good); err != nil {
		t.Fatalf("seed proof: %v", err)
	}
	for _, tc := range []struct{ name, from, to string }{
		{"format", `"format": "https`, `"format": "http`},
		{"unknown field", `"origin":`, `"extra": 1, "origin":`},
		{"trailing", "}\n", "}\n{}"},
		{"short hash", `"hashes": [`, `"hashes": ["AAAA",`},
		{"non canonical entry", `"entry": "`, `"entry": "\n`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := []byte(strings.Replace(string(good), tc.from, tc.to, 1))
			if string(bad) == string(good) {
				t.Fatalf("%q not in the seed", tc.from)
			}
			if _, err := ParseProof(bad); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// BenchmarkVerifyOffline measures levels 1-2 of the demo-sized bundle
// (bytes = envelope + proof + manifest).
func BenchmarkVerifyOffline(b *testing.B) {
	w := newWorld(b)
	dir, _ := w.run(b)
	bundle := mustLoad(b, dir)
	pub, err := lineage.LoadPublicKey(w.pubPath)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(bundle.Envelope) + len(bundle.Proof) + len(bundle.Manifest)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := Verify(context.Background(), bundle, Options{PublicKey: pub}).Err(); err != nil {
			b.Fatal(err)
		}
	}
}
