// Package readers turns input objects into records, streaming: JSONL (plain,
// .gz, .zst), Parquet and Arrow IPC (through Arrow Go record batches) and
// plain text / source-code files (one record per file). No reader holds a
// whole object in memory.
//
// Accepted formats:
//   - jsonl: one JSON object per line (keys .jsonl, .ndjson, .json), plain or
//     compressed with gzip (.gz) or zstd (.zst, .zstd). Compression is
//     recognised by its magic bytes; a key that claims compression its bytes
//     do not have is corrupt. Blank lines are skipped; "\r\n" line ends are
//     accepted. Mapped values are taken where the field paths lead (see
//     schemas.FieldSpec): strings unescaped, numbers and booleans as their
//     JSON text, objects and arrays as compact JSON text, null as absent;
//     several values joined with "\n". A map of plain top-level keys takes
//     a faster path.
//   - parquet: read through Arrow Go's pqarrow in record batches over ranged
//     reads; a path's first key names a top-level column, later steps go
//     into struct fields, list elements and map keys.
//   - arrow: the Arrow IPC file format (ranged reads) or stream format
//     (streamed), told apart by the file magic "ARROW1".
//   - text: any other key; the whole (decompressed) object is one record
//     whose text is its content.
//
// Implicit AI-generated-content labels (GB 45438-2025) are collected into
// Record.Meta, outside the digest: the value of every JSON key named AIGC
// (any ASCII case, any depth, a string's content or compact JSON), and an
// AIGC entry of a Parquet file's or Arrow schema's key-value metadata
// (shared by every row of the object).
//
// Malformed input never stops a read: a bad JSON line, invalid UTF-8, a line
// over the size limit, a truncated compressed stream or a Parquet file with
// the wrong schema becomes a record whose Err is a *ParseError saying what
// is wrong and where (the pipeline quarantines it). Read returns an error only
// when the underlying transport fails (the object could not be read), so the
// caller can retry the object from the start, or when ctx is done.
package readers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// Formats returned by FormatOf and accepted in Input.Format.
const (
	FormatJSONL   = "jsonl"
	FormatParquet = "parquet"
	FormatArrow   = "arrow"
	FormatText    = "text"
)

// DefaultMaxLine is the line / text-file size limit when Options.MaxLine is 0.
const DefaultMaxLine = 16 << 20

// Input is one object to read.
type Input struct {
	URI    string // object URI, used in locators and errors
	Key    string // object key, used to detect format and compression
	Format string // declared format (jsonl, parquet, arrow, text) or "" / "auto"
	Size   int64  // object size in bytes
	// Open reads length bytes from offset (length <= 0: to the end). The
	// columnar readers use it for ranged reads (footer, row groups).
	Open func(ctx context.Context, offset, length int64) (io.ReadCloser, error)
}

// Options say how to map input fields to records. The zero value maps
// nothing and uses the default limits.
type Options struct {
	// Map, when set, is the field map: a field path (or several) per
	// logical field and an optional annotation map (schemas.FieldMap).
	Map *schemas.FieldMap
	// Fields, used when Map is nil, maps each logical field to the
	// top-level input field (JSON key or column name) that holds it; ""
	// means the field is not mapped.
	Fields [schemas.NumFields]string
	// MaxLine caps one JSONL line or one text file in bytes (0: 16 MiB).
	MaxLine int
	// Text says whether a record's text may be handed out as a view of
	// the reader's buffers instead of a copy (TextCopied, the default).
	Text TextMode
}

// TextMode says how a reader hands out a record's text (the longest value
// by far): as a copy that lives as long as it is referenced, or as a view
// of the reader's own buffers, which saves copying every text into fresh
// memory.
type TextMode uint8

const (
	// TextCopied: every value of a record is a copy.
	TextCopied TextMode = iota
	// TextViewed: the text value (schemas.FieldText) may be a view that
	// is valid only until the callback returns; the callback must copy
	// (strings.Clone) any part of it that it keeps. The JSONL reader with
	// top-level fields views it; other readers copy it as with
	// TextCopied. Other values are copies either way.
	TextViewed
	// TextViewedPoisoned is TextViewed, and the reader overwrites the
	// bytes of a viewed text with '#' once the callback returns, so a test
	// sees any part of a text kept past its record.
	TextViewedPoisoned
)

func (o Options) maxLine() int {
	if o.MaxLine <= 0 {
		return DefaultMaxLine
	}
	return o.MaxLine
}

// FormatOf returns the format to read key with: declared when it is set
// (other than "auto"), else the one its extension names after any .gz /
// .zst / .zstd suffix: .jsonl, .ndjson, .json → jsonl; .parquet → parquet;
// .arrow, .feather, .ipc, .arrows → arrow; anything else → text.
func FormatOf(key, declared string) string {
	if d := strings.ToLower(strings.TrimSpace(declared)); d != "" && d != "auto" {
		return d
	}
	k := strings.ToLower(key)
	for _, suf := range []string{".gz", ".zst", ".zstd"} {
		k = strings.TrimSuffix(k, suf)
	}
	switch path.Ext(k) {
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL
	case ".parquet":
		return FormatParquet
	case ".arrow", ".feather", ".ipc", ".arrows":
		return FormatArrow
	default:
		return FormatText
	}
}

// Read streams the records of one object to fn, in input order.
//
// Every record has Object (= in.URI), Line (1-based line for JSONL, 1-based
// row across the file for Parquet and Arrow, 1 for a text file), Size (raw
// bytes: the line without its terminator, the file, or an estimate of the
// row's bytes for columnar input), Values / Has of the mapped fields, and
// Digest = CanonicalDigest(). A record that could not be parsed has Err set
// to a *ParseError, no values and a zero Digest.
//
// The *Record passed to fn is reused for the next record after fn returns:
// copy the struct (rec2 := *rec) to keep it. Its strings are never reused
// (but with opts.Text TextViewed, the text: see TextMode), so a copy of the
// struct is a full copy. The values of several records share
// one block of memory (up to 64 KiB): a value kept long after its record
// (a map key, a running state) should be cloned (strings.Clone) so it does
// not keep its block alive. An error from fn stops the read and is
// returned as it is. Other errors returned come from the transport (in.Open
// or the reader it returned) wrapped with the URI, from ctx, or
// ErrUnknownFormat.
func Read(ctx context.Context, in Input, opts Options, fn func(*schemas.Record) error) error {
	switch f := FormatOf(in.Key, in.Format); f {
	case FormatJSONL:
		return readStream(ctx, in, opts, fn, readJSONL)
	case FormatText:
		return readStream(ctx, in, opts, fn, readText)
	case FormatParquet:
		return readParquet(ctx, in, opts, fn)
	case FormatArrow:
		return readArrow(ctx, in, opts, fn)
	default:
		return fmt.Errorf("reading %s: %w %q", in.URI, ErrUnknownFormat, f)
	}
}

// CheckMap compiles a field map as Read would for an object at key and
// returns the error a malformed path gives (wrapping schemas.ErrBadPath).
func CheckMap(opts Options, key string) error {
	_, err := opts.compile(key)
	return err
}

// emitter hands records to fn, reusing one Record.
type emitter struct {
	ctx context.Context
	uri string
	key string
	fn  func(*schemas.Record) error
	rec schemas.Record
	n   int
	// bufSize is the read buffer the stream decoders should use: the
	// object's size when it is small and uncompressed, else their default.
	bufSize int
}

// start resets the record for line/row n and returns it.
func (e *emitter) start(line int64, size int) *schemas.Record {
	e.rec = schemas.Record{Object: e.uri, Line: line, Size: size}
	return &e.rec
}

// emit passes the current record to fn, checking ctx now and then.
func (e *emitter) emit() error {
	e.n++
	if e.n&1023 == 0 {
		if err := e.ctx.Err(); err != nil {
			return err
		}
	}
	return e.fn(&e.rec)
}

// emitErr emits an error record.
func (e *emitter) emitErr(pe *ParseError, size int) error {
	pe.Object = e.uri
	e.start(pe.Line, size).Err = pe
	return e.emit()
}

// transport wraps the reader returned by Input.Open and remembers its first
// non-EOF error, so decoding errors can be told from transport errors.
type transport struct {
	r   io.Reader
	err error
}

func (t *transport) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// transportErr wraps a transport failure with the object's URI.
func transportErr(uri string, err error) error {
	return fmt.Errorf("reading %s: %w", uri, err)
}

var (
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// streamFunc decodes a decompressed stream.
type streamFunc func(e *emitter, r io.Reader, t *transport, opts Options) error

// readStream opens the object as a stream, undoes its compression and
// hands it to decode.
func readStream(ctx context.Context, in Input, opts Options, fn func(*schemas.Record) error, decode streamFunc) error {
	rc, err := in.Open(ctx, 0, -1)
	if err != nil {
		return transportErr(in.URI, err)
	}
	defer func() { _ = rc.Close() }()
	t := &transport{r: rc}
	e := &emitter{ctx: ctx, uri: in.URI, key: in.Key, fn: fn}

	var head [4]byte
	n, err := io.ReadFull(t, head[:])
	if t.err != nil {
		return transportErr(in.URI, t.err)
	}
	if n == 0 {
		return nil // a zero-byte object has no records
	}
	_ = err // a short object is fine: it is just short
	r := io.MultiReader(bytes.NewReader(head[:n]), t)

	claimed := compressionOf(in.Key)
	var actual string
	switch {
	case bytes.HasPrefix(head[:n], magicGzip):
		actual = "gzip"
	case bytes.HasPrefix(head[:n], magicZstd):
		actual = "zstd"
	}
	if actual == "" && in.Size > 0 && in.Size < jsonlBufSize {
		e.bufSize = int(in.Size) + 16
	}
	if claimed != "" && claimed != actual {
		return e.emitErr(&ParseError{Line: 1, Offset: 0,
			Err: wrapDetail(ErrCorrupt, "not "+claimed+" data")}, 0)
	}
	switch actual {
	case "gzip":
		return decodeGzip(e, r, t, opts, decode)
	case "zstd":
		return decodeZstd(e, r, t, opts, decode)
	}
	return decode(e, r, t, opts)
}

// compressionOf names the compression the key's extension claims.
func compressionOf(key string) string {
	k := strings.ToLower(key)
	switch {
	case strings.HasSuffix(k, ".gz"):
		return "gzip"
	case strings.HasSuffix(k, ".zst"), strings.HasSuffix(k, ".zstd"):
		return "zstd"
	}
	return ""
}

// decodeErr classifies a non-transport error from a decompressor.
func decodeErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: decompressing: %w", ErrTruncated, err)
	}
	return fmt.Errorf("%w: decompressing: %w", ErrCorrupt, err)
}

// LineParser parses single JSONL lines with a field map exactly as Read
// parses the lines of a JSONL object (same extractor, same field paths),
// for commands that stream lines themselves (`prov detect pii`).
type LineParser struct {
	x   *extractor
	rec schemas.Record
}

// NewLineParser compiles opts for lines of the object named key (key names
// the annotator of "$file" annotation maps).
func NewLineParser(opts Options, key string) (*LineParser, error) {
	plan, err := opts.compile(key)
	if err != nil {
		return nil, err
	}
	return &LineParser{x: newExtractor(plan)}, nil
}

// Text parses one line (without its terminator) and returns the bytes of
// its text field, without building a record: they alias line or the
// parser's buffer and are valid until the next call. nil: no text.
func (p *LineParser) Text(line []byte) ([]byte, error) {
	if err := p.x.parseLine(line); err != nil {
		return nil, err
	}
	if !p.x.plan.simple {
		p.rec = schemas.Record{}
		p.x.fillLine(&p.rec, line)
		return []byte(p.rec.Values[schemas.FieldText]), nil
	}
	if p.x.has&(1<<schemas.FieldText) == 0 {
		return nil, nil
	}
	sp := p.x.spans[schemas.FieldText]
	if sp.inLine {
		return line[sp.start:sp.end], nil
	}
	return p.x.scratch[sp.start:sp.end], nil
}

// Parse parses one line (without its terminator). The returned record is
// reused by the next call; its strings are not. A line that is not a JSON
// object gives an error wrapping ErrNotObject or ErrSyntax.
func (p *LineParser) Parse(line []byte) (*schemas.Record, error) {
	if err := p.x.parseLine(line); err != nil {
		return nil, err
	}
	p.rec = schemas.Record{}
	p.x.fillLine(&p.rec, line)
	return &p.rec, nil
}
