package lineage

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestCheckpointAndProofs(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	ctx := context.Background()
	if _, err := l.LatestCheckpoint(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("latest checkpoint of an empty ledger: %v", err)
	}
	buildFixture(t, l)
	n1, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(cfg.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	c1, err := VerifyCheckpoint(n1, cfg.Origin, pub)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Size != l.Size() {
		t.Fatalf("checkpoint size %d, ledger %d", c1.Size, l.Size())
	}
	again, _ := l.Checkpoint(ctx)
	if !bytes.Equal(again, n1) {
		t.Fatal("checkpoint at an unchanged size changed")
	}
	for leaf := range c1.Size {
		_, b, err := l.Entry(ctx, leaf)
		if err != nil {
			t.Fatal(err)
		}
		p, err := l.InclusionProof(ctx, leaf, c1.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(b, leaf, p, c1); err != nil {
			t.Fatalf("leaf %d: %v", leaf, err)
		}
		if err := VerifyInclusion(append(b, ' '), leaf, p, c1); err == nil {
			t.Fatalf("leaf %d: altered entry verified", leaf)
		}
	}
	if _, _, err := l.Append(ctx, RunStarted{RunID: "run-9"}); err != nil {
		t.Fatal(err)
	}
	n2, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := VerifyCheckpoint(n2, cfg.Origin, pub)
	if err != nil {
		t.Fatal(err)
	}
	for size1 := range c2.Size {
		p, err := l.ConsistencyProof(ctx, size1+1, c2.Size)
		if err != nil {
			t.Fatal(err)
		}
		root1, err := l.Root(ctx, size1+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(Checkpoint{Size: size1 + 1, Root: root1}, c2, p); err != nil {
			t.Fatalf("sizes %d..%d: %v", size1+1, c2.Size, err)
		}
	}
	p, _ := l.ConsistencyProof(ctx, c1.Size, c2.Size)
	if err := VerifyConsistency(c1, c2, p); err != nil {
		t.Fatal(err)
	}
	latest, err := l.LatestCheckpoint(ctx)
	if err != nil || !bytes.Equal(latest, n2) {
		t.Fatalf("latest checkpoint: %v", err)
	}
	rep, err := l.VerifyAll(ctx, VerifyOptions{Checkpoints: [][]byte{n1}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoints != 2 || rep.External != 1 || rep.LatestCheckpoint != c2.Size || rep.Records != 60 {
		t.Fatalf("report %+v", rep)
	}
	// A checkpoint file saved with a trailing newline (jq -r, echo, an
	// editor) or CRLF line ends is the same note.
	for _, tail := range []string{"\n", "\n\n", "\r\n", " \n"} {
		padded := append(bytes.Clone(n1), tail...)
		if c, err := VerifyCheckpoint(padded, cfg.Origin, pub); err != nil || c.Size != c1.Size || !bytes.Equal(c.Root, c1.Root) {
			t.Errorf("checkpoint + %q: %+v %v", tail, c, err)
		}
		if _, err := l.VerifyAll(ctx, VerifyOptions{Checkpoints: [][]byte{padded}, SkipIndexes: true}); err != nil {
			t.Errorf("verify with checkpoint + %q: %v", tail, err)
		}
	}
}

func TestForgedCheckpoint(t *testing.T) {
	cfg := testConfig(t)
	l := openTest(t, cfg)
	ctx := context.Background()
	buildFixture(t, l)
	good, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := l.Root(ctx, 3)
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	forger, _ := NewNoteSigner(cfg.Origin, otherKey)
	forged, err := note.Sign(&note.Note{Text: string(Checkpoint{Origin: cfg.Origin, Size: l.Size(), Root: root}.Marshal())}, forger)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(good, []byte("\n"+itoa(l.Size())+"\n"), []byte("\n3\n"), 1)
	tests := []struct {
		name string
		note []byte
	}{
		{"other key", forged},
		{"edited body", edited},
		{"garbage", []byte("not a note")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := VerifyCheckpoint(tc.note, cfg.Origin, l.PublicKey()); !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("VerifyCheckpoint: %v, want ErrBadCheckpoint", err)
			}
			if _, err := l.VerifyAll(ctx, VerifyOptions{Checkpoints: [][]byte{tc.note}}); !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("VerifyAll: %v, want ErrBadCheckpoint", err)
			}
		})
	}
	// A validly signed checkpoint whose root the ledger does not have: the
	// ledger was rewritten after it was published.
	me, _ := LoadSigner(cfg.SigningKey)
	signer, _ := NewNoteSigner(cfg.Origin, me)
	wrong, _ := note.Sign(&note.Note{Text: string(Checkpoint{Origin: cfg.Origin, Size: 4, Root: root}.Marshal())}, signer)
	_, err = l.VerifyAll(ctx, VerifyOptions{Checkpoints: [][]byte{wrong}})
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.What != "checkpoint" || ve.Index != 0 {
		t.Fatalf("mismatching checkpoint: %v", err)
	}
	if _, err := VerifyCheckpoint(good, "other.origin/x", l.PublicKey()); !errors.Is(err, ErrBadCheckpoint) {
		t.Fatalf("wrong origin: %v", err)
	}
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
