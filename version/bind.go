package version

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// ErrFileDiffers is wrapped by the error of a version file whose SHA-256 or
// size is not the one its manifest records: the file was swapped or
// changed after the version was sealed.
var ErrFileDiffers = errors.New("file differs from the digest its manifest records")

// Bound lists the files of a version that its manifest binds by SHA-256:
// every file written before the manifest (findings.parquet,
// metrics.parquet and duplicates.parquet). The certificate signs the manifest, so a check of each
// against its FileRef covers them all. Entries with an empty Path (a
// manifest of a format that bound nothing) are left out.
func Bound(m *schemas.Manifest) []schemas.FileRef {
	var out []schemas.FileRef
	for _, f := range []schemas.FileRef{m.Outputs.Findings, m.Outputs.Metrics, m.Outputs.Duplicates} {
		if f.Path != "" {
			out = append(out, f)
		}
	}
	return out
}

// CheckFile reads r to its end and compares its SHA-256 and size with ref.
// The error names the file (ref.Path) and wraps ErrFileDiffers.
func CheckFile(r io.Reader, ref schemas.FileRef) error {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("checking %s: %w", ref.Path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != ref.SHA256 || n != ref.Size {
		return fmt.Errorf("%s: %w: sha256 %s (%d bytes), the manifest records %s (%d bytes)", ref.Path, ErrFileDiffers, got, n, ref.SHA256, ref.Size)
	}
	return nil
}

// CheckFiles checks every file Bound(m) lists in the version's folder of
// st. The first difference is returned (naming the file, wrapping
// ErrFileDiffers); a missing file wraps objstore.ErrNotExist.
func CheckFiles(ctx context.Context, st objstore.Store, m *schemas.Manifest) error {
	for _, ref := range Bound(m) {
		key := Key(m.Dataset, m.Version, ref.Path)
		rc, err := st.Get(ctx, key, objstore.GetOptions{})
		if err != nil {
			return fmt.Errorf("checking %s: %w", st.URI(key), err)
		}
		err = CheckFile(rc, ref)
		_ = rc.Close()
		if err != nil {
			return fmt.Errorf("checking %s@%s: %w", m.Dataset, m.Version, err)
		}
	}
	return nil
}
