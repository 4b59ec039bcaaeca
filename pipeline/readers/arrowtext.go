package readers

import (
	"encoding/base64"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// appendText appends the text form of arr[i] (not null) to dst: strings as
// they are, numbers and booleans as JSON text, timestamps as RFC 3339,
// structs, lists and maps as compact JSON. It reports ErrInvalidUTF8 for a
// string or binary value that is not UTF-8.
func appendText(dst []byte, arr arrow.Array, i int) ([]byte, error) {
	switch a := arr.(type) {
	case *array.String:
		return appendUTF8(dst, a.Value(i))
	case *array.LargeString:
		return appendUTF8(dst, a.Value(i))
	case *array.StringView:
		return appendUTF8(dst, a.Value(i))
	case *array.Binary:
		return appendUTF8(dst, a.ValueString(i))
	case *array.LargeBinary:
		return appendUTF8(dst, a.ValueString(i))
	case *array.BinaryView:
		return appendUTF8(dst, a.ValueString(i))
	case *array.Dictionary:
		return appendText(dst, a.Dictionary(), a.GetValueIndex(i))
	case *array.Struct, *array.Map, array.ListLike:
		return appendJSON(dst, arr, i)
	}
	return appendScalar(dst, arr, i, false)
}

func appendUTF8(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, ErrInvalidUTF8
	}
	return append(dst, s...), nil
}

// appendScalar appends a non-string scalar; quoted says whether a textual
// form (timestamps, decimals, others) is JSON-quoted.
func appendScalar(dst []byte, arr arrow.Array, i int, quoted bool) ([]byte, error) {
	switch a := arr.(type) {
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i)), nil
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10), nil
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10), nil
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10), nil
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10), nil
	case *array.Float32:
		return appendFloat(dst, float64(a.Value(i)), 32), nil
	case *array.Float64:
		return appendFloat(dst, a.Value(i), 64), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		t := a.Value(i).ToTime(unit).UTC()
		return appendMaybeQuoted(dst, t.Format(time.RFC3339Nano), quoted), nil
	case *array.Date32:
		return appendMaybeQuoted(dst, a.Value(i).ToTime().Format(time.DateOnly), quoted), nil
	case *array.Date64:
		return appendMaybeQuoted(dst, a.Value(i).ToTime().Format(time.DateOnly), quoted), nil
	}
	return appendMaybeQuoted(dst, arr.ValueStr(i), quoted), nil
}

func appendMaybeQuoted(dst []byte, s string, quoted bool) []byte {
	if quoted {
		return appendQuoted(dst, s)
	}
	return append(dst, s...)
}

// appendFloat formats like encoding/json; NaN and infinities (not JSON)
// become null.
func appendFloat(dst []byte, f float64, bitSize int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bitSize == 64 && (abs < 1e-6 || abs >= 1e21) ||
		bitSize == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	return strconv.AppendFloat(dst, f, format, -1, bitSize)
}

// appendJSON appends arr[i] as compact JSON: struct fields in schema
// order, lists as arrays, maps as objects, binary as base64.
func appendJSON(dst []byte, arr arrow.Array, i int) ([]byte, error) {
	if arr.IsNull(i) {
		return append(dst, "null"...), nil
	}
	var err error
	switch a := arr.(type) {
	case *array.String:
		return appendQuotedUTF8(dst, a.Value(i))
	case *array.LargeString:
		return appendQuotedUTF8(dst, a.Value(i))
	case *array.StringView:
		return appendQuotedUTF8(dst, a.Value(i))
	case *array.Binary:
		return appendBase64(dst, a.Value(i)), nil
	case *array.LargeBinary:
		return appendBase64(dst, a.Value(i)), nil
	case *array.BinaryView:
		return appendBase64(dst, a.Value(i)), nil
	case *array.Dictionary:
		return appendJSON(dst, a.Dictionary(), a.GetValueIndex(i))
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for j := 0; j < a.NumField(); j++ {
			if j > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendQuotedUTF8(dst, st.Field(j).Name); err != nil {
				return dst, err
			}
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, a.Field(j), i); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case *array.Map:
		start, end := a.ValueOffsets(i)
		keys, items := a.Keys(), a.Items()
		dst = append(dst, '{')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			k, err := appendText(nil, keys, int(j))
			if err != nil {
				return dst, err
			}
			dst = appendQuoted(dst, string(k))
			dst = append(dst, ':')
			if dst, err = appendJSON(dst, items, int(j)); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case array.ListLike:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, vals, int(j)); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	}
	return appendScalar(dst, arr, i, true)
}

func appendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}

func appendQuotedUTF8(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, ErrInvalidUTF8
	}
	return appendQuoted(dst, s), nil
}

// appendQuoted appends s as a JSON string, escaping only what JSON
// requires (no HTML escaping), so non-ASCII text stays as it is.
func appendQuoted(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
