package fee

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
)

// receiptPrint is one print of a receipt; the first (seq 1) is the
// original, every later one a copy (副本).
type receiptPrint struct {
	bun.BaseModel `bun:"table:receipt_prints"`

	TenantID  uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	PaymentID uuid.UUID `bun:"payment_id,pk,type:uuid"`
	Seq       int       `bun:"seq,pk"`
	PrintedBy uuid.UUID `bun:"printed_by,notnull,type:uuid"`
	PrintedAt time.Time `bun:"printed_at,notnull"`
}

// PrintReceipt records a print of a payment's receipt by the actor and
// returns the receipt with the print's number: 1 for the original, more
// for a copy. The payment's row is held while counting (PostgreSQL; SQLite
// has one writer), so two prints at once are 1 and 2, never 1 twice: only
// one original of a receipt is ever handed out.
func (s *Service) PrintReceipt(ctx context.Context, tenantID uuid.UUID, a Actor, id uuid.UUID) (*Receipt, int, error) {
	var (
		rc  *Receipt
		seq int
	)
	err := s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		p, err := paymentInScope(ctx, tx, s.db.Postgres(), tenantID, a.Scope, id)
		if err != nil {
			return err
		}
		if err := tx.NewSelect().Model((*receiptPrint)(nil)).ColumnExpr("coalesce(max(seq), 0) + 1").
			Where("tenant_id = ? AND payment_id = ?", tenantID, id).Scan(ctx, &seq); err != nil {
			return err
		}
		if _, err := tx.NewInsert().Model(&receiptPrint{TenantID: tenantID, PaymentID: id, Seq: seq, PrintedBy: a.UserID, PrintedAt: s.now()}).
			Exec(ctx); err != nil {
			return err
		}
		rc, err = receipt(ctx, tx, p)
		return err
	})
	if err != nil {
		return nil, 0, database.Normalize(err)
	}
	return rc, seq, nil
}
