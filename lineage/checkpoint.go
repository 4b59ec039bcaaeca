package lineage

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoint is the body of a C2SP tlog checkpoint: the log origin, the tree
// size and the RFC 6962 root hash at that size.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// Marshal returns the checkpoint body: "<origin>\n<size>\n<base64 root>\n".
func (c Checkpoint) Marshal() []byte {
	return fmt.Appendf(nil, "%s\n%d\n%s\n", c.Origin, c.Size, base64.StdEncoding.EncodeToString(c.Root))
}

// parseCheckpoint parses a checkpoint body (extension lines are ignored).
func parseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, fmt.Errorf("%w: want origin, size and root lines", ErrBadCheckpoint)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] {
		return Checkpoint{}, fmt.Errorf("%w: size %q", ErrBadCheckpoint, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return Checkpoint{}, fmt.Errorf("%w: root %q", ErrBadCheckpoint, lines[2])
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// trimNote drops the blank lines and carriage returns that editors, shells
// (`jq -r`, `echo`) and copy-paste add after a signed note's last signature
// line: note.Open wants the note to end with exactly one newline. The
// signed text is not changed, so a trimmed note verifies only if the
// original did.
func trimNote(b []byte) []byte {
	t := bytes.TrimRight(b, "\r\n\t ")
	if len(t) == len(b)-1 && b[len(b)-1] == '\n' {
		return b
	}
	return append(t[:len(t):len(t)], '\n')
}

// VerifyCheckpoint opens a signed checkpoint note: the signature must be by
// pub under the key name origin, and the body's origin must be origin.
func VerifyCheckpoint(signed []byte, origin string, pub ed25519.PublicKey) (Checkpoint, error) {
	v, err := NewNoteVerifier(origin, pub)
	if err != nil {
		return Checkpoint{}, err
	}
	n, err := note.Open(trimNote(signed), note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("verifying checkpoint: %w: %w", ErrBadCheckpoint, err)
	}
	c, err := parseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("verifying checkpoint: %w", err)
	}
	if c.Origin != origin {
		return Checkpoint{}, fmt.Errorf("verifying checkpoint: %w: origin %q, want %q", ErrBadCheckpoint, c.Origin, origin)
	}
	return c, nil
}

// Checkpoint signs and stores a checkpoint for the current tree size and
// returns the signed note. At an unchanged size it returns the stored one.
func (l *Ledger) Checkpoint(ctx context.Context) ([]byte, error) {
	if l.cfg.ReadOnly {
		return nil, ErrReadOnly
	}
	if l.signer == nil {
		return nil, fmt.Errorf("signing checkpoint: %w", ErrNoSigningKey)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []byte
	err := l.db.Update(func(txn *badger.Txn) error {
		old, err := getVal(txn, ckptKey(l.size))
		if err == nil {
			out = old
			return nil
		}
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		root, err := l.rng.GetRootHash(nil)
		if err != nil {
			return err
		}
		if l.size == 0 {
			root = hasher.EmptyRoot()
		}
		c := Checkpoint{Origin: l.cfg.Origin, Size: l.size, Root: root}
		out, err = note.Sign(&note.Note{Text: string(c.Marshal())}, l.signer)
		if err != nil {
			return err
		}
		return txn.Set(ckptKey(l.size), out)
	})
	if err != nil {
		return nil, fmt.Errorf("signing checkpoint at size %d: %w", l.size, err)
	}
	return out, nil
}

// LatestCheckpoint returns the most recent stored checkpoint (ErrNotFound
// when none was signed yet). It may be older than the current size.
func (l *Ledger) LatestCheckpoint(ctx context.Context) ([]byte, error) {
	var out []byte
	err := l.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Reverse: true, Prefix: []byte{pCkpt}})
		defer it.Close()
		it.Seek([]byte{pCkpt, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		if !it.ValidForPrefix([]byte{pCkpt}) {
			return ErrNotFound
		}
		var err error
		out, err = it.Item().ValueCopy(nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading latest checkpoint: %w", err)
	}
	return out, nil
}

// Checkpoints returns every stored checkpoint, oldest first.
func (l *Ledger) Checkpoints(ctx context.Context) ([][]byte, error) {
	var out [][]byte
	err := l.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{pCkpt}, PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading checkpoints: %w", err)
	}
	return out, nil
}

// Root returns the RFC 6962 root hash at tree size (0 < size <= Size()).
func (l *Ledger) Root(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	if size > l.Size() {
		return nil, fmt.Errorf("computing root at size %d: %w", size, ErrBadRange)
	}
	var root []byte
	err := l.db.View(func(txn *badger.Txn) error {
		rng, err := loadRange(txn, size)
		if err != nil {
			return err
		}
		root, err = rng.GetRootHash(nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("computing root at size %d: %w", size, err)
	}
	return root, nil
}

// InclusionProof returns the RFC 6962 inclusion proof of leaf in the tree
// of the given size (size 0 = current size).
func (l *Ledger) InclusionProof(ctx context.Context, leaf, size uint64) ([][]byte, error) {
	if size == 0 {
		size = l.Size()
	}
	if size > l.Size() || leaf >= size {
		return nil, fmt.Errorf("proving inclusion of %d in %d: %w", leaf, size, ErrBadRange)
	}
	n, err := proof.Inclusion(leaf, size)
	if err != nil {
		return nil, fmt.Errorf("proving inclusion of %d in %d: %w", leaf, size, err)
	}
	return l.proofHashes(n)
}

// ConsistencyProof returns the RFC 6962 consistency proof between tree
// sizes size1 <= size2 (size2 0 = current size).
func (l *Ledger) ConsistencyProof(ctx context.Context, size1, size2 uint64) ([][]byte, error) {
	if size2 == 0 {
		size2 = l.Size()
	}
	if size2 > l.Size() || size1 > size2 {
		return nil, fmt.Errorf("proving consistency of %d and %d: %w", size1, size2, ErrBadRange)
	}
	n, err := proof.Consistency(size1, size2)
	if err != nil {
		return nil, fmt.Errorf("proving consistency of %d and %d: %w", size1, size2, err)
	}
	return l.proofHashes(n)
}

func (l *Ledger) proofHashes(n proof.Nodes) ([][]byte, error) {
	hashes := make([][]byte, len(n.IDs))
	err := l.db.View(func(txn *badger.Txn) error {
		for i, id := range n.IDs {
			h, err := getVal(txn, nodeKey(id))
			if err != nil {
				return fmt.Errorf("reading tree node %d/%d: %w", id.Level, id.Index, err)
			}
			hashes[i] = h
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return n.Rehash(hashes, hasher.HashChildren)
}

// VerifyInclusion checks an inclusion proof of canonical entry bytes at
// leaf against a checkpoint.
func VerifyInclusion(canonical []byte, leaf uint64, p [][]byte, c Checkpoint) error {
	if err := proof.VerifyInclusion(hasher, leaf, c.Size, LeafHash(canonical), p, c.Root); err != nil {
		return fmt.Errorf("verifying inclusion of entry %d: %w: %w", leaf, ErrTampered, err)
	}
	return nil
}

// VerifyConsistency checks a consistency proof between two checkpoints.
func VerifyConsistency(older, newer Checkpoint, p [][]byte) error {
	if err := proof.VerifyConsistency(hasher, older.Size, newer.Size, p, older.Root, newer.Root); err != nil {
		return fmt.Errorf("verifying consistency of sizes %d and %d: %w: %w", older.Size, newer.Size, ErrTampered, err)
	}
	return nil
}

// Entry returns the entry at leaf and its canonical bytes.
func (l *Ledger) Entry(ctx context.Context, leaf uint64) (Stored, []byte, error) {
	var s Stored
	var b []byte
	err := l.db.View(func(txn *badger.Txn) error {
		var err error
		if b, err = getVal(txn, entryKey(leaf)); err != nil {
			return err
		}
		if s, err = DecodeEntry(b); err != nil {
			return err
		}
		if s.Index != leaf {
			return fmt.Errorf("%w: entry says it is %d", ErrTampered, s.Index)
		}
		return nil
	})
	if err != nil {
		return Stored{}, nil, fmt.Errorf("reading entry %d: %w", leaf, err)
	}
	return s, b, nil
}

// Records returns the record references stored with the ObjectIngested
// entry at leaf, sorted by digest then line.
func (l *Ledger) Records(ctx context.Context, leaf uint64) ([]RecordRef, error) {
	var refs []ref
	err := l.db.View(func(txn *badger.Txn) (err error) {
		refs, _, err = readRefs(txn, leaf, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]RecordRef, len(refs))
	for i := range refs {
		out[i] = refs[i].export()
	}
	return out, nil
}

var _ = bytes.Equal
var _ compact.NodeID
