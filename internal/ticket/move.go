package ticket

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// change loads a ticket in the actor's scope for change, lets fn change it
// and saves it, all in one transaction.
func (s *Service) change(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, fn func(ctx context.Context, w *work) error) (*Ticket, error) {
	var out *Ticket
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		tk, err := lock(ctx, tx, s.db.Postgres(), t.ID, id)
		if err != nil {
			return err
		}
		if err := s.allows(ctx, tx, a, tk); err != nil {
			return err
		}
		w := &work{s: s, tx: tx, t: t, tk: tk, now: s.now()}
		if err := fn(ctx, w); err != nil {
			return err
		}
		tk.UpdatedAt = w.now
		if err := save(ctx, tx, tk); err != nil {
			return err
		}
		out = tk
		if !a.mayCall(tk) {
			masked := *tk
			masked.CallerPhone = MaskPhone(tk.CallerPhone)
			out = &masked
		}
		return nil
	})
	return out, database.Normalize(err)
}

// accept records the first response: the deadline to respond is met.
func (w *work) accept(ctx context.Context, a Actor, note string) error {
	if _, err := w.move(ctx, &a.UserID, Accept, note, nil); err != nil {
		return err
	}
	if w.tk.RespondedAt == nil {
		w.tk.RespondedAt = &w.now
	}
	return nil
}

// Accept: the worker takes the dispatched ticket (接单), with an optional
// note (when they will come, what to bring).
func (s *Service) Accept(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, note string) (*Ticket, error) {
	note, err := checkReason(note, false)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := Next(w.tk.Status, Accept); err != nil {
			return err
		}
		if err := w.take(ctx, a); err != nil {
			return err
		}
		return w.accept(ctx, a, note)
	})
}

// Start: the worker is on site.
func (s *Service) Start(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, note string) (*Ticket, error) {
	return s.fieldMove(ctx, t, a, id, Start, note, false)
}

// Hold pauses the deadlines while waiting for the owner or for parts.
func (s *Service) Hold(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, reason string) (*Ticket, error) {
	return s.fieldMove(ctx, t, a, id, Hold, reason, true)
}

// Resume ends a hold; the deadlines move by the open time it took.
func (s *Service) Resume(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, note string) (*Ticket, error) {
	return s.fieldMove(ctx, t, a, id, Resume, note, false)
}

// Complete records the work done. Complaints and repairs (by the tenant's
// settings) then wait for a call-back.
func (s *Service) Complete(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, note string) (*Ticket, error) {
	return s.fieldMove(ctx, t, a, id, Complete, note, false)
}

// fieldMove is a move of the team's work, by its worker or leader (or a
// dispatcher on their behalf).
func (s *Service) fieldMove(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, ev Event, body string, reasonRequired bool) (*Ticket, error) {
	body, err := checkReason(body, reasonRequired)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := Next(w.tk.Status, ev); err != nil {
			return err
		}
		if err := w.take(ctx, a); err != nil {
			return err
		}
		if _, err := w.move(ctx, &a.UserID, ev, body, nil); err != nil {
			return err
		}
		switch ev {
		case Hold:
			w.tk.HoldSince = &w.now
		case Resume:
			return w.resumeDeadlines(ctx)
		case Complete:
			return w.completed(ctx)
		}
		return nil
	})
}

// completed stops the clock and queues the call-back.
func (w *work) completed(ctx context.Context) error {
	w.tk.CompletedAt = &w.now
	if w.tk.RespondedAt == nil {
		w.tk.RespondedAt = &w.now
	}
	st, err := w.settings(ctx)
	if err != nil {
		return err
	}
	if !st.CallsBack(w.tk.Type) {
		return nil
	}
	w.tk.CallbackState, w.tk.CallbackDue, w.tk.CallbackAttempts = CallbackDue, &w.now, 0
	w.tk.FollowedUpAt = nil
	return w.s.jobs.InsertTx(ctx, w.tx, followupArgs{TenantID: w.t.ID, TicketID: w.tk.ID, CompletedAt: w.now},
		&river.InsertOpts{ScheduledAt: w.now.AddDate(0, 0, st.FollowupDays)})
}

// Cancel withdraws a ticket, with a reason (a duplicate, the owner
// withdrew it…).
func (s *Service) Cancel(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, reason string) (*Ticket, error) {
	reason, err := checkReason(reason, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := w.move(ctx, &a.UserID, Cancel, reason, nil); err != nil {
			return err
		}
		w.tk.ClosedAt = &w.now
		w.tk.CallbackState = ""
		return nil
	})
}

// Close ends a completed or followed-up ticket. Closing one whose owner
// is still to be called back needs a reason: the call-back is how the
// center knows the work was done.
func (s *Service) Close(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, note string) (*Ticket, error) {
	note, err := checkReason(note, false)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		pending := w.tk.CallbackState == CallbackDue || w.tk.CallbackState == CallbackRetry
		if _, err := Next(w.tk.Status, Close); err == nil && pending && note == "" {
			return ErrCloseReason
		}
		return w.close(ctx, &a.UserID, note, nil)
	})
}

// close ends the ticket.
func (w *work) close(ctx context.Context, actor *uuid.UUID, note string, data map[string]any) error {
	if _, err := w.move(ctx, actor, Close, note, data); err != nil {
		return err
	}
	w.tk.ClosedAt = &w.now
	if w.tk.CallbackState == CallbackDue || w.tk.CallbackState == CallbackRetry {
		// Closed without reaching the owner: the queue lets it go.
		w.tk.CallbackState = ""
	}
	return nil
}

// Reopen brings a finished ticket back, with a reason (the owner calls
// again).
func (s *Service) Reopen(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, reason string) (*Ticket, error) {
	reason, err := checkReason(reason, true)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		return w.reopen(ctx, &a.UserID, reason)
	})
}

func (w *work) reopen(ctx context.Context, actor *uuid.UUID, reason string) error {
	if _, err := w.move(ctx, actor, Reopen, reason, nil); err != nil {
		return err
	}
	w.tk.ReopenCount++
	w.tk.ClosedAt, w.tk.CallbackState, w.tk.CallbackDue = nil, "", nil
	w.tk.TeamID, w.tk.AssigneeID, w.tk.DispatchMode = nil, nil, ""
	return w.resetDeadlines(ctx)
}

// Comment adds a note to the timeline: internal, or visible to the owner.
func (s *Service) Comment(ctx context.Context, t *tenant.Tenant, a Actor, id uuid.UUID, body string, ownerVisible bool) (*Entry, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxCommentLen {
		return nil, ErrInvalidComment
	}
	var e *Entry
	_, err := s.change(ctx, t, a, id, func(ctx context.Context, w *work) error {
		if _, err := w.mayWork(ctx, a); err != nil {
			return err
		}
		e = newEntry(w.tk, w.now, &a.UserID, KindComment)
		e.Body, e.OwnerVisible = body, ownerVisible
		return insertEntries(ctx, w.tx, e)
	})
	return e, err
}
