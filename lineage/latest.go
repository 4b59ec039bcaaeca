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
