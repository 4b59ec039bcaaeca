package serve

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/prov-ai/prov/lineage"
	"github.com/prov-ai/prov/schemas"
)

func vpath(w *world, v string, suffix string) string {
	return "/api/v1/datasets/chat/versions/" + v + suffix
}

// TestEndpoints calls every GET endpoint once and checks the status and one
// fact of the answer.
func TestEndpoints(t *testing.T) {
	w := sharedWorld(t)
	v1, v2 := w.v1.Version, w.v2.Version
	if v1 == v2 {
		t.Fatalf("the two runs sealed one version %s", v1)
	}
	objURI := w.out.URI("")
	_ = objURI
	tests := []struct {
		name   string
		target string
		status int
		check  func(t *testing.T, body []byte)
	}{
		{"datasets", "/api/v1/datasets", 200, func(t *testing.T, b []byte) {
			var dl DatasetList
			mustJSON(t, b, &dl)
			if len(dl.Datasets) != 2 || dl.Datasets[0].Name != "chat" || len(dl.Datasets[0].Versions) != 2 {
				t.Fatalf("datasets = %+v", dl.Datasets)
			}
			if len(dl.Datasets[1].Versions) != 0 {
				t.Errorf("dataset empty has versions: %+v", dl.Datasets[1])
			}
			c := dl.Datasets[0].Versions[1].Certificate
			if c == nil || c.Status != lineage.StatusValid {
				t.Errorf("latest version certificate = %+v, want valid", c)
			}
			if c := dl.Datasets[0].Versions[0].Certificate; c == nil || c.Status != lineage.StatusSuperseded {
				t.Errorf("first version certificate = %+v, want superseded", c)
			}
		}},
		{"dataset", "/api/v1/datasets/chat", 200, func(t *testing.T, b []byte) {
			var d lineage.DatasetInfo
			mustJSON(t, b, &d)
			if len(d.Versions) != 2 || d.Versions[1].Supersedes != v1 {
				t.Fatalf("versions = %+v", d.Versions)
			}
		}},
		{"dataset missing", "/api/v1/datasets/nope", 404, nil},
		{"runs", "/api/v1/datasets/chat/runs", 200, func(t *testing.T, b []byte) {
			var r struct{ Runs []RunSummary }
			mustJSON(t, b, &r)
			if len(r.Runs) != 2 || r.Runs[0].Status != "ok" || !slices.Equal(r.Runs[1].Versions, []string{v2}) {
				t.Fatalf("runs = %+v", r.Runs)
			}
		}},
		{"diff", "/api/v1/datasets/chat/diff?from=" + v1 + "&to=" + v2, 200, func(t *testing.T, b []byte) {
			var d lineage.DiffInfo
			mustJSON(t, b, &d)
			if len(d.ObjectsAdded) != 1 || !strings.HasSuffix(d.ObjectsAdded[0], "/oss/c.jsonl") || d.RecordsAdded != 1 {
				t.Fatalf("diff = %+v", d)
			}
		}},
		{"diff without to", "/api/v1/datasets/chat/diff?from=" + v1, 400, nil},
		{"diff unknown version", "/api/v1/datasets/chat/diff?from=" + v1 + "&to=zzz", 404, nil},
		{"version", vpath(w, v1, ""), 200, func(t *testing.T, b []byte) {
			var d VersionDetail
			mustJSON(t, b, &d)
			if d.Manifest == nil || d.Manifest.Version != v1 || !d.ManifestMatchesLedger || d.FilesError != "" {
				t.Fatalf("version detail: manifest %v, matches %v, error %q", d.Manifest != nil, d.ManifestMatchesLedger, d.FilesError)
			}
			if d.Ledger.Counts != w.v1.Counts {
				t.Errorf("counts %+v, want %+v", d.Ledger.Counts, w.v1.Counts)
			}
			i := slices.IndexFunc(d.Rules, func(r RuleCount) bool { return r.RuleID == "TC260-5.1-a" })
			if i < 0 || d.Rules[i].Findings != 4 || d.Rules[i].Verdicts["reject"] != 4 {
				t.Errorf("finding counts = %+v, want 4 rejects of TC260-5.1-a", d.Rules)
			}
			if len(d.Bundle) != 4 {
				t.Errorf("bundle files = %v, want 4", d.Bundle)
			}
		}},
		{"version missing", vpath(w, "nope", ""), 404, nil},
		{"metrics", vpath(w, v1, "/metrics"), 200, func(t *testing.T, b []byte) {
			var m struct{ Metrics []schemas.Metric }
			mustJSON(t, b, &m)
			if m.Metrics == nil {
				t.Fatalf("metrics = nil")
			}
		}},
		{"certificate", vpath(w, v2, "/certificate"), 200, func(t *testing.T, b []byte) {
			var c CertificateDetail
			mustJSON(t, b, &c)
			if c.Latest.Status != lineage.StatusValid || c.Latest.Version != v2 || len(c.Bundle) != 4 {
				t.Fatalf("certificate = %+v", c)
			}
		}},
		{"bundle file", vpath(w, v2, "/bundle/manifest.json"), 200, func(t *testing.T, b []byte) {
			var m schemas.Manifest
			mustJSON(t, b, &m)
			if m.Version != v2 {
				t.Fatalf("manifest version %q", m.Version)
			}
		}},
		{"bundle file not in bundle", vpath(w, v2, "/bundle/findings.parquet"), 404, nil},
		{"object", "/api/v1/objects?uri=" + url.QueryEscape(w.out.URI("")[:0]+inURI(w, "web/a.jsonl")), 200, func(t *testing.T, b []byte) {
			var o lineage.ObjectInfo
			mustJSON(t, b, &o)
			if len(o.Ingested) != 1 || len(o.Ingested[0].Versions) != 2 {
				t.Fatalf("object = %+v", o)
			}
		}},
		{"object without uri", "/api/v1/objects", 400, nil},
		{"object missing", "/api/v1/objects?uri=file:///nope", 404, nil},
		{"record bad digest", "/api/v1/records/xyz", 400, nil},
		{"record missing", "/api/v1/records/" + strings.Repeat("ab", 32), 404, nil},
		{"impact", "/api/v1/sources/web/impact", 200, func(t *testing.T, b []byte) {
			var im lineage.ImpactInfo
			mustJSON(t, b, &im)
			if len(im.Objects) != 1 || len(im.Versions) != 2 || len(im.Certificates) != 2 {
				t.Fatalf("impact = %+v", im)
			}
		}},
		{"impact missing", "/api/v1/sources/nope/impact", 404, nil},
		{"entry", "/api/v1/entries/0", 200, func(t *testing.T, b []byte) {
			var e EntryDetail
			mustJSON(t, b, &e)
			if e.Kind != lineage.KindRunStarted || len(e.LeafHash) != 64 {
				t.Fatalf("entry = %+v", e)
			}
		}},
		{"entry beyond", "/api/v1/entries/100000", 404, nil},
		{"entry bad", "/api/v1/entries/x", 400, nil},
		{"checkpoints", "/api/v1/checkpoints", 200, func(t *testing.T, b []byte) {
			var c struct{ Checkpoints []CheckpointInfo }
			mustJSON(t, b, &c)
			if len(c.Checkpoints) == 0 || !c.Checkpoints[0].Verified {
				t.Fatalf("checkpoints = %+v", c)
			}
		}},
		{"latest checkpoint", "/api/v1/checkpoints/latest", 200, func(t *testing.T, b []byte) {
			var c CheckpointInfo
			mustJSON(t, b, &c)
			if c.Origin != "prov.test/ledger" || c.Size == 0 || len(c.Root) != 64 {
				t.Fatalf("checkpoint = %+v", c)
			}
		}},
		{"inclusion proof", "/api/v1/proofs/inclusion?leaf=1", 200, func(t *testing.T, b []byte) {
			var p ProofInfo
			mustJSON(t, b, &p)
			if p.Leaf == nil || *p.Leaf != 1 || p.TreeSize != w.l.Size() || len(p.Hashes) == 0 {
				t.Fatalf("proof = %+v", p)
			}
		}},
		{"inclusion proof without leaf", "/api/v1/proofs/inclusion", 400, nil},
		{"inclusion proof beyond", fmt.Sprintf("/api/v1/proofs/inclusion?leaf=%d", w.l.Size()), 400, nil},
		{"inclusion proof size beyond tree", fmt.Sprintf("/api/v1/proofs/inclusion?leaf=1&size=%d", w.l.Size()+1), 400, nil},
		{"inclusion proof tree_size beyond tree", fmt.Sprintf("/api/v1/proofs/inclusion?leaf=1&tree_size=%d", w.l.Size()+1), 400, nil},
		{"inclusion proof size and tree_size", "/api/v1/proofs/inclusion?leaf=1&size=3&tree_size=3", 400, nil},
		{"inclusion proof size", "/api/v1/proofs/inclusion?leaf=1&size=3", 200, func(t *testing.T, b []byte) {
			var p ProofInfo
			mustJSON(t, b, &p)
			if p.TreeSize != 3 {
				t.Fatalf("proof for size=3 has tree size %d", p.TreeSize)
			}
		}},
		{"consistency proof", "/api/v1/proofs/consistency?from=3", 200, func(t *testing.T, b []byte) {
			var p ProofInfo
			mustJSON(t, b, &p)
			if p.From != 3 || p.TreeSize != w.l.Size() || len(p.Hashes) == 0 {
				t.Fatalf("proof = %+v", p)
			}
		}},
		{"consistency proof bad", "/api/v1/proofs/consistency?from=0", 400, nil},
		{"unknown api route", "/api/v1/nope", 404, nil},
		{"bad as_of", "/api/v1/datasets?as_of=yesterday", 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, w.h, tc.target)
			if r.status != tc.status {
				t.Fatalf("GET %s: status %d, want %d: %s", tc.target, r.status, tc.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/") {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.status != 200 {
				var e struct {
					Error  string
					Status int
				}
				mustJSON(t, r.body, &e)
				if e.Status != tc.status || e.Error == "" {
					t.Errorf("error body %s", r.body)
				}
				return
			}
			if r.header.Get("ETag") == "" {
				t.Errorf("no ETag")
			}
			if tc.check != nil {
				tc.check(t, r.body)
			}
		})
	}
}

func inURI(w *world, key string) string { return "file://" + w.dir + "/in/" + key }

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
}

// TestRecordEndpoint looks up a record found through a subject.
func TestRecordEndpoint(t *testing.T) {
	w := sharedWorld(t)
	r := do(t, w.h, "POST", "/api/v1/subjects", strings.NewReader(`{"kind":"subject_id","value":"user-1"}`),
		map[string]string{"Content-Type": "application/json"})
	if r.status != 200 {
		t.Fatalf("subject: %d %s", r.status, r.body)
	}
	var s struct{ Subject lineage.SubjectInfo }
	r.decode(t, &s)
	if len(s.Subject.Records) == 0 {
		t.Fatal("no records")
	}
	d := s.Subject.Records[0].Digest
	rr := get(t, w.h, "/api/v1/records/"+d)
	if rr.status != 200 {
		t.Fatalf("record: %d %s", rr.status, rr.body)
	}
	var ri lineage.RecordInfo
	rr.decode(t, &ri)
	if ri.Digest != d || len(ri.Occurrences) == 0 {
		t.Fatalf("record = %+v", ri)
	}
	if rr2 := get(t, w.h, "/api/v1/records/sha256:"+d); rr2.status != 200 {
		t.Errorf("sha256: prefix: %d", rr2.status)
	}
}

// TestAsOf checks that as_of answers as the ledger stood.
func TestAsOf(t *testing.T) {
	w := sharedWorld(t)
	var all DatasetList
	get(t, w.h, "/api/v1/datasets").decode(t, &all)
	v1 := all.Datasets[0].Versions[0]
	// Just after the first seal: one version, no certificate yet.
	tests := []struct {
		asOf     string
		versions int
		cert     bool
	}{
		{"", 2, true},
		{fmt.Sprint(v1.Leaf + 1), 1, false},
		{fmt.Sprint(v1.Certificate.Leaf + 1), 1, true},
		{"1", 0, false},
		{"2026-02-01", 0, false},
		{"2027-01-01", 2, true},
	}
	for _, tc := range tests {
		t.Run("as_of="+tc.asOf, func(t *testing.T) {
			var dl DatasetList
			r := get(t, w.h, "/api/v1/datasets?as_of="+tc.asOf)
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			r.decode(t, &dl)
			vs := dl.Datasets[0].Versions
			if len(vs) != tc.versions {
				t.Fatalf("%d versions, want %d", len(vs), tc.versions)
			}
			if tc.versions > 0 && (vs[0].Certificate != nil) != tc.cert {
				t.Errorf("certificate %+v, want present=%v", vs[0].Certificate, tc.cert)
			}
			if tc.versions == 1 && vs[0].Certificate != nil && vs[0].Certificate.Status != lineage.StatusValid {
				t.Errorf("before v2 the v1 certificate is %s, want valid", vs[0].Certificate.Status)
			}
		})
	}
	t.Run("version before its seal", func(t *testing.T) {
		if r := get(t, w.h, vpath(w, w.v2.Version, "/graph?as_of="+fmt.Sprint(v1.Leaf+1))); r.status != 404 {
			t.Fatalf("status %d, want 404", r.status)
		}
	})
	t.Run("checkpoints", func(t *testing.T) {
		var c struct {
			TreeSize    uint64 `json:"tree_size"`
			Checkpoints []CheckpointInfo
		}
		get(t, w.h, "/api/v1/checkpoints?as_of="+fmt.Sprint(v1.Certificate.Leaf+1)).decode(t, &c)
		for _, ck := range c.Checkpoints {
			if ck.Size > c.TreeSize {
				t.Errorf("checkpoint of size %d in a view of size %d", ck.Size, c.TreeSize)
			}
		}
	})
}

// TestETag checks strong ETags and 304 answers.
func TestETag(t *testing.T) {
	w := sharedWorld(t)
	target := vpath(w, w.v1.Version, "/graph?depth=3")
	r := get(t, w.h, target)
	etag := r.header.Get("ETag")
	if r.status != 200 || len(etag) != 34 || etag[0] != '"' {
		t.Fatalf("status %d, ETag %q", r.status, etag)
	}
	tests := []struct {
		name, inm string
		status    int
	}{
		{"same", etag, 304},
		{"weak form", "W/" + etag, 304},
		{"in a list", `"x", ` + etag, 304},
		{"star", "*", 304},
		{"other", `"0123"`, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r2 := do(t, w.h, "GET", target, nil, map[string]string{"If-None-Match": tc.inm})
			if r2.status != tc.status {
				t.Fatalf("status %d, want %d", r2.status, tc.status)
			}
			if tc.status == 304 && len(r2.body) != 0 {
				t.Errorf("304 with a body")
			}
		})
	}
	t.Run("as_of changes the tag", func(t *testing.T) {
		r3 := get(t, w.h, "/api/v1/datasets")
		r4 := get(t, w.h, "/api/v1/datasets?as_of=3")
		if r3.header.Get("ETag") == r4.header.Get("ETag") {
			t.Fatal("different answers share an ETag")
		}
	})
}

// TestFindingsPagination pages through findings with every limit and
// filter and compares with the unpaginated answer.
func TestFindingsPagination(t *testing.T) {
	w := sharedWorld(t)
	base := vpath(w, w.v1.Version, "/findings")
	var all FindingsPage
	get(t, w.h, base+"?limit=1000").decode(t, &all)
	if len(all.Findings) < 5 || all.NextCursor != "" {
		t.Fatalf("%d findings, cursor %q; want >= 5 and none", len(all.Findings), all.NextCursor)
	}
	filters := []string{"", "rule_id=TC260-5.1-a", "verdict=reject", "stage=mini", "source=web", "verdict=admit"}
	for _, f := range filters {
		var want []schemas.Finding
		for _, fd := range all.Findings {
			k, v, _ := strings.Cut(f, "=")
			ok := map[string]bool{"": true, "rule_id": fd.RuleID == v, "verdict": fd.Verdict == v,
				"stage": fd.Stage == v, "source": fd.Source == v}[k]
			if ok {
				want = append(want, fd)
			}
		}
		for _, limit := range []int{1, 2, 3, 100} {
			t.Run(fmt.Sprintf("%s/limit=%d", f, limit), func(t *testing.T) {
				var got []schemas.Finding
				cursor := ""
				for page := 0; ; page++ {
					if page > 100 {
						t.Fatal("no end of pages")
					}
					q := fmt.Sprintf("?limit=%d&%s&cursor=%s", limit, f, url.QueryEscape(cursor))
					r := get(t, w.h, base+q)
					if r.status != 200 {
						t.Fatalf("status %d: %s", r.status, r.body)
					}
					var p FindingsPage
					r.decode(t, &p)
					if len(p.Findings) > limit {
						t.Fatalf("page of %d > limit %d", len(p.Findings), limit)
					}
					got = append(got, p.Findings...)
					if p.NextCursor == "" {
						break
					}
					cursor = p.NextCursor
				}
				if len(got) != len(want) {
					t.Fatalf("%d findings, want %d", len(got), len(want))
				}
				for i := range got {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("finding %d = %+v, want %+v", i, got[i], want[i])
					}
				}
			})
		}
	}
	for _, bad := range []string{"?limit=0", "?limit=1001", "?limit=x", "?cursor=abc", "?cursor=f1.!!", "?cursor=f1." + "LTE"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if r := get(t, w.h, base+bad); r.status != 400 {
				t.Fatalf("status %d, want 400", r.status)
			}
		})
	}
}

// TestGraph checks the lineage graph at each depth.
func TestGraph(t *testing.T) {
	w := sharedWorld(t)
	kinds := func(g Graph) map[string]int {
		m := map[string]int{}
		for _, n := range g.Nodes {
			m[n.Kind]++
		}
		return m
	}
	tests := []struct {
		q    string
		want map[string]int
	}{
		{"depth=0", map[string]int{"version": 1}},
		{"depth=1", map[string]int{"version": 2, "certificate": 1, "object": 3}},
		{"depth=2", map[string]int{"version": 2, "certificate": 1, "object": 3, "source": 2}},
		{"depth=3", map[string]int{"version": 2, "certificate": 1, "object": 3, "source": 2}},
		{"depth=2&max_objects=1", map[string]int{"version": 2, "certificate": 1, "object": 1, "source": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.q, func(t *testing.T) {
			r := get(t, w.h, vpath(w, w.v2.Version, "/graph?"+tc.q))
			if r.status != 200 {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var g Graph
			r.decode(t, &g)
			if got := kinds(g); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("node kinds %v, want %v", got, tc.want)
			}
			ids := map[string]bool{}
			for _, n := range g.Nodes {
				if ids[n.ID] {
					t.Errorf("duplicate node %s", n.ID)
				}
				ids[n.ID] = true
			}
			for _, e := range g.Edges {
				if !ids[e.From] || !ids[e.To] {
					t.Errorf("edge %+v names a missing node", e)
				}
			}
			if strings.Contains(tc.q, "max_objects=1") && g.OmittedObjects != 2 {
				t.Errorf("omitted %d, want 2", g.OmittedObjects)
			}
		})
	}
	t.Run("depth 3 of v1 reaches v2 through the sources", func(t *testing.T) {
		var g Graph
		get(t, w.h, vpath(w, w.v1.Version, "/graph?depth=3")).decode(t, &g)
		feeds := 0
		for _, e := range g.Edges {
			if e.Kind == "feeds" && e.To == versionID("chat", w.v2.Version) {
				feeds++
			}
		}
		if feeds != 2 {
			t.Fatalf("%d feeds edges to v2, want 2 (one per source)", feeds)
		}
	})
	for _, bad := range []string{"depth=4", "depth=-1", "max_objects=999999"} {
		t.Run("bad "+bad, func(t *testing.T) {
			if r := get(t, w.h, vpath(w, w.v2.Version, "/graph?"+bad)); r.status != 400 {
				t.Fatalf("status %d, want 400", r.status)
			}
		})
	}
}

// TestSubjects checks that subject lookups are POST only, hash the
// identifier server-side and never log or echo it.
func TestSubjects(t *testing.T) {
	w := sharedWorld(t)
	json := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name, method, target, body string
		hdr                        map[string]string
		status                     int
	}{
		{"found", "POST", "/api/v1/subjects", `{"kind":"subject_id","value":"  user-2 "}`, json, 200},
		{"as_of before", "POST", "/api/v1/subjects", `{"kind":"subject_id","value":"user-2","as_of":"1"}`, json, 404},
		{"unknown subject", "POST", "/api/v1/subjects", `{"kind":"email","value":"nobody@example.com"}`, json, 404},
		{"bad kind", "POST", "/api/v1/subjects", `{"kind":"name","value":"user-2"}`, json, 400},
		{"empty value", "POST", "/api/v1/subjects", `{"kind":"email","value":" "}`, json, 400},
		{"unknown field", "POST", "/api/v1/subjects", `{"kind":"email","value":"a@b.c","x":1}`, json, 400},
		{"trailing data", "POST", "/api/v1/subjects", `{"kind":"email","value":"a@b.c"} {}`, json, 400},
		{"not json", "POST", "/api/v1/subjects", `kind=email`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"too large", "POST", "/api/v1/subjects", `{"kind":"email","value":"` + strings.Repeat("a", DefaultMaxBody) + `"}`, json, 413},
		{"GET refused", "GET", "/api/v1/subjects?subject_id=user-2", "", nil, 405},
		{"GET by path refused", "GET", "/api/v1/subjects/user-2", "", nil, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, w.h, tc.method, tc.target, strings.NewReader(tc.body), tc.hdr)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if strings.Contains(string(r.body), "user-2") {
				t.Errorf("the answer echoes the identifier: %s", r.body)
			}
			if tc.name == "found" {
				var s struct {
					Subject lineage.SubjectInfo
				}
				r.decode(t, &s)
				if s.Subject.Subject != w.l.SubjectKey("subject_id", "user-2") || len(s.Subject.Records) != 4 || len(s.Subject.Versions) != 2 {
					t.Errorf("subject = %+v", s.Subject)
				}
			}
		})
	}
	if logs := w.logs.String(); strings.Contains(logs, "user-2") || strings.Contains(logs, "nobody@example.com") {
		t.Fatalf("an identifier reached the access log:\n%s", logs)
	}
	if !strings.Contains(w.logs.String(), `"path":"/api/v1/subjects"`) {
		t.Fatalf("subject requests are not in the access log")
	}
}

// TestAuth checks bearer-token auth and the loopback rule.
func TestAuth(t *testing.T) {
	w := sharedWorld(t)
	srv, err := New(Config{Ledger: w.l, Output: w.out, Datasets: []string{"chat"}, Token: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	tests := []struct {
		name, target, auth string
		status             int
	}{
		{"no token", "/api/v1/datasets", "", 401},
		{"wrong token", "/api/v1/datasets", "Bearer nope", 401},
		{"basic scheme", "/api/v1/datasets", "Basic czNjcmV0", 401},
		{"right token", "/api/v1/datasets", "Bearer s3cret", 200},
		{"unknown route needs a token too", "/api/v1/nope", "", 401},
		{"page is public", "/", "", 200},
		{"openapi is public", "/openapi.json", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, h, "GET", tc.target, nil, map[string]string{"Authorization": tc.auth})
			if r.status != tc.status {
				t.Fatalf("status %d, want %d", r.status, tc.status)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	t.Run("subject lookups need the token", func(t *testing.T) {
		r := do(t, h, "POST", "/api/v1/subjects", strings.NewReader(`{"kind":"subject_id","value":"user-2"}`), nil)
		if r.status != 401 {
			t.Fatalf("status %d, want 401", r.status)
		}
	})
}

func TestCheckAddr(t *testing.T) {
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"127.1.2.3:0", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{":8080", "", false},
		{"0.0.0.0:8080", "", false},
		{"192.0.2.1:8080", "", false},
		{"example.com:80", "", false},
		{"0.0.0.0:8080", "tok", true},
		{"[::]:8080", "tok", true},
		{"no-port", "tok", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr+"/"+tc.token, func(t *testing.T) {
			err := CheckAddr(tc.addr, tc.token)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckAddr = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestNewConfig(t *testing.T) {
	w := sharedWorld(t)
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"no ledger", Config{}, false},
		{"bad dataset", Config{Ledger: w.l, Datasets: []string{"a/b"}}, false},
		{"no output", Config{Ledger: w.l}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("New = %v, want ok=%v", err, tc.ok)
			}
		})
	}
	t.Run("without an output store the version answers from the ledger", func(t *testing.T) {
		s, err := New(Config{Ledger: w.l, Datasets: []string{"chat"}})
		if err != nil {
			t.Fatal(err)
		}
		r := get(t, s.Handler(), vpath(w, w.v1.Version, ""))
		var d VersionDetail
		r.decode(t, &d)
		if r.status != 200 || d.Manifest != nil || d.FilesError == "" || d.Ledger.Version != w.v1.Version {
			t.Fatalf("status %d, detail %+v", r.status, d)
		}
		if r := get(t, s.Handler(), vpath(w, w.v1.Version, "/findings")); r.status != 404 {
			t.Errorf("findings without a store: status %d, want 404", r.status)
		}
	})
}

// TestWebPage checks that the page and its assets are served.
func TestWebPage(t *testing.T) {
	w := sharedWorld(t)
	tests := []struct {
		target, ctype, contains string
	}{
		{"/", "text/html", `type="module"`},
		{"/app.js", "javascript", "api/v1"},
		{"/style.css", "text/css", "body"},
		{"/dataset/chat", "text/html", `type="module"`},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			r := get(t, w.h, tc.target)
			if r.status != 200 || !strings.Contains(r.header.Get("Content-Type"), tc.ctype) {
				t.Fatalf("status %d, Content-Type %q", r.status, r.header.Get("Content-Type"))
			}
			if !strings.Contains(string(r.body), tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			if r.header.Get("Content-Security-Policy") == "" {
				t.Errorf("no CSP")
			}
		})
	}
	if r := do(t, w.h, "POST", "/", nil, nil); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d", r.status)
	}
}
