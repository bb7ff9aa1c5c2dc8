package subscription

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Options come from the configuration.
type Options struct {
	Limits tenant.PlanLimits
	// Prices: plan → monthly price in fen, as the pages show it.
	Prices map[string]int64
	// StripePrices: plan → Stripe Price ID.
	StripePrices  map[string]string
	TrialDays     int
	GraceDays     int
	SecretKey     string
	WebhookSecret string
	APIURL        string
	BaseURL       string
	TimeZone      string
	Translate     func(lang, id string, data map[string]any) string
	Mail          mail.Sender
	Log           *slog.Logger
	// SweepEvery: how often trials, grace periods and reminders are
	// looked at; 0 registers no periodic job (tests run Sweep).
	SweepEvery time.Duration
}

// Service is the billing use cases.
type Service struct {
	db       *database.DB
	jobs     *job.Client
	accounts *account.Service
	opt      Options
	stripe   *gateway
	now      func() time.Time
}

// NewService wires billing and registers its job workers.
func NewService(db *database.DB, jobs *job.Client, accounts *account.Service, opt Options) (*Service, error) {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.Translate == nil {
		opt.Translate = func(_, id string, _ map[string]any) string { return id }
	}
	s := &Service{db: db, jobs: jobs, accounts: accounts, opt: opt, now: func() time.Time { return time.Now().UTC() }}
	if opt.SecretKey != "" {
		s.stripe = newGateway(opt.SecretKey, opt.APIURL)
	}
	for _, err := range []error{
		job.AddWorker(jobs, &customerWorker{s: s}),
		job.AddWorker(jobs, &planWorker{s: s}),
		job.AddWorker(jobs, &sweepWorker{s: s}),
		job.AddWorker(jobs, &mailWorker{s: s}),
	} {
		if err != nil {
			return nil, err
		}
	}
	if opt.SweepEvery > 0 {
		jobs.Every(opt.SweepEvery, sweepArgs{})
	}
	return s, nil
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Configured reports whether Stripe is set up; without it companies still
// sign up and get their trial, and the billing page says billing is off.
func (s *Service) Configured() bool { return s.stripe != nil }

// Signup is a company signing itself up.
type Signup struct {
	Slug     string
	Name     string
	Plan     string
	Founder  account.Founder
	TimeZone string
}

// SignUp creates the company in its trial with its founder as manager, all
// in one transaction, and (with Stripe set up) queues the creation of its
// Stripe customer in that transaction: the sign-up never waits on Stripe,
// and the customer exists exactly when the company does.
func (s *Service) SignUp(ctx context.Context, in Signup) (*tenant.Tenant, *account.User, string, error) {
	if in.TimeZone == "" {
		in.TimeZone = s.opt.TimeZone
	}
	if in.Plan == "" {
		// An empty plan would silently become starter; the form always sends one.
		return nil, nil, "", tenant.ErrInvalidPlan
	}
	t, err := tenant.New(in.Slug, in.Name, in.Plan, in.TimeZone, tenant.Trialing)
	if err != nil {
		return nil, nil, "", err
	}
	end := s.now().AddDate(0, 0, s.opt.TrialDays)
	t.TrialEndsAt = &end
	fd, err := s.accounts.PrepareFounder(ctx, in.Founder)
	if err != nil {
		return nil, nil, "", err
	}
	var u *account.User
	var link string
	err = s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := tenant.Insert(ctx, tx, t); err != nil {
			return err
		}
		if u, link, err = s.accounts.Found(ctx, tx, t, fd); err != nil {
			return err
		}
		now := s.now()
		if _, err := tx.NewInsert().Model(&Subscription{TenantID: t.ID, CreatedAt: now, UpdatedAt: now}).Exec(ctx); err != nil {
			return err
		}
		if s.Configured() {
			return s.jobs.InsertTx(ctx, tx, customerArgs{TenantID: t.ID, Email: u.Email}, nil)
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	return t, u, link, nil
}

// CheckSlug says whether a workspace address is free: nil, or
// tenant.ErrInvalidSlug or tenant.ErrSlugTaken.
func (s *Service) CheckSlug(ctx context.Context, slug string) error {
	if !tenant.ValidSlug(slug) {
		return tenant.ErrInvalidSlug
	}
	var n int64
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		n, err = tx.NewSelect().Model((*tenant.Tenant)(nil)).Where("slug = ?", slug).Count(ctx)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		return tenant.ErrSlugTaken
	}
	return nil
}

// load reads a company's billing row, creating it for companies that
// existed before billing did.
func (s *Service) load(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, lock bool) (*Subscription, error) {
	sub := new(Subscription)
	q := tx.NewSelect().Model(sub).Where("tenant_id = ?", tenantID)
	if lock && s.db.Postgres() {
		q = q.For("UPDATE")
	}
	err := database.Normalize(q.Scan(ctx))
	if errors.Is(err, database.ErrNotFound) {
		now := s.now()
		sub = &Subscription{TenantID: tenantID, CreatedAt: now, UpdatedAt: now}
		if _, err := tx.NewInsert().Model(sub).On("CONFLICT (tenant_id) DO NOTHING").Exec(ctx); err != nil {
			return nil, err
		}
		if lock {
			return s.load(ctx, tx, tenantID, false)
		}
		return sub, nil
	}
	return sub, err
}

// find reads a company's billing row without writing: a company from
// before billing has none, which reads as no Stripe state at all.
func find(ctx context.Context, tx bun.IDB, tenantID uuid.UUID) (*Subscription, error) {
	sub := new(Subscription)
	err := database.Normalize(tx.NewSelect().Model(sub).Where("tenant_id = ?", tenantID).Scan(ctx))
	if errors.Is(err, database.ErrNotFound) {
		return &Subscription{TenantID: tenantID}, nil
	}
	return sub, err
}

// Usage is one limit of the plan against what the company has.
type Usage struct {
	What  string // estates, units, staff
	Used  int
	Limit int // 0 = unlimited
}

// Percent fills a usage bar (0–100).
func (u Usage) Percent() int {
	if u.Limit <= 0 {
		return 0
	}
	return min(100, u.Used*100/u.Limit)
}

// Over: more used than the limit allows.
func (u Usage) Over() bool { return u.Limit > 0 && u.Used > u.Limit }

func (s *Service) usage(ctx context.Context, tx bun.IDB, t *tenant.Tenant, plan string) ([]Usage, error) {
	estates, err := estate.CountEstates(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	units, err := estate.CountUnits(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	staff, err := tx.NewSelect().Model((*account.Membership)(nil)).Where("tenant_id = ? AND disabled_at IS NULL", t.ID).Count(ctx)
	if err != nil {
		return nil, err
	}
	l := s.opt.Limits.For(plan)
	return []Usage{{"estates", estates, l.Estates}, {"units", units, l.Units}, {"staff", int(staff), l.Staff}}, nil
}

// Overview is what the billing page shows.
type Overview struct {
	Tenant         *tenant.Tenant
	Sub            *Subscription
	Plan           Plan
	Plans          []Plan
	Usage          []Usage
	TrialDaysLeft  int
	NextInvoiceAt  *time.Time
	NextInvoiceFen int64
	Invoices       []Invoice
	Configured     bool
	// Subscribable: the company has no live Stripe subscription (none yet,
	// or one that ended), so Checkout is the way to pay.
	Subscribable bool
}

// Overview reads a company's billing.
func (s *Service) Overview(ctx context.Context, t *tenant.Tenant) (*Overview, error) {
	o := &Overview{Tenant: t, Plans: s.Plans(), Configured: s.Configured()}
	for _, p := range o.Plans {
		if p.Name == t.Plan {
			o.Plan = p
		}
	}
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if o.Sub, err = find(ctx, tx, t.ID); err != nil {
			return err
		}
		if o.Usage, err = s.usage(ctx, tx, t, t.Plan); err != nil {
			return err
		}
		return tx.NewSelect().Model(&o.Invoices).Where("tenant_id = ?", t.ID).OrderExpr("created_at DESC").Limit(24).Scan(ctx)
	})
	if err != nil {
		return nil, err
	}
	_, ended := statusOf(o.Sub.StripeStatus)
	o.Subscribable = o.Sub.StripeSubscriptionID == "" || ended
	if t.Status == tenant.Trialing && t.TrialEndsAt != nil {
		o.TrialDaysLeft = daysLeft(s.now(), *t.TrialEndsAt)
	}
	if o.Sub.StripeSubscriptionID != "" && o.Sub.CurrentPeriodEnd != nil && !o.Sub.CancelAtPeriodEnd && t.Status == tenant.Active {
		o.NextInvoiceAt, o.NextInvoiceFen = o.Sub.CurrentPeriodEnd, o.Plan.PriceFen
	}
	return o, nil
}

// daysLeft counts started days until end: 13 days and an hour left is 14.
func daysLeft(now, end time.Time) int {
	d := end.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// ChangePlan moves a company to another plan. A plan whose limits the
// company already exceeds is refused, naming the
// limit (*DowngradeError). The new limits apply at once; a Stripe subscription follows by a
// job (upgrade invoiced at once with proration), keyed by the change's
// number so that a retry never changes it twice.
func (s *Service) ChangePlan(ctx context.Context, t *tenant.Tenant, plan string) error {
	if !tenant.ValidPlan(plan) {
		return tenant.ErrInvalidPlan
	}
	if plan == t.Plan {
		return ErrSamePlan
	}
	return s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		return s.changePlan(ctx, tx, t, plan, true)
	})
}

func (s *Service) changePlan(ctx context.Context, tx bun.Tx, t *tenant.Tenant, plan string, checkUsage bool) error {
	sub, err := s.load(ctx, tx, t.ID, true)
	if err != nil {
		return err
	}
	if checkUsage {
		use, err := s.usage(ctx, tx, t, plan)
		if err != nil {
			return err
		}
		for _, u := range use {
			if u.Over() {
				return &DowngradeError{What: u.What, Plan: plan, Limit: u.Limit, Used: u.Used}
			}
		}
	}
	upgrade := rank(plan) > rank(t.Plan)
	if _, err := tx.NewUpdate().Model((*tenant.Tenant)(nil)).Set("plan = ?", plan).Set("updated_at = ?", s.now()).
		Where("id = ?", t.ID).Exec(ctx); err != nil {
		return err
	}
	sub.PlanChanges++
	if _, err := tx.NewUpdate().Model(sub).Set("plan_changes = ?", sub.PlanChanges).Set("updated_at = ?", s.now()).WherePK().Exec(ctx); err != nil {
		return err
	}
	if sub.StripeSubscriptionID != "" && s.Configured() && !sub.Complimentary {
		return s.jobs.InsertTx(ctx, tx, planArgs{TenantID: t.ID, Plan: plan, Seq: sub.PlanChanges, Upgrade: upgrade}, nil)
	}
	return nil
}

// ensureCustomer returns the company's Stripe customer, creating it now
// if its job has not run yet. Both use one idempotency key, so the two
// can never make two customers.
func (s *Service) ensureCustomer(ctx context.Context, t *tenant.Tenant, email string) (string, error) {
	var sub *Subscription
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		sub, err = find(ctx, tx, t.ID)
		return err
	})
	if err != nil {
		return "", err
	}
	if sub.StripeCustomerID != "" {
		return sub.StripeCustomerID, nil
	}
	id, err := s.stripe.createCustomer(ctx, customerKey(t.ID), t.Name, email, t.ID.String(), t.Slug)
	if err != nil {
		return "", err
	}
	return id, s.saveCustomer(ctx, t.ID, id, nil)
}

// saveCustomer records the customer unless one is recorded already; inside
// a job it completes the job in the same transaction.
func (s *Service) saveCustomer(ctx context.Context, tenantID uuid.UUID, id string, complete func(context.Context, bun.Tx) error) error {
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := s.load(ctx, tx, tenantID, false); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model((*Subscription)(nil)).Set("stripe_customer_id = ?", id).Set("updated_at = ?", s.now()).
			Where("tenant_id = ? AND stripe_customer_id IS NULL", tenantID).Exec(ctx); err != nil {
			return err
		}
		if complete != nil {
			return complete(ctx, tx)
		}
		return nil
	})
}

func customerKey(tenantID uuid.UUID) string { return "estatedesk-customer-" + tenantID.String() }

// Checkout opens a Stripe Checkout session (mode subscription) on the
// company's plan and returns its URL.
func (s *Service) Checkout(ctx context.Context, t *tenant.Tenant, email string) (string, error) {
	if !s.Configured() {
		return "", ErrNotConfigured
	}
	price := s.opt.StripePrices[t.Plan]
	if price == "" {
		return "", fmt.Errorf("%w: no Stripe price for plan %s", ErrNotConfigured, t.Plan)
	}
	if err := s.billable(ctx, t); err != nil {
		return "", err
	}
	cust, err := s.ensureCustomer(ctx, t, email)
	if err != nil {
		return "", err
	}
	base := s.opt.BaseURL + "/t/" + t.Slug + "/billing"
	// A fresh key per click: a session is harmless to create twice, and
	// the same key with other parameters would be refused by Stripe.
	return s.stripe.checkout(ctx, "", cust, price, t.ID.String(), base+"?checkout=done", base)
}

// Portal opens Stripe's billing portal (card, invoices, cancellation).
func (s *Service) Portal(ctx context.Context, t *tenant.Tenant) (string, error) {
	if !s.Configured() {
		return "", ErrNotConfigured
	}
	var sub *Subscription
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		sub, err = find(ctx, tx, t.ID)
		return err
	})
	if err != nil {
		return "", err
	}
	if sub.StripeCustomerID == "" {
		return "", ErrNoSubscription
	}
	return s.stripe.portal(ctx, sub.StripeCustomerID, s.opt.BaseURL+"/t/"+t.Slug+"/billing")
}

func (s *Service) billable(ctx context.Context, t *tenant.Tenant) error {
	return s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		sub, err := find(ctx, tx, t.ID)
		if err == nil && sub.Complimentary {
			return ErrComplimentary
		}
		return err
	})
}

// Admin operations: each is recorded with who made it.

// ExtendTrial gives a company days more of trial, from its current end or
// from now if it has passed; a company that fell past due for want of a
// card is trialing again.
func (s *Service) ExtendTrial(ctx context.Context, tenantID, actor uuid.UUID, days int) error {
	if days < 1 || days > 365 {
		return ErrInvalidDays
	}
	return s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := tenant.ByID(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		sub, err := s.load(ctx, tx, tenantID, true)
		if err != nil {
			return err
		}
		from := s.now()
		if t.TrialEndsAt != nil && t.TrialEndsAt.After(from) {
			from = *t.TrialEndsAt
		}
		end := from.AddDate(0, 0, days)
		q := tx.NewUpdate().Model((*tenant.Tenant)(nil)).Set("trial_ends_at = ?", end).Set("updated_at = ?", s.now()).Where("id = ?", tenantID)
		if sub.StripeSubscriptionID == "" && (t.Status == tenant.Trialing || t.Status == tenant.PastDue || t.Status == tenant.Suspended) {
			q = q.Set("status = ?", tenant.Trialing)
		}
		if _, err := q.Exec(ctx); err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(sub).Set("trial_reminded = 0").Set("grace_ends_at = NULL").WherePK().Exec(ctx); err != nil {
			return err
		}
		return s.record(ctx, tx, tenantID, actor, "trial_extended", strconv.Itoa(days)+" days, until "+end.Format(time.DateOnly))
	})
}

// SetPlan changes a company's plan from the console: no usage check (the
// operator decides), Stripe follows as for the manager's own change.
func (s *Service) SetPlan(ctx context.Context, tenantID, actor uuid.UUID, plan string) error {
	if !tenant.ValidPlan(plan) {
		return tenant.ErrInvalidPlan
	}
	return s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := tenant.ByID(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		if t.Plan == plan {
			return ErrSamePlan
		}
		if err := s.changePlan(ctx, tx, t, plan, false); err != nil {
			return err
		}
		return s.record(ctx, tx, tenantID, actor, "plan_changed", t.Plan+" → "+plan)
	})
}

// SetComplimentary marks a company as not billed (active, whatever Stripe
// says) or billed again (its Stripe state or trial decides from then on).
func (s *Service) SetComplimentary(ctx context.Context, tenantID, actor uuid.UUID, on bool) error {
	return s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		t, err := tenant.ByID(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		sub, err := s.load(ctx, tx, tenantID, true)
		if err != nil {
			return err
		}
		if _, err := tx.NewUpdate().Model(sub).Set("complimentary = ?", on).Set("grace_ends_at = NULL").Set("updated_at = ?", s.now()).WherePK().Exec(ctx); err != nil {
			return err
		}
		status := tenant.Active
		if !on {
			switch {
			case sub.StripeStatus != "":
				status, _ = statusOf(sub.StripeStatus)
			case t.TrialEndsAt != nil && t.TrialEndsAt.After(s.now()):
				status = tenant.Trialing
			default:
				status = tenant.PastDue
			}
		}
		if err := tenant.SetStatus(ctx, tx, tenantID, status); err != nil {
			return err
		}
		return s.record(ctx, tx, tenantID, actor, "complimentary", strconv.FormatBool(on))
	})
}

func (s *Service) record(ctx context.Context, tx bun.IDB, tenantID, actor uuid.UUID, kind, detail string) error {
	c := &Change{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), ActorID: &actor, Kind: kind, Detail: detail, CreatedAt: s.now()}
	_, err := tx.NewInsert().Model(c).Exec(ctx)
	return err
}

// Changes lists a company's hand-made billing changes, newest first.
func (s *Service) Changes(ctx context.Context, tenantID uuid.UUID) ([]Change, *Subscription, error) {
	var out []Change
	var sub *Subscription
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if sub, err = find(ctx, tx, tenantID); err != nil {
			return err
		}
		return tx.NewSelect().Model(&out).Where("tenant_id = ?", tenantID).OrderExpr("created_at DESC").Limit(50).Scan(ctx)
	})
	return out, sub, err
}
