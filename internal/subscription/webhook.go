package subscription

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Outcome says what a webhook delivery did, for the log and the tests.
type Outcome string

const (
	Applied   Outcome = "applied"
	Duplicate Outcome = "duplicate" // the event ID was handled before
	Stale     Outcome = "stale"     // older than the state already applied
	Ignored   Outcome = "ignored"   // a type we do not act on, or no company
)

// HandleWebhook verifies a Stripe webhook delivery and applies it. The
// event's ID is recorded in the transaction of its effect, so however often
// and however concurrently Stripe delivers it, it has its effect once.
// A forged or stale signature is ErrBadSignature and changes nothing.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) (Outcome, *tenant.Tenant, error) {
	if s.opt.WebhookSecret == "" {
		return "", nil, ErrNotConfigured
	}
	ev, err := parseEvent(payload, signature, s.opt.WebhookSecret)
	if err != nil {
		return "", nil, err
	}
	var out Outcome
	var t *tenant.Tenant
	err = s.db.InPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewInsert().Model(&stripeEvent{ID: ev.ID, Type: ev.Type, CreatedAt: ev.Created, ReceivedAt: s.now()}).
			On("CONFLICT (id) DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			out = Duplicate
			return nil
		}
		out, t, err = s.apply(ctx, tx, ev)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if out == Ignored {
		s.opt.Log.InfoContext(ctx, "stripe event not acted on", "event_id", ev.ID, "type", ev.Type)
	}
	return out, t, nil
}

func (s *Service) apply(ctx context.Context, tx bun.Tx, ev *event) (Outcome, *tenant.Tenant, error) {
	switch ev.Type {
	case "checkout.session.completed":
		var cs stripeCheckout
		if err := ev.decode(&cs); err != nil {
			return "", nil, err
		}
		ref, _ := uuid.Parse(cs.ClientReferenceID)
		return s.onState(ctx, tx, ev, ref, customerID(cs.Customer), func(sub *Subscription) (tenant.Status, bool, bool) {
			if id := subscriptionID(cs.Subscription); id != "" {
				sub.StripeSubscriptionID = id
			}
			if cs.PaymentStatus == "paid" || cs.PaymentStatus == "no_payment_required" {
				sub.StripeStatus = "active"
				return tenant.Active, false, true
			}
			return "", false, false
		})
	case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
		var ss stripeSubscription
		if err := ev.decode(&ss); err != nil {
			return "", nil, err
		}
		ref, _ := uuid.Parse(ss.Metadata["tenant_id"])
		return s.onState(ctx, tx, ev, ref, customerID(ss.Customer), func(sub *Subscription) (tenant.Status, bool, bool) {
			sub.StripeSubscriptionID = ss.ID
			sub.StripeStatus = string(ss.Status)
			sub.CancelAtPeriodEnd = ss.CancelAtPeriodEnd
			if ss.CurrentPeriodEnd > 0 {
				end := time.Unix(ss.CurrentPeriodEnd, 0).UTC()
				sub.CurrentPeriodEnd = &end
			}
			st, ended := statusOf(string(ss.Status))
			if ev.Type == "customer.subscription.deleted" {
				st, ended, sub.StripeStatus = tenant.PastDue, true, "canceled"
			}
			return st, ended, true
		}, planFromPrice(s.opt.StripePrices, priceOf(&ss)))
	case "customer.subscription.trial_will_end":
		// Our own reminders (7, 3, 1 days) cover trials; recorded only.
		return Applied, nil, nil
	case "invoice.paid", "invoice.payment_failed", "invoice.finalized", "invoice.updated", "invoice.created", "invoice.voided":
		var inv stripeInvoice
		if err := ev.decode(&inv); err != nil {
			return "", nil, err
		}
		var ref uuid.UUID
		if inv.Subscription != nil {
			ref, _ = uuid.Parse(inv.Subscription.Metadata["tenant_id"])
		}
		out, t, err := s.onState(ctx, tx, ev, ref, customerID(inv.Customer), func(sub *Subscription) (tenant.Status, bool, bool) {
			switch ev.Type {
			case "invoice.paid":
				sub.StripeStatus = "active"
				return tenant.Active, false, true
			case "invoice.payment_failed":
				sub.StripeStatus = "past_due"
				return tenant.PastDue, false, true
			}
			return "", false, false
		})
		if err != nil || t == nil || inv.ID == "" {
			return out, t, err
		}
		return out, t, s.saveInvoice(ctx, tx, t.ID, ev, &inv)
	}
	return Ignored, nil, nil
}

// planFromPrice finds the plan whose Stripe Price is price ("" none).
func planFromPrice(prices map[string]string, price string) string {
	for plan, p := range prices {
		if p == price && price != "" {
			return plan
		}
	}
	return ""
}

// onState applies an event's change of subscription state to the company
// it belongs to (by our tenant ID in its metadata, else by its customer).
// change edits the billing row and returns the company's new status, whether
// the subscription ended (the grace period starts), and whether the status
// changes at all. An event older than the state already applied changes
// nothing: Stripe does not deliver in order.
func (s *Service) onState(ctx context.Context, tx bun.Tx, ev *event, ref uuid.UUID, customer string,
	change func(*Subscription) (tenant.Status, bool, bool), plan ...string) (Outcome, *tenant.Tenant, error) {
	tenantID, err := s.tenantFor(ctx, tx, ref, customer)
	if errors.Is(err, database.ErrNotFound) {
		s.opt.Log.WarnContext(ctx, "stripe event for no known company", "event_id", ev.ID, "type", ev.Type)
		return Ignored, nil, nil
	} else if err != nil {
		return "", nil, err
	}
	sub, err := s.load(ctx, tx, tenantID, true)
	if err != nil {
		return "", nil, err
	}
	t, err := tenant.ByID(ctx, tx, tenantID)
	if err != nil {
		return "", nil, err
	}
	if customer != "" && sub.StripeCustomerID == "" {
		sub.StripeCustomerID = customer
	}
	if sub.StateAt != nil && ev.Created.Before(*sub.StateAt) {
		_, err := tx.NewUpdate().Model(sub).Column("stripe_customer_id").WherePK().Exec(ctx)
		return Stale, t, err
	}
	status, ended, moves := change(sub)
	if !moves {
		_, err := tx.NewUpdate().Model(sub).Column("stripe_customer_id", "stripe_subscription_id").WherePK().Exec(ctx)
		return Applied, t, err
	}
	at := ev.Created
	sub.StateAt, sub.UpdatedAt = &at, s.now()
	switch {
	case ended && sub.GraceEndsAt == nil:
		grace := ev.Created.AddDate(0, 0, s.opt.GraceDays)
		sub.GraceEndsAt = &grace
	case !ended:
		sub.GraceEndsAt = nil
	}
	if _, err := tx.NewUpdate().Model(sub).WherePK().Exec(ctx); err != nil {
		return "", nil, err
	}
	if len(plan) > 0 && plan[0] != "" && plan[0] != t.Plan {
		// A plan chosen in Stripe's portal is the company's plan too.
		if _, err := tx.NewUpdate().Model((*tenant.Tenant)(nil)).Set("plan = ?", plan[0]).Where("id = ?", t.ID).Exec(ctx); err != nil {
			return "", nil, err
		}
		t.Plan = plan[0]
	}
	if sub.Complimentary {
		return Applied, t, nil
	}
	// A suspended company stays suspended until it pays again.
	if ended && t.Status == tenant.Suspended {
		return Applied, t, nil
	}
	if status != t.Status {
		if err := tenant.SetStatus(ctx, tx, t.ID, status); err != nil {
			return "", nil, err
		}
		t.Status = status
	}
	return Applied, t, nil
}

func (s *Service) tenantFor(ctx context.Context, tx bun.Tx, ref uuid.UUID, customer string) (uuid.UUID, error) {
	if ref != uuid.Nil {
		n, err := tx.NewSelect().Model((*tenant.Tenant)(nil)).Where("id = ?", ref).Count(ctx)
		if err != nil {
			return uuid.Nil, err
		}
		if n > 0 {
			return ref, nil
		}
	}
	if customer == "" {
		return uuid.Nil, database.ErrNotFound
	}
	var id uuid.UUID
	err := tx.NewSelect().Model((*Subscription)(nil)).Column("tenant_id").Where("stripe_customer_id = ?", customer).Scan(ctx, &id)
	return id, database.Normalize(err)
}

// saveInvoice keeps the invoice as the newest event about it reported it.
func (s *Service) saveInvoice(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, ev *event, inv *stripeInvoice) error {
	row := &Invoice{TenantID: tenantID, ID: inv.ID, Number: inv.Number, Status: string(inv.Status), AmountDue: inv.AmountDue,
		AmountPaid: inv.AmountPaid, Currency: string(inv.Currency), HostedURL: inv.HostedInvoiceURL,
		CreatedAt: time.Unix(inv.Created, 0).UTC(), StateAt: ev.Created}
	if ev.Type == "invoice.paid" && row.Status == "" {
		row.Status = "paid"
	}
	old := new(Invoice)
	err := database.Normalize(tx.NewSelect().Model(old).Where("tenant_id = ? AND id = ?", tenantID, inv.ID).Scan(ctx))
	switch {
	case errors.Is(err, database.ErrNotFound):
		_, err = tx.NewInsert().Model(row).Exec(ctx)
		return err
	case err != nil:
		return err
	case ev.Created.Before(old.StateAt):
		return nil
	}
	_, err = tx.NewUpdate().Model(row).WherePK().Exec(ctx)
	return err
}
