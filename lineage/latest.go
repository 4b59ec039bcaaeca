package lineage

import "context"

// LatestVersion returns the newest sealed version of a dataset, "" when the
// ledger has none.
func (l *Ledger) LatestVersion(ctx context.Context, dataset string) (string, error) {
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		return "", err
	}
	info, err := v.Dataset(ctx, dataset, "")
	if IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if len(info.Versions) == 0 {
		return "", nil
	}
	return info.Versions[len(info.Versions)-1].Version, nil
}

// VersionBefore returns the version of a dataset sealed last before
// version: the newest sealed version while version is not sealed, else the
// one sealed just before it ("" for the first). A version sealed again
// (the same content re-run after a crash) so states what it superseded the
// first time, and its manifest stays byte-identical.
func (l *Ledger) VersionBefore(ctx context.Context, dataset, version string) (string, error) {
	v, err := l.At(ctx, AsOf{})
	if err != nil {
		return "", err
	}
	info, err := v.Dataset(ctx, dataset, "")
	if IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	prev := ""
	for _, vi := range info.Versions {
		if vi.Version == version {
			return prev, nil
		}
		prev = vi.Version
	}
	return prev, nil
}
