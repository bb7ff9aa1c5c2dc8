package subscription

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// customerArgs creates a company's Stripe customer after its sign-up
// committed.
type customerArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Email    string    `json:"email"`
}

func (customerArgs) Kind() string { return "billing_stripe_customer" }

// InsertOpts: Stripe down for a while is tried again.
func (customerArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }

type customerWorker struct {
	river.WorkerDefaults[customerArgs]
	s *Service
}

// Work calls Stripe outside any transaction, then records the customer and
// completes the job in one. A crash after the call repeats it with the
// same idempotency key, and Stripe answers with the customer it made.
func (w *customerWorker) Work(ctx context.Context, j *river.Job[customerArgs]) error {
	s := w.s
	if !s.Configured() {
		return nil
	}
	var t *tenant.Tenant
	var sub *Subscription
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if t, err = tenant.ByID(ctx, tx, j.Args.TenantID); err != nil {
			return err
		}
		sub, err = find(ctx, tx, t.ID)
		return err
	})
	if err != nil {
		return err
	}
	if sub.StripeCustomerID != "" {
		return nil
	}
	id, err := s.stripe.createCustomer(ctx, customerKey(t.ID), t.Name, j.Args.Email, t.ID.String(), t.Slug)
	if err != nil {
		return err
	}
	return s.saveCustomer(ctx, t.ID, id, func(ctx context.Context, tx bun.Tx) error { return job.CompleteTx(ctx, tx, j) })
}

// planArgs brings the Stripe subscription to the plan the company chose.
// Seq is the company's count of plan changes: with the tenant it makes the
// idempotency key, so a retry never changes the subscription twice.
type planArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	Plan     string    `json:"plan"`
	Seq      int       `json:"seq"`
	Upgrade  bool      `json:"upgrade"`
}

func (planArgs) Kind() string                 { return "billing_stripe_plan" }
func (planArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 12} }
func planKey(tenantID uuid.UUID, seq int) string {
	return "estatedesk-plan-" + tenantID.String() + "-" + strconv.Itoa(seq)
}

type planWorker struct {
	river.WorkerDefaults[planArgs]
	s *Service
}

func (w *planWorker) Work(ctx context.Context, j *river.Job[planArgs]) error {
	s := w.s
	if !s.Configured() {
		return nil
	}
	var sub *Subscription
	err := s.db.ReadTenant(ctx, j.Args.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		sub, err = find(ctx, tx, j.Args.TenantID)
		return err
	})
	if err != nil {
		return err
	}
	// A later change supersedes this one; its own job carries it out.
	if sub.PlanChanges != j.Args.Seq || sub.StripeSubscriptionID == "" {
		return nil
	}
	price := s.opt.StripePrices[j.Args.Plan]
	if price == "" {
		s.opt.Log.ErrorContext(ctx, "billing: no Stripe price for plan", "plan", j.Args.Plan)
		return river.JobCancel(errors.New("no Stripe price for plan " + j.Args.Plan))
	}
	return s.stripe.changePrice(ctx, planKey(j.Args.TenantID, j.Args.Seq), sub.StripeSubscriptionID, price, j.Args.Upgrade)
}

// sweepArgs is the periodic look at trials, grace periods and reminders.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "billing_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error { return w.s.Sweep(ctx) }

// reminderDays are the days before a trial's end when its managers are
// reminded, once each.
var reminderDays = []int{7, 3, 1}

// Sweep ends trials that have no subscription (→ past due), suspends
// companies whose grace period after cancellation has passed, and mails
// the trial reminders. Each company is handled in its own transaction, its
// row locked, so sweeps on several replicas never act twice.
func (s *Service) Sweep(ctx context.Context) error {
	now := s.now()
	type due struct {
		ID          uuid.UUID  `bun:"id"`
		Status      string     `bun:"status"`
		TrialEndsAt *time.Time `bun:"trial_ends_at"`
	}
	var rows []due
	horizon := now.AddDate(0, 0, reminderDays[0]+1)
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("tenants AS t").Column("t.id", "t.status", "t.trial_ends_at").
			Join("LEFT JOIN subscriptions AS s ON s.tenant_id = t.id").
			Where("(t.status = ? AND t.trial_ends_at < ?) OR (t.status = ? AND s.grace_ends_at <= ?)",
				tenant.Trialing, horizon, tenant.PastDue, now).
			Scan(ctx, &rows)
	})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.sweepOne(ctx, r.ID); err != nil {
			s.opt.Log.ErrorContext(ctx, "billing sweep", "tenant_id", r.ID, "err", err)
		}
	}
	return nil
}

func (s *Service) sweepOne(ctx context.Context, tenantID uuid.UUID) error {
	return s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		now := s.now()
		sub, err := s.load(ctx, tx, tenantID, true)
		if err != nil {
			return err
		}
		t, err := tenant.ByID(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		if sub.Complimentary {
			return nil
		}
		switch {
		case t.Status == tenant.PastDue && sub.GraceEndsAt != nil && !now.Before(*sub.GraceEndsAt):
			return tenant.SetStatus(ctx, tx, tenantID, tenant.Suspended)
		case t.Status == tenant.Trialing && t.TrialEndsAt != nil && !now.Before(*t.TrialEndsAt):
			// A company that subscribed is moved by Stripe's events instead.
			if sub.StripeSubscriptionID != "" {
				return nil
			}
			return tenant.SetStatus(ctx, tx, tenantID, tenant.PastDue)
		case t.Status == tenant.Trialing && t.TrialEndsAt != nil && sub.StripeSubscriptionID == "":
			left := daysLeft(now, *t.TrialEndsAt)
			// The smallest reminder that is due and not yet sent: a sweep
			// that missed the 7-day one because the trial was extended, or
			// the server was down, does not send two at once.
			send := 0
			for _, d := range reminderDays {
				if left <= d && (sub.TrialReminded == 0 || d < sub.TrialReminded) {
					send = d
				}
			}
			if send == 0 {
				return nil
			}
			if _, err := tx.NewUpdate().Model(sub).Set("trial_reminded = ?", send).WherePK().Exec(ctx); err != nil {
				return err
			}
			return s.queueReminder(ctx, tx, t, left)
		}
		return nil
	})
}

// queueReminder mails each manager of t, in their language, in the
// sweep's transaction.
func (s *Service) queueReminder(ctx context.Context, tx bun.Tx, t *tenant.Tenant, left int) error {
	var managers []account.User
	err := tx.NewSelect().Model(&managers).
		Where("id IN (SELECT r.user_id FROM membership_roles AS r JOIN memberships AS m ON m.tenant_id = r.tenant_id AND m.user_id = r.user_id WHERE r.tenant_id = ? AND r.role = 'manager' AND m.disabled_at IS NULL)", t.ID).
		Scan(ctx)
	if err != nil {
		return database.Normalize(err)
	}
	for _, m := range managers {
		lang := m.Locale
		if lang == "" {
			lang = "zh-CN"
		}
		data := map[string]any{"Company": t.Name, "Days": left, "Link": s.opt.BaseURL + "/t/" + t.Slug + "/billing"}
		args := mailArgs{To: m.Email, Subject: s.opt.Translate(lang, "mail.trial_reminder.subject", data),
			Body: s.opt.Translate(lang, "mail.trial_reminder.body", data)}
		if err := s.jobs.InsertTx(ctx, tx, args, &river.InsertOpts{ScheduledAt: s.now()}); err != nil {
			return err
		}
	}
	return nil
}

// mailArgs is one billing email, rendered when it was queued.
type mailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func (mailArgs) Kind() string                 { return "billing_mail" }
func (mailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 8} }

type mailWorker struct {
	river.WorkerDefaults[mailArgs]
	s *Service
}

func (w *mailWorker) Work(ctx context.Context, j *river.Job[mailArgs]) error {
	if w.s.opt.Mail == nil {
		return nil
	}
	return w.s.opt.Mail.Send(ctx, mail.Message{To: j.Args.To, Subject: j.Args.Subject, Body: j.Args.Body})
}
