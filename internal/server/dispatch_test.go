package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

// categoryID finds a category of alpha's tree by its path.
func (w *ticketWorld) categoryID(path string) uuid.UUID {
	w.e.t.Helper()
	tree, err := w.e.tickets.Categories(w.ctx, w.e.alpha.ID)
	must(w.e.t, err)
	for _, c := range tree {
		if c.Path == path {
			return c.ID
		}
	}
	w.e.t.Fatalf("no category %s", path)
	return uuid.Nil
}

// rule adds a dispatch rule of North (category "" is the fallback).
func (w *ticketWorld) rule(category string, teamID uuid.UUID, mode ticket.Mode) {
	w.e.t.Helper()
	r := ticket.Rule{EstateID: w.e.estates[0].ID, TeamID: teamID, Mode: mode}
	if category != "" {
		id := w.categoryID(category)
		r.CategoryID = &id
	}
	_, err := w.e.tickets.AddRule(w.ctx, w.e.alpha.ID, allScope, r)
	must(w.e.t, err)
}

// previewOf asks the intake preview as an actor.
func (e *env) previewOf(path, as string) (int, map[string]any) {
	e.t.Helper()
	resp := e.do(request{method: "GET", path: e.expand(path), as: as})
	var body map[string]any
	if resp.StatusCode == http.StatusOK || strings.HasPrefix(path, "/api/") {
		decode(e.t, resp, &body)
	} else {
		resp.Body.Close()
	}
	return resp.StatusCode, body
}

// The intake preview says which team the rules pick (or that none will),
// on which rule, what the team lacks, and the deadlines, in words; the
// page's face answers JSON as the API does.
func TestTicketPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	noise := w.categoryID("邻里 › 噪音").String()
	q := "?estate_id={north}&type=complaint&category_id=" + noise

	status, p := e.previewOf("/api/v1/t/alpha/tickets/preview"+q, "clerk")
	if status != 200 || p["team"] != nil || p["warning"] != true ||
		!strings.Contains(p["dispatch_text"].(string), "没有匹配的派工规则") || !strings.Contains(p["deadlines_text"].(string), "响应时限") ||
		!strings.Contains(p["deadlines_text"].(string), "计时") || p["response_due"] == nil || p["resolve_due"] == nil || p["clock"] == "" {
		t.Fatalf("no rule: %d %v", status, p)
	}
	// Praise has no deadlines, and the preview says so.
	status, p = e.previewOf("/api/v1/t/alpha/tickets/preview?estate_id={north}&type=praise", "clerk")
	if status != 200 || p["resolve_due"] != nil || !strings.Contains(p["deadlines_text"].(string), "没有处理时限") {
		t.Fatalf("praise: %d %v", status, p)
	}

	w.rule("邻里", w.north.ID, ticket.Direct)
	status, p = e.previewOf("/t/alpha/tickets/preview"+q, "clerk")
	team, _ := p["team"].(map[string]any)
	if status != 200 || team == nil || team["name"] != "维修一班" || p["mode"] != "direct" || p["fallback"] != false || p["warning"] != false ||
		!strings.Contains(p["dispatch_text"].(string), "维修一班") {
		t.Fatalf("rule of 邻里 (page face): %d %v", status, p)
	}

	// South's fallback team has no leader and nobody on duty; the manager
	// sees South.
	_, err := e.tickets.AddRule(w.ctx, e.alpha.ID, allScope, ticket.Rule{EstateID: e.estates[1].ID, TeamID: w.south.ID, Mode: ticket.Grab})
	must(t, err)
	status, p = e.previewOf("/api/v1/t/alpha/tickets/preview?estate_id={south}&type=repair&priority=urgent", "manager")
	team, _ = p["team"].(map[string]any)
	text, _ := p["dispatch_text"].(string)
	if status != 200 || team == nil || team["no_leader"] != true || team["none_on_duty"] != true || p["fallback"] != true || p["warning"] != true ||
		!strings.Contains(text, "兜底") || !strings.Contains(text, "没有班组长") || !strings.Contains(text, "没有在岗成员") {
		t.Fatalf("South's fallback: %d %v", status, p)
	}

	for _, c := range []struct {
		query, code string
		status      int
	}{
		{"?type=repair", "ticket_no_estate", 422},
		{"?estate_id={north}&type=nope", "ticket_invalid_type", 422},
		{"?estate_id={north}&type=repair&priority=nope", "ticket_invalid_priority", 422},
		{"?estate_id={north}&type=repair&category_id=x", "invalid_category", 422},
		{"?estate_id=x&type=repair", "not_found", 404},
		{"?estate_id={south}&type=repair", "not_found", 404}, // outside the clerk's estates
	} {
		status, p := e.previewOf("/api/v1/t/alpha/tickets/preview"+c.query, "clerk")
		if status != c.status || p["code"] != c.code {
			t.Errorf("%s: %d %v, want %d %s", c.query, status, p["code"], c.status, c.code)
		}
	}
}

// flashOf is the page a redirect lands on, carrying its one-time message.
func (e *env) flashOf(resp *http.Response, as string) string {
	e.t.Helper()
	var flash *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "ed_flash" {
			flash = c
		}
	}
	if flash == nil {
		e.t.Fatal("no flash cookie")
	}
	r := httpReq(e, request{method: "GET", path: resp.Header.Get("Location")})
	r.AddCookie(&http.Cookie{Name: "ed_session", Value: e.actors[as].cookie()})
	r.AddCookie(flash)
	page, err := e.app.Test(r, 10_000)
	must(e.t, err)
	return readBody(e.t, page)
}

// Saving with "dispatch now" when no rule matches keeps the ticket for a
// dispatcher and says so: a warning on the page, not the green success,
// and "dispatch" in the API's answer.
func TestTicketCreateSaysWhenNothingWasDispatched(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	noise := w.categoryID("邻里 › 噪音").String()
	form := func(dispatch bool) map[string]string {
		f := map[string]string{"estate_id": e.estates[0].ID.String(), "unit_id": w.northUnit.String(), "type": "complaint", "channel": "phone",
			"category_id": noise, "description": "楼上夜里噪音", "idempotency_key": uuid.NewString()}
		if dispatch {
			f["dispatch"] = "true"
		}
		return f
	}
	api := func(body map[string]any) map[string]any {
		t.Helper()
		resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets", as: "clerk", json: body})
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("API create: %d %s", resp.StatusCode, readBody(t, resp))
		}
		var out map[string]any
		decode(t, resp, &out)
		return out
	}
	body := map[string]any{"estate_id": e.estates[0].ID.String(), "unit_id": w.northUnit.String(), "type": "complaint",
		"category_id": noise, "description": "楼上夜里噪音"}

	// No rule. The API asks to dispatch by default.
	got := api(body)
	d, _ := got["dispatch"].(map[string]any)
	if got["status"] != "received" || got["number"] == nil || d == nil || d["requested"] != true || d["dispatched"] != false ||
		!strings.Contains(d["warning"].(string), "没有匹配的派工规则") {
		t.Fatalf("API, no rule: %v", got)
	}
	body["dispatch"] = false
	if d := api(body)["dispatch"].(map[string]any); d["requested"] != false || d["warning"] != nil {
		t.Errorf("API, not asked: %v", d)
	}
	resp := e.doMultipart("/t/alpha/tickets", "clerk", form(true), nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: %d %s", resp.StatusCode, readBody(t, resp))
	}
	page := e.flashOf(resp, "clerk")
	if !strings.Contains(page, `class="flash warn" role="alert"`) || !strings.Contains(page, "没有派出") {
		i := strings.Index(page, "flash")
		t.Errorf("form, no rule: no warning: %.300s", page[max(i-20, 0):])
	}
	// Unticked, nothing was asked: the usual message.
	page = e.flashOf(e.doMultipart("/t/alpha/tickets", "clerk", form(false), nil), "clerk")
	if strings.Contains(page, "flash warn") || !strings.Contains(page, `class="flash" role="status"`) {
		t.Errorf("form, not asked: a warning")
	}

	// With a rule it goes, and the success is green again.
	w.rule("邻里", w.north.ID, ticket.Grab)
	delete(body, "dispatch")
	got = api(body)
	if d := got["dispatch"].(map[string]any); got["status"] != "dispatched" || d["dispatched"] != true || d["warning"] != nil {
		t.Errorf("API, with a rule: %v", got)
	}
	page = e.flashOf(e.doMultipart("/t/alpha/tickets", "clerk", form(true), nil), "clerk")
	if strings.Contains(page, "flash warn") || !strings.Contains(page, `class="flash" role="status"`) {
		t.Errorf("form, with a rule: a warning")
	}
	// The ticket's own JSON is unchanged by the extra field.
	var tk ticket.Ticket
	b, _ := json.Marshal(got)
	must(t, json.Unmarshal(b, &tk))
	if tk.ID == uuid.Nil || tk.TeamID == nil || *tk.TeamID != w.north.ID {
		t.Errorf("created ticket %+v", tk)
	}
}

// The undispatched tab lists what waits for a dispatcher; the top bar
// counts it for those who may dispatch, and the cached chrome changes
// with the count.
func TestUndispatchedTabAndTopBar(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	waiting := w.ticketIn(e.estates[0].ID, "received")
	sent := w.ticketIn(e.estates[0].ID, "dispatched")

	queue := page(t, e, "/t/alpha/tickets?view=undispatched", "clerk")
	if !strings.Contains(queue, `id="tab-undispatched" aria-current="page">未派工 <span class="badge">1</span>`) ||
		!strings.Contains(queue, waiting.Number) || strings.Contains(queue, sent.Number) {
		t.Errorf("undispatched tab:\n%.3000s", queue)
	}
	if !strings.Contains(queue, `id="nav-undispatched"`) || !strings.Contains(queue, `id="undispatched-count">1<`) {
		t.Errorf("the clerk's top bar has no count of 1")
	}
	var api ticket.Page
	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets?view=undispatched", as: "clerk"})
	decode(t, resp, &api)
	if len(api.Rows) != 1 || api.Rows[0].ID != waiting.ID {
		t.Errorf("API undispatched: %+v", api.Rows)
	}
	// Workers and team leaders do not dispatch: no count.
	for _, as := range []string{"worker", "team_leader"} {
		if home := page(t, e, "/t/alpha/tickets", as); strings.Contains(home, `id="nav-undispatched"`) {
			t.Errorf("%s sees the undispatched count", as)
		}
	}
	// The clerk's next stuck intake shows at once in the clerk's top bar.
	resp = e.doMultipart("/t/alpha/tickets", "clerk", map[string]string{"estate_id": e.estates[0].ID.String(), "unit_id": w.northUnit.String(),
		"type": "inquiry", "channel": "phone", "description": "物业费怎么交", "dispatch": "true", "idempotency_key": uuid.NewString()}, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("intake: %d", resp.StatusCode)
	}
	if again := page(t, e, "/t/alpha/tickets?view=undispatched", "clerk"); !strings.Contains(again, `id="undispatched-count">2<`) {
		t.Errorf("after a stuck intake the top bar does not say 2")
	}
	// Dispatching it brings the count down for the dispatcher.
	expectRedirect(t, e.do(request{method: "POST", path: "/t/alpha/tickets/" + waiting.ID.String() + "/dispatch", as: "clerk",
		form: url.Values{"team_id": {w.north.ID.String()}}}), "/t/alpha/tickets/", "dispatch")
	if again := page(t, e, "/t/alpha/tickets", "clerk"); !strings.Contains(again, `id="undispatched-count">1<`) {
		t.Errorf("after a dispatch the top bar does not say 1")
	}
}

// A rule to a team without a leader or without anyone on duty is flagged
// in the settings (page and API) and on the estate page, which also
// shows the estate's fallback and lets a manager set it.
func TestDispatchRulesFlaggedAndFallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	north := e.estates[0].ID.String()
	leaderless := e.seedTeam(e.estates[1].ID, "南区保洁") // South: no leader, no members
	_, err := e.tickets.AddRule(w.ctx, e.alpha.ID, allScope, ticket.Rule{EstateID: e.estates[1].ID, TeamID: leaderless.ID, Mode: ticket.Grab})
	must(t, err)
	w.rule("维修", w.north.ID, ticket.RoundRobin)

	settings := page(t, e, "/t/alpha/settings/tickets", "manager")
	for _, want := range []string{"没有班组长", "没有在岗成员", `id="fallback-` + e.estates[1].ID.String() + `"`, `id="no-fallback-` + north + `"`,
		`id="uncovered-` + north + `"`, "兜底（没有规则的分类）"} {
		if !strings.Contains(settings, want) {
			t.Errorf("settings lack %q", want)
		}
	}
	var cfg struct {
		Rules []ticket.Rule `json:"dispatch_rules"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/settings/tickets", as: "manager"}), &cfg)
	for _, r := range cfg.Rules {
		if r.Team == nil || (r.TeamID == leaderless.ID) != (r.Team.NoLeader && r.Team.NoneOnDuty) {
			t.Errorf("API rule %+v team %+v", r, r.Team)
		}
	}

	estatePage := page(t, e, "/t/alpha/estates/"+north, "clerk")
	for _, want := range []string{`id="dispatch"`, `id="estate-rules"`, "维修一班", `id="no-fallback-` + north + `"`, "邻里"} {
		if !strings.Contains(estatePage, want) {
			t.Errorf("the clerk's estate page lacks %q", want)
		}
	}
	if strings.Contains(estatePage, `id="fallback-form"`) {
		t.Error("the clerk may set the fallback")
	}
	if south := page(t, e, "/t/alpha/estates/"+e.estates[1].ID.String(), "manager"); !strings.Contains(south, "没有班组长") {
		t.Error("South's estate page does not flag its leaderless fallback team")
	}

	// The manager names North's fallback from the estate page and is back
	// there; nothing is uncovered any more.
	managerPage := page(t, e, "/t/alpha/estates/"+north, "manager")
	if !strings.Contains(managerPage, `id="fallback-form"`) {
		t.Fatal("the manager has no fallback form")
	}
	expectRedirect(t, e.do(request{method: "POST", path: "/t/alpha/settings/tickets/rules", as: "manager", form: url.Values{
		"estate_id": {north}, "category_id": {""}, "team_id": {w.north.ID.String()}, "mode": {"direct"}, "back": {"estate"}}}),
		"/t/alpha/estates/"+north, "fallback")
	managerPage = page(t, e, "/t/alpha/estates/"+north, "manager")
	if !strings.Contains(managerPage, `id="fallback-`+north+`"`) || strings.Contains(managerPage, `id="uncovered-`+north+`"`) {
		t.Errorf("after setting the fallback:\n%s", managerPage[strings.Index(managerPage, `id="dispatch"`):])
	}
}
