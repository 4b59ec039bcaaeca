package annotation

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/prov-ai/prov/schemas"
)

// Roster is the annotator roster, indexed by id.
type Roster struct {
	byID map[string]*schemas.Annotator
}

// maxRosterLine caps one JSONL roster line.
const maxRosterLine = 1 << 20

// ParseRoster reads a roster whose keys carry their own names
// (ParseRosterColumns with no column map).
func ParseRoster(r io.Reader, name string) (*Roster, error) {
	return ParseRosterColumns(r, name, nil)
}

// ParseRosterColumns reads a roster: a YAML list when name ends in .yaml or
// .yml, JSONL otherwise (blank lines allowed), whose keys are named as cols
// says (annotation.roster_columns, e.g. {id: annotator_id}). Ids must be
// unique and roles known. Errors name the file, the line and the key.
func ParseRosterColumns(r io.Reader, name string, cols schemas.Columns) (*Roster, error) {
	var list []schemas.Annotator
	lines := []int(nil)
	cr := cols.Reader(schemas.RosterColumns)
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml":
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("reading roster %s: %w", name, err)
		}
		if len(cols) == 0 {
			if err := schemas.Decode(name, data, &list); err != nil {
				return nil, fmt.Errorf("decoding roster: %w: %w", ErrMalformedRoster, err)
			}
			break
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("decoding roster %s: %w: %w", name, ErrMalformedRoster, err)
		}
		if len(doc.Content) == 0 {
			break
		}
		seq := doc.Content[0]
		if seq.Kind != yaml.SequenceNode {
			return nil, &LineError{name, seq.Line, fmt.Errorf("%w: want a list of annotators", ErrMalformedRoster)}
		}
		for _, item := range seq.Content {
			var row map[string]any
			if err := item.Decode(&row); err != nil {
				return nil, &LineError{name, item.Line, fmt.Errorf("%w: %w", ErrMalformedRoster, err)}
			}
			var a schemas.Annotator
			if err := cr.DecodeMap(row, &a); err != nil {
				return nil, &LineError{name, item.Line, fmt.Errorf("%w: %w", ErrMalformedRoster, err)}
			}
			list = append(list, a)
			lines = append(lines, item.Line)
		}
	default:
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64<<10), maxRosterLine)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var a schemas.Annotator
			if err := cr.DecodeJSON(line, &a); err != nil {
				return nil, &LineError{name, n, fmt.Errorf("%w: %w", ErrMalformedRoster, err)}
			}
			list = append(list, a)
			lines = append(lines, n)
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				return nil, &LineError{name, len(lines) + 1, fmt.Errorf("%w: line over %d bytes", ErrMalformedRoster, maxRosterLine)}
			}
			return nil, fmt.Errorf("reading roster %s: %w", name, err)
		}
	}
	idCol := cols.Column("id")
	ro := &Roster{byID: make(map[string]*schemas.Annotator, len(list))}
	for i := range list {
		a := &list[i]
		line := i + 1
		if lines != nil {
			line = lines[i]
		}
		if a.ID == "" {
			return nil, &LineError{name, line, fmt.Errorf("%w: entry %d has no %q (id)", ErrMalformedRoster, i, idCol)}
		}
		if _, dup := ro.byID[a.ID]; dup {
			return nil, &LineError{name, line, fmt.Errorf("%w: id %q is listed twice", ErrMalformedRoster, a.ID)}
		}
		for _, role := range a.Roles {
			if role != schemas.RoleAnnotator && role != schemas.RoleReviewer {
				return nil, &LineError{name, line, fmt.Errorf("%w: id %q: role %q is not annotator or reviewer", ErrMalformedRoster, a.ID, role)}
			}
		}
		ro.byID[a.ID] = a
	}
	return ro, nil
}

// Len is the number of annotators in the roster.
func (ro *Roster) Len() int {
	if ro == nil {
		return 0
	}
	return len(ro.byID)
}

// Known reports whether id is in the roster.
func (ro *Roster) Known(id string) bool {
	if ro == nil {
		return false
	}
	_, ok := ro.byID[id]
	return ok
}

// Qualified reports whether annotator id held role and was trained, examined
// and not suspended at time at; if not, reason says why (without the id).
func (ro *Roster) Qualified(id, role string, at time.Time) (ok bool, reason string) {
	var a *schemas.Annotator
	if ro != nil {
		a = ro.byID[id]
	}
	switch {
	case a == nil:
		return false, "not in the roster"
	case !slices.Contains(a.Roles, role):
		return false, "does not hold the " + role + " role"
	case at.IsZero():
		return false, "no time given, qualification cannot be checked"
	case a.Trained.IsZero() || a.Trained.After(at):
		return false, "not trained before " + at.UTC().Format(time.DateOnly)
	case a.ExamPassed.IsZero() || a.ExamPassed.After(at):
		return false, "no exam passed before " + at.UTC().Format(time.DateOnly)
	case !a.SuspendedFrom.IsZero() && !at.Before(a.SuspendedFrom.Time) &&
		(a.SuspendedTo.IsZero() || at.Before(a.SuspendedTo.Time)):
		return false, "suspended at " + at.UTC().Format(time.DateOnly)
	}
	return true, ""
}
