package schemas

import "fmt"

// Verdict is what happens to a record. Every record ends with exactly one.
// Verdicts are ordered by severity: when stages disagree the most severe wins.
type Verdict uint8

// Verdicts, least severe first.
const (
	Admit      Verdict = iota // used as is
	Redact                    // used with PI spans masked
	Quarantine                // held for review with its reason
	Reject                    // not used
	numVerdicts
)

var verdictNames = [numVerdicts]string{"admit", "redact", "quarantine", "reject"}

func (v Verdict) String() string {
	if v < numVerdicts {
		return verdictNames[v]
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// ParseVerdict parses "admit", "redact", "quarantine" or "reject".
func ParseVerdict(s string) (Verdict, error) {
	for i, n := range verdictNames {
		if n == s {
			return Verdict(i), nil
		}
	}
	return 0, fmt.Errorf("parsing verdict %q: want admit, redact, quarantine or reject", s)
}

// MarshalText implements encoding.TextMarshaler (used by YAML and JSON).
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Verdict) UnmarshalText(b []byte) error {
	p, err := ParseVerdict(string(b))
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// Max returns the more severe of v and w.
func (v Verdict) Max(w Verdict) Verdict {
	if w > v {
		return w
	}
	return v
}

// Admitted reports whether a record with this verdict is in the dataset
// version (admit or redact).
func (v Verdict) Admitted() bool { return v == Admit || v == Redact }

// Counts are verdict counts. In is every record read, parsed or not.
type Counts struct {
	In         int64 `json:"in"`
	Admit      int64 `json:"admit"`
	Redact     int64 `json:"redact"`
	Quarantine int64 `json:"quarantine"`
	Reject     int64 `json:"reject"`
}

// Add counts one record with verdict v.
func (c *Counts) Add(v Verdict) {
	c.In++
	switch v {
	case Admit:
		c.Admit++
	case Redact:
		c.Redact++
	case Quarantine:
		c.Quarantine++
	default:
		c.Reject++
	}
}

// Move moves one record from verdict from to verdict to (In unchanged).
func (c *Counts) Move(from, to Verdict) {
	c.add(from, -1)
	c.add(to, 1)
}

func (c *Counts) add(v Verdict, n int64) {
	switch v {
	case Admit:
		c.Admit += n
	case Redact:
		c.Redact += n
	case Quarantine:
		c.Quarantine += n
	default:
		c.Reject += n
	}
}

// Merge adds o to c.
func (c *Counts) Merge(o Counts) {
	c.In += o.In
	c.Admit += o.Admit
	c.Redact += o.Redact
	c.Quarantine += o.Quarantine
	c.Reject += o.Reject
}

// Reconciles reports whether in = admit + redact + quarantine + reject.
func (c Counts) Reconciles() bool {
	return c.In == c.Admit+c.Redact+c.Quarantine+c.Reject &&
		c.Admit >= 0 && c.Redact >= 0 && c.Quarantine >= 0 && c.Reject >= 0
}
