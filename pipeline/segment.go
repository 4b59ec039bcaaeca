package pipeline

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/prov-ai/prov/atomicfile"
	"github.com/prov-ai/prov/schemas"
)

// segmentFormat versions the segment encoding; it is part of every
// segment's fingerprint, so a new format never reuses old segments.
const segmentFormat = "prov-segment/v6"

// segHeader opens a segment: which object, read how, under which policy.
type segHeader struct {
	Format      string
	Fingerprint string
	Object      schemas.InputObject
	Stages      []string // stage names, in order, matching States
}

// segRecord is one record's result.
type segRecord struct {
	Digest   schemas.Digest
	Line     int64
	Verdict  schemas.Verdict
	Source   string
	Bytes    int64
	Subjects []string
	Attrib   string
	// TextKey is the quality stage's normalised-text key (zero: none).
	TextKey [16]byte
}

// segChunk is one gob message of a segment: a batch of records and
// findings, or the closing trailer.
type segChunk struct {
	Records  []segRecord
	Findings []schemas.Finding
	Trailer  *segTrailer
	// skipped counts the records of a chunk decoded without them
	// (partFindings).
	skipped int
}

// records is the number of records in the chunk, decoded or skipped.
func (c *segChunk) records() int { return len(c.Records) + c.skipped }

// segTrailer closes a complete segment.
type segTrailer struct {
	Object schemas.InputObject // with SHA256, RecordRoot and Counts filled
	// States are the marshalled stage states, nil for stateless stages:
	// in the trailer file only (the segment's trailer frame has none).
	States [][]byte
	NRec   int64
	NFind  int64
}

const segBatch = 4096

// A segment file is a gob-encoded segHeader followed by chunks. Each chunk
// is a frame: one kind byte ('C' chunk, 'T' trailer), a uvarint length and
// the payload. Chunk payloads are a compact binary encoding of records and
// findings (gob encodes [32]byte digests element by element and was a tenth
// of a run's CPU time); the trailer is gob.
const (
	frameChunk   = 'C'
	frameTrailer = 'T'
)

// Segments are authenticated. A segment is read back by a later run (resume),
// by `prov seal` and by other shard pods through the shared store, and what
// it says (verdicts, record digests, subject keys, stage states) reaches the
// certificate; whoever can write the work directory or the shared prefix
// could otherwise change a verdict. The trailer file therefore carries the
// SHA-256 of the segment file and ends with an HMAC-SHA-256, under the
// run's segment key, of everything before it. The segment key is derived
// from the ledger's subject-key secret (segKey), which every shard pod and
// the sealer of one ledger share and nobody else holds. readTrailer checks
// both; a segment that fails is discarded and its object read again.

// errTrailerFile is wrapped by the error of a trailer file whose MAC holds
// but whose layout does not (a bug, never an attack).
var errTrailerFile = errors.New("malformed trailer file")

// segMACSize is the length of the MAC that ends a trailer file.
const segMACSize = sha256.Size

// errSegmentAuth is wrapped (with ErrBadSegment) by the error of a segment
// whose MAC or digest does not match: not written by a run of this ledger,
// or changed since.
var errSegmentAuth = errors.New("not written by a run of this ledger or changed since (MAC mismatch)")

// segWriter streams a segment to a temp file; finish renames it into place.
type segWriter struct {
	hdr  segHeader
	key  []byte
	sum  hash.Hash // SHA-256 of every byte written to f
	path string
	f    *atomicfile.File
	*segBuffers
	nrec int64
	nfd  int64
}

// segBuffers are a segment writer's buffers: a worker writes a segment per
// object, and the next one reuses them (memory already touched) instead of
// growing new ones.
type segBuffers struct {
	bw  *bufio.Writer
	cur segChunk
	buf []byte
	enc chunkEncoder
}

var segBufferPool = sync.Pool{New: func() any {
	return &segBuffers{bw: bufio.NewWriterSize(nil, 1<<20),
		cur: segChunk{Records: make([]segRecord, 0, segBatch), Findings: make([]schemas.Finding, 0, segBatch)}}
}}

// release returns w's buffers to the pool, emptied of what they referenced
// (nothing is pinned). w is not used after it.
func (w *segWriter) release() {
	b := w.segBuffers
	if b == nil {
		return
	}
	w.segBuffers = nil
	clear(b.cur.Records[:cap(b.cur.Records)])
	clear(b.cur.Findings[:cap(b.cur.Findings)])
	b.cur = segChunk{Records: b.cur.Records[:0], Findings: b.cur.Findings[:0]}
	b.enc.reset()
	b.bw.Reset(nil)
	segBufferPool.Put(b)
}

func createSegment(path string, key []byte, h segHeader) (*segWriter, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating segment directory: %w", err)
	}
	f, err := atomicfile.Create(path, ".seg-*")
	if err != nil {
		return nil, fmt.Errorf("creating segment for %s: %w", h.Object.URI, err)
	}
	sum := sha256.New()
	b := segBufferPool.Get().(*segBuffers)
	b.bw.Reset(io.MultiWriter(f, sum))
	w := &segWriter{hdr: h, key: key, sum: sum, path: path, f: f, segBuffers: b}
	if err := gob.NewEncoder(w.bw).Encode(&h); err != nil {
		w.abort()
		return nil, fmt.Errorf("writing segment header for %s: %w", h.Object.URI, err)
	}
	return w, nil
}

func (w *segWriter) add(r segRecord, fs []schemas.Finding) error {
	w.cur.Records = append(w.cur.Records, r)
	w.cur.Findings = append(w.cur.Findings, fs...)
	w.nrec++
	w.nfd += int64(len(fs))
	if len(w.cur.Records) >= segBatch || len(w.cur.Findings) >= segBatch {
		return w.flush()
	}
	return nil
}

func (w *segWriter) frame(kind byte, payload []byte) error {
	var hdr [1 + binary.MaxVarintLen64]byte
	hdr[0] = kind
	n := binary.PutUvarint(hdr[1:], uint64(len(payload)))
	if _, err := w.bw.Write(hdr[:1+n]); err != nil {
		return fmt.Errorf("writing segment %s: %w", w.path, err)
	}
	if _, err := w.bw.Write(payload); err != nil {
		return fmt.Errorf("writing segment %s: %w", w.path, err)
	}
	return nil
}

func (w *segWriter) flush() error {
	if len(w.cur.Records) == 0 && len(w.cur.Findings) == 0 {
		return nil
	}
	w.buf = w.enc.appendChunk(w.buf[:0], &w.cur)
	if err := w.frame(frameChunk, w.buf); err != nil {
		return err
	}
	w.cur.Records = w.cur.Records[:0]
	w.cur.Findings = w.cur.Findings[:0]
	return nil
}

// finish writes the trailer and atomically publishes the segment.
func (w *segWriter) finish(t segTrailer) error {
	if err := w.flush(); err != nil {
		w.abort()
		return err
	}
	t.NRec, t.NFind = w.nrec, w.nfd
	// The states go to the trailer file only (writeTrailerFile).
	inSeg := t
	inSeg.States = nil
	var tb bytes.Buffer
	if err := gob.NewEncoder(&tb).Encode(&inSeg); err != nil {
		w.abort()
		return fmt.Errorf("encoding segment trailer %s: %w", w.path, err)
	}
	if err := w.frame(frameTrailer, tb.Bytes()); err != nil {
		w.abort()
		return err
	}
	if err := w.bw.Flush(); err != nil {
		w.abort()
		return fmt.Errorf("writing segment %s: %w", w.path, err)
	}
	if err := w.f.Sync(); err != nil {
		w.abort()
		return fmt.Errorf("syncing segment %s: %w", w.path, err)
	}
	var segSum [sha256.Size]byte
	w.sum.Sum(segSum[:0])
	if err := writeTrailerFile(w.path+".trailer", w.key, w.hdr, &t, segSum); err != nil {
		w.abort()
		return err
	}
	w.release()
	if err := w.f.Commit(); err != nil {
		return fmt.Errorf("publishing segment: %w", err)
	}
	return nil
}

func (w *segWriter) abort() {
	w.release()
	w.f.Abort()
}

// segReader reads a segment back.
type segReader struct {
	f   *os.File
	hdr segHeader
	*readBuffers
}

// readBuffers are a segment reader's buffers (a megabyte each): seal reads
// every segment twice, and the next reader reuses them (memory already
// touched) instead of allocating and clearing new ones.
type readBuffers struct {
	br  *bufio.Reader
	buf []byte   // the current frame
	c   segChunk // the chunk scan decodes into
}

var readBufferPool = sync.Pool{New: func() any { return &readBuffers{br: bufio.NewReaderSize(nil, 1<<20)} }}

func openSegment(path string) (*segReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	b := readBufferPool.Get().(*readBuffers)
	b.br.Reset(f)
	r := &segReader{f: f, readBuffers: b}
	// gob reads through an io.ByteReader without over-reading, so the
	// frames start right after the header.
	if err := gob.NewDecoder(r.br).Decode(&r.hdr); err != nil {
		_ = r.close()
		return nil, fmt.Errorf("reading segment %s: %w: %w", path, ErrBadSegment, err)
	}
	if r.hdr.Format != segmentFormat {
		_ = r.close()
		return nil, fmt.Errorf("reading segment %s: %w: format %q", path, ErrBadSegment, r.hdr.Format)
	}
	return r, nil
}

// eachRecords calls fn for every chunk, its records decoded but not its
// findings, and returns the trailer. The chunk is reused between calls.
func (r *segReader) eachRecords(fn func(c *segChunk) error) (*segTrailer, error) {
	return r.scan(partRecords, fn)
}

// eachRecordsViewed is eachRecords with each record's Attrib a view of the
// read buffer, valid until fn returns (partRecordsViewed): fn copies what
// it keeps.
func (r *segReader) eachRecordsViewed(fn func(c *segChunk) error) (*segTrailer, error) {
	return r.scan(partRecordsViewed, fn)
}

// eachFindings is each with the records counted, not decoded.
func (r *segReader) eachFindings(fn func(c *segChunk) error) (*segTrailer, error) {
	return r.scan(partFindings, fn)
}

func (r *segReader) scan(part chunkPart, fn func(c *segChunk) error) (*segTrailer, error) {
	c := &r.c
	cs := newChunkStrings()
	for {
		kind, err := r.br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("reading segment %s: %w: no trailer: %w", r.f.Name(), ErrBadSegment, err)
		}
		n, err := binary.ReadUvarint(r.br)
		if err != nil || n > 1<<30 {
			return nil, fmt.Errorf("reading segment %s: %w: bad frame length", r.f.Name(), ErrBadSegment)
		}
		if uint64(cap(r.buf)) < n {
			r.buf = make([]byte, n)
		}
		r.buf = r.buf[:n]
		if _, err := io.ReadFull(r.br, r.buf); err != nil {
			return nil, fmt.Errorf("reading segment %s: %w: %w", r.f.Name(), ErrBadSegment, err)
		}
		switch kind {
		case frameTrailer:
			var t segTrailer
			if err := gob.NewDecoder(bytes.NewReader(r.buf)).Decode(&t); err != nil {
				return nil, fmt.Errorf("reading segment trailer %s: %w: %w", r.f.Name(), ErrBadSegment, err)
			}
			return &t, nil
		case frameChunk:
			if err := decodeChunkPart(r.buf, c, part, cs); err != nil {
				return nil, fmt.Errorf("reading segment %s: %w: %w", r.f.Name(), ErrBadSegment, err)
			}
			if err := fn(c); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("reading segment %s: %w: frame kind %q", r.f.Name(), ErrBadSegment, kind)
		}
	}
}

// close closes the file and returns the buffers, emptied of what they
// referenced (nothing is pinned); r is not used after it.
func (r *segReader) close() error {
	if b := r.readBuffers; b != nil {
		r.readBuffers = nil
		clear(b.c.Records[:cap(b.c.Records)])
		clear(b.c.Findings[:cap(b.c.Findings)])
		b.c = segChunk{Records: b.c.Records[:0], Findings: b.c.Findings[:0]}
		b.br.Reset(nil)
		readBufferPool.Put(b)
	}
	return r.f.Close()
}

// The trailer file is the small side file holding a segment's header,
// trailer and stage states, so that resume checks and state merging need
// not decode the segment. It is written before the segment is renamed into
// place: a segment that exists always has its trailer file. Its layout
// (prov-segment/v6): a uvarint length and the gob encoding of trailerMeta;
// a uvarint state count and each state as a uvarint (0: a stateless stage,
// else the length plus one) and its bytes; the MAC (segMACSize bytes) of
// everything before it. The states (megabytes for the sampling stages) are
// stored as they are, neither copied through gob nor stored twice: the
// segment's own trailer frame holds no states.
type trailerMeta struct {
	Header segHeader
	Object schemas.InputObject
	NRec   int64
	NFind  int64
	// Segment is the SHA-256 of the segment file.
	Segment [sha256.Size]byte
}

// maxTrailerStates bounds the state count a trailer file may declare.
const maxTrailerStates = 1 << 10

func segMAC(key, b []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(b)
	return m.Sum(nil)
}

func writeTrailerFile(path string, key []byte, h segHeader, t *segTrailer, segSum [sha256.Size]byte) error {
	var meta bytes.Buffer
	if err := gob.NewEncoder(&meta).Encode(&trailerMeta{Header: h, Object: t.Object, NRec: t.NRec, NFind: t.NFind, Segment: segSum}); err != nil {
		return fmt.Errorf("encoding segment trailer %s: %w", path, err)
	}
	return atomicfile.Write(path, 0o600, func(f io.Writer) error {
		mac := hmac.New(sha256.New, key)
		bw := bufio.NewWriterSize(io.MultiWriter(f, mac), 64<<10)
		var n [binary.MaxVarintLen64]byte
		uv := func(v uint64) { _, _ = bw.Write(n[:binary.PutUvarint(n[:], v)]) }
		uv(uint64(meta.Len()))
		_, _ = bw.Write(meta.Bytes())
		uv(uint64(len(t.States)))
		for _, st := range t.States {
			if st == nil {
				uv(0)
				continue
			}
			uv(uint64(len(st)) + 1)
			_, _ = bw.Write(st)
		}
		if err := bw.Flush(); err != nil { // bufio keeps the first write error
			return fmt.Errorf("writing segment trailer %s: %w", path, err)
		}
		if _, err := f.Write(mac.Sum(nil)); err != nil {
			return fmt.Errorf("writing segment trailer %s: %w", path, err)
		}
		return nil
	})
}

// parseTrailerFile decodes a trailer file whose MAC was checked (b without
// the MAC). The states are slices of b.
func parseTrailerFile(b []byte) (segHeader, *segTrailer, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	bad := func(what string) error { return fmt.Errorf("%w: %s", errTrailerFile, what) }
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return segHeader{}, nil, sum, bad("header length")
	}
	var m trailerMeta
	if err := gob.NewDecoder(bytes.NewReader(b[k : k+int(n)])).Decode(&m); err != nil {
		return segHeader{}, nil, sum, err
	}
	b = b[k+int(n):]
	ns, k := binary.Uvarint(b)
	if k <= 0 || ns > maxTrailerStates || ns > uint64(len(b)-k) {
		return segHeader{}, nil, sum, bad("state count")
	}
	b = b[k:]
	t := &segTrailer{Object: m.Object, NRec: m.NRec, NFind: m.NFind, States: make([][]byte, ns)}
	for i := range t.States {
		l, k := binary.Uvarint(b)
		if k <= 0 || l > uint64(len(b)-k)+1 {
			return segHeader{}, nil, sum, bad("state length")
		}
		b = b[k:]
		if l == 0 {
			continue
		}
		t.States[i] = b[: l-1 : l-1]
		b = b[l-1:]
	}
	if len(b) != 0 {
		return segHeader{}, nil, sum, bad("bytes after the states")
	}
	return m.Header, t, m.Segment, nil
}

// readTrailer checks a segment is complete and authentic (its trailer
// file's MAC under key, the segment file's SHA-256) and returns its header
// and trailer, with the marshalled stage states. A missing segment gives
// an error wrapping fs.ErrNotExist; an incomplete, unreadable or
// unauthentic one wraps ErrBadSegment.
func readTrailer(path string, key []byte) (segHeader, *segTrailer, error) {
	return checkSegment(path, key, true)
}

// verifySegment is readTrailer for a caller that does not decode the
// stage states (seal's pass 0 when processAll merged them): it makes the
// same checks, but the trailer file is streamed through its MAC instead
// of read into memory (megabytes per object for the sampling stages'
// states, which only cost page faults and a copy), and the trailer's
// States are nil.
func verifySegment(path string, key []byte) (segHeader, *segTrailer, error) {
	return checkSegment(path, key, false)
}

func checkSegment(path string, key []byte, states bool) (segHeader, *segTrailer, error) {
	f, err := os.Open(path)
	if err != nil {
		return segHeader{}, nil, err
	}
	defer func() { _ = f.Close() }()
	var hdr segHeader
	var t *segTrailer
	var segSum [sha256.Size]byte
	if states {
		b, err := os.ReadFile(path + ".trailer")
		if err != nil {
			return segHeader{}, nil, fmt.Errorf("reading segment trailer %s: %w: %w", path, ErrBadSegment, err)
		}
		if len(b) < segMACSize || !hmac.Equal(b[len(b)-segMACSize:], segMAC(key, b[:len(b)-segMACSize])) {
			return segHeader{}, nil, fmt.Errorf("reading segment trailer %s: %w: %w", path, ErrBadSegment, errSegmentAuth)
		}
		hdr, t, segSum, err = parseTrailerFile(b[:len(b)-segMACSize])
		if err != nil {
			return segHeader{}, nil, fmt.Errorf("reading segment trailer %s: %w: %w", path, ErrBadSegment, err)
		}
	} else if hdr, t, segSum, err = streamTrailerFile(path+".trailer", key); err != nil {
		return segHeader{}, nil, fmt.Errorf("reading segment trailer %s: %w: %w", path, ErrBadSegment, err)
	}
	if hdr.Format != segmentFormat {
		return segHeader{}, nil, fmt.Errorf("reading segment trailer %s: %w: format %q", path, ErrBadSegment, hdr.Format)
	}
	buf := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(buf)
	h := sha256.New()
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{f}, *buf); err != nil {
		return segHeader{}, nil, fmt.Errorf("reading segment %s: %w: %w", path, ErrBadSegment, err)
	}
	if !bytes.Equal(h.Sum(nil), segSum[:]) {
		return segHeader{}, nil, fmt.Errorf("reading segment %s: %w: %w", path, ErrBadSegment, errSegmentAuth)
	}
	return hdr, t, nil
}

// hashBufs are the read buffers segments and trailer files are hashed
// through (io.Copy's own is 32 KiB: eight times the read calls).
var hashBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// streamTrailerFile checks a trailer file's MAC under key and parses it as
// parseTrailerFile does, reading it through a fixed buffer: the states are
// hashed and skipped (the trailer's States are all nil). The error wraps
// errSegmentAuth when the MAC does not match, errTrailerFile when it
// matches a layout that does not parse.
func streamTrailerFile(path string, key []byte) (segHeader, *segTrailer, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return segHeader{}, nil, sum, err
	}
	defer func() { _ = f.Close() }()
	fi, err := f.Stat()
	if err != nil {
		return segHeader{}, nil, sum, err
	}
	if fi.Size() < segMACSize {
		return segHeader{}, nil, sum, errSegmentAuth
	}
	buf := hashBufs.Get().(*[]byte)
	defer hashBufs.Put(buf)
	mac := hmac.New(sha256.New, key)
	// body is everything before the MAC, hashed as it is consumed
	body := &io.LimitedReader{R: f, N: fi.Size() - segMACSize}
	br := bufio.NewReaderSize(io.TeeReader(body, mac), 64<<10)
	hdr, t, sum, perr := parseTrailerStream(br, body.N)
	// Hash what the parse left (all of it when it failed early: the tee
	// hashes every byte read from the file once), then compare the MAC: a
	// MAC mismatch is reported before a layout error.
	var rest int64
	for {
		n, err := br.Read(*buf)
		rest += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			return segHeader{}, nil, sum, err
		}
	}
	var want [segMACSize + 1]byte
	n, err := io.ReadFull(f, want[:])
	if err != io.ErrUnexpectedEOF || n != segMACSize || !hmac.Equal(want[:segMACSize], mac.Sum(nil)) {
		// a file that grew or shrank since Stat fails too
		return segHeader{}, nil, sum, errSegmentAuth
	}
	if perr == nil && rest != 0 {
		perr = fmt.Errorf("%w: %s", errTrailerFile, "bytes after the states")
	}
	if perr != nil {
		return segHeader{}, nil, sum, perr
	}
	return hdr, t, sum, nil
}

// parseTrailerStream is parseTrailerFile over a stream of size bytes,
// skipping the states; it stops after the last state.
func parseTrailerStream(br *bufio.Reader, size int64) (segHeader, *segTrailer, [sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	bad := func(what string) error { return fmt.Errorf("%w: %s", errTrailerFile, what) }
	n, err := binary.ReadUvarint(br)
	if err != nil || n > uint64(size) { // never allocate more than the file holds
		return segHeader{}, nil, sum, bad("header length")
	}
	meta := make([]byte, n)
	if _, err := io.ReadFull(br, meta); err != nil {
		return segHeader{}, nil, sum, bad("header length")
	}
	var m trailerMeta
	if err := gob.NewDecoder(bytes.NewReader(meta)).Decode(&m); err != nil {
		return segHeader{}, nil, sum, err
	}
	ns, err := binary.ReadUvarint(br)
	if err != nil || ns > maxTrailerStates {
		return segHeader{}, nil, sum, bad("state count")
	}
	t := &segTrailer{Object: m.Object, NRec: m.NRec, NFind: m.NFind}
	for range ns {
		l, err := binary.ReadUvarint(br)
		if err != nil {
			return segHeader{}, nil, sum, bad("state length")
		}
		if l == 0 {
			continue
		}
		if d, err := br.Discard(int(min(l-1, 1<<62))); err != nil || uint64(d) != l-1 {
			return segHeader{}, nil, sum, bad("state length")
		}
	}
	return m.Header, t, m.Segment, nil
}
