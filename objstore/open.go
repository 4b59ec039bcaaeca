package objstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7/pkg/s3utils"
	"github.com/prov-ai/prov/schemas"
)

// Open returns the store for uri:
//
//	file:///abs/dir   local directory (file://localhost/abs/dir too)
//	/abs/dir, rel/dir local directory (a bare path, made absolute)
//	s3://bucket       S3 bucket root
//	s3://bucket/pre   S3 keys below "pre/"
//
// cfg is used for s3:// only (endpoint, region, plain HTTP, path-style
// addressing, retry cap); credentials come from the environment (see the
// package doc). Open does not contact the server. Errors name the URI and
// wrap ErrUnsupportedURI when the URI itself is wrong.
func Open(ctx context.Context, uri string, cfg schemas.S3Config) (Store, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("opening store %q: %w", uri, err)
	}
	scheme, rest, hasScheme := strings.Cut(uri, "://")
	switch {
	case uri == "":
		return nil, fmt.Errorf("opening store: %w: empty URI", ErrUnsupportedURI)
	case !hasScheme:
		return openLocal(uri)
	case scheme == "file":
		u, err := url.Parse(uri)
		if err != nil {
			return nil, fmt.Errorf("opening store %q: %w: %w", uri, ErrUnsupportedURI, err)
		}
		if (u.Host != "" && u.Host != "localhost") || !strings.HasPrefix(u.Path, "/") {
			return nil, fmt.Errorf("opening store %q: %w: want file:///absolute/dir", uri, ErrUnsupportedURI)
		}
		return openLocal(u.Path)
	case scheme == "s3":
		bucket, prefix, _ := strings.Cut(rest, "/")
		if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
			return nil, fmt.Errorf("opening store %q: %w: bucket %q: %w", uri, ErrUnsupportedURI, bucket, err)
		}
		prefix = strings.Trim(prefix, "/")
		if prefix != "" {
			prefix += "/"
		}
		return openS3(bucket, prefix, cfg, os.Getenv)
	default:
		return nil, fmt.Errorf("opening store %q: %w: scheme %q (want file:// or s3://)", uri, ErrUnsupportedURI, scheme)
	}
}
