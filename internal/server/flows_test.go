package server_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func sessionCookie(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "ed_session" {
			return c.Value
		}
	}
	return ""
}

// A browser signs in with the form, works, and signs out; the cookie is
// dead afterwards.
func TestWebLoginAndLogout(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/login", form: url.Values{
		"email": {"clerk@alpha.example.com"}, "password": {testPassword}, "next": {"/t/alpha/"}}})
	expectStatus(t, resp, http.StatusSeeOther, "login")
	if loc := resp.Header.Get("Location"); loc != "/t/alpha/" {
		t.Errorf("redirect to %q", loc)
	}
	cookie := sessionCookie(resp)
	var flags string
	for _, c := range resp.Cookies() {
		if c.Name == "ed_session" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				flags = "cookie not HttpOnly+SameSite=Lax"
			}
		}
	}
	if cookie == "" || flags != "" {
		t.Fatalf("session cookie %q %s", cookie, flags)
	}
	home := func() *http.Response {
		req := request{method: "GET", path: "/t/alpha/"}
		r := httpReq(e, req)
		r.AddCookie(&http.Cookie{Name: "ed_session", Value: cookie})
		resp, err := e.app.Test(r, 10_000)
		must(t, err)
		return resp
	}
	expectStatus(t, home(), http.StatusOK, "home with cookie")

	sess, err := e.accounts.Authenticate(context.Background(), cookie)
	must(t, err)
	r := httpReq(e, request{method: "POST", path: "/logout", form: url.Values{"_csrf": {sess.CSRFToken}}})
	r.AddCookie(&http.Cookie{Name: "ed_session", Value: cookie})
	resp, err = e.app.Test(r, 10_000)
	must(t, err)
	expectStatus(t, resp, http.StatusSeeOther, "logout")
	if resp := home(); resp.StatusCode != http.StatusFound {
		t.Errorf("after logout: %d, want redirect to login", resp.StatusCode)
	}
}

func httpReq(e *env, r request) *http.Request {
	var req *http.Request
	if r.form != nil {
		req, _ = http.NewRequest(r.method, r.path, strings.NewReader(r.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(r.method, r.path, nil)
	}
	return req
}

func TestWrongPasswordShowsFormAgain(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/login", form: url.Values{"email": {"clerk@alpha.example.com"}, "password": {"nope-nope"}}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "（邮箱或手机号）或密码不正确") || !strings.Contains(body, "clerk@alpha.example.com") {
		t.Errorf("status %d; body lacks the message or the typed email", resp.StatusCode)
	}
}

// Failed sign-ins are limited per account and per client address; the
// answer is 429 with Retry-After and a clear message.
func TestLoginThrottling(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.LoginMaxPerAccount = 3; c.LoginMaxPerAddress = 5 })
	login := func(email, pw, ip string) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": email, "password": pw},
			header: map[string]string{"X-Forwarded-For": ip}})
	}
	for i := 0; i < 3; i++ {
		expectStatus(t, login("clerk@alpha.example.com", "wrong-password", "203.0.113.1"), http.StatusUnauthorized, "wrong password")
	}
	resp := login("clerk@alpha.example.com", testPassword, "203.0.113.1")
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt: %d Retry-After=%q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	var p map[string]any
	decode(t, resp, &p)
	if p["code"] != "too_many_attempts" || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("problem %v (%s)", p, resp.Header.Get("Content-Type"))
	}
	// Another account from the same address still works until the address limit.
	expectStatus(t, login("worker@alpha.example.com", testPassword, "203.0.113.1"), http.StatusOK, "other account")
}

func TestLoginThrottlingPerAddress(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.LoginMaxPerAccount = 100; c.LoginMaxPerAddress = 3 })
	for _, who := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		expectStatus(t, e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": who, "password": "x"}}),
			http.StatusUnauthorized, who)
	}
	resp := e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": "clerk@alpha.example.com", "password": testPassword}})
	expectStatus(t, resp, http.StatusTooManyRequests, "same address, fourth account")
}

// The API token from /auth/login works as a bearer, is listed with the
// sessions, and stops working once revoked.
func TestAPITokenLifecycle(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": "office_head@alpha.example.com", "password": testPassword}})
	var out struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
	}
	decode(t, resp, &out)
	if out.Token == "" {
		t.Fatal("no token")
	}
	call := func(method, path string) *http.Response {
		r := httpReq(e, request{method: method, path: path})
		r.Header.Set("Authorization", "Bearer "+out.Token)
		resp, err := e.app.Test(r, 10_000)
		must(t, err)
		return resp
	}
	resp = call("GET", "/api/v1/me")
	var me struct {
		User        map[string]any `json:"user"`
		Memberships []struct {
			Slug  string   `json:"slug"`
			Roles []string `json:"roles"`
		} `json:"memberships"`
	}
	decode(t, resp, &me)
	if me.User["email"] != "office_head@alpha.example.com" || len(me.Memberships) != 1 || me.Memberships[0].Slug != "alpha" ||
		strings.Join(me.Memberships[0].Roles, ",") != "office_head" {
		t.Errorf("me = %+v", me)
	}
	resp = call("GET", "/api/v1/sessions")
	body := readBody(t, resp)
	if !strings.Contains(body, out.SessionID) || !strings.Contains(body, `"kind":"api"`) {
		t.Errorf("sessions do not list the token: %s", body)
	}
	expectStatus(t, call("DELETE", "/api/v1/sessions/"+out.SessionID), http.StatusNoContent, "revoke")
	expectStatus(t, call("GET", "/api/v1/me"), http.StatusUnauthorized, "after revoke")
}

func TestCannotRevokeSomeoneElsesSession(t *testing.T) {
	e := newEnv(t)
	other := e.actors["other"].session.ID
	expectStatus(t, e.do(request{method: "DELETE", path: "/api/v1/sessions/" + other.String(), as: "manager"}), http.StatusNotFound, "other's session")
	expectStatus(t, e.do(request{method: "GET", path: "/t/bravo/", as: "other"}), http.StatusOK, "other still signed in")
}

// State-changing browser requests need the CSRF token; bearer requests do not.
func TestCSRF(t *testing.T) {
	e := newEnv(t)
	a := e.actors["manager"]
	r := httpReq(e, request{method: "POST", path: "/t/alpha/staff/invitations", form: url.Values{"email": {"x@example.com"}, "roles": {"clerk"}}})
	r.AddCookie(&http.Cookie{Name: "ed_session", Value: a.cookie()})
	resp, err := e.app.Test(r, 10_000)
	must(t, err)
	expectStatus(t, resp, http.StatusForbidden, "cookie without token")

	r = httpReq(e, request{method: "POST", path: "/login", form: url.Values{"email": {"clerk@alpha.example.com"}, "password": {testPassword}}})
	resp, err = e.app.Test(r, 10_000)
	must(t, err)
	expectStatus(t, resp, http.StatusForbidden, "login form without double-submit token")

	// An API call riding on the browser cookie needs the header too.
	r = httpReq(e, request{method: "POST", path: "/api/v1/t/alpha/staff/invitations"})
	r.AddCookie(&http.Cookie{Name: "ed_session", Value: a.cookie()})
	resp, err = e.app.Test(r, 10_000)
	must(t, err)
	expectStatus(t, resp, http.StatusForbidden, "API with cookie, no token")
}

var linkPattern = regexp.MustCompile(`http://estatedesk.test(/[^\s]+)`)

func TestPasswordResetByEmailedLink(t *testing.T) {
	e := newEnv(t)
	expectStatus(t, e.do(request{method: "POST", path: "/password/forgot", form: url.Values{"email": {"nobody@example.com"}}}), 200, "unknown email")
	if len(e.mail.sent) != 1 { // the pending invitation of the env
		t.Fatalf("mail sent for an unknown address: %d", len(e.mail.sent))
	}
	expectStatus(t, e.do(request{method: "POST", path: "/password/forgot", form: url.Values{"email": {"Clerk@Alpha.example.com"}}}), 200, "known email")
	msg := e.mail.last(t)
	m := linkPattern.FindStringSubmatch(msg.Body)
	if msg.To != "clerk@alpha.example.com" || m == nil {
		t.Fatalf("mail %+v", msg)
	}
	link := m[1]
	expectStatus(t, e.do(request{method: "GET", path: link}), 200, "reset form")
	resp := e.do(request{method: "POST", path: link, form: url.Values{"password": {"short"}, "confirm": {"short"}}})
	expectStatus(t, resp, http.StatusUnprocessableEntity, "weak password")
	resp = e.do(request{method: "POST", path: link, form: url.Values{"password": {"a new secret"}, "confirm": {"a new secret"}}})
	expectStatus(t, resp, http.StatusSeeOther, "reset")
	// Every old session ends with a reset.
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/me", as: "clerk"}), http.StatusUnauthorized, "old token")
	resp = e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": "clerk@alpha.example.com", "password": "a new secret"}})
	expectStatus(t, resp, http.StatusOK, "login with new password")
	resp = e.do(request{method: "POST", path: link, form: url.Values{"password": {"another one!"}, "confirm": {"another one!"}}})
	expectStatus(t, resp, http.StatusNotFound, "reused link")
}

// A manager invites a clerk for one estate; the clerk accepts through the
// emailed link, lands in the workspace and sees only that estate.
func TestInvitationFlow(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/invitations", as: "manager",
		json: map[string]any{"email": "newclerk@example.com", "name": "新人", "roles": []string{"clerk"}, "estate_ids": []string{e.estates[1].ID.String()}}})
	var inv struct {
		Link string `json:"link"`
	}
	decode(t, resp, &inv)
	msg := e.mail.last(t)
	if msg.To != "newclerk@example.com" || !strings.Contains(msg.Body, inv.Link) || !strings.Contains(msg.Subject, "Alpha 物业") {
		t.Fatalf("mail %+v, link %s", msg, inv.Link)
	}
	path := strings.TrimPrefix(inv.Link, "http://estatedesk.test")
	expectStatus(t, e.do(request{method: "GET", path: path}), 200, "invitation page")
	resp = e.do(request{method: "POST", path: path, form: url.Values{"name": {"新人"}, "password": {"welcome aboard"}}})
	expectStatus(t, resp, http.StatusSeeOther, "accept")
	cookie := sessionCookie(resp)
	r := httpReq(e, request{method: "GET", path: "/t/alpha/"})
	r.AddCookie(&http.Cookie{Name: "ed_session", Value: cookie})
	resp, err := e.app.Test(r, 10_000)
	must(t, err)
	body := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, "South") || strings.Contains(body, "North") {
		t.Errorf("new clerk's home: %d; estate scope wrong", resp.StatusCode)
	}
	expectStatus(t, e.do(request{method: "POST", path: path, form: url.Values{"password": {"welcome aboard"}}}), http.StatusNotFound, "link used twice")
}

// Estate scope: a clerk sees the estates assigned, a manager all.
func TestEstateScopeOnHome(t *testing.T) {
	e := newEnv(t)
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/", as: "clerk"}))
	if !strings.Contains(body, "North") || strings.Contains(body, "South") {
		t.Error("clerk should see North only")
	}
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/", as: "assistant"}))
	if !strings.Contains(body, "North") || !strings.Contains(body, "South") {
		t.Error("assistant should see both estates")
	}
}

// A role change applies on the member's very next request.
func TestRoleChangeAppliesOnNextRequest(t *testing.T) {
	e := newEnv(t)
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/staff", as: "worker"}), 403, "worker before")
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/" + e.actors["worker"].user.ID.String() + "/access", as: "manager",
		json: map[string]any{"roles": []string{"office_head"}, "estate_ids": []string{e.estates[0].ID.String()}}})
	expectStatus(t, resp, 200, "grant")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/staff", as: "worker"}), 200, "worker after grant")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/" + e.actors["worker"].user.ID.String() + "/remove", as: "manager"}), 204, "remove")
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/", as: "worker"}), 404, "removed member")
}

func TestLastManagerIsKept(t *testing.T) {
	e := newEnv(t)
	me := e.actors["manager"].user.ID.String()
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/" + me + "/access", as: "manager", json: map[string]any{"roles": []string{"clerk"}}})
	var p map[string]any
	decode(t, resp, &p)
	if resp.StatusCode != http.StatusConflict || p["code"] != "last_manager" {
		t.Errorf("demoting the last manager: %d %v", resp.StatusCode, p)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/" + me + "/remove", as: "manager"}), http.StatusConflict, "removing")
}

func TestInvalidInputIsRefusedWithCode(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"email": "not-an-email", "roles": []string{"clerk"}}, "invalid_email"},
		{map[string]any{"email": "a@example.com", "roles": []string{"king"}}, "invalid_role"},
		{map[string]any{"email": "a@example.com"}, "no_roles"},
		{map[string]any{"email": "a@example.com", "roles": []string{"clerk"}, "estate_ids": []string{"not-a-uuid"}}, "unknown_estate"},
		{map[string]any{"email": "clerk@alpha.example.com", "roles": []string{"clerk"}}, "already_member"},
	} {
		resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/invitations", as: "manager", json: c.body})
		var p map[string]any
		decode(t, resp, &p)
		if p["code"] != c.code || resp.StatusCode < 400 || p["title"] == "" {
			t.Errorf("%v: %d %v, want code %s", c.body, resp.StatusCode, p, c.code)
		}
	}
	// An estate of another tenant is unknown here.
	resp := e.do(request{method: "POST", path: "/api/v1/t/bravo/staff/invitations", as: "other",
		json: map[string]any{"email": "z@example.com", "roles": []string{"clerk"}, "estate_ids": []string{e.estates[0].ID.String()}}})
	expectStatus(t, resp, http.StatusUnprocessableEntity, "cross-tenant estate")
}

func TestSuspendedAndPastDueTenants(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, tenant.SetStatus(ctx, e.db.Bun, e.alpha.ID, tenant.Suspended))
	resp := e.do(request{method: "GET", path: "/t/alpha/", as: "manager"})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "工作区已停用") {
		t.Errorf("suspended: %d", resp.StatusCode)
	}
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/staff", as: "manager"})
	var p map[string]any
	decode(t, resp, &p)
	if p["code"] != "tenant_suspended" {
		t.Errorf("suspended API: %v", p)
	}
	// Reactivated, everything is still there.
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/admin/tenants/" + e.alpha.ID.String() + "/status", as: "admin",
		json: map[string]string{"status": "past_due"}}), 200, "to past_due")
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/staff", as: "manager"})
	var staff struct {
		Members []any `json:"members"`
	}
	decode(t, resp, &staff)
	if len(staff.Members) != len(alphaRoles) {
		t.Errorf("members after suspension: %d", len(staff.Members))
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/invitations", as: "manager", json: map[string]any{"email": "q@example.com", "roles": []string{"clerk"}}})
	decode(t, resp, &p)
	if resp.StatusCode != http.StatusForbidden || p["code"] != "tenant_read_only" {
		t.Errorf("write while past due: %d %v", resp.StatusCode, p)
	}
}

// An unknown workspace and someone else's workspace answer the same.
func TestUnknownAndForeignTenantLookAlike(t *testing.T) {
	e := newEnv(t)
	a := e.do(request{method: "GET", path: "/api/v1/t/bravo/staff", as: "manager"})
	b := e.do(request{method: "GET", path: "/api/v1/t/no-such-company/staff", as: "manager"})
	var pa, pb map[string]any
	decode(t, a, &pa)
	decode(t, b, &pb)
	delete(pa, "request_id")
	delete(pb, "request_id")
	ja, _ := json.Marshal(pa)
	jb, _ := json.Marshal(pb)
	if a.StatusCode != 404 || string(ja) != string(jb) {
		t.Errorf("foreign %d %s vs unknown %d %s", a.StatusCode, ja, b.StatusCode, jb)
	}
}

func TestPlatformConsoleOnboardsTenant(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/api/v1/admin/tenants", as: "admin", json: map[string]any{
		"slug": "delta", "name": "Delta 物业", "plan": "growth", "manager_email": "boss@delta.example.com", "manager_name": "Boss"}})
	var out struct {
		Link string `json:"invitation_link"`
	}
	decode(t, resp, &out)
	path := strings.TrimPrefix(out.Link, "http://estatedesk.test")
	expectStatus(t, e.do(request{method: "POST", path: path, form: url.Values{"password": {"delta delta"}}}), http.StatusSeeOther, "manager accepts")
	resp = e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": "boss@delta.example.com", "password": "delta delta"}})
	expectStatus(t, resp, 200, "manager signs in")

	resp = e.do(request{method: "POST", path: "/api/v1/admin/tenants", as: "admin", json: map[string]any{"slug": "delta", "name": "again", "manager_email": "x@example.com"}})
	expectStatus(t, resp, http.StatusConflict, "duplicate slug")
	resp = e.do(request{method: "POST", path: "/api/v1/admin/tenants", as: "admin", json: map[string]any{"slug": "Bad Slug!", "name": "x", "manager_email": "x@example.com"}})
	expectStatus(t, resp, http.StatusUnprocessableEntity, "bad slug")
	body := readBody(t, e.do(request{method: "GET", path: "/admin/?q=delt", as: "admin"}))
	if !strings.Contains(body, "Delta 物业") || strings.Contains(body, "Bravo Property") {
		t.Error("search does not filter")
	}
}

func TestLanguageSwitchIsRemembered(t *testing.T) {
	e := newEnv(t)
	body := readBody(t, e.do(request{method: "GET", path: "/login", header: map[string]string{"Accept-Language": "en-US,en;q=0.9"}}))
	if !strings.Contains(body, "Sign in") {
		t.Error("Accept-Language en not honoured")
	}
	resp := e.do(request{method: "POST", path: "/locale", as: "worker", form: url.Values{"lang": {"en"}, "next": {"/t/alpha/"}}})
	expectStatus(t, resp, http.StatusSeeOther, "switch")
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/", as: "worker"}))
	if !strings.Contains(body, "Field tickets") {
		t.Error("English not remembered for the user")
	}
	expectStatus(t, e.do(request{method: "POST", path: "/locale", as: "worker", form: url.Values{"lang": {"fr"}}}), http.StatusBadRequest, "unknown language")
}

func TestOperationsEndpoints(t *testing.T) {
	e := newEnv(t)
	expectStatus(t, e.do(request{method: "GET", path: "/healthz"}), 200, "healthz")
	expectStatus(t, e.do(request{method: "GET", path: "/readyz"}), 200, "readyz")
	e.do(request{method: "GET", path: "/t/alpha/", as: "worker"})
	resp := e.do(request{method: "GET", path: "/metrics"})
	body := readBody(t, resp)
	for _, want := range []string{`estatedesk_http_requests_total{method="GET",route="/t/:slug/",status="200"} 1`,
		"estatedesk_http_request_duration_seconds_bucket", "go_goroutines", `go_sql_open_connections{db_name="estatedesk"}`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	resp = e.do(request{method: "GET", path: "/login"})
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "X-Request-Id"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
}

// htmx asks for the page body only; the console's live search uses it.
func TestHtmxGetsContentOnly(t *testing.T) {
	e := newEnv(t)
	body := readBody(t, e.do(request{method: "GET", path: "/admin/?q=bra", as: "admin", header: map[string]string{"HX-Request": "true"}}))
	if strings.Contains(body, "<html") || !strings.Contains(body, `id="tenants"`) || !strings.Contains(body, "Bravo Property") {
		t.Errorf("htmx response is not the content block: %.200s", body)
	}
}

// The console onboards an estate through a manifest: the form produces
// one, the preview changes nothing, applying creates the estate.
func TestConsoleOnboardsEstateByManifest(t *testing.T) {
	e := newEnv(t)
	path := "/admin/tenants/" + e.alpha.ID.String()
	body := html.UnescapeString(readBody(t, e.do(request{method: "POST", path: path + "/estate", as: "admin",
		form: url.Values{"name": {"West"}, "buildings": {"A 3 2 1,2 88.50\nB 2 1"}, "standard_teams": {"true"}}})))
	for _, want := range []string{"slug: alpha", "name: West", "+ building West/A with 12 unit(s)", "+ team West/维修班"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q", want)
		}
	}
	if es, _ := e.estatesOf(t); len(es) != 2 {
		t.Fatalf("preview created the estate: %v", es)
	}
	m := "company: {slug: alpha}\nestates:\n  - name: West\n    buildings: [{name: A, units: [{floors: 1-3, per_floor: 2}]}]\n"
	resp := e.do(request{method: "POST", path: "/api/v1" + path + "/manifest", as: "admin", json: map[string]any{"manifest": m}})
	var out struct {
		Changes []string `json:"changes"`
	}
	decode(t, resp, &out)
	if len(out.Changes) != 2 {
		t.Errorf("apply: %v", out.Changes)
	}
	if es, _ := e.estatesOf(t); len(es) != 3 {
		t.Errorf("estates after apply: %v", es)
	}
	resp = e.do(request{method: "POST", path: "/api/v1" + path + "/manifest", as: "admin", json: map[string]any{"manifest": m}})
	decode(t, resp, &out)
	if len(out.Changes) != 0 {
		t.Errorf("second apply: %v", out.Changes)
	}
	for name, bad := range map[string]string{
		"other company": "company: {slug: bravo}\nestates: [{name: X}]\n",
		"not yaml":      "company: [",
		"unknown key":   "company: {slug: alpha}\nestatez: []\n",
	} {
		resp := e.do(request{method: "POST", path: "/api/v1" + path + "/manifest", as: "admin", json: map[string]any{"manifest": bad}})
		expectStatus(t, resp, http.StatusUnprocessableEntity, name)
	}
}

func (e *env) estatesOf(t *testing.T) ([]string, error) {
	var names []string
	err := e.db.ReadTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw("SELECT name FROM estates WHERE tenant_id = ?", e.alpha.ID).Scan(ctx, &names)
	})
	return names, err
}

// Staff seats: members plus pending invitations may not pass the plan's
// limit; the refusal names the plan and the limit.
func TestStaffSeatLimit(t *testing.T) {
	e := newEnv(t)
	e.alpha.Plan = "starter" // 10 seats; alpha has 7 members and 1 pending invitation
	must(t, tenant.Update(context.Background(), e.db.Bun, e.alpha))
	invite := func(email string) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/invitations", as: "manager",
			json: map[string]any{"email": email, "roles": []string{"clerk"}}})
	}
	expectStatus(t, invite("n9@example.com"), http.StatusCreated, "9th seat")
	expectStatus(t, invite("n10@example.com"), http.StatusCreated, "10th seat")
	resp := invite("n11@example.com")
	var p map[string]any
	decode(t, resp, &p)
	if resp.StatusCode != http.StatusUnprocessableEntity || p["code"] != "plan_limit_staff" || !strings.Contains(p["title"].(string), "10") {
		t.Errorf("11th seat: %d %v", resp.StatusCode, p)
	}
	// Withdrawing an invitation frees its seat.
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/invitations/" + e.pending.ID.String() + "/revoke", as: "manager"}), 204, "revoke")
	expectStatus(t, invite("n11@example.com"), http.StatusCreated, "seat freed")
}

// A one-time message shows once: the page that shows it deletes the cookie
// on the path it was set with.
func TestFlashIsShownOnce(t *testing.T) {
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/t/alpha/staff/invitations/" + e.pending.ID.String() + "/revoke", as: "manager", form: url.Values{}})
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ed_flash" {
			flash = c
		}
	}
	if flash == nil {
		t.Fatal("no flash cookie")
	}
	r := httpReq(e, request{method: "GET", path: "/t/alpha/staff"})
	r.AddCookie(&http.Cookie{Name: "ed_session", Value: e.actors["manager"].cookie()})
	r.AddCookie(flash)
	resp, err := e.app.Test(r, 10_000)
	must(t, err)
	var dropped bool
	for _, c := range resp.Cookies() {
		if c.Name == "ed_flash" && c.Path == "/" && (c.MaxAge < 0 || c.Expires.Before(time.Now())) {
			dropped = true
		}
	}
	if body := readBody(t, resp); !strings.Contains(body, `class="flash"`) || !dropped {
		t.Errorf("flash shown=%v, deleted on path /=%v", strings.Contains(body, `class="flash"`), dropped)
	}
}
