package ticket_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/ticket"
)

var shanghai = time.FixedZone("CST", 8*3600)

// saturday1459 is Saturday 2026-11-28 14:59 in Shanghai: North keeps the
// default office hours (Monday to Friday), so its office is closed.
var saturday1459 = time.Date(2026, 11, 28, 14, 59, 0, 0, shanghai)

// A center that answers seven days a week: a Saturday afternoon complaint
// is due that afternoon, while a routine repair waits for Monday's office.
func TestSaturdayComplaintCountsAroundTheClock(t *testing.T) {
	f := newFixture(t)
	f.clock.now = saturday1459.UTC()
	in := f.intake()
	in.Type = ticket.Complaint
	complaint := f.create(in)
	if want := saturday1459.Add(30 * time.Minute); complaint.Clock != ticket.AroundTheClock || complaint.ResponseDue == nil || !complaint.ResponseDue.Equal(want) {
		t.Fatalf("complaint: clock %q, response due %v, want %v", complaint.Clock, complaint.ResponseDue, want)
	}
	if want := saturday1459.Add(72 * time.Hour); !complaint.ResolveDue.Equal(want) {
		t.Fatalf("complaint resolve due %v, want %v", complaint.ResolveDue, want)
	}
	repair := f.create(f.intake())
	if want := time.Date(2026, 11, 30, 9, 0, 0, 0, shanghai); repair.Clock != ticket.BusinessHours || !repair.ResponseDue.Equal(want) {
		t.Fatalf("repair: clock %q, response due %v, want %v", repair.Clock, repair.ResponseDue, want)
	}
}

// A company's own policy chooses its clock; an emergency counts around the
// clock whatever the policy says.
func TestPolicyChoosesItsClock(t *testing.T) {
	f := newFixture(t)
	must(t, f.svc.SetPolicies(f.ctx, f.alpha.ID, []ticket.Policy{
		{Type: ticket.Repair, Priority: ticket.Normal, ResponseMinutes: 60, ResolveMinutes: 240, Clock: ticket.AroundTheClock},
		{Priority: ticket.Emergency, ResponseMinutes: 10, ResolveMinutes: 60, Clock: ticket.BusinessHours},
	}))
	cfg, err := f.svc.Config(f.ctx, f.alpha.ID)
	must(t, err)
	for _, p := range cfg.Policies {
		if want := ticket.AroundTheClock; p.Clock != want {
			t.Errorf("stored policy %s/%s: clock %q, want %q", p.Type, p.Priority, p.Clock, want)
		}
	}
	f.clock.now = saturday1459.UTC()
	repair := f.create(f.intake())
	if want := saturday1459.Add(time.Hour); !repair.ResponseDue.Equal(want) {
		t.Fatalf("repair on an around-the-clock policy: response due %v, want %v", repair.ResponseDue, want)
	}
	in := f.intake()
	in.Priority = ticket.Emergency
	if em := f.create(in); !em.ResolveDue.Equal(saturday1459.Add(time.Hour)) {
		t.Fatalf("emergency resolve due %v", em.ResolveDue)
	}
	if err := f.svc.SetPolicies(f.ctx, f.alpha.ID, []ticket.Policy{{Priority: ticket.Normal, ResponseMinutes: 1, ResolveMinutes: 2, Clock: "weekends"}}); !errors.Is(err, ticket.ErrInvalidPolicy) {
		t.Fatalf("unknown clock: %v", err)
	}
}

// Praise and suggestions get no deadlines by default, so a month later
// nothing has been missed and nobody was escalated to.
func TestPraiseAndSuggestionsNeverBreach(t *testing.T) {
	f := newFixture(t)
	var ids []ticket.Ticket
	for _, ty := range []ticket.Type{ticket.Praise, ticket.Suggestion} {
		in := f.intake()
		in.Type = ty
		tk := f.create(in)
		if tk.ResponseDue != nil || tk.ResolveDue != nil || tk.WarnDue != nil {
			t.Fatalf("%s: deadlines %v %v %v", ty, tk.ResponseDue, tk.ResolveDue, tk.WarnDue)
		}
		ids = append(ids, *tk)
	}
	for range 30 {
		f.clock.advance(24 * time.Hour)
		f.run()
	}
	for _, tk := range ids {
		d := f.get(tk.ID)
		k := kinds(d)
		if d.Ticket.Breached() || k[ticket.KindWarning]+k[ticket.KindResponseBreach]+k[ticket.KindResolveBreach]+k[ticket.KindEscalated] != 0 {
			t.Fatalf("%s after a month: %v", tk.Type, k)
		}
	}
	if n := len(f.mail.sent); n != 0 {
		t.Fatalf("%d mails sent, want none", n)
	}
}

// completeRepair records a repair and takes it to completed at the
// clock's time.
func (f *fixture) completeRepair(id *ticket.Ticket) {
	f.t.Helper()
	w1 := f.people["w1"]
	if id.Status == ticket.Received || id.Status == ticket.Reopened {
		_, err := f.svc.Dispatch(f.ctx, f.alpha, f.as("clerk"), id.ID, ticket.Assignment{TeamID: &f.team, WorkerID: &w1})
		must(f.t, err)
	}
	_, err := f.svc.Accept(f.ctx, f.alpha, f.as("w1"), id.ID, "")
	must(f.t, err)
	_, err = f.svc.Start(f.ctx, f.alpha, f.as("w1"), id.ID, "")
	must(f.t, err)
	_, err = f.svc.Complete(f.ctx, f.alpha, f.as("w1"), id.ID, "")
	must(f.t, err)
}

// Attempt numbers start again after a reopen; the call-backs are listed
// in the order they were made, not by attempt.
func TestCallbacksListedByTimeAcrossRounds(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	f.completeRepair(tk)
	_, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: false})
	must(t, err)
	f.clock.advance(2 * time.Hour)
	got, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: true, Overall: 1, Speed: 1, Attitude: 2, Comment: "还是漏"})
	must(t, err)
	if got.Status != ticket.Reopened {
		t.Fatalf("dissatisfied call-back left %s", got.Status)
	}
	f.clock.advance(time.Hour)
	f.completeRepair(got)
	f.clock.advance(time.Hour)
	_, err = f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: true, Overall: 5, Speed: 5, Attitude: 5})
	must(t, err)
	cbs := f.get(tk.ID).Callbacks
	if len(cbs) != 3 {
		t.Fatalf("%d call-backs, want 3", len(cbs))
	}
	attempts := [3]int{cbs[0].Attempt, cbs[1].Attempt, cbs[2].Attempt}
	for i := 1; i < len(cbs); i++ {
		if !cbs[i-1].At.Before(cbs[i].At) {
			t.Fatalf("call-backs out of time order: attempts %v", attempts)
		}
	}
	if attempts != [3]int{1, 2, 1} {
		t.Fatalf("attempts %v, want 1 2 1", attempts)
	}
}

// Once the owner is unreachable the round is over: no fourth attempt is
// recorded; a reopen starts a new round.
func TestCallbackStopsWhenUnreachable(t *testing.T) {
	f := newFixture(t)
	must(t, f.svc.SetSettings(f.ctx, f.alpha.ID, ticket.Settings{CallbackTypes: "repair", CallbackMaxAttempts: 2,
		CallbackRetryMinutes: 30, FollowupDays: 3, WarnPercent: 80}))
	tk := f.create(f.intake())
	f.completeRepair(tk)
	for range 2 {
		_, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: false})
		must(t, err)
	}
	for _, o := range []ticket.Outcome{{Reached: false}, {Reached: true, Overall: 4, Speed: 4, Attitude: 4}} {
		if _, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, o); !errors.Is(err, ticket.ErrNoCallback) {
			t.Fatalf("attempt after unreachable (reached=%v): %v", o.Reached, err)
		}
	}
	d := f.get(tk.ID)
	if d.Ticket.CallbackState != ticket.CallbackUnreachable || d.Ticket.CallbackAttempts != 2 || len(d.Callbacks) != 2 || d.Ticket.CallbackDue != nil {
		t.Fatalf("after unreachable: state %s, %d attempts, %d rows, due %v", d.Ticket.CallbackState, d.Ticket.CallbackAttempts, len(d.Callbacks), d.Ticket.CallbackDue)
	}
	reopened, err := f.svc.Reopen(f.ctx, f.alpha, f.as("clerk"), tk.ID, "业主来电：仍然漏水")
	must(t, err)
	f.completeRepair(reopened)
	got, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: false})
	must(t, err)
	if got.CallbackAttempts != 1 || got.CallbackState != ticket.CallbackRetry {
		t.Fatalf("new round: %d attempts, %s", got.CallbackAttempts, got.CallbackState)
	}
}

// A retry falls in the office's open time: not reached on Saturday at
// 14:33, the owner is called again on Monday when the office opens, not
// at 16:33 on Saturday; one due in the lunch break waits for 13:30.
func TestCallbackRetryWaitsForTheOffice(t *testing.T) {
	f := newFixture(t)
	cases := []struct{ at, want time.Time }{
		{time.Date(2026, 11, 28, 14, 33, 0, 0, shanghai), time.Date(2026, 11, 30, 8, 30, 0, 0, shanghai)},
		{time.Date(2026, 11, 30, 10, 30, 0, 0, shanghai), time.Date(2026, 11, 30, 13, 30, 0, 0, shanghai)},
		{time.Date(2026, 11, 30, 14, 0, 0, 0, shanghai), time.Date(2026, 11, 30, 16, 0, 0, 0, shanghai)},
	}
	for _, c := range cases {
		f.clock.now = c.at.UTC()
		tk := f.create(f.intake())
		f.completeRepair(tk)
		got, err := f.svc.RecordCallback(f.ctx, f.alpha, f.as("clerk"), tk.ID, ticket.Outcome{Reached: false})
		must(t, err)
		if got.CallbackDue == nil || !got.CallbackDue.Equal(c.want) {
			t.Errorf("not reached at %v: retry at %v, want %v", c.at, got.CallbackDue, c.want)
		}
	}
}

// Sorted by the resolution deadline, tickets without one come last, page
// after page, each once.
func TestDueSortKeepsTicketsWithoutDeadlines(t *testing.T) {
	f := newFixture(t)
	want := map[uuid.UUID]bool{}
	for i, ty := range []ticket.Type{ticket.Praise, ticket.Repair, ticket.Suggestion, ticket.Repair, ticket.Praise} {
		in := f.intake()
		in.Type = ty
		want[f.create(in).ID] = true
		f.clock.advance(time.Duration(i+1) * time.Minute)
	}
	boss := f.as("boss")
	var rows []ticket.Row
	cursor := ""
	for range 10 {
		p, err := f.svc.List(f.ctx, f.alpha.ID, boss, ticket.Filter{Sort: ticket.DueSoonest, Limit: 2, Cursor: cursor})
		must(t, err)
		rows = append(rows, p.Rows...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	seen := map[uuid.UUID]bool{}
	for i, r := range rows {
		if seen[r.ID] || !want[r.ID] {
			t.Fatalf("row %d: %s twice or unknown", i, r.Number)
		}
		seen[r.ID] = true
		if (i < 2) != (r.ResolveDue != nil) {
			t.Fatalf("row %d (%s): resolve due %v; the two repairs come first", i, r.Type, r.ResolveDue)
		}
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows over the pages, want %d", len(rows), len(want))
	}
}
