package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// kpiWorld: three minor repairs completed this month in North, one of
// them late; the rollups brought up to date.
func (e *env) kpiWorld() (*queueWorld, []*ticket.Ticket) {
	e.t.Helper()
	ctx := context.Background()
	w := e.seedQueue()
	must(e.t, e.tickets.SetCategoryMinor(ctx, e.alpha.ID, w.category["维修 › 水电"], true))
	cat := w.category["维修 › 水电"]
	var repairs []*ticket.Ticket
	for _, d := range []string{"厨房水龙头漏水", "卫生间灯不亮", "插座没电"} {
		tk := e.queueTicket(ticket.Intake{EstateID: e.estates[0].ID, CallerName: "张三", Type: ticket.Repair, CategoryID: &cat, Description: d})
		worker := e.actors["worker"].user.ID
		_, err := e.tickets.Dispatch(ctx, e.alpha, e.queueActor(), tk.ID, ticket.Assignment{TeamID: &w.team.ID, WorkerID: &worker, Mode: ticket.Direct})
		must(e.t, err)
		_, err = e.tickets.Accept(ctx, e.alpha, e.queueActor(), tk.ID, "")
		must(e.t, err)
		_, err = e.tickets.Start(ctx, e.alpha, e.queueActor(), tk.ID, "")
		must(e.t, err)
		_, err = e.tickets.Complete(ctx, e.alpha, e.queueActor(), tk.ID, "")
		must(e.t, err)
		repairs = append(repairs, tk)
	}
	e.setTicket(repairs[0].ID, "resolve_breached_at = ?", time.Now().UTC())
	must(e.t, e.kpis.RefreshTenant(ctx, e.alpha))
	return w, repairs
}

// The dashboard's API: figures by month and estate within the reader's
// scope, against targets; another company's is 404, a role without
// report:read 403; the queue's drill-down lists exactly the tickets a
// figure counts short.
func TestKPIDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, repairs := e.kpiWorld()
	north, south := e.estates[0].ID.String(), e.estates[1].ID.String()
	month := kpi.MonthOf(time.Now(), e.alpha.Location()).String()

	var d struct {
		Board kpi.Board `json:"board"`
		Trend kpi.Trend `json:"trend"`
	}
	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis?month=" + month, as: "manager"})
	expectOK(t, resp)
	decode(t, resp, &d)
	if len(d.Board.Estates) != 2 || len(d.Trend.Months) != kpi.TrendMonths || d.Trend.Months[kpi.TrendMonths-1] != month {
		t.Fatalf("board %+v trend %v", d.Board.Estates, d.Trend.Months)
	}
	minor := d.Board.Total.Value(kpi.MinorOnTime)
	if minor.Num != 2 || minor.Den != 3 || minor.Value != 6667 || minor.Status != kpi.Red || *minor.Target != 9800 {
		t.Errorf("零修及时率 %+v", minor)
	}
	// The drill-down lists the den − num late repairs, for the whole and
	// for North; South has none.
	if got := e.listed("manager", "?kpi=minor_late&month="+month); len(got) != int(minor.Den-minor.Num) || got[0] != repairs[0].Number {
		t.Errorf("late minor repairs %v", got)
	}
	if got := e.listed("manager", "?kpi=minor_done&month="+month+"&estate="+north); len(got) != int(minor.Den) {
		t.Errorf("minor repairs %v", got)
	}
	if got := e.listed("manager", "?kpi=minor_late&month="+month+"&estate="+south); len(got) != 0 {
		t.Errorf("South's late minor repairs %v", got)
	}
	problemCode(t, e, request{method: "GET", path: "/api/v1/t/alpha/tickets?kpi=nonsense", as: "manager"}, 422, "invalid_filter")
	problemCode(t, e, request{method: "GET", path: "/api/v1/t/alpha/kpis?month=2026-13", as: "manager"}, 422, "kpi_invalid_month")

	// The office head sees North alone; South is not found.
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis", as: "office_head"})
	expectOK(t, resp)
	decode(t, resp, &d)
	if len(d.Board.Estates) != 1 || d.Board.Estates[0].Name != "North" {
		t.Errorf("office head's board %+v", d.Board.Estates)
	}
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis?estate=" + south, as: "office_head"}), http.StatusNotFound, "office head, South")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis", as: "clerk"}), http.StatusForbidden, "clerk")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis", as: "other"}), http.StatusNotFound, "another company")
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/bravo/kpis?estate=" + north, as: "other"}), http.StatusNotFound, "another company's estate")

	// The manager's home: the figure in red links straight to the late
	// repair; the page renders the trend as SVG.
	home := page(t, e, "/t/alpha/", "manager")
	link := `href="/t/alpha/tickets?kpi=minor_late&amp;month=` + month + `" class="kpi-value kpi-red">66.67%</a>`
	if !strings.Contains(home, link) || !strings.Contains(home, `id="kpi-chart-minor_on_time"`) || !strings.Contains(home, "<svg class=\"kpi-svg\"") {
		t.Errorf("manager's home lacks the red 零修及时率 with its link:\n%.2000s", home[strings.Index(home, `id="kpi-dash"`):])
	}
	queue := page(t, e, "/t/alpha/tickets?kpi=minor_late&month="+month, "manager")
	if !strings.Contains(queue, `id="queue-drill"`) || !strings.Contains(queue, repairs[0].Number) || strings.Contains(queue, repairs[1].Number) {
		t.Error("the drill-down's queue does not list the late repair alone")
	}
	if page := page(t, e, "/t/alpha/", "clerk"); strings.Contains(page, `id="kpi-dash"`) {
		t.Error("the clerk's home shows the figures")
	}
}

// Targets: managers set the company's and an estate's; the estate's
// override moves its colour; others may read but not set them.
func TestKPITargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.kpiWorld()
	north := e.estates[0].ID.String()
	set := func(as string, body map[string]any) *http.Response {
		return e.do(request{method: "POST", path: "/api/v1/t/alpha/kpis/targets", as: as, json: body})
	}
	expectStatus(t, set("manager", map[string]any{"estate_id": north, "figure": "minor_on_time", "value": "66.5"}), http.StatusNoContent, "set North's")
	expectStatus(t, set("assistant", map[string]any{"figure": "minor_on_time", "value": "90"}), http.StatusForbidden, "assistant")
	expectStatus(t, set("manager", map[string]any{"estate_id": e.estates[0].ID.String()[:8], "figure": "minor_on_time", "value": "1"}), http.StatusNotFound, "bad estate")
	problemCode(t, e, request{method: "POST", path: "/api/v1/t/alpha/kpis/targets", as: "manager", json: map[string]any{"figure": "minor_on_time", "value": "101"}}, 422, "kpi_invalid_target")
	problemCode(t, e, request{method: "POST", path: "/api/v1/t/alpha/kpis/targets", as: "manager", json: map[string]any{"figure": "minor_on_time", "value": "95.555"}}, 422, "kpi_invalid_target")
	problemCode(t, e, request{method: "POST", path: "/api/v1/t/alpha/kpis/targets", as: "manager", json: map[string]any{"figure": "nope", "value": "1"}}, 422, "kpi_invalid_figure")

	var d struct{ Board kpi.Board }
	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis", as: "manager"})
	expectOK(t, resp)
	decode(t, resp, &d)
	if v := d.Board.Estates[0].Value(kpi.MinorOnTime); v.Status != kpi.Green || *v.Target != 6650 {
		t.Errorf("North's 零修及时率 against its own target: %+v", v)
	}
	if v := d.Board.Total.Value(kpi.MinorOnTime); v.Status != kpi.Red {
		t.Errorf("the company's 零修及时率 against the default: %+v", v)
	}
	// The form (HTML, CSRF) clears it again.
	expectRedirect(t, e.do(request{method: "POST", path: "/t/alpha/kpis/targets", as: "manager",
		form: url.Values{"estate_id": {north}, "figure": {"minor_on_time"}, "value": {""}}}), "/t/alpha/kpis/targets", "clear by form")
	var sets []kpi.TargetSet
	resp = e.do(request{method: "GET", path: "/api/v1/t/alpha/kpis/targets", as: "office_head"})
	expectOK(t, resp)
	decode(t, resp, &sets)
	if len(sets) != 2 || sets[1].Name != "North" || sets[1].Targets[2].Figure != kpi.MinorOnTime || sets[1].Targets[2].Own || *sets[1].Targets[2].Value != 9800 {
		t.Errorf("targets %+v", sets)
	}
	pg := page(t, e, "/t/alpha/kpis/targets", "manager")
	if !strings.Contains(pg, `class="inline kpi-target-form"`) || !strings.Contains(pg, "95.00%") {
		t.Error("the targets page lacks its forms or the default 满意率")
	}
	if pg := page(t, e, "/t/alpha/kpis/targets", "office_head"); strings.Contains(pg, "kpi-target-form") {
		t.Error("an office head is offered the forms")
	}
}

func expectOK(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %.300s", resp.StatusCode, readBody(t, resp))
	}
}
