package ticket

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// RecordCallback records a call-back (回访). Not reached: a retry is
// scheduled in the office's open time, until the tenant's limit; then the
// owner is unreachable and the round is over (a reopen starts a new one).
// Reached: the scores are kept, the ticket is followed up and, by the
// settings (CallbackCloses), closed; a dissatisfied owner (overall ≤ 2)
// reopens it instead and the estate's office heads are told.
func (s *Service) RecordCallback(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, o Outcome) (*Ticket, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		tk := w.tk
		if tk.Status != Completed || (tk.CallbackState != CallbackDue && tk.CallbackState != CallbackRetry) {
			return ErrNoCallback
		}
		st, err := w.settings(ctx)
		if err != nil {
			return err
		}
		tk.CallbackAttempts++
		cb := &Callback{TenantID: t.ID, ID: uuid.New(), TicketID: tk.ID, Attempt: tk.CallbackAttempts, Reached: o.Reached,
			Overall: o.Overall, Speed: o.Speed, Attitude: o.Attitude, Comment: o.Comment, ByID: a.UserID, At: w.now}
		if _, err := w.tx.NewInsert().Model(cb).Exec(ctx); err != nil {
			return err
		}
		data := map[string]any{"attempt": cb.Attempt, "reached": o.Reached}
		if !o.Reached {
			if tk.CallbackAttempts >= st.CallbackMaxAttempts {
				tk.CallbackState, tk.CallbackDue = CallbackUnreachable, nil
				data["gave_up"] = true
			} else {
				cal, err := w.officeCalendar(ctx)
				if err != nil {
					return err
				}
				due := RetryAt(cal, w.now, st.CallbackRetryMinutes)
				tk.CallbackState, tk.CallbackDue = CallbackRetry, &due
				data["retry_at"] = due
				if err := s.jobs.InsertTx(ctx, w.tx, callbackArgs{TenantID: t.ID, TicketID: tk.ID, Attempt: tk.CallbackAttempts},
					&river.InsertOpts{ScheduledAt: due}); err != nil {
					return err
				}
			}
			_, err := w.note(ctx, &a.UserID, KindCallback, o.Comment, data)
			return err
		}
		tk.CallbackState, tk.CallbackDue, tk.FollowedUpAt, tk.Satisfaction = CallbackDone, nil, &w.now, o.Overall
		data["overall"], data["speed"], data["attitude"] = o.Overall, o.Speed, o.Attitude
		if _, err := w.move(ctx, &a.UserID, FollowUp, o.Comment, data); err != nil {
			return err
		}
		if err := w.publish(ctx, EventFollowedUp); err != nil {
			return err
		}
		if o.Overall > Dissatisfied {
			if !st.CallbackCloses {
				return nil
			}
			return w.close(ctx, &a.UserID, "", nil)
		}
		if err := w.reopen(ctx, nil, o.Comment); err != nil {
			return err
		}
		heads, err := holders(ctx, w.tx, t.ID, rbac.OfficeHead, tk.EstateID)
		if err != nil {
			return err
		}
		return w.notify(ctx, heads, nil, NoteReopened)
	})
}

// retryAt is when an owner not reached at now is called again: the retry
// interval later, or the office's next open time after it, since the
// clerks who call back work in the office's hours.
func RetryAt(office *Calendar, now time.Time, minutes int) time.Time {
	due := now.Add(time.Duration(minutes) * time.Minute)
	if at, err := office.Next(due); err == nil {
		return at
	}
	return due
}
