package server_test

import (
	"net/http"
	"strings"
	"testing"

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
