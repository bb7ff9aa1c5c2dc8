package ticket

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/tenant"
)

// ScheduleOpen sets the timers of a tenant's open tickets that were
// written without the service — history brought in by TicketHistory or an
// import — so that their warnings, breaches, call-back retries and
// follow-up checks still happen. Timers already set become stale (the
// deadline generation moves on), so running it twice is harmless.
func (s *Service) ScheduleOpen(ctx context.Context, t *tenant.Tenant) (int, error) {
	var ids []uuid.UUID
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model((*Ticket)(nil)).Column("id").
			Where("tenant_id = ? AND status IN (?)", t.ID, bun.In([]State{Received, Dispatched, Accepted, InProgress, OnHold, Reopened, Completed})).
			Scan(ctx, &ids)
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
			tk, err := lock(ctx, tx, s.db.Postgres(), t.ID, id)
			if err != nil {
				return err
			}
			w := &work{s: s, tx: tx, t: t, tk: tk, now: s.now()}
			if err := w.reschedule(ctx); err != nil {
				return err
			}
			return save(ctx, tx, tk)
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// reschedule sets the timers a ticket in its current state waits for.
func (w *work) reschedule(ctx context.Context) error {
	tk := w.tk
	if tk.Status != Completed {
		if tk.HoldSince != nil {
			return nil // resuming sets them
		}
		return w.scheduleDeadlines(ctx)
	}
	st, err := w.settings(ctx)
	if err != nil {
		return err
	}
	if tk.CallbackState == CallbackRetry && tk.CallbackDue != nil {
		if err := w.s.jobs.InsertTx(ctx, w.tx, callbackArgs{TenantID: w.t.ID, TicketID: tk.ID, Attempt: tk.CallbackAttempts},
			&river.InsertOpts{ScheduledAt: *tk.CallbackDue}); err != nil {
			return err
		}
	}
	if tk.CompletedAt != nil && tk.FollowedUpAt == nil && !tk.FollowupMissed && tk.CallbackState != "" {
		at := tk.CompletedAt.AddDate(0, 0, st.FollowupDays)
		return w.s.jobs.InsertTx(ctx, w.tx, followupArgs{TenantID: w.t.ID, TicketID: tk.ID, CompletedAt: *tk.CompletedAt},
			&river.InsertOpts{ScheduledAt: maxTime(at, w.now)})
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
