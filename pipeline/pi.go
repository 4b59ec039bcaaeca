package pipeline

import (
	"net/url"
	"strconv"
	"strings"
	"unsafe"

	"github.com/prov-ai/prov/pipeline/readers"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/stages"
	"github.com/prov-ai/prov/stages/pii"
)

// Personal information never leaves the pipeline in clear, whatever field
// or key carries it. Two places see text that did not come from a stage's
// own vocabulary and could quote it:
//
//   - a finding's Message and Evidence, and a record's attribution: stages
//     may quote a field value ("parsing licence expression ..."); piScrub
//     replaces every identifier the PI detector finds in them, and the
//     record's raw subject id, by its keyed-hash form;
//   - an object key (users/zhao.liu@example.com-138....jsonl): maskKey
//     gives the form shown everywhere the key leaves the pipeline (manifest,
//     findings, ledger, exports, API, logs).
//
// The keyed-hash form is pii.Mask's "[TYPE:h]", h the first 16 hex digits
// of the subject key (HMAC under the ledger secret) of the normalised
// identifier: equal identifiers give equal forms.

// piMask is pii.ScrubMask (see there): the scrubbing threshold
// (pii.ScrubMinScore) and the object-key rule, for text prov writes from
// values it saw.
func piMask(s, subject string, key func(kind, value string) string) (string, []pii.Entity, bool) {
	out, ents := pii.ScrubMask(s, subject, key)
	return out, ents, out != s
}

// scrubFinding applies piMask to a finding's Message and Evidence.
func (rc *runCtx) scrubFinding(f *schemas.Finding, subject string) {
	f.Message, _, _ = piMask(f.Message, subject, rc.subjectKey)
	f.Evidence, _, _ = piMask(f.Evidence, subject, rc.subjectKey)
}

// scrubCache is piMask for the findings of one object's records, with the
// outputs of the last strings masked remembered: a stage's messages and
// evidence come mostly from its vocabulary, the same few strings (often
// the same string data, which compares without reading it) for most
// records. A string that holds the record's subject id (of at least 3
// bytes, what pii.ScrubMask replaces) is masked afresh; any other string's
// output depends on it alone (the subject-key function is a keyed hash),
// so a remembered output is exactly what piMask returns. Strings seen
// once (a message quoting a record's figures) cost what piMask costs.
type scrubCache struct {
	key    func(kind, value string) string
	recent [16]scrubEntry
	next   int
}

// scrubEntry is a string masked and its output.
type scrubEntry struct{ in, out string }

func newScrubCache(key func(kind, value string) string) *scrubCache {
	return &scrubCache{key: key}
}

// mask returns piMask(s, subject, c.key)'s text. text is the record's
// text: a string remembered is never a view of it (see detach).
func (c *scrubCache) mask(s, subject, text string) string {
	if s == "" {
		return s
	}
	if len(subject) >= 3 && strings.Contains(s, subject) {
		out, _, _ := piMask(s, subject, c.key)
		return out
	}
	for i := range c.recent {
		if e := &c.recent[i]; len(e.in) == len(s) && e.in == s {
			return e.out
		}
	}
	out, _, changed := piMask(s, "", c.key)
	e := scrubEntry{in: detach(s, text), out: out}
	if !changed {
		e.out = e.in
	}
	c.recent[c.next] = e
	c.next = (c.next + 1) % len(c.recent)
	return e.out
}

// textMode is how readObject asks the readers for a record's text: viewed,
// not copied (readers.TextViewed). Tests poison it.
var textMode = readers.TextViewed

// detach returns s, or a copy of s when its bytes are part of the text
// view (readers.TextViewed), which is overwritten after its record.
func detach(s, view string) string {
	if len(s) == 0 || len(view) == 0 {
		return s
	}
	p, v := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(view)))
	if p >= v && p < v+uintptr(len(view)) {
		return strings.Clone(s)
	}
	return s
}

// maskedKey is an object key as shown outside the pipeline, and the
// identifiers it held.
type maskedKey struct {
	key  string
	ents []pii.Entity
	real string
}

// maskKey returns the display form of an object key (itself when it holds
// no identifier), by pii.MaskKey's key-specific rule. The object is still
// read under its real key. The locator digest of an unreadable line
// (schemas.Record.LedgerDigest) hashes the key as shown: a digest of the
// real key could be matched against a dictionary of phone numbers, and
// `cert verify --rehash` recomputes it from the manifest's key.
func (rc *runCtx) maskKey(key string) maskedKey {
	m, ents := pii.MaskKey(key, rc.subjectKey)
	return maskedKey{key: m, ents: ents, real: key}
}

// scrub replaces the real key in s (an error message from the store or a
// reader, which may name the object by its key or path) by the masked one.
func (mk maskedKey) scrub(s string) string {
	if len(mk.ents) == 0 || mk.real == "" {
		return s
	}
	s = strings.ReplaceAll(s, mk.real, mk.key)
	// S3 errors quote the request URL, where the key is escaped
	for _, esc := range []string{url.PathEscape(mk.real), url.QueryEscape(mk.real),
		strings.ReplaceAll(url.PathEscape(mk.real), "%2F", "/")} {
		if esc != mk.real {
			s = strings.ReplaceAll(s, esc, mk.key)
		}
	}
	return s
}

// keyError is an error whose message names an object by its masked key;
// errors.Is and errors.As see the original.
type keyError struct {
	err error
	mk  maskedKey
}

func (e keyError) Error() string { return e.mk.scrub(e.err.Error()) }
func (e keyError) Unwrap() error { return e.err }

// wrap returns err with the real key in its message masked (err itself
// when the key holds no identifier).
func (mk maskedKey) wrap(err error) error {
	if err == nil || len(mk.ents) == 0 {
		return err
	}
	return keyError{err: err, mk: mk}
}

// keyFinding is the finding of an object whose key holds personal
// information: it names the types and the offsets in the key, never the
// values.
func keyFinding(mk maskedKey) schemas.Finding {
	var ev strings.Builder
	ev.WriteString("object key holds")
	for i, e := range mk.ents {
		if i > 0 {
			ev.WriteByte(',')
		}
		ev.WriteString(" " + e.Type + " at " + spanOf(e))
	}
	return schemas.Finding{RuleID: pii.RuleNoClearPI, Stage: "read", Severity: schemas.SeverityWarning,
		Verdict:  schemas.Admit.String(),
		Message:  "the object key holds personal information: it is shown in keyed-hash form in every output",
		Evidence: ev.String()}
}

func spanOf(e pii.Entity) string {
	return strconv.Itoa(e.Start) + "-" + strconv.Itoa(e.End)
}

// scrubConclusion masks the identifiers in what the stages concluded for a
// dataset: dataset-level findings, rule lines (scope, detail) and metric
// dimensions are built from values the stages aggregated (annotation batch
// names, source ids) and must not carry PI either.
func (rc *runCtx) scrubConclusion(c *stages.Conclusion) {
	for i := range c.Findings {
		rc.scrubFinding(&c.Findings[i], "")
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		r.Scope, _, _ = piMask(r.Scope, "", rc.subjectKey)
		r.Detail, _, _ = piMask(r.Detail, "", rc.subjectKey)
	}
	for i := range c.Metrics {
		m := &c.Metrics[i]
		m.Dimension, _, _ = piMask(m.Dimension, "", rc.subjectKey)
	}
}
