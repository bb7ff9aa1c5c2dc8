package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// noCashierSupervisor are the roles refused another clerk's day and the
// reopen: the clerk (fee:collect, their own day only) and those without
// fee:collect.
var noCashierSupervisor = []string{"clerk", "worker", "team_leader", "document_controller"}

// cashierScenarios are the routes of the daily cashier report; {clerk}
// is the clerk's user ID, {yesterday} a day the clerk closed.
func cashierScenarios() []feeScenario {
	var out []feeScenario
	add := func(method, path string, body map[string]any, allowed string, denied []string, wantHTML, wantAPI int) {
		out = append(out, feeScenario{method, "/t/alpha" + path, body, allowed, denied, wantHTML, false},
			feeScenario{method, "/api/v1/t/alpha" + path, body, allowed, denied, wantAPI, true})
	}
	add("GET", "/fees/cashier?estate={estate}", nil, "clerk", noFeeRead, 200, 200)
	add("GET", "/fees/cashier?estate={estate}&clerk=all", nil, "office_head", noCashierSupervisor, 200, 200)
	// The clerk's own day by ID: theirs to see, and the office head's.
	add("GET", "/fees/cashier?estate={estate}&clerk={clerk}&day={yesterday}", nil, "clerk", noFeeRead, 200, 200)
	add("POST", "/fees/cashier/close", map[string]any{"estate_id": "{estate}"}, "clerk", noFeeRead, 303, 200)
	add("POST", "/fees/cashier/reopen", map[string]any{"estate_id": "{estate}", "clerk_id": "{clerk}", "day": "{yesterday}", "reason": "漏收一笔"},
		"office_head", noCashierSupervisor, 303, 200)
	return out
}

// cashierSeed seeds the fees of an estate and closes its clerk's
// yesterday there.
func (e *env) cashierSeed(p *portfolio, estateID, unitID uuid.UUID, prefix string) (*strings.Replacer, string) {
	e.t.Helper()
	w := e.seedFees(p, estateID, unitID, prefix)
	clerk := fee.Actor{UserID: e.actors["clerk"].user.ID, Scope: estate.Scope{All: true}}
	yesterday := time.Now().In(e.alpha.Location()).AddDate(0, 0, -1).Format("2006-01-02")
	_, err := e.fees.CloseDay(context.Background(), e.alpha, clerk, estateID, yesterday)
	must(e.t, err)
	return w.replacer(estateID), yesterday
}

func cashierPlaceholders(s feeScenario, e *env, yesterday string) feeScenario {
	r := strings.NewReplacer("{clerk}", e.actors["clerk"].user.ID.String(), "{yesterday}", yesterday)
	s.path = r.Replace(s.path)
	if s.body != nil {
		b := map[string]any{}
		for k, v := range s.body {
			if str, ok := v.(string); ok {
				v = r.Replace(str)
			}
			b[k] = v
		}
		s.body = b
	}
	return s
}

// Every route of the daily report, each face: anonymous, another
// company's manager (404), each role without the permission (403), and
// the least privileged role with it.
func TestCashierRoutesScenarios(t *testing.T) {
	for _, s := range cashierScenarios() {
		t.Run(s.method+" "+s.path, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := e.seedPortfolio()
			r, yesterday := e.cashierSeed(p, e.estates[0].ID, p.northUnit, "")
			s := cashierPlaceholders(s, e, yesterday)
			e.expectFeeRefusals(t, s, r)
			resp := e.feeRequest(s, r, s.allowed)
			if resp.StatusCode == http.StatusSeeOther {
				if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/t/alpha/fees/cashier?") {
					t.Errorf("redirect to %q", loc)
				}
			}
			expectStatus(t, resp, s.want, s.allowed)
		})
	}
}

// Staff of North get 404 for South's days through every route.
func TestCashierEstateScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	r, yesterday := e.cashierSeed(p, e.estates[1].ID, p.southUnit, "南区")
	for _, s := range cashierScenarios() {
		s := cashierPlaceholders(s, e, yesterday)
		resp := e.feeRequest(s, r, s.allowed)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s %s: %d, want 404: %.300s", s.allowed, s.method, s.path, resp.StatusCode, readBody(t, resp))
		} else {
			resp.Body.Close()
		}
	}
	// The assistant (company-wide) sees South's day.
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/cashier?clerk=all&estate=" + e.estates[1].ID.String(), as: "assistant"}),
		http.StatusOK, "assistant")
}

// The clerk's day through the API and the page: their payment in the
// totals, the close refusing the next payment with a translated 422, the
// reopen by the office head with its reason.
func TestCashierCloseAndReopen(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPortfolio()
	w := e.seedFees(p, e.estates[0].ID, p.northUnit, "")
	north := e.estates[0].ID.String()
	var day fee.DayReport
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/cashier?estate=" + north, as: "clerk"}), &day)
	if day.Receipts != 1 || day.TakenFen != 50000 || len(day.ByMethod) != 1 || day.ByMethod[0].Method != fee.Cash || len(day.Payments) != 1 {
		t.Fatalf("the clerk's day %+v", day)
	}
	body := page(t, e, "/t/alpha/fees/cashier?estate="+north, "clerk")
	for _, want := range []string{"¥500.00", `id="cashier-close"`, "装修管理费", `id="fee-nav-cashier"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the clerk's page lacks %q", want)
		}
	}
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/fees/cashier?estate=" + north + "&clerk=" + e.actors["office_head"].user.ID.String(), as: "clerk"}),
		http.StatusForbidden, "clerk asking for another's day")

	resp := e.do(request{method: "POST", path: "/t/alpha/fees/cashier/close", as: "clerk", form: url.Values{"estate_id": {north}}})
	expectRedirect(t, resp, "/t/alpha/fees/cashier?", "close")
	pay := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk",
		json: map[string]any{"method": "cash", "amount_fen": 100}, header: map[string]string{"Accept-Language": "zh-CN"}})
	if pr := problemOf(t, pay); pay.StatusCode != http.StatusUnprocessableEntity || pr["code"] != "fee_day_closed" || !strings.Contains(pr["title"].(string), "日结") {
		t.Errorf("payment after close: %d %v", pay.StatusCode, pr)
	}
	again := e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/cashier/close", as: "clerk", json: map[string]any{"estate_id": north}})
	if pr := problemOf(t, again); again.StatusCode != http.StatusConflict || pr["code"] != "fee_day_already_closed" {
		t.Errorf("close twice: %d %v", again.StatusCode, pr)
	}
	// The office head sees every clerk and reopens the clerk's day.
	body = page(t, e, "/t/alpha/fees/cashier?clerk=all&estate="+north, "office_head")
	if !strings.Contains(body, `id="cashier-clerks"`) || !strings.Contains(body, "Clerk") {
		t.Errorf("the office head's view of all clerks: %.500s", body)
	}
	reopen := "/api/v1/t/alpha/fees/cashier/reopen"
	today := time.Now().In(e.alpha.Location()).Format("2006-01-02")
	clerk := e.actors["clerk"].user.ID.String()
	nr := e.do(request{method: "POST", path: reopen, as: "office_head", json: map[string]any{"estate_id": north, "clerk_id": clerk, "day": today}})
	if pr := problemOf(t, nr); nr.StatusCode != http.StatusUnprocessableEntity || pr["code"] != "fee_invalid_reason" {
		t.Errorf("reopen without a reason: %d %v", nr.StatusCode, pr)
	}
	expectStatus(t, e.do(request{method: "POST", path: reopen, as: "clerk", json: map[string]any{"estate_id": north, "clerk_id": clerk, "day": today, "reason": "x"}}),
		http.StatusForbidden, "clerk reopening")
	var ro fee.DayReport
	decode(t, e.do(request{method: "POST", path: reopen, as: "office_head", json: map[string]any{"estate_id": north, "clerk_id": clerk, "day": today, "reason": "漏收一笔"}}), &ro)
	if ro.ClosedAt != nil || len(ro.Events) != 2 || ro.Events[1].Reason != "漏收一笔" || ro.Events[1].ByID != e.actors["office_head"].user.ID {
		t.Errorf("reopened %+v", ro)
	}
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/fees/units/" + w.unit.String() + "/payments", as: "clerk",
		json: map[string]any{"method": "cash", "amount_fen": 100}}), http.StatusCreated, "payment after reopen")
	body = page(t, e, "/t/alpha/fees/cashier?estate="+north+"&clerk="+clerk, "office_head")
	if !strings.Contains(body, "漏收一笔") || strings.Contains(body, `id="cashier-close"`) {
		t.Errorf("the office head's view of the clerk's day: %.500s", body)
	}
}
