package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/subscription/stripetest"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// sheetRows reads the first sheet of an XLSX response.
func sheetRows(t *testing.T, resp *http.Response) [][]string {
	t.Helper()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), readBody(t, resp))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(readBody(t, resp))))
	must(t, err)
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	must(t, err)
	return rows
}

// A suspended company keeps its data: its manager can still export
// tickets, units and owners as XLSX, and subscribe again, which reactivates
// it. Staff see nothing; another company's manager finds nothing.
func TestSuspendedCompanyExportsAndResubscribes(t *testing.T) {
	mock := stripetest.Start(t)
	e := billingEnv(t, func(c *config.Config) {
		c.Stripe.SecretKey = "sk_test_suspended"
		c.Stripe.APIURL = mock.URL
	})
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "completed")
	// alpha subscribed, canceled, and the grace period passed.
	now := time.Now()
	e.deliver("evt_sub", "customer.subscription.created", now.Add(-40*24*time.Hour), subObject(e.alpha, "active", "price_growth", now)).Body.Close()
	e.deliver("evt_del", "customer.subscription.deleted", now.Add(-31*24*time.Hour), subObject(e.alpha, "canceled", "price_growth", now)).Body.Close()
	must(t, e.billing.Sweep(context.Background()))
	if st := e.tenantBySlug("alpha").Status; st != tenant.Suspended {
		t.Fatalf("alpha: %s, want suspended", st)
	}

	// The workspace is closed; the manager is shown the way to billing.
	resp := e.do(request{method: "GET", path: "/t/alpha/estates", as: "manager"})
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, `href="/t/alpha/billing" id="suspended-billing"`) {
		t.Errorf("suspended workspace: %d", resp.StatusCode)
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/estates", as: "clerk"})
	if body := readBody(t, resp); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "suspended-billing") {
		t.Errorf("suspended workspace for staff: %d", resp.StatusCode)
	}
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/tickets/export.xlsx", as: "manager"}), http.StatusForbidden, "the queue's export while suspended")

	// The billing page offers to subscribe again and the exports.
	page := readBody(t, e.do(request{method: "GET", path: "/t/alpha/billing", as: "manager"}))
	for _, want := range []string{`id="billing-subscribe"`, `id="export-tickets"`, `id="export-units"`, `id="export-owners"`} {
		if !strings.Contains(page, want) {
			t.Errorf("billing page of a suspended company lacks %s", want)
		}
	}
	rows := sheetRows(t, e.do(request{method: "GET", path: "/t/alpha/billing/export/tickets.xlsx", as: "manager"}))
	if len(rows) != 2 || rows[1][0] != tk.Number {
		t.Errorf("tickets: %v", rows)
	}
	rows = sheetRows(t, e.do(request{method: "GET", path: "/t/alpha/billing/export/units.xlsx", as: "manager"}))
	if len(rows) != 9 || rows[0][2] != "房号" || rows[1][0] != "North" || rows[1][2] != "1-101" || rows[1][5] != "89.5" {
		t.Errorf("units: %v", rows)
	}
	rows = sheetRows(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/billing/export/owners.xlsx", as: "manager"}))
	if len(rows) != 3 || rows[1][3] != "张三" || rows[1][4] != "业主" || rows[1][5] != w.p.northPhone || rows[2][3] != "南先生" {
		t.Errorf("owners: %v", rows)
	}
	// Only the manager's, and only their own company's.
	for _, what := range []string{"tickets", "units", "owners"} {
		path := "/t/alpha/billing/export/" + what + ".xlsx"
		expectStatus(t, e.do(request{method: "GET", path: path, as: "clerk"}), http.StatusForbidden, "clerk "+what)
		expectStatus(t, e.do(request{method: "GET", path: path, as: "other"}), http.StatusNotFound, "other company "+what)
	}

	// Subscribing again: a Checkout session for alpha's customer, then
	// Stripe's event reactivates the company.
	var out struct {
		URL string `json:"url"`
	}
	decode(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/billing/checkout", as: "manager", json: map[string]string{}}), &out)
	if !strings.HasPrefix(out.URL, "https://") {
		t.Fatalf("checkout while suspended: %q", out.URL)
	}
	var checkout *stripetest.Request
	for _, r := range mock.Requests() {
		if r.Path == "/v1/checkout/sessions" {
			checkout = &r
		}
	}
	if checkout == nil || checkout.Form.Get("customer") != "cus_alpha" || checkout.Form.Get("client_reference_id") != e.alpha.ID.String() {
		t.Fatalf("checkout session: %+v", checkout)
	}
	e.deliver("evt_again", "checkout.session.completed", now, map[string]any{"id": "cs_again", "object": "checkout.session",
		"client_reference_id": e.alpha.ID.String(), "customer": "cus_alpha", "subscription": "sub_alpha2", "payment_status": "paid", "mode": "subscription"}).Body.Close()
	if st := e.tenantBySlug("alpha").Status; st != tenant.Active {
		t.Fatalf("after subscribing again: %s, want active", st)
	}
	expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/estates", as: "clerk"}), http.StatusOK, "workspace after reactivation")
	if page := readBody(t, e.do(request{method: "GET", path: "/t/alpha/billing", as: "manager"})); strings.Contains(page, `id="billing-subscribe"`) {
		t.Error("an active subscription is offered a second one")
	}
}
