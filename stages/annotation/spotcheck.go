package annotation

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/prov-ai/prov/schemas"
)

// ParseSpotChecks reads imported reviewer verdicts: JSONL, one
// schemas.SpotCheck per line (blank lines allowed). Every line needs a rule
// version, batch, id, reviewer and a verdict of accept or reject.
func ParseSpotChecks(r io.Reader, name string) ([]schemas.SpotCheck, error) {
	var out []schemas.SpotCheck
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
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, &LineError{name, n, fmt.Errorf("%w: %w", ErrMalformedSpotChecks, err)}
		}
		if dec.More() {
			return nil, &LineError{name, n, fmt.Errorf("%w: trailing data", ErrMalformedSpotChecks)}
		}
		switch {
		case c.RuleVersion == "" || c.Batch == "" || c.ID == "" || c.Reviewer == "":
			return nil, &LineError{name, n, fmt.Errorf("%w: rule_version, batch, id and reviewer are required", ErrMalformedSpotChecks)}
		case c.Verdict != schemas.ReviewAccept && c.Verdict != schemas.ReviewReject:
			return nil, &LineError{name, n, fmt.Errorf("%w: verdict is not accept or reject", ErrMalformedSpotChecks)}
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
