// Command provbench supports `make bench`: it generates a deterministic
// synthetic corpus and measures the raw read + SHA-256 speed of the same
// bytes on the same machine, the reference ceiling prov's end-to-end
// throughput is compared with.
//
//	provbench gen -size 2GB -parts 32 -out DIR   # DIR/bench/part-NNN.jsonl
//	provbench gen -shape long -size 512MB -parts 8 -out DIR  # ~2.5 KB mixed zh/en documents
//	provbench rawhash -workers N DIR             # MB/s of read + sha256
package main

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "provbench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: provbench gen|rawhash [ARGS]")
	}
	switch args[0] {
	case "gen":
		return gen(args[1:])
	case "rawhash":
		return rawhash(args[1:])
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	u := strings.ToUpper(s)
	for _, suf := range []struct {
		s string
		m int64
	}{{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3}} {
		if strings.HasSuffix(u, suf.s) {
			mult, u = suf.m, strings.TrimSuffix(u, suf.s)
			break
		}
	}
	n, err := strconv.ParseFloat(u, 64)
	if err != nil {
		return 0, fmt.Errorf("parsing size %q: %w", s, err)
	}
	return int64(n * float64(mult)), nil
}

func gen(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	size := fs.String("size", "2GB", "total corpus size")
	parts := fs.Int("parts", 32, "number of objects")
	out := fs.String("out", "", "output directory")
	seed := fs.Int64("seed", 1, "generator seed")
	shapeName := fs.String("shape", "short", "record shape: short (~1.2 KB, one declared language) or long (~2.5 KB mixed zh/en documents)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	shape, err := corpusgen.ParseShape(*shapeName)
	if err != nil {
		return err
	}
	total, err := parseSize(*size)
	if err != nil {
		return err
	}
	if *out == "" || *parts < 1 {
		return errors.New("gen: -out is required and -parts must be >= 1")
	}
	dir := filepath.Join(*out, "bench")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var recs int64
	for i := 0; i < *parts; i++ {
		p := filepath.Join(dir, fmt.Sprintf("part-%03d.jsonl", i))
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		n, err := corpusgen.WriteJSONLShape(bw, shape, total/int64(*parts), *seed+int64(i))
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %w", p, err)
		}
		recs += n
	}
	fmt.Printf("records=%d bytes=%d parts=%d shape=%s\n", recs, total, *parts, *shapeName)
	return nil
}

func rawhash(args []string) error {
	fs := flag.NewFlagSet("rawhash", flag.ContinueOnError)
	workers := fs.Int("workers", 1, "files hashed in parallel")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var files []string
	for _, root := range fs.Args() {
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				files = append(files, p)
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	start := time.Now()
	ch := make(chan string)
	var mu sync.Mutex
	var total int64
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 1<<20)
			for p := range ch {
				f, err := os.Open(p)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					continue
				}
				h := sha256.New()
				n, err := io.CopyBuffer(h, f, buf)
				_ = f.Close()
				mu.Lock()
				total += n
				if err != nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	for _, f := range files {
		ch <- f
	}
	close(ch)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	sec := time.Since(start).Seconds()
	fmt.Printf("bytes=%d seconds=%.3f mbps=%.1f\n", total, sec, float64(total)/1e6/sec)
	return nil
}
