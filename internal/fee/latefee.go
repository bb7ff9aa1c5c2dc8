package fee

import (
	"context"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Late fees (滞纳金): off by default, a policy per estate. See
// docs/fees.md for the rules; LateFeeOf is the calculation.

// Bounds of a late-fee policy: at most 1% a day (10,000 millionths), a
// year of grace.
const (
	MaxLateRatePPM   = 10_000
	MaxLateGraceDays = 365
)

// LatePolicy is an estate's late-fee policy. An estate without one has
// the zero policy: disabled.
type LatePolicy struct {
	bun.BaseModel `bun:"table:fee_late_policies"`

	TenantID uuid.UUID `bun:"tenant_id,pk,type:uuid" json:"-"`
	EstateID uuid.UUID `bun:"estate_id,pk,type:uuid" json:"estate_id"`
	Enabled  bool      `bun:"enabled,notnull" json:"enabled"`
	// RatePPM is millionths of the open amount per day late: 0.03% a day
	// is 300 (万分之三), 0.05% is 500.
	RatePPM int64 `bun:"rate_ppm,notnull" json:"rate_ppm"`
	// GraceDays after the due date a bill is paid without a late fee;
	// after them the fee counts from the day after the due date.
	GraceDays int `bun:"grace_days,notnull" json:"grace_days"`
	// CapPercent of the bill's amount and CapFen bound a bill's late
	// fees altogether; 0 is no such cap.
	CapPercent int        `bun:"cap_percent,notnull" json:"cap_percent"`
	CapFen     int64      `bun:"cap_fen,notnull" json:"cap_fen"`
	UpdatedBy  *uuid.UUID `bun:"updated_by,type:uuid" json:"updated_by,omitempty"`
	UpdatedAt  time.Time  `bun:"updated_at,notnull" json:"updated_at"`
}

// LatePolicyInput is what a manager sets (fee:manage).
type LatePolicyInput struct {
	Enabled    bool  `json:"enabled"`
	RatePPM    int64 `json:"rate_ppm"`
	GraceDays  int   `json:"grace_days"`
	CapPercent int   `json:"cap_percent"`
	CapFen     int64 `json:"cap_fen"`
}

func (in LatePolicyInput) check() error {
	switch {
	case in.RatePPM < 0 || in.RatePPM > MaxLateRatePPM || (in.Enabled && in.RatePPM == 0):
		return ErrInvalidLateRate
	case in.GraceDays < 0 || in.GraceDays > MaxLateGraceDays:
		return ErrInvalidGraceDays
	case in.CapPercent < 0 || in.CapPercent > 100 || !validFen(in.CapFen):
		return ErrInvalidLateCap
	}
	return nil
}

// ParseLateRate reads a daily rate typed as a percent with at most four
// decimals ("0.03" is 0.03% a day) as millionths: a percent is 10,000
// millionths, so the four decimals are exact.
func ParseLateRate(s string) (int64, error) {
	v, err := parseDecimal(s, 4)
	if err != nil || v < 0 || v > MaxLateRatePPM {
		return 0, ErrInvalidLateRate
	}
	return v, nil
}

// FormatLateRate shows millionths as the percent ParseLateRate reads:
// 300 → "0.03".
func FormatLateRate(ppm int64) string { return FormatPrice(ppm) }

// LateFee is a bill's late fee as of a day: what a payment of its open
// amount that day would be charged.
type LateFee struct {
	BillID uuid.UUID `json:"bill_id"`
	// Days late, counted from the day after the due date.
	Days int `json:"days"`
	// BaseFen is the open amount it is charged on.
	BaseFen int64 `json:"base_fen"`
	// ComputedFen is days × base × rate within the cap; WaivedFen of it
	// approved late-fee waivers take off; Fen is what is due.
	ComputedFen int64 `json:"computed_fen"`
	WaivedFen   int64 `json:"waived_fen"`
	Fen         int64 `json:"fen"`
}

// LateFeeOf computes the late fee of baseFen of a bill of amountFen due
// on due, paid on day (a tenant-local day as ParseDate reads it):
// nothing while the policy is off, on or before the due date, or within
// the grace days; else days × base × rate, rounded to the fen half away
// from zero, within what the cap leaves after chargedFen (the late fees
// already charged on the bill).
func LateFeeOf(p LatePolicy, due time.Time, amountFen, baseFen, chargedFen int64, day time.Time) (days int, fen int64) {
	days = int(day.Sub(due) / (24 * time.Hour))
	if !p.Enabled || days <= 0 || days <= p.GraceDays || baseFen <= 0 {
		return max(days, 0), 0
	}
	num := new(big.Int).Mul(big.NewInt(baseFen), big.NewInt(p.RatePPM))
	num.Mul(num, big.NewInt(int64(days)))
	fen = RoundDiv(num, big.NewInt(1_000_000))
	if limit, ok := p.cap(amountFen); ok {
		fen = max(min(fen, limit-chargedFen), 0)
	}
	return days, fen
}

// cap is the most a bill of amountFen may be charged in late fees, and
// whether there is a cap.
func (p LatePolicy) cap(amountFen int64) (int64, bool) {
	limit, ok := int64(0), false
	if p.CapPercent > 0 {
		limit, ok = RoundDiv(big.NewInt(amountFen*int64(p.CapPercent)), big.NewInt(100)), true
	}
	if p.CapFen > 0 && (!ok || p.CapFen < limit) {
		limit, ok = p.CapFen, true
	}
	return limit, ok
}

// LateCharge is a late fee charged with a payment (its own charge on the
// receipt and the account), one per payment and bill.
type LateCharge struct {
	bun.BaseModel `bun:"table:fee_late_charges"`

	TenantID    uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID          uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	PaymentID   uuid.UUID  `bun:"payment_id,notnull,type:uuid" json:"payment_id"`
	BillID      uuid.UUID  `bun:"bill_id,notnull,type:uuid" json:"bill_id"`
	Days        int        `bun:"days,notnull" json:"days"`
	RatePPM     int64      `bun:"rate_ppm,notnull" json:"rate_ppm"`
	BaseFen     int64      `bun:"base_fen,notnull" json:"base_fen"`
	ComputedFen int64      `bun:"computed_fen,notnull" json:"computed_fen"`
	WaivedFen   int64      `bun:"waived_fen,notnull" json:"waived_fen"`
	AmountFen   int64      `bun:"amount_fen,notnull" json:"amount_fen"`
	At          time.Time  `bun:"at,notnull" json:"at"`
	VoidedAt    *time.Time `bun:"voided_at" json:"voided_at,omitempty"`
}

// SetLatePolicy sets an estate's late-fee policy (fee:manage).
func (s *Service) SetLatePolicy(ctx context.Context, tenantID uuid.UUID, a Actor, estateID uuid.UUID, in LatePolicyInput) (*LatePolicy, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	p := &LatePolicy{TenantID: tenantID, EstateID: estateID, Enabled: in.Enabled, RatePPM: in.RatePPM, GraceDays: in.GraceDays,
		CapPercent: in.CapPercent, CapFen: in.CapFen, UpdatedBy: &a.UserID, UpdatedAt: s.now()}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := activeEstate(ctx, tx, tenantID, a.Scope, estateID); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(p).On("CONFLICT (tenant_id, estate_id) DO UPDATE").
			Set("enabled = EXCLUDED.enabled, rate_ppm = EXCLUDED.rate_ppm, grace_days = EXCLUDED.grace_days").
			Set("cap_percent = EXCLUDED.cap_percent, cap_fen = EXCLUDED.cap_fen").
			Set("updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at").Exec(ctx)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return p, nil
}

// LatePolicy reads an estate's late-fee policy; without one, the
// disabled zero policy.
func (s *Service) LatePolicy(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, estateID uuid.UUID) (*LatePolicy, error) {
	var p *LatePolicy
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if _, err := estate.InScope(ctx, tx, tenantID, scope, estateID); err != nil {
			return err
		}
		var err error
		p, err = latePolicyOf(ctx, tx, tenantID, estateID)
		return err
	})
	return p, database.Normalize(err)
}

func latePolicyOf(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID) (*LatePolicy, error) {
	p := &LatePolicy{TenantID: tenantID, EstateID: estateID}
	err := db.NewSelect().Model(p).WherePK().Scan(ctx)
	if err = database.Normalize(err); err != nil && !isNotFound(err) {
		return nil, err
	}
	return p, nil
}

// lateState is what the late fees of a unit's bills count from: the
// policy, the late fees charged so far per bill (for the cap) and the
// approved late-fee waivers not yet used, per bill.
type lateState struct {
	policy  *LatePolicy
	charged map[uuid.UUID]int64
	credit  map[uuid.UUID]int64
}

// lateStateOf reads the late-fee state of bills of one estate.
func lateStateOf(ctx context.Context, db bun.IDB, tenantID, estateID uuid.UUID, billIDs []uuid.UUID) (*lateState, error) {
	st := &lateState{charged: map[uuid.UUID]int64{}, credit: map[uuid.UUID]int64{}}
	var err error
	if st.policy, err = latePolicyOf(ctx, db, tenantID, estateID); err != nil || len(billIDs) == 0 {
		return st, err
	}
	var rows []struct {
		BillID   uuid.UUID `bun:"bill_id"`
		Computed int64     `bun:"computed"`
		Waived   int64     `bun:"waived"`
	}
	if err := db.NewRaw(`SELECT bill_id, SUM(computed_fen) AS computed, SUM(waived_fen) AS waived FROM fee_late_charges
		WHERE tenant_id = ? AND bill_id IN (?) AND voided_at IS NULL GROUP BY bill_id`, tenantID, bun.In(billIDs)).Scan(ctx, &rows); err != nil {
		return nil, err
	}
	for _, r := range rows {
		st.charged[r.BillID] = r.Computed
		st.credit[r.BillID] -= r.Waived
	}
	var waived []struct {
		BillID uuid.UUID `bun:"bill_id"`
		Fen    int64     `bun:"fen"`
	}
	if err := db.NewRaw(`SELECT bill_id, SUM(amount_fen) AS fen FROM waivers
		WHERE tenant_id = ? AND bill_id IN (?) AND late_fee AND status = ? GROUP BY bill_id`, tenantID, bun.In(billIDs), WaiverApproved).Scan(ctx, &waived); err != nil {
		return nil, err
	}
	for _, w := range waived {
		st.credit[w.BillID] += w.Fen
	}
	return st, nil
}

// fee is the late fee of baseFen of b paid on day.
func (st *lateState) fee(b *Bill, baseFen int64, day time.Time) LateFee {
	lf := LateFee{BillID: b.ID, BaseFen: baseFen}
	due, err := ParseDate(b.DueDate)
	if err != nil {
		return lf
	}
	lf.Days, lf.ComputedFen = LateFeeOf(*st.policy, due, b.AmountFen, baseFen, st.charged[b.ID], day)
	lf.WaivedFen = min(max(st.credit[b.ID], 0), lf.ComputedFen)
	lf.Fen = lf.ComputedFen - lf.WaivedFen
	return lf
}

// LateFees are the late fees of a unit's open bills if paid in full on
// the tenant's today: what the counter shows. None while the estate's
// policy is off.
func (s *Service) LateFees(ctx context.Context, t *tenant.Tenant, scope estate.Scope, unitID uuid.UUID) (*LatePolicy, []LateFee, error) {
	var p *LatePolicy
	out := []LateFee{}
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		u, err := unitInScope(ctx, tx, t.ID, scope, unitID)
		if err != nil {
			return err
		}
		var bills []Bill
		if err := tx.NewSelect().Model(&bills).Where("tenant_id = ? AND unit_id = ? AND status <> ?", t.ID, u.ID, Paid).
			OrderExpr("period_start, due_date, id").Scan(ctx); err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(bills))
		for i := range bills {
			ids[i] = bills[i].ID
		}
		st, err := lateStateOf(ctx, tx, t.ID, u.EstateID, ids)
		if err != nil {
			return err
		}
		p = st.policy
		if !p.Enabled {
			return nil
		}
		today := localDay(s.now(), t.Location())
		for i := range bills {
			if lf := st.fee(&bills[i], bills[i].OpenFen(), today); lf.ComputedFen > 0 {
				out = append(out, lf)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, database.Normalize(err)
	}
	return p, out, nil
}

// LateTotal adds up late fees.
func LateTotal(fees []LateFee) int64 {
	var sum int64
	for _, f := range fees {
		sum += f.Fen
	}
	return sum
}

// chargeLate charges the late fees of what a payment settles, in its
// transaction under the unit's lock: one LateCharge per bill it pays
// late, on the amount it applies to that bill, added to the payment's
// amount. A replayed payment never gets here, so a late fee is charged
// exactly once with its money.
func (s *Service) chargeLate(ctx context.Context, tx bun.Tx, t *tenant.Tenant, estateID uuid.UUID, p *Payment, bills []*Bill, allocs []Allocation) ([]LateCharge, error) {
	out := []LateCharge{}
	today := localDay(p.PaidAt, t.Location())
	byID := map[uuid.UUID]*Bill{}
	var late []uuid.UUID
	for _, b := range bills {
		if b.DueDate < formatDate(today) {
			byID[b.ID] = b
			late = append(late, b.ID)
		}
	}
	if len(late) == 0 {
		return out, nil
	}
	st, err := lateStateOf(ctx, tx, t.ID, estateID, late)
	if err != nil || !st.policy.Enabled {
		return out, err
	}
	for _, al := range allocs {
		b := byID[al.BillID]
		if b == nil {
			continue
		}
		lf := st.fee(b, al.AmountFen, today)
		if lf.ComputedFen == 0 {
			continue
		}
		st.charged[b.ID] += lf.ComputedFen
		st.credit[b.ID] -= lf.WaivedFen
		out = append(out, LateCharge{TenantID: t.ID, ID: uuid.Must(uuid.NewV7()), PaymentID: p.ID, BillID: b.ID, Days: lf.Days,
			RatePPM: st.policy.RatePPM, BaseFen: lf.BaseFen, ComputedFen: lf.ComputedFen, WaivedFen: lf.WaivedFen, AmountFen: lf.Fen, At: p.PaidAt})
		p.LateFeeFen += lf.Fen
		p.AmountFen += lf.Fen
	}
	return out, nil
}
