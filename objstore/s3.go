package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/prov-ai/prov/schemas"
)

// PartSize is the multipart part size of S3 Puts: objects larger than this,
// or of unknown size, go up in parts of this many bytes (one part is held in
// memory at a time), which caps an unknown-size object at 10000 parts.
const PartSize = 16 << 20

// s3Store is a Store over an S3 bucket, optionally below a key prefix.
type s3Store struct {
	client *minio.Client
	core   minio.Core
	bucket string
	prefix string // "" or ending in "/"
	retry  backoff
}

var _ Store = (*s3Store)(nil)

// openS3 builds the client; getenv supplies credentials (os.Getenv in Open).
func openS3(bucket, prefix string, cfg schemas.S3Config, getenv func(string) string) (*s3Store, error) {
	endpoint, secure := cfg.Endpoint, !cfg.Insecure
	switch {
	case endpoint == "":
		endpoint = "s3.amazonaws.com"
	case strings.HasPrefix(endpoint, "http://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "http://"), false
	case strings.HasPrefix(endpoint, "https://"):
		endpoint, secure = strings.TrimPrefix(endpoint, "https://"), true
	}
	endpoint = strings.TrimSuffix(endpoint, "/")
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        envCredentials(getenv),
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		MaxRetries:   1, // our own loop retries, capped and cancellable
	})
	s := &s3Store{bucket: bucket, prefix: prefix, retry: defaultBackoff(cfg.Retries)}
	if err != nil {
		return nil, fmt.Errorf("opening store %s at endpoint %q: %w: %w", s.URI(""), endpoint, ErrUnsupportedURI, err)
	}
	s.client, s.core = client, minio.Core{Client: client}
	return s, nil
}

// envCredentials reads PROV_S3_ACCESS_KEY / PROV_S3_SECRET_KEY, else the
// standard AWS variables; with neither, requests are anonymous.
func envCredentials(getenv func(string) string) *credentials.Credentials {
	if ak, sk := getenv("PROV_S3_ACCESS_KEY"), getenv("PROV_S3_SECRET_KEY"); ak != "" || sk != "" {
		return credentials.NewStaticV4(ak, sk, getenv("PROV_S3_SESSION_TOKEN"))
	}
	if ak, sk := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); ak != "" || sk != "" {
		return credentials.NewStaticV4(ak, sk, getenv("AWS_SESSION_TOKEN"))
	}
	return credentials.New(&credentials.Static{Value: credentials.Value{SignerType: credentials.SignatureAnonymous}})
}

// URI implements Store.
func (s *s3Store) URI(key string) string { return "s3://" + s.bucket + "/" + s.prefix + key }

func (s *s3Store) name(key string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("%w: empty key", ErrBadKey)
	}
	return s.prefix + key, nil
}

// mapErr wraps err with what was done to which URI, adding ErrNotExist or
// ErrChanged when the S3 response means that.
func mapErr(op, uri string, err error) error {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch {
		case er.Code == minio.NoSuchKey, er.Code == minio.NoSuchBucket, er.Code == "NotFound",
			er.StatusCode == http.StatusNotFound:
			return fmt.Errorf("%s %s: %w: %w", op, uri, ErrNotExist, err)
		case er.Code == "PreconditionFailed", er.StatusCode == http.StatusPreconditionFailed:
			return fmt.Errorf("%s %s: %w: %w", op, uri, ErrChanged, err)
		}
	}
	return fmt.Errorf("%s %s: %w", op, uri, err)
}

// Stat implements Store.
func (s *s3Store) Stat(ctx context.Context, key string) (Object, error) {
	name, err := s.name(key)
	if err != nil {
		return Object{}, fmt.Errorf("stating %s: %w", s.URI(key), err)
	}
	var info minio.ObjectInfo
	err = s.retry.do(ctx, func() error {
		info, err = s.client.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{})
		return err
	})
	if err != nil {
		return Object{}, mapErr("stating", s.URI(key), err)
	}
	return s.object(info), nil
}

func (s *s3Store) object(info minio.ObjectInfo) Object {
	o := Object{
		Key:       strings.TrimPrefix(info.Key, s.prefix),
		VersionID: info.VersionID,
		ETag:      strings.Trim(info.ETag, `"`),
		Size:      info.Size,
		ModTime:   info.LastModified.UTC(),
	}
	// minio-go gives user metadata with the prefix stripped, in
	// UserMetadata, and also as raw headers in Metadata.
	for k, v := range info.UserMetadata {
		if o.Metadata == nil {
			o.Metadata = map[string]string{}
		}
		o.Metadata[strings.ToLower(strings.TrimPrefix(strings.ToLower(k), "x-amz-meta-"))] = v
	}
	if o.Metadata == nil {
		for k, vs := range info.Metadata {
			lk := strings.ToLower(k)
			if strings.HasPrefix(lk, "x-amz-meta-") && len(vs) > 0 {
				if o.Metadata == nil {
					o.Metadata = map[string]string{}
				}
				o.Metadata[strings.TrimPrefix(lk, "x-amz-meta-")] = vs[0]
			}
		}
	}
	return o
}

// Get implements Store. Opening is retried; a stream that breaks later
// returns an error for which IsRetryable is true (retry the whole object,
// with IfMatch set to the ETag first seen).
func (s *s3Store) Get(ctx context.Context, key string, opts GetOptions) (io.ReadCloser, error) {
	uri := s.URI(key)
	name, err := s.name(key)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", uri, err)
	}
	var gopts minio.GetObjectOptions
	if opts.IfMatch != "" {
		if err := gopts.SetMatchETag(opts.IfMatch); err != nil {
			return nil, fmt.Errorf("opening %s: %w", uri, err)
		}
	}
	switch {
	case opts.Offset < 0:
		err = gopts.SetRange(0, opts.Offset)
	case opts.Length > 0:
		err = gopts.SetRange(opts.Offset, opts.Offset+opts.Length-1)
	case opts.Offset > 0:
		err = gopts.SetRange(opts.Offset, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", uri, err)
	}
	var body io.ReadCloser
	err = s.retry.do(ctx, func() error {
		body, _, _, err = s.core.GetObject(ctx, s.bucket, name, gopts)
		return err
	})
	var er minio.ErrorResponse
	if errors.As(err, &er) && (er.Code == minio.InvalidRange || er.StatusCode == http.StatusRequestedRangeNotSatisfiable) {
		// The range starts at or past the end: an empty stream, once the
		// object is known to exist (and to match IfMatch).
		o, serr := s.Stat(ctx, key)
		if serr != nil {
			return nil, serr
		}
		if opts.IfMatch != "" && o.ETag != opts.IfMatch {
			return nil, fmt.Errorf("opening %s: %w (ETag %s, expected %s)", uri, ErrChanged, o.ETag, opts.IfMatch)
		}
		return io.NopCloser(strings.NewReader("")), nil
	}
	if err != nil {
		return nil, mapErr("opening", uri, err)
	}
	return &s3Reader{ctx: ctx, uri: uri, body: body}, nil
}

// s3Reader marks mid-stream failures as transient and cancellation as such.
type s3Reader struct {
	ctx  context.Context
	uri  string
	body io.ReadCloser
}

func (r *s3Reader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	switch {
	case err == nil || err == io.EOF:
		return n, err
	case r.ctx.Err() != nil:
		return n, fmt.Errorf("reading %s: %w", r.uri, r.ctx.Err())
	default:
		return n, &transientError{fmt.Errorf("reading %s: %w", r.uri, err)}
	}
}

func (r *s3Reader) Close() error { return r.body.Close() }

// Put implements Store. S3 makes a completed PUT visible atomically. When r
// is an io.Seeker a transient failure is retried from r's starting offset;
// otherwise the bytes are gone and the first failure is returned.
func (s *s3Store) Put(ctx context.Context, key string, r io.Reader, size int64) (Object, error) {
	return s.PutMeta(ctx, key, r, size, nil)
}

// PutMeta implements Store: metadata goes in x-amz-meta-* headers.
func (s *s3Store) PutMeta(ctx context.Context, key string, r io.Reader, size int64, meta map[string]string) (Object, error) {
	uri := s.URI(key)
	if err := CheckMeta(meta); err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	name, err := s.name(key)
	if err != nil {
		return Object{}, fmt.Errorf("writing %s: %w", uri, err)
	}
	popts := minio.PutObjectOptions{PartSize: PartSize, ContentType: "application/octet-stream"}
	if len(meta) > 0 {
		popts.UserMetadata = make(map[string]string, len(meta))
		for k, v := range meta {
			popts.UserMetadata[strings.ToLower(k)] = v
		}
	}
	put := func() (minio.UploadInfo, error) { return s.client.PutObject(ctx, s.bucket, name, r, size, popts) }
	var info minio.UploadInfo
	if sk, ok := r.(io.Seeker); ok {
		start, serr := sk.Seek(0, io.SeekCurrent)
		first := true
		if serr == nil {
			err = s.retry.do(ctx, func() error {
				if !first {
					if _, err := sk.Seek(start, io.SeekStart); err != nil {
						return fmt.Errorf("rewinding the source: %w", err)
					}
				}
				first = false
				info, err = put()
				return err
			})
		} else {
			info, err = put()
		}
	} else {
		info, err = put()
	}
	if err != nil {
		return Object{}, mapErr("writing", uri, err)
	}
	if size >= 0 && info.Size != size {
		return Object{}, fmt.Errorf("writing %s: %w: stored %d bytes, announced %d", uri, ErrSizeMismatch, info.Size, size)
	}
	obj := Object{Key: key, VersionID: info.VersionID, ETag: strings.Trim(info.ETag, `"`), Size: info.Size, ModTime: info.LastModified.UTC()}
	if info.LastModified.IsZero() {
		// PUT responses carry no Last-Modified; take the server's.
		if st, err := s.Stat(ctx, key); err == nil && st.ETag == obj.ETag {
			obj.ModTime = st.ModTime
		} else {
			slog.DebugContext(ctx, "no modification time after put", "uri", uri, "err", err)
		}
	}
	return obj, nil
}

// Delete implements Store.
func (s *s3Store) Delete(ctx context.Context, key string) error {
	name, err := s.name(key)
	if err != nil {
		return fmt.Errorf("deleting %s: %w", s.URI(key), err)
	}
	err = s.retry.do(ctx, func() error {
		return s.client.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{})
	})
	if err != nil {
		if err = mapErr("deleting", s.URI(key), err); errors.Is(err, ErrNotExist) {
			var er minio.ErrorResponse
			if errors.As(err, &er) && er.Code == minio.NoSuchBucket {
				return err
			}
			return nil
		}
		return err
	}
	return nil
}

// List implements Store, in the server's (lexical) order. Keys ending in
// "/" (folder placeholders some tools create) are skipped. When a page fails
// with a transient error after some objects were yielded, listing resumes
// after the last key, within the retry cap of consecutive failures.
func (s *s3Store) List(ctx context.Context, prefix string) iter.Seq2[Object, error] {
	return func(yield func(Object, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		uri := s.URI(prefix)
		startAfter := ""
		failures := 0
		for {
			opts := minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true, StartAfter: startAfter}
			var lastErr error
			for info := range s.client.ListObjects(ctx, s.bucket, opts) {
				if info.Err != nil {
					lastErr = info.Err
					break
				}
				failures = 0
				startAfter = info.Key
				if strings.HasSuffix(info.Key, "/") {
					continue
				}
				if !yield(s.object(info), nil) {
					return
				}
			}
			if lastErr == nil {
				return
			}
			if ctx.Err() != nil {
				yield(Object{}, fmt.Errorf("listing %s: %w", uri, ctx.Err()))
				return
			}
			failures++
			if !IsRetryable(lastErr) || failures >= s.retry.attempts {
				yield(Object{}, mapErr("listing", uri, lastErr))
				return
			}
			t := time.NewTimer(s.retry.wait(failures - 1))
			select {
			case <-ctx.Done():
				t.Stop()
				yield(Object{}, fmt.Errorf("listing %s: %w (retry stopped: %w)", uri, lastErr, ctx.Err()))
				return
			case <-t.C:
			}
		}
	}
}
