package export

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/textesc"
)

// Sample and verdict file formats.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

var sampleColumns = []string{"dataset", "version", "rule_id", "record_digest", "object", "line", "source",
	"rule_version", "batch", "id", "labels", "text", "verdict", "reviewer", "time"}

// WriteSample writes sample rows as JSONL (one object per line) or CSV
// (header row, the columns of SampleRow).
func WriteSample(w io.Writer, rows []SampleRow, format string) error {
	switch format {
	case FormatJSONL, "":
		return WriteJSONL(w, rows)
	case FormatCSV:
		cw := csv.NewWriter(w)
		if err := cw.Write(sampleColumns); err != nil {
			return fmt.Errorf("writing sample CSV: %w", err)
		}
		for _, r := range rows {
			rec := []string{r.Dataset, r.Version, r.RuleID, r.RecordDigest, r.Object, strconv.FormatInt(r.Line, 10), r.Source,
				r.RuleVersion, r.Batch, r.ID, r.Labels, r.Text, r.Verdict, r.Reviewer, r.Time}
			for i := range rec {
				rec[i] = textesc.Lines(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return fmt.Errorf("writing sample CSV: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return fmt.Errorf("writing sample CSV: %w", err)
		}
		return nil
	}
	return fmt.Errorf("writing sample: %w %q (want jsonl or csv)", ErrFormat, format)
}

// SniffFormat returns csv when data looks like CSV with a header naming
// record_digest, else jsonl.
func SniffFormat(data []byte) string {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	first = bytes.TrimSpace(bytes.TrimPrefix(first, []byte("\xef\xbb\xbf")))
	if len(first) > 0 && first[0] != '{' && bytes.Contains(first, []byte("record_digest")) {
		return FormatCSV
	}
	return FormatJSONL
}

// ReadSample reads a sample file written by WriteSample (format "" sniffs).
func ReadSample(data []byte, name, format string) ([]SampleRow, error) {
	if format == "" {
		format = SniffFormat(data)
	}
	var rows []SampleRow
	err := eachRow(data, name, format, func(line int, get func(string) (string, bool)) error {
		var r SampleRow
		for _, f := range []struct {
			col string
			dst *string
		}{{"dataset", &r.Dataset}, {"version", &r.Version}, {"rule_id", &r.RuleID}, {"record_digest", &r.RecordDigest},
			{"object", &r.Object}, {"source", &r.Source}, {"rule_version", &r.RuleVersion}, {"batch", &r.Batch},
			{"id", &r.ID}, {"labels", &r.Labels}, {"text", &r.Text}, {"verdict", &r.Verdict}, {"reviewer", &r.Reviewer}, {"time", &r.Time}} {
			*f.dst, _ = get(f.col)
		}
		if s, _ := get("line"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return fmt.Errorf("%w: line %q is not a number", ErrBadSample, s)
			}
			r.Line = n
		}
		if r.Dataset == "" || r.Version == "" || r.RuleID == "" {
			return fmt.Errorf("%w: dataset, version and rule_id are required", ErrBadSample)
		}
		if _, err := schemas.ParseDigest(r.RecordDigest); err != nil {
			return fmt.Errorf("%w: %w", ErrBadSample, err)
		}
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("%w: no rows", ErrBadSample)}
	}
	return rows, nil
}

// Verdict is one reviewer verdict.
type Verdict struct {
	RecordDigest string
	Pass         bool
	Reviewer     string
	Time         time.Time
	// RuleVersion, Batch and ID identify an annotation item (optional).
	RuleVersion, Batch, ID string
	// Line is the verdict's line in its file.
	Line int
}

func (v Verdict) key() string {
	return v.RecordDigest + "\x00" + v.RuleVersion + "\x00" + v.Batch + "\x00" + v.ID
}

func (r SampleRow) key() string {
	return r.RecordDigest + "\x00" + r.RuleVersion + "\x00" + r.Batch + "\x00" + r.ID
}

// ParseVerdicts reads reviewer verdicts: JSONL objects or CSV with a header,
// each with record_digest (64 hex digits, optionally "sha256:"), verdict
// (pass or fail; accept / reject are read as pass / fail), reviewer and
// time (RFC 3339 or YYYY-MM-DD); rule_version, batch and id identify an
// annotation item. Rows whose verdict is empty are skipped (not reviewed),
// so a returned sample file can be imported as it is. Other columns are
// ignored. Errors are *ParseError wrapping ErrBadVerdicts.
func ParseVerdicts(data []byte, name, format string) ([]Verdict, error) {
	if format == "" {
		format = SniffFormat(data)
	}
	var out []Verdict
	seen := map[string]int{}
	err := eachRow(data, name, format, func(line int, get func(string) (string, bool)) error {
		verdict, _ := get("verdict")
		verdict = strings.ToLower(strings.TrimSpace(verdict))
		if verdict == "" {
			return nil
		}
		v := Verdict{Line: line}
		switch verdict {
		case "pass", "accept":
			v.Pass = true
		case "fail", "reject":
		default:
			return fmt.Errorf("%w: verdict %q is not pass or fail", ErrBadVerdicts, verdict)
		}
		ds, _ := get("record_digest")
		d, err := schemas.ParseDigest(strings.TrimSpace(ds))
		if err != nil {
			return fmt.Errorf("%w: record_digest: %w", ErrBadVerdicts, err)
		}
		v.RecordDigest = d.String()
		v.Reviewer, _ = get("reviewer")
		if v.Reviewer = strings.TrimSpace(v.Reviewer); v.Reviewer == "" {
			return fmt.Errorf("%w: reviewer is required", ErrBadVerdicts)
		}
		ts, _ := get("time")
		var t schemas.Time
		if err := t.UnmarshalText([]byte(strings.TrimSpace(ts))); err != nil || t.IsZero() {
			return fmt.Errorf("%w: time %q: want RFC 3339 or YYYY-MM-DD", ErrBadVerdicts, ts)
		}
		v.Time = t.Time
		v.RuleVersion, _ = get("rule_version")
		v.Batch, _ = get("batch")
		v.ID, _ = get("id")
		if prev, dup := seen[v.key()]; dup {
			return fmt.Errorf("%w: a second verdict for record %s (first at line %d)", ErrBadVerdicts, v.RecordDigest, prev)
		}
		seen[v.key()] = line
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachRow hands every row of a JSONL or CSV file to fn with a column
// getter. JSON values must be strings (line may be a number).
func eachRow(data []byte, name, format string, fn func(line int, get func(string) (string, bool)) error) error {
	wrap := func(line int, err error) error {
		if err == nil {
			return nil
		}
		var pe *ParseError
		if errors.As(err, &pe) {
			return err
		}
		if !errors.Is(err, ErrBadSample) && !errors.Is(err, ErrBadVerdicts) {
			err = fmt.Errorf("%w: %w", ErrBadVerdicts, err)
		}
		return &ParseError{File: name, Line: line, Err: err}
	}
	switch format {
	case FormatCSV:
		cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
		cr.FieldsPerRecord = 0
		head, err := cr.Read()
		if err != nil {
			return wrap(1, fmt.Errorf("reading the header: %w", err))
		}
		cols := map[string]int{}
		for i, h := range head {
			cols[strings.ToLower(strings.TrimSpace(h))] = i
		}
		if _, ok := cols["record_digest"]; !ok {
			return wrap(1, errors.New("the header has no record_digest column"))
		}
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				line := 0
				var ce *csv.ParseError
				if errors.As(err, &ce) {
					line = ce.Line
				}
				return wrap(line, err)
			}
			line, _ := cr.FieldPos(0)
			get := func(c string) (string, bool) {
				i, ok := cols[c]
				if !ok || i >= len(rec) {
					return "", false
				}
				return rec[i], true
			}
			if err := fn(line, get); err != nil {
				return wrap(line, err)
			}
		}
	case FormatJSONL:
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 64<<10), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var obj map[string]any
			if err := json.Unmarshal(b, &obj); err != nil {
				return wrap(line, err)
			}
			var bad error
			get := func(c string) (string, bool) {
				switch x := obj[c].(type) {
				case nil:
					return "", false
				case string:
					return x, true
				case float64:
					if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
						return strconv.FormatInt(int64(x), 10), true
					}
				}
				if bad == nil {
					bad = fmt.Errorf("%s must be a string", c)
				}
				return "", false
			}
			err := fn(line, get)
			if err == nil {
				err = bad
			}
			if err != nil {
				return wrap(line, err)
			}
		}
		if err := sc.Err(); err != nil {
			return wrap(line+1, err)
		}
		return nil
	}
	return fmt.Errorf("reading %s: %w %q (want jsonl or csv)", name, ErrFormat, format)
}

// Assessment is the result of importing reviewer verdicts for a sample.
type Assessment struct {
	Dataset        string  `json:"dataset"`
	Version        string  `json:"version"`
	RuleID         string  `json:"rule_id"`
	SampleSize     int     `json:"sample_size"`
	N              int64   `json:"n"`
	Passed         int64   `json:"passed"`
	Rate           float64 `json:"pass_rate"`
	Threshold      float64 `json:"threshold"`
	MinN           int     `json:"min_n"`
	Pass           bool    `json:"pass"`
	Detail         string  `json:"detail"`
	SampleSHA256   string  `json:"sample_sha256"`
	VerdictsSHA256 string  `json:"verdicts_sha256"`
	LedgerLeaf     *uint64 `json:"ledger_leaf,omitempty"`
}

// Assess matches verdicts to the sample (a verdict for an item that is not
// in the sample is an error wrapping ErrNotInSample) and computes the pass
// rate. It passes when every sampled item was reviewed, at least minN were
// (use min(required n, records in the version)) and the rate reaches
// threshold.
func Assess(sample []SampleRow, sampleBytes []byte, verdicts []Verdict, verdictsBytes []byte, threshold float64, minN int) (*Assessment, error) {
	if len(sample) == 0 {
		return nil, fmt.Errorf("assessing: %w: empty sample", ErrBadSample)
	}
	a := &Assessment{Dataset: sample[0].Dataset, Version: sample[0].Version, RuleID: sample[0].RuleID,
		SampleSize: len(sample), Threshold: threshold, MinN: minN,
		SampleSHA256: sha256Hex(sampleBytes), VerdictsSHA256: sha256Hex(verdictsBytes)}
	in := map[string]bool{}
	byDigest := map[string]int{}
	for _, r := range sample {
		if r.Dataset != a.Dataset || r.Version != a.Version || r.RuleID != a.RuleID {
			return nil, fmt.Errorf("assessing: %w: the sample mixes %s@%s %s with %s@%s %s", ErrBadSample,
				a.Dataset, a.Version, a.RuleID, r.Dataset, r.Version, r.RuleID)
		}
		in[r.key()] = true
		byDigest[r.RecordDigest]++
	}
	for _, v := range verdicts {
		k := v.key()
		if !in[k] && v.RuleVersion == "" && v.Batch == "" && v.ID == "" && byDigest[v.RecordDigest] == 1 {
			// A verdict file with only record_digest names the one item.
			for _, r := range sample {
				if r.RecordDigest == v.RecordDigest {
					k = r.key()
				}
			}
		}
		if !in[k] {
			return nil, &ParseError{Line: v.Line, Err: fmt.Errorf("%w: %s", ErrNotInSample, v.RecordDigest)}
		}
		in[k] = false // reviewed
		a.N++
		if v.Pass {
			a.Passed++
		}
	}
	if a.N > 0 {
		a.Rate = float64(a.Passed) / float64(a.N)
	}
	complete := int(a.N) == a.SampleSize
	a.Pass = complete && int(a.N) >= minN && a.Rate >= threshold
	cmp := ">="
	if a.Rate < threshold {
		cmp = "<"
	}
	a.Detail = fmt.Sprintf("%s %s@%s: manual pass rate %.4f %s %g over n=%d reviewed of %d sampled (min n %d)",
		a.RuleID, a.Dataset, a.Version, a.Rate, cmp, threshold, a.N, a.SampleSize, minN)
	if !complete {
		a.Detail += fmt.Sprintf("; %d sampled items not reviewed", a.SampleSize-int(a.N))
	}
	return a, nil
}

// Entry is the ledger entry that records the assessment.
func (a *Assessment) Entry() lineage.AssessmentImported {
	return lineage.AssessmentImported{Dataset: a.Dataset, Version: a.Version, RuleID: a.RuleID,
		SampleSHA256: a.SampleSHA256, VerdictsSHA256: a.VerdictsSHA256, N: a.N, Passed: a.Passed}
}

// SpotChecks converts the verdicts of an annotation sample into the
// spot-check records the annotation stage reads (policy
// annotation.spot_checks).
func SpotChecks(verdicts []Verdict) []schemas.SpotCheck {
	out := make([]schemas.SpotCheck, 0, len(verdicts))
	for _, v := range verdicts {
		if v.ID == "" {
			continue
		}
		verdict := schemas.ReviewReject
		if v.Pass {
			verdict = schemas.ReviewAccept
		}
		out = append(out, schemas.SpotCheck{RuleVersion: v.RuleVersion, Batch: v.Batch, ID: v.ID,
			Reviewer: v.Reviewer, At: schemas.Time{Time: v.Time}, Verdict: verdict})
	}
	return out
}
