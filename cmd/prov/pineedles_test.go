package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/prov-ai/prov/objstore"
	"github.com/prov-ai/prov/schemas"
	"github.com/prov-ai/prov/version"
)

// piNeedles are identifiers planted in every place a record or an object
// can carry them. The list is the test's own: each needle is a string that
// must never appear in any output (the ASCII spelling of the full-width
// phone included), whatever the detector finds.
var piNeedles = []string{
	"zhao.liu.needle@example.com", // e-mail
	"13912345678",                 // mainland mobile
	"１３７１２３４５６７８",                 // full-width mobile ...
	"13712345678",                 // ... and its ASCII spelling
	"11010519491231002X",          // resident ID (valid check digit)
	"li.na.needle",                // local part of an e-mail percent-encoded in a URL
	"wang.wei.key@example.net",    // e-mail in an object key
	"13612345678",                 // phone in an object key
	"13512345678",                 // phone glued to a path segment in a label
	"13312345678",                 // ... and in an object key's folder
	// written with +86 / 0086, spaces and dashes (each also in ASCII
	// digits only, the form a normaliser would write)
	"139 1111 2222", "13911112222",
	"139-2222-3333", "13922223333",
	"138-4444-5555", "13844445555",
	"chen.jie.needle",    // e-mail in a URL path
	"sun.mei.needle",     // e-mail in a query string
	"44030119850615018x", // resident ID, lower-case check character
	"44030119850615018X", // ... and upper-cased
	"13655556666",        // nested unmapped field of a chat record
	"gao.fei.needle",     // ... and an e-mail in a list there
	"44030119850615018",  // ID in an alpaca record's nested field (prefix of the above)
	"qian.ann.needle",    // annotator
	"13577778888",        // label
	"parquet.col.needle", // e-mail in a Parquet column
	"13677778888",        // phone in an unmapped Parquet column
	"13988887777",        // phone glued into a record id
	// object keys of the forms the detector's prose rules miss
	"13600001111", "13600002222", "13600003333", "zhou.key.needle", "13600004444",
	"136 0000 5555", "13600005555", "１３６００００６６６６", "13600006666",
	"136-0000-7777", "13600007777", "44030119850615018x",
}

// piKeys are more object keys holding PI (see piNeedles), each holding one
// plain record.
var piKeys = []string{
	"pi/users/batch 13600001111/part-0.jsonl",
	"pi/id13600002222x/a.jsonl",
	"pi/u_13600003333.jsonl",
	"pi/zhou.key.needle@example.com.jsonl",
	"pi/13600004444-chat.jsonl",
	"pi/+86 136 0000 5555.jsonl",
	"pi/１３６００００６６６６.jsonl",
	"pi/ID44030119850615018x.jsonl",
	"pi/0086-136-0000-7777/a.jsonl",
	"pichat/u_13600001111/chat.jsonl",
}

// needleKey is the object key holding PI.
const needleKey = "pi/users/v2/13312345678/wang.wei.key@example.net-13612345678.jsonl"

func needleCorpus(t *testing.T) string {
	t.Helper()
	corpus := filepath.Join(t.TempDir(), "corpus")
	copyAux(t, corpus)
	lines := []string{
		// PI in the licence field (quoted by the licence stage's evidence),
		// the id, the url (percent-encoded e-mail), the subject id, the
		// labels and an unmapped field; the text itself is plain.
		`{"text":"A plain sentence about museums and the weather.","id":"rec-zhao.liu.needle@example.com",` +
			`"url":"https://forum.example.cn/u?mail=li.na.needle%40example.org","licence":"MIT contact zhao.liu.needle@example.com",` +
			`"user":"13912345678","extra":"call １３７１２３４５６７８ or 11010519491231002X",` +
			`"annotation":{"rule_version":"helpful-v1","batch":"zhao.liu.needle@example.com","task":"functional","labels":[{"label":"zhao.liu.needle@example.com","annotator":"ann-04","at":"2024-10-21T10:45:00Z"},{"label":"v1/13512345678","annotator":"ann-04","at":"2024-10-21T10:46:00Z"}]}}`,
		// PI in the text: redacted.
		`{"text":"请联系 13912345678 或 zhao.liu.needle@example.com，身份证 11010519491231002X，电话 １３７１２３４５６７８。","id":"rec-2","licence":"CC-BY-4.0"}`,
		// A line that does not parse: quarantined with its reason.
		`{"text":"broken 13912345678 zhao.liu.needle@example.com 11010519491231002X`,
	}
	p := filepath.Join(corpus, filepath.FromSlash(needleKey))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	more := []string{
		`{"text":"Phones +86 139 1111 2222, 0086-139-2222-3333 and 138-4444-5555.","id":"u13988887777"}`,
		`{"text":"See https://example.com/u/chen.jie.needle@example.com/profile or https://example.com/c?to=sun.mei.needle@example.org&ref=1","id":"rec-5"}`,
		`{"text":"A plain line.","id":"rec-6","licence":"MIT id 44030119850615018x","user":"44030119850615018x",` +
			`"annotation":{"rule_version":"helpful-v1","batch":"b1","task":"functional","labels":[{"label":"call 13577778888","annotator":"qian.ann.needle@example.com","at":"2024-10-21T10:45:00Z"}]}}`,
	}
	for _, k := range piKeys {
		p := filepath.Join(corpus, filepath.FromSlash(k))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		body := `{"text":"A plain record under a key holding PI.","id":"k"}` + "\n"
		if k == piKeys[0] {
			body = strings.Join(more, "\n") + "\n"
		}
		if strings.HasPrefix(k, "pichat/") {
			body = `{"messages":[{"role":"user","content":"How is the weather?"},{"role":"assistant","content":"Fine."}],` +
				`"meta":{"contact":{"phone":"13655556666","emails":["gao.fei.needle@example.com"]}}}` + "\n"
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	alpaca := filepath.Join(corpus, "pialpaca", "a.jsonl")
	if err := os.MkdirAll(filepath.Dir(alpaca), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(alpaca, []byte(`{"instruction":"Summarise.","input":"A plain text.","output":"Plain.",`+
		`"extra":{"nested":[{"id":"44030119850615018x","mail":"gao.fei.needle@example.com"}]}}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// PI in Parquet columns, mapped (user) and unmapped (extra).
	type pqRow struct {
		Text  string `parquet:"text"`
		ID    string `parquet:"id"`
		User  string `parquet:"user"`
		Extra string `parquet:"extra"`
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []pqRow{{Text: "A plain parquet row.", ID: "pq-1", User: "parquet.col.needle@example.com", Extra: "13677778888"},
		{Text: "Mail parquet.col.needle@example.com now", ID: "pq-2", User: "u2", Extra: "x"}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(corpus, "pi", "table.parquet"), pq.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// A second object without PI in its key, with PI in the text, so the
	// sample has records to draw from either way.
	plain := filepath.Join(corpus, "pi", "plain.jsonl")
	if err := os.WriteFile(plain, []byte(lines[1]+"\n"+`{"text":"Another plain sentence.","id":"rec-3"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return corpus
}

// findNeedle returns the first needle in s, or "".
func findNeedle(s string) string {
	for _, n := range piNeedles {
		if strings.Contains(s, n) {
			return n
		}
	}
	return ""
}

// parquetRows renders the rows of a findings or metrics file as JSON (the
// files are compressed: grepping their bytes would prove nothing).
func parquetRows(t *testing.T, out objstore.Store, key string) string {
	t.Helper()
	parts := strings.Split(key, "/")
	if len(parts) != 3 {
		t.Fatalf("unexpected parquet key %s", key)
	}
	var b strings.Builder
	ctx := context.Background()
	switch parts[2] {
	case version.Findings:
		if err := version.EachFinding(ctx, out, parts[0], parts[1], func(f *schemas.Finding) error {
			j, _ := json.Marshal(f)
			b.Write(j)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	case version.Metrics:
		ms, err := version.ReadMetrics(ctx, out, parts[0], parts[1])
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(ms)
		b.Write(j)
	case version.Duplicates:
		if err := version.EachDuplicate(ctx, out, parts[0], parts[1], func(d *schemas.Duplicate) error {
			j, _ := json.Marshal(d)
			b.Write(j)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unexpected parquet file %s", key)
	}
	return b.String()
}

// TestPINeverInClear plants the needles and runs the CLI end to end (run at
// debug level, show, exports, assess sample, serve): no output file,
// response or log line holds any of them, and `assess sample` masks PI
// unless --include-pi.
func TestPINeverInClear(t *testing.T) {
	corpus := needleCorpus(t)
	// Dataset "bad" maps every field (labels too, so its records are
	// quarantined as mislabelled); "pisample" maps no labels, so records
	// are admitted or redacted and the review sample has text to mask.
	fields := "      id: id\n      url: url\n      licence: licence\n      subject_id: user\n      labels: annotation\n" +
		"  - name: pisample\n    inputs:\n      - prefix: \"pi/\"\n        source: bad-input\n    fields:\n      text: text\n      id: id\n      subject_id: user\n" +
		"  - name: pichat\n    shape: openai-chat\n    inputs:\n      - prefix: \"pichat/\"\n        source: bad-input\n" +
		"  - name: pialpaca\n    shape: alpaca\n    inputs:\n      - prefix: \"pialpaca/\"\n        source: bad-input\n"
	cfg, dir := badConfig(t, "file://"+corpus, "pi/", fields)
	if _, stderr, code := prov(t, nil, "-c", cfg, "keygen"); code != 0 {
		t.Fatalf("keygen: %s", stderr)
	}
	var seen []string // outputs checked, for the log
	check := func(what, s string) {
		t.Helper()
		seen = append(seen, what)
		if n := findNeedle(s); n != "" {
			i := strings.Index(s, n)
			t.Errorf("%s holds %q in clear: ...%s...", what, n, s[max(0, i-120):min(len(s), i+len(n)+40)])
		}
	}
	stdout, stderr, code := prov(t, nil, "-c", cfg, "--log-level", "debug", "run", "-o", "json")
	if code != 0 && code != 3 {
		t.Fatalf("prov run: exit %d\n%s\n%s", code, stdout, tail(stderr, 3000))
	}
	check("prov run stdout", stdout)
	check("prov run debug log", stderr)
	var r runJSON
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || len(r.Datasets) != 4 {
		t.Fatalf("prov run -o json: %v\n%s", err, stdout)
	}
	d, ds := r.Datasets[0], r.Datasets[1]
	if ds.Counts.Quarantine == 0 || ds.Counts.Redact == 0 {
		t.Errorf("pisample counts %+v: want the broken line quarantined and the PI text redacted", ds.Counts)
	}

	// Every file of the output store and the ledger.
	ctx := context.Background()
	out, err := objstore.Open(ctx, filepath.Join(dir, "out"), schemas.S3Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, root := range []string{filepath.Join(dir, "out"), filepath.Join(dir, "ledger")} {
		err := filepath.WalkDir(root, func(p string, de os.DirEntry, err error) error {
			if err != nil || !de.Type().IsRegular() {
				return err
			}
			if strings.HasSuffix(p, ".parquet") {
				rel, _ := filepath.Rel(filepath.Join(dir, "out"), p)
				check(rel+" (rows)", parquetRows(t, out, filepath.ToSlash(rel)))
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			check(p, string(b))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// The key's PI is reported by a finding that names types and offsets.
	found := false
	if err := version.EachFinding(ctx, out, d.Name, d.Version, func(f *schemas.Finding) error {
		if f.RuleID == "CN-IM-11" && strings.Contains(f.Evidence, "object key holds") {
			found = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Error("no finding reports the PI in the object key")
	}

	sref := ds.Name + "@" + ds.Version
	var cmds [][]string
	certified, maskedRehashed := 0, 0
	for _, dd := range r.Datasets {
		rf := dd.Name + "@" + dd.Version
		cmds = append(cmds, []string{"show", rf}, []string{"show", rf, "-o", "json"}, []string{"export", "openlineage", rf},
			[]string{"export", "croissant", rf}, []string{"export", "summary", rf}, []string{"lineage", "dataset", rf},
			[]string{"lineage", "dataset", rf, "-o", "json"})
		// Level 3 re-reads every object, those under a masked key too,
		// without the subject-key secret.
		if dd.Outputs.Certificate != "" {
			certified++
			cmds = append(cmds, []string{"cert", "verify", filepath.Dir(strings.TrimPrefix(dd.Outputs.Certificate, "file://")), "--rehash"})
		}
	}
	if certified == 0 {
		t.Error("no dataset of the needle run was certified: --rehash over masked keys is not exercised")
	}
	cmds = append(cmds, []string{"lineage", "impact", "--source", "bad-input"}, []string{"ledger", "verify"},
		[]string{"assess", "sample", sref}, []string{"assess", "sample", sref, "--format", "csv"})
	for _, args := range cmds {
		stdout, stderr, code := prov(t, nil, append([]string{"-c", cfg, "--log-level", "debug"}, args...)...)
		if code != 0 && code != 3 {
			t.Fatalf("prov %s: exit %d\n%s\n%s", strings.Join(args, " "), code, stdout, tail(stderr, 3000))
		}
		check("prov "+strings.Join(args, " "), stdout+stderr)
		if args[0] == "cert" {
			if code != 0 {
				t.Errorf("prov %s: exit %d\n%s", strings.Join(args, " "), code, stdout)
			}
			if strings.Contains(stdout, "the key is masked") {
				maskedRehashed++
			}
		}
	}
	if maskedRehashed == 0 {
		t.Error("no cert verify --rehash re-read an object under a masked key")
	}
	// An object under a masked key that changed fails level 3 by name
	// (masked), never a silent pass.
	for _, dd := range r.Datasets {
		if dd.Name != "pichat" || dd.Outputs.Certificate == "" {
			continue
		}
		k := filepath.Join(corpus, filepath.FromSlash(piKeys[len(piKeys)-1]))
		b, err := os.ReadFile(k)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(k, bytes.Replace(b, []byte("weather"), []byte("Weather"), 1), 0o644); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := prov(t, nil, "-c", cfg, "cert", "verify", filepath.Dir(strings.TrimPrefix(dd.Outputs.Certificate, "file://")), "--rehash")
		check("cert verify --rehash of a changed object under a masked key", stdout+stderr)
		if code == 0 || !strings.Contains(stdout, "no object in the store matches its clear parts") {
			t.Errorf("a changed object under a masked key: exit %d\n%s", code, stdout)
		}
		if err := os.WriteFile(k, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The sample masks by type, and --include-pi is the explicit way to
	// get the text as it is.
	stdout, _, _ = prov(t, nil, "-c", cfg, "assess", "sample", sref)
	if !strings.Contains(stdout, "[PHONE]") || !strings.Contains(stdout, "[EMAIL]") {
		t.Errorf("assess sample does not mask by type:\n%s", stdout)
	}
	stdout, _, code = prov(t, nil, "-c", cfg, "assess", "sample", sref, "--include-pi")
	if code != 0 || findNeedle(stdout) == "" {
		t.Errorf("assess sample --include-pi: exit %d, no PI in:\n%s", code, stdout)
	}

	// The operator names an object by its real URI: revoke and lineage
	// object mask it as runs do, so the revocation matches (and the
	// ledger never holds the key in clear).
	realURI := "file://" + filepath.Join(corpus, filepath.FromSlash(needleKey))
	stdout, stderr, code = prov(t, nil, "-c", cfg, "revoke", "--object", realURI, "--reason", "erasure request")
	check("prov revoke --object", stdout+stderr)
	if code != 0 {
		t.Errorf("revoke --object: exit %d\n%s", code, stderr)
	}
	stdout, stderr, code = prov(t, nil, "-c", cfg, "lineage", "object", realURI)
	check("prov lineage object", stdout+stderr)
	if code != 0 || !strings.Contains(stdout, "REVOKED") {
		t.Errorf("lineage object by the real URI after revoke: exit %d\n%s\n%s", code, stdout, stderr)
	}

	t.Run("serve", func(t *testing.T) {
		base := startServe(t, []string{"PROV_SERVE_TOKEN="}, "-c", cfg, "--log-level", "debug", "serve", "--addr", "127.0.0.1:0")
		get := func(path string) string {
			resp, err := http.Get(base + strings.TrimPrefix(path, "/"))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			check("GET "+path, string(b))
			return string(b)
		}
		get("/api/v1/datasets")
		get("/api/v1/sources/bad-input/impact")
		get("/api/v1/checkpoints")
		for _, dd := range r.Datasets {
			v := "/api/v1/datasets/" + dd.Name + "/versions/" + dd.Version
			for _, p := range []string{"/api/v1/datasets/" + dd.Name, "/api/v1/datasets/" + dd.Name + "/runs",
				v, v + "/metrics", v + "/findings", v + "/graph", v + "/certificate"} {
				get(p)
			}
		}
		var ck struct {
			Size int `json:"tree_size"`
		}
		_ = json.Unmarshal([]byte(get("/api/v1/checkpoints/latest")), &ck)
		for i := range ck.Size {
			get(fmt.Sprintf("/api/v1/entries/%d", i))
		}
	})
	t.Logf("checked %d outputs", len(seen))
}
