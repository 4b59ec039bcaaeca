package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/prov-ai/prov/lineage"
)

// versionArg resolves a NAME[@VERSION] argument against the ledger: the
// latest sealed version when none is named. A dataset or version the ledger
// does not hold is bad usage (exit 2): a rerun would answer the same.
func versionArg(ctx context.Context, l *lineage.Ledger, arg string) (name, ver string, err error) {
	name, ver, _ = strings.Cut(arg, "@")
	if name == "" {
		return "", "", usageError{fmt.Errorf("%q is not NAME[@VERSION]", arg)}
	}
	v, err := l.At(ctx, lineage.AsOf{})
	if err != nil {
		return "", "", err
	}
	di, err := v.Dataset(ctx, name, ver)
	if lineage.IsNotFound(err) || (err == nil && len(di.Versions) == 0) {
		if ver == "" {
			return "", "", usageError{fmt.Errorf("dataset %s has no sealed version in the ledger", termSafe(name))}
		}
		return "", "", usageError{fmt.Errorf("%s: the ledger has no such version of %s (`prov lineage dataset %s` lists its versions)", termSafe(arg), termSafe(name), termSafe(name))}
	}
	if err != nil {
		return "", "", err
	}
	return name, di.Versions[len(di.Versions)-1].Version, nil
}
