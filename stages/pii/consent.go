package pii

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/schemas"
)

// Consent is what a data subject agreed to, from a record's consent field
// or a consent-registry row.
type Consent struct {
	Training  bool      // the consent covers the policy's scope (training)
	Type      string    // general, separate or guardian
	ID        string    // consent reference
	Granted   time.Time // zero when unknown
	Withdrawn time.Time // zero when not withdrawn
}

// covers reports whether c covers PI that needs the given consent type.
func (c Consent) covers(need string) bool {
	if !c.Training {
		return false
	}
	switch need {
	case schemas.ConsentGuardian:
		return c.Type == schemas.ConsentGuardian
	case schemas.ConsentSeparate:
		return c.Type == schemas.ConsentSeparate || c.Type == schemas.ConsentGuardian
	}
	return true
}

// withdrawnBy reports whether c was withdrawn at or before t.
func (c Consent) withdrawnBy(t time.Time) bool {
	return !c.Withdrawn.IsZero() && !c.Withdrawn.After(t)
}

// ParseConsent parses a record's consent field value (raw JSON object or a
// bare boolean) for the given scope. ok is false when the value is not
// understood (treated as no consent).
func ParseConsent(raw, scope string) (c Consent, ok bool) {
	raw = strings.TrimSpace(raw)
	// Only a value of at most 7 bytes can lower-case to one of these (the
	// only runes from U+0080 up that lower-case to ASCII give 'i' and 'k'):
	// a consent object is not lower-cased whole on every record.
	if len(raw) <= len(`"false"`) {
		switch strings.ToLower(raw) {
		case "true", `"true"`, "yes", `"yes"`, "1":
			return Consent{Training: true, Type: schemas.ConsentGeneral}, true
		case "false", `"false"`, "no", `"no"`, "0", "", "null":
			return Consent{}, raw != ""
		}
	}
	o, err := schemas.ReadConsentObject(raw)
	if err != nil || !o.Known() {
		return Consent{}, false // not a JSON object, or one prov reads nothing from
	}
	return consentOf(o, scope)
}

// consentOf decides what the consent object f grants for scope. Every
// statement must agree: a training flag, the scope list (when given, scope
// must be in it), the refusal flags and the status. An object that says
// none of these is general use. A value prov cannot read (a wrong type, an
// unknown status or consent type) makes the consent not understood: no
// consent.
func consentOf(f schemas.ConsentObject, scope string) (Consent, bool) {
	c := Consent{Type: strings.ToLower(f.Type), ID: f.ID, Training: true}
	if f.Training != nil {
		c.Training = *f.Training
	}
	if f.Scopes != nil {
		listed := false
		for _, s := range f.Scopes {
			if strings.EqualFold(strings.TrimSpace(s), scope) {
				listed = true
			}
		}
		c.Training = c.Training && listed
	}
	if f.FlagRefused() {
		c.Training = false
	}
	ok := !f.Unreadable()
	withdrawn := f.FlagWithdrawn()
	switch schemas.ConsentStatus(f.Status) {
	case schemas.StatusRefused:
		c.Training = false
	case schemas.StatusWithdrawn:
		withdrawn = true
	case schemas.StatusUnknown:
		ok = false
	}
	if c.Type == "" {
		c.Type = schemas.ConsentGeneral
	}
	switch c.Type {
	case schemas.ConsentGeneral, schemas.ConsentSeparate, schemas.ConsentGuardian:
	default:
		ok = false
	}
	if !ok {
		c.Training = false
	}
	var err error
	if f.GrantedAt != "" {
		if c.Granted, err = parseTime(f.GrantedAt); err != nil {
			ok = false
		}
	}
	if f.WithdrawnAt != "" {
		if c.Withdrawn, err = parseTime(f.WithdrawnAt); err != nil {
			ok = false
			// an unreadable withdrawal date is treated as withdrawn long ago:
			// failing safe for the data subject
			c.Withdrawn = time.Unix(0, 0).UTC()
		}
	} else if withdrawn {
		c.Withdrawn = time.Unix(0, 0).UTC() // withdrawn, no date given: long ago
	}
	return c, ok
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("parsing time %q: want RFC 3339", s)
}

// registryRow is one row of the consent registry (JSONL object or Parquet
// row); the JSON tags are the logical column names (schemas.ConsentColumns),
// which a schemas.Columns map renames.
type registryRow struct {
	SubjectID   string   `json:"subject_id" parquet:"subject_id"`
	Scopes      []string `json:"scopes" parquet:"scopes,list"`
	Type        string   `json:"type" parquet:"type"`
	ID          string   `json:"id" parquet:"id,optional"`
	GrantedAt   string   `json:"granted_at" parquet:"granted_at,optional"`
	WithdrawnAt string   `json:"withdrawn_at" parquet:"withdrawn_at,optional"`
}

// Registry maps subject ids to their current consent.
type Registry map[string]Consent

// LoadRegistry reads a consent registry whose columns carry their own
// names (LoadRegistryColumns with no column map).
func LoadRegistry(r io.Reader, name, scope string) (Registry, error) {
	return LoadRegistryColumns(r, name, scope, nil)
}

// LoadRegistryColumns reads a consent registry (JSONL, or Parquet when the
// data starts with the PAR1 magic) whose columns are named as cols says
// (pii.consent_registry_columns). For a subject with several rows, the row
// granted or withdrawn last wins. name is used in errors, which name the
// line (JSONL) or row (Parquet) and the column.
func LoadRegistryColumns(r io.Reader, name, scope string, cols schemas.Columns) (Registry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading consent registry %s: %w", name, err)
	}
	var rows []registryRow
	lines := []int(nil)
	if bytes.HasPrefix(data, []byte("PAR1")) {
		rows, err = readParquetRows(data, cols)
		if err != nil {
			return nil, fmt.Errorf("reading consent registry %s: %w: %w", name, ErrRegistry, err)
		}
	} else {
		cr := cols.Reader(schemas.ConsentColumns)
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for line := 1; sc.Scan(); line++ {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var row registryRow
			if err := cr.DecodeJSON(b, &row); err != nil {
				return nil, fmt.Errorf("parsing consent registry %s line %d: %w: %w", name, line, ErrRegistry, err)
			}
			if row.SubjectID == "" {
				return nil, fmt.Errorf("parsing consent registry %s line %d: %w: column %q (subject_id) is empty or missing", name, line, ErrRegistry, cols.Column("subject_id"))
			}
			rows = append(rows, row)
			lines = append(lines, line)
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("reading consent registry %s: %w", name, err)
		}
	}
	reg := Registry{}
	for i, row := range rows {
		if row.SubjectID == "" { // a Parquet row (JSONL lines are checked above)
			return nil, fmt.Errorf("parsing consent registry %s row %d: %w: column %q (subject_id) is empty or missing", name, i+1, ErrRegistry, cols.Column("subject_id"))
		}
		f := schemas.ConsentObject{Scopes: row.Scopes, Type: row.Type, ID: row.ID, GrantedAt: row.GrantedAt, WithdrawnAt: row.WithdrawnAt}
		if row.Scopes == nil {
			f.Scopes = []string{}
		}
		c, ok := consentOf(f, scope)
		if !ok {
			where := fmt.Sprintf("row %d", i+1)
			if lines != nil {
				where = fmt.Sprintf("line %d", lines[i])
			}
			return nil, fmt.Errorf("parsing consent registry %s %s (subject key omitted): %w: %s", name, where, ErrRegistry, badConsentColumns(f, cols))
		}
		if old, seen := reg[row.SubjectID]; seen && lastEvent(old).After(lastEvent(c)) {
			continue
		}
		reg[row.SubjectID] = c
	}
	return reg, nil
}

// badConsentColumns names the columns of a row that f.consent rejected.
func badConsentColumns(f schemas.ConsentObject, cols schemas.Columns) string {
	var bad []string
	switch strings.ToLower(f.Type) {
	case "", schemas.ConsentGeneral, schemas.ConsentSeparate, schemas.ConsentGuardian:
	default:
		bad = append(bad, fmt.Sprintf("column %q (type) is not general, separate or guardian", cols.Column("type")))
	}
	if f.GrantedAt != "" {
		if _, err := parseTime(f.GrantedAt); err != nil {
			bad = append(bad, fmt.Sprintf("column %q (granted_at) is not a time", cols.Column("granted_at")))
		}
	}
	if f.WithdrawnAt != "" {
		if _, err := parseTime(f.WithdrawnAt); err != nil {
			bad = append(bad, fmt.Sprintf("column %q (withdrawn_at) is not a time", cols.Column("withdrawn_at")))
		}
	}
	if len(bad) == 0 {
		return "bad type or time"
	}
	return strings.Join(bad, "; ")
}

func lastEvent(c Consent) time.Time {
	if c.Withdrawn.After(c.Granted) {
		return c.Withdrawn
	}
	return c.Granted
}

// readParquetRows reads registry rows from a Parquet file whose columns
// are named as cols says, turning a library panic into an error.
func readParquetRows(data []byte, cols schemas.Columns) (rows []registryRow, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoding parquet: %v", p)
		}
	}()
	if len(cols) == 0 {
		rows, err = parquet.Read[registryRow](bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("decoding parquet: %w", err)
		}
		return rows, nil
	}
	// The same struct with the file's column names in its parquet tags:
	// parquet-go converts the file's schema to it.
	rt := reflect.TypeFor[registryRow]()
	fields := make([]reflect.StructField, rt.NumField())
	for i := range fields {
		f := rt.Field(i)
		tag := f.Tag.Get("parquet")
		logical, opts, _ := strings.Cut(tag, ",")
		if opts != "" {
			opts = "," + opts
		}
		f.Tag = reflect.StructTag(fmt.Sprintf(`parquet:%q`, cols.Column(logical)+opts))
		fields[i] = f
	}
	dyn := reflect.StructOf(fields)
	pr := parquet.NewReader(bytes.NewReader(data))
	defer func() { _ = pr.Close() }()
	for i := 1; ; i++ {
		v := reflect.New(dyn)
		if err := pr.Read(v.Interface()); err != nil {
			if errors.Is(err, io.EOF) {
				return rows, nil
			}
			return nil, fmt.Errorf("decoding parquet row %d: %w", i, err)
		}
		rows = append(rows, v.Elem().Convert(rt).Interface().(registryRow))
	}
}

// openRegistry loads the registry named by the policy through env.Open.
func openRegistry(ctx context.Context, open func(context.Context, string) (io.ReadCloser, error), key, scope string, cols schemas.Columns) (Registry, error) {
	if key == "" {
		return Registry{}, nil
	}
	if open == nil {
		return nil, fmt.Errorf("opening consent registry %s: %w: no store to open it from", key, ErrRegistry)
	}
	rc, err := open(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("opening consent registry %s: %w", key, err)
	}
	defer func() { _ = rc.Close() }()
	return LoadRegistryColumns(rc, key, scope, cols)
}
