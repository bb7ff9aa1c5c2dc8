package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// scenario is one route with who may call it. Every route is called by an
// anonymous visitor, by a member of another tenant, by each role that lacks
// the permission, and finally by the least privileged allowed role.
type scenario struct {
	method, path string
	form         url.Values
	json         any
	allowed      string   // the least privileged role that may call it
	denied       []string // roles of the same tenant that get 403
	want         int
}

var (
	onlyManager   = []string{"assistant", "office_head", "clerk", "document_controller", "team_leader", "worker"}
	belowOfficeHd = []string{"clerk", "document_controller", "team_leader", "worker"}
)

func tenantScenarios() []scenario {
	invite := url.Values{"email": {"new@example.com"}, "name": {"New"}, "roles": {"clerk"}, "estate_ids": {"{north}"}}
	access := url.Values{"roles": {"worker", "team_leader"}, "estate_ids": {"{north}", "{south}"}}
	return []scenario{
		{method: "GET", path: "/t/alpha/", allowed: "worker", want: 200},
		{method: "GET", path: "/t/alpha/staff", allowed: "office_head", denied: belowOfficeHd, want: 200},
		{method: "POST", path: "/t/alpha/staff/invitations", form: invite, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/staff/invitations/{invitation}/revoke", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/staff/{worker}/access", form: access, allowed: "manager", denied: onlyManager, want: 303},
		{method: "POST", path: "/t/alpha/staff/{worker}/remove", form: url.Values{}, allowed: "manager", denied: onlyManager, want: 303},

		{method: "GET", path: "/api/v1/t/alpha/staff", allowed: "office_head", denied: belowOfficeHd, want: 200},
		{method: "POST", path: "/api/v1/t/alpha/staff/invitations", allowed: "manager", denied: onlyManager, want: 201,
			json: map[string]any{"email": "new@example.com", "roles": []string{"clerk"}, "estate_ids": []string{"{north}"}}},
		{method: "POST", path: "/api/v1/t/alpha/staff/invitations/{invitation}/revoke", allowed: "manager", denied: onlyManager, want: 204},
		{method: "POST", path: "/api/v1/t/alpha/staff/{worker}/access", allowed: "manager", denied: onlyManager, want: 200,
			json: map[string]any{"roles": []string{"worker", "team_leader"}, "estate_ids": []string{"{north}"}}},
		{method: "POST", path: "/api/v1/t/alpha/staff/{worker}/remove", allowed: "manager", denied: onlyManager, want: 204},
	}
}

func (e *env) expand(s string) string {
	return strings.NewReplacer(
		"{worker}", e.actors["worker"].user.ID.String(),
		"{invitation}", e.pending.ID.String(),
		"{north}", e.estates[0].ID.String(),
		"{south}", e.estates[1].ID.String(),
		"{alpha}", e.alpha.ID.String(),
	).Replace(s)
}

func (e *env) scenarioRequest(s scenario, as string) request {
	r := request{method: s.method, path: e.expand(s.path), as: as}
	if s.form != nil {
		r.form = url.Values{}
		for k, vs := range s.form {
			for _, v := range vs {
				r.form.Add(k, e.expand(v))
			}
		}
	}
	if s.json != nil {
		r.json = expandJSON(e, s.json)
	}
	return r
}

func expandJSON(e *env, v any) any {
	switch x := v.(type) {
	case string:
		return e.expand(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = e.expand(s)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, v := range x {
			out[k] = expandJSON(e, v)
		}
		return out
	}
	return v
}

func TestTenantRoutesScenarios(t *testing.T) {
	for _, s := range tenantScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			api := strings.HasPrefix(s.path, "/api/")

			resp := e.do(e.scenarioRequest(s, ""))
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}

			expectStatus(t, e.do(e.scenarioRequest(s, "other")), http.StatusNotFound, "member of another tenant")
			for _, role := range s.denied {
				resp := e.do(e.scenarioRequest(s, role))
				expectStatus(t, resp, http.StatusForbidden, role)
			}
			expectStatus(t, e.do(e.scenarioRequest(s, s.allowed)), s.want, s.allowed)
		})
	}
}

func TestAdminRoutesScenarios(t *testing.T) {
	scenarios := []scenario{
		{method: "GET", path: "/admin/", want: 200},
		{method: "GET", path: "/admin/?q=alp", want: 200},
		{method: "POST", path: "/admin/tenants", want: 303, form: url.Values{"slug": {"charlie"}, "name": {"Charlie"}, "plan": {"starter"},
			"time_zone": {"Asia/Shanghai"}, "manager_email": {"boss@charlie.example.com"}}},
		{method: "GET", path: "/admin/tenants/{alpha}", want: 200},
		{method: "POST", path: "/admin/tenants/{alpha}/status", form: url.Values{"status": {"suspended"}}, want: 303},
		{method: "GET", path: "/api/v1/admin/tenants", want: 200},
		{method: "POST", path: "/api/v1/admin/tenants", want: 201, json: map[string]any{"slug": "charlie", "name": "Charlie",
			"manager_email": "boss@charlie.example.com"}},
		{method: "GET", path: "/api/v1/admin/tenants/{alpha}", want: 200},
		{method: "POST", path: "/api/v1/admin/tenants/{alpha}/status", json: map[string]any{"status": "suspended"}, want: 200},
		{method: "POST", path: "/admin/tenants/{alpha}/manifest", want: 200,
			form: url.Values{"manifest": {"company: {slug: alpha}\nestates: [{name: West}]\n"}, "dry_run": {"true"}}},
		{method: "POST", path: "/admin/tenants/{alpha}/estate", want: 200, form: url.Values{"name": {"West"}, "buildings": {"1 3 2"}}},
		{method: "POST", path: "/api/v1/admin/tenants/{alpha}/manifest", want: 200,
			json: map[string]any{"manifest": "company: {slug: alpha}\nestates: [{name: West}]\n", "dry_run": true}},
	}
	for _, s := range scenarios {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			api := strings.HasPrefix(s.path, "/api/")
			resp := e.do(e.scenarioRequest(s, ""))
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound {
				t.Errorf("anonymous: %d, want redirect", resp.StatusCode)
			}
			// The console does not exist for anyone but platform admins,
			// not even for a tenant's manager.
			expectStatus(t, e.do(e.scenarioRequest(s, "manager")), http.StatusNotFound, "tenant manager")
			expectStatus(t, e.do(e.scenarioRequest(s, "admin")), s.want, "platform admin")
		})
	}
}

func TestAccountRoutes(t *testing.T) {
	e := newEnv(t)
	for _, r := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/account", 200},
		{"GET", "/api/v1/me", 200},
		{"GET", "/api/v1/sessions", 200},
	} {
		expectStatus(t, e.do(request{method: r.method, path: r.path}), map[bool]int{true: 401, false: 302}[strings.HasPrefix(r.path, "/api/")], "anonymous "+r.path)
		expectStatus(t, e.do(request{method: r.method, path: r.path, as: "worker"}), r.want, "worker "+r.path)
	}
}

// Ending a session is the caller's own business: anonymous is refused,
// another person's session is 404, one's own works.
func TestSessionEndingRoutes(t *testing.T) {
	e := newEnv(t)
	other := e.actors["other"].session.ID.String()
	mine := e.actors["worker"].session.ID.String()
	expectStatus(t, e.do(request{method: "POST", path: "/account/sessions/" + mine + "/revoke", form: url.Values{}}), http.StatusFound, "anonymous HTML")
	expectStatus(t, e.do(request{method: "DELETE", path: "/api/v1/sessions/" + mine}), http.StatusUnauthorized, "anonymous API")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/auth/logout"}), http.StatusUnauthorized, "anonymous logout")
	expectStatus(t, e.do(request{method: "POST", path: "/account/sessions/" + other + "/revoke", as: "worker", form: url.Values{}}), http.StatusNotFound, "someone else's")
	expectStatus(t, e.do(request{method: "DELETE", path: "/api/v1/sessions/not-a-uuid", as: "worker"}), http.StatusNotFound, "bad id")
	expectStatus(t, e.do(request{method: "POST", path: "/account/sessions/" + mine + "/revoke", as: "worker", form: url.Values{}}), http.StatusSeeOther, "own browser session")
	expectStatus(t, e.do(request{method: "GET", path: "/account", as: "worker"}), http.StatusFound, "after ending the browser session")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/me", as: "worker"}), http.StatusOK, "the API token lives on")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/auth/logout", as: "worker"}), http.StatusNoContent, "logout of the token")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/me", as: "worker"}), http.StatusUnauthorized, "after logout")
}

func expectStatus(t *testing.T, resp *http.Response, want int, who string) {
	t.Helper()
	if resp.StatusCode != want {
		t.Errorf("%s: status %d, want %d; body: %.300s", who, resp.StatusCode, want, readBody(t, resp))
		return
	}
	resp.Body.Close()
}
