package certificate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// An object key that holds personal information is shown everywhere, the
// manifest included, in keyed-hash form: users/[PHONE:3f2a…]/part-0.jsonl.
// Level 3 must read the object under its real key, and the auditor does not
// hold the subject-key secret that would let it recompute the mask. The
// manifest binds the object by size and sha256, so the real key is found
// without the secret: among the store's objects whose key matches the
// masked key's clear parts (each placeholder standing for one or more
// characters within a path segment) and whose size is the manifest's, the
// one whose content hashes to the manifest's sha256. The record digests are
// then recomputed under the key as the manifest shows it, as the run
// computed them. The real key is never printed.

// placeholder is a mask as pii.Mask and pii.MaskKey write it.
var placeholder = regexp.MustCompile(`\[[A-Z][A-Z_]*(?::[0-9a-f]{16})?\]`)

// maskedKey reports whether key shows a masked identifier.
func maskedKey(key string) bool {
	return strings.Contains(key, "[") && placeholder.MatchString(key)
}

// keyPattern is the pattern of the keys a masked key may stand for, and
// the longest clear prefix to list.
func keyPattern(masked string) (*regexp.Regexp, string) {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	locs := placeholder.FindAllStringIndex(masked, -1)
	for _, l := range locs {
		b.WriteString(regexp.QuoteMeta(masked[last:l[0]]))
		b.WriteString("[^/]+")
		last = l[1]
	}
	b.WriteString(regexp.QuoteMeta(masked[last:]))
	b.WriteString("$")
	prefix := masked[:locs[0][0]]
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		prefix = prefix[:i+1]
	} else {
		prefix = ""
	}
	return regexp.MustCompile(b.String()), prefix
}

// resolveMaskedKey finds the key in st of the manifest object in whose key
// is masked (see above). It returns "" and nil when no object qualifies.
func resolveMaskedKey(ctx context.Context, st objstore.Store, in schemas.InputObject) (string, error) {
	re, prefix := keyPattern(in.Key)
	for o, err := range st.List(ctx, prefix) {
		if err != nil {
			return "", fmt.Errorf("listing the store under %q: %w", prefix, err)
		}
		if o.Size != in.Size || !re.MatchString(o.Key) {
			continue
		}
		rc, err := st.Get(ctx, o.Key, objstore.GetOptions{})
		if objstore.RefusalOf(err) != nil {
			continue // a link the store refuses to read: no bytes to match
		}
		if err != nil {
			return "", fmt.Errorf("reading a candidate object for %s: %w", in.URI, scrubKey(err, o.Key, in.Key))
		}
		h := sha256.New()
		_, err = io.Copy(h, rc)
		_ = rc.Close()
		if err != nil {
			return "", fmt.Errorf("reading a candidate object for %s: %w", in.URI, scrubKey(err, o.Key, in.Key))
		}
		if hex.EncodeToString(h.Sum(nil)) == in.SHA256 {
			return o.Key, nil
		}
	}
	return "", nil
}

// scrubKey returns err with the real key in its message replaced by the
// masked one.
func scrubKey(err error, real, masked string) error {
	if err == nil || real == masked || !strings.Contains(err.Error(), real) {
		return err
	}
	return keyError{err: err, real: real, masked: masked}
}

type keyError struct {
	err          error
	real, masked string
}

func (e keyError) Error() string { return strings.ReplaceAll(e.err.Error(), e.real, e.masked) }
func (e keyError) Unwrap() error { return e.err }
