package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/pipeline"
	"github.com/prov-ai/prov/pipeline/readers/corpusgen"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// Fault-tolerance tests: prov run is killed, its S3 server goes away, its
// input changes under it, its output disk fills up, a shard runs twice.
// Each time the outcome must be a clean error or a completed run, the
// ledger must verify, no object or version may be recorded twice, and a
// rerun must give the digests of an undisturbed run.
//
// The corpus is the demo corpus plus a generated dataset "gen" of several
// JSONL objects (pipeline/readers/corpusgen), large enough that a kill can
// land while objects are read as well as while versions are sealed.

// genDataset is appended to the demo configuration's datasets.
const genDataset = `
  - name: gen
    inputs:
      - prefix: gen/
        source: oss-wiki-zh
    fields:
      text: text
      id: id
`

// makeCorpus copies the demo corpus into a temp dir and adds parts
// generated objects gen/part-NN.jsonl of about partBytes each (seeded by
// their index, so every call gives the same bytes).
func makeCorpus(t *testing.T, parts int, partBytes int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "corpus")
	copyTree(t, filepath.Join(repoRoot(t), "fixtures", "demo", "corpus"), dir)
	for i := range parts {
		writeGenPart(t, filepath.Join(dir, "gen", fmt.Sprintf("part-%02d.jsonl", i)), partBytes, int64(i+1))
	}
	return dir
}

func writeGenPart(t *testing.T, path string, size, seed int64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := corpusgen.WriteJSONL(&b, size, seed); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// faultConfig is demoConfig plus the gen dataset and extra top-level YAML.
func faultConfig(t *testing.T, input, extra string) (string, string) {
	t.Helper()
	cfg, dir := demoConfig(t, input, genDataset+extra)
	if _, stderr, code := prov(t, nil, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("prov keygen: exit %d\n%s", code, stderr)
	}
	return cfg, dir
}

// setConfigLine replaces the top-level line of cfg starting with key+":".
func setConfigLine(t *testing.T, cfg, key, value string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	found := false
	for i, l := range lines {
		if strings.HasPrefix(l, key+":") {
			lines[i], found = key+": "+value, true
		}
	}
	if !found {
		lines = append(lines, key+": "+value)
	}
	if err := os.WriteFile(cfg, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a poller.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a prov process started in the background.
type proc struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

func startProv(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(provBin, args...), done: make(chan struct{})}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting prov: %v", err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitLog waits until a stderr line contains every one of subs.
func (p *proc) waitLog(t *testing.T, timeout time.Duration, subs ...string) bool {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, l := range strings.Split(p.stderr.String(), "\n") {
			all := true
			for _, s := range subs {
				all = all && strings.Contains(l, s)
			}
			if all {
				return true
			}
		}
		select {
		case <-p.done:
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// wait waits for the process and returns its exit code (-1 if killed).
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("prov did not finish within %s; stderr:\n%s", timeout, tail(p.stderr.String(), 3000))
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// result parses `prov run -o json` output.
func (p *proc) result(t *testing.T) runJSON {
	t.Helper()
	var r runJSON
	if err := json.Unmarshal([]byte(p.stdout.String()), &r); err != nil {
		t.Fatalf("prov printed invalid JSON: %v\n%s", err, p.stdout.String())
	}
	return r
}

// noCrash fails t if stderr shows a Go panic or runtime crash.
func noCrash(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "fatal error:", "SIGSEGV"} {
		if strings.Contains(stderr, s) {
			t.Fatalf("prov crashed (%q in stderr):\n%s", s, tail(stderr, 4000))
		}
	}
}

var (
	refOnce    sync.Once
	refDigests map[string]string
	refErr     string
	// refDuration and refEvents are the reference run's wall time and
	// number of log lines.
	refDuration time.Duration
	refEvents   int
	// refObjects is the number of data objects of each dataset.
	refObjects map[string]int
)

// reference returns the digests of an undisturbed run over the standard
// fault corpus (makeCorpus(t, 6, 1e6)), computed once per test binary.
// Digests depend on record contents only, not on paths, so every test's
// own copy of the corpus must give them.
func reference(t *testing.T) map[string]string {
	t.Helper()
	refOnce.Do(func() {
		corpus := makeCorpus(t, 6, 1_000_000)
		cfg, _ := faultConfig(t, "file://"+corpus, "")
		start := time.Now()
		stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json", "--workers", "2")
		refDuration, refEvents = time.Since(start), len(logEvents(stderr))
		var r runJSON
		if code != 0 && code != 3 || json.Unmarshal([]byte(stdout), &r) != nil {
			refErr = fmt.Sprintf("reference run: exit %d\n%s\n%s", code, stdout, tail(stderr, 3000))
			return
		}
		refDigests = digests(r)
		var objs struct {
			Datasets []struct {
				Name    string `json:"name"`
				Objects int    `json:"objects"`
			} `json:"datasets"`
		}
		_ = json.Unmarshal([]byte(stdout), &objs)
		refObjects = map[string]int{}
		for _, d := range objs.Datasets {
			refObjects[d.Name] = d.Objects
		}
	})
	if refErr != "" {
		t.Fatal(refErr)
	}
	if len(refDigests) == 0 {
		t.Fatal("the reference run failed in an earlier test")
	}
	return refDigests
}

// sameDigests fails t unless got has want's digest for every dataset in
// only (all of want when only is empty).
func sameDigests(t *testing.T, got, want map[string]string, only ...string) {
	t.Helper()
	names := only
	if len(names) == 0 {
		for n := range want {
			names = append(names, n)
		}
	}
	for _, n := range names {
		if got[n] != want[n] || want[n] == "" {
			t.Errorf("dataset %s: digest %q, an undisturbed run gives %q", n, got[n], want[n])
		}
	}
}

// checkLedger runs `prov ledger verify`, then opens the ledger read-only and
// checks no fact is recorded twice: exactly one object_ingested entry per
// (dataset, object URI) and one dataset_sealed per dataset, and the number
// of objects of each dataset in objects (when set).
func checkLedger(t *testing.T, cfg, dir string, objects map[string]int) {
	t.Helper()
	if stdout, stderr, code := prov(t, nil, "-c", cfg, "ledger", "verify"); code != 0 {
		t.Fatalf("prov ledger verify: exit %d\n%s\n%s", code, stdout, tail(stderr, 3000))
	}
	ctx := context.Background()
	l, err := lineage.Open(ctx, lineage.Config{Dir: filepath.Join(dir, "ledger"), ReadOnly: true})
	if err != nil {
		t.Fatalf("opening ledger: %v", err)
	}
	defer func() { _ = l.Close() }()
	ingested := map[string]int{}
	sealed := map[string]int{}
	perDataset := map[string]int{}
	for i := range l.Size() {
		st, _, err := l.Entry(ctx, i)
		if err != nil {
			t.Fatalf("reading ledger entry %d: %v", i, err)
		}
		switch e := st.Entry.(type) {
		case lineage.ObjectIngested:
			if ingested[e.Dataset+" "+e.URI]++; ingested[e.Dataset+" "+e.URI] == 1 {
				perDataset[e.Dataset]++
			}
		case lineage.DatasetSealed:
			sealed[e.Dataset]++
		}
	}
	for k, n := range ingested {
		if n != 1 {
			t.Errorf("ledger holds %d object_ingested entries for %s, want 1", n, k)
		}
	}
	for k, n := range sealed {
		if n != 1 {
			t.Errorf("ledger holds %d dataset_sealed entries for %s, want 1", n, k)
		}
	}
	for ds, n := range objects {
		if perDataset[ds] != n {
			t.Errorf("ledger holds %d objects of dataset %s, want %d", perDataset[ds], ds, n)
		}
		if sealed[ds] != 1 {
			t.Errorf("ledger holds %d sealed versions of %s, want 1", sealed[ds], ds)
		}
	}
}

// faultSeed seeds the kill delays; PROV_FAULT_SEED overrides it to replay
// or vary a run.
func faultSeed(t *testing.T) uint64 {
	seed := uint64(20261127)
	if s := os.Getenv("PROV_FAULT_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PROV_FAULT_SEED=%q: %v", s, err)
		}
		seed = v
	}
	t.Logf("fault seed %d (set PROV_FAULT_SEED to replay another)", seed)
	return seed
}

// logEvent is one JSON log line's message and dataset.
type logEvent struct{ Msg, Dataset string }

func logEvents(stderr string) []logEvent {
	var out []logEvent
	for _, l := range strings.Split(stderr, "\n") {
		var e logEvent
		if json.Unmarshal([]byte(l), &e) == nil && e.Msg != "" {
			out = append(out, e)
		}
	}
	return out
}

// phase names where a killed run was: after which log line (message and
// dataset). "object checked" of a dataset's last object means it was
// sealing that dataset.
func phase(stderr string) string {
	ev := logEvents(stderr)
	if len(ev) == 0 {
		return "starting"
	}
	e := ev[len(ev)-1]
	return e.Msg + " " + e.Dataset
}

// TestFaultKill9 kills `prov run` with SIGKILL at seeded random points,
// at least 20 times, in episodes of up to 5 kills each followed by a run to
// completion. The first kill of an episode (on a fresh work directory)
// comes after a delay uniform over an undisturbed run's duration; the
// others (on resumed runs, which are shorter) come a random 0-100 ms after
// the n-th log line, n uniform over an undisturbed run's lines, so that
// kills land while objects are read, while versions are sealed and while
// certificates are written. Each episode must end with the digests of an
// undisturbed run, a ledger that verifies, and no object or version
// recorded twice.
func TestFaultKill9(t *testing.T) {
	want := reference(t)
	full, nEvents := refDuration, refEvents
	corpus := makeCorpus(t, 6, 1_000_000)
	rng := rand.New(rand.NewPCG(faultSeed(t), 0x5eed))
	const wantKills, perEpisode, maxStarts = 20, 5, 80
	kills, starts, episodes := 0, 0, 0
	phases := map[string]int{}
	for kills < wantKills && starts < maxStarts {
		episodes++
		cfg, dir := faultConfig(t, "file://"+corpus, "")
		checked := map[logEvent]bool{} // objects finished in this episode (reused by later runs)
		for k := 0; k < perEpisode && kills < wantKills; {
			starts++
			p := startProv(t, nil, "-c", cfg, "run", "-o", "json", "--workers", "2")
			if k == 0 {
				select {
				case <-p.done:
				case <-time.After(time.Duration(rng.Int64N(int64(full)))):
				}
			} else {
				// A resumed run logs no "object checked" for reused objects.
				n := 1 + rng.IntN(max(1, nEvents-len(checked)))
				jitter := time.Duration(rng.Int64N(int64(100 * time.Millisecond)))
				for !p.exited() && len(logEvents(p.stderr.String())) < n {
					time.Sleep(2 * time.Millisecond)
				}
				select {
				case <-p.done:
				case <-time.After(jitter):
				}
			}
			if p.exited() {
				break // the run finished before the kill: the episode is complete
			}
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				if !errors.Is(err, os.ErrProcessDone) {
					t.Fatalf("killing prov: %v", err)
				}
				<-p.done
				break // it finished between the check and the kill
			}
			<-p.done
			if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
				continue // exited on its own just before the signal
			}
			kills++
			k++
			phases[phase(p.stderr.String())]++
			for _, l := range strings.Split(p.stderr.String(), "\n") {
				var e struct{ Msg, Dataset, Object string }
				if json.Unmarshal([]byte(l), &e) == nil && e.Msg == "object checked" {
					checked[logEvent{e.Dataset, e.Object}] = true
				}
			}
		}
		res, _ := runOK(t, cfg, nil, "--workers", "2")
		sameDigests(t, digests(res), want)
		checkLedger(t, cfg, dir, refObjects)
		if t.Failed() {
			t.Fatalf("episode %d (after %d kills in all) broke the run", episodes, kills)
		}
	}
	t.Logf("%d kills in %d starts over %d episodes (undisturbed run %s, %d log lines); killed after:", kills, starts, episodes, full.Round(time.Millisecond), nEvents)
	for ph, n := range phases {
		t.Logf("  %2d  %s", n, ph)
	}
	if kills < wantKills {
		t.Fatalf("only %d kills landed in %d starts, want %d", kills, starts, wantKills)
	}
	if len(phases) < 3 {
		t.Errorf("kills landed in only %d phases of the run, want them spread: %v", len(phases), phases)
	}
}

// TestFaultShardTwice runs the three shards of a 3-way split through the
// CLI, shard 1 twice (as a retried Kubernetes pod would), and seals each
// dataset with `prov seal NAME`: the digests equal an unsharded run's and
// the ledger holds each object once. Sealing before the last shard has run
// fails and names a missing object.
func TestFaultShardTwice(t *testing.T) {
	want := reference(t)
	corpus := makeCorpus(t, 6, 1_000_000)
	cfg, dir := faultConfig(t, "file://"+corpus, "")
	shard := func(s string) {
		t.Helper()
		stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "--shard", s, "-o", "json")
		if code != 0 {
			t.Fatalf("prov run --shard %s: exit %d\n%s\n%s", s, code, stdout, tail(stderr, 3000))
		}
	}
	shard("0/3")
	shard("1/3")
	_, stderr, code := prov(t, nil, "-c", cfg, "seal", "gen")
	if code != 1 || !strings.Contains(stderr, pipeline.ErrMissingShard.Error()) || !strings.Contains(stderr, "gen/part-") {
		t.Fatalf("prov seal with shard 2/3 missing: exit %d, want 1 naming a missing gen object:\n%s", code, tail(stderr, 2000))
	}
	shard("2/3")
	shard("1/3") // again: reuses its segments, changes nothing
	got := map[string]string{}
	for ds := range want {
		stdout, stderr, code := prov(t, nil, "-c", cfg, "seal", ds, "-o", "json")
		if code != 0 && code != 3 {
			t.Fatalf("prov seal %s: exit %d\n%s\n%s", ds, code, stdout, tail(stderr, 3000))
		}
		var r runJSON
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("prov seal -o json: %v\n%s", err, stdout)
		}
		for k, v := range digests(r) {
			got[k] = v
		}
	}
	sameDigests(t, got, want)
	checkLedger(t, cfg, dir, refObjects)
}

// TestFaultObjectChanged changes an input object while a run is in
// progress: replaced after planning (a new ETag before it is opened) and
// rewritten in place while it is being read. Either way the run must fail
// naming the object and "changed" rather than seal a mix of old and new
// records, and the rerun must seal the new content.
func TestFaultObjectChanged(t *testing.T) {
	// prepare builds the new content before prov starts and returns the
	// change itself, a rename or one write: generating the content inside
	// the race window made the test depend on the machine's load.
	cases := []struct {
		name    string
		parts   int
		size    int64
		target  string
		prepare func(t *testing.T, path string) (change func())
	}{
		{"replaced-after-planning", 6, 1_000_000, "gen/part-05.jsonl", func(t *testing.T, path string) func() {
			tmp := path + ".new"
			writeGenPart(t, tmp, 1_000_000, 99)
			return func() {
				if err := os.Rename(tmp, path); err != nil {
					t.Error(err)
				}
			}
		}},
		{"rewritten-in-place-mid-read", 1, 24_000_000, "gen/part-00.jsonl", func(t *testing.T, path string) func() {
			// Overwrite the last quarter in place (same inode), as an
			// editor or `cat >` would, while the reader is in the first part.
			var b bytes.Buffer
			if _, err := corpusgen.WriteJSONL(&b, 6_000_000, 77); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := f.Stat()
			if err != nil {
				t.Fatal(err)
			}
			return func() {
				if _, err := f.WriteAt(b.Bytes()[:fi.Size()/4], fi.Size()-fi.Size()/4); err != nil {
					t.Error(err)
				}
				if err := f.Close(); err != nil {
					t.Error(err)
				}
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			corpus := makeCorpus(t, tc.parts, tc.size)
			cfg, dir := faultConfig(t, "file://"+corpus, "")
			target := filepath.Join(corpus, filepath.FromSlash(tc.target))
			change := tc.prepare(t, target)
			p := startProv(t, nil, "-c", cfg, "run", "-o", "json", "--dataset", "gen", "--workers", "1")
			if !p.waitLog(t, 60*time.Second, `"msg":"planned"`, `"dataset":"gen"`) {
				t.Fatalf("prov never planned dataset gen:\n%s", tail(p.stderr.String(), 3000))
			}
			if tc.parts == 1 {
				time.Sleep(50 * time.Millisecond) // let the read get going
			}
			change()
			code := p.wait(t, 120*time.Second)
			stderr := p.stderr.String()
			noCrash(t, stderr)
			if code != 1 {
				t.Fatalf("prov run with %s changed under it: exit %d, want 1\nstdout:\n%s\nstderr:\n%s", tc.target, code, p.stdout.String(), tail(stderr, 3000))
			}
			last := stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:]
			if !strings.Contains(last, tc.target) || !strings.Contains(last, "changed") {
				t.Fatalf("error does not name %s and \"changed\": %s", tc.target, last)
			}
			t.Logf("changed: %s", strings.TrimSpace(last))
			if _, err := os.Stat(filepath.Join(dir, "out", "gen")); err == nil {
				t.Fatalf("a version of gen was sealed from a changed object")
			}
			// The rerun reads the new content; a clean run over a copy of
			// the changed corpus is the reference.
			res, _ := runOK(t, cfg, nil, "--dataset", "gen", "--workers", "1")
			refCorpus := filepath.Join(t.TempDir(), "ref")
			copyTree(t, corpus, refCorpus)
			refCfg, _ := faultConfig(t, "file://"+refCorpus, "")
			ref, _ := runOK(t, refCfg, nil, "--dataset", "gen")
			sameDigests(t, digests(res), digests(ref), "gen")
			sum := fileSHA256(t, target)
			m := manifestOf(t, dir, res, "gen")
			for _, in := range m.Inputs {
				if in.Key == tc.target && in.SHA256 != sum {
					t.Errorf("manifest records %s with sha256 %s, the new content is %s", tc.target, in.SHA256, sum)
				}
			}
			checkLedger(t, cfg, dir, map[string]int{"gen": tc.parts})
		})
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func manifestOf(t *testing.T, dir string, r runJSON, dataset string) *schemas.Manifest {
	t.Helper()
	ctx := context.Background()
	out, err := objstore.Open(ctx, filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range r.Datasets {
		if d.Name == dataset {
			m, _, err := version.ReadManifest(ctx, out, d.Name, d.Version)
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
	}
	t.Fatalf("no dataset %s in the run result", dataset)
	return nil
}

// TestFaultDiskFull puts the output store on a small tmpfs that is nearly
// full: the run fails with ENOSPC naming the output path, the ledger still
// verifies, and after space is freed the rerun seals the same digests as an
// undisturbed run, recording nothing twice.
func TestFaultDiskFull(t *testing.T) {
	want := reference(t)
	corpus := makeCorpus(t, 6, 1_000_000)
	cfg, dir := faultConfig(t, "file://"+corpus, "")
	mnt := filepath.Join(dir, "outfs")
	if err := os.MkdirAll(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt).CombinedOutput(); err != nil {
		msg := fmt.Sprintf("mounting a 1 MiB tmpfs at %s is not permitted here (%v: %s); the disk-full test needs root in a sandbox that allows mount", mnt, err, bytes.TrimSpace(out))
		if os.Getenv("CI") != "" || os.Getenv("PROV_REQUIRE_S3") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	outDir := filepath.Join(mnt, "out")
	setConfigLine(t, cfg, "output", outDir)
	// Leave 96 KiB: enough for the small demo datasets, not for gen's
	// findings (about 130 KiB).
	filler := filepath.Join(mnt, "filler")
	if err := os.WriteFile(filler, make([]byte, (1<<20)-96<<10), 0o644); err != nil {
		t.Fatalf("filling the tmpfs: %v", err)
	}
	stdout, stderr, code := prov(t, nil, "-c", cfg, "run", "-o", "json", "--workers", "2")
	noCrash(t, stderr)
	if code != 1 {
		t.Fatalf("prov run on a full output disk: exit %d, want 1\n%s\n%s", code, stdout, tail(stderr, 3000))
	}
	last := stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:]
	if !strings.Contains(last, syscall.ENOSPC.Error()) || !strings.Contains(last, outDir) {
		t.Fatalf("error does not name ENOSPC (%q) and the output path %s: %s", syscall.ENOSPC.Error(), outDir, last)
	}
	t.Logf("disk full: %s", strings.TrimSpace(last))
	checkLedger(t, cfg, dir, nil)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	res, _ := runOK(t, cfg, nil, "--workers", "2")
	sameDigests(t, digests(res), want)
	checkLedger(t, cfg, dir, refObjects)
}

// gateway is a versitygw process of this test's own, so that it can be
// stopped and started again on the same port and directory (s3test's
// servers cannot be restarted).
type gateway struct {
	bin, dir, endpoint string
	cmd                *exec.Cmd
	done               chan struct{}
	log                syncBuffer
}

func findVersitygw(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("VERSITYGW"); p != "" {
		return p
	}
	if p := filepath.Join(repoRoot(t), ".tools", "bin", "versitygw"); fileExists(p) {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" || os.Getenv("PROV_REQUIRE_S3") != "" {
		t.Fatal("versitygw not found (VERSITYGW, .tools/bin, PATH); run make tools")
	}
	t.Skip("versitygw not found (VERSITYGW, .tools/bin, PATH); run make tools")
	return ""
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func (g *gateway) start(t *testing.T) {
	t.Helper()
	g.cmd = exec.Command(g.bin, "--access", "testaccess", "--secret", "testsecret123", "--port", g.endpoint,
		"--region", "us-east-1", "--quiet", "posix", g.dir)
	g.cmd.Stdout, g.cmd.Stderr = &g.log, &g.log
	g.done = make(chan struct{})
	if err := g.cmd.Start(); err != nil {
		t.Fatalf("starting versitygw: %v", err)
	}
	done := g.done
	cmd := g.cmd
	go func() { _ = cmd.Wait(); close(done) }()
	cl := g.client(t)
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cl.ListBuckets(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw at %s not ready: %v\n%s", g.endpoint, err, g.log.String())
		}
		select {
		case <-done:
			t.Fatalf("versitygw exited: %s", g.log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (g *gateway) stop() {
	if g.cmd == nil || g.cmd.Process == nil {
		return
	}
	select {
	case <-g.done:
		return
	default:
	}
	_ = g.cmd.Process.Kill()
	<-g.done
}

func (g *gateway) client(t *testing.T) *minio.Client {
	t.Helper()
	cl, err := minio.New(g.endpoint, &minio.Options{Creds: credentials.NewStaticV4("testaccess", "testsecret123", ""),
		Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// putTree uploads the files below dir to bucket through S3 PUTs.
func (g *gateway) putTree(t *testing.T, bucket, dir string) {
	t.Helper()
	cl := g.client(t)
	ctx := context.Background()
	if err := cl.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = cl.PutObject(ctx, bucket, filepath.ToSlash(rel), bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("uploading %s: %v", dir, err)
	}
}

// TestFaultS3Outage stops the S3 server (versitygw) while `prov run` reads
// from it. A short outage is ridden out by the retries and the run
// completes; a long one makes the run fail cleanly naming the S3 object,
// and the rerun after the server is back resumes from the finished
// segments. Both end with the digests of an undisturbed run.
func TestFaultS3Outage(t *testing.T) {
	want := reference(t)
	bin := findVersitygw(t)
	port, err := freeTCPPort()
	if err != nil {
		t.Fatal(err)
	}
	g := &gateway{bin: bin, dir: t.TempDir(), endpoint: "127.0.0.1:" + strconv.Itoa(port)}
	g.start(t)
	t.Cleanup(g.stop)
	corpus := makeCorpus(t, 6, 1_000_000)
	g.putTree(t, "corpus", corpus)
	env := []string{"PROV_S3_ACCESS_KEY=testaccess", "PROV_S3_SECRET_KEY=testsecret123"}
	s3cfg := fmt.Sprintf("s3:\n  endpoint: %s\n  region: us-east-1\n  insecure: true\n  path_style: true\n", g.endpoint)

	for _, tc := range []struct {
		name   string
		outage time.Duration
	}{{"short-outage-retried", 300 * time.Millisecond}, {"long-outage-fails-then-resumes", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, dir := faultConfig(t, "s3://corpus", s3cfg)
			p := startProv(t, env, "-c", cfg, "run", "-o", "json", "--dataset", "gen", "--workers", "1")
			if !p.waitLog(t, 60*time.Second, `"msg":"object checked"`, `"dataset":"gen"`) {
				t.Fatalf("prov never checked a gen object:\n%s", tail(p.stderr.String(), 3000))
			}
			g.stop()
			if tc.outage > 0 {
				time.Sleep(tc.outage)
				g.start(t)
			}
			code := p.wait(t, 180*time.Second)
			stderr := p.stderr.String()
			noCrash(t, stderr)
			if tc.outage > 0 && code != 1 {
				if code != 0 && code != 3 {
					t.Fatalf("prov run through a %s S3 outage: exit %d, want it to retry and finish\n%s", tc.outage, code, tail(stderr, 3000))
				}
				if !strings.Contains(stderr, `"msg":"retrying object"`) {
					t.Logf("no whole-object retry was needed (the store's own retries sufficed)")
				}
				sameDigests(t, digests(p.result(t)), want, "gen")
				checkLedger(t, cfg, dir, map[string]int{"gen": 6})
				return
			}
			// A short outage can still outlast the retries on a loaded
			// machine (the gateway takes a while to come back). The
			// issue's other accepted outcome is then checked: a clean
			// failure naming the object, and a rerun that resumes.
			if code != 1 {
				t.Fatalf("prov run with S3 down: exit %d, want 1\n%s", code, tail(stderr, 3000))
			}
			last := stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:]
			if !strings.Contains(last, "s3://corpus/gen/part-") {
				t.Fatalf("error does not name the S3 object: %s", last)
			}
			t.Logf("S3 down: %s", strings.TrimSpace(last))
			if tc.outage == 0 {
				g.start(t)
			}
			res, resumed := runOK(t, cfg, env, "--dataset", "gen", "--workers", "1")
			sameDigests(t, digests(res), want, "gen")
			if resumed["gen"] < 1 {
				t.Errorf("the rerun reused %d segments, want the objects finished before the outage", resumed["gen"])
			}
			t.Logf("rerun reused %d of 6 objects", resumed["gen"])
			checkLedger(t, cfg, dir, map[string]int{"gen": 6})
		})
	}
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// runOK runs `prov run -o json` to completion (exit 0, or 3 for the demo's
// failing gates) and returns the result and the objects each dataset
// reused from earlier runs.
func runOK(t *testing.T, cfg string, env []string, extra ...string) (runJSON, map[string]int) {
	t.Helper()
	args := append([]string{"-c", cfg, "run", "-o", "json"}, extra...)
	stdout, stderr, code := prov(t, env, args...)
	noCrash(t, stderr)
	if code != 0 && code != 3 {
		t.Fatalf("prov run: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, tail(stderr, 3000))
	}
	var res runJSON
	var resumed struct {
		Datasets []struct {
			Name    string `json:"name"`
			Resumed int    `json:"resumed_objects"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || len(res.Datasets) == 0 {
		t.Fatalf("prov run -o json: %v\n%s", err, stdout)
	}
	_ = json.Unmarshal([]byte(stdout), &resumed)
	r := map[string]int{}
	for _, d := range resumed.Datasets {
		r[d.Name] = d.Resumed
	}
	for _, d := range res.Datasets {
		c := d.Counts
		if c.In == 0 || c.In != c.Admit+c.Redact+c.Quarantine+c.Reject {
			t.Fatalf("dataset %s counts do not reconcile: %+v", d.Name, c)
		}
	}
	return res, r
}
