package annotation

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/prov-ai/prov/schemas"
)

// ParseLabels decodes and checks the shape of a labels object (see the
// package doc). It does not check the labels against rules or the roster.
// Review and Reviews are folded into Reviews (Review is set to nil).
func ParseLabels(data []byte) (*schemas.Labels, error) {
	var l schemas.Labels
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, labelsErr(dec.InputOffset(), err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &LabelsError{dec.InputOffset(), fmt.Errorf("%w: trailing data after the labels object", ErrMalformedLabels)}
	}
	if l.Review != nil {
		l.Reviews = append([]schemas.Review{*l.Review}, l.Reviews...)
		l.Review = nil
	}
	for i, lb := range l.Labels {
		switch {
		case lb.Label == "":
			return nil, shapeErr("labels[%d].label is empty", i)
		case lb.Annotator == "":
			return nil, shapeErr("labels[%d].annotator is empty", i)
		case lb.Span != nil && (len(lb.Span) != 2 || lb.Span[0] < 0 || lb.Span[1] < lb.Span[0]):
			return nil, shapeErr("labels[%d].span is not [start, end] with 0 <= start <= end", i)
		}
	}
	for i, rv := range l.Reviews {
		switch {
		case rv.Reviewer == "":
			return nil, shapeErr("review %d: reviewer is empty", i)
		case rv.Verdict != schemas.ReviewAccept && rv.Verdict != schemas.ReviewReject:
			return nil, shapeErr("review %d: verdict is not accept or reject", i)
		}
	}
	return &l, nil
}

func shapeErr(format string, args ...any) error {
	return &LabelsError{0, fmt.Errorf("%w: %s", ErrMalformedLabels, fmt.Sprintf(format, args...))}
}

// labelsErr positions a decoding error. Messages of encoding/json may quote
// input; only the error's kind and offset are kept, never the value.
func labelsErr(off int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	msg := "not a JSON object"
	switch {
	case errors.As(err, &se):
		off, msg = se.Offset, "JSON syntax error"
	case errors.As(err, &te):
		off, msg = te.Offset, fmt.Sprintf("field %s has the wrong type (want %s)", te.Field, te.Type)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "truncated JSON"
	default:
		// Unknown fields ("json: unknown field \"x\"") and Time parse errors.
		msg = err.Error()
		if len(msg) > 120 {
			msg = msg[:120]
		}
	}
	return &LabelsError{off, fmt.Errorf("%w: %s", ErrMalformedLabels, msg)}
}
