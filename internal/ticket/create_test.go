package ticket_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// A batch of creates (group commit) gives each its own ticket, number,
// timeline and timer, deals round-robin tickets in turn, answers a key
// used twice with the first ticket, and keeps one create's failure its
// own.
func TestBatchedCreates(t *testing.T) {
	f := newFixture(t)
	_, err := f.svc.AddRule(f.ctx, f.alpha.ID, estate.Scope{All: true}, ticket.Rule{EstateID: f.north, TeamID: f.team, Mode: ticket.RoundRobin})
	must(t, err)
	clerk := f.as("clerk")
	item := func(key string) ticket.BatchItem {
		return ticket.BatchItem{Actor: clerk, In: f.intake(), Key: key, Auto: true}
	}
	res := f.svc.WriteBatch(f.ctx, f.alpha, []ticket.BatchItem{item("b1"), item("b2"), item("b1"), item(""), item("")})
	seen := map[string]bool{}
	var assignees []uuid.UUID
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("item %d: %v", i, r.Err)
		}
		if i == 2 {
			if !r.Replayed || r.Ticket != nil {
				t.Fatalf("key b1 twice in a batch: %+v", r)
			}
			continue
		}
		tk := r.Ticket
		if r.Replayed || tk == nil || seen[tk.Number] || tk.Status != ticket.Dispatched || tk.AssigneeID == nil {
			t.Fatalf("item %d: %+v", i, r)
		}
		seen[tk.Number] = true
		assignees = append(assignees, *tk.AssigneeID)
		d := f.get(tk.ID)
		if k := kinds(d); k[ticket.KindCreated] != 1 || k[string(ticket.Dispatch)] != 1 {
			t.Fatalf("item %d timeline: %v", i, k)
		}
	}
	if assignees[0] == assignees[1] || assignees[0] != assignees[2] || assignees[1] != assignees[3] {
		t.Fatalf("round robin in a batch gave %v", assignees)
	}
	// The replay through Create finds b1's ticket; the next create goes on
	// with the turn where the batch stopped.
	again, err := f.svc.Create(f.ctx, f.alpha, clerk, f.intake(), "b1", true)
	must(t, err)
	if !again.Replayed || again.Ticket.ID != res[0].Ticket.ID {
		t.Fatalf("replay of b1: %+v", again)
	}
	f.clock.advance(time.Second)
	next, err := f.svc.Create(f.ctx, f.alpha, clerk, f.intake(), "", true)
	must(t, err)
	if *next.Ticket.AssigneeID != assignees[0] {
		t.Fatalf("after the batch the turn went to %v, want %v", *next.Ticket.AssigneeID, assignees[0])
	}

	// A create that fails leaves the others of its batch, and its key, alone.
	bad := item("b3")
	stranger := uuid.New()
	bad.In.UnitID = &stranger
	res = f.svc.WriteBatch(f.ctx, f.alpha, []ticket.BatchItem{item("b4"), bad, item("")})
	if !errors.Is(res[1].Err, database.ErrNotFound) || res[1].Ticket != nil {
		t.Fatalf("unknown unit: %+v", res[1])
	}
	if res[0].Err != nil || res[2].Err != nil || res[0].Ticket == nil || res[2].Ticket == nil {
		t.Fatalf("good creates beside a bad one: %+v %+v", res[0], res[2])
	}
	fixed, err := f.svc.Create(f.ctx, f.alpha, clerk, f.intake(), "b3", true)
	must(t, err)
	if fixed.Replayed {
		t.Fatal("the failed create's key was kept")
	}

	// Every batched ticket has its timer: a week on, each is breached once.
	f.clock.advance(7 * 24 * time.Hour)
	f.run()
	for _, id := range []uuid.UUID{res[0].Ticket.ID, res[2].Ticket.ID, next.Ticket.ID} {
		if k := kinds(f.get(id)); k[ticket.KindResolveBreach] != 1 {
			t.Fatalf("ticket %s after a week: %v", id, k)
		}
	}
}

// Concurrent creates through Create share transactions and all land.
func TestConcurrentCreatesAllLand(t *testing.T) {
	f := newFixture(t)
	var wg sync.WaitGroup
	ids := make([]uuid.UUID, 40)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := f.svc.Create(f.ctx, f.alpha, f.as("clerk"), f.intake(), uuid.NewString(), false)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = c.Ticket.ID
		}()
	}
	wg.Wait()
	p, err := f.svc.List(f.ctx, f.alpha.ID, f.as("boss"), ticket.Filter{Limit: 100})
	must(t, err)
	if len(p.Rows) != len(ids) {
		t.Fatalf("%d tickets for %d creates", len(p.Rows), len(ids))
	}
}

// In a running process the sweep is a periodic job, also run at start: a
// deadline that passed while the process was down fires without a request.
func TestPeriodicSweepFiresDueTimers(t *testing.T) {
	f := newFixture(t)
	tk := f.create(f.intake())
	f.clock.advance(40 * time.Minute) // the response deadline passes
	jobs, err := job.New(f.db, job.Options{Now: f.clock.Now, Logger: quiet})
	must(t, err)
	_, err = ticket.NewService(f.db, jobs, ticket.Options{Now: f.clock.Now, SweepEvery: time.Hour, DataDir: f.dataDir, Mail: f.mail})
	must(t, err)
	must(t, jobs.Start(f.ctx))
	defer func() { must(t, jobs.Stop(f.ctx)) }()
	for end := time.Now().Add(30 * time.Second); f.get(tk.ID).Ticket.ResponseBreachedAt == nil; {
		if time.Now().After(end) {
			t.Fatal("the sweep did not fire the response deadline within 30s of the start")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A batch whose round-robin team is being dealt by another replica's batch
// waits for it, and still gives every ticket a member.
func TestDealWaitsForAnotherReplica(t *testing.T) {
	if dbtest.Dialect() != "postgres" {
		t.Skip("SQLite has one writer: batches cannot overlap")
	}
	f := newFixture(t)
	_, err := f.svc.AddRule(f.ctx, f.alpha.ID, estate.Scope{All: true}, ticket.Rule{EstateID: f.north, TeamID: f.team, Mode: ticket.RoundRobin})
	must(t, err)
	// The other replica's batch: it holds every member of the team.
	other, err := f.db.Bun.BeginTx(f.ctx, nil)
	must(t, err)
	defer other.Rollback()
	_, err = other.ExecContext(f.ctx, "SELECT set_config('app.tenant_id', ?, true)", f.alpha.ID.String())
	must(t, err)
	_, err = other.ExecContext(f.ctx, "SELECT 1 FROM team_members WHERE tenant_id = ? AND team_id = ? FOR UPDATE", f.alpha.ID, f.team)
	must(t, err)
	done := make(chan []ticket.BatchResult)
	go func() {
		done <- f.svc.WriteBatch(f.ctx, f.alpha, []ticket.BatchItem{
			{Actor: f.as("clerk"), In: f.intake(), Auto: true}, {Actor: f.as("clerk"), In: f.intake(), Auto: true}})
	}()
	select {
	case res := <-done:
		t.Fatalf("the batch did not wait for the members: %+v %+v", res[0], res[1])
	case <-time.After(300 * time.Millisecond):
	}
	must(t, other.Commit())
	for i, r := range <-done {
		if r.Err != nil || r.Ticket.AssigneeID == nil {
			t.Fatalf("ticket %d: %+v", i, r)
		}
	}
}
