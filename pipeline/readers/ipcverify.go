package readers

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Arrow Go trusts the vector lengths in IPC flatbuffers and allocates from
// them (a corrupted field count asks for gigabytes and kills the process,
// which no recover can catch). These checks walk the flatbuffers the Arrow
// IPC reader decodes (schema, message headers, file footer) and reject
// lengths that do not fit in the buffer before Arrow sees them.

var errFlatbuffer = errors.New("malformed Arrow IPC metadata")

// Limits of the checks.
const (
	maxSchemaDepth = 64
	maxIPCMetadata = 64 << 20
	// maxDecompressedBuffer caps one decompressed IPC buffer.
	maxDecompressedBuffer = 512 << 20
	ipcContinuation       = 0xFFFFFFFF
	fbVectorLenBytes      = 4
)

// Message header and field-type union tags (Arrow's Message.fbs, Schema.fbs).
const (
	fbHeaderSchema          = 1
	fbHeaderDictionaryBatch = 2
	fbHeaderRecordBatch     = 3
)

// fb reads a flatbuffer with bounds checks.
type fb []byte

func (b fb) u32(pos int) (int, bool) {
	if pos < 0 || pos+4 > len(b) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint32(b[pos:])), true
}

func (b fb) i64(pos int) (int64, bool) {
	if pos < 0 || pos+8 > len(b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b[pos:])), true
}

// table checks the table at pos and returns the absolute positions of its
// present fields' slots (0 for absent fields).
func (b fb) table(pos int) ([]int, error) {
	so, ok := b.u32(pos)
	if !ok {
		return nil, errFlatbuffer
	}
	vt := pos - int(int32(uint32(so)))
	if vt < 0 || vt+4 > len(b) {
		return nil, errFlatbuffer
	}
	vsize := int(binary.LittleEndian.Uint16(b[vt:]))
	tsize := int(binary.LittleEndian.Uint16(b[vt+2:]))
	if vsize < 4 || vsize%2 != 0 || vt+vsize > len(b) || pos+tsize > len(b) {
		return nil, errFlatbuffer
	}
	slots := make([]int, (vsize-4)/2)
	for i := range slots {
		if off := int(binary.LittleEndian.Uint16(b[vt+4+2*i:])); off != 0 {
			if off >= tsize {
				return nil, errFlatbuffer
			}
			slots[i] = pos + off
		}
	}
	return slots, nil
}

func slot(slots []int, i int) int {
	if i < len(slots) {
		return slots[i]
	}
	return 0
}

// ref follows the offset stored in a slot.
func (b fb) ref(s int) (int, error) {
	off, ok := b.u32(s)
	if !ok || s+off >= len(b) {
		return 0, errFlatbuffer
	}
	return s + off, nil
}

// vector checks the vector referenced by slot s (absent: n = 0) and
// returns the position of its first element and its length.
func (b fb) vector(s, elem int) (start, n int, err error) {
	if s == 0 {
		return 0, 0, nil
	}
	p, err := b.ref(s)
	if err != nil {
		return 0, 0, err
	}
	n, ok := b.u32(p)
	if !ok || n > (len(b)-p-fbVectorLenBytes)/elem {
		return 0, 0, errFlatbuffer
	}
	return p + fbVectorLenBytes, n, nil
}

// tables calls f on each table of the vector of tables in slot s.
func (b fb) tables(s int, f func(pos int) error) error {
	start, n, err := b.vector(s, 4)
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		p, err := b.ref(start + 4*i)
		if err != nil {
			return err
		}
		if err := f(p); err != nil {
			return err
		}
	}
	return nil
}

// keyValues checks a [KeyValue] vector.
func (b fb) keyValues(s int) error {
	return b.tables(s, func(p int) error {
		kv, err := b.table(p)
		if err != nil {
			return err
		}
		if _, _, err := b.vector(slot(kv, 0), 1); err != nil {
			return err
		}
		_, _, err = b.vector(slot(kv, 1), 1)
		return err
	})
}

// schema checks a Schema table: fields (recursively), metadata, features.
func (b fb) schema(pos int) error {
	s, err := b.table(pos)
	if err != nil {
		return err
	}
	if err := b.tables(slot(s, 1), func(p int) error { return b.field(p, 1) }); err != nil {
		return err
	}
	if err := b.keyValues(slot(s, 2)); err != nil {
		return err
	}
	_, _, err = b.vector(slot(s, 3), 8)
	return err
}

// field checks a Field table: name, type table, dictionary, children,
// metadata.
func (b fb) field(pos, depth int) error {
	if depth > maxSchemaDepth {
		return errFlatbuffer
	}
	f, err := b.table(pos)
	if err != nil {
		return err
	}
	if _, _, err := b.vector(slot(f, 0), 1); err != nil {
		return err
	}
	if s := slot(f, 3); s != 0 { // the type table
		p, err := b.ref(s)
		if err != nil {
			return err
		}
		t, err := b.table(p)
		if err != nil {
			return err
		}
		// Slot 1 of Timestamp (10) is its timezone string, of Union (14)
		// its [int] type ids; other type tables hold scalars only.
		if k := slot(f, 2); k != 0 && (b[k] == 10 || b[k] == 14) {
			if _, _, err := b.vector(slot(t, 1), 1); err != nil {
				return err
			}
		}
	}
	if s := slot(f, 4); s != 0 {
		p, err := b.ref(s)
		if err != nil {
			return err
		}
		if _, err := b.table(p); err != nil {
			return err
		}
	}
	if err := b.tables(slot(f, 5), func(p int) error { return b.field(p, depth+1) }); err != nil {
		return err
	}
	return b.keyValues(slot(f, 6))
}

// span64 is a buffer's place in a message body.
type span64 struct{ off, n int64 }

// recordBatch checks a RecordBatch table: nodes, buffers, variadic counts.
// When the body is compressed it returns the buffers, whose uncompressed
// length prefixes the caller must check (Arrow allocates them as given).
func (b fb) recordBatch(pos int, body int64) ([]span64, error) {
	rb, err := b.table(pos)
	if err != nil {
		return nil, err
	}
	if _, _, err := b.vector(slot(rb, 1), 16); err != nil {
		return nil, err
	}
	bs, nbuf, err := b.vector(slot(rb, 2), 16)
	if err != nil {
		return nil, err
	}
	compressed := slot(rb, 3) != 0
	var bufs []span64
	for i := 0; i < nbuf; i++ {
		off, _ := b.i64(bs + 16*i)
		n, _ := b.i64(bs + 16*i + 8)
		if off < 0 || n < 0 || off > body || n > body-off {
			return nil, fmt.Errorf("%w: buffer %d outside the message body", errFlatbuffer, i)
		}
		if compressed && n > 0 {
			bufs = append(bufs, span64{off, n})
		}
	}
	vs, nv, err := b.vector(slot(rb, 4), 8)
	if err != nil {
		return nil, err
	}
	for i := 0; i < nv; i++ {
		if v, _ := b.i64(vs + 8*i); v < 0 || v > int64(nbuf) {
			return nil, fmt.Errorf("%w: variadic buffer count %d", errFlatbuffer, v)
		}
	}
	return bufs, nil
}

// checkUncompressedLen checks the 8-byte uncompressed-length prefix of a
// compressed IPC buffer (-1: stored uncompressed).
func checkUncompressedLen(prefix []byte) error {
	if len(prefix) < 8 {
		return fmt.Errorf("%w: compressed buffer without length", errFlatbuffer)
	}
	n := int64(binary.LittleEndian.Uint64(prefix))
	if n != -1 && (n < 0 || n > maxDecompressedBuffer) {
		return fmt.Errorf("%w: uncompressed buffer length %d", errFlatbuffer, n)
	}
	return nil
}

// message checks a Message flatbuffer and returns its body length, which
// must not exceed maxBody, and its compressed buffers (if any).
func (b fb) message(maxBody int64) (int64, []span64, error) {
	root, ok := b.u32(0)
	if !ok {
		return 0, nil, errFlatbuffer
	}
	m, err := b.table(root)
	if err != nil {
		return 0, nil, err
	}
	var body int64
	if s := slot(m, 3); s != 0 {
		if body, ok = b.i64(s); !ok || body < 0 || body > maxBody {
			return 0, nil, fmt.Errorf("%w: body length %d", errFlatbuffer, body)
		}
	}
	if err := b.keyValues(slot(m, 4)); err != nil {
		return 0, nil, err
	}
	hs := slot(m, 1)
	if hs == 0 || slot(m, 2) == 0 {
		return body, nil, nil
	}
	hp, err := b.ref(slot(m, 2))
	if err != nil {
		return 0, nil, err
	}
	var bufs []span64
	switch b[hs] {
	case fbHeaderSchema:
		err = b.schema(hp)
	case fbHeaderRecordBatch:
		bufs, err = b.recordBatch(hp, body)
	case fbHeaderDictionaryBatch:
		d, derr := b.table(hp)
		if derr != nil {
			return 0, nil, derr
		}
		if s := slot(d, 1); s != 0 {
			p, rerr := b.ref(s)
			if rerr != nil {
				return 0, nil, rerr
			}
			bufs, err = b.recordBatch(p, body)
		}
	}
	return body, bufs, err
}

// ipcBlock is a Block of an Arrow IPC file footer.
type ipcBlock struct {
	offset int64
	meta   int64
	body   int64
}

// footer checks an Arrow IPC file Footer and returns its blocks
// (dictionaries first, then record batches).
func (b fb) footer(size int64) (dicts, batches []ipcBlock, err error) {
	root, ok := b.u32(0)
	if !ok {
		return nil, nil, errFlatbuffer
	}
	f, err := b.table(root)
	if err != nil {
		return nil, nil, err
	}
	if s := slot(f, 1); s != 0 {
		p, err := b.ref(s)
		if err != nil {
			return nil, nil, err
		}
		if err := b.schema(p); err != nil {
			return nil, nil, err
		}
	}
	blocks := func(s int) ([]ipcBlock, error) {
		start, n, err := b.vector(s, 24)
		if err != nil {
			return nil, err
		}
		out := make([]ipcBlock, n)
		for i := range out {
			p := start + 24*i
			off, _ := b.i64(p)
			meta, _ := b.u32(p + 8)
			body, _ := b.i64(p + 16)
			m := int64(int32(uint32(meta)))
			if off < 0 || m < 8 || m > maxIPCMetadata || body < 0 || off > size || m > size-off || body > size-off-m {
				return nil, fmt.Errorf("%w: block %d outside the file", errFlatbuffer, i)
			}
			out[i] = ipcBlock{off, m, body}
		}
		return out, nil
	}
	if dicts, err = blocks(slot(f, 2)); err != nil {
		return nil, nil, err
	}
	if batches, err = blocks(slot(f, 3)); err != nil {
		return nil, nil, err
	}
	if err := b.keyValues(slot(f, 4)); err != nil {
		return nil, nil, err
	}
	return dicts, batches, nil
}

// checkIPCFile checks the footer of an Arrow IPC file and the message
// metadata of every dictionary block; it returns the record-batch blocks.
func checkIPCFile(r io.ReaderAt, size int64) ([]ipcBlock, error) {
	const trailer = 4 + len(arrowFileMagic)
	if size < int64(2*8+trailer) {
		return nil, fmt.Errorf("%w: file too short", errFlatbuffer)
	}
	var t [trailer]byte
	if _, err := r.ReadAt(t[:], size-int64(trailer)); err != nil {
		return nil, err
	}
	if string(t[4:]) != arrowFileMagic {
		return nil, fmt.Errorf("%w: no trailing magic", errFlatbuffer)
	}
	flen := int64(int32(binary.LittleEndian.Uint32(t[:4])))
	if flen <= 0 || flen > size-int64(trailer)-8 || flen > maxIPCMetadata {
		return nil, fmt.Errorf("%w: footer length %d", errFlatbuffer, flen)
	}
	foot := make([]byte, flen)
	if _, err := r.ReadAt(foot, size-int64(trailer)-flen); err != nil {
		return nil, err
	}
	dicts, batches, err := fb(foot).footer(size)
	if err != nil {
		return nil, err
	}
	for _, d := range dicts {
		if err := checkIPCBlock(r, d); err != nil {
			return nil, err
		}
	}
	return batches, nil
}

// checkIPCBlock checks the message metadata of one file block.
func checkIPCBlock(r io.ReaderAt, blk ipcBlock) error {
	meta := make([]byte, blk.meta)
	if _, err := r.ReadAt(meta, blk.offset); err != nil {
		return err
	}
	if c, _ := fb(meta).u32(0); c == ipcContinuation {
		meta = meta[8:]
	} else {
		meta = meta[4:]
	}
	_, bufs, err := fb(meta).message(blk.body)
	if err != nil {
		return err
	}
	var prefix [8]byte
	for _, sp := range bufs {
		if sp.n < 8 {
			return checkUncompressedLen(nil)
		}
		if _, err := r.ReadAt(prefix[:], blk.offset+blk.meta+sp.off); err != nil {
			return err
		}
		if err := checkUncompressedLen(prefix[:]); err != nil {
			return err
		}
	}
	return nil
}

// ipcStreamGuard passes an Arrow IPC stream through, checking each
// message's metadata before Arrow reads it.
type ipcStreamGuard struct {
	r       io.Reader
	maxBody int64
	pending []byte // checked header and metadata bytes not yet read
	body    int64  // body bytes of the current message left to pass
	err     error
}

func (g *ipcStreamGuard) Read(p []byte) (int, error) {
	for len(g.pending) == 0 && g.body == 0 {
		if g.err != nil {
			return 0, g.err
		}
		if g.err = g.next(); g.err != nil && g.err != io.EOF {
			g.pending = g.pending[:0] // never hand out a header that failed
		}
	}
	if len(g.pending) > 0 {
		n := copy(p, g.pending)
		g.pending = g.pending[n:]
		return n, nil
	}
	if int64(len(p)) > g.body {
		p = p[:g.body]
	}
	n, err := g.r.Read(p)
	g.body -= int64(n)
	if err == io.EOF && g.body > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// next reads and checks the next message header and metadata into
// pending. It returns io.EOF after the end-of-stream marker.
func (g *ipcStreamGuard) next() error {
	var hdr [8]byte
	if _, err := io.ReadFull(g.r, hdr[:4]); err != nil {
		return err
	}
	n := 4
	mlen := int64(int32(binary.LittleEndian.Uint32(hdr[:4])))
	if binary.LittleEndian.Uint32(hdr[:4]) == ipcContinuation {
		if _, err := io.ReadFull(g.r, hdr[4:]); err != nil {
			return err
		}
		n = 8
		mlen = int64(int32(binary.LittleEndian.Uint32(hdr[4:])))
	}
	g.pending = append(g.pending[:0], hdr[:n]...)
	if mlen == 0 {
		return io.EOF
	}
	if mlen < 4 || mlen > maxIPCMetadata {
		return fmt.Errorf("%w: metadata length %d", errFlatbuffer, mlen)
	}
	meta := make([]byte, mlen)
	if _, err := io.ReadFull(g.r, meta); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	body, bufs, err := fb(meta).message(g.maxBody)
	if err != nil {
		return err
	}
	g.pending = append(g.pending, meta...)
	if len(bufs) == 0 {
		g.body = body
		return nil
	}
	// Compressed: hold the body to check each buffer's length prefix.
	start := len(g.pending)
	g.pending = append(g.pending, make([]byte, body)...)
	if _, err := io.ReadFull(g.r, g.pending[start:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	for _, sp := range bufs {
		p := g.pending[start+int(sp.off):]
		if err := checkUncompressedLen(p[:min(8, int(sp.n))]); err != nil {
			return err
		}
	}
	return nil
}
