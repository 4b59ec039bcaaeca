// Command s3seed uploads a local directory tree into an S3 bucket (creating
// the bucket), through S3 PUTs. `make demo-s3` uses it to seed a versitygw
// server with the demo corpus. Credentials come from PROV_S3_ACCESS_KEY /
// PROV_S3_SECRET_KEY.
//
// Usage: s3seed ENDPOINT BUCKET DIR
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "s3seed:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: s3seed ENDPOINT BUCKET DIR")
	}
	endpoint, bucket, dir := args[0], args[1], args[2]
	cl, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(os.Getenv("PROV_S3_ACCESS_KEY"), os.Getenv("PROV_S3_SECRET_KEY"), ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", endpoint, err)
	}
	ctx := context.Background()
	exists, err := cl.BucketExists(ctx, bucket)
	if err != nil {
		return fmt.Errorf("checking bucket %s: %w", bucket, err)
	}
	if !exists {
		if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
			return fmt.Errorf("creating bucket %s: %w", bucket, err)
		}
	}
	n := 0
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if _, err := cl.FPutObject(ctx, bucket, filepath.ToSlash(rel), p, minio.PutObjectOptions{}); err != nil {
			return fmt.Errorf("uploading %s: %w", p, err)
		}
		n++
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("uploaded %d objects to s3://%s\n", n, bucket)
	return nil
}
