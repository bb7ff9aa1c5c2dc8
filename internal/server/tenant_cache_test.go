package server_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/account"
)

// A person working for two companies switches between them request after
// request: each request must reach the company its path names, even though
// Fiber reuses the memory of the path for the next request.
func TestTenantCacheKeepsCompaniesApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	both := e.addActor("both", e.alpha, account.Access{Roles: []string{"manager"}})
	must(t, e.accounts.AddMember(context.Background(), e.bravo.ID, both.user.ID, account.Access{Roles: []string{"manager"}}))
	// Over a real keep-alive connection, where Fiber reuses its buffers
	// (app.Test gives every request fresh ones).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go e.app.Listener(ln)
	t.Cleanup(func() { e.app.Shutdown() })
	get := func(path string) *http.Response {
		req, err := http.NewRequest("GET", "http://"+ln.Addr().String()+path, nil)
		must(t, err)
		req.Header.Set("Authorization", "Bearer "+both.bearer())
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		return resp
	}
	for i := range 40 {
		for _, slug := range []string{"alpha", "bravo"} {
			resp := get("/api/v1/t/" + slug + "/estates")
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("round %d, %s: %d %s", i, slug, resp.StatusCode, body)
			}
			if (slug == "alpha") != strings.Contains(body, "North") {
				t.Fatalf("round %d: /t/%s answered with another company's estates: %s", i, slug, body)
			}
		}
		resp := get("/metrics")
		readBody(t, resp)
		expectStatus(t, resp, http.StatusOK, "metrics")
	}
}
