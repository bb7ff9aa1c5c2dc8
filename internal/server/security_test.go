package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Text with a NUL (which PostgreSQL refuses: a 500 before) or another
// control character is refused with a 422 naming the field, on every kind
// of input; a search term drops it and searches.
func TestControlCharactersAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "dispatched")
	p := w.p
	r := strings.NewReplacer("{ticket}", tk.ID.String(), "{person}", p.northPerson.String(), "{north}", e.estates[0].ID.String(),
		"{unit}", p.northUnit.String())
	const a = "/api/v1/t/alpha"
	for _, c := range []struct {
		method, path string
		as           string
		json         any
		form         url.Values
		field        string // "" when the request succeeds
		want         int
	}{
		// Search terms: the control is dropped.
		{method: "GET", path: a + "/search?q=%00", as: "clerk", want: 200},
		{method: "GET", path: a + "/search?q=1-101%00", as: "clerk", want: 200},
		{method: "GET", path: a + "/tickets?q=a%00", as: "clerk", want: 200},
		{method: "GET", path: a + "/tickets?q=%FF%00", as: "clerk", want: 200},
		{method: "GET", path: a + "/tickets/export.csv?q=%00", as: "office_head", want: 200},
		{method: "GET", path: "/api/v1/admin/tenants?q=%00", as: "admin", want: 200},
		{method: "GET", path: "/t/alpha/tickets/new/lookup?q=%00", as: "clerk", want: 200},
		{method: "GET", path: "/t/alpha/search?q=%01x", as: "clerk", want: 200},
		// Paths are not decoded: a NUL there names nothing that exists.
		{method: "GET", path: "/api/v1/t/al%00pha/tickets", as: "clerk", want: 404},
		{method: "GET", path: a + "/tickets/%00", as: "clerk", want: 404},
		{method: "GET", path: a + "/persons/%00", as: "clerk", want: 404},
		// Any other parameter: refused, named.
		{method: "GET", path: a + "/tickets?estate=%00", as: "clerk", field: "estate", want: 422},
		{method: "GET", path: a + "/tickets?from=2026%0B", as: "clerk", field: "from", want: 422},
		{method: "GET", path: a + "/tickets?view=%FF", as: "clerk", field: "view", want: 422},
		// JSON bodies, at any depth.
		{method: "POST", path: a + "/tickets", as: "clerk", json: map[string]any{"estate_id": "{north}", "unit_id": "{unit}",
			"type": "repair", "description": "x\u0000y"}, field: "description", want: 422},
		{method: "POST", path: a + "/tickets/{ticket}/comments", as: "manager", json: map[string]any{"body": "a\u0000"}, field: "body", want: 422},
		{method: "POST", path: a + "/persons/{person}", as: "clerk", json: map[string]any{"notes": "\u0000"}, field: "notes", want: 422},
		{method: "POST", path: a + "/estates/{north}", as: "manager", json: map[string]any{"address": "路\u0000"}, field: "address", want: 422},
		{method: "POST", path: a + "/settings/tickets/categories", as: "manager", json: map[string]any{"name": "\u0000"}, field: "name", want: 422},
		{method: "POST", path: a + "/staff/invitations", as: "manager", json: map[string]any{"email": "n@example.com", "name": "N\u0000",
			"roles": []string{"clerk"}}, field: "name", want: 422},
		{method: "POST", path: a + "/staff/invitations", as: "manager", json: map[string]any{"email": "n@example.com",
			"roles": []string{"clerk\u001b"}}, field: "roles.0", want: 422},
		{method: "POST", path: a + "/tickets/{ticket}/hold", as: "manager", json: map[string]any{"reason": "等\u0007"}, field: "reason", want: 422},
		// Line breaks and tabs are text.
		{method: "POST", path: a + "/tickets/{ticket}/comments", as: "manager", json: map[string]any{"body": "第一行\r\n\t第二行"}, want: 201},
		// HTML forms.
		{method: "POST", path: "/t/alpha/tickets", as: "clerk", form: url.Values{"estate_id": {"{north}"}, "unit_id": {"{unit}"},
			"type": {"repair"}, "channel": {"phone"}, "description": {"漏水\x00"}}, field: "description", want: 422},
		{method: "POST", path: "/t/alpha/persons/{person}", as: "clerk", form: url.Values{"notes": {"\x00"}}, field: "notes", want: 422},
	} {
		req := request{method: c.method, path: r.Replace(c.path), as: c.as}
		if m, ok := c.json.(map[string]any); ok {
			body := map[string]any{}
			for k, v := range m {
				if s, ok := v.(string); ok {
					v = r.Replace(s)
				}
				body[k] = v
			}
			req.json = body
		}
		if c.form != nil {
			req.form = url.Values{}
			for k, vs := range c.form {
				req.form.Set(k, r.Replace(vs[0]))
			}
		}
		resp := e.do(req)
		who := c.method + " " + c.path
		if c.want != 422 {
			expectStatus(t, resp, c.want, who)
			continue
		}
		if resp.StatusCode != 422 {
			t.Errorf("%s: status %d, want 422; %.300s", who, resp.StatusCode, readBody(t, resp))
			continue
		}
		if strings.HasPrefix(c.path, "/api/") {
			p := problemOf(t, resp)
			errs, _ := p["errors"].(map[string]any)
			if p["code"] != "invalid_text" || errs[c.field] == nil {
				t.Errorf("%s: problem %v, want invalid_text naming %s", who, p, c.field)
			}
		} else if body := readBody(t, resp); !strings.Contains(body, "「"+c.field+"」") {
			t.Errorf("%s: page does not name %s: %.500s", who, c.field, body)
		}
	}
	// A multipart form (an attachment's note) is checked as well.
	resp := e.doMultipart("/api/v1/t/alpha/tickets/"+tk.ID.String()+"/attachments", "manager",
		map[string]string{"note": "现场\x00"}, []upload{{"leak.png", pngBytes}})
	if p := problemOf(t, resp); resp.StatusCode != 422 || p["code"] != "invalid_text" {
		t.Errorf("multipart note: %d %v", resp.StatusCode, p)
	}
	// Nothing of the refused requests was written.
	d := w.detail(t, tk.ID, "manager")
	comments := 0
	for _, en := range d.Timeline {
		if en.Kind == ticket.KindComment {
			comments++
		}
		if strings.ContainsRune(en.Body, 0) || en.Kind == string(ticket.Hold) || en.Kind == ticket.KindAttachment {
			t.Errorf("refused input was written: %s %q", en.Kind, en.Body)
		}
	}
	if comments != 1 || d.Ticket.Status != ticket.Dispatched {
		t.Errorf("%d comments, status %s", comments, d.Ticket.Status)
	}
}

// A redirect target a request names (next=) must stay on this site however
// it is written: browsers drop tabs and newlines and read "\" as "/".
func TestRedirectTargetsStayOnSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	evil := []string{"/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "/%09/evil.example",
		"/%2F/evil.example", "/%5Cevil.example", "/%250A/evil.example", "https://evil.example/", "evil.example"}
	for _, next := range evil {
		resp := e.do(request{method: "GET", path: "/login?next=" + url.QueryEscape(next), as: "worker"})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/" {
			t.Errorf("GET /login next=%q: %d Location %q, want /", next, resp.StatusCode, loc)
		}
		resp = e.do(request{method: "POST", path: "/locale", as: "worker", form: url.Values{"lang": {"en"}, "next": {next}}})
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
			t.Errorf("POST /locale next=%q: %d Location %q, want /", next, resp.StatusCode, loc)
		}
		resp = e.do(request{method: "GET", path: "/login?next=" + url.QueryEscape(next)})
		if body := readBody(t, resp); strings.Contains(body, "evil.example") {
			t.Errorf("login form for next=%q carries it on", next)
		}
	}
	// A sign-in with the right password, once for the lot (argon2).
	resp := e.do(request{method: "POST", path: "/login", form: url.Values{"email": {"clerk@alpha.example.com"}, "password": {testPassword},
		"next": {"/\t/evil.example"}}})
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/" {
		t.Errorf("POST /login: %d Location %q, want /", resp.StatusCode, loc)
	}
	// Paths of this site pass as they came, query and escapes included.
	for _, next := range []string{"/t/alpha/", "/t/alpha/tickets?q=%E6%B0%B4&view=open", "/t/alpha/tickets?q=100%25"} {
		resp := e.do(request{method: "GET", path: "/login?next=" + url.QueryEscape(next), as: "worker"})
		if loc := resp.Header.Get("Location"); loc != next {
			t.Errorf("GET /login next=%q: Location %q", next, loc)
		}
	}
	// Sent to sign in, the way back is the page asked for.
	resp = e.do(request{method: "GET", path: "/t/alpha/tickets?view=open"})
	if loc := resp.Header.Get("Location"); loc != "/login?next="+url.QueryEscape("/t/alpha/tickets?view=open") {
		t.Errorf("anonymous: Location %q", loc)
	}
}

// cleanerWorld adds a worker of another team of North (保洁班), who may
// read North's tickets but not work the maintenance team's.
func (w *ticketWorld) addCleaner() *team.Team {
	e := w.e
	e.addActor("cleaner", e.alpha, account.Access{Roles: []string{"worker"}, EstateIDs: []uuid.UUID{e.estates[0].ID}})
	tm, err := team.NewService(e.db).Create(w.ctx, e.alpha.ID, allScope, e.estates[0].ID, team.Cleaning, "保洁班", nil)
	must(e.t, err)
	tm, err = team.NewService(e.db).SetMembers(w.ctx, e.alpha.ID, allScope, e.estates[0].ID, tm.ID, []uuid.UUID{e.actors["cleaner"].user.ID})
	must(e.t, err)
	return tm
}

// ticket:work lets a worker act only on the tickets they hold or may
// claim: a cleaner does not even see a maintenance ticket (404), a
// maintenance colleague who does not hold it sees it but can neither
// comment on nor attach to it (403); its worker and its team's leader can.
func TestWorkersActOnlyOnTicketsTheyHoldOrMayClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	w.addCleaner()
	held := w.ticketIn(e.estates[0].ID, "dispatched")
	pool := w.ticketIn(e.estates[0].ID, "pool")
	for _, tk := range []*ticket.Ticket{held, pool} {
		for _, path := range []string{"/api/v1/t/alpha", "/t/alpha"} {
			base := path + "/tickets/" + tk.ID.String()
			req := request{method: "POST", path: base + "/comments", as: "cleaner", json: map[string]any{"body": "业主可见的留言", "owner_visible": true}}
			if path == "/t/alpha" {
				req.json, req.form = nil, url.Values{"body": {"业主可见的留言"}, "owner_visible": {"true"}}
			}
			expectStatus(t, e.do(req), http.StatusNotFound, "cleaner comments on "+base)
			expectStatus(t, e.doMultipart(base+"/attachments", "cleaner", nil, []upload{{"x.png", pngBytes}}), http.StatusNotFound,
				"cleaner attaches to "+base)
		}
		for _, who := range []string{"worker", "team_leader", "clerk"} {
			resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/comments", as: who, json: map[string]any{"body": "收到"}})
			expectStatus(t, resp, http.StatusCreated, who+" comments")
		}
		resp := e.doMultipart("/api/v1/t/alpha/tickets/"+tk.ID.String()+"/attachments", "worker", nil, []upload{{"x.png", pngBytes}})
		expectStatus(t, resp, http.StatusCreated, "worker attaches")
	}
	// The cleaner joins maintenance too: the ticket a colleague holds is
	// theirs to read, not to work.
	_, err := team.NewService(e.db).SetMembers(w.ctx, e.alpha.ID, allScope, e.estates[0].ID, w.north.ID,
		[]uuid.UUID{e.actors["worker"].user.ID, e.actors["team_leader"].user.ID, e.actors["cleaner"].user.ID})
	must(t, err)
	for _, path := range []string{"/api/v1/t/alpha", "/t/alpha"} {
		base := path + "/tickets/" + held.ID.String()
		req := request{method: "POST", path: base + "/comments", as: "cleaner", json: map[string]any{"body": "业主可见的留言", "owner_visible": true}}
		if path == "/t/alpha" {
			req.json, req.form = nil, url.Values{"body": {"业主可见的留言"}, "owner_visible": {"true"}}
		}
		expectStatus(t, e.do(req), http.StatusForbidden, "colleague comments on "+base)
		expectStatus(t, e.doMultipart(base+"/attachments", "cleaner", nil, []upload{{"x.png", pngBytes}}), http.StatusForbidden,
			"colleague attaches to "+base)
	}
	// The page offers the forms to those who may use them only.
	for who, want := range map[string]bool{"cleaner": false, "worker": true, "team_leader": true} {
		body := page(t, e, "/t/alpha/tickets/"+held.ID.String(), who)
		if got := strings.Contains(body, `id="comment-form"`) && strings.Contains(body, `id="attach-form"`); got != want {
			t.Errorf("%s sees the comment and attachment forms: %v, want %v", who, got, want)
		}
	}
	d := w.detail(t, pool.ID, "manager")
	if d.Ticket.AssigneeID != nil {
		t.Errorf("a comment made %v the pool ticket's worker", d.Ticket.AssigneeID)
	}
	for _, en := range d.Timeline {
		if en.ActorID != nil && *en.ActorID == e.actors["cleaner"].user.ID {
			t.Errorf("the cleaner's %s was recorded", en.Kind)
		}
	}
}

// A team member who never held a pool ticket returns it: the return is
// theirs, but they are not recorded as its worker.
func TestReturnDoesNotMakeTheMemberTheWorker(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	pool := w.ticketIn(e.estates[0].ID, "pool")
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + pool.ID.String() + "/return", as: "worker",
		json: map[string]any{"reason": "不是维修问题"}})
	expectStatus(t, resp, http.StatusOK, "return")
	d := w.detail(t, pool.ID, "manager")
	worker := e.actors["worker"].user.ID.String()
	for _, en := range d.Timeline {
		if en.Kind == string(ticket.Return) && strings.Contains(en.Data, worker) {
			t.Errorf("the return records the member as the worker: %s", en.Data)
		}
	}
	if d.Ticket.Status != ticket.Received || d.Ticket.AssigneeID != nil {
		t.Errorf("returned: %s %v", d.Ticket.Status, d.Ticket.AssigneeID)
	}
}

// loginConcurrently sends n sign-ins at once and counts the answers by
// status.
func (e *env) loginConcurrently(n int, email func(i int) string, password string) map[int]int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[int]int{}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("POST", "/api/v1/auth/login",
				strings.NewReader(`{"email":"`+email(i)+`","password":"`+password+`"}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := e.app.Test(req, 60_000)
			status := 0
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			mu.Lock()
			got[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	return got
}

// 20 wrong passwords at once for one account: at most the limit (5) are
// checked against the hash, the rest are refused with 429. However many
// of the 20 got through, the account is locked after exactly five checked
// failures in all.
func TestLoginLimitHoldsUnderConcurrency(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.LoginMaxPerAccount = 5; c.LoginMaxPerAddress = 1000 })
	const clerk = "clerk@alpha.example.com"
	got := e.loginConcurrently(20, func(int) string { return clerk }, "wrong-password")
	e.wantLimited(t, got, 5, func(pw string) int {
		return e.loginConcurrently(1, func(int) string { return clerk }, pw)[http.StatusTooManyRequests]
	})
}

// The same for the limit per client address, over 20 accounts.
func TestLoginAddressLimitHoldsUnderConcurrency(t *testing.T) {
	e := newEnvWith(t, func(c *config.Config) { c.LoginMaxPerAccount = 1000; c.LoginMaxPerAddress = 5 })
	next := 0
	got := e.loginConcurrently(20, func(i int) string { return "nobody" + string(rune('a'+i)) + "@example.com" }, "wrong-password")
	e.wantLimited(t, got, 5, func(pw string) int {
		next++
		email := "later" + string(rune('a'+next)) + "@example.com"
		if pw == testPassword {
			email = "clerk@alpha.example.com"
		}
		return e.loginConcurrently(1, func(int) string { return email }, pw)[http.StatusTooManyRequests]
	})
}

// wantLimited checks a burst's answers against a limit, then that wrong
// passwords one by one are checked until the failures reach it, and that
// then even the right password is refused. try signs in once and says
// whether it got 429.
func (e *env) wantLimited(t *testing.T, got map[int]int, limit int, try func(password string) int) {
	t.Helper()
	n := got[http.StatusUnauthorized]
	if n > limit || n+got[http.StatusTooManyRequests] != 20 {
		t.Fatalf("answers by status %v, want at most %d × 401 and the rest 429", got, limit)
	}
	for i := n; i < limit; i++ {
		if try("wrong-password") != 0 {
			t.Fatalf("refused after %d checked failures, want %d", i, limit)
		}
	}
	if try(testPassword) != 1 {
		t.Errorf("the right password after %d failures was not refused", limit)
	}
}

// resetLink asks for a reset of email and returns the emailed link's path.
func (e *env) resetLink(t *testing.T, email string) string {
	t.Helper()
	expectStatus(t, e.do(request{method: "POST", path: "/password/forgot", form: url.Values{"email": {email}}}), 200, "forgot")
	m := linkPattern.FindStringSubmatch(e.mail.last(t).Body)
	if m == nil {
		t.Fatal("no link in the mail")
	}
	return m[1]
}

// A password reset lifts the lock that earlier failures put on the
// account: the new password works at once.
func TestPasswordResetLiftsSignInLock(t *testing.T) {
	// Not parallel: argon2 under the load of every other test outlasts
	// the request timeout.
	e := newEnvWith(t, func(c *config.Config) { c.LoginMaxPerAccount = 3 })
	login := func(pw string) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]string{"email": "clerk@alpha.example.com", "password": pw}})
	}
	for range 3 {
		expectStatus(t, login("wrong-password"), http.StatusUnauthorized, "wrong password")
	}
	expectStatus(t, login("wrong-password"), http.StatusTooManyRequests, "locked")
	link := e.resetLink(t, "clerk@alpha.example.com")
	resp := e.do(request{method: "POST", path: link, form: url.Values{"password": {"a new secret"}, "confirm": {"a new secret"}}})
	expectStatus(t, resp, http.StatusSeeOther, "reset")
	expectStatus(t, login("a new secret"), http.StatusOK, "new password after the reset")
}

// A used or expired reset link says so at once: no form to fill in vain.
func TestDeadResetLinkShowsNoForm(t *testing.T) {
	// Not parallel: argon2 under the load of every other test outlasts
	// the request timeout.
	e := newEnv(t)
	const form = `action="/password/reset/`
	link := e.resetLink(t, "clerk@alpha.example.com")
	resp := e.do(request{method: "GET", path: link})
	if body := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(body, form) {
		t.Fatalf("live link: %d, form shown: %v", resp.StatusCode, strings.Contains(body, form))
	}
	expectStatus(t, e.do(request{method: "POST", path: link, form: url.Values{"password": {"a new secret"}, "confirm": {"a new secret"}}}),
		http.StatusSeeOther, "reset")
	dead := func(link, why string) {
		for _, method := range []string{"GET", "POST"} {
			req := request{method: method, path: link}
			if method == "POST" {
				req.form = url.Values{"password": {"another one!"}, "confirm": {"another one!"}}
			}
			resp := e.do(req)
			body := readBody(t, resp)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, form) || !strings.Contains(body, "已失效") ||
				!strings.Contains(body, `href="/password/forgot"`) {
				t.Errorf("%s link, %s: %d, form shown %v; %.300s", why, method, resp.StatusCode, strings.Contains(body, form), body)
			}
		}
	}
	dead(link, "used")
	link = e.resetLink(t, "worker@alpha.example.com")
	e.accounts.SetClock(func() time.Time { return time.Now().UTC().Add(2 * time.Hour) })
	dead(link, "expired")
	dead("/password/reset/no-such-token", "unknown")
}

// received_by naming someone who is not staff of this company is a bad
// field (422), not a missing page.
func TestTicketReceiverOfAnotherCompanyIsAFieldError(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	for _, who := range []string{e.actors["other"].user.ID.String(), uuid.NewString(), "not-an-id"} {
		resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "clerk", json: map[string]any{
			"estate_id": e.estates[0].ID, "unit_id": w.p.northUnit, "type": "repair", "description": "漏水", "received_by": who}})
		p := problemOf(t, resp)
		if resp.StatusCode != 422 || p["code"] != "ticket_invalid_receiver" || !strings.Contains(p["title"].(string), "受理人") {
			t.Errorf("received_by %s: %d %v", who, resp.StatusCode, p)
		}
	}
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "clerk", json: map[string]any{
		"estate_id": e.estates[0].ID, "unit_id": w.p.northUnit, "type": "repair", "description": "漏水", "received_by": e.actors["worker"].user.ID}})
	expectStatus(t, resp, http.StatusCreated, "received by a colleague")
}

// A scoped clerk naming a unit of an estate outside their scope learns no
// more than for a unit that does not exist.
func TestTicketUnitOutsideScopeLooksUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	create := func(as string, unit uuid.UUID) (int, map[string]any) {
		resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: as, json: map[string]any{
			"estate_id": e.estates[0].ID, "unit_id": unit, "type": "repair", "description": "漏水"}})
		return resp.StatusCode, problemOf(t, resp)
	}
	s1, p1 := create("clerk", w.p.southUnit)
	s2, p2 := create("clerk", uuid.New())
	if s1 != s2 || p1["code"] != p2["code"] || p1["title"] != p2["title"] || s1 != http.StatusNotFound {
		t.Errorf("other estate's unit: %d %v; unknown unit: %d %v", s1, p1, s2, p2)
	}
	// Who sees both estates is told what is wrong.
	if s, p := create("manager", w.p.southUnit); s != 422 || p["code"] != "ticket_unit_not_in_estate" {
		t.Errorf("manager: %d %v", s, p)
	}
}

// A team leader sets the duty of their own team only, as they assign its
// tickets; an office head sets any team's of their estates.
func TestTeamLeaderSetsDutyOfOwnTeamOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	cleaning := w.addCleaner()
	cleaner := e.actors["cleaner"].user.ID.String()
	duty := func(as string, tm uuid.UUID, user string, api bool) *http.Response {
		path := "/t/alpha/estates/" + e.estates[0].ID.String() + "/teams/" + tm.String() + "/duty"
		if api {
			return e.do(request{method: "POST", path: "/api/v1" + path, as: as, json: map[string]any{"user_id": user, "on_duty": false}})
		}
		return e.do(request{method: "POST", path: path, as: as, form: url.Values{"user_id": {user}, "on_duty": {"false"}}})
	}
	for _, api := range []bool{true, false} {
		resp := duty("team_leader", cleaning.ID, cleaner, api)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("leader on another team (api %v): %d", api, resp.StatusCode)
		} else if api {
			if p := problemOf(t, resp); p["code"] != "team_not_leader" {
				t.Errorf("problem %v", p)
			}
		}
	}
	expectStatus(t, duty("team_leader", w.north.ID, e.actors["worker"].user.ID.String(), true), http.StatusOK, "leader on own team")
	expectStatus(t, duty("office_head", cleaning.ID, cleaner, true), http.StatusOK, "office head")
	// The teams page offers the leader the duty buttons of their team only.
	body := page(t, e, "/t/alpha/estates/"+e.estates[0].ID.String()+"/teams", "team_leader")
	if !strings.Contains(body, w.north.ID.String()+`/duty"`) || strings.Contains(body, cleaning.ID.String()+`/duty"`) {
		t.Errorf("duty forms on the leader's page: own %v, other %v", strings.Contains(body, w.north.ID.String()+`/duty"`),
			strings.Contains(body, cleaning.ID.String()+`/duty"`))
	}
}

// An office head's staff list shows the staff of their estates, naming
// those estates only, and the company-wide staff; not staff of other
// estates, nor invitations to them.
func TestStaffListKeepsToTheOfficeHeadsEstates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	north, south := e.estates[0].ID, e.estates[1].ID
	e.addActor("southclerk", e.alpha, account.Access{Roles: []string{"clerk"}, EstateIDs: []uuid.UUID{south}})
	e.addActor("bothclerk", e.alpha, account.Access{Roles: []string{"clerk"}, EstateIDs: []uuid.UUID{north, south}})
	_, _, err := e.accounts.Invite(context.Background(), e.alpha, account.InviteRequest{Email: "south-invite@example.com",
		Access: account.Access{Roles: []string{"clerk"}, EstateIDs: []uuid.UUID{south}}})
	must(t, err)
	var list struct {
		Members     []account.Member `json:"members"`
		Invitations []struct {
			Email     string      `json:"email"`
			EstateIDs []uuid.UUID `json:"estate_ids"`
		} `json:"invitations"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/staff", as: "office_head"}), &list)
	seen := map[string]bool{}
	for _, m := range list.Members {
		seen[m.Email] = true
		for _, id := range m.EstateIDs {
			if id == south {
				t.Errorf("%s listed with South", m.Email)
			}
		}
	}
	for _, want := range []string{"manager@alpha.example.com", "clerk@alpha.example.com", "bothclerk@alpha.example.com"} {
		if !seen[want] {
			t.Errorf("%s missing", want)
		}
	}
	if seen["southclerk@alpha.example.com"] {
		t.Error("South's clerk listed")
	}
	for _, inv := range list.Invitations {
		if inv.Email == "south-invite@example.com" {
			t.Error("South's invitation listed")
		}
	}
	if body := page(t, e, "/t/alpha/staff", "office_head"); strings.Contains(body, "southclerk@") || strings.Contains(body, "South") {
		t.Error("the staff page shows South")
	}
	// The manager sees everyone.
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/staff", as: "manager"}), &list)
	found := false
	for _, m := range list.Members {
		found = found || m.Email == "southclerk@alpha.example.com"
	}
	if !found {
		t.Error("the manager does not see South's clerk")
	}
}

// A file uploaded as ".." is stored under a safe name.
func TestUploadNamedDotDotGetsASafeName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "dispatched")
	for _, name := range []string{"..", ".", `..\..`} {
		resp := e.doMultipart("/api/v1/t/alpha/tickets/"+tk.ID.String()+"/attachments", "worker", nil, []upload{{name, pngBytes}})
		var as []ticket.Attachment
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%q: %d %s", name, resp.StatusCode, readBody(t, resp))
		}
		decode(t, resp, &as)
		if got := as[0].Filename; got == ".." || got == "." || strings.ContainsAny(got, "/\\\x01") || got == "" {
			t.Errorf("%q stored as %q", name, got)
		}
	}
}

// What a client says of itself is stored as text: a NUL in the User-Agent,
// or one long enough to be cut inside a character, still signs in.
func TestClientHeadersAreStoredAsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, ua := range []string{"x\x00y", "a" + strings.Repeat("浏览器", 120)} {
		req := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"email":"clerk@alpha.example.com","password":"`+testPassword+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header["User-Agent"] = []string{ua}
		resp, err := e.app.Test(req, 60_000)
		must(t, err)
		expectStatus(t, resp, http.StatusOK, "sign-in with User-Agent of "+strconv.Itoa(len(ua))+" bytes")
	}
}
