package ticket

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// work is one change to a ticket inside one transaction: the state move,
// its timeline entries, the timers it schedules and the events it
// publishes all commit together, or none does.
type work struct {
	s   *Service
	tx  bun.Tx
	t   *tenant.Tenant
	tk  *Ticket
	now time.Time
	cal *Calendar // the deadlines' calendar, once read
	// jobs, when set, collects the jobs the change enqueues, for one
	// insert of them all; nil inserts each at once.
	jobs *[]river.InsertManyParams
	// turns, when set, collects round-robin dispatches for deal.
	turns turns
}

// enqueue inserts a job in the change's transaction, or collects it.
func (w *work) enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	if w.jobs != nil {
		*w.jobs = append(*w.jobs, river.InsertManyParams{Args: args, InsertOpts: opts})
		return nil
	}
	return w.s.jobs.InsertTx(ctx, w.tx, args, opts)
}

// move applies ev to the ticket through the state machine and records it.
func (w *work) move(ctx context.Context, actor *uuid.UUID, ev Event, body string, data map[string]any) (*Entry, error) {
	from := w.tk.Status
	to, err := Next(from, ev)
	if err != nil {
		return nil, err
	}
	w.tk.Status = to
	w.tk.UpdatedAt = w.now
	e := newEntry(w.tk, w.now, actor, string(ev))
	e.FromStatus, e.ToStatus, e.Body = from, to, body
	if len(data) > 0 {
		b, _ := json.Marshal(data)
		e.Data = string(b)
	}
	if err := insertEntries(ctx, w.tx, e); err != nil {
		return nil, err
	}
	if from != to {
		if err := w.publish(ctx, EventStatusChanged); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// note adds a timeline entry that is not a move.
func (w *work) note(ctx context.Context, actor *uuid.UUID, kind, body string, data map[string]any) (*Entry, error) {
	e := newEntry(w.tk, w.now, actor, kind)
	e.Body = body
	if len(data) > 0 {
		b, _ := json.Marshal(data)
		e.Data = string(b)
	}
	return e, insertEntries(ctx, w.tx, e)
}

// publish sends a webhook event with the ticket as it is now.
func (w *work) publish(ctx context.Context, event string) error {
	if w.s.opt.Publisher == nil {
		return nil
	}
	return w.s.opt.Publisher.PublishTx(ctx, w.tx, w.t.ID, event, w.tk)
}

// calendar is the calendar of the ticket's deadlines.
func (w *work) calendar(ctx context.Context) (*Calendar, error) {
	if w.cal != nil {
		return w.cal, nil
	}
	est, err := estate.ByID(ctx, w.tx, w.t.ID, w.tk.EstateID)
	if err != nil {
		return nil, err
	}
	w.cal, err = w.s.calendarOf(ctx, w.tx, w.t, est, w.tk.Clock)
	return w.cal, err
}

// officeCalendar is the office hours of the ticket's estate, whatever
// clock its deadlines count in.
func (w *work) officeCalendar(ctx context.Context) (*Calendar, error) {
	est, err := estate.ByID(ctx, w.tx, w.t.ID, w.tk.EstateID)
	if err != nil {
		return nil, err
	}
	return w.s.officeCalendar(ctx, w.tx, w.t, est)
}

// conf is the tenant's ticket configuration.
func (w *work) conf(ctx context.Context) (*conf, error) {
	return w.s.conf(ctx, w.tx, w.t.ID)
}

// settings are the tenant's call-back and warning rules.
func (w *work) settings(ctx context.Context) (Settings, error) {
	cf, err := w.conf(ctx)
	if err != nil {
		return Settings{}, err
	}
	return cf.settings, nil
}

// Timer kinds: the warning before the resolution deadline, the two
// breaches, and an escalation level that starts some time after its
// trigger.
const (
	timerWarn     = "warn"
	timerResponse = "response"
	timerResolve  = "resolve"
	timerLevel    = "level"
)

// timerArgs is an escalation level's timer (What timerLevel), or a
// deadline timer queued before deadlines moved to the ticket's timer_at.
// Gen is the ticket's SLAGen when it was scheduled: when the deadlines move
// (a hold ends, the ticket is reopened) the generation changes and older
// level timers do nothing.
type timerArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	TicketID uuid.UUID `json:"ticket_id"`
	Gen      int       `json:"gen"`
	What     string    `json:"what"`
	Level    uuid.UUID `json:"level,omitempty"`
	// Position is the built-in level's position when Level is nil.
	Position int `json:"position,omitempty"`
}

func (timerArgs) Kind() string { return "ticket_timer" }

// InsertOpts: a timer that fails (the database is away) is retried; its
// effect and its completion commit together, so it fires once.
func (timerArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, Queue: river.QueueDefault}
}

// scheduleDeadlines starts a new generation of deadlines: it sets the
// warning's instant and the ticket's next timer.
func (w *work) scheduleDeadlines(ctx context.Context) error {
	w.tk.SLAGen++
	tk := w.tk
	tk.WarnDue = nil
	if tk.ResolveDue != nil && tk.CompletedAt == nil && tk.WarnedAt == nil {
		st, err := w.settings(ctx)
		if err != nil {
			return err
		}
		warn := w.now.Add(tk.ResolveDue.Sub(w.now) * time.Duration(st.WarnPercent) / 100)
		if cal, err := w.calendar(ctx); err == nil {
			// In open time: 80% of a three-day window is not 80% of the
			// wall-clock hours, which would include nights.
			open := cal.Elapsed(w.now, *tk.ResolveDue, nil)
			if at, err := cal.Add(w.now, open*time.Duration(st.WarnPercent)/100, nil); err == nil {
				warn = at
			}
		}
		tk.WarnDue = &warn
	}
	w.scheduleNext()
	return nil
}

// scheduleNext sets the ticket's timer to its earliest deadline still
// pending; none when the clock does not run.
func (w *work) scheduleNext() {
	if what, at := w.nextTimer(); what != "" {
		w.tk.TimerAt = &at
	} else {
		w.tk.TimerAt = nil
	}
}

// nextTimer is the ticket's earliest deadline still pending and what it
// is; "" when the clock does not run.
func (w *work) nextTimer() (string, time.Time) {
	tk := w.tk
	if !tk.Status.Open() || tk.CompletedAt != nil || tk.HoldSince != nil {
		return "", time.Time{}
	}
	what, at := "", time.Time{}
	consider := func(kind string, due *time.Time, pending bool) {
		if pending && due != nil && (what == "" || due.Before(at)) {
			what, at = kind, *due
		}
	}
	consider(timerResponse, tk.ResponseDue, tk.RespondedAt == nil && tk.ResponseBreachedAt == nil)
	consider(timerWarn, tk.WarnDue, tk.WarnedAt == nil)
	consider(timerResolve, tk.ResolveDue, tk.ResolveBreachedAt == nil)
	return what, at
}

// fireDue records the deadlines that have passed, each once, and sets the
// timer to the next.
func (w *work) fireDue(ctx context.Context) error {
	for {
		what, at := w.nextTimer()
		if what == "" || at.After(w.now) {
			break
		}
		// Each records its deadline as reached, so the next round looks
		// at a later one: three rounds at most.
		if err := w.deadline(ctx, what); err != nil {
			return err
		}
	}
	w.scheduleNext()
	return nil
}

func (w *work) timer(ctx context.Context, what string, at time.Time, level uuid.UUID, position int) error {
	args := timerArgs{TenantID: w.t.ID, TicketID: w.tk.ID, Gen: w.tk.SLAGen, What: what, Level: level, Position: position}
	return w.enqueue(ctx, args, &river.InsertOpts{ScheduledAt: at})
}

// escalateOn runs the ladder's levels of a trigger: those due at once
// notify now, later ones are scheduled.
func (w *work) escalateOn(ctx context.Context, tr Trigger) error {
	cf, err := w.conf(ctx)
	if err != nil {
		return err
	}
	for _, l := range cf.ladder {
		if l.Trigger != tr {
			continue
		}
		if l.AfterMinutes == 0 {
			if err := w.escalate(ctx, l); err != nil {
				return err
			}
			continue
		}
		if err := w.timer(ctx, timerLevel, w.now.Add(time.Duration(l.AfterMinutes)*time.Minute), l.ID, l.Position); err != nil {
			return err
		}
	}
	return nil
}

// resetDeadlines starts new deadlines from now, as for a reopened ticket.
func (w *work) resetDeadlines(ctx context.Context) error {
	cf, err := w.conf(ctx)
	if err != nil {
		return err
	}
	// The policy may have changed since intake, its clock with it.
	pol := cf.policy(w.tk)
	w.tk.Clock, w.cal = pol.Clock, nil
	cal, err := w.calendar(ctx)
	if err != nil {
		return err
	}
	res, err := due(cal, w.now, pol.ResolveMinutes)
	if err != nil {
		return err
	}
	w.tk.ResolveDue, w.tk.CompletedAt, w.tk.WarnedAt = res, nil, nil
	return w.scheduleDeadlines(ctx)
}

// resumeDeadlines moves the deadlines by the open time the hold took: the
// team could not work while waiting for the owner or for parts.
func (w *work) resumeDeadlines(ctx context.Context) error {
	since := w.tk.HoldSince
	w.tk.HoldSince = nil
	if since == nil {
		return nil
	}
	cal, err := w.calendar(ctx)
	if err != nil {
		return err
	}
	shift := func(due *time.Time) (*time.Time, error) {
		if due == nil || !due.After(*since) {
			return due, nil
		}
		left := cal.Elapsed(*since, *due, nil)
		at, err := cal.Add(w.now, left, nil)
		return &at, err
	}
	if w.tk.RespondedAt == nil {
		if w.tk.ResponseDue, err = shift(w.tk.ResponseDue); err != nil {
			return err
		}
	}
	if w.tk.ResolveDue, err = shift(w.tk.ResolveDue); err != nil {
		return err
	}
	return w.scheduleDeadlines(ctx)
}
