package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// POST …/accept {"note": …} keeps the note in the timeline, and the ticket
// page shows it.
func TestTicketAcceptNote(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "dispatched")
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/accept", as: "worker",
		json: map[string]any{"note": "下午三点带角阀上门"}})
	expectStatus(t, resp, http.StatusOK, "accept")
	d := w.detail(t, tk.ID, "worker")
	last := d.Timeline[len(d.Timeline)-1]
	if last.Kind != string(ticket.Accept) || last.Body != "下午三点带角阀上门" {
		t.Fatalf("accept entry: %+v", last)
	}
	if body := page(t, e, "/t/alpha/tickets/"+tk.ID.String(), "worker"); !strings.Contains(body, "下午三点带角阀上门") {
		t.Error("the ticket page does not show the accept note")
	}
}

// A clerk who names the worker dispatches directly even where the rule
// deals by turns: the timeline does not say 轮派.
func TestTicketDispatchNamedWorkerShowsDirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	_, err := e.tickets.AddRule(w.ctx, e.alpha.ID, allScope, ticket.Rule{EstateID: e.estates[0].ID, TeamID: w.north.ID, Mode: ticket.RoundRobin})
	must(t, err)
	tk := w.ticketIn(e.estates[0].ID, "received")
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/dispatch", as: "clerk",
		json: map[string]any{"worker_id": e.actors["worker"].user.ID.String()}})
	expectStatus(t, resp, http.StatusOK, "dispatch")
	body := page(t, e, "/t/alpha/tickets/"+tk.ID.String(), "clerk")
	if strings.Contains(body, "方式：轮派") || !strings.Contains(body, "方式：指派") {
		i := strings.Index(body, "方式")
		t.Errorf("timeline mode: %.200s", body[max(i, 0):])
	}
}

// The console's JSON: a tenant in snake_case without its role cache
// version; an unchanged manifest re-apply lists no changes as [].
func TestAdminTenantJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(request{method: "GET", path: "/api/v1/admin/tenants/" + e.alpha.ID.String(), as: "admin"})
	body := readBody(t, resp)
	if !strings.Contains(body, `"slug":"alpha"`) || strings.Contains(body, "RBACVersion") || strings.Contains(body, "rbac_version") || strings.Contains(body, `"ID"`) {
		t.Errorf("tenant JSON: %.300s", body)
	}
	manifest := map[string]any{"manifest": "company:\n  slug: alpha\n  name: Alpha 物业\n  plan: enterprise\n"}
	for i, want := range []string{`"changes":["`, `"changes":[]`} {
		resp := e.do(request{method: "POST", path: "/api/v1/admin/tenants/" + e.alpha.ID.String() + "/manifest", as: "admin", json: manifest})
		if body := readBody(t, resp); resp.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("apply %d: %d %.300s, want %s", i+1, resp.StatusCode, body, want)
		}
	}
}

// The top search finds tickets by number: a whole number opens the
// ticket, a beginning lists it; roles that do not read tickets and other
// companies find nothing.
func TestSearchFindsTicketNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "received")
	resp := e.do(request{method: "GET", path: "/t/alpha/search?q=" + strings.ToLower(tk.Number), as: "clerk"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/alpha/tickets/"+tk.ID.String() {
		t.Errorf("whole number: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	prefix := tk.Number[:len(tk.Number)-2]
	for _, path := range []string{"/t/alpha/search?q=" + prefix, "/t/alpha/search?box=1&q=" + prefix} {
		if body := page(t, e, path, "clerk"); !strings.Contains(body, tk.Number) || !strings.Contains(body, "/t/alpha/tickets/"+tk.ID.String()) {
			t.Errorf("%s: the ticket is not listed", path)
		}
	}
	if body := page(t, e, "/t/alpha/search?q="+tk.Number, "document_controller"); strings.Contains(body, tk.ID.String()) {
		t.Error("a role without ticket:read finds the ticket")
	}
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/search?q=" + tk.Number, as: "other"}), http.StatusNotFound, "other tenant")
	if body := page(t, e, "/t/bravo/search?q="+tk.Number, "other"); strings.Contains(body, tk.ID.String()) {
		t.Error("another company finds the ticket")
	}
}

// The settings pages link to each other: ticket settings to the webhooks,
// and back.
func TestSettingsLinkWebhooks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if body := page(t, e, "/t/alpha/settings/tickets", "manager"); !strings.Contains(body, `href="/t/alpha/settings/webhooks"`) {
		t.Error("ticket settings do not link the webhooks")
	}
	if body := page(t, e, "/t/alpha/settings/webhooks", "manager"); !strings.Contains(body, `href="/t/alpha/settings/tickets"`) {
		t.Error("the webhooks page does not link the ticket settings")
	}
}

// The Chinese screens show words, not codes: the console's plan names, one
// word for on hold, the unit page's heading, the owner-visible note's hint.
func TestChineseScreensShowWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	for _, path := range []string{"/admin/", "/admin/tenants/" + e.alpha.ID.String()} {
		body := page(t, e, path, "admin")
		if !strings.Contains(body, "成长版") || strings.Contains(body, ">growth<") {
			t.Errorf("%s: plan name untranslated", path)
		}
	}
	held := w.ticketIn(e.estates[0].ID, "on_hold")
	body := page(t, e, "/t/alpha/tickets?status=on_hold", "manager")
	if !strings.Contains(body, held.Number) || strings.Contains(body, ">暂停<") || !strings.Contains(body, "挂起") {
		t.Error("the queue calls on_hold something else than 挂起")
	}
	body = page(t, e, "/t/alpha/units/"+w.p.northUnit.String(), "manager")
	if strings.Contains(body, "工单与账单") || !strings.Contains(body, "<h2>工单</h2>") || strings.Contains(body, "· 20") {
		t.Error("unit page: bills in the heading or a stray · before the date")
	}
	if body := page(t, e, "/t/alpha/tickets/"+held.ID.String(), "manager"); !strings.Contains(body, "业主端") {
		t.Error("the owner-visible option does not say where the owner sees it")
	}
}

// The account page names the device of each session, not its raw
// User-Agent.
func TestAccountSessionsNameTheDevice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	_, _, err := e.accounts.OpenSession(context.Background(), e.actors["clerk"].user, account.KindWeb, account.Client{IP: "192.0.2.9", UserAgent: chrome})
	must(t, err)
	body := page(t, e, "/account", "clerk")
	if !strings.Contains(body, ">Chrome 131 · Windows<") || strings.Contains(body, ">"+chrome+"<") {
		t.Errorf("account page: %.400s", body[strings.Index(body, "<table"):])
	}
}

// /account changes the password: the current one is required (422 when
// wrong, with the form again), the form needs its CSRF token, the new one
// follows the reset's rules; the other sessions end and this one stays.
func TestAccountPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	change := func(current, next string, header map[string]string) *http.Response {
		return e.do(request{method: "POST", path: "/account/password", as: "clerk", header: header,
			form: url.Values{"current_password": {current}, "new_password": {next}}})
	}
	resp := change("wrong password", "a new secret", nil)
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "当前密码不正确") {
		t.Fatalf("wrong current password: %d %.200s", resp.StatusCode, body)
	}
	expectStatus(t, change(testPassword, "a new secret", map[string]string{"X-CSRF-Token": "forged"}), http.StatusForbidden, "without the CSRF token")
	expectStatus(t, change(testPassword, "short", nil), http.StatusUnprocessableEntity, "too short")
	expectRedirect(t, change(testPassword, "a new secret", nil), "/account", "change")

	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/me", as: "clerk"}), http.StatusUnauthorized, "the other session (API token)")
	page(t, e, "/account", "clerk") // this session stays
	login := func(pw string) int {
		resp := e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]any{"email": "clerk@alpha.example.com", "password": pw}})
		resp.Body.Close()
		return resp.StatusCode
	}
	if old, new := login(testPassword), login("a new secret"); old != http.StatusUnauthorized || new != http.StatusOK {
		t.Errorf("sign-in with the old password %d, the new %d", old, new)
	}
}

// Field staff sign in with their mobile number as well as their email,
// through the form and the API; a number belongs to one person.
func TestSignInWithMobile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expectRedirect(t, e.do(request{method: "POST", path: "/account/mobile", as: "worker", form: url.Values{"mobile": {"138 0013 9999"}}}), "/account", "set mobile")
	if body := page(t, e, "/account", "worker"); !strings.Contains(body, `value="13800139999"`) {
		t.Error("the account page does not show the mobile number")
	}
	resp := e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]any{"email": "13800139999", "password": testPassword}})
	expectStatus(t, resp, http.StatusOK, "API sign-in by mobile")
	resp = e.do(request{method: "POST", path: "/login", form: url.Values{"email": {"+86 138-0013-9999"}, "password": {testPassword}, "next": {"/account"}}})
	expectRedirect(t, resp, "/account", "form sign-in by mobile")
	resp = e.do(request{method: "POST", path: "/api/v1/auth/login", json: map[string]any{"email": "13800139999", "password": "wrong password"}})
	expectStatus(t, resp, http.StatusUnauthorized, "wrong password")

	resp = e.do(request{method: "POST", path: "/account/mobile", as: "team_leader", form: url.Values{"mobile": {"13800139999"}}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "已被其他账号使用") {
		t.Errorf("a taken number: %d", resp.StatusCode)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/account/mobile", as: "team_leader", form: url.Values{"mobile": {"12345"}}}),
		http.StatusUnprocessableEntity, "not a mobile number")
	expectStatus(t, e.do(request{method: "POST", path: "/account/mobile", as: "worker", header: map[string]string{"X-CSRF-Token": "forged"},
		form: url.Values{"mobile": {""}}}), http.StatusForbidden, "without the CSRF token")
}

// The invitation mail says who invites, to which company, in which roles.
func TestInvitationMailNamesInviterCompanyAndRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/staff/invitations", as: "manager",
		json: map[string]any{"email": "new@example.com", "roles": []string{"clerk", "team_leader"}, "estate_ids": []string{e.estates[0].ID.String()}}})
	expectStatus(t, resp, http.StatusCreated, "invite")
	m := e.mail.last(t)
	for _, want := range []string{"「Alpha 物业」的 Manager 邀请您", "以「管理员、班组长」的身份"} {
		if !strings.Contains(m.Body, want) {
			t.Errorf("invitation mail lacks %q:\n%s", want, m.Body)
		}
	}
}

// The printable work order: an A5 sheet with the unit, the owner's phone,
// the problem, the photos' count, the dispatch and the signature lines;
// ticket:read in the ticket's scope.
func TestTicketPrintWorkOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "dispatched")
	w.attach(tk.ID, "现场.png", pngBytes)
	w.attach(tk.ID, "现场2.png", pngBytes)
	path := "/t/alpha/tickets/" + tk.ID.String() + "/print"
	body := page(t, e, path, "worker")
	for _, want := range []string{"派工单", tk.Number, "1-101", "138 0013 8000", "卫生间漏水", "照片 2 张", "维修一班", "Worker",
		"业主签字", "维修人员签字", "/static/print.css"} {
		if !strings.Contains(body, want) {
			t.Errorf("work order lacks %q", want)
		}
	}
	if body := page(t, e, "/t/alpha/tickets/"+tk.ID.String(), "worker"); !strings.Contains(body, `href="`+path+`"`) {
		t.Error("the ticket page does not link the work order")
	}
	css := e.do(request{method: "GET", path: "/static/print.css"})
	if b := readBody(t, css); !strings.Contains(b, "size: A5") {
		t.Error("print.css does not set the A5 page")
	}
	expectStatus(t, e.do(request{method: "GET", path: path, as: "other"}), http.StatusNotFound, "member of another tenant")
	expectStatus(t, e.do(request{method: "GET", path: path, as: "document_controller"}), http.StatusForbidden, "role without ticket:read")
	south := w.ticketIn(e.estates[1].ID, "received")
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/tickets/" + south.ID.String() + "/print", as: "clerk"}), http.StatusNotFound, "outside the clerk's estates")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + tk.ID.String() + "/print", as: "worker"}), http.StatusNotFound, "no API face")
}
