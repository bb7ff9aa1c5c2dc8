package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// queueWorld is what the queue tests seed through the ticket service, on
// top of the portfolio: tickets in North and South, a North team with the
// worker in it, one ticket dispatched to the worker and one waiting in the
// team's grab pool.
type queueWorld struct {
	*portfolio
	team     *team.Team
	tree     ticket.Tree
	leak     *ticket.Ticket // North, unit 1-101 (张三), complaint › 维修 › 漏水, urgent, by phone
	lift     *ticket.Ticket // North, walk-in caller 李四, repair › 维修 › 电梯, dispatched to the worker
	pool     *ticket.Ticket // North, repair, grab pool of the team
	fee      *ticket.Ticket // South, unit 9-101, inquiry › 收费, by web
	north    []*ticket.Ticket
	south    []*ticket.Ticket
	category map[string]uuid.UUID // by path
}

// manager acts for the seeding: company-wide, may dispatch.
func (e *env) queueActor() ticket.Actor {
	return ticket.Actor{UserID: e.actors["manager"].user.ID, Scope: allScope, Dispatcher: true, Sensitive: true}
}

func (e *env) queueTicket(in ticket.Intake) *ticket.Ticket {
	e.t.Helper()
	if in.Channel == "" {
		in.Channel = ticket.Phone
	}
	c, err := e.tickets.Create(context.Background(), e.alpha, e.queueActor(), in, "", false)
	must(e.t, err)
	return c.Ticket
}

func (e *env) seedQueue() *queueWorld {
	e.t.Helper()
	ctx := context.Background()
	w := &queueWorld{portfolio: e.seedPortfolio(), category: map[string]uuid.UUID{}}
	var err error
	w.tree, err = e.tickets.Categories(ctx, e.alpha.ID)
	must(e.t, err)
	for _, c := range w.tree {
		w.category[c.Path] = c.ID
	}
	cat := func(path string) *uuid.UUID { id := w.category[path]; return &id }
	north, south := e.estates[0].ID, e.estates[1].ID
	w.team = e.seedTeam(north, "维修")
	_, err = team.NewService(e.db).SetMembers(ctx, e.alpha.ID, allScope, north, w.team.ID, []uuid.UUID{e.actors["worker"].user.ID})
	must(e.t, err)

	w.leak = e.queueTicket(ticket.Intake{EstateID: north, UnitID: &w.northUnit, PersonID: &w.northPerson, Type: ticket.Complaint,
		CategoryID: cat("维修 › 漏水"), Priority: ticket.Urgent, Description: "楼上漏水到我家卫生间", PreferredTime: "今天下午"})
	w.lift = e.queueTicket(ticket.Intake{EstateID: north, CallerName: "李四", CallerPhone: "13912345678", Channel: ticket.WalkIn,
		Type: ticket.Repair, CategoryID: cat("维修 › 电梯"), Description: "3 号电梯按钮失灵"})
	w.pool = e.queueTicket(ticket.Intake{EstateID: north, CallerName: "王五", Type: ticket.Repair, Description: "路灯不亮"})
	w.fee = e.queueTicket(ticket.Intake{EstateID: south, UnitID: &w.southUnit, Type: ticket.Inquiry, Channel: ticket.Web,
		CategoryID: cat("收费"), Description: "物业费怎么交"})
	worker := e.actors["worker"].user.ID
	_, err = e.tickets.Dispatch(ctx, e.alpha, e.queueActor(), w.lift.ID, ticket.Assignment{TeamID: &w.team.ID, WorkerID: &worker, Mode: ticket.Direct})
	must(e.t, err)
	_, err = e.tickets.Dispatch(ctx, e.alpha, e.queueActor(), w.pool.ID, ticket.Assignment{TeamID: &w.team.ID, Mode: ticket.Grab})
	must(e.t, err)
	w.north = []*ticket.Ticket{w.leak, w.lift, w.pool}
	w.south = []*ticket.Ticket{w.fee}
	return w
}

// listed reads a queue through the API and returns the numbers of its
// first page.
func (e *env) listed(as, query string) []string {
	e.t.Helper()
	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets" + query, as: as})
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("%s %s: %d %s", as, query, resp.StatusCode, readBody(e.t, resp))
	}
	var page ticket.Page
	decode(e.t, resp, &page)
	var out []string
	for _, r := range page.Rows {
		out = append(out, r.Number)
	}
	slices.Sort(out)
	return out
}

func numbers(ts ...*ticket.Ticket) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Number)
	}
	slices.Sort(out)
	return out
}

func queueScenarios() []scenario {
	const settings = "/t/alpha/settings/tickets"
	policy := url.Values{"type": {"repair"}, "category_id": {""}, "priority": {"urgent"}, "clock": {"business_hours"},
		"response_hours": {"0"}, "response_mins": {"20"}, "resolve_hours": {"4"}, "resolve_mins": {""}}
	ladder := url.Values{"trigger": {"breach"}, "after_minutes": {"0"}, "notify_role": {"office_head"}, "notify_emails": {"quality@example.com"}}
	callbacks := url.Values{"callback_types": {"complaint"}, "callback_max_attempts": {"2"}, "callback_retry_minutes": {"60"}, "followup_days": {"2"}, "warn_percent": {"75"}}
	noTicketRead := []string{"document_controller"}
	var scenarios []scenario
	for _, api := range []bool{false, true} {
		prefix, created, empty, saved := "", 303, 303, 303
		var body = func(form url.Values, json any) (url.Values, any) { return form, nil }
		if api {
			prefix, created, empty, saved = "/api/v1", 201, 204, 200
			body = func(form url.Values, json any) (url.Values, any) { return nil, json }
		}
		post := func(path string, form url.Values, json any, want int) scenario {
			f, j := body(form, json)
			if f == nil && j == nil && !api {
				f = url.Values{}
			}
			return scenario{method: "POST", path: prefix + path, form: f, json: j, allowed: "manager", denied: onlyManager, want: want}
		}
		scenarios = append(scenarios,
			scenario{method: "GET", path: prefix + "/t/alpha/tickets", allowed: "worker", denied: noTicketRead, want: 200},
			scenario{method: "GET", path: prefix + "/t/alpha/tickets?view=overdue&status=received&q=漏水", allowed: "worker", denied: noTicketRead, want: 200},
			scenario{method: "GET", path: prefix + "/t/alpha/tickets/export.csv", allowed: "office_head", denied: belowOfficeHd, want: 200},
			scenario{method: "GET", path: prefix + "/t/alpha/tickets/export.xlsx?type=repair", allowed: "office_head", denied: belowOfficeHd, want: 200},
			scenario{method: "GET", path: prefix + "/t/alpha/notifications", allowed: "worker", want: 200},
			scenario{method: "POST", path: prefix + "/t/alpha/notifications/read", form: map[bool]url.Values{false: {}}[api], allowed: "worker", want: empty},
			scenario{method: "GET", path: prefix + settings, allowed: "manager", denied: onlyManager, want: 200},
			post(settings+"/settings", callbacks, map[string]any{"callback_types": []string{"complaint"}, "callback_max_attempts": 2,
				"callback_retry_minutes": 60, "followup_days": 2, "warn_percent": 75}, saved),
			post(settings+"/policies", policy, []map[string]any{{"type": "repair", "priority": "urgent", "response_minutes": 20, "resolve_minutes": 240}}, saved),
			post(settings+"/ladder", ladder, []map[string]any{{"trigger": "breach", "notify_role": "office_head", "notify_emails": "quality@example.com"}}, saved),
			post(settings+"/categories", url.Values{"parent_id": {"{category}"}, "name": {"下水道"}}, map[string]any{"parent_id": "{category}", "name": "下水道"}, created),
			post(settings+"/categories/{category}/archive", nil, nil, empty),
			post(settings+"/categories/{category}/restore", nil, nil, empty),
			post(settings+"/categories/{category}/staff-complaint", url.Values{"staff_complaint": {"true"}}, map[string]any{"staff_complaint": true}, empty),
			post(settings+"/rules", url.Values{"estate_id": {"{north}"}, "category_id": {"{category}"}, "team_id": {"{team}"}, "mode": {"grab"}},
				map[string]any{"estate_id": "{north}", "category_id": "{category}", "team_id": "{team}", "mode": "grab"}, created),
			post(settings+"/rules/{rule}/delete", nil, nil, empty),
		)
	}
	scenarios = append(scenarios, scenario{method: "GET", path: "/t/alpha/field", allowed: "worker", denied: noTicketRead, want: 200})
	return scenarios
}

// Every queue, export, field, notification and settings route: anonymous,
// another tenant's member, each role without the permission, and the
// least privileged role with it.
func TestQueueRoutesScenarios(t *testing.T) {
	for _, s := range queueScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			tree, err := e.tickets.Categories(ctx, e.alpha.ID)
			must(t, err)
			tm := e.seedTeam(e.estates[0].ID, "维修")
			rule, err := e.tickets.AddRule(ctx, e.alpha.ID, allScope, ticket.Rule{EstateID: e.estates[0].ID, TeamID: tm.ID})
			must(t, err)
			s := withReplacer(s, strings.NewReplacer("{category}", tree[0].ID.String(), "{team}", tm.ID.String(), "{rule}", rule.ID.String()))
			api := strings.HasPrefix(s.path, "/api/")

			resp := e.do(e.scenarioRequest(s, ""))
			if api {
				expectStatus(t, resp, http.StatusUnauthorized, "anonymous")
			} else if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
				t.Errorf("anonymous: %d %s, want redirect to /login", resp.StatusCode, resp.Header.Get("Location"))
			}
			expectStatus(t, e.do(e.scenarioRequest(s, "other")), http.StatusNotFound, "member of another tenant")
			for _, role := range s.denied {
				expectStatus(t, e.do(e.scenarioRequest(s, role)), http.StatusForbidden, role)
			}
			expectStatus(t, e.do(e.scenarioRequest(s, s.allowed)), s.want, s.allowed)
		})
	}
}

// Another company's manager reaches none of alpha's tickets or settings
// through their own workspace, whatever IDs they put in.
func TestQueueOtherTenant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	ctx := context.Background()
	rule, err := e.tickets.AddRule(ctx, e.alpha.ID, allScope, ticket.Rule{EstateID: e.estates[0].ID, TeamID: w.team.ID})
	must(t, err)
	north, cat := e.estates[0].ID.String(), w.tree[0].ID.String()
	for _, r := range []request{
		{method: "GET", path: "/t/bravo/tickets?estate=" + north, as: "other"},
		{method: "GET", path: "/api/v1/t/bravo/tickets?estate=" + north, as: "other"},
		{method: "GET", path: "/api/v1/t/bravo/tickets/export.csv?estate=" + north, as: "other"},
		{method: "POST", path: "/api/v1/t/bravo/settings/tickets/categories/" + cat + "/archive", as: "other"},
		{method: "POST", path: "/t/bravo/settings/tickets/categories/" + cat + "/restore", as: "other", form: url.Values{}},
		{method: "POST", path: "/api/v1/t/bravo/settings/tickets/categories/" + cat + "/staff-complaint", as: "other",
			json: map[string]any{"staff_complaint": true}},
		{method: "POST", path: "/t/alpha/settings/tickets/categories/" + cat + "/staff-complaint", as: "other", form: url.Values{"staff_complaint": {"true"}}},
		{method: "POST", path: "/api/v1/t/bravo/settings/tickets/rules/" + rule.ID.String() + "/delete", as: "other"},
		{method: "POST", path: "/api/v1/t/bravo/settings/tickets/rules", as: "other",
			json: map[string]any{"estate_id": north, "team_id": w.team.ID.String(), "mode": "direct"}},
		// A scoped clerk asking for South is refused the same way.
		{method: "GET", path: "/api/v1/t/alpha/tickets?estate=" + e.estates[1].ID.String(), as: "clerk"},
		{method: "GET", path: "/t/alpha/tickets/export.csv?estate=" + e.estates[1].ID.String(), as: "office_head"},
		{method: "GET", path: "/api/v1/t/alpha/tickets?estate=" + uuid.NewString(), as: "manager"},
	} {
		expectStatus(t, e.do(r), http.StatusNotFound, r.as+" "+r.method+" "+r.path)
	}
	// Policies naming alpha's category are refused as an unknown category.
	problemCode(t, e, request{method: "POST", path: "/api/v1/t/bravo/settings/tickets/policies", as: "other",
		json: []map[string]any{{"category_id": cat, "priority": "normal", "response_minutes": 10, "resolve_minutes": 60}}}, 422, "invalid_category")
	if got := e.listed("manager", ""); len(got) != 4 {
		t.Errorf("alpha's manager sees %v", got)
	}
	resp := e.do(request{method: "GET", path: "/api/v1/t/bravo/tickets", as: "other"})
	var page ticket.Page
	decode(t, resp, &page)
	if len(page.Rows) != 0 {
		t.Errorf("bravo sees %d tickets", len(page.Rows))
	}
	var cfg ticket.Config
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/bravo/settings/tickets", as: "other"}), &cfg)
	if len(cfg.Rules) != 0 || cfg.Categories.ByID(w.tree[0].ID) != nil {
		t.Errorf("bravo's configuration shows alpha's: %d rules", len(cfg.Rules))
	}
	// Alpha's category and rule are untouched.
	cfgA, err := e.tickets.Config(ctx, e.alpha.ID)
	must(t, err)
	if len(cfgA.Rules) != 1 || cfgA.Categories.ByID(w.tree[0].ID).ArchivedAt != nil {
		t.Error("bravo changed alpha's settings")
	}
}

// Staff scoped to North never see South's tickets: not in lists, counts,
// exports or the unit history.
func TestQueueEstateScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	if got, want := e.listed("clerk", ""), numbers(w.north...); !slices.Equal(got, want) {
		t.Errorf("clerk lists %v, want %v", got, want)
	}
	if got, want := e.listed("manager", ""), numbers(append(w.north, w.south...)...); !slices.Equal(got, want) {
		t.Errorf("manager lists %v, want %v", got, want)
	}
	if got := e.listed("clerk", "?q="+url.QueryEscape(w.fee.Number)); len(got) != 0 {
		t.Errorf("clerk finds South's ticket by number: %v", got)
	}
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets?view=open", as: "clerk"}))
	if !strings.Contains(body, w.leak.Number) || strings.Contains(body, w.fee.Number) {
		t.Error("clerk's page shows South or misses North")
	}
	// Open: the clerk counts North's three; the manager four.
	if !regexp.MustCompile(`id="tab-open"[^>]*>[^<]*<span class="badge">3</span>`).MatchString(body) {
		t.Errorf("clerk's open count is not 3: %s", regexp.MustCompile(`id="tab-open".{0,120}`).FindString(body))
	}
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets", as: "manager"}))
	if !regexp.MustCompile(`id="tab-open"[^>]*>[^<]*<span class="badge">4</span>`).MatchString(body) {
		t.Error("manager's open count is not 4")
	}
	csvBody := readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets/export.csv", as: "office_head"}))
	if !strings.Contains(csvBody, w.leak.Number) || strings.Contains(csvBody, w.fee.Number) {
		t.Error("office head's export shows South or misses North")
	}
}

// Each filter narrows the list; search finds by number, last 4 digits,
// phone, text and owner name; dates are days in the company's zone.
func TestQueueFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	loc := e.alpha.Location()
	today := time.Now().In(loc).Format(time.DateOnly)
	tomorrow := time.Now().In(loc).AddDate(0, 0, 1).Format(time.DateOnly)
	yesterday := time.Now().In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	all := append(slices.Clone(w.north), w.south...)
	for _, c := range []struct {
		query string
		want  []*ticket.Ticket
	}{
		{"", all},
		{"?estate=" + e.estates[1].ID.String(), w.south},
		{"?estate=" + e.estates[0].ID.String(), w.north},
		{"?unit=" + w.northUnit.String(), []*ticket.Ticket{w.leak}},
		{"?person=" + w.northPerson.String(), []*ticket.Ticket{w.leak}},
		{"?status=dispatched", []*ticket.Ticket{w.lift, w.pool}},
		{"?status=dispatched&status=received", all},
		{"?status=received,cancelled", []*ticket.Ticket{w.leak, w.fee}},
		{"?type=repair", []*ticket.Ticket{w.lift, w.pool}},
		{"?category=" + w.category["维修"].String(), []*ticket.Ticket{w.leak, w.lift}},
		{"?category=" + w.category["维修 › 漏水"].String(), []*ticket.Ticket{w.leak}},
		{"?team=" + w.team.ID.String(), []*ticket.Ticket{w.lift, w.pool}},
		{"?priority=urgent", []*ticket.Ticket{w.leak}},
		{"?channel=walk_in", []*ticket.Ticket{w.lift}},
		{"?channel=web&type=inquiry", []*ticket.Ticket{w.fee}},
		{"?from=" + today + "&to=" + today, all},
		{"?from=" + tomorrow, nil},
		{"?to=" + yesterday, nil},
		{"?q=" + w.lift.Number, []*ticket.Ticket{w.lift}},
		{"?q=" + strings.ToLower(w.lift.Number[:10]), all},
		{"?q=5678", []*ticket.Ticket{w.lift}},
		{"?q=139-1234-5678", []*ticket.Ticket{w.lift}},
		{"?q=" + w.northPhone[len(w.northPhone)-4:], []*ticket.Ticket{w.leak}},
		{"?q=" + url.QueryEscape("电梯"), []*ticket.Ticket{w.lift}},
		{"?q=" + url.QueryEscape("张"), []*ticket.Ticket{w.leak}},
		{"?q=" + url.QueryEscape("李四"), []*ticket.Ticket{w.lift}},
		// A long Chinese search is 100 characters at most, not bytes.
		{"?q=" + url.QueryEscape(strings.Repeat("漏", 100)), nil},
		{"?view=mine", nil},
		{"?view=open", all},
	} {
		if got, want := e.listed("manager", c.query), numbers(c.want...); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", c.query, got, want)
		}
	}
	// The worker's own queue and their team's.
	if got, want := e.listed("worker", "?view=mine"), numbers(w.lift); !slices.Equal(got, want) {
		t.Errorf("worker's mine: %v, want %v", got, want)
	}
	if got, want := e.listed("worker", "?view=team"), numbers(w.lift, w.pool); !slices.Equal(got, want) {
		t.Errorf("worker's team: %v, want %v", got, want)
	}
	if got, want := e.listed("team_leader", "?view=team"), numbers(w.lift, w.pool); !slices.Equal(got, want) {
		t.Errorf("leader's team: %v, want %v", got, want)
	}
	// Overdue: past the resolution deadline and still open.
	must(t, e.db.InTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("tickets").Set("resolve_due = ?", time.Now().Add(-3*time.Hour).UTC()).
			Where("tenant_id = ? AND id = ?", e.alpha.ID, w.pool.ID).Exec(ctx)
		return err
	}))
	if got, want := e.listed("manager", "?view=overdue"), numbers(w.pool); !slices.Equal(got, want) {
		t.Errorf("overdue: %v, want %v", got, want)
	}
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets?view=overdue", as: "manager"}))
	if !strings.Contains(body, `class="left tone-late">超时 3 小时`) && !strings.Contains(body, `class="left tone-late">超时 2 小时 59 分`) {
		t.Errorf("overdue row lacks its time: %s", regexp.MustCompile(`class="left[^<]*`).FindString(body))
	}

	for _, c := range []struct{ query, code string }{
		{"?type=bogus", "invalid_filter"},
		{"?status=bogus", "invalid_filter"},
		{"?view=bogus", "invalid_filter"},
		{"?sort=bogus", "invalid_filter"},
		{"?from=2026-13-01", "invalid_filter"},
		{"?unit=not-a-uuid", "invalid_filter"},
		{"?limit=501", "invalid_filter"},
		{"?category=" + uuid.NewString(), "invalid_filter"},
		{"?q=" + strings.Repeat("x", 101), "invalid_filter"},
		{"?cursor=garbage", "invalid_cursor"},
	} {
		problemCode(t, e, request{method: "GET", path: "/api/v1/t/alpha/tickets" + c.query, as: "manager"}, 422, c.code)
	}
}

// Keyset pages walk every ticket exactly once, in order, however the list
// is sorted; the page's "next" link carries the cursor and the filters.
func TestQueuePagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	north := e.estates[0].ID
	for i := range 13 {
		e.queueTicket(ticket.Intake{EstateID: north, CallerName: fmt.Sprintf("业主%02d", i), Type: ticket.Repair,
			Priority: []ticket.Priority{ticket.Normal, ticket.Urgent, ticket.Emergency}[i%3], Description: fmt.Sprintf("第 %d 单", i)})
	}
	for _, sort := range []string{"", "oldest", "due"} {
		seen := map[string]bool{}
		var order []ticket.Row
		pages := 0
		cursor := ""
		for {
			q := url.Values{"limit": {"5"}, "sort": {sort}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets?" + q.Encode(), as: "clerk"})
			var page ticket.Page
			decode(t, resp, &page)
			pages++
			for _, r := range page.Rows {
				if seen[r.Number] {
					t.Errorf("sort %q: %s twice", sort, r.Number)
				}
				seen[r.Number] = true
				order = append(order, r)
			}
			if page.Next == "" || pages > 10 {
				break
			}
			cursor = page.Next
		}
		if len(seen) != 13 || pages != 3 {
			t.Errorf("sort %q: %d tickets in %d pages, want 13 in 3", sort, len(seen), pages)
		}
		for i := 1; i < len(order); i++ {
			a, b := order[i-1], order[i]
			var ok bool
			switch sort {
			case "":
				ok = !a.CreatedAt.Before(b.CreatedAt)
			case "oldest":
				ok = !a.CreatedAt.After(b.CreatedAt)
			case "due":
				ok = !a.ResolveDue.After(*b.ResolveDue)
			}
			if !ok {
				t.Errorf("sort %q: %s before %s out of order", sort, a.Number, b.Number)
			}
		}
		if sort == "due" && order[0].Priority != ticket.Emergency {
			t.Errorf("due soonest starts with a %s ticket", order[0].Priority)
		}
	}

	// The page: a next link with the cursor and the filters, which leads
	// on; an htmx request gets the fragment only.
	next := regexp.MustCompile(`id="queue-next" class="button" hx-get="([^"]+)"`)
	path := "/t/alpha/tickets?type=repair&limit=5"
	seen := 0
	for i := 0; path != "" && i < 5; i++ {
		body := readBody(t, e.do(request{method: "GET", path: path, as: "clerk"}))
		seen += strings.Count(body, `class="ticket-number"`)
		path = ""
		if m := next.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
			if !strings.Contains(path, "cursor=") || !strings.Contains(path, "type=repair") {
				t.Errorf("next link %s", path)
			}
		}
	}
	if seen != 13 {
		t.Errorf("the pages showed %d tickets, want 13", seen)
	}
	frag := readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets?q=x", as: "clerk", header: map[string]string{"HX-Request": "true"}}))
	if strings.Contains(frag, "<!doctype") || !strings.Contains(frag, `id="queue-results"`) {
		t.Error("htmx request did not get the fragment")
	}
}

// The queue page: rows with their facts, the new-ticket button for those
// who may create, export links carrying the filters for those who may
// export.
func TestQueuePage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets?type=complaint", as: "office_head"}))
	for _, want := range []string{
		`href="/t/alpha/tickets/` + w.leak.ID.String() + `"`, w.leak.Number, "1-101", "张三", "投诉", "维修 › 漏水", "紧急", "已受理",
		`id="ticket-new" href="/t/alpha/tickets/new"`, `href="/t/alpha/tickets/export.csv?type=complaint"`,
		`href="/t/alpha/tickets/export.xlsx?type=complaint"`, `class="left tone-`, `id="nav-tickets"`, `id="nav-field"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("office head's page lacks %q", want)
		}
	}
	if strings.Contains(body, w.lift.Number) || strings.Contains(body, `id="nav-ticket-settings"`) {
		t.Error("filtered page shows a repair, or settings to an office head")
	}
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets", as: "worker"}))
	if strings.Contains(body, `id="ticket-new"`) || strings.Contains(body, "export.csv") {
		t.Error("a worker sees the new-ticket button or the exports")
	}
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/tickets", as: "manager", header: map[string]string{"Accept-Language": "en"}}))
	for _, want := range []string{"My tickets", "Awaiting call-back", "Complaint", "Urgent", `id="nav-ticket-settings"`} {
		if !strings.Contains(body, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
}

// The CSV export: BOM, translated headers, every filtered row, times in
// the company's zone; the XLSX export opens in excelize with the same.
func TestQueueExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	resp := e.do(request{method: "GET", path: "/t/alpha/tickets/export.csv?estate=" + e.estates[0].ID.String(), as: "manager"})
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, time.Now().In(e.alpha.Location()).Format("2006-01-02")+".csv") {
		t.Errorf("disposition %q", cd)
	}
	raw := readBody(t, resp)
	if !strings.HasPrefix(raw, "\uFEFF") {
		t.Fatal("no byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(raw, "\uFEFF"))).ReadAll()
	must(t, err)
	if len(rows) != 4 || rows[0][0] != "工单号" || rows[0][1] != "受理时间" {
		t.Fatalf("csv %d rows, header %v", len(rows), rows[0])
	}
	var leak []string
	for _, r := range rows[1:] {
		if r[0] == w.leak.Number {
			leak = r
		}
	}
	received := w.leak.CreatedAt.In(e.alpha.Location()).Format("2006-01-02 15:04")
	if leak == nil || leak[1] != received || leak[2] != "North" || leak[3] != "1-101" || leak[4] != "张三" || leak[6] != "投诉" ||
		leak[7] != "维修 › 漏水" || leak[8] != "紧急" || leak[10] != "已受理" || leak[19] != "楼上漏水到我家卫生间" {
		t.Errorf("leak row %v (received %s)", leak, received)
	}
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/export.csv?type=inquiry", as: "manager", header: map[string]string{"Accept-Language": "en"}})
	raw = readBody(t, resp)
	if !strings.HasPrefix(raw, "\uFEFFNumber,Received,") || !strings.Contains(raw, w.fee.Number) || strings.Count(raw, "\r\n") != 2 {
		t.Errorf("English API export: %q", raw)
	}
	problemCode(t, e, request{method: "GET", path: "/api/v1/t/alpha/tickets/export.csv?type=bogus", as: "manager"}, 422, "invalid_filter")

	resp = e.do(request{method: "GET", path: "/t/alpha/tickets/export.xlsx", as: "manager"})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(readBody(t, resp))))
	must(t, err)
	defer f.Close()
	sheet := f.GetSheetName(0)
	xrows, err := f.GetRows(sheet)
	must(t, err)
	if sheet != "工单" || len(xrows) != 5 || xrows[0][0] != "工单号" {
		t.Fatalf("xlsx sheet %q with %d rows, header %v", sheet, len(xrows), xrows[0])
	}
	found := false
	for i, r := range xrows[1:] {
		if r[0] != w.leak.Number {
			continue
		}
		found = true
		cell, _ := excelize.CoordinatesToCellName(2, i+2)
		v, err := f.GetCellValue(sheet, cell)
		must(t, err)
		if v != received {
			t.Errorf("received cell %q, want %q", v, received)
		}
	}
	if !found {
		t.Error("xlsx lacks the leak ticket")
	}
}

// The field view: the worker's own tickets as cards with tap-to-call, and
// the team pool with a claim button for grab-mode tickets.
func TestFieldView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/field", as: "worker"}))
	mine := body[strings.Index(body, `id="field-mine"`):strings.Index(body, `id="field-pool"`)]
	pool := body[strings.Index(body, `id="field-pool"`):]
	if !strings.Contains(mine, w.lift.Number) || !strings.Contains(mine, `href="tel:13912345678"`) || !strings.Contains(mine, "3 号电梯按钮失灵") ||
		strings.Contains(mine, "/claim") {
		t.Errorf("my tickets: %s", mine)
	}
	if !strings.Contains(pool, w.pool.Number) || !strings.Contains(pool, `action="/t/alpha/tickets/`+w.pool.ID.String()+`/claim"`) ||
		strings.Contains(pool, w.lift.Number) {
		t.Errorf("pool: %s", pool)
	}
	if strings.Contains(body, w.leak.Number) || strings.Contains(body, w.fee.Number) {
		t.Error("field view shows undispatched tickets")
	}
	if !strings.Contains(body, `name="viewport" content="width=device-width, initial-scale=1"`) {
		t.Error("no viewport for phones")
	}
	// The preferred time shows on the card of the ticket that has one.
	worker := e.actors["worker"].user.ID
	_, err := e.tickets.Dispatch(context.Background(), e.alpha, e.queueActor(), w.leak.ID, ticket.Assignment{TeamID: &w.team.ID, WorkerID: &worker})
	must(t, err)
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/field", as: "worker"}))
	if !strings.Contains(body, "今天下午") || !strings.Contains(body, "13800138000") {
		t.Error("the leak's card lacks the preferred time or the owner's phone")
	}
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/field", as: "team_leader"}))
	if !strings.Contains(body, w.pool.Number) || !strings.Contains(body, `id="field-mine-empty"`) {
		t.Error("team leader's field view")
	}
}

// Notifications: a major complaint reaches the manager in the app; the
// bell counts it on every page until it is marked read.
func TestNotifications(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.queueTicket(ticket.Intake{EstateID: e.estates[0].ID, CallerName: "赵六", Type: ticket.Complaint, Major: true, Description: "保安态度恶劣"})
	var list struct {
		Notifications []ticket.Notification `json:"notifications"`
		Unread        int                   `json:"unread"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/notifications", as: "manager"}), &list)
	if list.Unread != 1 || len(list.Notifications) != 1 || list.Notifications[0].Kind != ticket.NoteMajor ||
		!strings.Contains(list.Notifications[0].Body, tk.Number) {
		t.Fatalf("manager's notifications %+v", list)
	}
	body := readBody(t, e.do(request{method: "GET", path: "/t/alpha/", as: "manager"}))
	if !strings.Contains(body, `id="bell-count">1<`) {
		t.Error("home page lacks the bell's count")
	}
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/notifications", as: "manager"}))
	if !strings.Contains(body, tk.Number) || !strings.Contains(body, `href="/t/alpha/tickets/`+tk.ID.String()+`"`) || !strings.Contains(body, `id="notes-read"`) {
		t.Error("notifications page")
	}
	resp := e.do(request{method: "POST", path: "/t/alpha/notifications/read", as: "manager", form: url.Values{}})
	expectStatus(t, resp, http.StatusSeeOther, "mark read")
	body = readBody(t, e.do(request{method: "GET", path: "/t/alpha/", as: "manager"}))
	if strings.Contains(body, `id="bell-count"`) {
		t.Error("the bell still counts after marking read")
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/notifications", as: "manager"}), &list)
	if list.Unread != 0 || list.Notifications[0].ReadAt == nil {
		t.Errorf("after read: %+v", list)
	}
	// Nobody else got it.
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/notifications", as: "clerk"}), &list)
	if list.Unread != 0 || len(list.Notifications) != 0 {
		t.Errorf("clerk's notifications %+v", list)
	}
}

// Settings round trips through the API and the browser forms; refused
// input is a translated 422.
func TestTicketSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	const api = "/api/v1/t/alpha/settings/tickets"
	const page = "/t/alpha/settings/tickets"
	var cfg ticket.Config
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if !cfg.Defaults || len(cfg.Policies) == 0 || len(cfg.Ladder) != 4 || cfg.Settings.CallbackTypes != "complaint,repair" || len(cfg.Categories) == 0 {
		t.Fatalf("defaults %+v", cfg)
	}

	leak := w.category["维修 › 漏水"].String()
	resp := e.do(request{method: "POST", path: api + "/policies", as: "manager", json: []map[string]any{
		{"type": "repair", "category_id": leak, "priority": "urgent", "response_minutes": 20, "resolve_minutes": 240},
		{"priority": "normal", "response_minutes": 60, "resolve_minutes": 960},
	}})
	decode(t, resp, &cfg)
	if cfg.Defaults || len(cfg.Policies) != 2 {
		t.Fatalf("policies %+v", cfg.Policies)
	}
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if cfg.Defaults || len(cfg.Policies) != 2 || cfg.Policies[1].CategoryID == nil || cfg.Policies[1].CategoryID.String() != leak {
		t.Errorf("policies read back %+v", cfg.Policies)
	}
	for _, bad := range [][]map[string]any{
		{{"priority": "normal", "response_minutes": 600, "resolve_minutes": 60}},
		{{"priority": "whenever", "response_minutes": 6, "resolve_minutes": 60}},
		{{"priority": "normal", "response_minutes": -1, "resolve_minutes": 60}},
		{{"priority": "normal", "response_minutes": 6, "resolve_minutes": 60, "clock": "weekends"}},
	} {
		resp := e.do(request{method: "POST", path: api + "/policies", as: "manager", json: bad})
		var p map[string]any
		decode(t, resp, &p)
		if resp.StatusCode != 422 || p["code"] != "invalid_policy" || !strings.Contains(fmt.Sprint(p["title"]), "时限") {
			t.Errorf("bad policy %v: %d %v", bad, resp.StatusCode, p)
		}
	}
	expectStatus(t, e.do(request{method: "POST", path: api + "/policies", as: "manager", json: map[string]any{"x": 1}}), 400, "not an array")
	// The browser's table: the first row kept, the second removed, a
	// blank row ignored.
	resp = e.do(request{method: "POST", path: page + "/policies", as: "manager", form: url.Values{
		"type": {"", "inquiry", ""}, "category_id": {"", "", ""}, "priority": {"emergency", "normal", ""},
		"clock":          {"business_hours", "business_hours", "business_hours"},
		"response_hours": {"", "", ""}, "response_mins": {"5", "30", ""}, "resolve_hours": {"1", "8", ""}, "resolve_mins": {"", "", ""}, "remove": {"1"}}})
	expectStatus(t, resp, http.StatusSeeOther, "policies form")
	if loc := resp.Header.Get("Location"); loc != page+"#policies" {
		t.Errorf("redirect %q", loc)
	}
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if len(cfg.Policies) != 1 || cfg.Policies[0].Priority != ticket.Emergency || cfg.Policies[0].ResolveMinutes != 60 {
		t.Errorf("policies from the form %+v", cfg.Policies)
	}
	resp = e.do(request{method: "POST", path: page + "/policies", as: "manager", form: url.Values{
		"type": {""}, "category_id": {""}, "priority": {"normal"}, "clock": {"business_hours"},
		"response_hours": {"abc"}, "response_mins": {""}, "resolve_hours": {"1"}, "resolve_mins": {""}}})
	if body := readBody(t, resp); resp.StatusCode != 422 || !strings.Contains(body, "响应时限不能晚于处理时限") || !strings.Contains(body, `value="abc"`) {
		t.Errorf("bad policy by form: %d", resp.StatusCode)
	}
	// Back to the defaults.
	decode(t, e.do(request{method: "POST", path: api + "/policies", as: "manager", json: []any{}}), &cfg)
	if !cfg.Defaults {
		t.Error("an empty table did not restore the defaults")
	}

	// Call-back settings.
	decode(t, e.do(request{method: "POST", path: api + "/settings", as: "manager", json: map[string]any{
		"callback_types": []string{"complaint", "inquiry"}, "callback_max_attempts": 2, "callback_retry_minutes": 30, "followup_days": 5, "warn_percent": 70}}), &cfg)
	if cfg.Settings.CallbackTypes != "complaint,inquiry" || cfg.Settings.WarnPercent != 70 {
		t.Errorf("settings %+v", cfg.Settings)
	}
	problemCode(t, e, request{method: "POST", path: api + "/settings", as: "manager", json: map[string]any{
		"callback_types": "complaint", "callback_max_attempts": 2, "callback_retry_minutes": 30, "followup_days": 5, "warn_percent": 5}}, 422, "invalid_ticket_settings")
	expectStatus(t, e.do(request{method: "POST", path: page + "/settings", as: "manager", form: url.Values{
		"callback_types": {"repair", "praise"}, "callback_max_attempts": {"4"}, "callback_retry_minutes": {"90"}, "followup_days": {"3"}, "warn_percent": {"80"}}}),
		http.StatusSeeOther, "settings form")
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if cfg.Settings.CallbackTypes != "repair,praise" || cfg.Settings.CallbackMaxAttempts != 4 {
		t.Errorf("settings from the form %+v", cfg.Settings)
	}

	// The ladder.
	decode(t, e.do(request{method: "POST", path: api + "/ladder", as: "manager", json: []map[string]any{
		{"trigger": "warning", "notify_role": "team_leader"},
		{"trigger": "breach", "after_minutes": 120, "notify_emails": []string{"quality@example.com", "boss@example.com"}},
	}}), &cfg)
	if len(cfg.Ladder) != 2 || cfg.Ladder[1].NotifyEmails != "quality@example.com,boss@example.com" || cfg.Ladder[1].Position != 2 {
		t.Errorf("ladder %+v", cfg.Ladder)
	}
	problemCode(t, e, request{method: "POST", path: api + "/ladder", as: "manager", json: []map[string]any{{"trigger": "breach"}}}, 422, "invalid_ladder")
	problemCode(t, e, request{method: "POST", path: api + "/ladder", as: "manager", json: []map[string]any{{"trigger": "breach", "notify_emails": "not an address"}}}, 422, "invalid_ladder")
	resp = e.do(request{method: "POST", path: page + "/ladder", as: "manager", form: url.Values{
		"trigger": {"major", ""}, "after_minutes": {"", ""}, "notify_role": {"assistant", ""}, "notify_emails": {"", ""}}})
	expectStatus(t, resp, http.StatusSeeOther, "ladder form")
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if len(cfg.Ladder) != 1 || cfg.Ladder[0].NotifyRole != "assistant" {
		t.Errorf("ladder from the form %+v", cfg.Ladder)
	}

	// Categories.
	var cat ticket.Category
	resp = e.do(request{method: "POST", path: api + "/categories", as: "manager", json: map[string]any{"parent_id": w.category["维修"].String(), "name": "下水道"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add category: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &cat)
	problemCode(t, e, request{method: "POST", path: api + "/categories", as: "manager", json: map[string]any{"parent_id": w.category["维修"].String(), "name": "下水道"}}, 422, "invalid_category")
	problemCode(t, e, request{method: "POST", path: api + "/categories", as: "manager", json: map[string]any{"parent_id": "nope", "name": "x"}}, 422, "invalid_category")
	expectStatus(t, e.do(request{method: "POST", path: api + "/categories/" + cat.ID.String() + "/archive", as: "manager"}), 204, "archive")
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if c := cfg.Categories.ByID(cat.ID); c == nil || c.Path != "维修 › 下水道" || c.ArchivedAt == nil {
		t.Errorf("archived category %+v", c)
	}
	expectStatus(t, e.do(request{method: "POST", path: page + "/categories/" + cat.ID.String() + "/restore", as: "manager", form: url.Values{}}), 303, "restore")
	expectStatus(t, e.do(request{method: "POST", path: api + "/categories/" + uuid.NewString() + "/archive", as: "manager"}), 404, "unknown category")
	resp = e.do(request{method: "POST", path: page + "/categories", as: "manager", form: url.Values{"parent_id": {""}, "name": {"停车"}}})
	expectStatus(t, resp, http.StatusSeeOther, "root category by form")

	// Dispatch rules.
	var rule ticket.Rule
	resp = e.do(request{method: "POST", path: api + "/rules", as: "manager", json: map[string]any{
		"estate_id": e.estates[0].ID.String(), "category_id": w.category["维修"].String(), "team_id": w.team.ID.String(), "mode": "round_robin"}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add rule: %d %s", resp.StatusCode, readBody(t, resp))
	}
	decode(t, resp, &rule)
	problemCode(t, e, request{method: "POST", path: api + "/rules", as: "manager", json: map[string]any{
		"estate_id": e.estates[0].ID.String(), "team_id": w.team.ID.String(), "mode": "lottery"}}, 422, "invalid_mode")
	expectStatus(t, e.do(request{method: "POST", path: api + "/rules", as: "manager", json: map[string]any{
		"estate_id": uuid.NewString(), "team_id": w.team.ID.String()}}), 404, "rule for an unknown estate")
	body := readBody(t, e.do(request{method: "GET", path: page, as: "manager"}))
	for _, want := range []string{`id="rule-` + rule.ID.String() + `"`, "轮派", "维修 › 下水道", "停车", `id="policies-defaults"`, "assistant", `name="callback_types" value="praise" checked`} {
		if !strings.Contains(body, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	expectStatus(t, e.do(request{method: "POST", path: page + "/rules/" + rule.ID.String() + "/delete", as: "manager", form: url.Values{}}), 303, "delete rule")
	expectStatus(t, e.do(request{method: "POST", path: api + "/rules/" + rule.ID.String() + "/delete", as: "manager"}), 404, "delete again")
	decode(t, e.do(request{method: "GET", path: api, as: "manager"}), &cfg)
	if len(cfg.Rules) != 0 {
		t.Errorf("rules after delete %+v", cfg.Rules)
	}
}

// The unit page lists the unit's tickets, newest first, for those who
// may read tickets, with a link to file a new one.
func TestUnitTicketHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedQueue()
	second := e.queueTicket(ticket.Intake{EstateID: e.estates[0].ID, UnitID: &w.northUnit, Type: ticket.Suggestion, Description: "建议增加充电桩"})
	unit := "/t/alpha/units/" + w.northUnit.String()
	body := readBody(t, e.do(request{method: "GET", path: unit, as: "clerk"}))
	for _, want := range []string{`id="unit-ticket-list"`, `href="/t/alpha/tickets/new?unit=` + w.northUnit.String() + `"`,
		`href="/t/alpha/tickets?unit=` + w.northUnit.String() + `"`, "建议增加充电桩"} {
		if !strings.Contains(body, want) {
			t.Errorf("unit page lacks %q", want)
		}
	}
	if i, j := strings.Index(body, second.Number), strings.Index(body, w.leak.Number); i < 0 || j < 0 || i > j {
		t.Error("unit tickets not newest first")
	}
	if strings.Contains(body, w.lift.Number) {
		t.Error("unit page lists another unit's ticket")
	}
	body = readBody(t, e.do(request{method: "GET", path: unit, as: "document_controller"}))
	if strings.Contains(body, `id="unit-ticket-list"`) || strings.Contains(body, w.leak.Number) {
		t.Error("a document controller (no ticket:read) sees the unit's tickets")
	}
	body = readBody(t, e.do(request{method: "GET", path: unit, as: "team_leader"}))
	if !strings.Contains(body, w.leak.Number) || strings.Contains(body, "/tickets/new?unit=") {
		t.Error("a team leader sees the history but not the new-ticket link")
	}
}
