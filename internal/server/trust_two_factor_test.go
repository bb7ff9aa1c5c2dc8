package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/config"
)

var recoveryPattern = regexp.MustCompile(`<code>([a-z2-7]{5}-[a-z2-7]{5})</code>`)

// clock is a settable time for the account service: TOTP codes change
// every 30 s, and the tests step through them.
type clock struct{ at time.Time }

func (c *clock) now() time.Time { return c.at }

// asBrowser is one request with a raw session cookie (a browser that signed
// in through the forms), with the anonymous CSRF pair when it has none.
func (e *env) asBrowser(method, path, cookie, csrf string, form url.Values) *http.Response {
	e.t.Helper()
	r := httpReq(e, request{method: method, path: path, form: form})
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: "ed_session", Value: cookie})
	}
	if csrf == "" {
		csrf = "anonymous-csrf-token-0123456789abcdef"
		r.AddCookie(&http.Cookie{Name: "ed_csrf", Value: csrf})
	}
	r.Header.Set("X-CSRF-Token", csrf)
	resp, err := e.app.Test(r, 10_000)
	must(e.t, err)
	return resp
}

// enrol turns two-factor sign-in on for an actor through /account and
// returns the secret and the recovery codes.
func (e *env) enrol(t *testing.T, who string, clk *clock) (string, []string) {
	t.Helper()
	expectStatus(t, e.do(request{method: "POST", path: "/account/two-factor/setup", as: who, form: url.Values{}}), http.StatusSeeOther, "setup")
	page := readBody(t, e.do(request{method: "GET", path: "/account/two-factor", as: who}))
	if !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatal("no QR code on the set-up page")
	}
	u, err := e.accounts.UserByID(context.Background(), e.actors[who].user.ID)
	must(t, err)
	secret := u.TOTPPending
	if !strings.Contains(page, secret) {
		t.Fatal("the key is not shown beside the QR code")
	}
	resp := e.do(request{method: "POST", path: "/account/two-factor/enable", as: who, form: url.Values{"code": {"000000"}}})
	expectStatus(t, resp, http.StatusUnauthorized, "enable with a wrong code")
	code, err := totp.GenerateCode(secret, clk.at)
	must(t, err)
	resp = e.do(request{method: "POST", path: "/account/two-factor/enable", as: who, form: url.Values{"code": {code}}})
	body := readBody(t, resp)
	var codes []string
	for _, m := range recoveryPattern.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	if resp.StatusCode != http.StatusOK || len(codes) != 10 {
		t.Fatalf("enable: status %d, %d recovery codes", resp.StatusCode, len(codes))
	}
	return secret, codes
}

// A clerk turns two-factor sign-in on; then a password opens only the code
// page, a wrong or replayed code is refused, the right one signs in, a
// recovery code works once, and an API token needs the code too.
func TestTwoFactorSignIn(t *testing.T) {
	e := newEnv(t)
	clk := &clock{at: time.Now().UTC()}
	e.accounts.SetClock(clk.now)
	secret, recovery := e.enrol(t, "clerk", clk)
	codeAt := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		must(t, err)
		return c
	}

	// password → the code page; the half-signed-in cookie opens nothing else
	password := func() string {
		resp := e.asBrowser("POST", "/login", "", "", url.Values{"email": {"clerk@alpha.example.com"}, "password": {testPassword}, "next": {"/t/alpha/"}})
		expectStatus(t, resp, http.StatusSeeOther, "password")
		if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login/two-factor") {
			t.Fatalf("password led to %q, want the code page", loc)
		}
		return sessionCookie(resp)
	}
	cookie := password()
	if resp := e.asBrowser("GET", "/t/alpha/", cookie, "", nil); resp.StatusCode != http.StatusFound {
		t.Errorf("workspace before the code: %d, want a redirect to sign in", resp.StatusCode)
	}
	expectStatus(t, e.asBrowser("GET", "/login/two-factor", cookie, "", nil), http.StatusOK, "code page")
	submit := func(cookie, code string) *http.Response {
		return e.asBrowser("POST", "/login/two-factor", cookie, "", url.Values{"code": {code}, "next": {"/t/alpha/"}})
	}
	wrong := submit(cookie, "123456")
	if body := readBody(t, wrong); wrong.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "动态码错误或已使用过") {
		t.Errorf("wrong code: %d", wrong.StatusCode)
	}
	// The code that turned it on was used in this time step: a replay.
	expectStatus(t, submit(cookie, codeAt(clk.at)), http.StatusUnauthorized, "replayed code")
	clk.at = clk.at.Add(30 * time.Second)
	resp := submit(cookie, codeAt(clk.at))
	expectStatus(t, resp, http.StatusSeeOther, "right code")
	if loc := resp.Header.Get("Location"); loc != "/t/alpha/" {
		t.Errorf("after the code: %q", loc)
	}
	expectStatus(t, e.asBrowser("GET", "/t/alpha/", cookie, "", nil), http.StatusOK, "workspace after the code")
	// The same code again, on another sign-in: refused.
	again := password()
	expectStatus(t, submit(again, codeAt(clk.at)), http.StatusUnauthorized, "code replayed on another sign-in")

	// A recovery code, typed loosely, works once.
	expectStatus(t, submit(again, strings.ToUpper(strings.ReplaceAll(recovery[0], "-", " "))), http.StatusSeeOther, "recovery code")
	expectStatus(t, submit(password(), recovery[0]), http.StatusUnauthorized, "recovery code used twice")

	// API tokens: only with the code.
	api := func(body map[string]string) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/auth/login", json: body})
	}
	noCode := api(map[string]string{"email": "clerk@alpha.example.com", "password": testPassword})
	if body := readBody(t, noCode); noCode.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "two_factor_code_required") {
		t.Errorf("API token without the code: %d %s", noCode.StatusCode, body)
	}
	clk.at = clk.at.Add(30 * time.Second)
	expectStatus(t, api(map[string]string{"email": "clerk@alpha.example.com", "password": testPassword, "code": codeAt(clk.at)}),
		http.StatusOK, "API token with the code")
}

// Wrong codes count like wrong passwords: past the limit even the right
// code is refused with 429, and the right password does not buy more tries.
func TestTwoFactorCodesAreThrottled(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.LoginMaxPerAccount = 3; c.LoginMaxPerAddress = 1000 })
	clk := &clock{at: time.Now().UTC()}
	e.accounts.SetClock(clk.now)
	secret, _ := e.enrol(t, "clerk", clk)
	resp := e.asBrowser("POST", "/login", "", "", url.Values{"email": {"clerk@alpha.example.com"}, "password": {testPassword}})
	cookie := sessionCookie(resp)
	for i := range 2 {
		expectStatus(t, e.asBrowser("POST", "/login/two-factor", cookie, "", url.Values{"code": {"111111"}}), http.StatusUnauthorized, "wrong code "+string(rune('1'+i)))
	}
	clk.at = clk.at.Add(30 * time.Second)
	code, err := totp.GenerateCode(secret, clk.at)
	must(t, err)
	resp = e.asBrowser("POST", "/login/two-factor", cookie, "", url.Values{"code": {code}})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("right code after the limit: %d, want 429 with Retry-After", resp.StatusCode)
	}
}

// A platform admin who signed in with a password alone is sent to set up
// two-factor sign-in; their API token is refused by the console.
func TestPlatformAdminMustEnrol(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, err := e.accounts.EnsureUser(ctx, "root@example.com", "Root", testHash, true)
	must(t, err)
	resp := e.asBrowser("POST", "/login", "", "", url.Values{"email": {"root@example.com"}, "password": {testPassword}, "next": {"/admin/"}})
	expectStatus(t, resp, http.StatusSeeOther, "admin password")
	cookie := sessionCookie(resp)
	resp = e.asBrowser("GET", "/admin/", cookie, "", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/account/two-factor" {
		t.Fatalf("console without two factors: %d → %q, want the set-up page", resp.StatusCode, loc)
	}
	page := readBody(t, e.asBrowser("GET", "/account/two-factor", cookie, "", nil))
	if !strings.Contains(page, "必须开启两步验证") {
		t.Error("the set-up page does not say it is required")
	}
	var tok struct{ Token string }
	decode(t, e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": "root@example.com", "password": testPassword}}), &tok)
	r := httpReq(e, request{method: "GET", path: "/api/v1/admin/tenants"})
	r.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err = e.app.Test(r, 10_000)
	must(t, err)
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "two_factor_required") {
		t.Errorf("console API with a single-factor token: %d %s", resp.StatusCode, body)
	}
	// The seeded admin stands for one who signed in with two factors.
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/admin/tenants", as: "admin"}), http.StatusOK, "two-factor admin")
}

// A company's managers require two-factor sign-in: only after signing in
// with it themselves; then staff without it are sent to set it up. Other
// roles cannot change it (403), another company's manager does not see it
// (404).
func TestCompanyRequiresTwoFactor(t *testing.T) {
	e := newEnv(t)
	set := func(who string, on bool) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/t/alpha/settings/two-factor", as: who, json: map[string]bool{"require": on}})
	}
	ctx := context.Background()
	// The manager's seeded sessions stand for a two-factor sign-in; a
	// fresh token of theirs for one without.
	_, err := e.db.Bun.NewUpdate().Table("sessions").Set("second_factor = true").Where("user_id = ?", e.actors["manager"].user.ID).Exec(ctx)
	must(t, err)
	_, single, err := e.accounts.OpenSession(ctx, e.actors["manager"].user, account.KindAPI, account.Client{IP: "192.0.2.1"})
	must(t, err)
	e.actors["single"] = &actor{user: e.actors["manager"].user, session: &account.Session{}, token: "|" + single}
	expectStatus(t, set("assistant", true), http.StatusForbidden, "assistant")
	expectStatus(t, set("other", true), http.StatusNotFound, "another company's manager")
	resp := set("single", true)
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "two_factor_required") {
		t.Errorf("manager without two factors: %d %s", resp.StatusCode, body)
	}
	expectStatus(t, set("manager", true), http.StatusOK, "manager with two factors")
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets", as: "clerk"})
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "two_factor_required") {
		t.Errorf("clerk without two factors: %d %s", resp.StatusCode, body)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/", as: "clerk"})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/account/two-factor" {
		t.Errorf("clerk's browser: %d → %q", resp.StatusCode, loc)
	}
	// Bravo does not require it.
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/bravo/staff", as: "other"}), http.StatusOK, "bravo")
	// The clerk can no longer turn it off: a company requires it.
	page := readBody(t, e.do(request{method: "GET", path: "/account/two-factor", as: "clerk"}))
	if !strings.Contains(page, "必须开启两步验证") {
		t.Error("the clerk's set-up page does not say it is required")
	}
	expectStatus(t, set("manager", false), http.StatusOK, "manager turns it off")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets", as: "clerk"}), http.StatusOK, "clerk again")
}
