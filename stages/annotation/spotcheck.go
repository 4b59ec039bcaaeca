package annotation

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/prov-ai/prov/schemas"
)

// ParseSpotChecks reads imported reviewer verdicts whose keys carry their
// own names (ParseSpotChecksColumns with no column map).
func ParseSpotChecks(r io.Reader, name string) ([]schemas.SpotCheck, error) {
	return ParseSpotChecksColumns(r, name, nil)
}

// ParseSpotChecksColumns reads imported reviewer verdicts: JSONL, one
// schemas.SpotCheck per line (blank lines allowed), with keys named as cols
// says (annotation.spot_check_columns). Every line needs a rule version,
// batch, id, reviewer and a verdict of accept or reject. Errors name the
// file, the line and the key.
func ParseSpotChecksColumns(r io.Reader, name string, cols schemas.Columns) ([]schemas.SpotCheck, error) {
	var out []schemas.SpotCheck
	cr := cols.Reader(schemas.SpotCheckColumns)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxRosterLine)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c schemas.SpotCheck
		if err := cr.DecodeJSON(line, &c); err != nil {
			return nil, &LineError{name, n, fmt.Errorf("%w: %w", ErrMalformedSpotChecks, err)}
		}
		var missing []string
		for _, f := range []struct{ logical, v string }{
			{"rule_version", c.RuleVersion}, {"batch", c.Batch}, {"id", c.ID}, {"reviewer", c.Reviewer},
		} {
			if f.v == "" {
				missing = append(missing, fmt.Sprintf("%q (%s)", cols.Column(f.logical), f.logical))
			}
		}
		switch {
		case len(missing) > 0:
			return nil, &LineError{name, n, fmt.Errorf("%w: rule_version, batch, id and reviewer are required: %s missing or empty", ErrMalformedSpotChecks, strings.Join(missing, ", "))}
		case c.Verdict != schemas.ReviewAccept && c.Verdict != schemas.ReviewReject:
			return nil, &LineError{name, n, fmt.Errorf("%w: column %q (verdict) is not accept or reject", ErrMalformedSpotChecks, cols.Column("verdict"))}
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &LineError{name, n + 1, fmt.Errorf("%w: line over %d bytes", ErrMalformedSpotChecks, maxRosterLine)}
		}
		return nil, fmt.Errorf("reading spot checks %s: %w", name, err)
	}
	return out, nil
}

func spotKey(version, batch, id string) string {
	return version + "\x00" + batch + "\x00" + id
}
