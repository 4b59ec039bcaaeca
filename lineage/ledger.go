package lineage

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/mod/sumdb/note"

	"github.com/prov-ai/prov/schemas"
)

// DefaultOrigin is the checkpoint origin used when Config.Origin is empty.
const DefaultOrigin = "prov.local/ledger"

// Files kept in the ledger directory besides the badger database (db/).
const (
	lockFile   = "LOCK"
	secretFile = "subject.key"
	dbDir      = "db"
)

// Config locates a ledger. Zero fields take defaults; Open reports the first
// invalid field by name.
type Config struct {
	// Dir is the ledger directory (required). It holds the badger database,
	// the subject-key secret (mode 0600) and a lock file.
	Dir string
	// Origin is the log's name in checkpoints and the signed-note key name.
	// Default DefaultOrigin.
	Origin string
	// SigningKey is the PEM PKCS#8 Ed25519 private key for checkpoints.
	// Optional: without it Checkpoint fails with ErrNoSigningKey.
	SigningKey string
	// PublicKey is the PEM PKIX public key checkpoints are verified with.
	// Default: derived from SigningKey.
	PublicKey string
	// ReadOnly opens the ledger for queries and verification only. Several
	// read-only processes may share a ledger; never with a writer.
	ReadOnly bool
	// Logger receives the ledger's and badger's logs (badger's info lines at
	// debug level). Default slog.Default().
	Logger *slog.Logger
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
	// GCInterval is how often value-log GC runs. Default 10 minutes;
	// negative disables it.
	GCInterval time.Duration
	// SubjectKeyFile is the path of the subject-key secret (SubjectKey's
	// HMAC key; WriteSubjectKey's format: 32 random bytes in hex, mode
	// 0600). Empty: <Dir>/subject.key, created on the first writable Open.
	// Set it when several ledgers must compute equal subject keys (shard
	// pods of one run and the sealer): the file is then only read, never
	// created or overwritten, and Open fails with an error wrapping
	// ErrNoSubjectKey naming the path when it is missing.
	SubjectKeyFile string
}

func (c *Config) setDefaults() {
	if c.Origin == "" {
		c.Origin = DefaultOrigin
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.GCInterval == 0 {
		c.GCInterval = 10 * time.Minute
	}
}

// valid names the first bad setting.
func (c *Config) valid() error {
	if c.Dir == "" {
		return fmt.Errorf("%w: Dir is required", ErrConfig)
	}
	if strings.ContainsAny(c.Origin, " \t\n+") {
		return fmt.Errorf("%w: Origin %q must not contain spaces or '+'", ErrConfig, c.Origin)
	}
	return nil
}

// Ledger is an open ledger. Its methods are safe for concurrent use;
// appends are serialised.
type Ledger struct {
	cfg    Config
	db     *badger.DB
	lock   *os.File
	secret []byte
	macs   sync.Pool // of hash.Hash: HMAC-SHA-256 keyed with secret
	log    *slog.Logger

	signer note.Signer
	pub    ed25519.PublicKey

	mu       sync.Mutex // serialises appends; guards size, rng, lastTime
	size     uint64
	rng      *compact.Range
	lastTime time.Time

	stop context.CancelFunc
	// stopRelease ends releaseLoop; wrote wakes it after an append.
	stopRelease context.CancelFunc
	wrote       chan struct{}
	wg          sync.WaitGroup
	closed      bool
}

// Open opens (creating when writable) the ledger in cfg.Dir. A directory
// held by another process gives an error wrapping ErrInUse. ctx bounds the
// background value-log GC, which also stops at Close.
func Open(ctx context.Context, cfg Config) (_ *Ledger, err error) {
	cfg.setDefaults()
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	l := &Ledger{cfg: cfg, log: cfg.Logger.With("ledger", cfg.Dir)}
	if !cfg.ReadOnly {
		if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating ledger %s: %w", cfg.Dir, err)
		}
	} else if _, err := os.Stat(filepath.Join(cfg.Dir, dbDir)); err != nil {
		return nil, fmt.Errorf("opening ledger %s: %w", cfg.Dir, ErrNotFound)
	}
	if err := l.acquireLock(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			if cerr := l.lock.Close(); cerr != nil {
				err = errors.Join(err, fmt.Errorf("unlocking ledger %s: %w", cfg.Dir, cerr))
			}
		}
	}()
	if cfg.SubjectKeyFile != "" {
		l.secret, err = readSecret(cfg.SubjectKeyFile)
	} else {
		l.secret, err = loadSecret(filepath.Join(cfg.Dir, secretFile), cfg.ReadOnly)
	}
	if err != nil && cfg.ReadOnly && (errors.Is(err, ErrNoSubjectKey) || errors.Is(err, fs.ErrPermission)) {
		// Verification and queries need public material only: a reader
		// without the secret (an auditor) opens the ledger and only
		// subject lookups (KeySubject) fail.
		l.secret, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := l.loadKeys(); err != nil {
		return nil, err
	}
	if err := removeEmptyWALs(filepath.Join(cfg.Dir, dbDir)); err != nil {
		return nil, err
	}
	opts := badger.DefaultOptions(filepath.Join(cfg.Dir, dbDir)).
		WithLogger(badgerLogger{l.log}).
		WithReadOnly(cfg.ReadOnly).
		// 4 KiB (record-index values in the LSM tree) was measured slower
		// on every figure: compactions rewrite them. See BENCHMARKS.md.
		WithValueThreshold(1 << 10).
		WithNumCompactors(2).
		// Bounded memory for batch pods: badger's defaults (5 memtables of
		// 64 MiB, a 256 MiB block cache) let a large ingest hold ~300 MiB
		// in the ledger alone. Flushing a memtable builds its table in
		// buffers that grow by doubling (~3.5x the memtable), so 8 MiB
		// memtables keep a flush under 30 MiB of heap. Tables are not
		// compressed or encrypted, so blocks are read straight from the
		// mapped files and a block cache would only copy them.
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithBlockCacheSize(0).
		// The value log is written through mmap: see releaseLoop.
		WithValueLogFileSize(64 << 20).
		WithMetricsEnabled(false).
		WithDetectConflicts(false).
		// Record digests do not compress: spend no CPU on trying.
		WithCompression(options.None)
	db, err := openDB(opts)
	if err != nil && cfg.ReadOnly && truncateNeeded(err) {
		// A writer was killed: its write-ahead log has an unflushed tail
		// that read-only badger refuses to replay. Recover as the next
		// writer would, under the exclusive lock.
		err = l.recoverCrashed(opts)
		if err == nil {
			db, err = openDB(opts)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("opening ledger database %s: %w", cfg.Dir, err)
	}
	l.db = db
	if err := l.load(); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if err := l.upgradeIndex(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	if !cfg.ReadOnly {
		rctx, cancel := context.WithCancel(context.Background())
		l.stopRelease = cancel
		l.wrote = make(chan struct{}, 1)
		l.wg.Add(1)
		go l.releaseLoop(rctx)
	}
	if !cfg.ReadOnly && cfg.GCInterval > 0 {
		gctx, cancel := context.WithCancel(ctx)
		l.stop = cancel
		l.wg.Add(1)
		go l.gcLoop(gctx)
	}
	ok = true
	return l, nil
}

func (l *Ledger) acquireLock() error {
	p := filepath.Join(l.cfg.Dir, lockFile)
	flag, how := os.O_RDWR|os.O_CREATE, syscall.LOCK_EX
	if l.cfg.ReadOnly {
		flag, how = os.O_RDONLY, syscall.LOCK_SH
	}
	f, err := os.OpenFile(p, flag, 0o644)
	if err != nil && l.cfg.ReadOnly && errors.Is(err, fs.ErrNotExist) {
		f, err = os.Open(l.cfg.Dir)
	}
	if err != nil {
		return fmt.Errorf("locking ledger %s: %w", l.cfg.Dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		cerr := f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return errors.Join(fmt.Errorf("ledger %s: %w", l.cfg.Dir, ErrInUse), cerr)
		}
		return errors.Join(fmt.Errorf("locking ledger %s: %w", l.cfg.Dir, err), cerr)
	}
	l.lock = f
	return nil
}

// openDB is badger.Open after checking the footer of every table: badger
// reads a table's index at the offsets its footer gives from a goroutine of
// its own, so a table cut short (a copy interrupted, a disk filled) would
// crash the process instead of failing the Open. A damaged table gives an
// error wrapping ErrCorrupt that names the file.
func openDB(opts badger.Options) (*badger.DB, error) {
	if err := checkTables(opts.Dir); err != nil {
		return nil, err
	}
	db, err := badger.Open(opts)
	if err != nil && strings.Contains(err.Error(), "checksum") {
		err = fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	return db, err
}

// checkTables checks that the footer of each table in dir describes a
// checksum and an index that fit in the file. A badger table ends with the
// index, its 4-byte big-endian length, the checksum and the checksum's
// 4-byte length; badger then verifies the index against the checksum.
func checkTables(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening ledger database %s: %w", dir, err)
	}
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".sst") || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := checkTable(p); err != nil {
			return fmt.Errorf("%w: table %s: %w", ErrCorrupt, p, err)
		}
	}
	return nil
}

func checkTable(p string) (err error) {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	n := fi.Size()
	var b [4]byte
	u32 := func(off int64) (int64, error) {
		if off < 0 {
			return 0, errors.New("footer outside the file (truncated?)")
		}
		if _, err := f.ReadAt(b[:], off); err != nil {
			return 0, err
		}
		return int64(binary.BigEndian.Uint32(b[:])), nil
	}
	ck, err := u32(n - 4)
	if err != nil {
		return err
	}
	idx, err := u32(n - 8 - ck)
	if err != nil {
		return err
	}
	if idx > n-8-ck {
		return fmt.Errorf("index of %d bytes does not fit in %d bytes (truncated?)", idx, n)
	}
	return nil
}

// truncateNeeded reports whether err is badger's ErrTruncateNeeded, which
// badger wraps with %v (errors.Is does not see it).
func truncateNeeded(err error) bool {
	return errors.Is(err, badger.ErrTruncateNeeded) || strings.Contains(err.Error(), badger.ErrTruncateNeeded.Error())
}

// recoverCrashed replays the write-ahead logs of a ledger left by a killed
// writer so that a read-only Open can follow: it takes the exclusive lock
// (no writer and no other reader may hold the ledger), opens the database
// read-write, which truncates the torn tail exactly as the next writing
// run would, closes it and goes back to the shared lock. A ledger on a
// read-only file system cannot be recovered this way; the error says to
// open it once with a writing command.
func (l *Ledger) recoverCrashed(opts badger.Options) error {
	fd := int(l.lock.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return fmt.Errorf("recovering ledger %s after an interrupted write: another process holds it: %w", l.cfg.Dir, ErrInUse)
	}
	l.log.Warn("recovering ledger left by an interrupted writer", "dir", l.cfg.Dir)
	db, err := openDB(opts.WithReadOnly(false))
	if err == nil {
		err = db.Close()
	}
	if lerr := syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB); lerr != nil && err == nil {
		err = fmt.Errorf("ledger %s: %w", l.cfg.Dir, ErrInUse)
	}
	if err != nil {
		return fmt.Errorf("recovering ledger %s after an interrupted write (run a writing command such as `prov ledger checkpoint` with write access once): %w", l.cfg.Dir, err)
	}
	return nil
}

// loadSecret reads the per-ledger secret at path, creating it when it is
// missing and the ledger is writable.
func loadSecret(path string, readOnly bool) ([]byte, error) {
	s, err := readSecret(path)
	if err == nil || !errors.Is(err, ErrNoSubjectKey) || readOnly {
		return s, err
	}
	s = make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("creating subject secret: %w", err)
	}
	if err := writeNew(path, []byte(hex.EncodeToString(s)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("creating subject secret: %w", err)
	}
	return s, nil
}

// readSecret reads an existing subject-key secret (hex, at least 32 bytes).
// A missing file gives an error wrapping ErrNoSubjectKey and naming path.
func readSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading subject key %s: %w (create it with `openssl rand -hex 32`, mode 0600, and give every shard and the sealer the same file)", path, ErrNoSubjectKey)
	}
	if err != nil {
		return nil, fmt.Errorf("reading subject key %s: %w", path, err)
	}
	s, derr := hex.DecodeString(strings.TrimSpace(string(b)))
	if derr != nil || len(s) < 32 {
		return nil, fmt.Errorf("reading subject key %s: not 32+ hex bytes: %w", path, ErrConfig)
	}
	return s, nil
}

// WriteSubjectKey creates a new subject-key secret at path (32 random
// bytes, hex, one line, mode 0600), creating its directory. It refuses to
// overwrite an existing file (ErrKeyExists). Distribute the file to every
// shard pod and to the sealer and point Config.SubjectKeyFile
// (ledger.subject_key) at it so that they compute equal subject keys.
func WriteSubjectKey(path string) error {
	s := make([]byte, 32)
	if _, err := rand.Read(s); err != nil {
		return fmt.Errorf("creating subject key: %w", err)
	}
	if err := writeNew(path, []byte(hex.EncodeToString(s)+"\n"), 0o600); err != nil {
		return fmt.Errorf("creating subject key: %w", err)
	}
	return nil
}

func (l *Ledger) loadKeys() error {
	if l.cfg.SigningKey != "" && !l.cfg.ReadOnly {
		priv, err := LoadSigner(l.cfg.SigningKey)
		if err != nil {
			return err
		}
		if l.signer, err = NewNoteSigner(l.cfg.Origin, priv); err != nil {
			return err
		}
		l.pub = priv.Public().(ed25519.PublicKey)
	}
	if l.cfg.PublicKey != "" {
		pub, err := LoadPublicKey(l.cfg.PublicKey)
		if err != nil {
			return err
		}
		if l.pub != nil && !l.pub.Equal(pub) {
			return fmt.Errorf("loading keys: %s is not the public key of %s: %w", l.cfg.PublicKey, l.cfg.SigningKey, ErrBadKey)
		}
		l.pub = pub
	}
	return nil
}

// Close stops background work and closes the database. It is safe to call
// more than once.
func (l *Ledger) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	if l.stop != nil {
		l.stop()
	}
	if l.stopRelease != nil {
		l.stopRelease()
	}
	l.wg.Wait()
	err := l.db.Close()
	if err != nil {
		err = fmt.Errorf("closing ledger %s: %w", l.cfg.Dir, err)
	}
	if lerr := l.lock.Close(); lerr != nil {
		err = errors.Join(err, fmt.Errorf("unlocking ledger %s: %w", l.cfg.Dir, lerr))
	}
	return err
}

// Origin returns the checkpoint origin of the ledger.
func (l *Ledger) Origin() string { return l.cfg.Origin }

// PublicKey returns the checkpoint verification key (nil if none is
// configured).
func (l *Ledger) PublicKey() ed25519.PublicKey { return l.pub }

// Size returns the current number of entries (the tree size).
func (l *Ledger) Size() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.size
}

// SubjectKey returns the keyed hash that indexes a data subject: hex
// HMAC-SHA-256 under the ledger's secret of kind, a zero byte and value.
// kind is "subject_id", "email", "phone", "id_number" ...; value should be
// normalised first (NormalizeIdentifier) so that spellings of one
// identifier meet.
func (l *Ledger) SubjectKey(kind, value string) string {
	// A pool of keyed HMACs: hmac.New per call was most of the PI stage's
	// allocations, and a reset HMAC restores its keyed state instead of
	// hashing the key pads again.
	m, _ := l.macs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sha256.New, l.secret)
	} else {
		m.Reset()
	}
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	var sum [sha256.Size]byte
	k := hex.EncodeToString(m.Sum(sum[:0]))
	l.macs.Put(m)
	return k
}

// KeySubject is SubjectKey for a ledger that may have been opened read-only
// without the subject-key secret: it returns an error wrapping
// ErrNoSubjectKey then, instead of a key that matches nothing.
func (l *Ledger) KeySubject(kind, value string) (string, error) {
	if l.secret == nil {
		return "", fmt.Errorf("looking up a data subject in ledger %s: %w (set ledger.subject_key to the secret's path)", l.cfg.Dir, ErrNoSubjectKey)
	}
	return l.SubjectKey(kind, value), nil
}

// NormalizeIdentifier normalises an identifier before SubjectKey. It is
// schemas.NormalizeIdentifier, the one normaliser the PI stage also applies
// to detected identifiers: email trimmed and lower-cased; phone reduced to
// digits with a leading +86 / 0086 / 86 country code stripped; id_number
// ASCII letters and digits upper-cased (brackets, dashes and spaces
// dropped); bank_card digits only; anything else trimmed.
func NormalizeIdentifier(kind, value string) string {
	return schemas.NormalizeIdentifier(kind, value)
}

// badgerLogger routes badger's logs to slog; its chatty info lines go to
// debug so that a run's info log stays readable.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (b badgerLogger) Infof(f string, a ...any) {
	b.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}
func (b badgerLogger) Debugf(f string, a ...any) {
	b.l.Debug(strings.TrimSpace(fmt.Sprintf(f, a...)), "component", "badger")
}

// removeEmptyWALs deletes zero-length memtable and value logs (*.mem,
// *.vlog). Badger creates a log file and then sizes it; a process killed
// in between leaves an empty file that badger's Open refuses ("while
// opening fid: N err: Create a new file" for a memtable log, a failed
// truncate for either in read-only mode), so the ledger could not be
// opened again after a kill -9. An empty log holds no entries; the ledger
// lock, held by the caller, guarantees no writer is creating one now.
func removeEmptyWALs(dir string) error {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening ledger database %s: %w", dir, err)
	}
	for _, e := range ents {
		if (!strings.HasSuffix(e.Name(), ".mem") && !strings.HasSuffix(e.Name(), ".vlog")) || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return fmt.Errorf("opening ledger database %s: %w", dir, err)
		}
		if fi.Size() == 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return fmt.Errorf("removing the empty write-ahead log %s left by an interrupted run: %w", e.Name(), err)
			}
		}
	}
	return nil
}

// releaseLoop hands the ledger's memory-mapped pages back to the page
// cache while the ledger is being written, at most every releaseEvery, so
// an ingest's RSS stays bounded whatever the ledger's size. It waits for
// appends (wrote) rather than ticking: reclaiming pages that lookups are
// using costs them a read from disk (a 10M-record ledger's record lookups
// went from 0.7 to 61 ms at p99 with a timer), and once the writes stop
// the pages are the reader's to keep.
func (l *Ledger) releaseLoop(ctx context.Context) {
	defer l.wg.Done()
	defer l.recoverLoop("releasing mapped ledger pages")
	dir := filepath.Join(l.cfg.Dir, dbDir)
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wrote:
		}
		if _, err := releaseMapped(dir); err != nil {
			l.log.Debug("releasing mapped ledger pages", "err", err)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(releaseEvery):
		}
	}
}

// recoverLoop, deferred in a background maintenance goroutine, stops that
// loop on a panic (a bug in badger or here) with an error log instead of
// crashing the process: the maintenance is optional (pages stay mapped,
// the value log stays larger) and the writer reports real failures itself.
func (l *Ledger) recoverLoop(what string) {
	if r := recover(); r != nil {
		l.log.Error(what+": internal error (a bug), stopped", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	}
}

// releaseEvery is a variable for tests.
var releaseEvery = 250 * time.Millisecond

func (l *Ledger) gcLoop(ctx context.Context) {
	defer l.wg.Done()
	defer l.recoverLoop("value-log GC")
	t := time.NewTicker(l.cfg.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			err := l.db.RunValueLogGC(0.5)
			if err == nil {
				continue
			}
			// y.Wrap flattens errors: compare badger's sentinels right here.
			if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
				l.log.Warn("value-log GC", "err", err)
			}
			break
		}
	}
}

// Key layout. Primary data: E, N, C, L, M. Derived indexes (rebuilt and
// compared by VerifyAll): K, R, S, O, V, Q, D, U, W, X.
const (
	pEntry   = 'E' // E be64(leaf) → canonical entry
	pNode    = 'N' // N level(1) be64(index) → tree node hash
	pCkpt    = 'C' // C be64(size) → signed checkpoint note
	pList    = 'L' // L be64(objLeaf) be32(chunk) → record-ref chunk
	pMeta    = 'M' // M name → value
	pKey     = 'K' // K sha256(natural key) → be64(leaf)
	pRec     = 'R' // R digest[0] filter(32) be64(objLeaf) → (digest[1:] verdict be64(line))* (append.go)
	pSubj    = 'S' // S subject[0] filter(32) be64(objLeaf) → (subject[1:] digest)* (append.go)
	pObj     = 'O' // O sha256(uri)[:16] be64(leaf) → "" (ingested / revoked)
	pVer     = 'V' // V be64(objLeaf) be64(sealLeaf) → ""
	pSrc     = 'Q' // Q source 0 be64(leaf) → "" (ingested, assessed, revoked)
	pDS      = 'D' // D dataset 0 be64(leaf) → "" (entries naming a dataset)
	pRun     = 'U' // U run 0 be64(leaf) → ""
	pSealSrc = 'W' // W source 0 be64(sealLeaf) → ""
	pWithdr  = 'X' // X subject(32) be64(leaf) → ""
	// Downstream training (training.go).
	pTrainRun = 'G' // G runId 0 be64(leaf) → "" (training events of a run)
	pTrainVer = 'T' // T dataset@version 0 be64(leaf) → "" (training events consuming it)
	pModel    = 'Y' // Y output name 0 be64(leaf) → "" (training events naming it, model marks)
)

var (
	metaSize    = []byte("Msize")
	metaTime    = []byte("Mtime")
	metaPending = []byte("Mpending")
	metaIndex   = []byte("Mindex") // record / subject index layout version
)

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func entryKey(i uint64) []byte { return binary.BigEndian.AppendUint64([]byte{pEntry}, i) }

func nodeKey(id compact.NodeID) []byte {
	return binary.BigEndian.AppendUint64([]byte{pNode, byte(id.Level)}, id.Index)
}

func ckptKey(size uint64) []byte { return binary.BigEndian.AppendUint64([]byte{pCkpt}, size) }

func listKey(leaf uint64, chunk uint32) []byte {
	k := binary.BigEndian.AppendUint64([]byte{pList}, leaf)
	return binary.BigEndian.AppendUint32(k, chunk)
}

func strKey(p byte, s string, leaf uint64) []byte {
	k := make([]byte, 0, 2+len(s)+8)
	k = append(k, p)
	k = append(k, s...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, leaf)
}

func strPrefix(p byte, s string) []byte {
	k := make([]byte, 0, 2+len(s))
	k = append(k, p)
	k = append(k, s...)
	return append(k, 0)
}

func uriHash(uri string) []byte {
	h := sha256.Sum256([]byte(uri))
	return h[:16]
}

func objKey(uri string, leaf uint64) []byte {
	k := append([]byte{pObj}, uriHash(uri)...)
	return binary.BigEndian.AppendUint64(k, leaf)
}

// load reads the tree size, rebuilds the compact range of the right border
// and finishes or undoes an append interrupted by a crash.
func (l *Ledger) load() error {
	return l.db.Update(func(txn *badger.Txn) error {
		size, err := getU64(txn, metaSize)
		if err != nil {
			return err
		}
		t, err := getU64(txn, metaTime)
		if err != nil {
			return err
		}
		l.size = size
		if t != 0 {
			l.lastTime = time.Unix(0, int64(t)).UTC()
		}
		rng, err := loadRange(txn, size)
		if err != nil {
			return err
		}
		l.rng = rng
		if l.cfg.ReadOnly {
			return nil
		}
		return l.recoverPending(txn)
	})
}

func loadRange(txn *badger.Txn, size uint64) (*compact.Range, error) {
	ids := compact.RangeNodes(0, size, nil)
	hashes := make([][]byte, len(ids))
	for i, id := range ids {
		h, err := getVal(txn, nodeKey(id))
		if err != nil {
			return nil, fmt.Errorf("loading tree node %d/%d: %w", id.Level, id.Index, err)
		}
		hashes[i] = h
	}
	rng, err := rangeFactory.NewRange(0, size, hashes)
	if err != nil {
		return nil, fmt.Errorf("loading tree: %w", err)
	}
	return rng, nil
}

// getVal returns a copy of key's value, ErrNotFound if absent.
func getVal(txn *badger.Txn, key []byte) ([]byte, error) {
	it, err := txn.Get(key)
	if err != nil {
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil, ErrNotFound
		}
		return nil, fmt.Errorf("reading ledger key %q: %w", key, err)
	}
	return it.ValueCopy(nil)
}

func getU64(txn *badger.Txn, key []byte) (uint64, error) {
	v, err := getVal(txn, key)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("reading %s: %w: bad length", key, ErrTampered)
	}
	return binary.BigEndian.Uint64(v), nil
}

// ConfigFrom is the ledger configuration of a run configuration's ledger
// section: one place maps prov.yaml to Config, so every command opens the
// ledger with the same origin, keys and subject-key secret. The public key
// is left empty when its file does not exist (Open then derives it from
// the signing key, or runs without one).
func ConfigFrom(lc schemas.LedgerConfig, readOnly bool) Config {
	c := Config{Dir: lc.Dir, Origin: lc.Origin, SigningKey: lc.SigningKey, SubjectKeyFile: lc.SubjectKey, ReadOnly: readOnly}
	if _, err := os.Stat(lc.PublicKey); err == nil {
		c.PublicKey = lc.PublicKey
	}
	return c
}
