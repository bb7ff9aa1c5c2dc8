package subscription

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/subscription/stripetest"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newService(t *testing.T, apiURL string) *Service {
	t.Helper()
	db := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	accounts := account.NewService(db, account.Settings{BaseURL: "http://estatedesk.test", InvitationTTL: 1e15, Limits: tenant.DefaultPlanLimits()}, nil, log)
	jobs, err := job.New(db, job.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewService(db, jobs, accounts, Options{Limits: tenant.DefaultPlanLimits(), TrialDays: 14, GraceDays: 30,
		Prices:       map[string]int64{"starter": 29_900, "growth": 99_900, "enterprise": 299_900},
		StripePrices: map[string]string{"starter": "price_starter", "growth": "price_growth", "enterprise": "price_enterprise"},
		SecretKey:    "sk_test_123", WebhookSecret: "whsec_x", APIURL: apiURL, BaseURL: "http://estatedesk.test", TimeZone: "Asia/Shanghai", Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signUp(t *testing.T, s *Service, slug string) *tenant.Tenant {
	t.Helper()
	tn, _, _, err := s.SignUp(context.Background(), Signup{Slug: slug, Name: "绿城物业", Plan: "growth",
		Founder: account.Founder{Email: slug + "@example.com", Name: "王经理", Password: "a long password"}})
	if err != nil {
		t.Fatal(err)
	}
	return tn
}

func (s *Service) subOf(t *testing.T, tenantID any) *Subscription {
	t.Helper()
	sub := new(Subscription)
	err := s.db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(sub).Where("tenant_id = ?", tenantID).Scan(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// The sign-up queues the customer's creation; the job dies after Stripe
// made the customer and before we recorded it; its retry sends the same
// idempotency key, so Stripe answers with that customer: one customer.
func TestCustomerJobSurvivesACrash(t *testing.T) {
	mock := stripetest.Start(t)
	s := newService(t, mock.URL)
	tn := signUp(t, s, "crash")
	var queued int64
	err := s.db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		var err error
		queued, err = tx.NewSelect().Table("river_job").Where("kind = ?", customerArgs{}.Kind()).Count(ctx)
		return err
	})
	if err != nil || queued != 1 {
		t.Fatalf("customer jobs queued by the sign-up: %d %v", queued, err)
	}
	args := customerArgs{TenantID: tn.ID, Email: "crash@example.com"}
	w := &customerWorker{s: s}
	j := &river.Job[customerArgs]{JobRow: &rivertype.JobRow{ID: 1}, Args: args}

	// First run: killed once Stripe has answered.
	ctx, kill := context.WithCancel(context.Background())
	mock.After = func(r stripetest.Request) {
		if r.Path == "/v1/customers" {
			kill()
		}
	}
	if err := w.Work(ctx, j); err == nil {
		t.Fatal("the killed run succeeded")
	}
	if sub := s.subOf(t, tn.ID); sub.StripeCustomerID != "" {
		t.Fatalf("the killed run recorded %q", sub.StripeCustomerID)
	}
	// River's retry of the queued job.
	mock.After = nil
	if err := s.jobs.RunPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	sub := s.subOf(t, tn.ID)
	if !strings.HasPrefix(sub.StripeCustomerID, "cus_") {
		t.Fatalf("customer after retry: %q", sub.StripeCustomerID)
	}
	var keys []string
	for _, r := range mock.Requests() {
		if r.Path == "/v1/customers" {
			keys = append(keys, r.IdempotencyKey)
			if r.Form.Get("metadata[tenant_id]") != tn.ID.String() || r.Form.Get("metadata[slug]") != "crash" {
				t.Errorf("customer metadata: %v", r.Form)
			}
		}
	}
	if len(keys) != 2 || keys[0] != keys[1] || keys[0] != "estatedesk-customer-"+tn.ID.String() {
		t.Errorf("idempotency keys: %v", keys)
	}
	// Another run finds the customer and calls nobody.
	if err := w.Work(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	if n := len(mock.Requests()); n != 2 {
		t.Errorf("%d calls after the customer was recorded", n)
	}
}

// Checkout asks for a subscription on the plan's Price for our customer,
// with our tenant ID to find the company again; an upgrade's job moves the
// subscription's item with proration, keyed by the change.
func TestCheckoutAndPlanChangeCalls(t *testing.T) {
	mock := stripetest.Start(t)
	s := newService(t, mock.URL)
	tn := signUp(t, s, "payer")
	url, err := s.Checkout(context.Background(), tn, "payer@example.com")
	if err != nil || !strings.HasPrefix(url, "https://") {
		t.Fatalf("checkout: %q %v", url, err)
	}
	var checkout *stripetest.Request
	for _, r := range mock.Requests() {
		if r.Path == "/v1/checkout/sessions" {
			checkout = &r
		}
	}
	if checkout == nil {
		t.Fatal("no checkout session created")
	}
	f := checkout.Form
	if f.Get("mode") != "subscription" || f.Get("line_items[0][price]") != "price_growth" || f.Get("client_reference_id") != tn.ID.String() ||
		f.Get("subscription_data[metadata][tenant_id]") != tn.ID.String() || !strings.HasPrefix(f.Get("customer"), "cus_") {
		t.Errorf("checkout form: %v", f)
	}

	// Now subscribed: the upgrade's job changes the Stripe subscription.
	err = s.db.InPlatform(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Subscription)(nil)).Set("stripe_subscription_id = 'sub_123'").Where("tenant_id = ?", tn.ID).Exec(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ChangePlan(context.Background(), tn, "enterprise"); err != nil {
		t.Fatal(err)
	}
	w := &planWorker{s: s}
	if err := w.Work(context.Background(), &river.Job[planArgs]{JobRow: &rivertype.JobRow{}, Args: planArgs{TenantID: tn.ID, Plan: "enterprise", Seq: 1, Upgrade: true}}); err != nil {
		t.Fatal(err)
	}
	var update *stripetest.Request
	for _, r := range mock.Requests() {
		if r.Method == "POST" && r.Path == "/v1/subscriptions/sub_123" {
			update = &r
		}
	}
	if update == nil || update.Form.Get("items[0][price]") != "price_enterprise" || update.Form.Get("proration_behavior") != "always_invoice" ||
		update.IdempotencyKey != "estatedesk-plan-"+tn.ID.String()+"-1" {
		t.Errorf("plan change call: %+v", update)
	}
	// A superseded change's job does nothing.
	n := len(mock.Requests())
	if err := w.Work(context.Background(), &river.Job[planArgs]{JobRow: &rivertype.JobRow{}, Args: planArgs{TenantID: tn.ID, Plan: "starter", Seq: 0}}); err != nil {
		t.Fatal(err)
	}
	if len(mock.Requests()) != n {
		t.Error("a superseded plan change called Stripe")
	}
}

func TestStatusOf(t *testing.T) {
	for in, want := range map[string]struct {
		st    tenant.Status
		ended bool
	}{
		"active": {tenant.Active, false}, "trialing": {tenant.Trialing, false}, "past_due": {tenant.PastDue, false},
		"unpaid": {tenant.PastDue, false}, "incomplete": {tenant.PastDue, false}, "paused": {tenant.PastDue, false},
		"canceled": {tenant.PastDue, true}, "incomplete_expired": {tenant.PastDue, true},
	} {
		st, ended := statusOf(in)
		if st != want.st || ended != want.ended {
			t.Errorf("%s: %s %v, want %s %v", in, st, ended, want.st, want.ended)
		}
	}
	if daysLeft(mustTime("2026-12-01T00:00:00Z"), mustTime("2026-12-14T23:00:00Z")) != 14 {
		t.Error("daysLeft counts started days")
	}
	if !errors.Is(ErrBadSignature, ErrBadSignature) {
		t.Fatal()
	}
}
