package serve

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

// The load test builds a ledger like lineage's BenchmarkLedger10M (objects
// of 10,000 random record refs, every 50th with a subject key, 8 sources),
// seals one version holding every object and records a certificate, then
// serves it from a second process (this test binary re-executed) and
// measures the lineage graph endpoint at depth 3 over loopback. Run it
// alone:
//
//	go test -run '^$' -bench GraphLoad -benchtime 1x ./lineage/serve/ \
//	    [-serve.records 10000000] [-serve.ledger DIR]
var (
	loadRecords  = flag.Int("serve.records", 10_000_000, "records in the load-test ledger (objects of 10,000)")
	loadDir      = flag.String("serve.ledger", "", "directory for the load-test ledger, kept and reused across runs (default: a temp dir)")
	loadRequests = flag.Int("serve.requests", 2000, "requests of the load test (also bounded by 60 s)")
	loadWorkers  = flag.Int("serve.clients", 2, "concurrent clients of the load test")
	loadNoCache  = flag.Int("serve.nocache-requests", 200, "requests of the load test with the server's caches off (also bounded by 60 s)")
)

const (
	loadPerObject = 10_000
	loadDataset   = "bench"
	loadVersion   = "v1"
	loadMaxTime   = 60 * time.Second
	helperEnv     = "PROV_SERVE_LOADTEST_HELPER"
)

// buildLoadLedger builds (or reuses, when dir holds a finished one) the
// load-test ledger.
func buildLoadLedger(b *testing.B, dir string) {
	if _, err := os.Stat(filepath.Join(dir, "READY")); err == nil {
		return
	}
	ctx := context.Background()
	priv, pub, err := lineage.GenerateKeys(filepath.Join(dir, "keys"))
	if err != nil {
		b.Fatal(err)
	}
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/load",
		SigningKey: priv, PublicKey: pub, Logger: slog.New(slog.DiscardHandler), GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			b.Error(err)
		}
	}()
	objects := max(1, *loadRecords/loadPerObject)
	start := time.Now()
	leaves := make([]uint64, objects)
	var wg sync.WaitGroup
	next := make(chan int)
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				r := rand.New(rand.NewPCG(uint64(i), 42))
				recs := make([]lineage.RecordRef, loadPerObject)
				for j := range recs {
					var d schemas.Digest
					for k := 0; k < 32; k += 8 {
						binary.LittleEndian.PutUint64(d[k:], r.Uint64())
					}
					recs[j] = lineage.RecordRef{Digest: d, Line: int64(j + 1)}
					if j%50 == 0 {
						recs[j].Subjects = []string{l.SubjectKey("email", fmt.Sprintf("user%d@example.com", i*10+j%10))}
						recs[j].Verdict = schemas.Redact
					}
				}
				leaf, _, err := l.IngestObject(ctx, lineage.ObjectIngested{Dataset: loadDataset,
					URI: fmt.Sprintf("s3://bench/corpus/part-%06d.jsonl", i), Size: loadPerObject * 200,
					Sources: []string{fmt.Sprintf("src-%d", i%8)}, PolicyDigest: "p1"}, recs)
				if err != nil {
					errs <- err
					return
				}
				leaves[i] = leaf
			}
		})
	}
	for i := range objects {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	slices.Sort(leaves)
	var srcs []string
	for i := range min(objects, 8) {
		srcs = append(srcs, fmt.Sprintf("src-%d", i))
	}
	slices.Sort(srcs)
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	n := int64(objects * loadPerObject)
	if _, _, err := l.Append(ctx, lineage.DatasetSealed{Dataset: loadDataset, Version: loadVersion, Digest: sum("digest"),
		Counts: schemas.Counts{In: n, Admit: n}, Objects: leaves, Sources: srcs}); err != nil {
		b.Fatal(err)
	}
	if _, _, err := l.Append(ctx, lineage.CertificateIssued{Dataset: loadDataset, Version: loadVersion,
		EnvelopeSHA256: sum("envelope"), PredicateType: schemas.CertificatePredicateType}); err != nil {
		b.Fatal(err)
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a ledger of %d records (%d objects) in %v", n, objects, time.Since(start).Round(time.Second))
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "READY"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
}

// serveHelper is the server process of the load test: it serves the
// ledger in $PROV_SERVE_LOADTEST_HELPER read-only on a free loopback port,
// prints the address and stops when its stdin closes.
func serveHelper() int {
	dir := os.Getenv(helperEnv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/load",
		PublicKey: filepath.Join(dir, "keys", "ledger.pub"), ReadOnly: true, Logger: slog.New(slog.DiscardHandler), GCInterval: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = l.Close() }()
	cache := 0
	if os.Getenv(helperEnv+"_NOCACHE") != "" {
		cache = -1
	}
	srv, err := New(Config{Ledger: l, Datasets: []string{loadDataset}, Logger: slog.New(slog.DiscardHandler),
		ObjectCache: cache, QueryCache: cache})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	err = srv.ListenAndServe(ctx, "127.0.0.1:0", func(a net.Addr) { fmt.Printf("ADDR %s\n", a) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startHelper runs serveHelper in a child process and returns its base URL.
func startHelper(b *testing.B, dir string, noCache bool) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	if noCache {
		cmd.Env = append(cmd.Env, helperEnv+"_NOCACHE=1")
	}
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				b.Logf("the server process: %v", err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
		}
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return "http://" + a
		}
	}
	b.Fatalf("the server process printed no address: %v", sc.Err())
	return ""
}

// BenchmarkGraphLoad reports the p50/p99 latency of GET .../graph?depth=3
// (every object of the version: max_objects=20000) from a second process.
func BenchmarkGraphLoad(b *testing.B) {
	dir := *loadDir
	if dir == "" {
		dir = b.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	buildLoadLedger(b, dir)
	for _, tc := range []struct {
		name     string
		noCache  bool
		requests int
	}{{"cached", false, *loadRequests}, {"nocache", true, *loadNoCache}} {
		b.Run(tc.name, func(b *testing.B) {
			base := startHelper(b, dir, tc.noCache)
			url := base + "/api/v1/datasets/" + loadDataset + "/versions/" + loadVersion + "/graph?depth=3&max_objects=20000"
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *loadWorkers}, Timeout: 30 * time.Second}
			get := func() (time.Duration, int64) {
				t0 := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if err != nil || resp.StatusCode != 200 {
					b.Fatalf("GET graph: status %d, %v", resp.StatusCode, err)
				}
				return time.Since(t0), n
			}
			first, size := get()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				lat := make([][]time.Duration, *loadWorkers)
				deadline := time.Now().Add(loadMaxTime)
				per := max(1, tc.requests / *loadWorkers)
				start := time.Now()
				var wg sync.WaitGroup
				for w := range *loadWorkers {
					wg.Go(func() {
						for i := 0; i < per && time.Now().Before(deadline); i++ {
							d, _ := get()
							lat[w] = append(lat[w], d)
						}
					})
				}
				wg.Wait()
				all := slices.Concat(lat...)
				slices.Sort(all)
				pct := func(p float64) float64 {
					return float64(all[min(len(all)-1, int(float64(len(all))*p))].Microseconds()) / 1000
				}
				b.ReportMetric(pct(0.50), "p50-ms")
				b.ReportMetric(pct(0.99), "p99-ms")
				b.ReportMetric(float64(len(all))/time.Since(start).Seconds(), "req/s")
				b.ReportMetric(float64(len(all)), "requests")
				b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
				b.ReportMetric(float64(size), "B/response")
			}
		})
	}
}

// BenchmarkBuildGraph builds the depth-3 graph of the load-test ledger in
// process (no HTTP), for profiling.
func BenchmarkBuildGraph(b *testing.B) {
	dir := *loadDir
	if dir == "" {
		dir = b.TempDir()
	}
	buildLoadLedger(b, dir)
	ctx := context.Background()
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/load", ReadOnly: true,
		PublicKey: filepath.Join(dir, "keys", "ledger.pub"), Logger: slog.New(slog.DiscardHandler), GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			b.Error(err)
		}
	}()
	srv, err := New(Config{Ledger: l, Datasets: []string{loadDataset}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	v, err := l.At(ctx, lineage.AsOf{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := srv.BuildGraph(ctx, v, loadDataset, loadVersion, 3, MaxGraphObjects); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGraphHandler serves the depth-3 graph of the load-test ledger
// through the handler in process, caches warm: the server's own cost per
// request (build, encode, hash).
func BenchmarkGraphHandler(b *testing.B) {
	dir := *loadDir
	if dir == "" {
		dir = b.TempDir()
	}
	buildLoadLedger(b, dir)
	ctx := context.Background()
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), Origin: "prov.test/load", ReadOnly: true,
		PublicKey: filepath.Join(dir, "keys", "ledger.pub"), Logger: slog.New(slog.DiscardHandler), GCInterval: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := l.Close(); err != nil {
			b.Error(err)
		}
	}()
	srv, err := New(Config{Ledger: l, Datasets: []string{loadDataset}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	target := "/api/v1/datasets/" + loadDataset + "/versions/" + loadVersion + "/graph?depth=3&max_objects=20000"
	serve := func() int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
		return rec.Body.Len()
	}
	b.SetBytes(int64(serve()))
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
}
