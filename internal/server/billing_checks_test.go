package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// The HTML form, like the API, reads only the fields it asks for.
func TestSignupFormCannotSetExtras(t *testing.T) {
	e := billingEnv(t, nil)
	f := signupForm("formco")
	f.Set("status", "active")
	f.Set("plan_limits[estates]", "1000")
	f.Set("plan_limits", "0,0,0")
	f.Set("tenant_id", e.alpha.ID.String())
	f.Set("trial_ends_at", "2099-01-01T00:00:00Z")
	f.Set("complimentary", "true")
	expectStatus(t, e.do(request{method: "POST", path: "/signup", form: f}), http.StatusSeeOther, "sign-up with extras")
	tn := e.tenantBySlug("formco")
	if tn.Status != tenant.Trialing || tn.ID == e.alpha.ID || tn.TrialEndsAt == nil || tn.TrialEndsAt.Year() == 2099 || tn.Plan != "growth" {
		t.Errorf("extra form fields were taken: %+v", tn)
	}
	if e.tenantBySlug("alpha").Name != "Alpha 物业" {
		t.Error("alpha changed")
	}
	o, err := e.billing.Overview(context.Background(), tn)
	must(t, err)
	if o.Sub.Complimentary || o.Usage[0].Limit != 20 {
		t.Errorf("billing of the new company: complimentary %v, estates limit %d", o.Sub.Complimentary, o.Usage[0].Limit)
	}
}

// Event types we do not act on are acknowledged (Stripe stops retrying),
// logged and recorded, so a redelivery is a duplicate.
func TestStripeWebhookUnknownTypeAcknowledged(t *testing.T) {
	e := billingEnv(t, nil)
	for _, want := range []string{"ignored", "duplicate"} {
		resp := e.deliver("evt_unknown", "payment_intent.created", time.Now(), map[string]any{"id": "pi_1", "object": "payment_intent"})
		var out struct{ Outcome string }
		must(t, json.NewDecoder(resp.Body).Decode(&out))
		resp.Body.Close()
		if resp.StatusCode != 200 || out.Outcome != want {
			t.Errorf("unknown type: %d %q, want 200 %s", resp.StatusCode, out.Outcome, want)
		}
	}
	// An event about a company we do not know is acknowledged too.
	ghost := &tenant.Tenant{Slug: "ghost"}
	resp := e.deliver("evt_ghost", "invoice.paid", time.Now(), invoiceObject(ghost, "in_ghost", "paid", 1))
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("event for no company: %d", resp.StatusCode)
	}
}

// The downgrade names the limit exceeded: here the staff seats.
func TestDowngradeOverStaffRefused(t *testing.T) {
	e := billingEnv(t, nil)
	// alpha: 7 staff; starter allows 10.
	for _, name := range []string{"extra1", "extra2", "extra3", "extra4"} {
		e.addActor(name, e.alpha, account.Access{Roles: []string{"clerk"}, EstateIDs: []uuid.UUID{e.estates[0].ID}})
	}
	resp := e.do(request{method: "POST", path: "/t/alpha/billing/plan", as: "manager", form: map[string][]string{"plan": {"starter"}},
		header: map[string]string{"Accept-Language": "en"}})
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "allows 10 staff accounts and your company has 11") {
		t.Errorf("staff downgrade: %d %.300s", resp.StatusCode, body)
	}
	if e.tenantBySlug("alpha").Plan != "growth" {
		t.Error("plan changed anyway")
	}
}
