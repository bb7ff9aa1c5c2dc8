package ticket

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// onJob runs fn on the job's ticket in one transaction with the job's
// completion: its effect and the fact that it ran commit together, so a
// timer fires once even across a crash. A ticket that is gone completes
// the job with nothing to do.
func onJob[T river.JobArgs](ctx context.Context, s *Service, j *river.Job[T], tenantID, ticketID uuid.UUID, fn func(ctx context.Context, w *work) error) error {
	return s.onTicket(ctx, tenantID, ticketID, fn, func(ctx context.Context, tx bun.Tx) error {
		return job.CompleteTx(ctx, tx, j)
	})
}

// onTicket runs fn on a ticket under its row lock and saves what fn
// changed; then, in the same transaction, done (also when the ticket or its
// tenant is gone). A change of the timer alone leaves updated_at as it is:
// nobody sees it.
func (s *Service) onTicket(ctx context.Context, tenantID, ticketID uuid.UUID, fn func(ctx context.Context, w *work) error, done func(ctx context.Context, tx bun.Tx) error) error {
	t, err := tenant.ByID(ctx, s.db.Reader(), tenantID)
	if err != nil {
		if errors.Is(database.Normalize(err), database.ErrNotFound) {
			return nil
		}
		return err
	}
	return s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tk, err := lock(ctx, tx, s.db.Postgres(), tenantID, ticketID)
		if errors.Is(err, database.ErrNotFound) {
			return done(ctx, tx)
		}
		if err != nil {
			return err
		}
		w := &work{s: s, tx: tx, t: t, tk: tk, now: s.now()}
		before := *tk
		if err := fn(ctx, w); err != nil {
			return err
		}
		if *tk != before {
			if before.TimerAt = tk.TimerAt; *tk != before {
				tk.UpdatedAt = w.now
			}
			if err := save(ctx, tx, tk); err != nil {
				return err
			}
		}
		return done(ctx, tx)
	})
}

type timerWorker struct {
	river.WorkerDefaults[timerArgs]
	s *Service
}

func (tw *timerWorker) Work(ctx context.Context, j *river.Job[timerArgs]) error {
	a := j.Args
	return onJob(ctx, tw.s, j, a.TenantID, a.TicketID, func(ctx context.Context, w *work) error {
		tk := w.tk
		if a.What != timerLevel {
			// A deadline timer queued before deadlines moved to the
			// ticket's timer_at: what is due fires, as the sweep would.
			return w.fireDue(ctx)
		}
		l, ok, err := w.level(ctx, a)
		if err != nil || !ok {
			return err
		}
		// A major complaint is escalated while it is open; a warning or a
		// breach only while its deadline still stands.
		if l.Trigger == OnMajor && !tk.Status.Open() {
			return nil
		}
		running := tk.Status.Open() && tk.HoldSince == nil && tk.CompletedAt == nil
		if l.Trigger != OnMajor && (!running || tk.SLAGen != a.Gen) {
			return nil
		}
		return w.escalate(ctx, l)
	})
}

// deadline records a deadline reached, unless what it checks has happened
// in time.
func (w *work) deadline(ctx context.Context, what string) error {
	tk := w.tk
	switch what {
	case timerResponse:
		if tk.RespondedAt != nil || tk.ResponseBreachedAt != nil {
			return nil
		}
		tk.ResponseBreachedAt = &w.now
		_, err := w.note(ctx, nil, KindResponseBreach, "", map[string]any{"due": tk.ResponseDue})
		return err
	case timerWarn:
		if tk.WarnedAt != nil {
			return nil
		}
		tk.WarnedAt = &w.now
		if _, err := w.note(ctx, nil, KindWarning, "", map[string]any{"due": tk.ResolveDue}); err != nil {
			return err
		}
		return w.escalateOn(ctx, OnWarning)
	default:
		if tk.ResolveBreachedAt != nil {
			return nil
		}
		tk.ResolveBreachedAt = &w.now
		if _, err := w.note(ctx, nil, KindResolveBreach, "", map[string]any{"due": tk.ResolveDue}); err != nil {
			return err
		}
		return w.escalateOn(ctx, OnBreach)
	}
}

// level finds the ladder level a timer names; a level deleted since is
// skipped.
func (w *work) level(ctx context.Context, a timerArgs) (Level, bool, error) {
	cf, err := w.conf(ctx)
	if err != nil {
		return Level{}, false, err
	}
	for _, l := range cf.ladder {
		if (a.Level != uuid.Nil && l.ID == a.Level) || (a.Level == uuid.Nil && l.ID == uuid.Nil && l.Position == a.Position) {
			return l, true, nil
		}
	}
	return Level{}, false, nil
}

// callbackArgs brings a ticket back to the call-back queue when its retry
// is due.
type callbackArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	TicketID uuid.UUID `json:"ticket_id"`
	Attempt  int       `json:"attempt"`
}

func (callbackArgs) Kind() string                 { return "ticket_callback_retry" }
func (callbackArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

type callbackWorker struct {
	river.WorkerDefaults[callbackArgs]
	s *Service
}

func (cw *callbackWorker) Work(ctx context.Context, j *river.Job[callbackArgs]) error {
	a := j.Args
	return onJob(ctx, cw.s, j, a.TenantID, a.TicketID, func(ctx context.Context, w *work) error {
		tk := w.tk
		if tk.Status != Completed || tk.CallbackState != CallbackRetry || tk.CallbackAttempts != a.Attempt {
			return nil
		}
		tk.CallbackState, tk.CallbackDue = CallbackDue, &w.now
		_, err := w.note(ctx, nil, KindCallbackRetry, "", map[string]any{"attempt": a.Attempt + 1})
		return err
	})
}

// followupArgs checks, N days after completion, that the ticket was called
// back; if not it counts as not followed up.
type followupArgs struct {
	TenantID    uuid.UUID `json:"tenant_id"`
	TicketID    uuid.UUID `json:"ticket_id"`
	CompletedAt time.Time `json:"completed_at"`
}

func (followupArgs) Kind() string                 { return "ticket_followup_check" }
func (followupArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

type followupWorker struct {
	river.WorkerDefaults[followupArgs]
	s *Service
}

func (fw *followupWorker) Work(ctx context.Context, j *river.Job[followupArgs]) error {
	a := j.Args
	return onJob(ctx, fw.s, j, a.TenantID, a.TicketID, func(ctx context.Context, w *work) error {
		tk := w.tk
		if tk.CompletedAt == nil || !tk.CompletedAt.Equal(a.CompletedAt) || tk.FollowedUpAt != nil || tk.FollowupMissed {
			return nil
		}
		tk.FollowupMissed = true
		_, err := w.note(ctx, nil, KindFollowupMissed, "", nil)
		return err
	})
}
