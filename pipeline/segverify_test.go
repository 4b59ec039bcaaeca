package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/prov-ai/prov/schemas"
)

// TestVerifySegmentIsReadTrailer checks that seal's streamed check of a
// segment (verifySegment, pass 0 when the states were merged already)
// accepts and rejects exactly what readTrailer does, with the same error
// class, over valid trailer files (stateless stages, small states, states
// larger than the read buffers) and trailer files that were cut, extended,
// flipped at every region, or rewritten with a valid MAC over a broken
// layout.
func TestVerifySegmentIsReadTrailer(t *testing.T) {
	key := []byte("segment key of this ledger")
	dir := t.TempDir()
	seg := filepath.Join(dir, "x.seg")
	w, err := createSegment(seg, key, segHeader{Format: segmentFormat, Fingerprint: "fp",
		Object: schemas.InputObject{URI: "file:///c/a.jsonl", Key: "a.jsonl"}, Stages: []string{"a", "b", "c", "d"}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		var d schemas.Digest
		d[0], d[1] = byte(i), 7
		if err := w.add(segRecord{Digest: d, Line: int64(i + 1), Verdict: schemas.Admit, Source: "s"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 700<<10) // more than the 256 KiB and 64 KiB buffers
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	tr := segTrailer{Object: schemas.InputObject{URI: "file:///c/a.jsonl", Key: "a.jsonl", SHA256: "ab", Size: 9,
		Counts: schemas.Counts{In: 100, Admit: 100}}, States: [][]byte{nil, []byte("small state"), big, {}}}
	if err := w.finish(tr); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(seg + ".trailer")
	if err != nil {
		t.Fatal(err)
	}
	segBytes, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	remac := func(body []byte) []byte { return append(body, segMAC(key, body)...) }
	body := good[:len(good)-segMACSize]
	metaLen, k := binary.Uvarint(body)
	afterMeta := k + int(metaLen)
	cases := map[string][]byte{"valid": good}
	for _, at := range []int{0, 1, k + 3, afterMeta, afterMeta + 1, afterMeta + 3, afterMeta + 100, len(body) / 2, len(body) - 1, len(good) - 1} {
		b := bytes.Clone(good)
		b[at] ^= 0x20
		cases["flipped at "+itoa(at)] = b
	}
	for _, n := range []int{0, 1, segMACSize - 1, segMACSize, k, afterMeta, len(good) / 2, len(good) - 1} {
		cases["cut to "+itoa(n)] = bytes.Clone(good[:n])
	}
	cases["extended"] = append(bytes.Clone(good), 0)
	cases["extended with a MAC"] = remac(append(bytes.Clone(body), 0))
	cases["state count too large, MAC valid"] = remac(append(bytes.Clone(body[:afterMeta]), binary.AppendUvarint(nil, maxTrailerStates+1)...))
	cases["state cut, MAC valid"] = remac(bytes.Clone(body[:len(body)-10]))
	cases["header length too large, MAC valid"] = remac(append(binary.AppendUvarint(nil, 1<<40), body[k:]...))
	cases["empty body, MAC valid"] = remac(nil)
	cases["garbage header, MAC valid"] = remac(append(binary.AppendUvarint(nil, 5), "junk!\x00"...))
	// random edits of the body under a valid MAC: the layout decides
	for k := range 120 {
		b := bytes.Clone(body)
		for range 1 + rng.IntN(4) {
			switch at := rng.IntN(len(b)); rng.IntN(3) {
			case 0:
				b[at] = byte(rng.Uint32())
			case 1:
				b = b[:at]
			default:
				b = append(b[:at:at], append([]byte{byte(rng.Uint32())}, b[at:]...)...)
			}
			if len(b) == 0 {
				break
			}
		}
		cases["random edit "+itoa(k)] = remac(b)
	}
	segCases := map[string][]byte{"segment as written": segBytes, "segment flipped": append(bytes.Clone(segBytes[:len(segBytes)-1]), segBytes[len(segBytes)-1]^1)}
	for sname, sb := range segCases {
		for name, b := range cases {
			t.Run(sname+"/"+name, func(t *testing.T) {
				if err := os.WriteFile(seg, sb, 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(seg+".trailer", b, 0o600); err != nil {
					t.Fatal(err)
				}
				h1, t1, err1 := readTrailer(seg, key)
				h2, t2, err2 := verifySegment(seg, key)
				if (err1 == nil) != (err2 == nil) {
					t.Fatalf("readTrailer: %v; verifySegment: %v", err1, err2)
				}
				for _, class := range []error{ErrBadSegment, errSegmentAuth, errTrailerFile} {
					if errors.Is(err1, class) != errors.Is(err2, class) {
						t.Fatalf("error class %v: readTrailer: %v; verifySegment: %v", class, err1, err2)
					}
				}
				if name == "valid" && sname == "segment as written" && err1 != nil {
					t.Fatal(err1)
				}
				if err1 != nil {
					return
				}
				if !reflect.DeepEqual(h1, h2) || t1.Object != t2.Object || t1.NRec != t2.NRec || t1.NFind != t2.NFind || t2.States != nil {
					t.Fatalf("readTrailer %+v %+v; verifySegment %+v %+v", h1, t1, h2, t2)
				}
				if name == "valid" && (len(t1.States) != 4 || !bytes.Equal(t1.States[2], big)) {
					t.Fatal("readTrailer lost the states")
				}
			})
		}
	}
	// a segment that is missing is missing for both, not bad
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	_, _, err1 := readTrailer(seg, key)
	_, _, err2 := verifySegment(seg, key)
	if !errors.Is(err1, os.ErrNotExist) || !errors.Is(err2, os.ErrNotExist) || errors.Is(err2, ErrBadSegment) {
		t.Fatalf("missing segment: %v; %v", err1, err2)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// FuzzVerifySegment: over any trailer file body (MAC'd under the key, so
// the layout is what decides, or taken as it is), the streamed check and
// readTrailer agree on acceptance, error class and what they return.
func FuzzVerifySegment(f *testing.F) {
	key := []byte("fuzz key")
	dir := f.TempDir()
	seg := filepath.Join(dir, "x.seg")
	w, err := createSegment(seg, key, segHeader{Format: segmentFormat, Object: schemas.InputObject{URI: "u"}, Stages: []string{"a", "b"}})
	if err != nil {
		f.Fatal(err)
	}
	if err := w.finish(segTrailer{Object: schemas.InputObject{URI: "u"}, States: [][]byte{nil, []byte("state")}}); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(seg + ".trailer")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good[:len(good)-segMACSize], true)
	f.Add(good, false)
	f.Add([]byte{}, true)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, true)
	f.Fuzz(func(t *testing.T, body []byte, mac bool) {
		b := bytes.Clone(body)
		if mac {
			b = append(b, segMAC(key, b)...)
		}
		p := filepath.Join(t.TempDir(), "x.seg")
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p+".trailer", b, 0o600); err != nil {
			t.Fatal(err)
		}
		h1, t1, err1 := readTrailer(p, key)
		h2, t2, err2 := verifySegment(p, key)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("readTrailer: %v; verifySegment: %v", err1, err2)
		}
		for _, class := range []error{ErrBadSegment, errSegmentAuth, errTrailerFile} {
			if errors.Is(err1, class) != errors.Is(err2, class) {
				t.Fatalf("error class %v: readTrailer: %v; verifySegment: %v", class, err1, err2)
			}
		}
		if err1 == nil && (!reflect.DeepEqual(h1, h2) || t1.Object != t2.Object || t1.NRec != t2.NRec || t1.NFind != t2.NFind) {
			t.Fatalf("readTrailer %+v %+v; verifySegment %+v %+v", h1, t1, h2, t2)
		}
	})
}
