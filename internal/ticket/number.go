package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Ticket numbers are GD + the tenant's local date + a sequence of at least
// four digits: GD202611270001. The counter of each tenant and day advances
// inside the transaction that writes the tickets, once per batch; its row
// stays locked until that transaction ends, so numbers follow the order of
// commits and a batch that rolls back gives its numbers back: no gaps, no
// number twice.

// dayOf is the counter a ticket received at now counts on.
func dayOf(now time.Time, loc *time.Location) string { return now.In(loc).Format("20060102") }

func FormatNumber(day string, seq int64) string { return fmt.Sprintf("GD%s%04d", day, seq) }

// takeNumbers reserves n numbers of the tenant's day in tx and returns the
// first.
func takeNumbers(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, day string, n int) (int64, error) {
	var next int64
	err := tx.NewRaw(`INSERT INTO ticket_counters (tenant_id, day, next_seq) VALUES (?, ?, ?)
		ON CONFLICT (tenant_id, day) DO UPDATE SET next_seq = ticket_counters.next_seq + ?
		RETURNING next_seq`, tenantID, day, 1+n, n).Scan(ctx, &next)
	return next - int64(n), err
}
