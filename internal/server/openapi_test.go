package server_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// Every API route the server registers is described in the OpenAPI
// document, with its method.
func TestOpenAPICoversEveryAPIRoute(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "GET", path: "/api/v1/openapi.json"})
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	decode(t, resp, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	seen := map[string]bool{}
	for _, r := range e.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == "HEAD" {
			continue
		}
		p := param.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{$1}")
		key := r.Method + " " + p
		if seen[key] {
			continue
		}
		seen[key] = true
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s is not in openapi.yaml", key)
		}
	}
	if len(seen) < 10 {
		t.Errorf("only %d API routes found; the route walk is broken", len(seen))
	}
	// And nothing documented is missing from the server.
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			if !seen[strings.ToUpper(m)+" "+p] {
				t.Errorf("openapi.yaml documents %s %s, which the server does not serve", strings.ToUpper(m), p)
			}
		}
	}
}
