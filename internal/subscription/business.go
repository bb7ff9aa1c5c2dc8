package subscription

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Business is the platform console's view of the companies as customers:
// how many in each status and plan, whose trial ends soon, who is past
// due, and the monthly recurring revenue.
type Business struct {
	// Statuses: companies in each status, by plan in the order of
	// tenant.Plans.
	Statuses []StatusCount
	// Total: every company.
	Total int
	// TrialsEnding: trials that end within the next seven days (or have
	// ended and wait for the sweep), soonest first.
	TrialsEnding []Account
	// PastDue: companies past due, oldest state first.
	PastDue []Account
	// MRR per plan and in total, in fen: the plan's monthly price for every
	// company whose Stripe subscription is paid up (active and billed).
	MRR      []PlanRevenue
	MRRTotal int64
	// Complimentary companies, which bring nothing.
	Complimentary int
}

// StatusCount is the number of companies in one status, in all and by plan.
type StatusCount struct {
	Status tenant.Status `json:"status"`
	N      int           `json:"total"`
	ByPlan []int         `json:"by_plan"`
}

// PlanRevenue is one plan's part of the MRR.
type PlanRevenue struct {
	Plan     string
	Paying   int
	PriceFen int64
	MRRFen   int64
}

// Account is a company with its billing row, as the console lists it.
type Account struct {
	bun.BaseModel `bun:"table:tenants,alias:t"`

	ID                   uuid.UUID     `bun:"id,type:uuid"`
	Slug                 string        `bun:"slug"`
	Name                 string        `bun:"name"`
	Status               tenant.Status `bun:"status"`
	Plan                 string        `bun:"plan"`
	TrialEndsAt          *time.Time    `bun:"trial_ends_at"`
	StripeCustomerID     string        `bun:"stripe_customer_id"`
	StripeSubscriptionID string        `bun:"stripe_subscription_id"`
	StripeStatus         string        `bun:"stripe_status"`
	GraceEndsAt          *time.Time    `bun:"grace_ends_at"`
	CurrentPeriodEnd     *time.Time    `bun:"current_period_end"`
	Complimentary        bool          `bun:"complimentary"`
	// The objects' pages in Stripe's dashboard.
	CustomerURL     string `bun:"-"`
	SubscriptionURL string `bun:"-"`
}

func (s *Service) link(as []Account) {
	for i := range as {
		as[i].CustomerURL = s.DashboardURL(as[i].StripeCustomerID)
		as[i].SubscriptionURL = s.DashboardURL(as[i].StripeSubscriptionID)
	}
}

// accountQuery reads a company with its billing row; a company from
// before billing has none and reads as nothing in Stripe.
func accountQuery(tx bun.IDB) *bun.SelectQuery {
	return tx.NewSelect().TableExpr("tenants AS t").
		ColumnExpr("t.id, t.slug, t.name, t.status, t.plan, t.trial_ends_at").
		ColumnExpr("COALESCE(s.stripe_customer_id, '') AS stripe_customer_id, COALESCE(s.stripe_subscription_id, '') AS stripe_subscription_id").
		ColumnExpr("COALESCE(s.stripe_status, '') AS stripe_status, s.grace_ends_at, s.current_period_end").
		ColumnExpr("COALESCE(s.complimentary, ?) AS complimentary", false).
		Join("LEFT JOIN subscriptions AS s ON s.tenant_id = t.id")
}

// businessListMax bounds each list of the view; the search finds the rest.
const businessListMax = 100

// Business reads the console's business view.
func (s *Service) Business(ctx context.Context) (*Business, error) {
	now := s.now()
	b := &Business{}
	var counts []struct {
		Status tenant.Status `bun:"status"`
		Plan   string        `bun:"plan"`
		N      int           `bun:"n"`
	}
	var paying []struct {
		Plan string `bun:"plan"`
		N    int    `bun:"n"`
	}
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		err := tx.NewSelect().TableExpr("tenants").ColumnExpr("status, plan, count(*) AS n").GroupExpr("status, plan").Scan(ctx, &counts)
		if err != nil {
			return err
		}
		err = accountQuery(tx).Where("t.status = ? AND t.trial_ends_at < ?", tenant.Trialing, now.AddDate(0, 0, 7)).
			OrderExpr("t.trial_ends_at").Limit(businessListMax).Scan(ctx, &b.TrialsEnding)
		if err != nil {
			return err
		}
		err = accountQuery(tx).Where("t.status = ?", tenant.PastDue).OrderExpr("t.updated_at").Limit(businessListMax).Scan(ctx, &b.PastDue)
		if err != nil {
			return err
		}
		// Paying: an active company on a Stripe subscription that is
		// active, and not complimentary. A trial, a company created by
		// hand before billing, and a past-due one bring nothing yet.
		err = tx.NewSelect().TableExpr("tenants AS t").Join("JOIN subscriptions AS s ON s.tenant_id = t.id").
			ColumnExpr("t.plan, count(*) AS n").
			Where("t.status = ? AND s.stripe_subscription_id IS NOT NULL AND s.stripe_status = 'active' AND s.complimentary = ?", tenant.Active, false).
			GroupExpr("t.plan").Scan(ctx, &paying)
		if err != nil {
			return err
		}
		n, err := tx.NewSelect().TableExpr("subscriptions").Where("complimentary = ?", true).Count(ctx)
		b.Complimentary = int(n)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.link(b.TrialsEnding)
	s.link(b.PastDue)
	for _, st := range []tenant.Status{tenant.Trialing, tenant.Active, tenant.PastDue, tenant.Suspended, tenant.Canceled} {
		row := StatusCount{Status: st, ByPlan: make([]int, len(tenant.Plans))}
		for _, c := range counts {
			if c.Status == st {
				row.N += c.N
				if i := rank(c.Plan); i >= 0 {
					row.ByPlan[i] += c.N
				}
			}
		}
		b.Total += row.N
		b.Statuses = append(b.Statuses, row)
	}
	for _, p := range tenant.Plans {
		r := PlanRevenue{Plan: p, PriceFen: s.opt.Prices[p]}
		for _, row := range paying {
			if row.Plan == p {
				r.Paying = row.N
			}
		}
		r.MRRFen = int64(r.Paying) * r.PriceFen
		b.MRRTotal += r.MRRFen
		b.MRR = append(b.MRR, r)
	}
	return b, nil
}

// Accounts reads the billing of the given companies, by ID.
func (s *Service) Accounts(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]Account, error) {
	out := make(map[uuid.UUID]Account, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Account
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return accountQuery(tx).Where("t.id IN (?)", bun.In(ids)).Scan(ctx, &rows)
	})
	s.link(rows)
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, err
}

// ChangeRow is a hand-made billing change with who made it.
type ChangeRow struct {
	Change
	ActorEmail string `bun:"actor_email"`
	ActorName  string `bun:"actor_name"`
}

// History lists a company's hand-made billing changes, newest first, with
// the admin who made each.
func (s *Service) History(ctx context.Context, tenantID uuid.UUID) ([]ChangeRow, error) {
	var out []ChangeRow
	err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("billing_changes AS c").ColumnExpr("c.*").
			ColumnExpr("COALESCE(u.email, '') AS actor_email, COALESCE(u.name, '') AS actor_name").
			Join("LEFT JOIN users AS u ON u.id = c.actor_id").
			Where("c.tenant_id = ?", tenantID).OrderExpr("c.created_at DESC").Limit(50).Scan(ctx, &out)
	})
	return out, err
}

// DashboardURL is the page of a Stripe object (cus_…, sub_…, in_…) in
// Stripe's dashboard, in test mode for a test key; "" for no object.
func (s *Service) DashboardURL(id string) string {
	if id == "" {
		return ""
	}
	base := "https://dashboard.stripe.com/"
	if strings.HasPrefix(s.opt.SecretKey, "sk_test_") || strings.HasPrefix(s.opt.SecretKey, "rk_test_") {
		base += "test/"
	}
	switch {
	case strings.HasPrefix(id, "cus_"):
		return base + "customers/" + id
	case strings.HasPrefix(id, "sub_"):
		return base + "subscriptions/" + id
	case strings.HasPrefix(id, "in_"):
		return base + "invoices/" + id
	}
	return ""
}
