package ticket

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"
)

// sweepBatch is how many due tickets one round of a sweep reads.
const sweepBatch = 500

// sweepArgs is the periodic job that fires the deadline timers due.
type sweepArgs struct{}

func (sweepArgs) Kind() string { return "ticket_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[sweepArgs]
	s *Service
}

func (sw *sweepWorker) Work(ctx context.Context, _ *river.Job[sweepArgs]) error {
	_, err := sw.s.FireDue(ctx)
	return err
}

// FireDue fires the deadline timers of every tenant that are due: the
// warnings and breaches with their escalations. Each ticket's timer fires
// in one transaction with the ticket's lock and the next timer's instant,
// so it fires once however many sweeps run at the same time. It returns
// how many tickets it looked at. A ticket that fails is logged and left
// due for the next sweep; the rest go on.
func (s *Service) FireDue(ctx context.Context) (int, error) {
	now := s.now()
	seen := 0
	for {
		var due []struct {
			TenantID uuid.UUID `bun:"tenant_id"`
			ID       uuid.UUID `bun:"id"`
		}
		// The one read across tenants, on the timer index.
		if err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewSelect().Table("tickets").Column("tenant_id", "id").
				Where("timer_at <= ?", now).OrderExpr("timer_at").Limit(sweepBatch).Scan(ctx, &due)
		}); err != nil {
			return seen, err
		}
		done := 0
		for _, d := range due {
			if err := s.fireTicket(ctx, d.TenantID, d.ID, now); err != nil {
				if ctx.Err() != nil {
					return seen, ctx.Err()
				}
				s.opt.Log.Error("ticket timer failed", "tenant_id", d.TenantID, "ticket_id", d.ID, "err", err)
				continue
			}
			done++
		}
		seen += done
		// A full round that moved nothing is tickets that keep failing.
		if len(due) < sweepBatch || done == 0 {
			return seen, nil
		}
	}
}

// fireTicket fires one ticket's due timers.
func (s *Service) fireTicket(ctx context.Context, tenantID, id uuid.UUID, now time.Time) error {
	return s.onTicket(ctx, tenantID, id, func(ctx context.Context, w *work) error {
		if w.tk.TimerAt == nil || w.tk.TimerAt.After(now) {
			return nil // another sweep fired it first
		}
		return w.fireDue(ctx)
	}, func(context.Context, bun.Tx) error { return nil })
}
