package fee

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// RequestWaiver asks to waive part of a bill (减免), with a reason. Nothing
// changes on the bill until the waiver is approved.
func (s *Service) RequestWaiver(ctx context.Context, tenantID uuid.UUID, a Actor, billID uuid.UUID, amountFen int64, reason string) (*Waiver, error) {
	return s.requestWaiver(ctx, tenantID, a, billID, amountFen, reason, false, func(_ context.Context, _ bun.Tx, b *Bill) (int64, error) {
		return b.OpenFen(), nil
	})
}

// RequestLateFeeWaiver asks to waive part of a bill's late fee (滞纳金),
// at most what it is today, with a reason; decided like any waiver.
// Approved, it is taken off the late fee the bill's payment charges.
func (s *Service) RequestLateFeeWaiver(ctx context.Context, t *tenant.Tenant, a Actor, billID uuid.UUID, amountFen int64, reason string) (*Waiver, error) {
	return s.requestWaiver(ctx, t.ID, a, billID, amountFen, reason, true, func(ctx context.Context, tx bun.Tx, b *Bill) (int64, error) {
		st, err := lateStateOf(ctx, tx, t.ID, b.EstateID, []uuid.UUID{b.ID})
		if err != nil {
			return 0, err
		}
		lf := st.fee(b, b.OpenFen(), localDay(s.now(), t.Location()))
		if lf.Fen == 0 {
			return 0, ErrNoLateFee
		}
		return lf.Fen, nil
	})
}

// requestWaiver records a waiver request of at most what most returns
// for the bill.
func (s *Service) requestWaiver(ctx context.Context, tenantID uuid.UUID, a Actor, billID uuid.UUID, amountFen int64, reason string, late bool,
	most func(context.Context, bun.Tx, *Bill) (int64, error)) (*Waiver, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return nil, ErrInvalidReason
	}
	if amountFen <= 0 || !validFen(amountFen) {
		return nil, ErrInvalidAmount
	}
	w := &Waiver{TenantID: tenantID, ID: uuid.Must(uuid.NewV7()), BillID: billID, AmountFen: amountFen, Reason: reason,
		Status: WaiverRequested, RequestedBy: a.UserID, RequestedAt: s.now(), LateFee: late}
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		b, err := billInScope(ctx, tx, false, tenantID, a.Scope, billID, false)
		if err != nil {
			return err
		}
		limit, err := most(ctx, tx, b)
		if err != nil {
			return err
		}
		if amountFen > limit {
			return ErrWaiverTooLarge
		}
		_, err = tx.NewInsert().Model(w).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return w, nil
}

// DecideWaiver approves or rejects a requested waiver and records who
// decided. The one who asked may not decide, unless mayDecideOwn (the
// server sets it for office heads and managers). An approved waiver
// reduces the bill's open amount; it must still fit.
func (s *Service) DecideWaiver(ctx context.Context, tenantID uuid.UUID, a Actor, id uuid.UUID, approve, mayDecideOwn bool) (*Waiver, error) {
	w := new(Waiver)
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(w).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		b, err := billInScope(ctx, tx, false, tenantID, a.Scope, w.BillID, false)
		if err != nil {
			return err
		}
		if w.RequestedBy == a.UserID && !mayDecideOwn {
			return ErrSelfApproval
		}
		now := s.now()
		if _, err := lockUnit(ctx, tx, tenantID, b.UnitID, now); err != nil {
			return err
		}
		// Again under the unit's lock: a concurrent decision or payment
		// has finished.
		if err := tx.NewSelect().Model(w).WherePK().Scan(ctx); err != nil {
			return err
		}
		if w.Status != WaiverRequested {
			return ErrWaiverDecided
		}
		if b, err = billInScope(ctx, tx, s.db.Postgres(), tenantID, a.Scope, w.BillID, true); err != nil {
			return err
		}
		w.Status, w.ApprovedBy, w.DecidedAt = WaiverRejected, &a.UserID, &now
		if approve && w.LateFee {
			// The bill is not touched: the next payment's late fee is
			// lowered by it (chargeLate), however it has grown meanwhile.
			w.Status = WaiverApproved
		} else if approve {
			if w.AmountFen > b.OpenFen() {
				return ErrWaiverTooLarge
			}
			w.Status = WaiverApproved
			b.settle(0, w.AmountFen, now)
			if err := saveBills(ctx, tx, b); err != nil {
				return err
			}
		}
		_, err = tx.NewUpdate().Model(w).Column("status", "approved_by", "decided_at").WherePK().Exec(ctx)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return w, nil
}

// Waiver reads a waiver of a bill in scope.
func (s *Service) Waiver(ctx context.Context, tenantID uuid.UUID, scope estate.Scope, id uuid.UUID) (*Waiver, error) {
	w := new(Waiver)
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(w).Where("tenant_id = ? AND id = ?", tenantID, id).Scan(ctx); err != nil {
			return err
		}
		_, err := billInScope(ctx, tx, false, tenantID, scope, w.BillID, false)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return w, nil
}
