package server_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/subscription"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// section cuts the element with the given id out of a page, up to the
// next closing tag of its kind, so an assertion looks where it means to.
func section(t *testing.T, page, id, closing string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no #%s on the page", id)
	}
	j := strings.Index(page[i:], closing)
	if j < 0 {
		return page[i:]
	}
	return page[i : i+j]
}

// The console's business view: companies by status and plan, trials
// ending this week, past-due companies, MRR in total and per plan, and
// each company's Stripe objects linked.
func TestAdminBusinessView(t *testing.T) {
	e := billingEnv(t, func(c *config.Config) { c.Stripe.SecretKey = "sk_test_console" })
	ctx := context.Background()
	// alpha pays for growth; bravo's payment failed.
	e.deliver("evt_a", "customer.subscription.updated", time.Now(), subObject(e.alpha, "active", "price_growth", time.Now().AddDate(0, 1, 0))).Body.Close()
	e.deliver("evt_b", "invoice.payment_failed", time.Now(), invoiceObject(e.bravo, "in_b", "open", 99_900)).Body.Close()
	// Two trials: one ends in three days, one in fourteen.
	for i, slug := range []string{"soon", "later"} {
		f := signupForm(slug)
		f.Set("mobile", "1391234567"+string(rune('0'+i)))
		expectStatus(t, e.do(request{method: "POST", path: "/signup", form: f}), http.StatusSeeOther, "sign-up "+slug)
	}
	soon := e.tenantBySlug("soon")
	must(t, e.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("tenants").Set("trial_ends_at = ?", time.Now().Add(3*24*time.Hour)).Where("id = ?", soon.ID).Exec(ctx)
		return err
	}))
	must(t, e.billing.SetComplimentary(ctx, e.bravo.ID, e.actors["admin"].user.ID, false))

	resp := e.do(request{method: "GET", path: "/admin/", as: "admin", header: map[string]string{"Accept-Language": "en"}})
	page := html.UnescapeString(readBody(t, resp))
	if resp.StatusCode != 200 {
		t.Fatalf("console: %d", resp.StatusCode)
	}
	if s := section(t, page, "mrr-total", "</div>"); !strings.Contains(s, "¥999.00") {
		t.Errorf("MRR total: %s", s)
	}
	if s := section(t, page, "mrr-growth", "</div>"); !strings.Contains(s, "¥999.00") || !strings.Contains(s, "1 paying") {
		t.Errorf("MRR of growth: %s", s)
	}
	if s := section(t, page, "mrr-starter", "</div>"); !strings.Contains(s, "¥0.00") {
		t.Errorf("MRR of starter: %s", s)
	}
	// growth: alpha active, bravo past due, soon and later trialing.
	if s := section(t, page, "count-trialing", "</tr>"); !strings.Contains(s, "<td>0</td><td>2</td><td>0</td><td><strong>2</strong>") {
		t.Errorf("trialing row: %s", s)
	}
	if s := section(t, page, "count-past_due", "</tr>"); !strings.Contains(s, "<strong>1</strong>") {
		t.Errorf("past-due row: %s", s)
	}
	trials := section(t, page, "trials-ending", "</table>")
	if !strings.Contains(trials, "/admin/tenants/"+soon.ID.String()) || strings.Contains(trials, e.tenantBySlug("later").ID.String()) {
		t.Errorf("trials ending this week: %s", trials)
	}
	pastDue := section(t, page, "past-due", "</table>")
	if !strings.Contains(pastDue, "Bravo Property") || strings.Contains(pastDue, "Alpha") {
		t.Errorf("past due: %s", pastDue)
	}
	list := section(t, page, "tenants", "</table>")
	for _, want := range []string{`href="https://dashboard.stripe.com/test/customers/cus_alpha"`, `href="https://dashboard.stripe.com/test/subscriptions/sub_alpha"`} {
		if !strings.Contains(list, want) {
			t.Errorf("company list lacks %s", want)
		}
	}

	var b struct {
		MRRTotal int64 `json:"mrr_total"`
		Total    int   `json:"total"`
		Statuses []struct {
			Status string `json:"status"`
			Total  int    `json:"total"`
			ByPlan []int  `json:"by_plan"`
		} `json:"statuses"`
		TrialsEnding []struct {
			Slug string `json:"slug"`
		} `json:"trials_ending"`
		PastDue []struct {
			Slug        string `json:"slug"`
			CustomerURL string `json:"stripe_customer_url"`
		} `json:"past_due"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1/admin/business", as: "admin"}), &b)
	if b.MRRTotal != 99_900 || b.Total != 4 || len(b.TrialsEnding) != 1 || b.TrialsEnding[0].Slug != "soon" ||
		len(b.PastDue) != 1 || b.PastDue[0].CustomerURL != "https://dashboard.stripe.com/test/customers/cus_bravo" {
		t.Errorf("business JSON: %+v", b)
	}
	// The console is the platform admins' alone.
	for _, path := range []string{"/admin/", "/api/v1/admin/business"} {
		expectStatus(t, e.do(request{method: "GET", path: path, as: "manager"}), http.StatusNotFound, "manager on "+path)
	}
}

// The console's billing forms: each needs its CSRF token, and each change
// is recorded with the admin who made it and shown on the company's page.
func TestAdminBillingForms(t *testing.T) {
	e := billingEnv(t, nil)
	ctx := context.Background()
	path := "/admin/tenants/" + e.alpha.ID.String()
	page := readBody(t, e.do(request{method: "GET", path: path, as: "admin"}))
	for _, id := range []string{"admin-billing", "admin-extend-trial", "admin-set-plan", "admin-complimentary", "admin-billing-changes"} {
		if !strings.Contains(page, `id="`+id+`"`) {
			t.Errorf("company page lacks #%s", id)
		}
	}
	forms := []url.Values{
		{"action": {"extend_trial"}, "days": {"10"}},
		{"action": {"plan"}, "plan": {"enterprise"}},
		{"action": {"complimentary"}, "complimentary": {"true"}},
	}
	changes := func() []subscription.ChangeRow {
		rows, err := e.billing.History(ctx, e.alpha.ID)
		must(t, err)
		return rows
	}
	admin := e.actors["admin"]
	for _, f := range forms {
		// Forged token, then none at all: refused, nothing recorded.
		expectStatus(t, e.do(request{method: "POST", path: path + "/billing", as: "admin", form: f,
			header: map[string]string{"X-CSRF-Token": "forged"}}), http.StatusForbidden, f.Get("action")+" with a forged token")
		expectStatus(t, e.do(request{method: "POST", path: path + "/billing", as: "admin", form: f,
			header: map[string]string{"X-CSRF-Token": ""}}), http.StatusForbidden, f.Get("action")+" without a token")
		// The form's own hidden field, as the browser sends it.
		f.Set("_csrf", admin.session.CSRFToken)
		expectStatus(t, e.do(request{method: "POST", path: path + "/billing", as: "admin", form: f,
			header: map[string]string{"X-CSRF-Token": ""}}), http.StatusSeeOther, f.Get("action"))
	}
	rows := changes()
	if len(rows) != 3 {
		t.Fatalf("changes recorded: %d, want 3", len(rows))
	}
	for _, r := range rows {
		if r.ActorID == nil || *r.ActorID != admin.user.ID || r.ActorEmail != "admin@example.com" {
			t.Errorf("change %s recorded for %v %q", r.Kind, r.ActorID, r.ActorEmail)
		}
	}
	al := e.tenantBySlug("alpha")
	if al.Plan != "enterprise" || al.Status != tenant.Active || al.TrialEndsAt == nil {
		t.Errorf("alpha after the forms: %+v", al)
	}
	page = html.UnescapeString(readBody(t, e.do(request{method: "GET", path: path, as: "admin", header: map[string]string{"Accept-Language": "en"}})))
	hist := section(t, page, "admin-billing-changes", "</ul>")
	for _, want := range []string{"Trial extended: 10 days", "Plan changed: growth → enterprise", "Complimentary: true", "<admin@example.com>"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q: %s", want, hist)
		}
	}
	if !strings.Contains(section(t, page, "admin-complimentary", "</form>"), `value="false"`) {
		t.Error("a complimentary company is offered to be billed again")
	}
	// Out of range: refused, nothing recorded.
	resp := e.do(request{method: "POST", path: "/api/v1" + path + "/billing", as: "admin", json: map[string]any{"action": "extend_trial", "days": 0}})
	expectStatus(t, resp, http.StatusUnprocessableEntity, "zero days")
	if len(changes()) != 3 {
		t.Error("a refused change was recorded")
	}
	// Not for anyone else.
	expectStatus(t, e.do(request{method: "POST", path: path + "/billing", as: "manager", form: forms[0]}), http.StatusNotFound, "manager")
}
