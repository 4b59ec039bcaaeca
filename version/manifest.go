package version

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
)

// EncodeManifest is the exact byte form of a manifest as published (the
// certificate's subject is these bytes): indented JSON and a newline.
func EncodeManifest(m *schemas.Manifest) ([]byte, error) {
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding manifest: %w", err)
	}
	return append(mb, '\n'), nil
}

// WriteManifest publishes a manifest at prefix+Manifest and returns its
// bytes and their hex sha256.
func WriteManifest(ctx context.Context, st objstore.Store, prefix string, m *schemas.Manifest) ([]byte, string, error) {
	mb, err := EncodeManifest(m)
	if err != nil {
		return nil, "", err
	}
	sum, err := objstore.PutBytes(ctx, st, prefix+Manifest, mb)
	if err != nil {
		return nil, "", err
	}
	return mb, sum, nil
}

// ReadManifest reads a version's manifest.json; it returns the decoded
// manifest and its exact bytes. A missing file gives an error wrapping
// objstore.ErrNotExist.
func ReadManifest(ctx context.Context, st objstore.Store, dataset, version string) (*schemas.Manifest, []byte, error) {
	key := Key(dataset, version, Manifest)
	rc, err := st.Get(ctx, key, objstore.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", st.URI(key), err)
	}
	var m schemas.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", st.URI(key), err)
	}
	return &m, b, nil
}
