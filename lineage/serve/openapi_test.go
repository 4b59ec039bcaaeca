package serve

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPICoverage checks that /openapi.json is OpenAPI 3.1, describes
// every route the server registers with its method, and nothing else.
func TestOpenAPICoverage(t *testing.T) {
	w := sharedWorld(t)
	r := get(t, w.h, "/openapi.json")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	r.decode(t, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	want := map[string]bool{"GET /openapi.json": true}
	for _, rt := range routes {
		want[rt.method+" "+rt.path] = true
	}
	got := map[string]bool{}
	for path, ops := range doc.Paths {
		for m, op := range ops {
			if m == "parameters" {
				continue
			}
			got[strings.ToUpper(m)+" "+path] = true
			var o struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
				Parameters  []struct {
					Name string `json:"name"`
					In   string `json:"in"`
					Ref  string `json:"$ref"`
				} `json:"parameters"`
			}
			if err := json.Unmarshal(op, &o); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			if o.OperationID == "" || o.Responses["200"] == nil {
				t.Errorf("%s %s: no operationId or 200 response", m, path)
			}
			// Every {wildcard} of the path is declared as a path parameter.
			for _, seg := range strings.Split(path, "/") {
				if !strings.HasPrefix(seg, "{") {
					continue
				}
				name := strings.Trim(seg, "{}")
				if !slices.ContainsFunc(o.Parameters, func(p struct {
					Name string `json:"name"`
					In   string `json:"in"`
					Ref  string `json:"$ref"`
				}) bool {
					return (p.Name == name && p.In == "path") || p.Ref == "#/components/parameters/"+name
				}) {
					t.Errorf("%s %s: path parameter %s not declared", m, path, name)
				}
			}
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("openapi.json describes %s, which the server does not serve", k)
		}
	}
	// Every documented GET route answers something other than 404 for the
	// route itself (a 404 body naming the route means it is not registered).
	for _, rt := range routes {
		if rt.method != http.MethodGet {
			continue
		}
		target := strings.NewReplacer("{dataset}", "chat", "{version}", w.v1.Version, "{file}", "proof.json",
			"{digest}", strings.Repeat("00", 32), "{source}", "web", "{leaf}", "0").Replace(rt.path)
		if r := get(t, w.h, target); strings.Contains(string(r.body), "no such API route") {
			t.Errorf("GET %s: not routed", target)
		}
	}
}
