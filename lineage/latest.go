package lineage

import (
	"context"
	"strings"
)

// sealedVersions returns the sealed versions of a dataset, oldest first
// (none when the ledger does not hold the dataset).
func (l *Ledger) sealedVersions(ctx context.Context, dataset string) ([]VersionInfo, error) {
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		return nil, err
	}
	info, err := v.Dataset(ctx, dataset, "")
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return info.Versions, nil
}

// LatestVersion returns the newest sealed version of a dataset, "" when the
// ledger has none.
func (l *Ledger) LatestVersion(ctx context.Context, dataset string) (string, error) {
	vs, err := l.sealedVersions(ctx, dataset)
	if err != nil || len(vs) == 0 {
		return "", err
	}
	return vs[len(vs)-1].Version, nil
}

// VersionBefore returns the version of a dataset sealed last before
// version: the newest sealed version while version is not sealed, else the
// one sealed just before it ("" for the first). A version sealed again
// (the same content re-run after a crash) so states what it superseded the
// first time, and its manifest stays byte-identical.
func (l *Ledger) VersionBefore(ctx context.Context, dataset, version string) (string, error) {
	vs, err := l.sealedVersions(ctx, dataset)
	if err != nil {
		return "", err
	}
	prev := ""
	for _, vi := range vs {
		if vi.Version == version {
			return prev, nil
		}
		prev = vi.Version
	}
	return prev, nil
}

// SealedManifest returns the manifest sha256 (hex) a version of a dataset
// is sealed with, "" when the ledger does not hold it.
func (l *Ledger) SealedManifest(ctx context.Context, dataset, version string) (string, error) {
	vs, err := l.sealedVersions(ctx, dataset)
	if err != nil {
		return "", err
	}
	for _, vi := range vs {
		if vi.Version == version {
			return strings.TrimPrefix(vi.ManifestSHA256, "sha256:"), nil
		}
	}
	return "", nil
}
