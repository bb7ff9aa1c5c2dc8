package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/subscription"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

const whSecret = "whsec_test_estatedesk"

// billingEnv is an env whose tenant lookups are never cached (status
// changes show on the next request) and whose webhook secret is set.
func billingEnv(t *testing.T, tweak func(*config.Config)) *env {
	return newEnvWith(t, func(c *config.Config) {
		c.SessionCacheTTL = 0
		c.Stripe.WebhookSecret = whSecret
		c.Stripe.Prices = map[string]string{"starter": "price_starter", "growth": "price_growth", "enterprise": "price_enterprise"}
		if tweak != nil {
			tweak(c)
		}
	})
}

func signupForm(slug string) url.Values {
	return url.Values{"company_name": {"绿城物业"}, "slug": {slug}, "manager_name": {"王经理"}, "email": {slug + "@example.com"},
		"mobile": {"13912345678"}, "password": {"a long password"}, "plan": {"growth"}}
}

func (e *env) tenantBySlug(slug string) *tenant.Tenant {
	e.t.Helper()
	t, err := tenant.BySlug(context.Background(), e.db.Reader(), slug)
	must(e.t, err)
	return t
}

func (e *env) tenantCount(slug string) int {
	n, err := e.db.Reader().NewSelect().Model((*tenant.Tenant)(nil)).Where("slug = ?", slug).Count(context.Background())
	must(e.t, err)
	return int(n)
}

// cookieOf returns the session cookie a response set.
func cookieOf(resp *http.Response) string {
	for _, c := range resp.Cookies() {
		if c.Name == "ed_session" {
			return c.Value
		}
	}
	return ""
}

// browse is a GET with a session cookie taken from a response.
func (e *env) browse(path, cookie string) (int, string) {
	req := httptest.NewRequest("GET", path, nil)
	req.AddCookie(&http.Cookie{Name: "ed_session", Value: cookie})
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp.StatusCode, readBody(e.t, resp)
}

func TestSignupFlow(t *testing.T) {
	e := billingEnv(t, nil)
	// The public page shows the plans with their prices.
	resp := e.do(request{method: "GET", path: "/", header: map[string]string{"Accept-Language": "zh-CN"}})
	body := readBody(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="plan-growth"`) || !strings.Contains(body, "¥999.00") {
		t.Fatalf("landing: %d %s", resp.StatusCode, body)
	}
	// The address is checked as it is typed.
	for slug, want := range map[string]string{"admin": "invalid_slug", "www": "invalid_slug", "t": "invalid_slug", "Bad_Slug!": "invalid_slug",
		"alpha": "slug_taken", "lvcheng": "ok"} {
		var got struct {
			Available bool   `json:"available"`
			Code      string `json:"code"`
		}
		decode(t, e.do(request{method: "GET", path: "/api/v1/signup/slug?slug=" + url.QueryEscape(slug)}), &got)
		if got.Code != want || got.Available != (want == "ok") {
			t.Errorf("slug %q: %+v, want %s", slug, got, want)
		}
	}
	resp = e.do(request{method: "POST", path: "/signup", form: signupForm("lvcheng")})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/t/lvcheng/?welcome=1" {
		t.Fatalf("signup: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), readBody(t, resp))
	}
	cookie := cookieOf(resp)
	tn := e.tenantBySlug("lvcheng")
	if tn.Status != tenant.Trialing || tn.Plan != "growth" || tn.TrialEndsAt == nil ||
		tn.TrialEndsAt.Sub(time.Now()) < 13*24*time.Hour || tn.TrialEndsAt.Sub(time.Now()) > 14*24*time.Hour+time.Minute {
		t.Fatalf("tenant after sign-up: %+v", tn)
	}
	// Signed in, in the workspace, with the trial banner, the first steps
	// and the banner asking to confirm the address.
	code, home := e.browse("/t/lvcheng/?welcome=1", cookie)
	for _, want := range []string{`id="banner-trial"`, `id="first-steps"`, `id="banner-confirm"`, "试用期还剩 14 天"} {
		if code != 200 || !strings.Contains(home, want) {
			t.Errorf("workspace home lacks %s (%d)", want, code)
		}
	}
	code, billing := e.browse("/t/lvcheng/billing", cookie)
	if code != 200 || !strings.Contains(billing, `id="billing-off"`) || !strings.Contains(billing, `id="usage-staff"`) {
		t.Errorf("billing page: %d", code)
	}
	// Inviting staff waits for the confirmation.
	invite := func() int {
		req := httptest.NewRequest("POST", "/t/lvcheng/staff/invitations", strings.NewReader(url.Values{"email": {"clerk@lvcheng.example.com"}, "roles": {"clerk"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		req.AddCookie(&http.Cookie{Name: "ed_session", Value: cookie})
		req.Header.Set("X-CSRF-Token", csrfOf(t, e, home))
		resp, err := e.app.Test(req, 10_000)
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := invite(); got != http.StatusForbidden {
		t.Errorf("invite before confirming: %d, want 403", got)
	}
	link := regexp.MustCompile(`http://estatedesk.test(/confirm/\S+)`).FindStringSubmatch(e.mail.last(t).Body)
	if link == nil {
		t.Fatalf("no confirmation link in %q", e.mail.last(t).Body)
	}
	if resp := e.do(request{method: "GET", path: link[1]}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d", resp.StatusCode)
	}
	if resp := e.do(request{method: "GET", path: link[1]}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("confirm link used twice: %d", resp.StatusCode)
	}
	if got := invite(); got != http.StatusSeeOther && got != http.StatusCreated && got != http.StatusOK {
		t.Errorf("invite after confirming: %d", got)
	}
	// The taken address is refused, and the form keeps what was typed.
	resp = e.do(request{method: "POST", path: "/signup", form: signupForm("lvcheng")})
	if body := readBody(t, resp); resp.StatusCode != http.StatusConflict || !strings.Contains(body, `value="绿城物业"`) {
		t.Errorf("second sign-up with the slug: %d", resp.StatusCode)
	}
}

var csrfPattern = regexp.MustCompile(`data-csrf="([^"]+)"`)

func csrfOf(t *testing.T, _ *env, page string) string {
	m := csrfPattern.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

// A sign-up cannot set what it does not ask for, bots fill the honeypot
// in vain, a failing step leaves nothing behind, and one address is
// throttled like sign-in.
func TestSignupRefusals(t *testing.T) {
	e := billingEnv(t, func(c *config.Config) { c.SignupMaxPerAddress = 3 })
	resp := e.do(request{method: "POST", path: "/api/v1/signup", json: map[string]any{
		"company_name": "Sneaky", "slug": "sneaky", "manager_name": "S", "email": "s@example.com", "password": "a long password", "plan": "starter",
		"status": "active", "plan_limits": map[string]int{"estates": 1000}, "tenant_id": e.alpha.ID, "trial_ends_at": "2099-01-01T00:00:00Z",
	}})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("api sign-up: %d %s", resp.StatusCode, readBody(t, resp))
	}
	sn := e.tenantBySlug("sneaky")
	if sn.Status != tenant.Trialing || sn.ID == e.alpha.ID || sn.TrialEndsAt.Year() == 2099 || sn.Plan != "starter" {
		t.Errorf("extra fields were taken: %+v", sn)
	}
	f := signupForm("botco")
	f.Set("website", "http://spam.example")
	if resp := e.do(request{method: "POST", path: "/signup", form: f}); resp.StatusCode != http.StatusBadRequest || e.tenantCount("botco") != 0 {
		t.Errorf("honeypot: %d", resp.StatusCode)
	}
	// The mobile number belongs to someone else: the user insert fails
	// after the tenant's, and neither stays.
	_, err := e.accounts.SetMobile(context.Background(), e.actors["clerk"].user.ID, "13800000001")
	must(t, err)
	f = signupForm("halfway")
	f.Set("mobile", "13800000001")
	if resp := e.do(request{method: "POST", path: "/signup", form: f}); resp.StatusCode != http.StatusConflict || e.tenantCount("halfway") != 0 {
		t.Errorf("failed step: %d, tenants %d", resp.StatusCode, e.tenantCount("halfway"))
	}
	if _, err := e.accounts.UserByEmail(context.Background(), "halfway@example.com"); err == nil {
		t.Error("the user of a failed sign-up was kept")
	}
	// A downgrade below usage: no. Unknown plan: no.
	f = signupForm("noplan")
	f.Set("plan", "platinum")
	if resp := e.do(request{method: "POST", path: "/signup", form: f}); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown plan: %d", resp.StatusCode)
	}
	// Attempts so far from this address: 3 (sneaky, botco did not count —
	// the honeypot is refused first —, halfway, noplan): the next is refused.
	f = signupForm("fifth")
	resp = e.do(request{method: "POST", path: "/signup", form: f})
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || e.tenantCount("fifth") != 0 {
		t.Errorf("throttled sign-up: %d", resp.StatusCode)
	}
}

// Every billing route: the manager's; 403 for other roles, 404 for
// another company.
func TestBillingRoutesAccess(t *testing.T) {
	e := billingEnv(t, nil)
	routes := []request{
		{method: "GET", path: "/t/alpha/billing"},
		{method: "GET", path: "/api/v1/t/alpha/billing"},
		{method: "POST", path: "/t/alpha/billing/checkout", form: url.Values{}},
		{method: "POST", path: "/t/alpha/billing/portal", form: url.Values{}},
		{method: "POST", path: "/t/alpha/billing/plan", form: url.Values{"plan": {"enterprise"}}},
		{method: "POST", path: "/api/v1/t/alpha/billing/plan", json: map[string]string{"plan": "enterprise"}},
		{method: "GET", path: "/t/alpha/billing/export/tickets.xlsx"},
		{method: "GET", path: "/t/alpha/billing/export/units.xlsx"},
		{method: "GET", path: "/api/v1/t/alpha/billing/export/owners.xlsx"},
	}
	for _, r := range routes {
		for _, as := range append([]string{"other"}, alphaRoles[1:]...) {
			r.as = as
			r.header = map[string]string{"Accept": "application/json"}
			resp := e.do(r)
			resp.Body.Close()
			want := http.StatusForbidden
			if as == "other" {
				want = http.StatusNotFound
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s as %s: %d, want %d", r.method, r.path, as, resp.StatusCode, want)
			}
		}
	}
	resp := e.do(request{method: "GET", path: "/t/alpha/billing", as: "manager"})
	if resp.StatusCode != 200 {
		t.Errorf("manager: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// A past-due company reads everything and writes nothing, with a clear
// message; its manager can still reach billing.
func TestPastDueIsReadOnly(t *testing.T) {
	e := billingEnv(t, nil)
	must(t, tenant.SetStatus(context.Background(), e.db.Bun, e.alpha.ID, tenant.PastDue))
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/estates", as: "manager", json: map[string]string{"name": "East"}})
	var p struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	}
	decode(t, resp, &p)
	if resp.StatusCode != http.StatusForbidden || p.Code != "tenant_read_only" || p.Title == "" {
		t.Errorf("write while past due: %d %+v", resp.StatusCode, p)
	}
	for _, path := range []string{"/api/v1/t/alpha/estates", "/t/alpha/estates", "/t/alpha/billing"} {
		resp := e.do(request{method: "GET", path: path, as: "manager"})
		body := readBody(t, resp)
		if resp.StatusCode != 200 {
			t.Errorf("read %s while past due: %d", path, resp.StatusCode)
		}
		if strings.HasPrefix(path, "/t/") && !strings.Contains(body, `id="banner-pay"`) {
			t.Errorf("%s: no banner for the manager", path)
		}
	}
	resp = e.do(request{method: "GET", path: "/t/alpha/estates", as: "clerk"})
	if body := readBody(t, resp); !strings.Contains(body, `id="banner-past-due"`) || strings.Contains(body, `id="banner-pay"`) {
		t.Error("staff should see the plain notice")
	}
	// The way to pay is a write, and it passes (here: billing is not set up).
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/billing/checkout", as: "manager", json: map[string]string{}})
	decode(t, resp, &p)
	if p.Code != "billing_not_configured" {
		t.Errorf("checkout while past due: %d %s", resp.StatusCode, p.Code)
	}
}

func TestDowngradeBelowUsageRefused(t *testing.T) {
	e := billingEnv(t, nil)
	// alpha (growth) has two estates; a third puts it over starter's two.
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/estates", as: "manager", json: map[string]string{"name": "East"}})
	resp.Body.Close()
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/billing/plan", as: "manager", json: map[string]string{"plan": "starter"}})
	var p struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	}
	decode(t, resp, &p)
	if resp.StatusCode != http.StatusUnprocessableEntity || p.Code != "billing_downgrade_estates" || !strings.Contains(p.Title, "2") || !strings.Contains(p.Title, "3") {
		t.Errorf("downgrade: %d %+v", resp.StatusCode, p)
	}
	if e.tenantBySlug("alpha").Plan != "growth" {
		t.Error("plan changed anyway")
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/billing/plan", as: "manager", json: map[string]string{"plan": "enterprise"}})
	resp.Body.Close()
	if resp.StatusCode != 200 || e.tenantBySlug("alpha").Plan != "enterprise" {
		t.Errorf("upgrade: %d", resp.StatusCode)
	}
}

// A downgrade to a plan with fewer units than the company has is refused,
// naming the units; the plan stays.
func TestDowngradeBelowUnitsRefused(t *testing.T) {
	e := billingEnv(t, func(c *config.Config) { c.PlanLimits["starter"] = "0,1,0" })
	e.seedPortfolio() // a building of units in each of alpha's estates
	resp := e.do(request{method: "POST", path: "/api/v1/t/alpha/billing/plan", as: "manager", json: map[string]string{"plan": "starter"}})
	var p struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	}
	decode(t, resp, &p)
	if resp.StatusCode != http.StatusUnprocessableEntity || p.Code != "billing_downgrade_units" || !strings.Contains(p.Title, " 1 ") {
		t.Errorf("downgrade: %d %+v", resp.StatusCode, p)
	}
	if e.tenantBySlug("alpha").Plan != "growth" {
		t.Error("plan changed anyway")
	}
}

// stripeEvent builds and signs an event as Stripe would send it.
func stripeEvent(t *testing.T, id, typ string, created time.Time, object map[string]any, signedAt time.Time) (string, string) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "api_version": stripe.APIVersion, "created": created.Unix(),
		"type": typ, "data": map[string]any{"object": object}})
	must(t, err)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: b, Secret: whSecret, Timestamp: signedAt})
	return string(b), sp.Header
}

func (e *env) deliver(id, typ string, created time.Time, object map[string]any) *http.Response {
	e.t.Helper()
	body, sig := stripeEvent(e.t, id, typ, created, object, time.Now())
	return e.post("/stripe/webhook", body, sig)
}

func (e *env) post(path, body, sig string) *http.Response {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", sig)
	resp, err := e.app.Test(req, 10_000)
	must(e.t, err)
	return resp
}

func subObject(tn *tenant.Tenant, status, price string, periodEnd time.Time) map[string]any {
	return map[string]any{"id": "sub_" + tn.Slug, "object": "subscription", "customer": "cus_" + tn.Slug, "status": status,
		"current_period_end": periodEnd.Unix(), "metadata": map[string]string{"tenant_id": tn.ID.String()},
		"items": map[string]any{"object": "list", "data": []any{map[string]any{"id": "si_1", "object": "subscription_item",
			"price": map[string]any{"id": price, "object": "price"}}}}}
}

func invoiceObject(tn *tenant.Tenant, id, status string, amount int64) map[string]any {
	return map[string]any{"id": id, "object": "invoice", "customer": "cus_" + tn.Slug, "status": status, "number": "INV-" + id,
		"amount_due": amount, "amount_paid": amount, "currency": "cny", "hosted_invoice_url": "https://invoice.stripe.test/" + id,
		"created": time.Now().Unix(), "subscription": map[string]any{"id": "sub_" + tn.Slug, "object": "subscription",
			"metadata": map[string]string{"tenant_id": tn.ID.String()}}}
}

func TestStripeWebhookSignature(t *testing.T) {
	e := billingEnv(t, nil)
	must(t, tenant.SetStatus(context.Background(), e.db.Bun, e.alpha.ID, tenant.PastDue))
	obj := invoiceObject(e.alpha, "in_1", "paid", 99_900)
	body, sig := stripeEvent(t, "evt_forged", "invoice.paid", time.Now(), obj, time.Now())
	forged := strings.Replace(body, "99900", "1", 1)
	stale, staleSig := stripeEvent(t, "evt_stale", "invoice.paid", time.Now(), obj, time.Now().Add(-10*time.Minute))
	for name, c := range map[string][2]string{"forged body": {forged, sig}, "no signature": {body, ""},
		"stale": {stale, staleSig}, "wrong secret": {body, strings.Replace(sig, "v1=", "v1=00", 1)}} {
		resp := e.post("/stripe/webhook", c[0], c[1])
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", name, resp.StatusCode)
		}
	}
	if st := e.tenantBySlug("alpha").Status; st != tenant.PastDue {
		t.Errorf("a refused event changed the status to %s", st)
	}
	n, err := e.db.Reader().NewSelect().Table("stripe_events").Count(context.Background())
	must(t, err)
	if n != 0 {
		t.Errorf("%d refused events recorded", n)
	}
	// The genuine one passes.
	if resp := e.post("/stripe/webhook", body, sig); resp.StatusCode != 200 || e.tenantBySlug("alpha").Status != tenant.Active {
		t.Errorf("genuine event: %d", resp.StatusCode)
	}
}

// One event delivered ten times at once has one effect.
func TestStripeWebhookExactlyOnce(t *testing.T) {
	e := billingEnv(t, nil)
	body, sig := stripeEvent(t, "evt_dup", "invoice.paid", time.Now(), invoiceObject(e.alpha, "in_dup", "paid", 99_900), time.Now())
	var wg sync.WaitGroup
	outcomes := make(chan string, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := e.post("/stripe/webhook", body, sig)
			var out struct{ Outcome string }
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			outcomes <- fmt.Sprint(resp.StatusCode, out.Outcome)
		}()
	}
	wg.Wait()
	close(outcomes)
	count := map[string]int{}
	for o := range outcomes {
		count[o]++
	}
	if count["200applied"] != 1 || count["200duplicate"] != 9 {
		t.Errorf("outcomes: %v", count)
	}
	var events, invoices int64
	ctx := context.Background()
	must(t, e.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if events, err = tx.NewSelect().Table("stripe_events").Count(ctx); err != nil {
			return err
		}
		invoices, err = tx.NewSelect().Table("stripe_invoices").Where("tenant_id = ?", e.alpha.ID).Count(ctx)
		return err
	}))
	if events != 1 || invoices != 1 {
		t.Errorf("events %d, invoices %d", events, invoices)
	}
}

// Stripe does not deliver in order: the newest state stays.
func TestStripeWebhookNewestWins(t *testing.T) {
	e := billingEnv(t, nil)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	states := []struct {
		status, price string
	}{{"active", "price_starter"}, {"past_due", "price_starter"}, {"active", "price_enterprise"}}
	// Delivered newest first.
	for i := len(states) - 1; i >= 0; i-- {
		resp := e.deliver(fmt.Sprintf("evt_upd_%d", i), "customer.subscription.updated", t0.Add(time.Duration(i)*time.Minute),
			subObject(e.alpha, states[i].status, states[i].price, t0.AddDate(0, 1, 0)))
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("delivery %d: %d", i, resp.StatusCode)
		}
	}
	tn := e.tenantBySlug("alpha")
	if tn.Status != tenant.Active || tn.Plan != "enterprise" {
		t.Errorf("after out-of-order delivery: %s %s, want active enterprise", tn.Status, tn.Plan)
	}
	// An older failed payment after it changes nothing either.
	resp := e.deliver("evt_old_fail", "invoice.payment_failed", t0, invoiceObject(e.alpha, "in_old", "open", 299_900))
	resp.Body.Close()
	if st := e.tenantBySlug("alpha").Status; st != tenant.Active {
		t.Errorf("an old payment failure made it %s", st)
	}
}

// Trial → past due → paid → active; canceled → grace → suspended →
// subscribed again → active. The sweep runs on a moved clock.
func TestBillingLifecycle(t *testing.T) {
	e := billingEnv(t, nil)
	ctx := context.Background()
	resp := e.do(request{method: "POST", path: "/signup", form: signupForm("cycle")})
	resp.Body.Close()
	tn := e.tenantBySlug("cycle")
	now := time.Now().UTC()
	clock := func(d time.Duration) { e.billing.SetClock(func() time.Time { return now.Add(d) }) }

	// Reminders at 7, 3 and 1 days before the end, once each.
	for _, at := range []time.Duration{7*24*time.Hour + time.Minute, 7*24*time.Hour + 2*time.Minute, 11 * 24 * time.Hour, 13*24*time.Hour + time.Hour, 13*24*time.Hour + 2*time.Hour} {
		clock(at)
		must(t, e.billing.Sweep(ctx))
	}
	var reminders []string
	must(t, e.db.Reader().NewSelect().Table("river_job").Column("args").Where("kind = 'billing_mail'").OrderExpr("id").Scan(ctx, &reminders))
	if len(reminders) != 3 || !strings.Contains(reminders[0], "7") || !strings.Contains(reminders[2], "1 天") {
		t.Errorf("reminders: %v", reminders)
	}
	clock(14*24*time.Hour + time.Minute)
	must(t, e.billing.Sweep(ctx))
	if st := e.tenantBySlug("cycle").Status; st != tenant.PastDue {
		t.Fatalf("after the trial: %s, want past_due", st)
	}
	e.deliver("evt_paid", "invoice.paid", now.Add(14*24*time.Hour+time.Hour), invoiceObject(tn, "in_a", "paid", 99_900)).Body.Close()
	if st := e.tenantBySlug("cycle").Status; st != tenant.Active {
		t.Fatalf("after payment: %s, want active", st)
	}
	e.deliver("evt_del", "customer.subscription.deleted", now.Add(20*24*time.Hour), subObject(tn, "canceled", "price_growth", now)).Body.Close()
	if st := e.tenantBySlug("cycle").Status; st != tenant.PastDue {
		t.Fatalf("after cancellation: %s, want past_due (grace)", st)
	}
	clock(20*24*time.Hour + 29*24*time.Hour)
	must(t, e.billing.Sweep(ctx))
	if st := e.tenantBySlug("cycle").Status; st != tenant.PastDue {
		t.Fatalf("within grace: %s", st)
	}
	clock(20*24*time.Hour + 30*24*time.Hour + time.Minute)
	must(t, e.billing.Sweep(ctx))
	if st := e.tenantBySlug("cycle").Status; st != tenant.Suspended {
		t.Fatalf("after grace: %s, want suspended", st)
	}
	e.deliver("evt_co", "checkout.session.completed", now.Add(60*24*time.Hour), map[string]any{"id": "cs_1", "object": "checkout.session",
		"client_reference_id": tn.ID.String(), "customer": "cus_cycle", "subscription": "sub_cycle2", "payment_status": "paid", "mode": "subscription"}).Body.Close()
	if st := e.tenantBySlug("cycle").Status; st != tenant.Active {
		t.Fatalf("after subscribing again: %s, want active", st)
	}
	var sub subscription.Subscription
	must(t, e.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&sub).Where("tenant_id = ?", tn.ID).Scan(ctx)
	}))
	if sub.GraceEndsAt != nil || sub.StripeSubscriptionID != "sub_cycle2" {
		t.Errorf("billing row: %+v", sub)
	}
}
